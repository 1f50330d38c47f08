"""The verified on-disk cache behind the twin and MAST sources.

Invariant: **an entry is used only if every expected file is present and matches
its checksum under the lock; anything else is reported once and rebuilt.**

- *Expected files*: the builder or loader names the files an entry must hold;
  each is checked (regular file, size, SHA-256) against the entry's
  ``manifest.json``. An emptied, malformed or foreign manifest therefore fails
  verification instead of vouching for nothing; files the entry does not expect
  (strays) are neither verified nor read.
- *Under the lock*: one :mod:`filelock` lock per entry (``<entry>.lock`` beside
  it) covers verification, reading and rebuilding, so a reader never sees a
  concurrent rebuild half-written. A lock path that is not a file is reported
  and replaced.
- *Reported once*: one :class:`CacheWarning` per damaged entry, listing every
  problem (at most 2,000 characters). An entry path that is a file or a
  (dangling) symbolic link is damage too. In a read-only cache folder the damage
  is still reported, then :class:`CacheReadOnlyError` is raised: nothing damaged
  is ever used.
- *Atomic writes*: folders are built under a temporary name and renamed into
  place; single files are written to a temporary file and renamed
  (:mod:`toi5807.data.files`). Temporaries of killed builds (owner process gone
  on this host, or older than :data:`BUILD_TIMEOUT_S`) are removed at the next
  build in the same folder. Files and folders get the ordinary permissions of
  the user's umask (0644/0755 with the usual 022).
- *Location*: ``$TOI5807_CACHE_DIR`` (a relative value is resolved against the
  repository root, never the working directory), else the clone's
  ``persistent_cache/``, else ``~/.cache/toi5807``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .files import (
    BUILD_TIMEOUT_S,
    atomic_write_bytes,
    atomic_write_json,
    clean_stale_temporaries,
    sha256_file,
    temp_path,
)
from .paths import package_repo_root
from .validate import cap, clip

T = TypeVar("T")

__all__ = [
    "CacheWarning", "CacheReadOnlyError", "cache_root", "sha256_file", "atomic_write_bytes", "atomic_write_json",
    "write_manifest", "verify_files", "entry_lock", "report_damage", "clean_stale_temporaries",
    "cached_directory", "load_verified", "MANIFEST_NAME", "BUILD_TIMEOUT_S",
]

MANIFEST_NAME = "manifest.json"


class CacheWarning(UserWarning):
    """A cache entry failed verification and is being rebuilt (or, read-only, cannot be)."""


class CacheReadOnlyError(PermissionError):
    """A damaged cache entry cannot be rebuilt because its folder is read-only."""


def cache_root() -> Path:
    """Root folder of the runtime cache (created if needed).

    ``$TOI5807_CACHE_DIR`` if set — a relative value is taken relative to the repository root of this
    package (the same folder from every working directory, notebooks included) and refused when the
    package is not installed from a clone; else the clone's ``persistent_cache/``; else ``~/.cache/toi5807``.
    """
    env = os.environ.get("TOI5807_CACHE_DIR")
    repo = package_repo_root()
    if env is not None and env.strip():
        root = Path(env).expanduser()
        if not root.is_absolute():
            if repo is None:
                raise ValueError(f"TOI5807_CACHE_DIR={clip(env)} is a relative path and toi5807 is not installed "
                                 "from a repository clone to resolve it against; give an absolute path")
            root = repo / root
    elif repo is not None and (repo / "persistent_cache").is_dir():
        root = repo / "persistent_cache"
    else:
        root = Path.home() / ".cache" / "toi5807"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _read_manifest(directory: Path) -> dict | None:
    try:
        manifest = json.loads((Path(directory) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def write_manifest(directory: Path, names: Iterable[str], *, extra: dict[str, Any] | None = None) -> dict:
    """Record size and SHA-256 of the files ``names`` in ``directory``'s manifest (other entries are kept)."""
    directory = Path(directory)
    manifest = _read_manifest(directory) or {"files": {}}
    for name in names:
        path = directory / name
        manifest["files"][name] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    if extra:
        manifest.update(extra)
    atomic_write_json(directory / MANIFEST_NAME, manifest)
    return manifest


def _file_problem(path: Path, entry: Any) -> str | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) \
            or not isinstance(entry.get("sha256"), str):
        return f"malformed manifest entry {clip(entry, 80)}"
    try:
        st = path.lstat()
    except OSError:
        return "file missing"
    if not path.is_file() or path.is_symlink():
        return "not a regular file"
    if st.st_size != entry["size"]:
        return f"size {st.st_size} bytes, manifest says {entry['size']} (truncated or altered)"
    if sha256_file(path) != entry["sha256"]:
        return "SHA-256 checksum mismatch (corrupted)"
    return None


def verify_files(directory: Path, names: Iterable[str]) -> list[str]:
    """Check the expected files ``names`` against the folder's manifest.

    Returns
    -------
    list of str
        One line per problem (``"<folder>/<file>: <what was wrong>"``); empty when every expected file is
        a regular file whose size and SHA-256 match its manifest entry.
    """
    directory = Path(directory)
    label = directory.name
    names = list(names)
    if not names:
        raise ValueError(f"names: expected the file names {label}/ must hold, got none")
    manifest = _read_manifest(directory)
    if manifest is None:
        what = "missing" if not (directory / MANIFEST_NAME).exists() else "unreadable or malformed"
        return [f"{label}/{MANIFEST_NAME}: manifest {what}"]
    problems = []
    for name in names:
        entry = manifest["files"].get(name)
        why = "not listed in the manifest" if entry is None else _file_problem(directory / name, entry)
        if why:
            problems.append(f"{label}/{name}: {why}")
    return problems


