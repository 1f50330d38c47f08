"""Tests of the V08 array engine (toi5807.centroid.shift / centroid_significance / synthetic)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from toi5807.lightcurve import Candidate, Ephemeris, TransitParams, transit_window_masks
from toi5807.twin.synthetic import make_synthetic_stamp
from toi5807.pixels import DEFAULT_QUALITY_BITMASK, flux_weighted_centroids, resolve_quality_bitmask
from toi5807.centroid import CentroidResult, CentroidShiftConfig, compute_centroid_shift
from toi5807.pixels.location import HUBER_C, location_estimate
from toi5807.pixels.pvalues import chi2_2dof_significance, hotelling_significance
from toi5807.centroid.resampling import _direct_bootstrap, _order_statistic_bootstrap_median


def _run(stamp, tp, **kw):
    return compute_centroid_shift(stamp.flux, stamp.time, tp, **kw)


# --------------------------------------------------------------------------- basics


def test_default_bitmask_matches_lightkurve():
    from lightkurve.utils import TessQualityFlags

    assert DEFAULT_QUALITY_BITMASK == TessQualityFlags.DEFAULT_BITMASK
    assert resolve_quality_bitmask("hard") == TessQualityFlags.HARD_BITMASK
    assert resolve_quality_bitmask("hardest") == TessQualityFlags.HARDEST_BITMASK
    assert resolve_quality_bitmask("none") == 0


@pytest.mark.parametrize(
    "args, exc",
    [
        ((0.0, 1.0, 2.0), ValueError),
        ((-1.0, 1.0, 2.0), ValueError),
        ((1.0, 1.0, 0.0), ValueError),
        ((1.0, 1.0, 24.0), ValueError),
        ((math.nan, 1.0, 2.0), ValueError),
        ((1.0, math.inf, 2.0), ValueError),
        (("1", 1.0, 2.0), TypeError),
        ((True, 1.0, 2.0), TypeError),
    ],
)
def test_transit_params_validation(args, exc):
    with pytest.raises(exc, match=r"period|t0|duration"):
        TransitParams(*args)


def test_transit_params_from_candidate():
    cand = Candidate(ephemeris=Ephemeris(14.2423724, 3540.26317, 4.046), depth_ppm=1000.0)
    tp = TransitParams.from_candidate(cand)
    assert (tp.period, tp.t0, tp.duration) == (14.2423724, 3540.26317, 4.046)
    assert tp.duration_days == pytest.approx(4.046 / 24)
    with pytest.raises(TypeError, match="candidate"):
        TransitParams.from_candidate(object())


def test_window_masks_exact_counts_and_policy():
    stamp, tp = make_synthetic_stamp(n_in=30, n_out=200)
    in_m, out_m = transit_window_masks(stamp.time, tp)
    assert in_m.sum() == 30 and out_m.sum() == 200 and not np.any(in_m & out_m)
    d = tp.duration_days
    t = tp.t0 + 2 * tp.period + np.array([0.0, 0.49 * d, 0.51 * d, 0.99 * d, 1.01 * d, -1.01 * d, np.nan])
    in_m, out_m = transit_window_masks(t, tp)
    assert in_m.tolist() == [True, True, False, False, False, False, False]
    assert out_m.tolist() == [False, False, False, False, True, True, False]


def test_flux_weighted_centroids_known_values():
    cube = np.zeros((3, 4, 5))
    cube[0, 2, 3] = 10.0  # row 2, column 3
    cube[1, 1, 1] = 1.0
    cube[1, 1, 3] = 1.0
    cube[1, 0, 0] = -50.0  # negative: clipped to 0
    cube[1, 3, 4] = np.nan  # ignored
    cube[2] = -1.0  # no positive flux -> NaN
    cx, cy = flux_weighted_centroids(cube)
    assert (cx[0], cy[0]) == (3.0, 2.0)
    assert (cx[1], cy[1]) == (2.0, 1.0)
    assert np.isnan(cx[2]) and np.isnan(cy[2])


def test_quality_bitmask_drops_exact_cadences():
    stamp, tp = make_synthetic_stamp(n_in=30, n_out=200)
    in_m, out_m = transit_window_masks(stamp.time, tp)
    q = np.zeros(stamp.time.size, dtype=np.int32)
    q[np.flatnonzero(in_m)[:4]] = 32  # Desat: in the default mask
    q[np.flatnonzero(out_m)[:7]] = 1  # AttitudeTweak
    q[np.flatnonzero(out_m)[7:9]] = 64  # bit 7 (64) is not in the default mask
    r = compute_centroid_shift(stamp.flux, stamp.time, tp, quality=q, significance_method="analytic")
    assert (r.n_in_transit_cadences, r.n_out_transit_cadences) == (26, 193)
    r = compute_centroid_shift(stamp.flux, stamp.time, tp, quality=q, quality_bitmask="none")
    assert (r.n_in_transit_cadences, r.n_out_transit_cadences) == (30, 200)


# --------------------------------------------------------------------------- known truth


@pytest.mark.parametrize("method", ["analytic", "bootstrap", "empirical"])
def test_injected_shift_vector_recovered_within_10_percent(method):
    stamp, tp = make_synthetic_stamp(n_in=60, n_out=400, n_transits=6, shift_pixels=(0.5, 0.3), seed=3)
    r = _run(stamp, tp, significance_method=method)
    dx, dy = r.shift_vector_pixels
    assert dx == pytest.approx(0.5, rel=0.1) and dy == pytest.approx(0.3, rel=0.1)
    assert r.centroid_shift_pixels == pytest.approx(math.hypot(0.5, 0.3), rel=0.1)
    assert r.centroid_shift_arcsec == pytest.approx(21.0 * r.centroid_shift_pixels)
    assert r.significance_sigma > 5.0
    assert np.array(r.shift_covariance_pixels).shape == (2, 2)


@pytest.mark.parametrize("method", ["analytic", "bootstrap", "empirical"])
def test_large_shift_ranks_above_small_shift(method):
    kw = dict(n_in=60, n_out=400, n_transits=6, jitter_pixels=0.3, seed=5)
    small = _run(*make_synthetic_stamp(shift_pixels=(0.6, 0.0), **kw), significance_method=method)
    large = _run(*make_synthetic_stamp(shift_pixels=(1.5, 0.0), **kw), significance_method=method)
    assert large.centroid_shift_pixels > small.centroid_shift_pixels
    assert large.significance_sigma > small.significance_sigma > 3.0
    assert math.isfinite(large.significance_sigma)


def test_no_cap_log_space_significance():
    stamp, tp = make_synthetic_stamp(shift_pixels=(1.5, 0.0), noise=30.0)
    r = _run(stamp, tp, significance_method="analytic")
    assert r.significance_sigma > 100  # far beyond any 8σ cap
    assert r.p_value == 0.0 and math.isfinite(r.log_p_value)
    assert r.significance_sigma == pytest.approx(math.sqrt(-2 * r.log_p_value))


def test_legacy_mean_is_pooled_frame_centroid():
    stamp, tp = make_synthetic_stamp(shift_pixels=(0.2, -0.1), seed=2)
    r = _run(stamp, tp, **{"centroid_method": "mean", "significance_method": "analytic", "min_in_transit_cadences": 0})
    in_m, out_m = transit_window_masks(stamp.time, tp)
    for mask, got in ((in_m, r.in_transit_centroid), (out_m, r.out_of_transit_centroid)):
        frame = np.clip(stamp.flux[mask], 0, None).sum(axis=0)
        rows, cols = np.indices(frame.shape)
        assert got[0] == pytest.approx((frame * cols).sum() / frame.sum(), abs=1e-10)
        assert got[1] == pytest.approx((frame * rows).sum() / frame.sum(), abs=1e-10)
    assert r.n_outliers_rejected == 0
    legacy = CentroidShiftConfig.legacy()
    assert (legacy.centroid_method, legacy.significance_method, legacy.min_in_transit_cadences) == ("mean", "analytic", 0)


def test_huber_iterated_to_convergence():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, 200), rng.normal(8, 1, 20)])
    mu = location_estimate(x, "huber")
    s = 1.482602218505602 * np.median(np.abs(x - np.median(x)))
    psi = np.clip((x - mu) / s, -HUBER_C, HUBER_C)
    assert abs(psi.sum()) < 1e-8  # the M-estimating equation holds
    assert np.median(x) < mu < np.mean(x)


# --------------------------------------------------------------------------- significance internals


def test_order_statistic_bootstrap_matches_direct():
    rng = np.random.default_rng(0)
    n = 3001
    z = rng.multivariate_normal([0, 0], [[1.0, 0.6], [0.6, 1.0]], size=n)
    fast = _order_statistic_bootstrap_median(z[:, 0], z[:, 1], 2000, np.random.default_rng(1))
    direct = _direct_bootstrap(z[:, 0], z[:, 1], None, "median", 2000, np.random.default_rng(2))
    assert fast is not None
    assert np.all(np.isin(fast[:, 0], z[:, 0])) and np.all(np.isin(fast[:, 1], z[:, 1]))  # odd n: real values
    cf, cd = np.cov(fast, rowvar=False), np.cov(direct, rowvar=False)
    assert np.allclose(np.diag(cf), np.diag(cd), rtol=0.15)
    assert cf[0, 1] / math.sqrt(cf[0, 0] * cf[1, 1]) == pytest.approx(cd[0, 1] / math.sqrt(cd[0, 0] * cd[1, 1]), abs=0.1)
    assert np.mean(fast, axis=0) == pytest.approx(np.mean(direct, axis=0), abs=0.01)


def test_hotelling_closed_form_matches_scipy():
    rng = np.random.default_rng(4)
    fakes = rng.normal(size=(12, 2))
    log_p, sigma, cov = hotelling_significance(np.array([1.5, -0.7]), fakes)
    n = 12
    d = np.array([1.5, -0.7]) - fakes.mean(0)
    t2 = d @ np.linalg.inv(np.cov(fakes, rowvar=False)) @ d * n / (n + 1)
    assert log_p == pytest.approx(stats.f.logsf(t2 * (n - 2) / (2 * (n - 1)), 2, n - 2), rel=1e-9)
    assert sigma == pytest.approx(math.sqrt(-2 * log_p))


def test_chi2_sigma_equals_isotropic_ratio():
    log_p, sigma, _ = chi2_2dof_significance(np.array([0.3, 0.4]), np.eye(2) * 0.01)
    assert sigma == pytest.approx(5.0) and log_p == pytest.approx(-12.5)
    assert math.exp(log_p) == pytest.approx(stats.chi2.sf(25.0, 2))


def test_permutation_bound_is_documented_cap():
    stamp, tp = make_synthetic_stamp(shift_pixels=(1.5, 0.0))
    r = _run(stamp, tp, significance_method="permutation", n_bootstrap=200)
    assert r.p_value == pytest.approx(1 / 201)
    assert r.significance_sigma == pytest.approx(math.sqrt(2 * math.log(201)))


def test_empirical_uses_fake_ephemerides_and_falls_back():
    grid = 3533.3958 + np.arange(6000) * (2 / 1440)
    tp = TransitParams(3.2, 3534.0, 3.0)
    stamp, _ = make_synthetic_stamp(time=grid, transit_params=tp, shape=(7, 7), jitter_pixels=0.05, seed=8)
    r = _run(stamp, tp, significance_method="empirical")
    assert r.n_fake_ephemerides >= 10 and "empirical" not in " ".join(r.warnings)
    assert 0 <= r.significance_sigma < 4
    few, tp2 = make_synthetic_stamp(n_in=8, n_out=50)
    r2 = _run(few, tp2, significance_method="empirical")
    assert any(w.startswith("empirical_too_few") for w in r2.warnings) and math.isfinite(r2.significance_sigma)


def test_deterministic_with_seed():
    stamp, tp = make_synthetic_stamp(shift_pixels=(0.1, 0.0), jitter_pixels=0.2)
    a, b = _run(stamp, tp, significance_method="bootstrap"), _run(stamp, tp, significance_method="bootstrap")
    assert a.to_dict() == b.to_dict()
    c = _run(stamp, tp, significance_method="bootstrap", seed=7)
    assert c.shift_covariance_pixels != a.shift_covariance_pixels and c.seed == 7


def test_unsorted_times_give_same_answer():
    stamp, tp = make_synthetic_stamp(shift_pixels=(0.3, 0.1), jitter_pixels=0.1)
    perm = np.random.default_rng(0).permutation(stamp.time.size)
    a = _run(stamp, tp, significance_method="analytic")
    b = compute_centroid_shift(stamp.flux[perm], stamp.time[perm], tp, significance_method="analytic")
    assert a.shift_vector_pixels == pytest.approx(b.shift_vector_pixels, abs=1e-12)
    assert a.significance_sigma == pytest.approx(b.significance_sigma, rel=1e-9)


def test_to_dict_json_safe():
    stamp, tp = make_synthetic_stamp(n_in=3, n_out=15)
    d = _run(stamp, tp).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert d["significance_sigma"] is None and isinstance(d["in_transit_centroid"], list)
    assert "low_n_in_transit" in d["warnings"] and json.loads(text) == d
    assert json.dumps(CentroidShiftConfig().to_dict(), allow_nan=False)


# --------------------------------------------------------------------------- calibration


@pytest.mark.parametrize("method", ["analytic", "bootstrap", "permutation"])
def test_null_p_values_uniform(method):
    pvals = []
    for seed in range(200):
        stamp, tp = make_synthetic_stamp(n_in=30, n_out=100, shape=(5, 5), peak_flux=2000.0, noise=40.0, seed=seed)
        r = _run(stamp, tp, significance_method=method, n_bootstrap=500 if method == "permutation" else 1000)
        pvals.append(r.p_value)
    ks = stats.kstest(pvals, "uniform")
    print(f"calibration {method}: KS p = {ks.pvalue:.3f}")
    assert ks.pvalue > 0.01


# --------------------------------------------------------------------------- hostile inputs


def _tp():
    return TransitParams(3.0, 1.5, 2.0)


@pytest.mark.parametrize(
    "flux, time, exc",
    [
        (np.zeros((10, 3)), np.arange(10.0), ValueError),  # wrong ndim
        (np.zeros((10, 3, 3, 1)), np.arange(10.0), ValueError),
        (np.zeros((10, 3, 3)), np.arange(9.0), ValueError),  # length mismatch
        (np.zeros((10, 3, 3)), np.arange(10.0)[:, None], ValueError),
        (np.zeros((10, 0, 3)), np.arange(10.0), ValueError),
        (np.full((10, 3, 3), "a"), np.arange(10.0), TypeError),
        (np.zeros((10, 3, 3), dtype=object), np.arange(10.0), TypeError),
        (np.zeros((10, 3, 3), dtype=complex), np.arange(10.0), TypeError),
        (np.zeros((10, 3, 3)), np.array(["x"] * 10), TypeError),
    ],
)
def test_hostile_inputs_raise_clearly(flux, time, exc):
    with pytest.raises(exc, match=r"flux|time"):
        compute_centroid_shift(flux, time, _tp())


def test_hostile_config_and_params():
    stamp, tp = make_synthetic_stamp()
    with pytest.raises(TypeError, match="transit_params"):
        compute_centroid_shift(stamp.flux, stamp.time, (3.0, 1.5, 2.0))
    with pytest.raises(TypeError, match="unexpected keyword"):
        compute_centroid_shift(stamp.flux, stamp.time, tp, nonsense=1)
    with pytest.raises(ValueError, match="centroid_method"):
        CentroidShiftConfig(centroid_method="mode")
    with pytest.raises(ValueError, match="significance_method"):
        CentroidShiftConfig(significance_method="magic")
    with pytest.raises(ValueError, match="quality_bitmask"):
        CentroidShiftConfig(quality_bitmask="strict")
    with pytest.raises(TypeError, match="n_bootstrap"):
        CentroidShiftConfig(n_bootstrap=10.5)
    with pytest.raises(TypeError, match="quality"):
        compute_centroid_shift(stamp.flux, stamp.time, tp, quality=np.zeros(3))


def _well_formed(r):
    assert isinstance(r, CentroidResult)
    json.dumps(r.to_dict(), allow_nan=False)
    assert r.n_in_transit_cadences >= 0 and r.n_out_transit_cadences >= 0
    assert 0.0 <= r.confidence <= 1.0


@pytest.mark.parametrize(
    "case",
    ["all_nan", "zeros", "negative", "inf", "nan_times", "empty", "one_pixel", "int_dtype", "huge", "neg_huge"],
)
def test_degenerate_inputs_give_well_formed_results(case):
    stamp, tp = make_synthetic_stamp(n_in=10, n_out=40, shape=(5, 5))
    flux, time = np.array(stamp.flux), np.array(stamp.time)
    if case == "all_nan":
        flux[:] = np.nan
    elif case == "zeros":
        flux[:] = 0.0
    elif case == "negative":
        flux = -np.abs(flux)
    elif case == "inf":
        flux[::3, 1, 1] = np.inf
    elif case == "nan_times":
        time[::2] = np.nan
    elif case == "empty":
        flux, time = flux[:0], time[:0]
    elif case == "one_pixel":
        flux = flux[:, 2:3, 2:3]
    elif case == "int_dtype":
        flux = np.round(flux).astype(np.int64)
    elif case == "huge":
        flux = flux * 1e300
    elif case == "neg_huge":
        flux[:, 0, 0] = -1e308
    r = compute_centroid_shift(flux, time, tp)
    _well_formed(r)
    if case in ("all_nan", "zeros", "negative", "empty"):
        assert r.n_in_transit_cadences == 0 and "low_n_in_transit" in r.warnings
    if case == "one_pixel":
        assert r.in_transit_centroid == (0.0, 0.0) and r.centroid_shift_pixels == 0.0
        assert r.significance_sigma == 0.0
    if case == "nan_times":
        assert r.n_in_transit_cadences + r.n_out_transit_cadences == 25
    if case in ("huge", "int_dtype", "inf", "neg_huge"):
        assert r.n_in_transit_cadences == 10 and math.isfinite(r.centroid_shift_pixels)
        assert r.centroid_shift_pixels < 0.1


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 40),
    rows=st.integers(1, 4),
    cols=st.integers(1, 4),
    data=st.data(),
    method=st.sampled_from(["analytic", "bootstrap", "permutation", "empirical"]),
    centroid=st.sampled_from(["mean", "median", "huber"]),
)
def test_property_any_cube_is_error_or_well_formed(n, rows, cols, data, method, centroid):
    values = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, width=64),
        st.floats(-1e6, 1e6),
    )
    flux = np.array(data.draw(st.lists(values, min_size=n * rows * cols, max_size=n * rows * cols)), dtype=float)
    flux = flux.reshape(n, rows, cols)
    time = np.array(data.draw(st.lists(st.one_of(st.floats(0, 12), st.just(math.nan)), min_size=n, max_size=n)), dtype=float)
    try:
        r = compute_centroid_shift(
            flux, time, _tp(), significance_method=method, centroid_method=centroid, n_bootstrap=50,
            min_in_transit_cadences=data.draw(st.integers(0, 6)), min_out_transit_cadences=data.draw(st.integers(0, 6)),
        )
    except (ValueError, TypeError) as exc:  # pragma: no cover - allowed outcome
        assert str(exc)
    else:
        _well_formed(r)


def test_sigma_from_log_p_convention():
    """sigma = sqrt(-2 ln p): the 2-dof chi-square tail, exact in log space (Bryson et al. 2013)."""
    from scipy import stats
    from toi5807.pixels.pvalues import sigma_from_log_p

    assert sigma_from_log_p(math.log(stats.chi2.sf(9.0, 2))) == pytest.approx(3.0, rel=1e-12)
    assert math.exp(-0.5 * 9.0) == pytest.approx(0.01111, rel=1e-3)  # ">3 sigma" happens 1.11 % of the time
    assert sigma_from_log_p(-2000.0) == pytest.approx(math.sqrt(4000.0))  # far beyond float p: no cap
    assert sigma_from_log_p(0.0) == 0.0 and sigma_from_log_p(-math.inf) == math.inf
    assert math.isnan(sigma_from_log_p(math.nan))


@pytest.mark.parametrize("chunk", [7, 4096])
def test_cube_pass_group_images_with_nan_pixels_are_the_straightforward_ones(chunk, monkeypatch):
    # fault: the group counts of a cube with non-finite pixels came from a boolean matrix product (any(), not a
    # count), so such a pixel's mean image was its sum over the group (here ~16× too bright)
    import toi5807.pixels.series as series

    monkeypatch.setattr(series, "_CHUNK_CADENCES", chunk)
    rng = np.random.default_rng(4)
    f = rng.normal(100.0, 1.0, (50, 3, 4))
    f[::3, 1, 2] = np.nan
    f[5, 0, 0] = np.inf
    groups = (rng.random(50) < 0.5, rng.random(50) < 0.2)
    out = series._cube_pass(f, groups)
    fin = np.isfinite(f)
    for g, sel in enumerate(groups):
        np.testing.assert_array_equal(out["counts"][g], fin[sel].sum(axis=0))
        np.testing.assert_allclose(out["sums"][g], np.where(fin, f, 0.0)[sel].sum(axis=0), rtol=1e-13)
    w = np.maximum(np.where(fin, f, 0.0), 0.0).reshape(50, -1)
    np.testing.assert_allclose(out["cx"], (w @ np.tile(np.arange(4.0), 3)) / w.sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(out["cy"], (w @ np.repeat(np.arange(3.0), 4)) / w.sum(axis=1), rtol=1e-13)
