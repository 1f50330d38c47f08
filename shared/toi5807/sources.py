"""Where the data come from: a pluggable registry of dataset sources.

``load_dataset()`` dispatches to a registered source:

- ``"twin"`` (default) — the simulated TOI-5807 digital twin, generated offline
  and cached as SPOC-style FITS files. **A simulation, not real TESS data.**
- ``"mast"`` — the real SPOC 2-minute light curves and target pixel files,
  downloaded from MAST with lightkurve into the verified cache.
- ``"local"`` — a folder of per-sector files the user already has.

All three end in the same readers (:mod:`toi5807.fitsio`), so the twin, the
archive and a user's folder are read by one code path.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import target
from .cache import (
    CacheWarning,
    _lock,
    atomic_write_bytes,
    cache_root,
    cached_directory,
    load_verified,
    verify_files,
    write_manifest,
)
from .datamodel import Dataset, LightCurve, TPFStamp
from .fitsio import read_lc_csv, read_lc_fits, read_tpf_fits

__all__ = [
    "LoadRequest",
    "ArchiveUnreachableError",
    "load_dataset",
    "register_source",
    "available_sources",
    "load_local_dir",
]


class ArchiveUnreachableError(ConnectionError):
    """MAST could not be reached (no network, firewall, archive down)."""


@dataclass(frozen=True)
class LoadRequest:
    """What the caller of :func:`load_dataset` asked for (passed to every source)."""

    path: Path | None
    seed: int
    scenario: str
    sectors: tuple[int, ...]
    network: bool


SourceLoader = Callable[[LoadRequest], Dataset]
_REGISTRY: dict[str, SourceLoader] = {}


def register_source(name: str, loader: SourceLoader) -> None:
    """Register (or replace) a dataset source under ``name``.

    Parameters
    ----------
    name : str
    loader : callable(LoadRequest) -> Dataset
    """
    if not isinstance(name, str) or not name:
        raise TypeError("source name must be a non-empty string")
    if not callable(loader):
        raise TypeError(f"loader for source {name!r} must be callable")
    _REGISTRY[name] = loader


def available_sources() -> tuple[str, ...]:
    """Names of the registered sources."""
    return tuple(sorted(_REGISTRY))


def _sectors_arg(sectors: Iterable[int] | None) -> tuple[int, ...]:
    if sectors is None:
        return target.SECTORS
    if isinstance(sectors, (int, str)):
        raise TypeError(f"sectors: expected an iterable of ints such as (55, 75), got {sectors!r}")
    out = []
    for s in sectors:
        if isinstance(s, bool) or not isinstance(s, int):
            raise TypeError(f"sectors: expected ints, got {s!r}")
        out.append(int(s))
    if not out:
        raise ValueError("sectors: expected at least one sector")
    return tuple(sorted(set(out)))


def load_dataset(
    source: str = "twin",
    *,
    path: str | Path | None = None,
    seed: int = 0,
    scenario: str = "planet",
    sectors: Iterable[int] | None = None,
    network: bool = False,
) -> Dataset:
    """Load TOI-5807's light curves and target pixel files from one source.

    Parameters
    ----------
    source : {"twin", "mast", "local"}, default "twin"
        ``"twin"`` is a deterministic SIMULATION of TOI-5807 that works offline;
        ``"mast"`` downloads the real data (needs ``network=True`` unless cached);
        ``"local"`` reads the folder given by ``path``.
    path : str or Path, optional
        Folder for ``source="local"``.
    seed : int, default 0
        Twin only: seed of the noise and pointing-jitter draws.
    scenario : {"planet", "background_eb", "no_transit"}, default "planet"
        Twin only: where the transit signal is.
    sectors : iterable of int, optional
        Sectors to load (default: 55, 75, 82, 83).
    network : bool, default False
        Allow network access (MAST downloads).

    Returns
    -------
    Dataset
    """
    if not isinstance(source, str) or source not in _REGISTRY:
        raise ValueError(f"unknown source {source!r}; expected one of {list(available_sources())}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    request = LoadRequest(
        path=None if path is None else Path(path),
        seed=int(seed),
        scenario=str(scenario),
        sectors=_sectors_arg(sectors),
        network=bool(network),
    )
    return _REGISTRY[source](request)


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
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source=source, meta=meta or {})


def _load_local(req: LoadRequest) -> Dataset:
    if req.path is None:
        raise ValueError("source='local' needs path=<folder holding sector<N>_pdcsap.csv or SPOC *lc.fits files>")
    sectors = None if req.sectors == target.SECTORS else req.sectors
    return load_local_dir(req.path, sectors)


# ---------------------------------------------------------------------------------------------
# the digital twin (simulation) through the verified FITS cache
# ---------------------------------------------------------------------------------------------
def twin_cache_key(seed: int, scenario: str) -> str:
    """Deterministic cache key of a twin dataset: spec + generator version + seed + scenario."""
    from . import twin

    payload = json.dumps({"spec": twin.spec_hash(), "version": twin.GENERATOR_VERSION,
                          "seed": int(seed), "scenario": scenario}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _twin_entry(seed: int, scenario: str):
    """Cache folder, builder and manifest metadata of one twin dataset (a SIMULATION)."""
    from . import twin
    from .twin_fits import write_twin_fits

    if scenario not in twin.SCENARIOS:
        raise ValueError(f"scenario: expected one of {list(twin.SCENARIOS)}, got {scenario!r}")
    directory = cache_root() / "twin" / twin_cache_key(seed, scenario)

    def build(tmp: Path) -> None:
        write_twin_fits(tmp, seed=seed, scenario=scenario, sectors=target.SECTORS)

    metadata = {"seed": seed, "scenario": scenario, "generator_version": twin.GENERATOR_VERSION}
    return directory, build, metadata


def twin_directory(seed: int = 0, scenario: str = "planet") -> Path:
    """Verified cache folder with the twin's FITS files, generated if needed.

    The twin is a SIMULATION of TOI-5807 (see :mod:`toi5807.twin`).
    """
    directory, build, metadata = _twin_entry(seed, scenario)
    return cached_directory(directory, build, metadata=metadata)[0]


def _load_twin(req: LoadRequest) -> Dataset:
    unknown = sorted(set(req.sectors) - set(target.SECTORS))
    if unknown:
        raise ValueError(f"sectors: the twin simulates sectors {list(target.SECTORS)} only, got {unknown}")
    directory, build, metadata = _twin_entry(req.seed, req.scenario)
    meta = {"simulated": True, "scenario": req.scenario, "seed": req.seed}
    return load_verified(
        directory, build,
        lambda d: load_local_dir(d, list(req.sectors), source="twin", meta=meta),
        metadata=metadata,
    )


# ---------------------------------------------------------------------------------------------
# MAST (real data) through the same cache and readers
# ---------------------------------------------------------------------------------------------
MAST_HOST = "mast.stsci.edu"


def check_archive_reachable(timeout: float = 5.0) -> None:
    """Raise :class:`ArchiveUnreachableError` unless a TCP connection to MAST opens within ``timeout`` s."""
    try:
        with socket.create_connection((MAST_HOST, 443), timeout=timeout):
            return
    except OSError as exc:
        raise ArchiveUnreachableError(
            f"the MAST archive ({MAST_HOST}) is unreachable ({exc.__class__.__name__}: {exc}). "
            "Use source='twin' to run the tutorial offline on the simulated twin, or "
            "source='local' with files you already have."
        ) from exc


def mast_file_name(sector: int, kind: str) -> str:
    """Cache file name of a MAST product: ``tess-s0055-0000000188646744_lc.fits`` / ``_tp.fits``."""
    suffix = {"lc": "lc", "tpf": "tp"}[kind]
    return f"tess-s{sector:04d}-{target.TIC_ID:016d}_{suffix}.fits"


def _download_product(sector: int, kind: str, download_dir: Path) -> Path | None:
    """Search and download one SPOC 2-minute product; return the downloaded file (None if MAST has none)."""
    import lightkurve as lk

    search = lk.search_lightcurve if kind == "lc" else lk.search_targetpixelfile
    result = search(f"TIC {target.TIC_ID}", mission="TESS", author="SPOC", exptime=120, sector=sector)
    if len(result) == 0:
        return None
    obj = result[0].download(download_dir=str(download_dir), quality_bitmask="none")
    path = getattr(obj, "path", None) or obj.meta.get("FILENAME")
    if kind == "tpf":
        obj.hdu.close()  # only the file is kept (re-read through toi5807.fitsio); lightkurve leaves it open
    if path is None:
        raise RuntimeError(f"lightkurve returned no file path for sector {sector} {kind}")
    return Path(path)


def _load_mast(req: LoadRequest) -> Dataset:
    from tqdm import tqdm

    directory = cache_root() / "mast" / f"tic{target.TIC_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    wanted = [(s, k) for s in req.sectors for k in ("lc", "tpf")]
    absent_path = directory / "absent.json"
    absent = {(int(s), str(k)) for s, k in json.loads(absent_path.read_text())} if absent_path.is_file() else set()
    missing = []
    for sector, kind in wanted:
        if (sector, kind) in absent:
            continue
        problems = verify_files(directory, [mast_file_name(sector, kind)])
        if problems and (directory / mast_file_name(sector, kind)).exists():
            warnings.warn(f"cache: {problems[0]}; downloading again", CacheWarning, stacklevel=2)
        if problems:
            missing.append((sector, kind))
    if missing:
        if not req.network:
            raise ValueError(
                f"source='mast': {len(missing)} file(s) are not cached yet (sectors "
                f"{sorted({s for s, _ in missing})}); pass network=True to download them, "
                "or use source='twin' to work offline"
            )
        check_archive_reachable()
        with _lock(directory):
            staging = directory / ".download"
            staging.mkdir(exist_ok=True)
            for sector, kind in tqdm(missing, desc="MAST downloads", unit="file"):
                got = _download_product(sector, kind, staging)
                if got is None:
                    absent.add((sector, kind))
                    continue
                atomic_write_bytes(directory / mast_file_name(sector, kind), got.read_bytes())
                write_manifest(directory, [mast_file_name(sector, kind)])
            atomic_write_bytes(absent_path, json.dumps(sorted(absent)).encode())
    problems = verify_files(directory, [mast_file_name(s, k) for s, k in wanted if (s, k) not in absent])
    if problems:
        raise ValueError("MAST cache failed verification after download: " + "; ".join(problems))
    lcs = {s: read_lc_fits(directory / mast_file_name(s, "lc")) for s in req.sectors if (s, "lc") not in absent}
    tpfs = {s: read_tpf_fits(directory / mast_file_name(s, "tpf")) for s in req.sectors
            if (s, "tpf") not in absent and s in lcs}
    if not lcs:
        raise ValueError(f"MAST has no SPOC 2-minute light curves of TIC {target.TIC_ID} in sectors {list(req.sectors)}")
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source="mast", meta={"simulated": False})


register_source("local", _load_local)
register_source("twin", _load_twin)
register_source("mast", _load_mast)
