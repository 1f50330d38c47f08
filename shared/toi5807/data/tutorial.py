"""The ``"tutorial"`` source (the default): the real TOI-5807 data shipped inside the package.

The folder ``tutorial_dataset/`` beside this module holds public TESS mission data of
TIC 188646744, processed by the SPOC pipeline and archived at MAST, gzip-compressed:

- ``sector{55,75,82,83}_pdcsap.csv.gz`` — the PDCSAP light curves (tutorial CSV format, normalised flux);
- ``sector83_tpf.fits.gz`` — the sector-83 target pixel file (13 × 11 pixels, e-/s; reconstructed, see the
  folder's README.md for how and which header keys are absent);
- ``SHA256SUMS`` — the SHA-256 of each compressed file (``sha256sum -c SHA256SUMS`` checks them by hand).

Every file is checked against ``SHA256SUMS`` on each read (a damaged or altered file is refused with a
``ValueError`` naming it), decompressed into a temporary folder and parsed by the package's ordinary readers
(:mod:`toi5807.data.readers`). The pixels of sectors 55, 75 and 82 do not ship: offline those sectors have a
light curve but no pixels, and the dataset says so per sector (``summary()['pixels_unavailable']``); with
``network=True`` they are downloaded from MAST through :mod:`toi5807.data.mast` (cached as FITS) and merged in.
No sector is ever filled with simulated pixels: every pixel-level number comes from real pixels.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from .. import target
from .model import Dataset, LightCurve, TPFStamp
from .readers import read_lc_csv, read_tpf_fits
from .sources import LoadRequest, register_source
from .validate import check_path, clip

__all__ = [
    "DATASET_FOLDER", "CHECKSUMS_NAME", "LC_FILES", "TPF_FILES", "NO_PIXELS_OFFLINE",
    "dataset_folder", "shipped_checksums", "read_shipped", "extract_tutorial_files", "gzip_deterministic",
    "load_tutorial",
]

#: Folder of the shipped files, inside this package (``toi5807/data/tutorial_dataset``).
DATASET_FOLDER = "tutorial_dataset"
#: Checksum list of the shipped files (``sha256sum`` format: ``<hex>  <name>`` per line).
CHECKSUMS_NAME = "SHA256SUMS"
#: Shipped light curves, per sector (SPOC PDCSAP, tutorial CSV format, gzip).
LC_FILES: dict[int, str] = {s: f"sector{s}_pdcsap.csv.gz" for s in target.SECTORS}
#: Shipped target pixel files, per sector (only sector 83; gzip).
TPF_FILES: dict[int, str] = {83: "sector83_tpf.fits.gz"}
#: Why a sector has no pixels when the dataset is loaded offline.
NO_PIXELS_OFFLINE = "no pixels offline (pass network=True to fetch them from MAST)"

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *]([A-Za-z0-9_.\-]+)$")
_TIC_RE = re.compile(r"^#\s*tic_id\s*:\s*(\d+)\s*$", re.MULTILINE)


def gzip_deterministic(data: bytes) -> bytes:
    """``data`` gzip-compressed reproducibly: level 9, modification time 0, no file name in the header.

    Compressing the same bytes again (with the same zlib) gives the same bytes, so the shipped files and
    their checksums can be rebuilt from the originals (``tools/build_tutorial_dataset.py``).
    """
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


@contextmanager
def dataset_folder() -> Iterator[Path]:
    """The shipped dataset folder as a file-system path, from a checkout or an installed package."""
    with resources.as_file(resources.files(__package__) / DATASET_FOLDER) as folder:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"{DATASET_FOLDER}/: the tutorial dataset is missing from this toi5807 "
                                    "installation (reinstall the package or restore the folder from git)")
        yield Path(folder)


def shipped_checksums(folder: Path) -> dict[str, str]:
    """File name -> expected SHA-256 (hex), from the folder's ``SHA256SUMS``; ``ValueError`` if it is malformed."""
    path = Path(folder) / CHECKSUMS_NAME
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{DATASET_FOLDER}/{CHECKSUMS_NAME}: unreadable ({type(exc).__name__}: {exc})") from None
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _SUM_LINE.match(line.strip())
        if m is None:
            raise ValueError(f"{DATASET_FOLDER}/{CHECKSUMS_NAME}: line {number} is {clip(line)}; expected "
                             "'<64 hex digits>  <file name>'")
        out[m.group(2)] = m.group(1)
    return out


