"""Tests of the V08 check wrapper: the design note's §7.1 matrix and the CheckResult contract."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from toi5807.data.model import TPFStamp
from toi5807.lightcurve import Candidate, Ephemeris, TransitParams
from toi5807.twin.synthetic import make_synthetic_stamp
from toi5807.centroid import V08_METRIC_KEYS, CentroidShiftConfig, run_v08, v08_verdict

# Design note §7.1. Noise levels: "nominal" rows use white pixel noise (30 e-/s on a
# 10 000 e-/s peak), so a 0 px shift is pure noise and 1.5 px is overwhelming; the
# "marginal", "saturated" and "high noise" rows add 0.5–0.7 px per-cadence pointing
# jitter so that σ lands near the tabled values. Seeds are fixed (the outcome of the
# 0.3 px high-noise row is WARN for ~40 % of seeds: PASS is not guaranteed there).
MATRIX = [
    # name, kwargs, n_in, n_out, verdict, (conf_lo, conf_hi), required warning, sigma check
    ("on_target_nominal", dict(), 30, 200, "PASS", (0.85, 0.95), None, lambda s: s < 3),
    # table says conf 0.6-0.7, but §4.3 (which the spec mandates) gives 0.5 for 5 <= n_in < 10
    ("on_target_low_n", dict(n_in=8, n_out=50), 8, 50, "PASS", (0.5, 0.5), "marginal_n_in_transit", lambda s: s < 3),
    ("background_eb_strong", dict(shift_pixels=(1.5, 0.0)), 30, 200, "FAIL", (0.85, 0.95), None, lambda s: s > 5),
    ("background_eb_marginal", dict(shift_pixels=(0.6, 0.0), jitter_pixels=0.7), 30, 200, "WARN", (0.85, 0.95), None,
     lambda s: 3 <= s < 5),
    ("low_cadence", dict(n_in=3, n_out=15), 3, 15, "WARN", (0.2, 0.2), "low_n_in_transit", lambda s: math.isnan(s)),
    ("saturated", dict(peak_flux=2.0e5, shift_pixels=(0.2, 0.0), jitter_pixels=0.5), 30, 200, "PASS", (0.65, 0.7),
     "saturation_risk", lambda s: s < 3),
    ("outliers_median", dict(outlier_fraction=0.05), 30, 200, "PASS", (0.65, 0.95), None, lambda s: s < 3),
    ("single_transit", dict(n_in=5, n_out=95, n_transits=1), 5, 95, "PASS", (0.5, 0.5), "marginal_n_in_transit",
     lambda s: s < 3),
    ("high_noise", dict(shift_pixels=(0.3, 0.0), jitter_pixels=0.7, seed=1), 30, 200, "PASS", (0.85, 0.95), None,
     lambda s: s < 3),
]


# The matrix is the design note's, run with the design note's v2 significance (bootstrap). The package default
# is now "empirical" (calibrated on the twin's correlated jitter); these short synthetic stamps (period 3 d,
# 12 d of data) leave too few fake ephemerides for it, so it would fall back to analytic anyway.
DESIGN_NOTE_CONFIG = CentroidShiftConfig(significance_method="bootstrap")


@pytest.mark.parametrize("name, kw, n_in, n_out, verdict, conf, warning, sigma_ok", MATRIX, ids=[m[0] for m in MATRIX])
def test_design_note_matrix(name, kw, n_in, n_out, verdict, conf, warning, sigma_ok):
    stamp, tp = make_synthetic_stamp(**kw)
    res = run_v08(stamp, tp, config=DESIGN_NOTE_CONFIG)
    assert res.status == "ok" and res.id == "V08"
    assert res.metrics["n_in_transit_cadences"] == n_in
    assert res.metrics["n_out_of_transit_cadences"] == n_out
    assert res.verdict == verdict, res.metrics
    assert conf[0] - 1e-9 <= res.confidence <= conf[1] + 1e-9
    if warning:
        assert warning in res.warnings
    sigma = res.metrics["significance_sigma"]
    assert sigma_ok(math.nan if sigma is None else sigma), res.metrics


def test_outliers_fail_with_legacy_mean():
    stamp, tp = make_synthetic_stamp(outlier_fraction=0.05)
    legacy = run_v08(stamp, tp, config=CentroidShiftConfig.legacy())
    assert legacy.verdict == "FAIL" and legacy.metrics["centroid_shift_pixels"] >= 1.0
    for sm in ("analytic", "bootstrap"):
        mean = run_v08(stamp, tp, config=CentroidShiftConfig(centroid_method="mean", significance_method=sm))
        assert mean.verdict == "FAIL"
    robust = run_v08(stamp, tp)
    assert robust.verdict == "PASS" and robust.details["n_outliers_rejected"] >= 12


def test_missing_tpf_skipped():
    cand = Candidate(ephemeris=Ephemeris(3.0, 1.5, 2.0), depth_ppm=500.0)
    res = run_v08(None, cand)
    assert (res.status, res.verdict, res.flags, res.metrics) == ("skipped", None, ("MISSING_TPF",), {})
    assert json.dumps(res.to_dict(), allow_nan=False)


def test_no_in_transit_cadences_skipped():
    stamp, tp = make_synthetic_stamp(n_in=0, n_out=100)
    res = run_v08(stamp, tp)
    assert res.status == "skipped" and res.verdict is None
    assert res.flags == ("NO_IN_TRANSIT_CADENCES",)
    assert res.details["n_out_of_transit_cadences"] == 100 and "low_n_in_transit" in res.warnings


def test_check_result_contract_and_plot_data():
    stamp, tp = make_synthetic_stamp(shift_pixels=(0.5, 0.3), shape=(11, 13))
    stamp = TPFStamp(time=stamp.time, flux=stamp.flux, column=100, row=200, sector=55,
                     aperture_mask=np.ones((11, 13), bool))
    cand = Candidate(ephemeris=Ephemeris(tp.period, tp.t0, tp.duration), depth_ppm=500.0)
    res = run_v08(stamp, cand)
    assert tuple(res.metrics) == V08_METRIC_KEYS
    # no WCS on this stamp: the nominal 21″ per pixel, and a warning that it is not measured
    assert res.metrics["centroid_shift_arcsec"] == pytest.approx(21.0 * res.metrics["centroid_shift_pixels"])
    assert "pixel_scale_nominal_no_wcs" in res.warnings and res.details["pixel_scale_arcsec"] == 21.0
    assert res.verdict == "WARN"  # 0.58 px < 1 px fail threshold, huge sigma
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    # one name per quantity: the six metrics are not repeated in details, no aliases, no images by default
    assert not set(d["details"]) & (set(d["metrics"]) | {"n_in_transit", "n_out_of_transit", "n_out_transit_cadences",
                                                         "shift_arcsec"})
    assert "out_of_transit_mean_image" not in d["plot_data"] and "in_transit_centroid" in d["plot_data"]
    d = res.to_dict(include_images=True)
    pdata = d["plot_data"]
    assert np.array(pdata["in_transit_mean_image"]).shape == (11, 13)
    assert np.array(pdata["out_of_transit_mean_image"]).shape == (11, 13)
    assert pdata["stamp_origin"] == {"column": 100, "row": 200}
    assert np.array(pdata["in_transit_centroid_cov"]).shape == (2, 2)
    dx, dy = np.subtract(pdata["in_transit_centroid"], pdata["out_of_transit_centroid"])
    assert (dx, dy) == pytest.approx((0.5, 0.3), rel=0.1)
    assert [dx, dy] == pytest.approx(pdata["shift_vector_pixels"], abs=1e-12)
    # out-of-transit mean image peaks at the stamp centre (row 5, column 6)
    img = np.array(pdata["out_of_transit_mean_image"])
    assert np.unravel_index(np.argmax(img), img.shape) == (5, 6)
    assert d["details"]["sector"] == 55 and d["details"]["significance_method"] == "empirical"  # the default
    # this short synthetic stamp has too few fake ephemerides: the fallback is said, not hidden
    assert "empirical_too_few_fake_ephemerides_fell_back_to_analytic" in res.warnings


def test_verdict_rule():
    assert v08_verdict(1.0, 5.0) == "FAIL"
    assert v08_verdict(1.5, 4.9) == "WARN"
    assert v08_verdict(0.4, 3.0) == "WARN"
    assert v08_verdict(0.5, 0.0) == "WARN"
    assert v08_verdict(0.49, 2.99) == "PASS"
    assert v08_verdict(2.0, math.nan) == "WARN"
    assert v08_verdict(0.1, math.nan) == "PASS"


def test_bad_tpf_type():
    with pytest.raises(TypeError, match="tpf"):
        run_v08(np.zeros((3, 3, 3)), TransitParams(3.0, 1.5, 2.0))
