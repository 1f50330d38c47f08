"""Any TESS pixels through one reader: gzipped SPOC files, 20-second files, astrocut FFI cutouts, tiny stamps."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from spoc_files import write_spoc_sector, write_spoc_tpf
from toi5807.data import load_local_dir
from toi5807.data.cutout import estimate_background, prepare_cutout, threshold_aperture
from toi5807.data.model import TPFStamp
from toi5807.data.tutorial import dataset_folder
from toi5807.diffimage.pointing import oot_spline, spline_derivatives
from toi5807.pixels.quality import cadence_seconds, cadences_for
from toi5807.vetting.vet import vet_pixels

TOI = (14.2423724, 3540.26317, 4.046)
VERDICTS = ("PASS", "WARN", "FAIL")


def _judged(res) -> None:
    """A verdict with its reason, or a structured WARN saying why (never an exception)."""
    d = res.to_dict()
    assert d["verdict"] in VERDICTS and isinstance(d["reason"], str) and d["reason"]


def test_gzipped_real_sector83_tpf_is_read_and_passes(tmp_path):
    """Fault: a folder holding ``*_tp.fits.gz`` was vetted as "no target-pixel stamps"."""
    with dataset_folder() as src:
        shutil.copy(src / "sector83_tpf.fits.gz",
                    tmp_path / "tess2024249191853-s0083-0000000188646744-0280-s_tp.fits.gz")
        shutil.copy(src / "sector83_pdcsap.csv.gz", tmp_path / "sector83_pdcsap.csv.gz")
    ds = load_local_dir(tmp_path)
    assert list(ds.tpf_by_sector) == [83] and list(ds.lc_by_sector) == [83]
    assert ds.tpf_by_sector[83].shape[1:] == (13, 11)
    res = vet_pixels(ds, TOI)
    assert res.verdict == "PASS"


def test_two_minute_file_is_preferred_to_the_20_second_one(tmp_path):
    kw = dict(tic_id=44444444, ra_deg=120.0, dec_deg=-20.0, sector=40, n_cadences=600, nan_time_every=None)
    write_spoc_sector(tmp_path, **kw)
    fast = write_spoc_tpf(tmp_path / "tess2021175071901-s0040-0000000044444444-0211-a_fast-tp.fits.gz".replace(
        ".gz", ""), cadence_minutes=1 / 3, **kw)
    ds = load_local_dir(tmp_path)
    assert ds.summary()["skipped_files"] == [fast.path.name]
    assert cadence_seconds(ds.tpf_by_sector[40].time) == 120.0


def test_20_second_file_alone_is_vetted_by_durations(tmp_path):
    eph = (0.8, 1999.5, 2.0)
    f = write_spoc_tpf(tmp_path / "tess2021175071901-s0040-0000000055555555-0211-a_fast-tp.fits", tic_id=55555555,
                       ra_deg=121.0, dec_deg=-21.0, sector=40, n_cadences=9000, cadence_minutes=1 / 3,
                       nan_time_every=None, transit=(*eph, 4000.0), t_start_btjd=1999.0)
    ds = load_local_dir(tmp_path)
    stamp = ds.tpf_by_sector[40]
    assert stamp.shape[0] == f.n_cadences and cadence_seconds(stamp.time) == 20.0
    _judged(vet_pixels(ds, eph))


def test_count_thresholds_are_durations():
    assert [cadences_for(5, c) for c in (20.0, 120.0, 200.0, 600.0, 1800.0)] == [30, 5, 5, 5, 5]
    assert cadences_for(0, 20.0) == 0 and cadences_for(20, 20.0) == 120 and cadences_for(20, 1800.0) == 20
    t = 3500.0 + np.arange(100) * 1800.0 / 86400.0
    assert cadence_seconds(t) == 1800.0
    assert cadence_seconds(np.array([3500.0, 3500.3, 3501.1])) == 120.0  # irregular sampling: counts stay counts


def test_a_short_gap_in_20_second_data_does_not_cut_the_baseline():
    """Fault: a 3-minute gap (9 cadences) broke the 20-second baseline window; in 2-minute data it would not."""
    from toi5807.lightcurve.windows import local_windows

    for cadence_s in (20.0, 120.0):
        t = 3500.0 + np.arange(int(2.0 * 86400 / cadence_s)) * cadence_s / 86400.0
        keep = np.abs(t - 3500.70) > 90.0 / 86400.0  # a 3-minute gap in the baseline before the transit at 3501.0
        win = local_windows(t[keep], [3501.0], 3.0 / 24.0)
        assert win.status[0] == "ok", (cadence_s, win.status[0], win.reason[0])


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 5)])
def test_small_stamp_spline_derivatives_do_not_crash(shape):
    """Fault: scipy's parder 'error code 10' for a 2- or 3-pixel stamp (derivative order ≥ spline degree)."""
    img = np.arange(np.prod(shape), dtype=float).reshape(shape) + 1.0
    templates, hessian = spline_derivatives(oot_spline(img), shape)
    assert templates.shape == (2, *shape) and hessian.shape == (3, *shape)
    assert np.all(np.isfinite(templates)) and np.all(np.isfinite(hessian))


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (2, 2), (3, 3), (5, 5)])
def test_any_stamp_size_gives_a_verdict_or_a_structured_warn(tmp_path, shape):
    """Fault: 2-3 px stamps crashed; a 5 × 5 planet was placed 4σ off target. Now: a WARN saying why."""
    eph = (2.0, 1870.5, 3.0)
    write_spoc_tpf(tmp_path, tic_id=66666666, ra_deg=30.0, dec_deg=10.0, sector=20, n_cadences=3000, shape=shape,
                   transit=(*eph, 3000.0), seed=3)
    res = vet_pixels(load_local_dir(tmp_path), eph)
    _judged(res)
    assert res.verdict == "WARN"
    if min(shape) >= 3:
        assert "STAMP_TOO_SMALL" in res.to_dict()["reason"]


