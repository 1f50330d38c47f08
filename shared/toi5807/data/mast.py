"""The ``"mast"`` source: real SPOC 2-minute files from MAST, through the verified cache and the same readers.

Downloads go through lightkurve into ``persistent_cache/mast/``; every file is
checksummed in the cache manifest and re-read by :mod:`toi5807.data.readers`.
Without a network the loader fails at once with a message pointing at the twin.
"""

from __future__ import annotations

import json
import socket
import warnings
from pathlib import Path

from .. import target
from .cache import (
    CacheWarning,
    _lock,
    atomic_write_bytes,
    cache_root,
    verify_files,
    write_manifest,
)
from .local import _meta_from_files
from .model import Dataset
from .readers import read_lc_fits, read_tpf_fits
from .sources import LoadRequest, register_source

__all__ = ["ArchiveUnreachableError", "MAST_HOST", "check_archive_reachable", "mast_file_name"]


class ArchiveUnreachableError(ConnectionError):
    """MAST could not be reached (no network, firewall, archive down)."""


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
        obj.hdu.close()  # only the file is kept (re-read through toi5807.data.readers); lightkurve leaves it open
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
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source="mast",
                   meta=_meta_from_files([*lcs.values(), *tpfs.values()]))


register_source("mast", _load_mast)
