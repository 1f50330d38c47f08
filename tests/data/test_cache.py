"""The verified cache: atomic writes, checksum manifests, corruption recovery, concurrent builders."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from toi5807.data.cache import (
    MANIFEST_NAME,
    CacheWarning,
    cached_directory,
    load_verified,
    verify_files,
)


def _builder(calls):
    def build(tmp):
        calls.append(tmp)
        (tmp / "a_tp.fits").write_bytes(bytes(range(256)) * 40)
        (tmp / "b_lc.fits").write_bytes(b"light curve bytes" * 100)
    return build


def test_build_once_then_reuse(tmp_path):
    calls = []
    d, built = cached_directory(tmp_path / "entry", _builder(calls), metadata={"seed": 1})
    assert built and len(calls) == 1
    assert verify_files(d) == []
    manifest = json.loads((d / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == ["a_tp.fits", "b_lc.fits"]
    assert manifest["metadata"] == {"seed": 1}
    d2, built2 = cached_directory(tmp_path / "entry", _builder(calls))
    assert d2 == d and not built2 and len(calls) == 1
    assert not any(p.name.startswith(".entry.tmp") for p in tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_corruption_is_reported_and_rebuilt(tmp_path, damage):
    calls = []
    d, _ = cached_directory(tmp_path / "entry", _builder(calls))
    target = d / "a_tp.fits"
    original = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(original[:100])
        expected = r"entry/a_tp\.fits: size 100 bytes, manifest says 10240"
    elif damage == "flip":
        data = bytearray(original)
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
        d2, built = cached_directory(tmp_path / "entry", _builder(calls))
    assert built and len(calls) == 2
    assert all("\n" not in str(w.message) for w in record)  # one line each
    assert target.read_bytes() == original
    assert verify_files(d2) == []


def test_failed_build_leaves_nothing(tmp_path):
    def broken(tmp):
        (tmp / "half.fits").write_bytes(b"x")
        raise RuntimeError("generator crashed")

    with pytest.raises(RuntimeError, match="generator crashed"):
        cached_directory(tmp_path / "entry", broken)
    assert not (tmp_path / "entry").exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


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
        cached_directory(Path({str(tmp_path)!r}) / "entry", build)
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(i)]) for i in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    built = sorted(p.name for p in tmp_path.glob("built-*"))
    assert len(built) == 1, built  # the second process waited and reused the first one's entry
    assert verify_files(tmp_path / "entry") == []
    assert len(list((tmp_path / "entry").glob("f*.fits"))) == 5


def test_load_verified_never_returns_data_from_a_damaged_entry(tmp_path):
    calls = []
    build = _builder(calls)
    read = lambda d: (d / "a_tp.fits").read_bytes()  # noqa: E731
    good = load_verified(tmp_path / "entry", build, read)
    assert len(calls) == 1 and good == bytes(range(256)) * 40
    assert load_verified(tmp_path / "entry", build, read) == good and len(calls) == 1  # verified reuse
    damaged = tmp_path / "entry" / "b_lc.fits"  # damage a file the reader does not even look at
    damaged.write_bytes(b"x" + damaged.read_bytes()[1:])
    with pytest.warns(CacheWarning, match=r"entry/b_lc\.fits: SHA-256 checksum mismatch"):
        assert load_verified(tmp_path / "entry", build, read) == good
    assert len(calls) == 2 and verify_files(tmp_path / "entry") == []


def test_load_verified_rebuilds_when_the_reader_chokes_on_damage(tmp_path):
    calls = []
    build = _builder(calls)

    def strict_read(d):
        data = (d / "a_tp.fits").read_bytes()
        if len(data) != 10240:
            raise ValueError("a_tp.fits: truncated")
        return len(data)

    load_verified(tmp_path / "entry", build, strict_read)
    (tmp_path / "entry" / "a_tp.fits").write_bytes(b"short")
    with pytest.warns(CacheWarning, match="truncated or altered"):
        assert load_verified(tmp_path / "entry", build, strict_read) == 10240