def read_shipped(name: str, folder: Path | None = None) -> bytes:
    """The decompressed bytes of one shipped file, after checking its SHA-256 against ``SHA256SUMS``.

    The checksum is computed on the very bytes that are then decompressed (no second read).

    Raises
    ------
    ValueError
        Naming the file: not listed, missing, checksum mismatch (damaged or altered), or not valid gzip.
    """
    if folder is None:
        with dataset_folder() as found:
            return read_shipped(name, found)
    label = f"{DATASET_FOLDER}/{name}"
    sums = shipped_checksums(folder)
    if name not in sums:
        raise ValueError(f"{label}: not listed in {CHECKSUMS_NAME} (listed: {clip(sorted(sums))})")
    try:
        raw = (Path(folder) / name).read_bytes()
    except OSError as exc:
        raise ValueError(f"{label}: cannot be read ({type(exc).__name__}: {exc}); reinstall toi5807") from None
    got = hashlib.sha256(raw).hexdigest()
    if got != sums[name]:
        raise ValueError(f"{label}: SHA-256 {got[:16]}… does not match {CHECKSUMS_NAME} ({sums[name][:16]}…): "
                         "the shipped file is damaged or altered; reinstall toi5807 or restore it from git")
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{label}: not valid gzip ({type(exc).__name__}: {exc})") from None


def extract_tutorial_files(destination: str | Path, sectors: Iterable[int] | None = None, *,
                           kinds: Iterable[str] = ("lc", "tpf")) -> dict[str, Path]:
    """Write the verified, decompressed tutorial files into a folder (e.g. to use them with other tools).

    Parameters
    ----------
    destination : str or Path
        Existing folder; receives ``sector<N>_pdcsap.csv`` and ``sector83_tpf.fits`` (overwritten).
    sectors : iterable of int, optional
        Only these sectors (default: all shipped).
    kinds : iterable of {"lc", "tpf"}, default both
        Light curves, target pixel files, or both.

    Returns
    -------
    dict
        Decompressed file name -> path. ``sh.load_dataset("local", path=destination)`` reads them back.
    """
    destination = check_path(destination, "destination")
    if not destination.is_dir():
        raise ValueError(f"destination: {clip(str(destination))} is not a folder")
    wanted = _shipped_sectors(sectors)
    kinds = tuple(kinds) if not isinstance(kinds, str) else (kinds,)
    if not kinds or any(k not in ("lc", "tpf") for k in kinds):
        raise ValueError(f"kinds: expected 'lc' and/or 'tpf', got {clip(kinds)}")
    names = ([LC_FILES[s] for s in wanted] if "lc" in kinds else []) + \
        ([TPF_FILES[s] for s in wanted if s in TPF_FILES] if "tpf" in kinds else [])
    out = {}
    with dataset_folder() as folder:
        for name in names:
            path = destination / name.removesuffix(".gz")
            path.write_bytes(read_shipped(name, folder))
            out[path.name] = path
    return out


def _shipped_sectors(sectors: Iterable[int] | None) -> tuple[int, ...]:
    wanted = tuple(LC_FILES) if sectors is None else tuple(sorted(set(sectors)))
    unknown = [s for s in wanted if s not in LC_FILES]
    if unknown:
        raise ValueError(f"sectors: the tutorial dataset holds sectors {list(LC_FILES)}, not {clip(unknown)}")
    return wanted


def _light_curve(path: Path, sector: int) -> LightCurve:
    """A shipped CSV through the ordinary reader, labelled real, with the TIC ID of its header."""
    lc = read_lc_csv(path, sector=sector)
    m = _TIC_RE.search(path.read_text(encoding="utf-8")[:2000])
    tic = int(m.group(1)) if m else None
    if tic is not None and tic != target.TIC_ID:
        raise ValueError(f"{DATASET_FOLDER}/{LC_FILES[sector]}: header tic_id {tic}, expected {target.TIC_ID}")
    return dataclasses.replace(lc, provenance={"simulated": False, "origin": f"{DATASET_FOLDER}/{LC_FILES[sector]}"},
                               tic_id=target.TIC_ID)


