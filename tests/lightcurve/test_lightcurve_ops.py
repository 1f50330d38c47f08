"""Stitching, phase, masks and the depth estimate on known-truth light curves."""

from __future__ import annotations

import numpy as np
import pytest
import toi5807 as sh

EPH = sh.Ephemeris(period_days=10.0, t0_btjd=1000.0, duration_hours=6.0)


def test_ephemeris_validation():
    with pytest.raises(ValueError, match="period_days: expected > 0"):
        sh.Ephemeris(0.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="duration_hours: expected the transit duration in hours"):
        sh.Ephemeris(1.0, 1.0, 24.0)
    with pytest.raises(ValueError, match="t0_btjd: expected a finite"):
        sh.Ephemeris(1.0, float("nan"), 2.0)
    with pytest.raises(TypeError, match="period_days: expected a real number"):
        sh.Ephemeris("1", 1.0, 2.0)


def test_phase_range_and_masks():
    t = np.array([1000.0, 1005.0, 995.0, 1000.12501, 1000.12499, 1000.37499, 1000.37501])
    ph = sh.lightcurve.phase(t, EPH)
    assert np.all((ph >= -0.5) & (ph < 0.5))
    assert ph[1] == -0.5 and ph[2] == -0.5  # half a period away wraps to -0.5
    in_tr, out_tr = sh.lightcurve.transit_masks(t, EPH)
    # duration 0.25 d: in transit strictly within 0.125 d; out of transit beyond 0.375 d
    assert in_tr.tolist() == [True, False, False, False, True, False, False]
    assert out_tr.tolist() == [False, True, True, False, False, False, True]


def _dataset(depth=300e-6, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    lcs = {}
    for sector, start, level in ((55, 990.0, 5e4), (75, 1010.0, 8e4)):
        t = start + np.arange(0, 20, 1 / 720)
        f = np.ones_like(t)
        in_tr, _ = sh.lightcurve.transit_masks(t, EPH)
        f[in_tr] -= depth
        f = level * (f + noise * rng.standard_normal(t.size))
        q = np.zeros(t.size, dtype=np.int32)
        q[::97] = 128
        f[::97] = 0.5 * level  # flagged junk must not set the normalisation
        lcs[sector] = sh.LightCurve(time=t, flux=f, flux_err=np.full(t.size, noise * level), quality=q, sector=sector)
    return sh.Dataset(lc_by_sector=lcs)


def test_stitch_normalises_each_sector():
    st = sh.stitch_pdcsap(_dataset())
    assert np.all(np.diff(st.time) >= 0)
    good = st.quality == 0
    for s in (55, 75):
        assert np.median(st.flux[good & (st.sector == s)]) == pytest.approx(1.0, abs=1e-12)
    only = sh.stitch_pdcsap(_dataset(), sectors=[75])
    assert set(only.sector.tolist()) == {75}
    with pytest.raises(ValueError, match=r"sectors \[82\] have no light curve"):
        sh.stitch_pdcsap(_dataset(), sectors=[82])


def test_depth_of_noiseless_box_is_exact():
    ds = _dataset(depth=300e-6)
    st = sh.stitch_pdcsap(ds)
    est = sh.estimate_depth_ppm(st, EPH)  # flagged junk (quality != 0) is ignored
    assert est.depth_ppm == pytest.approx(300.0, abs=1e-6)
    assert est.depth_err_ppm == pytest.approx(0.0, abs=1e-6)
    depth, err = est  # tuple-style unpacking as in the original tutorial
    assert depth == est.depth_ppm and err == est.depth_err_ppm


def test_depth_error_is_honest_with_noise():
    draws = [sh.estimate_depth_ppm(sh.stitch_pdcsap(_dataset(300e-6, 1e-3, seed)), EPH) for seed in range(30)]
    depths = np.array([d.depth_ppm for d in draws])
    errs = np.array([d.depth_err_ppm for d in draws])
    # medians are ~25% noisier than means, the quoted error is the mean-based one: allow that
    assert abs(depths.mean() - 300.0) < 3 * depths.std() / np.sqrt(depths.size) + 5
    assert 0.7 < depths.std() / errs.mean() < 1.6


def test_no_in_transit_points_gives_nan():
    t = np.linspace(1003.0, 1006.0, 100)
    st = sh.lightcurve.StitchedLightCurve(t, np.ones(100), np.ones(100), np.zeros(100, np.int32), np.full(100, 55, np.int32))
    est = sh.estimate_depth_ppm(st, EPH)
    assert np.isnan(est.depth_ppm) and est.n_in == 0
    assert est.to_dict()["depth_ppm"] is None


def test_candidate_and_radius():
    cand = sh.make_candidate(256.0)
    assert cand.ephemeris.period_days == sh.target.PERIOD_DAYS and cand.ephemeris.duration_hours == sh.target.DURATION_HOURS
    assert cand.to_dict()["depth_ppm"] == 256.0
    # sqrt(256e-6) = 0.016; 0.016 * 1.65 * 109.076 = 2.87960...
    assert sh.estimate_planet_radius_earth(256.0) == pytest.approx(0.016 * 1.65 * 109.076, rel=1e-12)
    with pytest.raises(ValueError, match="depth_ppm"):
        sh.estimate_planet_radius_earth(-1.0)
    with pytest.raises(ValueError, match="depth_ppm"):
        sh.make_candidate(float("nan"))
