"""The ``"mast"`` source: real SPOC 2-minute files from MAST, through the verified cache and the same readers.

Downloads go through lightkurve into ``persistent_cache/mast/``; every file, and
the marker of products MAST does not have (``absent.json``), is checksummed in the
cache manifest, verified and read under the folder's lock, and parsed by
:mod:`toi5807.data.readers` (the cache invariant of :mod:`toi5807.data.cache`).
Without a network the loader fails at once with a message pointing at the twin.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

from .. import target
from .cache import (
    CacheReadOnlyError,
    atomic_write_bytes,
    cache_root,
    clean_stale_temporaries,
    entry_lock,
    report_damage,
    verify_files,
    write_manifest,
)
from .local import _meta_from_files
from .model import Dataset, TPFStamp
from .readers import read_lc_fits, read_tpf_fits
from .sources import LoadRequest, register_source
from .validate import cap, check_sector

__all__ = ["ArchiveUnreachableError", "MAST_HOST", "check_archive_reachable", "fetch_mast_tpfs", "mast_file_name",
           "download_products", "CUTOUT_SIZE_PX"]


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


ABSENT_NAME = "absent.json"


def _read_absent(directory: Path, problems: list[str]) -> set[tuple[int, str]]:
    """Products MAST said it does not have, from the checksummed marker; a marker that fails verification
    (not in the manifest, altered) or holds junk is a problem and is ignored: the products are asked for again."""
    if not (directory / ABSENT_NAME).exists():
        return set()
    bad = verify_files(directory, [ABSENT_NAME])
    if not bad:
        try:
            pairs = json.loads((directory / ABSENT_NAME).read_text(encoding="utf-8"))
            out = {(check_sector(s), k) for s, k in pairs if k in ("lc", "tpf")}
            if len(out) == len(pairs):
                return out
        except (ValueError, TypeError, OSError):
            pass
        bad = [f"{directory.name}/{ABSENT_NAME}: malformed content"]
    problems += bad
    return set()


def _fetch(sectors: tuple[int, ...], kinds: tuple[str, ...], network: bool) -> tuple[dict, dict, set]:
    """Light curves and TPFs of ``sectors`` (only the ``kinds`` asked for) through the verified cache,
    downloading what is missing when ``network``; also the (sector, kind) pairs MAST does not have."""
    from tqdm import tqdm

    directory = cache_root() / "mast" / f"tic{target.TIC_ID}"
    directory.mkdir(parents=True, exist_ok=True)
    wanted = [(s, k) for s in sectors for k in kinds]
    with entry_lock(directory) as writable:
        problems: list[str] = []
        absent = _read_absent(directory, problems)
        missing = []
        for sector, kind in wanted:
            if (sector, kind) in absent:
                continue
            name = mast_file_name(sector, kind)
            bad = verify_files(directory, [name])
            if bad and ((directory / name).exists() or (directory / name).is_symlink()):
                problems += bad
            if bad:
                missing.append((sector, kind))
        report_damage(directory.name, problems, "downloading again" if network else "not used")
        if missing:
            if not network:
                raise ValueError(
                    f"source='mast': {len(missing)} file(s) are not cached yet (sectors "
                    f"{sorted({s for s, _ in missing})}); pass network=True to download them, "
                    "or use source='twin' to work offline"
                )
            if not writable:
                raise CacheReadOnlyError(f"cache: {directory} is read-only; cannot store MAST downloads there")
            check_archive_reachable()
            clean_stale_temporaries(directory)
            staging = directory / ".download"
            shutil.rmtree(staging, ignore_errors=True)  # a killed download's leftovers
            staging.mkdir()
            try:
                for sector, kind in tqdm(missing, desc="MAST downloads", unit="file"):
                    got = _download_product(sector, kind, staging)
                    if got is None:
                        absent.add((sector, kind))
                        continue
                    atomic_write_bytes(directory / mast_file_name(sector, kind), got.read_bytes())
                    write_manifest(directory, [mast_file_name(sector, kind)])
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            atomic_write_bytes(directory / ABSENT_NAME, json.dumps(sorted(absent)).encode())
            write_manifest(directory, [ABSENT_NAME])
        names = [mast_file_name(s, k) for s, k in wanted if (s, k) not in absent]
        if names:
            problems = verify_files(directory, names)
            if problems:
                raise ValueError(cap("MAST cache failed verification after download: " + "; ".join(problems)))
        lcs = {s: read_lc_fits(directory / mast_file_name(s, "lc")) for s in sectors
               if "lc" in kinds and (s, "lc") not in absent}
        tpfs = {s: read_tpf_fits(directory / mast_file_name(s, "tpf")) for s in sectors
                if "tpf" in kinds and (s, "tpf") not in absent and (s in lcs or "lc" not in kinds)}
    return lcs, tpfs, absent


def fetch_mast_tpfs(sectors: tuple[int, ...]) -> tuple[dict[int, TPFStamp], tuple[int, ...]]:
    """Real SPOC 2-minute target pixel files of ``sectors`` from MAST (downloaded into the verified cache
    when not there yet; needs the network then).

    Returns
    -------
    (dict, tuple)
        Sector -> :class:`TPFStamp` read from the cached FITS file, and the sectors MAST has no TPF of.
    """
    _, tpfs, absent = _fetch(tuple(sectors), ("tpf",), network=True)
    return tpfs, tuple(s for s in sectors if (s, "tpf") in absent)


def _load_mast(req: LoadRequest) -> Dataset:
    lcs, tpfs, _ = _fetch(req.sectors, ("lc", "tpf"), req.network)
    if not lcs:
        raise ValueError(f"MAST has no SPOC 2-minute light curves of TIC {target.TIC_ID} "
                         f"in sectors {list(req.sectors)}")
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source="mast",
                   meta=_meta_from_files([*lcs.values(), *tpfs.values()]))


#: Side of a TESScut cutout downloaded when a star has no SPOC target pixel file, pixels.
CUTOUT_SIZE_PX = 15


def download_products(tic_id: int, folder: str | Path, *, cutout_size: int = CUTOUT_SIZE_PX) -> Path:
    """Download any star's TESS pixels into ``folder`` (needs the network): every SPOC target pixel file and light
    curve (2-minute and 20-second), and, for stars without SPOC pixels, TESScut full-frame-image cutouts
    (lightkurve's ``search_tesscut``; read by :mod:`toi5807.data.cutout`). Files already there are kept.

    Parameters
    ----------
    tic_id : int
    folder : str or Path
    cutout_size : int
        Cutout side, pixels.

    Returns
    -------
    Path
        The folder (``load_local_dir`` reads it).
    """
    import lightkurve as lk

    check_archive_reachable()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"TIC {int(tic_id)}"
    found = 0
    for search in (lk.search_targetpixelfile, lk.search_lightcurve):
        result = search(name, mission="TESS", author="SPOC")
        if len(result):
            result.download_all(download_dir=str(folder), quality_bitmask="none")
            found += len(result)
    if not any(True for _ in folder.rglob("*tp.fits*")):
        result = lk.search_tesscut(name)
        if len(result):
            result.download_all(cutout_size=cutout_size, download_dir=str(folder), quality_bitmask="none")
            found += len(result)
    if not found:
        raise ValueError(f"{name}: MAST has no SPOC target pixel file, light curve or TESScut cutout of this star")
    for path in sorted(folder.rglob("*.fits")):  # lightkurve nests downloads under mastDownload/: flatten
        if path.parent != folder and not (folder / path.name).exists():
            path.replace(folder / path.name)
    return folder


register_source("mast", _load_mast)
