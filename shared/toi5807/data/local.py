"""The ``"local"`` source: a folder of per-sector files (also the reader of the cache folders).

:func:`load_local_dir` turns a folder of SPOC FITS light curves and target
pixel files, or tutorial CSVs, into a :class:`~toi5807.data.model.Dataset`.
The twin's and MAST's cache folders are read by the same function.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import target
from .model import Dataset, LightCurve, TPFStamp
from .readers import read_lc_csv, read_lc_fits, read_tpf_fits
from .sources import LoadRequest, register_source

__all__ = ["load_local_dir"]


# ---------------------------------------------------------------------------------------------
# local folders (also the reader of the twin's and MAST's cache folders)
# ---------------------------------------------------------------------------------------------
_CSV_RE = re.compile(r"^sector(\d+)_pdcsap\.csv$")


def _add(store: dict[int, Any], item: LightCurve | TPFStamp, name: str, kind: str) -> None:
    if item.sector in store:
        raise ValueError(f"{name}: a second {kind} for sector {item.sector} in the same folder")
    store[item.sector] = item


def load_local_dir(
    directory: str | Path,
    sectors: Sequence[int] | None = None,
    *,
    source: str = "local",
    meta: dict[str, Any] | None = None,
) -> Dataset:
    """Read a folder of per-sector files into a :class:`Dataset`.

    Recognised files: SPOC FITS light curves ``*lc.fits`` and target pixel files
    ``*tp.fits``; the tutorial CSV ``sector{N}_pdcsap.csv`` with an optional
    ``sector{N}_tpf.fits``. A sector with a light curve but no TPF has no entry
    in ``tpf_by_sector``.

    Parameters
    ----------
    directory : str or Path
    sectors : sequence of int, optional
        Keep only these sectors; each must have a light curve.
    source, meta
        Recorded in the returned dataset.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory.name or directory}: not a folder (source='local' needs path=<folder of sector files>)")
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    wanted = None if sectors is None else set(sectors)
    lcs: dict[int, LightCurve] = {}
    tpfs: dict[int, TPFStamp] = {}
    for p in files:
        m = _CSV_RE.match(p.name)
        csv_sector = int(m.group(1)) if m else None
        if wanted is not None and csv_sector is not None and csv_sector not in wanted:
            continue
        if csv_sector is not None:
            _add(lcs, read_lc_csv(p, sector=csv_sector), p.name, "light curve")
        elif p.name.endswith("lc.fits"):
            _add(lcs, read_lc_fits(p), p.name, "light curve")
        elif p.name.endswith("tp.fits") or re.match(r"^sector\d+_tpf\.fits$", p.name):
            _add(tpfs, read_tpf_fits(p), p.name, "target pixel file")
    if not lcs:
        raise ValueError(
            f"{directory.name}: no light curves found (expected sector<N>_pdcsap.csv or SPOC *lc.fits files)"
        )
    if wanted is not None:
        missing = sorted(wanted - set(lcs))
        if missing:
            raise ValueError(f"{directory.name}: no light curve for sector(s) {missing}; found {sorted(lcs)}")
        lcs = {s: v for s, v in lcs.items() if s in wanted}
        tpfs = {s: v for s, v in tpfs.items() if s in wanted}
    orphans = sorted(set(tpfs) - set(lcs))
    if orphans:
        warnings.warn(f"{directory.name}: target pixel files for sector(s) {orphans} have no light curve; ignored",
                      stacklevel=2)
        tpfs = {s: v for s, v in tpfs.items() if s in lcs}
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source=source,
                   meta=meta if meta is not None else _meta_from_files([*lcs.values(), *tpfs.values()]))


def _meta_from_files(items: list[LightCurve | TPFStamp]) -> dict[str, Any]:
    """Dataset provenance from its files: simulated if any file is, with the twin's scenario and seed when they agree."""
    sims = [i.provenance for i in items if i.simulated]
    if not sims:
        return {"simulated": False}
    meta: dict[str, Any] = {"simulated": True}
    for key in ("scenario", "seed"):
        values = {p.get(key) for p in sims}
        if len(values) == 1 and None not in values:
            meta[key] = values.pop()
    return meta


def _load_local(req: LoadRequest) -> Dataset:
    if req.path is None:
        raise ValueError("source='local' needs path=<folder holding sector<N>_pdcsap.csv or SPOC *lc.fits files>")
    sectors = None if req.sectors == target.SECTORS else req.sectors
    return load_local_dir(req.path, sectors)


register_source("local", _load_local)
