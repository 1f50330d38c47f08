"""Tests of toi5807.per_transit: per-epoch shifts against a local baseline and their consistency test."""

from __future__ import annotations

import numpy as np
import pytest

from toi5807 import per_transit as pt
from toi5807.centroid import TransitParams
from toi5807.twin_scene import PRFParams, render_cube


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
    res = pt.per_transit_shifts(const, t, tp)
    assert res.n_usable == n
    assert res.combined.significance_sigma > 5.0  # the common shift is detected ...
    assert res.combined.consistency_p_value > 1e-3  # ... and every transit agrees with it
    np.testing.assert_allclose(res.combined.mean, (0.004, -0.002), atol=0.0015)
    jitter, t, tp = _jitter_stamp([[0.0, 0.0]] * n)
    res0 = pt.per_transit_shifts(jitter, t, tp)
    assert res0.combined.significance_sigma < 3.0 and res0.combined.consistency_p_value > 1e-3
    # shifts that change direction from transit to transit fail the consistency test
    alt, t, tp = _jitter_stamp([[0.01 * (-1) ** k, 0.0] for k in range(n)])
    resa = pt.per_transit_shifts(alt, t, tp)
    assert resa.combined.consistency_p_value < 1e-6
    d = res.to_dict()
    assert len(d["epochs"]) == n and d["epochs"][0]["usable"] is True


def test_per_transit_flags_epochs_with_too_few_cadences_and_validates():
    cube, t, tp = _jitter_stamp([[0.0, 0.0]] * 3, n_epochs=3)
    keep = ~((t > tp.t0 - 0.2) & (t < tp.t0 + 0.2))  # remove the first transit entirely
    res = pt.per_transit_shifts(cube[keep], t[keep], tp)
    flagged = [e for e in res.epochs if not e.usable]
    assert flagged and flagged[0].flag == "too_few_in_transit"
    assert res.n_usable == 2
    with pytest.raises(ValueError, match="detrend"):
        pt.per_transit_shifts(cube, t, tp, detrend="cubic")
    with pytest.raises(ValueError, match="baseline_durations"):
        pt.per_transit_shifts(cube, t, tp, baseline_durations=0.5)
