"""Fake epochs across a sector's data for any period (issue 28): before and after the transit, clear of every
transit of the ephemeris, gaps skipped, and an honest independence count."""

from __future__ import annotations

import numpy as np
import pytest

from toi5807.lightcurve import TransitParams, autocorrelation_independent, fake_epochs, independent_count
from toi5807.lightcurve.fake_epochs import CLEARANCE_DURATIONS


def _sector(t_start=3559.5, days=25.0, gap=(3571.5, 3572.5), cadence_min=2.0):
    t = t_start + np.arange(int(days * 1440 / cadence_min)) * cadence_min / 1440.0
    return t[(t < gap[0]) | (t > gap[1])]


def _dist_to_transits(c, tp):
    return np.abs(np.mod(c - tp.t0 + 0.5 * tp.period, tp.period) - 0.5 * tp.period)


def test_one_transit_long_period_fakes_cover_both_sides_of_the_transit():
    t = _sector()
    tp = TransitParams(40.0, 3566.0, 14.4)  # one transit in the sector, the next 40 d later
    fe = fake_epochs(t, tp)
    c = fe.centres[np.isfinite(fe.centres)]
    assert (c < tp.t0).sum() >= 5 and (c > tp.t0).sum() >= 5  # before AND after the transit
    assert _dist_to_transits(c, tp).min() >= CLEARANCE_DURATIONS * tp.duration_days - 1e-9
    assert np.all(fe.n_transits == 1)
    # no fake mid-time in the gap or outside the data
    half = 0.5 * tp.duration_days
    assert not np.any((c > 3571.5 + half) & (c < 3572.5 - half))
    assert c.min() >= t.min() - half and c.max() <= t.max() + half
    # the old layout (offsets only after the real transit, P − clearance) reached at most the sector's end
    assert fe.n_fakes > np.sum((fe.offsets_days < t.max() - tp.t0))


def test_independent_count_is_the_block_count():
    d = 0.25
    assert independent_count(np.arange(50) * d, d, 5.0) == 10  # a regular grid: n·step/span
    assert independent_count([0.0, 1.0, 1.3, 2.5, 2.6], d, 5.0) == 3  # span 1.25 d: 0, 1.3, 2.6
    assert independent_count([], d) == 0
    fe = fake_epochs(_sector(gap=(0, 0)), TransitParams(40.0, 3566.0, 14.4))
    assert fe.n_independent == independent_count(fe.offsets_days, fe.duration_days)
    # ≈ (25 d − 7 D) / (5 D) for D = 0.6 d: about 6 — too few to calibrate a 3σ test alone
    assert 5 <= fe.n_independent <= 8


def test_short_period_keeps_every_epoch_in_the_data_and_avoids_all_transits():
    t = _sector()
    tp = TransitParams(3.0, 3560.2, 3.0)
    fe = fake_epochs(t, tp, step_durations=0.5)
    assert fe.offsets_days.min() >= CLEARANCE_DURATIONS * tp.duration_days - 1e-9
    assert fe.offsets_days.max() <= tp.period - CLEARANCE_DURATIONS * tp.duration_days + 1e-9
    assert np.nanmin(_dist_to_transits(fe.centres, tp)) >= CLEARANCE_DURATIONS * tp.duration_days - 1e-9
    assert fe.n_transits.max() >= 7  # ≈ 8 epochs in 25 days, minus the gap
    sel = fe.select(fe.n_transits >= 8)
    assert sel.n_fakes == int(np.sum(fe.n_transits >= 8)) and sel.centres.shape[1] == fe.centres.shape[1]


def test_no_room_and_bad_arguments():
    tp = TransitParams(0.8, 3560.0, 3.0)  # P < 2·3.5·D: no fake can avoid the transits
    assert fake_epochs(_sector(), tp).n_fakes == 0
    assert fake_epochs([], TransitParams(40.0, 3566.0, 14.4)).n_fakes == 0
    with pytest.raises(ValueError, match="step_durations"):
        fake_epochs(_sector(), TransitParams(40.0, 3566.0, 14.4), step_durations=0)
    with pytest.raises(ValueError, match="clearance_durations"):
        fake_epochs(_sector(), TransitParams(40.0, 3566.0, 14.4), clearance_durations=-1)


def test_autocorrelation_count_agrees_with_the_block_count_for_overlapping_windows():
    # a statistic that is the mean of white noise over a window 5 steps wide, sampled every step: ρ_k = 1 − k/5
    rng = np.random.default_rng(3)
    white = rng.normal(size=5005)
    stat = np.convolve(white, np.ones(5) / 5, mode="valid")[:5000]
    d = 1.0
    offs = np.arange(stat.size) * d
    n_eff = autocorrelation_independent(stat, offs, d, 5.0)
    assert 0.8 * 1000 <= n_eff <= 1.25 * 1000
    assert independent_count(offs, d, 5.0) == 1000
