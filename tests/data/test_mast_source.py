"""source="mast": the download → verified cache → FITS reader path, with a stand-in for MAST.

The stand-in replaces lightkurve's search functions and serves the twin's SPOC-style FITS
files, so the whole path runs offline. The offline failure is tested against the real network
stack (no stand-in): it must fail fast with a message that points at source="twin".
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from fake_mast import FakeSearchResult
import toi5807 as sh
from toi5807.data import cache, mast
from toi5807.twin import source as twin_source




@pytest.fixture(scope="module")
def twin_files():
    directory = twin_source.twin_directory(seed=0, scenario="planet")
    lc = {int(p.name.split("-s00")[1][:2]): p for p in directory.glob("*lc.fits")}
    tp = {int(p.name.split("-s00")[1][:2]): p for p in directory.glob("*tp.fits")}
    assert sorted(lc) == sorted(tp) == [55, 75, 82, 83]
    return lc, tp


@pytest.fixture
def fake_mast(monkeypatch, twin_files, isolated_cache):
    import lightkurve as lk

    lc_files, tp_files = twin_files
    log: list[str] = []
    served = {"lc": dict(lc_files), "tp": dict(tp_files)}

    def search(kind):
        def _search(target, mission=None, author=None, exptime=None, sector=None, **kwargs):
            assert target == f"TIC {sh.TIC_ID}" and author == "SPOC" and exptime == 120
            return FakeSearchResult(served[kind].get(sector), log)
        return _search

    monkeypatch.setattr(lk, "search_lightcurve", search("lc"))
    monkeypatch.setattr(lk, "search_targetpixelfile", search("tp"))
    monkeypatch.setattr(mast, "check_archive_reachable", lambda timeout=5.0: None)
    return log, served


def test_download_cache_read_round_trip(fake_mast, twin_files):
    log, _ = fake_mast
    ds = sh.load_dataset("mast", network=True)
    # the stand-in archive serves the twin's files: their SIMDATA header survives the MAST path too
    assert ds.source == "mast" and ds.summary()["simulated"] is True
    assert ds.sectors == (55, 75, 82, 83) and tuple(ds.tpf_by_sector) == (55, 75, 82, 83)
    assert len(log) == 8
    reference = sh.data.load_local_dir(twin_files[0][82].parent)
    np.testing.assert_array_equal(ds.tpf_by_sector[82].flux, reference.tpf_by_sector[82].flux)
    np.testing.assert_array_equal(ds.lc_by_sector[55].time, reference.lc_by_sector[55].time)

    # Second load: served from the verified cache, offline, no new downloads.
    again = sh.load_dataset("mast", network=False)
    assert len(log) == 8
    np.testing.assert_array_equal(again.tpf_by_sector[83].flux, ds.tpf_by_sector[83].flux)


def test_corrupt_download_is_reported_and_fetched_again(fake_mast, isolated_cache):
    log, _ = fake_mast
    sh.load_dataset("mast", network=True, sectors=[82])
    cached = isolated_cache / "mast" / f"tic{sh.TIC_ID}" / mast.mast_file_name(82, "tpf")
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0x01
    cached.write_bytes(bytes(data))
    with pytest.warns(sh.data.CacheWarning, match=r"_tp\.fits: SHA-256 checksum mismatch"):
        sh.load_dataset("mast", network=True, sectors=[82])
    assert len(log) == 3 and log[2].endswith("tp.fits")  # lc + tpf, then only the damaged tpf again
    assert cache.verify_files(cached.parent, [cached.name]) == []


def test_sector_without_tpf_is_absent_not_an_error(fake_mast):
    log, served = fake_mast
    del served["tp"][75]
    ds = sh.load_dataset("mast", network=True, sectors=[55, 75])
    assert ds.sectors == (55, 75) and tuple(ds.tpf_by_sector) == (55,)
    ds2 = sh.load_dataset("mast", network=False, sectors=[55, 75])  # remembered as absent
    assert tuple(ds2.tpf_by_sector) == (55,)


def test_uncached_without_network_says_what_to_do(isolated_cache):
    with pytest.raises(ValueError, match=r"not cached yet .*network=True.*source='twin'"):
        sh.load_dataset("mast", network=False)


def _network_available() -> bool:
    try:
        socket.create_connection((mast.MAST_HOST, 443), timeout=3).close()
        return True
    except OSError:
        return False


def test_offline_failure_is_helpful(isolated_cache):
    """No network: one clear error pointing at the offline sources (how long it takes is not a unit test's business)."""
    if _network_available():
        pytest.skip("this machine can reach MAST; the offline failure cannot be observed")
    with pytest.raises(sh.data.ArchiveUnreachableError, match=r"unreachable.*source='twin'"):
        sh.load_dataset("mast", network=True)


def test_b9_stray_absent_marker_is_reported_not_trusted(fake_mast, isolated_cache):
    """A marker the cache did not write (not in the manifest) must not silently drop a sector's TPF."""
    import json

    sh.load_dataset("mast", network=True, sectors=[55, 75])
    folder = isolated_cache / "mast" / f"tic{sh.TIC_ID}"
    (folder / mast.ABSENT_NAME).write_text(json.dumps([[75, "tpf"]]))
    with pytest.warns(sh.data.CacheWarning, match=r"absent\.json: (not listed in the manifest|SHA-256|size)"):
        ds = sh.load_dataset("mast", network=False, sectors=[55, 75])
    assert tuple(ds.tpf_by_sector) == (55, 75)


def test_b9_altered_absent_marker_is_asked_again(fake_mast, isolated_cache):
    import json

    log, served = fake_mast
    del served["tp"][75]
    sh.load_dataset("mast", network=True, sectors=[55, 75])
    marker = isolated_cache / "mast" / f"tic{sh.TIC_ID}" / mast.ABSENT_NAME
    marker.write_text(json.dumps([[55, "tpf"], [75, "tpf"]]))  # someone claims sector 55 has no TPF either
    with pytest.warns(sh.data.CacheWarning, match=r"absent\.json: (SHA-256 checksum mismatch|size)"):
        ds = sh.load_dataset("mast", network=True, sectors=[55, 75])
    assert tuple(ds.tpf_by_sector) == (55,)  # 55 kept (verified file), 75 asked again and still absent
    assert not (marker.parent / ".download").exists()
