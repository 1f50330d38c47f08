"""The verified on-disk cache behind the twin and MAST sources.

Every cached folder holds a ``manifest.json`` with the size and SHA-256 of each
file. Reads verify the manifest; a missing, truncated or altered file is
reported in one line (a :class:`CacheWarning`) and rebuilt, never used. Writes
are atomic: a folder is built under a temporary name and renamed into place,
single files are written to a temporary file and renamed. A file lock per entry
makes concurrent builders of the same entry wait for each other instead of
racing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = [
    "CacheWarning",
    "cache_root",
    "sha256_file",
    "atomic_write_bytes",
    "atomic_write_json",
    "write_manifest",
    "verify_files",
    "cached_directory",
    "load_verified",
    "MANIFEST_NAME",
]

MANIFEST_NAME = "manifest.json"
_CHUNK = 1 << 22


class CacheWarning(UserWarning):
    """A cache file failed verification and is being rebuilt."""


def cache_root() -> Path:
    """Root folder of the runtime cache.

    ``$TOI5807_CACHE_DIR`` if set; else the repository's ``persistent_cache/``
    (for an editable install from a clone); else ``~/.cache/toi5807``.
    """
    env = os.environ.get("TOI5807_CACHE_DIR")
    if env:
        root = Path(env).expanduser()
    else:
        repo = Path(__file__).resolve().parents[3]
        if (repo / "pyproject.toml").is_file() and (repo / "persistent_cache").is_dir():
            root = repo / "persistent_cache"
        else:
            root = Path.home() / ".cache" / "toi5807"
    root.mkdir(parents=True, exist_ok=True)
    return root


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as sorted, indented JSON atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _file_entry(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_file(path)}


def write_manifest(directory: Path, names: Iterable[str] | None = None, *, extra: dict[str, Any] | None = None) -> dict:
    """Record size and SHA-256 of files in ``directory`` (default: all regular files but the manifest).

    Entries already in an existing manifest are kept; ``names`` are (re)computed.
    """
    directory = Path(directory)
    manifest = _read_manifest(directory) or {"files": {}}
    if names is None:
        names = sorted(p.name for p in directory.iterdir()
                       if p.is_file() and p.name != MANIFEST_NAME and not p.name.startswith("."))
    for name in names:
        manifest["files"][name] = _file_entry(directory / name)
    if extra:
        manifest.update(extra)
    atomic_write_json(directory / MANIFEST_NAME, manifest)
    return manifest


def _read_manifest(directory: Path) -> dict | None:
    path = Path(directory) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def verify_files(directory: Path, names: Iterable[str] | None = None) -> list[str]:
    """Check files against the folder's manifest.

    Parameters
    ----------
    directory : Path
    names : iterable of str, optional
        Files that must be present and intact (default: every manifest entry).

    Returns
    -------
    list of str
        One line per problem (``"<folder>/<file>: <what was wrong>"``); empty when all is well.
    """
    directory = Path(directory)
    label = directory.name
    manifest = _read_manifest(directory)
    if manifest is None:
        what = "missing" if not (directory / MANIFEST_NAME).exists() else "unreadable or malformed"
        return [f"{label}/{MANIFEST_NAME}: manifest {what}"]
    entries = manifest["files"]
    wanted = list(entries) if names is None else list(names)
    problems = []
    for name in wanted:
        path = directory / name
        entry = entries.get(name)
        if entry is None:
            problems.append(f"{label}/{name}: not listed in the manifest")
        elif not path.is_file():
            problems.append(f"{label}/{name}: file missing")
        elif path.stat().st_size != entry.get("size"):
            problems.append(f"{label}/{name}: size {path.stat().st_size} bytes, manifest says {entry.get('size')} (truncated or altered)")
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{label}/{name}: SHA-256 checksum mismatch (corrupted)")
    return problems


def _lock(path: Path):
    from filelock import FileLock

    return FileLock(str(path) + ".lock")


def cached_directory(
    directory: Path,
    build: Callable[[Path], None],
    *,
    metadata: dict[str, Any] | None = None,
) -> tuple[Path, bool]:
    """Return a verified cache folder, building it (atomically, under a lock) when needed.

    Parameters
    ----------
    directory : Path
        Final location of the entry.
    build : callable(Path) -> None
        Writes the entry's files into the (temporary) folder it is given.
    metadata : dict, optional
        JSON-safe description stored in the manifest (e.g. the cache key's inputs).

    Returns
    -------
    (Path, bool)
        The folder, and whether it was built by this call.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    if directory.is_dir() and not verify_files(directory):
        return directory, False
    with _lock(directory):
        if directory.is_dir():
            problems = verify_files(directory)
            if not problems:  # another process built it while we waited
                return directory, False
            for line in problems:
                warnings.warn(f"cache: {line}; regenerating", CacheWarning, stacklevel=2)
            shutil.rmtree(directory)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.tmp-"))
        try:
            build(tmp)
            write_manifest(tmp, extra={"metadata": metadata or {}})
            os.replace(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return directory, True


def load_verified(
    directory: Path,
    build: Callable[[Path], None],
    read: Callable[[Path], T],
    *,
    metadata: dict[str, Any] | None = None,
) -> T:
    """Read a cache entry while its checksums are verified, building or rebuilding it when needed.

    The SHA-256 verification runs in a second thread (hashlib releases the GIL) while ``read`` parses the
    files, so a cached load costs little more than the parse. The value is returned only if verification
    passes; a damaged entry is reported (:class:`CacheWarning`, one line per file), rebuilt and read again.

    Parameters
    ----------
    directory : Path
        Location of the entry.
    build : callable(Path) -> None
        Writes the entry's files into the folder it is given (see :func:`cached_directory`).
    read : callable(Path) -> T
        Parses the entry.
    metadata : dict, optional
        Stored in the manifest when the entry is built.
    """
    directory = Path(directory)
    if directory.is_dir():
        with ThreadPoolExecutor(max_workers=1) as pool:
            check = pool.submit(verify_files, directory)
            try:
                value, error = read(directory), None
            except Exception as exc:  # noqa: BLE001 - a damaged file may fail to parse: verification decides
                value, error = None, exc
            problems = check.result()
        if not problems:
            if error is not None:
                raise error
            return value
    directory, _ = cached_directory(directory, build, metadata=metadata)  # reports damage and rebuilds
    return read(directory)
