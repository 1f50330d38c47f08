"""The real tutorial dataset shipped in the package: ``sh.load_dataset()`` with no arguments, offline.

Asserts the reference tutorial's numbers on the real data (stitched depth, V08 shift and cadence counts),
exact point counts from the CSV headers, checksums (files = SHA256SUMS = README), reproducible gzip,
the refusal of a damaged file, and the per-sector provenance (no simulated stand-in for missing pixels).
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import tomllib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from fake_mast import FakeSearchResult
import toi5807 as sh
from conftest import REPO_ROOT
from toi5807.data import mast, tutorial
from toi5807.data.tutorial import CHECKSUMS_NAME, LC_FILES, NO_PIXELS_OFFLINE, TPF_FILES

pytestmark = pytest.mark.real_data

SHIPPED = [*LC_FILES.values(), *TPF_FILES.values()]
_SHIPPED_FOLDER = tutorial.dataset_folder  # kept before any test replaces it with a damaged copy


def _folder() -> Path:
    with _SHIPPED_FOLDER() as folder:
        return folder


def _csv_header(sector: int) -> dict[str, str]:
    text = tutorial.read_shipped(LC_FILES[sector]).decode()
    return dict(re.findall(r"^#\s*(\w+):\s*(\S+)\s*$", text, re.MULTILINE))


@pytest.fixture(scope="module")
def offline_ds():
    """``sh.load_dataset()`` with every socket call failing: the default needs no network."""
    def blocked(*args, **kwargs):
        raise AssertionError("network access while loading the tutorial dataset")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "create_connection", blocked)
        mp.setattr(socket.socket, "connect", blocked)
        mp.setattr(socket, "getaddrinfo", blocked)
        return sh.load_dataset()


# ------------------------------------------------------------------ what loads by default
def test_default_is_the_real_dataset_offline(offline_ds):
    ds = offline_ds
    assert ds.source == "tutorial" and not ds.simulated
    assert ds.sectors == (55, 75, 82, 83) and tuple(ds.tpf_by_sector) == (83,)
    for sector, lc in ds.lc_by_sector.items():
        assert not lc.simulated and lc.tic_id == sh.TIC_ID
        assert len(lc) == int(_csv_header(sector)["n_points"])
        assert np.all(lc.quality == 0) and np.all(np.isfinite(lc.flux))
    stamp = ds.tpf_by_sector[83]
    assert not stamp.simulated and stamp.shape == (17326, 13, 11)
    assert int(stamp.aperture_mask.sum()) == 23 and stamp.wcs is not None
    assert np.array_equal(stamp.time, ds.lc_by_sector[83].time)  # the same 17,326 good cadences


def test_summary_says_where_each_sector_came_from(offline_ds):
    summary = offline_ds.summary()
    json.dumps(summary, allow_nan=False)
    assert summary["source"] == "tutorial" and summary["simulated"] is False
    assert summary["sectors_lc"] == [55, 75, 82, 83] and summary["sectors_tpf"] == [83]
    assert summary["pixels_unavailable"] == {55: NO_PIXELS_OFFLINE, 75: NO_PIXELS_OFFLINE, 82: NO_PIXELS_OFFLINE}
    prov = summary["provenance_by_sector"]
    assert sorted(prov) == [55, 75, 82, 83]
    for sector, entry in prov.items():
        assert LC_FILES[sector] in entry["light_curve"] and "SPOC PDCSAP" in entry["light_curve"]
        assert (entry["pixels"] is None) == (sector != 83)
    assert TPF_FILES[83] in prov[83]["pixels"]
    assert "SIMULATED" not in repr(offline_ds)


def test_same_arrays_as_the_local_reader_of_the_extracted_files(offline_ds, real_data_dir, real_tpf_dir):
    local = sh.data.load_local_dir(real_data_dir)
    for sector, lc in offline_ds.lc_by_sector.items():
        for name in ("time", "flux", "flux_err", "quality"):
            assert np.array_equal(getattr(lc, name), getattr(local.lc_by_sector[sector], name))
    pixels = sh.read_tpf_fits(real_tpf_dir / "sector83_tpf.fits")
    assert np.array_equal(pixels.flux, offline_ds.tpf_by_sector[83].flux)


# ------------------------------------------------------------------ the reference tutorial's numbers
def test_stitched_depth_is_the_reference_tutorials(offline_ds):
    est = sh.estimate_depth_ppm(sh.stitch_pdcsap(offline_ds))
    assert (round(est.depth_ppm, 3), round(est.depth_err_ppm, 3)) == (255.559, 8.445)


def test_v08_on_the_real_sector_83_pixels_is_the_reference_tutorials(offline_ds):
    result = sh.run_v08(offline_ds.tpf_by_sector[83], period=14.2423724, t0=3540.26317, duration_hours=4.046)
    m = result.metrics
    assert (m["n_in_transit_cadences"], m["n_out_of_transit_cadences"]) == (244, 16841)
    assert m["centroid_shift_pixels"] * 1e3 == pytest.approx(17.0, rel=0.03)
    assert result.to_dict()["simulated"] is False


# ------------------------------------------------------------------ the files themselves
def test_checksums_match_the_files_and_the_readme():
    folder = _folder()
    sums = tutorial.shipped_checksums(folder)
    assert sorted(sums) == sorted(SHIPPED)
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    readme = (folder / "README.md").read_text()
    assert dict(re.findall(r"^\| `([\w.]+)` \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE)) == sums
    # the file table: sizes and cadence counts as they are
    rows = re.findall(r"^\| `([\w.]+)` \| [^|]+ \| ([\d,]+) \| ([\d,]+) \|$", readme, re.MULTILINE)
    assert [r[0] for r in rows] == SHIPPED
    for name, cadences, size in rows:
        assert int(size.replace(",", "")) == (folder / name).stat().st_size
        sector = int(re.search(r"sector(\d+)", name).group(1))
        assert int(cadences.replace(",", "")) == int(_csv_header(sector)["n_points"])
    for citation in ("Ricker et al. 2015", "JATIS", "1, 014003", "Jenkins et al. 2016", "9913, 99133E", "10.17909/"):
        assert citation in readme, citation


def test_total_size_at_most_25_mb():
    folder = _folder()
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total <= 25_000_000, total


def test_gzip_is_reproducible_and_carries_no_name_or_time():
    folder = _folder()
    for name in SHIPPED:
        raw = (folder / name).read_bytes()
        assert raw[:3] == b"\x1f\x8b\x08" and raw[3] & 0x08 == 0  # no FNAME field
        assert int.from_bytes(raw[4:8], "little") == 0  # MTIME 0
        assert tutorial.gzip_deterministic(gzip.decompress(raw)) == raw


@pytest.mark.parametrize("name", ["sector55_pdcsap.csv", "sector75_pdcsap.csv", "sector82_pdcsap.csv",
                                  "sector83_pdcsap.csv"])
def test_light_curves_are_byte_identical_to_the_originals(name):
    value = os.environ.get("TOI5807_REAL_DATA_DIR")
    if not value or not (Path(value) / name).is_file():
        pytest.skip("TOI5807_REAL_DATA_DIR with the original CSVs is not set")
    assert tutorial.read_shipped(name + ".gz") == (Path(value) / name).read_bytes()


def test_pixels_are_byte_identical_to_the_original():
    value = os.environ.get("TOI5807_REAL_TPF_DIR")
    if not value or not (Path(value) / "sector83_tpf.fits").is_file():
        pytest.skip("TOI5807_REAL_TPF_DIR with the original sector83_tpf.fits is not set")
    assert tutorial.read_shipped("sector83_tpf.fits.gz") == (Path(value) / "sector83_tpf.fits").read_bytes()


def test_pyproject_ships_every_file_of_the_folder():
    globs = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["toi5807"]
    package = REPO_ROOT / "shared" / "toi5807"
    assert _folder().resolve() == (package / "data" / tutorial.DATASET_FOLDER).resolve()
    for path in _folder().iterdir():
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel


# ------------------------------------------------------------------ damage is refused, by name
@contextmanager
def _damaged_copy(tmp_path, monkeypatch, name, damage):
    copy = tmp_path / "tutorial_dataset"
    shutil.copytree(_folder(), copy)
    if name is not None:
        data = bytearray((copy / name).read_bytes())
        (copy / name).write_bytes(bytes(damage(data)))

    @contextmanager
    def folder():
        yield copy

    monkeypatch.setattr(tutorial, "dataset_folder", folder)
    yield copy


def _flip(data):
    data[len(data) // 2] ^= 0x01
    return data


@pytest.mark.parametrize("name, damage", [
    ("sector82_pdcsap.csv.gz", _flip),
    ("sector55_pdcsap.csv.gz", lambda d: d[: len(d) // 3]),
    ("sector83_tpf.fits.gz", _flip),
])
def test_a_damaged_file_is_refused_by_name(tmp_path, monkeypatch, name, damage):
    with _damaged_copy(tmp_path, monkeypatch, name, damage):
        with pytest.raises(ValueError, match=rf"{re.escape(name)}: SHA-256 .* damaged or altered"):
            sh.load_dataset()


def test_a_damaged_checksum_list_is_refused(tmp_path, monkeypatch):
    with _damaged_copy(tmp_path, monkeypatch, CHECKSUMS_NAME, lambda d: d.replace(b"  sector75", b" ?sector75")):
        with pytest.raises(ValueError, match=f"{CHECKSUMS_NAME}: line 2"):
            sh.load_dataset()
    with _damaged_copy(tmp_path / "b", monkeypatch, CHECKSUMS_NAME,
                       lambda d: b"\n".join(ln for ln in bytes(d).split(b"\n") if b"sector83_tpf" not in ln)):
        with pytest.raises(ValueError, match="sector83_tpf.fits.gz: not listed in SHA256SUMS"):
            sh.load_dataset()


def test_a_missing_file_is_refused_by_name(tmp_path, monkeypatch):
    with _damaged_copy(tmp_path, monkeypatch, None, None) as copy:
        (copy / "sector75_pdcsap.csv.gz").unlink()
        with pytest.raises(ValueError, match="sector75_pdcsap.csv.gz: cannot be read"):
            sh.load_dataset()


# ------------------------------------------------------------------ arguments
def test_the_notebook_call_works_and_twin_only_arguments_are_refused(offline_ds):
    ds = sh.load_dataset("tutorial", seed=0, scenario="planet", network=False, path=None)
    assert ds.summary() == offline_ds.summary()
    with pytest.raises(ValueError, match=r"seed=1 applies to the simulated twin only"):
        sh.load_dataset("tutorial", seed=1)
    with pytest.raises(ValueError, match=r"scenario='background_eb' applies to the simulated twin"):
        sh.load_dataset(scenario="background_eb")
    with pytest.raises(ValueError, match="use source='local' to read a folder"):
        sh.load_dataset("tutorial", path=".")


def test_sector_subset_and_unknown_sector():
    ds = sh.load_dataset(sectors=[83])
    assert ds.sectors == (83,) and tuple(ds.tpf_by_sector) == (83,)
    assert ds.summary()["pixels_unavailable"] == {}
    ds = sh.load_dataset(sectors=[75])
    assert ds.sectors == (75,) and dict(ds.tpf_by_sector) == {}
    with pytest.raises(ValueError, match=r"tutorial dataset holds sectors \[55, 75, 82, 83\], not \[12\]"):
        sh.load_dataset(sectors=[12])


def test_extract_kinds():
    with pytest.raises(ValueError, match="kinds"):
        tutorial.extract_tutorial_files(REPO_ROOT, kinds=("pixels",))


# ------------------------------------------------------------------ network=True: the other pixels from MAST


def test_network_fetches_only_the_missing_pixels_through_the_mast_cache(monkeypatch, isolated_cache):
    """A stand-in archive serves the twin's TPFs of 55 and 82 (and none of 75): they arrive through the MAST
    cache, the dataset names where each came from, and — being the twin's files — they make it SIMULATED."""
    import lightkurve as lk
    from toi5807.twin import source as twin_source

    twin = twin_source.twin_directory(seed=0, scenario="planet")
    served = {s: next(twin.glob(f"*s{s:04d}*tp.fits")) for s in (55, 82)}
    log: list[str] = []

    def search_tpf(target, mission=None, author=None, exptime=None, sector=None, **kwargs):
        assert target == f"TIC {sh.TIC_ID}" and author == "SPOC" and exptime == 120
        return FakeSearchResult(served.get(sector), log)

    def search_lc(*args, **kwargs):
        raise AssertionError("the tutorial source must not download light curves")

    monkeypatch.setattr(lk, "search_targetpixelfile", search_tpf)
    monkeypatch.setattr(lk, "search_lightcurve", search_lc)
    monkeypatch.setattr(mast, "check_archive_reachable", lambda timeout=5.0: None)

    ds = sh.load_dataset(network=True)
    assert sorted(log) == sorted(p.name for p in served.values())
    assert tuple(ds.tpf_by_sector) == (55, 82, 83)
    summary = ds.summary()
    assert summary["pixels_unavailable"] == {75: "MAST has no SPOC 2-minute target pixel file of this sector"}
    for s in (55, 82):
        assert "downloaded from MAST" in summary["provenance_by_sector"][s]["pixels"]
        assert (isolated_cache / "mast" / f"tic{sh.TIC_ID}" / mast.mast_file_name(s, "tpf")).is_file()
    assert ds.simulated and summary["simulated"] is True  # the stand-in served simulated files: said so
    assert not ds.lc_by_sector[55].simulated  # the light curves are still the shipped real ones

    again = sh.load_dataset(network=True)  # from the cache: nothing downloaded twice
    assert len(log) == 2 and tuple(again.tpf_by_sector) == (55, 82, 83)
    assert tuple(sh.load_dataset().tpf_by_sector) == (83,)  # offline stays the shipped data only


def test_network_without_an_archive_says_what_offline_gives(monkeypatch, isolated_cache):
    def unreachable(timeout=5.0):
        raise mast.ArchiveUnreachableError("the MAST archive (mast.stsci.edu) is unreachable (test).")

    monkeypatch.setattr(mast, "check_archive_reachable", unreachable)
    with pytest.raises(sh.data.ArchiveUnreachableError,
                       match=r"sectors \[55, 75, 82\].*With network=False the shipped"):
        sh.load_dataset(network=True)
