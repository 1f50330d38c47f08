"""The twin's pointing and background models: each physical part does what its docstring says (SIMULATION)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from toi5807.twin.background import (
    BackgroundModel,
    background_model,
    simulate_background,
)
from toi5807.twin.cadence import cadence_grid
from toi5807.twin.pointing import (
    COMPONENTS,
    PointingModel,
    pointing_model,
    simulate_pointing,
)
from toi5807.twin.spec import load_spec

ZERO = PointingModel(white_px=(0.0, 0.0), correlated_px=(0.0, 0.0), correlated_tau_days=0.1, drift_px=(0.0, 0.0),
                     settle_px=(0.0, 0.0), settle_mid_fraction=0.0, settle_tau_days=0.5, dump_jump_px=0.0,
                     long_jump_px=0.0, breathing=0.0)


def _only(**amplitudes) -> PointingModel:
    return dataclasses.replace(ZERO, **amplitudes)


@pytest.fixture(scope="module")
def grid83():
    return cadence_grid(83)


def test_components_sum_and_determinism(grid83):
    model = pointing_model(load_spec())
    a = simulate_pointing(grid83, model, np.random.default_rng(1))
    b = simulate_pointing(grid83, model, np.random.default_rng(1))
    c = simulate_pointing(grid83, model, np.random.default_rng(2))
    assert tuple(a.components) == COMPONENTS
    np.testing.assert_allclose(sum(a.components[k][0] for k in COMPONENTS), a.dcol, atol=1e-15)
    np.testing.assert_allclose(sum(a.components[k][1] for k in COMPONENTS), a.drow, atol=1e-15)
    assert np.array_equal(a.dcol, b.dcol) and np.array_equal(a.width_scale, b.width_scale)
    assert not np.array_equal(a.dcol, c.dcol)
    with pytest.raises(ValueError):
        a.dcol[0] = 1.0  # read-only


def test_zero_model_is_still(grid83):
    p = simulate_pointing(grid83, ZERO, np.random.default_rng(0))
    assert not np.any(p.dcol) and not np.any(p.drow) and np.all(p.width_scale == 1.0)


def test_white_jitter_has_its_amplitude(grid83):
    p = simulate_pointing(grid83, _only(white_px=(0.003, 0.001)), np.random.default_rng(0))
    assert np.std(p.dcol) == pytest.approx(0.003, rel=0.03) and np.std(p.drow) == pytest.approx(0.001, rel=0.03)
    assert abs(np.corrcoef(p.dcol[:-1], p.dcol[1:])[0, 1]) < 0.03  # independent cadences


def test_correlated_jitter_keeps_its_time_constant(grid83):
    p = simulate_pointing(grid83, _only(correlated_px=(0.002, 0.002), correlated_tau_days=0.1),
                          np.random.default_rng(0))
    lag = int(round(0.1 / (2.0 / 1440.0)))  # one time constant
    r = np.corrcoef(p.dcol[:-lag], p.dcol[lag:])[0, 1]
    assert r == pytest.approx(np.exp(-1.0), abs=0.1)
    assert np.std(p.dcol) == pytest.approx(0.002, rel=0.25)


def test_settling_decays_after_each_segment_start(grid83):
    p = simulate_pointing(grid83, _only(settle_px=(0.05, 0.05), settle_mid_fraction=0.3, settle_tau_days=0.5),
                          np.random.default_rng(0))
    seg = np.asarray(grid83.orbit)
    for k in range(int(seg.max()) + 1):
        s = p.components["settling"][0][seg == k]
        assert abs(s[-1]) < 0.02 * abs(s[0])  # relaxed by the segment's end
        amp = 0.05 * (1.0 if k % 2 == 0 else 0.3)  # four segments: 0 and 2 start an orbit
        assert 0.5 * amp - 1e-12 <= abs(s[0]) <= amp + 1e-12


def test_jumps_happen_only_at_dumps_and_long_interruptions(grid83):
    p = simulate_pointing(grid83, _only(dump_jump_px=0.001, long_jump_px=0.01), np.random.default_rng(0))
    steps = np.flatnonzero(np.diff(p.dcol) != 0.0) + 1
    seg_starts = np.flatnonzero(np.diff(np.asarray(grid83.orbit)) != 0) + 1
    excluded = (np.asarray(grid83.quality) & 128) != 0
    allowed = set(np.flatnonzero(grid83.dump)) | set(seg_starts) | set(np.flatnonzero(np.diff(excluded.astype(int)) == -1) + 1)
    assert steps.size > 0 and set(steps.tolist()) <= allowed


def test_breathing_stays_within_its_amplitude(grid83):
    p = simulate_pointing(grid83, _only(breathing=0.02), np.random.default_rng(0))
    assert np.all(np.abs(p.width_scale - 1.0) <= 0.02 * 1.5 + 1e-12)
    assert np.ptp(p.width_scale) > 0.01


def test_bad_model_values_are_rejected():
    with pytest.raises(ValueError, match="white_px"):
        dataclasses.replace(ZERO, white_px=(-1.0, 0.0))
    with pytest.raises(ValueError, match="settle_tau_days"):
        dataclasses.replace(ZERO, settle_tau_days=0.0)
    with pytest.raises(ValueError, match="missed_fraction"):
        dataclasses.replace(background_model(load_spec()), missed_fraction=1.5)


def test_background_residual_is_what_the_estimate_misses(grid83):
    model = BackgroundModel(scattered_e_per_s=10.0, scattered_tau_days=1.0, gradient_per_pixel=0.0,
                            missed_fraction=0.25, estimate_error_e_per_s=0.0, estimate_tau_days=0.5)
    bk = simulate_background(grid83, model, (13, 11), np.random.default_rng(0))
    res = bk.residual()
    np.testing.assert_allclose(res, 0.25 * bk.scattered[:, None, None] * np.ones((1, 13, 11)), atol=1e-12)
    assert bk.scattered.max() == pytest.approx(10.0)  # at the end of each segment
    with_gradient = simulate_background(grid83, dataclasses.replace(model, gradient_per_pixel=0.05), (13, 11),
                                        np.random.default_rng(0))
    assert np.ptp(with_gradient.residual()[-1]) > 0.5  # e-/s across the stamp: a pull on the centroid