def load_tutorial(sectors: Iterable[int] | None = None, *, network: bool = False) -> Dataset:
    """The shipped real dataset; with ``network=True`` plus the other sectors' pixels from MAST.

    Parameters
    ----------
    sectors : iterable of int, optional
        Sectors to load (default: 55, 75, 82, 83).
    network : bool, default False
        Download the target pixel files the package does not ship (sectors 55, 75, 82) from MAST
        (:mod:`toi5807.data.mast`; cached, reused on later calls with ``network=True``).

    Returns
    -------
    Dataset
        ``source="tutorial"``; ``meta`` holds ``simulated`` (False), ``provenance_by_sector``
        (sector -> where its light curve and its pixels came from) and ``pixels_unavailable``
        (sector -> why it has no pixels; empty when every sector has them).
    """
    wanted = _shipped_sectors(sectors)
    lcs: dict[int, LightCurve] = {}
    tpfs: dict[int, TPFStamp] = {}
    with dataset_folder() as folder, tempfile.TemporaryDirectory(prefix="toi5807-tutorial-") as tmp:
        for s in wanted:
            path = Path(tmp) / LC_FILES[s].removesuffix(".gz")
            path.write_bytes(read_shipped(LC_FILES[s], folder))
            lcs[s] = _light_curve(path, s)
            if s in TPF_FILES:
                path = Path(tmp) / TPF_FILES[s].removesuffix(".gz")
                path.write_bytes(read_shipped(TPF_FILES[s], folder))
                stamp = read_tpf_fits(path)
                if stamp.sector != s:
                    raise ValueError(f"{DATASET_FOLDER}/{TPF_FILES[s]}: header SECTOR {stamp.sector}, expected {s}")
                tpfs[s] = dataclasses.replace(
                    stamp, provenance={**stamp.provenance, "origin": f"{DATASET_FOLDER}/{TPF_FILES[s]}"},
                    tic_id=target.TIC_ID if stamp.tic_id is None else stamp.tic_id)
    provenance: dict[int, dict[str, Any]] = {
        s: {"light_curve": f"SPOC PDCSAP, shipped ({DATASET_FOLDER}/{LC_FILES[s]})",
            "pixels": (f"SPOC target pixel file, shipped ({DATASET_FOLDER}/{TPF_FILES[s]}; reconstructed, "
                       "see its README)") if s in tpfs else None}
        for s in wanted
    }
    unavailable = {s: NO_PIXELS_OFFLINE for s in wanted if s not in tpfs}
    if network and unavailable:
        from .mast import ArchiveUnreachableError, fetch_mast_tpfs, mast_file_name

        try:
            fetched, absent = fetch_mast_tpfs(tuple(unavailable))
        except ArchiveUnreachableError as exc:
            raise ArchiveUnreachableError(f"source='tutorial', network=True: cannot fetch the pixels of sectors "
                                          f"{list(unavailable)}: {exc} With network=False the shipped dataset loads "
                                          "offline (those sectors without pixels).") from exc
        for s, stamp in fetched.items():
            tpfs[s] = stamp
            provenance[s]["pixels"] = f"SPOC target pixel file, downloaded from MAST ({mast_file_name(s, 'tpf')})"
            del unavailable[s]
        for s in absent:
            unavailable[s] = "MAST has no SPOC 2-minute target pixel file of this sector"
    meta = {"simulated": False, "provenance_by_sector": provenance, "pixels_unavailable": unavailable}
    return Dataset(lc_by_sector=lcs, tpf_by_sector=tpfs, source="tutorial", meta=meta)


def _load_tutorial(req: LoadRequest) -> Dataset:
    refused = [f"{name}={clip(value)}" for name, value, default in
               (("seed", req.seed, 0), ("scenario", req.scenario, "planet")) if value != default]
    if refused:
        raise ValueError(f"source='tutorial' is real TESS data: {', '.join(refused)} applies to the simulated twin "
                         "only; use source='twin' for a simulation, or leave seed/scenario at their defaults")
    if req.path is not None:
        raise ValueError(f"source='tutorial' reads the dataset shipped in the package, not path={clip(str(req.path))}; "
                         "use source='local' to read a folder")
    return load_tutorial(req.sectors, network=req.network)


register_source("tutorial", _load_tutorial)
