"""Files written safely: checksums, atomic writes, and the temporaries of killed writers.

Temporaries are named ``.<name>.tmp-<host>-<pid>-<token>`` beside their target, so
:func:`clean_stale_temporaries` can tell those of a killed process (owner gone on
this host, or older than :data:`BUILD_TIMEOUT_S`) from those still being written.
Written files get the permissions of a plain ``open`` (0o666 minus the umask:
0644 with the usual 022), not the 0600 of :mod:`tempfile`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from pathlib import Path
from typing import Any

__all__ = ["BUILD_TIMEOUT_S", "sha256_file", "temp_path", "atomic_write_bytes", "atomic_write_json",
           "clean_stale_temporaries"]

#: Longest a build may take (s): a waiter gives up after it, and a temporary older than it is stale.
BUILD_TIMEOUT_S = 2 * 3600.0
_CHUNK = 1 << 22
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_TEMP_RE = re.compile(r"^\..+\.tmp-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]+$")
_LEGACY_TEMP_RE = re.compile(r"^\..+(\.tmp-[a-z0-9_]{8}|\.[a-z0-9_]{8}\.tmp)$")  # tempfile names of older versions


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def temp_path(target: Path) -> Path:
    """A fresh temporary name beside ``target`` that names this host and process."""
    return target.parent / f".{target.name}.tmp-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, fsync, rename).

    The file gets the permissions a plain ``open(path, "w")`` would give (0o666 minus the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as sorted, indented JSON atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _owner_gone(host: str, pid: int) -> bool:
    if host != _HOST or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. another user's live process
        return False
    return False


def clean_stale_temporaries(folder: Path, *, max_age_s: float = BUILD_TIMEOUT_S) -> list[str]:
    """Remove temporaries of killed builds in ``folder``; return their names.

    A temporary is stale when its owner process (named in it) is gone on this host, or when it is older
    than ``max_age_s`` (owner on another host, or a name without an owner).
    """
    removed = []
    now = time.time()
    for path in Path(folder).glob(".*"):
        m = _TEMP_RE.match(path.name)
        if m is None and not _LEGACY_TEMP_RE.match(path.name):
            continue
        try:
            old = now - path.lstat().st_mtime > max_age_s
        except OSError:
            continue
        if old or (m is not None and _owner_gone(m["host"], int(m["pid"]))):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
