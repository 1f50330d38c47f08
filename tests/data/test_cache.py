"""The verified cache: atomic writes, checksum manifests, corruption recovery, concurrent builders.

The invariant under test (data/cache.py): an entry is used only if every expected file is present and
matches its checksum under the lock; anything else is reported once and rebuilt. B1–B7 of issue 14 are
reproductions of ways today's cache broke it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest
from toi5807.data.cache import (
    BUILD_TIMEOUT_S,
    MANIFEST_NAME,
    CacheWarning,
    atomic_write_bytes,
    cached_directory,
    load_verified,
    verify_files,
)

FILES = ["a_tp.fits", "b_lc.fits"]
A_BYTES = bytes(range(256)) * 40


def _builder(calls):
    def build(tmp):
        calls.append(tmp)
        (tmp / "a_tp.fits").write_bytes(A_BYTES)
        (tmp / "b_lc.fits").write_bytes(b"light curve bytes" * 100)
    return build


def _read(d):
    return (d / "a_tp.fits").read_bytes()


def _load(entry, calls):
    return load_verified(entry, _builder(calls), _read, expected=FILES)


def test_build_once_then_reuse(tmp_path):
    calls = []
    d, built = cached_directory(tmp_path / "entry", _builder(calls), expected=FILES, metadata={"seed": 1})
    assert built and len(calls) == 1
    assert verify_files(d, FILES) == []
    manifest = json.loads((d / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == FILES
    assert manifest["metadata"] == {"seed": 1}
    d2, built2 = cached_directory(tmp_path / "entry", _builder(calls), expected=FILES)
    assert d2 == d and not built2 and len(calls) == 1
    assert not any(".tmp" in p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_corruption_is_reported_once_and_rebuilt(tmp_path, damage):
    calls = []
    d, _ = cached_directory(tmp_path / "entry", _builder(calls), expected=FILES)
    target = d / "a_tp.fits"
    if damage == "truncate":
        target.write_bytes(A_BYTES[:100])
        expected = r"entry/a_tp\.fits: size 100 bytes, manifest says 10240"
    elif damage == "flip":
        data = bytearray(A_BYTES)
        data[5000] ^= 0xFF
        target.write_bytes(bytes(data))
        expected = r"entry/a_tp\.fits: SHA-256 checksum mismatch"
    elif damage == "delete":
        target.unlink()
        expected = r"entry/a_tp\.fits: file missing"
    else:
        (d / MANIFEST_NAME).write_text("{not json")
        expected = r"entry/manifest\.json: manifest unreadable or malformed"
    with pytest.warns(CacheWarning, match=expected) as record:
        d2, built = cached_directory(tmp_path / "entry", _builder(calls), expected=FILES)
    assert built and len(calls) == 2
    assert len([w for w in record if w.category is CacheWarning]) == 1  # reported once
    assert all("\n" not in str(w.message) for w in record)  # one line
    assert target.read_bytes() == A_BYTES
    assert verify_files(d2, FILES) == []


def test_b1_emptied_manifest_does_not_vouch_for_altered_files(tmp_path):
    calls = []
    entry = tmp_path / "entry"
    assert _load(entry, calls) == A_BYTES
    (entry / "a_tp.fits").write_bytes(b"X" * len(A_BYTES))  # altered data ...
    (entry / MANIFEST_NAME).write_text(json.dumps({"files": {}}))  # ... and a manifest that lists nothing
    with pytest.warns(CacheWarning, match=r"entry: 2 problems: entry/a_tp\.fits: not listed in the manifest"):
        assert _load(entry, calls) == A_BYTES
    assert len(calls) == 2


@pytest.mark.parametrize("entry_value", [["a list"], "a string", 7, None], ids=["list", "str", "int", "null"])
def test_b2_manifest_entry_that_is_not_a_mapping_heals(tmp_path, entry_value):
    calls = []
    entry = tmp_path / "entry"
    _load(entry, calls)
    manifest = json.loads((entry / MANIFEST_NAME).read_text())
    manifest["files"]["a_tp.fits"] = entry_value
    (entry / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.warns(CacheWarning, match=r"entry/a_tp\.fits: (malformed manifest entry|not listed)"):
        assert _load(entry, calls) == A_BYTES
    assert _load(entry, calls) == A_BYTES and len(calls) == 2  # healed: the next load reuses the rebuilt entry


@pytest.mark.parametrize("kind", ["file", "dangling-symlink", "symlink-to-folder"])
def test_b3_entry_path_that_is_not_a_folder_heals(tmp_path, kind):
    calls = []
    entry = tmp_path / "entry"
    if kind == "file":
        entry.write_bytes(b"not a folder")
    elif kind == "dangling-symlink":
        entry.symlink_to(tmp_path / "nowhere")
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "keep.txt").write_text("not the cache's")
        entry.symlink_to(elsewhere)
    with pytest.warns(CacheWarning, match="not a cache folder"):
        assert _load(entry, calls) == A_BYTES
    assert entry.is_dir() and not entry.is_symlink() and verify_files(entry, FILES) == []
    if kind == "symlink-to-folder":
        assert (tmp_path / "elsewhere" / "keep.txt").is_file()  # the link is replaced, its target untouched


def test_b4_stray_files_are_never_read(tmp_path):
    """A file the entry does not expect is neither verified nor read (here: a stray light curve)."""
    from toi5807.data.local import load_local_dir

    def build(tmp):
        (tmp / "sector55_pdcsap.csv").write_text("time_btjd,flux,flux_err,quality\n2800.0,1.0,0.001,0\n"
                                                 "2800.1,1.0,0.001,0\n")

    def read(d):
        return load_local_dir(d, files=["sector55_pdcsap.csv"])

    entry = tmp_path / "entry"
    load_verified(entry, build, read, expected=["sector55_pdcsap.csv"])
    (entry / "sector75_pdcsap.csv").write_text("garbage that would fail to parse\n")
    ds = load_verified(entry, build, read, expected=["sector55_pdcsap.csv"])
    assert ds.sectors == (55,)


@pytest.mark.parametrize("kind", ["folder", "dangling-symlink"])
def test_b4_lock_path_that_is_not_a_file_heals(tmp_path, kind):
    calls = []
    lock = tmp_path / "entry.lock"
    if kind == "folder":
        lock.mkdir()
        (lock / "x").write_text("x")
    else:
        lock.symlink_to(tmp_path / "nowhere")
    with pytest.warns(CacheWarning, match=r"entry\.lock: lock path is not a regular file"):
        assert _load(tmp_path / "entry", calls) == A_BYTES
    assert lock.is_file() or not lock.exists()


def test_b5_killed_build_leaves_no_temporary_behind(tmp_path):
    """A build killed with SIGKILL leaves its temporary folder; the next build (any entry) removes it."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from toi5807.data.cache import cached_directory
        def build(tmp):
            (tmp / "big.fits").write_bytes(b"x" * 100000)
            os.kill(os.getpid(), signal.SIGKILL)
        cached_directory(Path({str(tmp_path)!r}) / "killed", build, expected=["big.fits"])
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == -9
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".killed.tmp")]
    assert len(left) == 1  # the reproduction: the dead build's folder is there
    old = tmp_path / ".other.tmp-00000000-1-abcd"  # owner on another host, older than the build timeout
    old.mkdir()
    os.utime(old, (time.time() - BUILD_TIMEOUT_S - 10,) * 2)
    young_foreign = tmp_path / ".other.tmp-00000000-1-beef"  # another host, recent: may still be building
    young_foreign.mkdir()
    cached_directory(tmp_path / "entry", _builder([]), expected=FILES)
    names = {p.name for p in tmp_path.iterdir()}
    assert not any(n.startswith(".killed.tmp") for n in names) and old.name not in names
    assert young_foreign.name in names


