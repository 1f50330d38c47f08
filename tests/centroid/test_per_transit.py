"""Tests of toi5807.centroid.per_transit: per-epoch shifts against a local baseline and their consistency test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter
from toi5807.lightcurve import TransitParams
from toi5807.pixels.prf import PRFParams, render_cube
from toi5807.centroid.per_transit import MIN_FAKE_EPOCHS, per_transit_shifts
from toi5807.pixels.pvalues import (
    zero_mean_hotelling_log_p,
    zero_mean_lawley_hotelling_log_p,
)


# ------------------------------------------------------------------ per-transit shifts
def _jitter_stamp(shift_per_epoch, seed=0, n_epochs=6, period=2.0, dur_h=3.0):
    """Synthetic stamp: one star, white jitter 3 mpx + pixel noise; the star moves by the given shift in transit."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, n_epochs * period, 2.0 / 1440.0)
    tp = TransitParams(period, 0.5 * period, dur_h)
    dt = (np.mod(t - tp.t0 + 0.5 * period, period) - 0.5 * period)
    ep = np.round((t - tp.t0) / period).astype(int)
    jit = rng.normal(0.0, 0.003, (2, t.size))
    col, row = 5.0 + jit[0], 6.0 + jit[1]
    ins = np.abs(dt) <= tp.duration_days / 2
    sh = np.asarray(shift_per_epoch, dtype=float)[np.clip(ep, 0, n_epochs - 1)]
    col = col + np.where(ins, sh[:, 0], 0.0)
    row = row + np.where(ins, sh[:, 1], 0.0)
    cube = render_cube(col[:, None], row[:, None], np.full((t.size, 1), 5e4), PRFParams(0.7, 0.7, 1.7, 0.1))
    cube += rng.normal(0.0, 5.0, cube.shape)
    return cube, t, tp


def test_per_transit_chi2_detects_constant_shift_but_not_jitter():
    n = 6
    const, t, tp = _jitter_stamp([[0.004, -0.002]] * n)
    res = per_transit_shifts(const, t, tp)
    assert res.n_usable == n
    assert res.combined.significance_sigma > 5.0  # the common shift is detected ...
    assert res.combined.consistency_p_value > 1e-3  # ... and every transit agrees with it
    np.testing.assert_allclose(res.combined.mean, (0.004, -0.002), atol=0.0015)
    jitter, t, tp = _jitter_stamp([[0.0, 0.0]] * n)
    res0 = per_transit_shifts(jitter, t, tp)
    assert res0.combined.significance_sigma < 3.0 and res0.combined.consistency_p_value > 1e-3
    # shifts that change direction from transit to transit fail the consistency test
    alt, t, tp = _jitter_stamp([[0.01 * (-1) ** k, 0.0] for k in range(n)])
    resa = per_transit_shifts(alt, t, tp)
    assert resa.combined.consistency_p_value < 1e-6
    d = res.to_dict()
    assert len(d["epochs"]) == n and d["epochs"][0]["usable"] is True


def test_per_transit_flags_epochs_with_too_few_cadences_and_validates():
    cube, t, tp = _jitter_stamp([[0.0, 0.0]] * 3, n_epochs=3)
    keep = ~((t > tp.t0 - 0.2) & (t < tp.t0 + 0.2))  # remove the first transit entirely
    res = per_transit_shifts(cube[keep], t[keep], tp)
    flagged = [e for e in res.epochs if not e.usable]
    assert flagged and flagged[0].flag == "too_few_in_transit"
    assert res.n_usable == 2
    with pytest.raises(ValueError, match="detrend"):
        per_transit_shifts(cube, t, tp, detrend="cubic")
    with pytest.raises(ValueError, match="baseline_durations"):
        per_transit_shifts(cube, t, tp, baseline_durations=0.5)


# ------------------------------------------------------------------ empirical (fake-epoch) covariance
def test_empirical_covariance_matches_analytic_for_white_jitter():
    # 8 transits, P = 10 d: ~95 fake epochs between them. With white jitter the fake-epoch null covariance
    # must agree with the per-cadence-scatter one (same estimator, independent cadences).
    cube, t, tp = _jitter_stamp([[0.0, 0.0]] * 8, seed=3, n_epochs=8, period=10.0)
    emp = per_transit_shifts(cube, t, tp)
    ana = per_transit_shifts(cube, t, tp, covariance="analytic")
    assert emp.covariance == "empirical" and emp.covariance_method == "empirical" and not emp.flags
    assert emp.n_fakes >= 50
    a = np.mean([e.shift_covariance_pixels for e in ana.epochs if e.usable], axis=0)
    n = np.asarray(emp.null_covariance_pixels)
    assert np.trace(n) / np.trace(a) == pytest.approx(1.0, abs=0.3)
    np.testing.assert_allclose(np.diag(n), np.diag(a), rtol=0.3)
    # every full real epoch carries the null covariance; the vectors themselves do not depend on the option
    for e, f in zip(emp.epochs, ana.epochs):
        np.testing.assert_allclose(e.shift_covariance_pixels, n)
        assert e.shift_vector_pixels == f.shift_vector_pixels
    assert "p_values_hotelling_corrected" in emp.combined.flags
    assert emp.combined.significance_sigma < 3.0
    d = emp.to_dict()
    assert d["covariance_method"] == "empirical" and d["n_fakes"] == emp.n_fakes
    assert ana.to_dict()["null_covariance_pixels"] == [[None, None], [None, None]]