def _entry_path_problem(directory: Path) -> str | None:
    """Why the entry path cannot be a cache folder (a file, a symlink), or None (a folder, or absent)."""
    if directory.is_symlink():
        return f"{directory.name}: a symbolic link{'' if directory.exists() else ' (dangling)'}, not a cache folder"
    if directory.exists() and not directory.is_dir():
        return f"{directory.name}: a file, not a cache folder"
    return None


def report_damage(label: str, problems: list[str], action: str) -> None:
    """One :class:`CacheWarning` for all of an entry's problems (capped at 2,000 characters)."""
    if problems:
        head = problems[0] if len(problems) == 1 else f"{label}: {len(problems)} problems: " + "; ".join(problems)
        warnings.warn(cap(f"cache: {head}; {action}"), CacheWarning, stacklevel=3)


def _remove(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


@contextmanager
def entry_lock(directory: Path, timeout: float = BUILD_TIMEOUT_S) -> Iterator[bool]:
    """Hold the entry's file lock; yields whether the cache folder is writable (False: read-only, no lock)."""
    from filelock import FileLock, Timeout

    directory = Path(directory)
    lock_path = directory.parent / f"{directory.name}.lock"
    if (lock_path.is_symlink() or lock_path.exists()) and not (lock_path.is_file() and not lock_path.is_symlink()):
        report_damage(directory.name, [f"{lock_path.name}: lock path is not a regular file"], "replacing it")
        _remove(lock_path)
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise TimeoutError(f"cache: waited {timeout:.0f} s for another process building {directory.name}; "
                           f"if none is running, delete {lock_path}") from None
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        lock = None  # read-only: no one with our rights can change the entry
    try:
        yield lock is not None and os.access(directory.parent, os.W_OK | os.X_OK)
    finally:
        if lock is not None:
            lock.release()


def _rebuild(directory: Path, build: Callable[[Path], None], expected: list[str], metadata: dict | None) -> None:
    """Build the entry in a temporary folder and rename it into place (caller holds the lock)."""
    clean_stale_temporaries(directory.parent)
    _remove(directory)
    tmp = temp_path(directory)
    os.mkdir(tmp, 0o777)  # the umask decides, as for any folder
    try:
        build(tmp)
        missing = [n for n in expected if not (tmp / n).is_file()]
        if missing:
            raise RuntimeError(f"cache: the builder of {directory.name} did not write {clip(missing)}")
        write_manifest(tmp, expected, extra={"metadata": metadata or {}})
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _check(directory: Path, expected: list[str]) -> list[str]:
    bad = _entry_path_problem(directory)
    if bad:
        return [bad]
    return verify_files(directory, expected) if directory.is_dir() else []


def _fix(directory: Path, problems: list[str], writable: bool, build, expected, metadata) -> None:
    if not writable:
        report_damage(directory.name, problems or [f"{directory.name}: entry missing"], "cannot rebuild")
        raise CacheReadOnlyError(f"cache: {directory.name} is damaged or missing and its folder "
                                 f"{clip(str(directory.parent))} is read-only; set TOI5807_CACHE_DIR to a "
                                 "writable folder")
    report_damage(directory.name, problems, "regenerating")
    _rebuild(directory, build, expected, metadata)


def cached_directory(directory: Path, build: Callable[[Path], None], *, expected: Iterable[str],
                     metadata: dict[str, Any] | None = None) -> tuple[Path, bool]:
    """A verified cache folder, built (atomically, under the lock) when missing or damaged.

    Parameters
    ----------
    directory : Path
        Final location of the entry.
    build : callable(Path) -> None
        Writes the entry's files into the (temporary) folder it is given.
    expected : iterable of str
        The file names the entry must hold (what is verified; nothing else is).
    metadata : dict, optional
        JSON-safe description stored in the manifest (e.g. the cache key's inputs).

    Returns
    -------
    (Path, bool)
        The folder (verified when returned), and whether it was built by this call.
    """
    directory, expected = Path(directory), list(expected)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with entry_lock(directory) as writable:
        problems = _check(directory, expected)
        if directory.is_dir() and not problems:
            return directory, False
        _fix(directory, problems, writable, build, expected, metadata)
    return directory, True


def load_verified(directory: Path, build: Callable[[Path], None], read: Callable[[Path], T], *,
                  expected: Iterable[str], metadata: dict[str, Any] | None = None) -> T:
    """Read a cache entry under its lock while its expected files are verified; rebuild it when needed.

    The SHA-256 verification runs in a second thread (hashlib releases the GIL) while ``read`` parses the
    files, both under the entry's lock. The value is returned only if verification passes; a damaged
    entry is reported (one :class:`CacheWarning`), rebuilt and read again.

    Parameters
    ----------
    directory : Path
        Location of the entry.
    build : callable(Path) -> None
        Writes the entry's files into the folder it is given (see :func:`cached_directory`).
    read : callable(Path) -> T
        Parses the entry; it must read only ``expected`` files.
    expected : iterable of str
        The file names the entry must hold.
    metadata : dict, optional
        Stored in the manifest when the entry is built.
    """
    directory, expected = Path(directory), list(expected)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with entry_lock(directory) as writable:
        bad = _entry_path_problem(directory)
        problems = [bad] if bad else []
        if directory.is_dir() and not bad:
            with ThreadPoolExecutor(max_workers=1) as pool:
                check = pool.submit(verify_files, directory, expected)
                try:
                    value, error = read(directory), None
                except Exception as exc:  # noqa: BLE001 - a damaged file may fail to parse: verification decides
                    value, error = None, exc
                problems = check.result()
            if not problems:
                if error is not None:
                    raise error
                return value
        _fix(directory, problems, writable, build, expected, metadata)
        return read(directory)