def test_background_and_aperture_of_a_cutout_known_truth():
    """A star on a sky that changes with time: the faint-pixel level recovers the sky, the aperture the star."""
    rng = np.random.default_rng(0)
    n, ny, nx = 200, 11, 11
    yy, xx = np.mgrid[0:ny, 0:nx]
    star = 20000.0 * np.exp(-0.5 * ((xx - 5.2) ** 2 + (yy - 4.8) ** 2) / 0.9 ** 2) / (2 * np.pi * 0.9 ** 2)
    sky = 150.0 + 60.0 * np.sin(np.arange(n) / 30.0)
    flux = star[None] + sky[:, None, None] + rng.normal(0.0, 2.0, (n, ny, nx))
    level, faint = estimate_background(flux)
    assert np.max(np.abs(level - sky)) < 3.0  # e-/s per pixel, against a 90-210 sky
    assert not faint[4:7, 4:7].any()
    ap = threshold_aperture(np.median(flux - level[:, None, None], axis=0), faint, (5, 5))
    assert ap[5, 5] and ap[4, 5] and 3 <= ap.sum() <= 16
    stamp = TPFStamp(time=3500.0 + np.arange(n) / 48.0, flux=flux, sector=83)
    prepared = prepare_cutout(stamp)
    assert prepared.provenance["cutout"] and prepared.provenance["cadence_s"] == 1800.0
    assert abs(float(np.median(prepared.flux[:, 0, 0]))) < 3.0


def test_tiny_cutout_keeps_its_sky_and_says_so():
    stamp = TPFStamp(time=3500.0 + np.arange(50) / 48.0, flux=np.full((50, 1, 2), 100.0), sector=83)
    out = prepare_cutout(stamp)
    assert out.provenance["background_rule"].startswith("not subtracted") and out.aperture_mask[0, 0]


@pytest.fixture(scope="module")
def twin_cube(tmp_path_factory):
    """A few SPOC-format FFIs of the planet twin around one transit, cubed by astrocut (cached per module)."""
    pytest.importorskip("astrocut")
    from toi5807.twin.ffi import twin_cutout, write_twin_ffis

    root = tmp_path_factory.mktemp("ffi")
    ffis = write_twin_ffis(root / "ffis", sector=83, cadence_s=1800.0, time_range_btjd=(3566.8, 3570.8))
    first = twin_cutout(ffis, root / "cut9", size=9)
    return root, ffis, first


def test_astrocut_3x3_cutout_of_a_planet_is_a_structured_warn(twin_cube):
    """Fault: a 3 × 3 astrocut cutout of the planet twin FAILed (source placed 3.6σ off target, on an image star)."""
    from toi5807.twin.ffi import twin_cutout

    root, ffis, _ = twin_cube
    cut = twin_cutout(ffis, root / "cut3", size=3, cube_file=next((root / "ffis").glob("*cube.fits")))
    ds = load_local_dir(cut.parent)
    assert ds.tpf_by_sector[83].shape[1:] == (3, 3)
    res = vet_pixels(ds, TOI)
    assert res.verdict == "WARN" and "STAMP_TOO_SMALL" in res.to_dict()["reason"]


def test_astrocut_cutout_of_the_twin_is_read_and_vetted(twin_cube):
    root, ffis, cut = twin_cube
    assert 150 <= len(ffis) <= 200 and cut.name.endswith("_astrocut.fits")
    ds = load_local_dir(cut.parent)
    s = ds.summary()
    assert s["simulated"] and s["cutout_sectors"] == [83] and "background" in s["cutout_note"]
    stamp = ds.tpf_by_sector[83]
    assert stamp.shape == (len(ffis), 9, 9) and stamp.provenance["cadence_s"] == 1800.0
    assert stamp.aperture_mask[4, 4] and stamp.provenance["background_e_per_s"] > 0
    _judged(vet_pixels(ds, TOI))