def test_empirical_covariance_falls_back_to_analytic_without_enough_fakes():
    cube, t, tp = _jitter_stamp([[0.0, 0.0]] * 3, n_epochs=3)  # P = 2 d: at most one fake per period
    res = per_transit_shifts(cube, t, tp, data_edges="keep")  # 6 days of data: every epoch is at an orbit start
    assert res.covariance == "empirical" and res.covariance_method == "analytic"
    assert res.n_fakes < MIN_FAKE_EPOCHS
    assert res.flags == ("empirical_too_few_fakes_fell_back_to_analytic",)
    assert res.to_dict()["flags"] == ["empirical_too_few_fakes_fell_back_to_analytic"]
    ana = per_transit_shifts(cube, t, tp, covariance="analytic", data_edges="keep")
    assert res.combined == ana.combined and ana.flags == () and ana.n_fakes == 0
    with pytest.raises(ValueError, match="covariance"):
        per_transit_shifts(cube, t, tp, covariance="bootstrap")
    with pytest.raises(TypeError, match="covariance"):
        per_transit_shifts(cube, t, tp, covariance=None)


def test_empirical_covariance_sees_correlated_jitter_and_still_detects_a_shift():
    # red (AR(1), ~1 h) pointing jitter: per-cadence scatter underestimates the window-mean noise, the fakes do not
    rng = np.random.default_rng(7)
    period, n_epochs = 10.0, 6
    tp = TransitParams(period, 0.5 * period, 3.0)
    t = np.arange(0.0, n_epochs * period, 2.0 / 1440.0)
    phi = np.exp(-2.0 / 60.0)
    e = rng.normal(0.0, 0.003 * np.sqrt(1 - phi**2), (2, t.size))
    e[:, 0] = rng.normal(0.0, 0.003, 2)
    jit = lfilter([1.0], [1.0, -phi], e, axis=1)  # stationary AR(1), σ = 3 mpx
    dt = np.mod(t - tp.t0 + 0.5 * period, period) - 0.5 * period
    shift = np.where(np.abs(dt) <= tp.duration_days / 2, 0.004, 0.0)
    cube = render_cube((5.0 + jit[0] + shift)[:, None], (6.0 + jit[1])[:, None], np.full((t.size, 1), 5e4),
                       PRFParams(0.7, 0.7, 1.7, 0.1))
    emp = per_transit_shifts(cube, t, tp)
    ana = per_transit_shifts(cube, t, tp, covariance="analytic")
    assert emp.covariance_method == "empirical"
    a = np.mean([e.shift_covariance_pixels for e in ana.epochs if e.usable], axis=0)
    assert np.trace(np.asarray(emp.null_covariance_pixels)) > 2.0 * np.trace(a)
    assert emp.combined.significance_sigma < ana.combined.significance_sigma
    # the common 4 mpx shift is still found, and red noise no longer looks like inconsistent epochs
    assert emp.combined.significance_sigma > 3.0
    assert emp.combined.consistency_p_value > 1e-3 > ana.combined.consistency_p_value


def test_hotelling_helpers_reduce_to_chi2_for_many_fakes():
    assert zero_mean_hotelling_log_p(9.0, 10**7) == pytest.approx(-4.5, rel=1e-5)
    assert zero_mean_hotelling_log_p(9.0, 20) > -4.5  # fewer fakes: a heavier tail
    # q = 1 (two epochs): the Lawley–Hotelling trace is exactly Hotelling's T²
    assert zero_mean_lawley_hotelling_log_p(7.0, 2, 20) == zero_mean_hotelling_log_p(7.0, 20)
    from scipy.stats import chi2

    assert zero_mean_lawley_hotelling_log_p(12.0, 4, 10**7) == pytest.approx(chi2.logsf(12.0, 6), rel=1e-4)


def test_per_transit_minimum_counts_are_durations_at_20_second_cadence():
    """The minimum in-transit count (5 two-minute cadences) is 10 minutes of data: at 20-s cadence an epoch left with
    20 in-transit cadences (6.7 minutes) is too few, where the raw count (20 ≥ 5) used to pass it."""
    rng = np.random.default_rng(3)
    tp = TransitParams(2.0, 1.0, 3.0)
    t = np.arange(0.0, 6.0, 20.0 / 86400.0)
    dt = np.mod(t - tp.t0 + 1.0, 2.0) - 1.0
    ep = np.round((t - tp.t0) / 2.0).astype(int)
    ins = np.abs(dt) <= tp.duration_days / 2
    first = np.flatnonzero(ins & (ep == 0))
    keep = np.ones(t.size, bool)
    keep[first[20:]] = False  # epoch 0 keeps only its first 20 in-transit cadences
    t = t[keep]
    jit = rng.normal(0.0, 0.003, (2, t.size))
    cube = render_cube((5.0 + jit[0])[:, None], (6.0 + jit[1])[:, None], np.full((t.size, 1), 5e4),
                       PRFParams(0.7, 0.7, 1.7, 0.1))
    cube += rng.normal(0.0, 5.0, cube.shape)
    res = per_transit_shifts(cube, t, tp)
    by_epoch = {e.epoch: e for e in res.epochs}
    assert not by_epoch[0].usable and by_epoch[0].flag == "too_few_in_transit"
    assert by_epoch[1].usable and by_epoch[2].usable
