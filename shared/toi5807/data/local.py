"""The ``"local"`` source: a folder of per-sector files (also the reader of the cache folders).

:func:`load_local_dir` turns a folder of SPOC FITS light curves and target
pixel files, or tutorial CSVs, into a :class:`~toi5807.data.model.Dataset`.
The twin's and MAST's cache folders are read by the same function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import target
from .aperture import APERTURE_PHOTOMETRY_NOTE, aperture_light_curve
from .cutout import CUTOUT_NOTE, is_cutout_name, read_cutout_fits
from .model import Dataset, LightCurve, TPFStamp
from .readers import read_lc_csv, read_lc_fits, read_tpf_fits
from .sources import LoadRequest, register_source
from .validate import check_one_star, check_path, clip

__all__ = ["load_local_dir"]


# ---------------------------------------------------------------------------------------------
# local folders (also the reader of the twin's and MAST's cache folders)
# ---------------------------------------------------------------------------------------------
_CSV_RE = re.compile(r"^sector(\d+)_pdcsap\.csv$")
_TPF_RE = re.compile(r"^sector(\d+)_tpf\.fits$")


#: Which product of a sector is used when a folder holds several (lowest first): SPOC 2-minute, SPOC 20-second
#: (``fast-tp``/``fast-lc``), a full-frame-image cutout. The others are listed in ``summary()["skipped_files"]``.
PRODUCT_RANK = {"spoc": 0, "fast": 1, "cutout": 2}


def _add(store: dict[int, Any], item: LightCurve | TPFStamp, name: str, kind: str, names: dict[int, str],
         skipped: list[str] | None = None) -> None:
    if item.sector in store:
        rank_new, rank_old = PRODUCT_RANK[_product(name)], PRODUCT_RANK[_product(names[item.sector])]
        if rank_new == rank_old or skipped is None:
            raise ValueError(f"{name}: a second {kind} for sector {item.sector} in the same folder "
                             f"(the first is {names[item.sector]})")
        if rank_new > rank_old:
            skipped.append(name)
            return
        skipped.append(names[item.sector])
    store[item.sector] = item
    names[item.sector] = name


def _product(name: str) -> str:
    """"cutout", "fast" (SPOC 20-second) or "spoc" (2-minute and everything else)."""
    base = name.lower().removesuffix(".gz")
    if is_cutout_name(name):
        return "cutout"
    return "fast" if base.endswith(("fast-tp.fits", "fast-lc.fits")) else "spoc"


def _check_one_star(lcs: dict[int, LightCurve], tpfs: dict[int, TPFStamp], lc_names: dict[int, str],
                    tpf_names: dict[int, str], folder: str) -> None:
    """Refuse a folder mixing stars: a sector's light curve and TPF of different TIC IDs, or files of several TICs.

    Files that do not say their TIC ID (a CSV without ``# tic_id:``, a FITS without ``TICID``) are not judged.
    """
    for s in sorted(set(lcs) & set(tpfs)):
        a, b = lcs[s].tic_id, tpfs[s].tic_id
        if a is not None and b is not None and a != b:
            raise ValueError(f"{lc_names[s]} (TIC {a}) and {tpf_names[s]} (TIC {b}): the sector-{s} light curve and "
                             "target pixel file are of different stars; expected one star's files")
    by_tic: dict[int, list[str]] = {}
    for items, names in ((lcs, lc_names), (tpfs, tpf_names)):
        for s, item in items.items():
            if item.tic_id is not None:
                by_tic.setdefault(item.tic_id, []).append(names[s])
    if len(by_tic) > 1:
        listed = "; ".join(f"TIC {tic}: {clip(sorted(files), 300)}" for tic, files in sorted(by_tic.items()))
        raise ValueError(f"{folder}: the files are of {len(by_tic)} different stars ({listed}); expected one "
                         "star's files per folder")
    # one star by position too: a file without TICID is still judged by its RA_OBJ/DEC_OBJ
    check_one_star([(names[s], None, getattr(i, "ra_deg", None) or i.provenance.get("ra_obj_deg"),
                     getattr(i, "dec_deg", None) or i.provenance.get("dec_obj_deg"))
                    for items, names in ((lcs, lc_names), (tpfs, tpf_names)) for s, i in sorted(items.items())], folder)


def _kind(name: str) -> tuple[str, int | None] | None:
    """What a file name says it is: ("csv" | "lc" | "tpf" | "cutout", sector from the name or None); None for
    other files. Gzipped files (``.gz``) are recognised as what they hold."""
    base = name.removesuffix(".gz")
    if m := _CSV_RE.match(base):
        return "csv", int(m.group(1))
    if is_cutout_name(name):
        return "cutout", None
    if base.endswith("lc.fits"):
        return "lc", None
    if m := _TPF_RE.match(base):
        return "tpf", int(m.group(1))
    if base.endswith("tp.fits"):
        return "tpf", None
    return None


def load_local_dir(
    directory: str | Path,
    sectors: Sequence[int] | None = None,
    *,
    source: str = "local",
    meta: dict[str, Any] | None = None,
    files: Sequence[str] | None = None,
) -> Dataset:
    """Read a folder of per-sector files into a :class:`Dataset`.

    Recognised files: SPOC FITS light curves ``*lc.fits`` and target pixel files
    ``*tp.fits`` (2-minute, and 20-second ``*fast-lc.fits``/``*fast-tp.fits``); full-frame-image
    cutouts ``*astrocut*.fits`` (TESScut/astrocut: background subtracted and an aperture built here,
    :mod:`toi5807.data.cutout`); the tutorial CSV ``sector{N}_pdcsap.csv`` and target pixel files
    ``sector{N}_tpf.fits``; each also gzipped (``.gz``). When a sector has several products, the
    2-minute one is used, else the 20-second one, else the cutout; the others are listed in
    ``summary()["skipped_files"]``. A sector with a light curve but no TPF has no entry in
    ``tpf_by_sector``. A sector with a TPF but no light curve gets one by simple
    aperture photometry of the TPF (:func:`~toi5807.data.aperture.aperture_light_curve`;
    not PDCSAP: the dataset's ``summary()`` lists these sectors under
    ``aperture_photometry_sectors``). A recognised name that is not a regular file
    (a FIFO, a dangling link, a folder) is an error, never skipped.

    The files must be of one star and agree with their names: a sector's light curve
    and TPF of different TIC IDs, files of several TICs, or a CSV whose
    ``# sector:`` comment disagrees with its name are refused (``ValueError`` naming
    the files and both values). Files that do not say their TIC are not judged.

    Parameters
    ----------
    directory : str or Path
    sectors : sequence of int, optional
        Keep only these sectors; each must have a light curve or a target pixel file.
    source, meta
        Recorded in the returned dataset.
    files : sequence of str, optional
        Read exactly these file names (a cache entry's expected files); other files in the folder are
        never read. Default: every recognised name in the folder.
    """
    directory = check_path(directory, "path")
    if not directory.is_dir():
        raise ValueError(f"{clip(directory.name or str(directory))}: not a folder "
                         "(source='local' needs path=<folder of sector files>)")
    if files is None:
        names = sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))
    else:
        names = sorted(files)
        unknown = [n for n in names if _kind(n) is None]
        if unknown:
            raise ValueError(f"files: {clip(unknown)} are not sector files (expected *lc.fits, *tp.fits, "
                             "sector<N>_pdcsap.csv or sector<N>_tpf.fits)")
    wanted = None if sectors is None else set(sectors)
    lcs: dict[int, LightCurve] = {}
    tpfs: dict[int, TPFStamp] = {}
    lc_names: dict[int, str] = {}
    tpf_names: dict[int, str] = {}
    skipped: list[str] = []
    for name in names:
        kind = _kind(name)
        if kind is None or (wanted is not None and kind[1] is not None and kind[1] not in wanted):
            continue
        path = directory / name
        if kind[0] == "csv":
            lc = read_lc_csv(path)
            if lc.sector != kind[1]:
                raise ValueError(f"{name}: its '# sector: {lc.sector}' comment disagrees with the file name "
                                 f"(sector {kind[1]})")
            _add(lcs, lc, name, "light curve", lc_names)
        elif kind[0] == "lc":
            _add(lcs, read_lc_fits(path), name, "light curve", lc_names, skipped)
        elif kind[0] == "cutout":
            _add(tpfs, read_cutout_fits(path), name, "target pixel file", tpf_names, skipped)
        else:
            stamp = read_tpf_fits(path)
            if kind[1] is not None and stamp.sector != kind[1]:
                raise ValueError(f"{name}: header SECTOR {stamp.sector} disagrees with the file name "
                                 f"(sector {kind[1]})")
            _add(tpfs, stamp, name, "target pixel file", tpf_names, skipped)
    if not lcs and not tpfs:
        raise ValueError(
            f"{clip(str(directory))}: no light curves found (expected sector<N>_pdcsap.csv or SPOC *lc.fits "
            "files, or target pixel files sector<N>_tpf.fits / *tp.fits to build them from)"
        )
    if wanted is not None:
        missing = sorted(wanted - set(lcs) - set(tpfs))
        if missing:
            raise ValueError(f"{clip(str(directory))}: no light curve for sector(s) {missing}; "
                             f"found {sorted(set(lcs) | set(tpfs))}")
        lcs = {s: v for s, v in lcs.items() if s in wanted}
        tpfs = {s: v for s, v in tpfs.items() if s in wanted}
    _check_one_star(lcs, tpfs, lc_names, tpf_names, clip(directory.name or str(directory)))
    from_pixels = sorted(set(tpfs) - set(lcs))
    for s in from_pixels:
        lcs[s] = aperture_light_curve(tpfs[s])
    if meta is None:
        meta = _meta_from_files([*lcs.values(), *tpfs.values()])
        if from_pixels:
            meta.update(aperture_photometry_sectors=from_pixels, light_curve_note=APERTURE_PHOTOMETRY_NOTE)
        cut = sorted(s for s, st in tpfs.items() if st.provenance.get("cutout"))
        if cut:
            meta.update(cutout_sectors=cut, cutout_note=CUTOUT_NOTE)
        if skipped:
            meta.update(skipped_files=sorted(skipped))
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source=source, meta=meta)


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
        raise ValueError("source='local' needs path=<folder holding sector<N>_pdcsap.csv, SPOC *lc.fits "
                         "or target pixel files>")
    sectors = None if req.sectors == target.SECTORS else req.sectors
    return load_local_dir(req.path, sectors)


register_source("local", _load_local)
