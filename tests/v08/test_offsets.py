"""Tests of toi5807.v08.offsets (all sectors of a dataset) and toi5807.twin.truth, end-to-end on the twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toi5807 import target
from toi5807.data.model import TPFStamp
from toi5807.lightcurve import TransitParams
from toi5807.twin.truth import twin_true_offsets
from toi5807.v08 import CentroidShiftConfig, run_v08, v08_verdict
from toi5807.v08.offsets import analyze_v08_offsets, compare_with_truth

TP = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
EMPIRICAL = CentroidShiftConfig(significance_method="empirical")


# ------------------------------------------------------------------ twin end-to-end (array level, no FITS)
def _twin_stamps(scenario: str, seed: int = 0) -> dict[int, TPFStamp]:
    from toi5807.twin import simulate_sector

    out = {}
    for s in target.SECTORS:
        sim = simulate_sector(s, seed=seed, scenario=scenario)
        out[s] = TPFStamp(time=sim.time, flux=sim.flux, quality=sim.quality, wcs=sim.wcs,
                          aperture_mask=sim.aperture_mask, sector=s)
    return out


@pytest.fixture(scope="module")
def beb_stamps():
    return _twin_stamps("background_eb")


def test_planet_twin_combined_offset_consistent_with_zero_and_finite_exclusion_radius():
    stamps = _twin_stamps("planet")
    # with the calibrated default significance, the on-target planet is not flagged in any sector
    assert {s: run_v08(st, TP).verdict for s, st in stamps.items()} == {s: "PASS" for s in target.SECTORS}
    a = analyze_v08_offsets(stamps, TP, config=EMPIRICAL)
    assert a.combined_shift.n_used == 4
    assert a.combined_shift.p_value > 0.01
    assert a.combined_source_offset.n_used >= 2
    assert a.combined_source_offset.p_value > 0.01  # the source is consistent with the target
    r = a.exclusion_radius_arcsec
    assert math.isfinite(r) and r > 0
    # at ~250 ppm V08 alone cannot exclude blends within a few pixels
    assert r > 21.0
    s = a.summary()
    assert s["exclusion_radius_3sigma_pixels"] == pytest.approx(r / 21.0)


def test_background_eb_twin_offset_points_to_the_neighbour_and_v08_flags_it(beb_stamps):
    results = {s: run_v08(st, TP) for s, st in beb_stamps.items()}  # the package default (empirical)
    assert all(r.verdict in ("WARN", "FAIL") for r in results.values()), {s: r.verdict for s, r in results.items()}
    a = analyze_v08_offsets(beb_stamps, TP, config=EMPIRICAL)
    # the V08 verdict of the sky-combined shift (size in pixels, combined σ) flags it
    comb = a.combined_shift
    assert v08_verdict(comb.norm / 21.0, comb.significance_sigma, EMPIRICAL) in ("WARN", "FAIL")
    assert comb.significance_sigma >= 5.0
    truth = twin_true_offsets(beb_stamps)
    # every sector's source offset lands on that sector's eclipsing neighbour
    for s in a.sectors:
        assert s.source.usable
        d = np.subtract(s.source.offset_sky.vector_arcsec, truth[s.sector].vector_arcsec)
        c = np.asarray(s.source.offset_sky.covariance_arcsec2)
        assert math.sqrt(d @ np.linalg.solve(c, d)) < 3.0
    # the combined offset points to the (covariance-weighted) neighbour position within 2σ
    cmp = compare_with_truth(a, truth)
    assert cmp["mahalanobis_sigma"] < 2.0
    assert cmp["angle_deg"] < 30.0
    assert a.combined_source_offset.significance_sigma > 3.0  # and it is off the target
