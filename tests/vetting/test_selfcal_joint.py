"""Fake ephemerides applied to every sector at once (vetting/fakenull.py): the joint null of the combined offset
and of the between-sector χ², on sectors with known truth."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stamps import make_stamp  # noqa: E402

from toi5807.diffimage.joint import combine_localizations  # noqa: E402
from toi5807.lightcurve import TransitParams  # noqa: E402
from toi5807.diffimage.localize import localize_sector  # noqa: E402
from toi5807.vetting.fakenull import calibrate_sectors  # noqa: E402
from toi5807.vetting.nulls import JointNull  # noqa: E402


#: A 12-day planet (≈ 90 durations per period: ≈ 17 independent fake epochs), 3 transits in 30 days.
TP = TransitParams(12.0, 3500.5, 3.0)
KW = dict(depth=0.01, days=30.0, period=12.0, t0=3500.5, duration_h=3.0)


def _locs(source_b):
    a = localize_sector(make_stamp(seed=11, sector=61, **KW), TP)
    b = localize_sector(make_stamp(seed=12, sector=62, source_px=source_b, **KW), TP)
    return [a, b]


@pytest.fixture(scope="module")
def same():
    locs = _locs((5.0, 5.0))
    return locs, calibrate_sectors(locs, TP)


@pytest.fixture(scope="module")
def apart():
    locs = _locs((6.5, 5.0))  # sector 62's dip on a pixel 1.5 px (31″) from the target's
    return locs, calibrate_sectors(locs, TP)


def test_joint_null_matches_the_joint_fit_and_passes_agreeing_sectors(same):
    locs, (nulls, joint) = same
    assert set(nulls) == {61, 62} and all(n.calibrated for n in nulls.values())
    assert joint is not None and joint.calibrated and joint.sectors == (61, 62)
    assert joint.n_null == min(nulls[61].n_null, nulls[62].n_null) and len(joint.between) == joint.n_null
    comb = combine_localizations(locs)
    # the grid statistic of the real epoch reproduces the nonlinear joint fit's numbers
    assert joint.observed["between"] == pytest.approx(comb.chi2_between_sectors, abs=0.3)
    assert joint.observed["delta_chi2_target"] == pytest.approx(comb.delta_chi2_target, abs=0.3)
    t = joint.between_test(joint.observed["between"], comb.p_between_sectors)
    assert t.p_model > 0.0111 and t.n_independent == joint.n_independent
    assert t.p_floor == pytest.approx(1 / (1 + joint.n_independent))
    json.dumps(joint.to_dict(), allow_nan=False)


def test_sectors_that_disagree_are_caught_by_the_calibrated_between_test(apart):
    locs, (nulls, joint) = apart
    comb = combine_localizations(locs)
    t = joint.between_test(joint.observed["between"], comb.p_between_sectors)
    assert t.extrapolated and t.n_exceed == 0 and t.p_model < 1e-4
    assert comb.p_between_sectors < 1e-4  # nominal agrees here: the disagreement is large


def test_between_test_counts_and_floor_on_a_known_null():
    rng = np.random.default_rng(0)
    null = tuple(2.0 * rng.chisquare(2, 4000))
    j = JointNull((1, 2), delta_chi2=null, between=null, n_independent=40)
    t = j.between_test(2.0 * 9.21)  # χ²₂ at p = 1 % → scaled by the inflation 2
    assert abs(t.p_model - 0.01) < 0.003 and math.isnan(t.nominal_sigma)  # no nominal p given → NaN
    assert t.p_floor == pytest.approx(1 / 41) and t.n_null == 4000
    n_ex = sum(v >= 2.0 * 9.21 for v in null)
    assert t.n_exceed == n_ex and t.p_counted == pytest.approx((1 + n_ex * 40 / 4000) / 41)
    assert JointNull((1,), delta_chi2=null, n_independent=40).between_test(5.0) is None  # one sector: no test


def test_vet_pixels_uses_the_calibrated_between_sector_test():
    from toi5807.data.model import Dataset
    from toi5807.vetting.vet import vet_pixels

    def run(source_b):
        stamps = {61: make_stamp(seed=11, sector=61, **KW), 62: make_stamp(seed=12, sector=62, source_px=source_b, **KW)}
        return vet_pixels(Dataset({}, stamps, source="local"), TP)

    agree, disagree = run((5.0, 5.0)), run((6.5, 5.0))
    for r in (agree, disagree):
        d = r.to_dict()
        json.dumps(d, allow_nan=False)
        btw = d["calibration"]["between_sectors"]
        assert d["calibration"]["null_kind"] == "joint" and btw["n_independent"] >= 8
        assert d["combined"]["p_between_sectors_calibrated"] == btw["p_model"]
    assert "sectors disagree" not in agree.reason
    assert disagree.verdict == "WARN" and "sectors disagree" in disagree.reason, disagree.reason