def test_b6_read_only_cache_still_reports_corruption():
    """In a read-only cache folder a damaged entry is reported and refused, never used."""
    base = Path(tempfile.mkdtemp(prefix="toi5807-readonly-"))  # world-traversable, unlike pytest's tmp_path
    base.chmod(0o755)
    root = base / "ro"
    root.mkdir()
    script = textwrap.dedent(
        f"""
        import warnings
        from pathlib import Path
        from toi5807.data.cache import load_verified
        def build(tmp):
            (tmp / "a_tp.fits").write_bytes(b"good" * 100)
        entry = Path({str(root)!r}) / "entry"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = load_verified(entry, build, lambda d: (d / "a_tp.fits").read_bytes()[:4],
                                      expected=["a_tp.fits"])
                print("USED", value)
            except Exception as exc:
                print("ERROR", type(exc).__name__)
        for w in caught:
            print("WARNING", w.category.__name__, w.message)
        """
    )
    try:
        subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)  # build it
        (root / "entry" / "a_tp.fits").write_bytes(b"evil" * 100)
        for p in (root / "entry", root):
            p.chmod(0o555)
        cmd = [sys.executable, "-c", script]
        if os.geteuid() == 0:  # root ignores permissions: run as an unprivileged user
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv: cannot make the cache read-only")
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=dict(os.environ, HOME=str(base)))
        assert "USED" not in out.stdout, out.stdout
        assert "ERROR CacheReadOnlyError" in out.stdout, out.stdout + out.stderr
        assert "WARNING CacheWarning cache: entry/a_tp.fits: SHA-256 checksum mismatch" in out.stdout
        assert out.stdout.count("WARNING CacheWarning") == 1
    finally:
        for p in (root, root / "entry"):
            p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_b7_verification_and_reading_happen_under_the_lock(tmp_path):
    """While another process holds the entry's lock (e.g. rebuilding it), nothing is read or verified."""
    from filelock import FileLock

    calls, seen = [], []
    entry = tmp_path / "entry"
    _load(entry, calls)

    released_event = threading.Event()

    def read(d):
        seen.append(released_event.is_set())  # was the lock already released when the read began?
        return (d / "a_tp.fits").read_bytes()

    holder = FileLock(str(tmp_path / "entry.lock"))
    holder.acquire()
    try:
        (entry / "a_tp.fits").write_bytes(A_BYTES[:10])  # a rebuild in progress: half-written
        result = []
        worker = threading.Thread(target=lambda: result.append(
            load_verified(entry, _builder(calls), read, expected=FILES)))
        worker.start()
        time.sleep(0.5)
        assert not seen, "read while another process held the lock"
        (entry / "a_tp.fits").write_bytes(A_BYTES)  # the rebuild finishes
    finally:
        released_event.set()
        holder.release()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # the finished rebuild is intact: nothing to report
        worker.join(30)
    assert result == [A_BYTES] and seen and seen[0] is True and len(calls) == 1


def test_failed_build_leaves_nothing(tmp_path):
    def broken(tmp):
        (tmp / "half.fits").write_bytes(b"x")
        raise RuntimeError("generator crashed")

    with pytest.raises(RuntimeError, match="generator crashed"):
        cached_directory(tmp_path / "entry", broken, expected=["half.fits"])
    assert not (tmp_path / "entry").exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_builder_that_forgets_a_file_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"did not write \['b_lc\.fits'\]"):
        cached_directory(tmp_path / "entry", lambda tmp: (tmp / "a_tp.fits").write_bytes(b"a"), expected=FILES)
    assert not (tmp_path / "entry").exists()


def test_two_processes_build_the_same_entry(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from pathlib import Path
        from toi5807.data.cache import cached_directory

        log = Path({str(tmp_path)!r}) / ("built-" + sys.argv[1])
        def build(tmp):
            log.write_text("yes")
            for i in range(5):
                (tmp / f"f{{i}}.fits").write_bytes(os.urandom(1) * 200000)
                time.sleep(0.1)
        cached_directory(Path({str(tmp_path)!r}) / "entry", build, expected=[f"f{{i}}.fits" for i in range(5)])
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(i)]) for i in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    built = sorted(p.name for p in tmp_path.glob("built-*"))
    assert len(built) == 1, built  # the second process waited and reused the first one's entry
    assert verify_files(tmp_path / "entry", [f"f{i}.fits" for i in range(5)]) == []


def test_load_verified_never_returns_data_from_a_damaged_entry(tmp_path):
    calls = []
    good = _load(tmp_path / "entry", calls)
    assert len(calls) == 1 and good == A_BYTES
    assert _load(tmp_path / "entry", calls) == good and len(calls) == 1  # verified reuse
    damaged = tmp_path / "entry" / "b_lc.fits"  # damage a file the reader does not even look at
    damaged.write_bytes(b"x" + damaged.read_bytes()[1:])
    with pytest.warns(CacheWarning, match=r"entry/b_lc\.fits: SHA-256 checksum mismatch"):
        assert _load(tmp_path / "entry", calls) == good
    assert len(calls) == 2 and verify_files(tmp_path / "entry", FILES) == []


def test_load_verified_rebuilds_when_the_reader_chokes_on_damage(tmp_path):
    calls = []
    build = _builder(calls)

    def strict_read(d):
        data = (d / "a_tp.fits").read_bytes()
        if len(data) != 10240:
            raise ValueError("a_tp.fits: truncated")
        return len(data)

    load_verified(tmp_path / "entry", build, strict_read, expected=FILES)
    (tmp_path / "entry" / "a_tp.fits").write_bytes(b"short")
    with pytest.warns(CacheWarning, match="truncated or altered"):
        assert load_verified(tmp_path / "entry", build, strict_read, expected=FILES) == 10240


def test_written_files_and_folders_get_ordinary_permissions(tmp_path):
    """Files written atomically (regenerated notebooks, manifests) are 0644 and entries 0755 under umask 022."""
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "notebook.ipynb", b"{}")
        d, _ = cached_directory(tmp_path / "entry", _builder([]), expected=FILES)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "notebook.ipynb").stat().st_mode) == 0o644
    assert stat.S_IMODE((d / MANIFEST_NAME).stat().st_mode) == 0o644
    assert stat.S_IMODE(d.stat().st_mode) == 0o755


def test_b8_relative_cache_dir_resolves_against_the_repository(tmp_path, monkeypatch):
    from toi5807.data import cache, paths

    repo = paths.package_repo_root()
    assert repo is not None  # the tests run from a clone
    rel = f"persistent_cache/test-relative-{os.getpid()}"
    monkeypatch.setenv("TOI5807_CACHE_DIR", rel)
    try:
        for cwd in (tmp_path, repo / "notebooks"):
            monkeypatch.chdir(cwd)
            assert cache.cache_root() == repo / rel  # the same folder from every working directory
        assert not (tmp_path / "persistent_cache").exists()
    finally:
        shutil.rmtree(repo / rel, ignore_errors=True)
    monkeypatch.setattr(paths, "package_repo_root", lambda: None)
    monkeypatch.setattr(cache, "package_repo_root", lambda: None)
    with pytest.raises(ValueError, match=r"TOI5807_CACHE_DIR='persistent_cache/.*' is a relative path"):
        cache.cache_root()
