"""Tests of toi5807.calibration: the null false-alarm rate of the empirical method and the helpers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from toi5807 import target
from toi5807.centroid import CentroidShiftConfig
from toi5807 import calibration as cal


def test_small_null_calibration_empirical_far_is_nominal():
    """≥ 50 null twins (here 60 seeds × 1 sector), empirical method, with the twin's correlated jitter."""
    null = cal.null_calibration(range(1000, 1060), [83], methods=["empirical"], progress=False)
    c = null.methods["empirical"]
    assert c.n_trials == 60
    lo, hi = c.expected_count_ci99  # Binomial(60, 1.11 %) 99 % interval of the count
    assert (lo, hi) == (0, 3)
    assert lo <= c.n_false_alarms <= hi
    assert c.calibrated_at_3sigma
    assert 0.0 <= c.ks_p_value <= 1.0
    d = null.to_dict()
    assert d["methods"]["empirical"]["n_trials"] == 60 and len(d["sigma"]["empirical"]) == 60
    json.dumps(d, allow_nan=False)


def test_method_calibration_counts_and_intervals():
    s = [0.5] * 92 + [3.5] * 8
    c = cal.MethodCalibration.from_sigmas("x", s)
    assert (c.n_trials, c.n_false_alarms) == (100, 8)
    assert c.far_3sigma == pytest.approx(0.08)
    assert c.far_ratio_to_nominal == pytest.approx(0.08 / math.exp(-4.5))
    assert not c.within_half_to_1p5_nominal and not c.calibrated_at_3sigma
    assert c.far_ci99[0] < 0.08 < c.far_ci99[1]
    assert sum(c.p_hist_counts) == 100
    with pytest.raises(ValueError, match="no finite"):
        cal.MethodCalibration.from_sigmas("x", [math.nan])


def test_clopper_pearson_known_values():
    lo, hi = cal.clopper_pearson(0, 100, 0.99)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.005 ** (1 / 100), rel=1e-6)
    lo, hi = cal.clopper_pearson(5, 10, 0.95)
    assert lo == pytest.approx(0.1871, abs=1e-4) and hi == pytest.approx(0.8129, abs=1e-4)
    with pytest.raises(ValueError):
        cal.clopper_pearson(3, 2)


def test_default_switch_rule():
    def d(boot_ratio, emp_ratio):
        m = lambda r: {"within_half_to_1p5_nominal": 0.5 <= r <= 1.5, "far_3sigma": 0.0111 * r,  # noqa: E731
                       "far_ratio_to_nominal": r}
        return {"methods": {"bootstrap": m(boot_ratio), "empirical": m(emp_ratio)}}

    assert cal.default_switch_decision(d(70.0, 1.0))["rule_met"]  # the literal rule
    assert not cal.default_switch_decision(d(1.0, 1.0))["rule_met"]
    assert not cal.default_switch_decision(d(70.0, 3.0))["rule_met"]
    cautious = cal.default_switch_decision(d(70.0, 0.2))
    assert not cautious["rule_met"] and cautious["reason"].startswith("design-note default over-confident")
    assert cal.default_switch_decision(d(1.0, 1.0))["reason"] == "rule not met"
    assert cautious["package_default"] == "empirical"


def test_injected_eclipse_has_the_requested_aperture_depth():
    from toi5807 import twin
    from toi5807.twin.geometry import sector_scene
    from toi5807.twin.scene import render_image
    from toi5807.twin.transit import time_from_mid

    sim = twin.simulate_sector(83, seed=5, scenario="no_transit")
    tpix = np.array(sim.wcs.world_to_pixel_values(target.RA_DEG, target.DEC_DEG))
    rows, deficit, stamp_depth = cal.inject_point_eclipse(sim, tpix + [1.5, 0.5], depth_ppm=256.0)
    image0 = render_image(sector_scene(twin.load_spec(), 83)[0])
    ap = sim.aperture_mask
    dt = time_from_mid(sim.time[rows], target.PERIOD_DAYS, target.T0_BTJD)
    inwin = np.abs(dt) <= target.DURATION_HOURS / 48
    dip = deficit[inwin][:, ap].sum(axis=1).mean() / image0[ap].sum()
    assert dip == pytest.approx(256e-6, rel=0.02)
    assert stamp_depth > 256e-6  # a source off the aperture must dim more of the stamp
    with pytest.raises(ValueError, match="depth_ppm"):
        cal.inject_point_eclipse(sim, tpix, depth_ppm=0.0)


def test_load_calibration_missing_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "shared" / "toi5807").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="toi5807 calibrate"):
        cal.load_calibration(cal.NULL_FILE, root=tmp_path)
    with pytest.raises(FileNotFoundError, match="toi5807 vet --calibrate"):
        cal.load_calibration(cal.LOCALIZATION_FILE, root=tmp_path)
    with pytest.raises(ValueError, match="name"):
        cal.load_calibration("other.json", root=tmp_path)


def test_the_committed_localization_calibration_reads_back():
    data = cal.load_calibration(cal.LOCALIZATION_FILE)
    assert data["simulated"] is True and {"planet", "background_eb", "injection_recovery"} <= set(data)
    assert data["planet"]["false_alarm_sector"]["n"] > 0


def test_load_calibration_refuses_a_stale_injection_cache(tmp_path):
    """An injection_recovery.json of the old layout (separations in pixels, no schema_version) is not misread."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "shared" / "toi5807").mkdir(parents=True)
    folder = tmp_path / "artifacts" / "tutorial_toi-5807-incremental" / "calibration"
    folder.mkdir(parents=True)
    old = {"study": "injection_recovery", "separations_px": [1.0], "pixel_scale_arcsec": 21.0}
    (folder / cal.INJECTION_FILE).write_text(json.dumps(old))
    with pytest.raises(ValueError, match=r"injection_recovery.json: stale .*schema_version 1, expected 2.*calibrate"):
        cal.load_calibration(cal.INJECTION_FILE, root=tmp_path)
    new = dict(old, schema_version=cal.CALIBRATION_SCHEMA_VERSIONS[cal.INJECTION_FILE])
    (folder / cal.INJECTION_FILE).write_text(json.dumps(new))
    assert cal.load_calibration(cal.INJECTION_FILE, root=tmp_path) == new
    (folder / cal.NULL_FILE).write_text(json.dumps({"methods": {}}))  # the null layout did not change
    assert cal.load_calibration(cal.NULL_FILE, root=tmp_path) == {"methods": {}}


def test_injection_separations_are_on_the_sky_in_arcsec(monkeypatch):
    """Each source is placed through the sector's WCS at the requested separation (arcsec) and position angle."""
    from toi5807.data.geometry import sky_jacobian
    from toi5807.calibration import injection

    placed = []
    real_inject = injection.inject_point_eclipse

    def spy(sim, source_pixel, depth_ppm):
        placed.append((sim.wcs, np.asarray(source_pixel, dtype=float)))
        return real_inject(sim, source_pixel, depth_ppm)

    monkeypatch.setattr(injection, "inject_point_eclipse", spy)
    seps, pas = (10.0, 60.0), (90.0,)
    r = injection.injection_recovery([2000], [83], seps, pas, depth_ppm=2000.0, progress=False,
                                     config=CentroidShiftConfig(significance_method="analytic"))
    assert len(placed) == 2
    for (wcs, pix), sep in zip(placed, seps):
        tpix = np.array(wcs.world_to_pixel_values(target.RA_DEG, target.DEC_DEG))
        east, north = sky_jacobian(wcs, *tpix) @ (pix - tpix)
        assert math.hypot(east, north) == pytest.approx(sep, rel=1e-6)
        assert math.degrees(math.atan2(east, north)) == pytest.approx(90.0, abs=1e-6)  # PA east of north
    assert r.separations_arcsec == seps and set(r.detection_per_sector) == {"10", "60"}
    assert 19.5 < r.pixel_scale_arcsec_by_sector["83"] < 20.1  # the twin's sector-83 geometry, not 21″
    d = r.to_dict()
    assert d["schema_version"] == cal.CALIBRATION_SCHEMA_VERSIONS[cal.INJECTION_FILE] == 2
    assert "separations_px" not in d and "pixel_scale_arcsec" not in d
    assert r.median_stamp_depth_ppm["60"] > r.median_stamp_depth_ppm["10"]  # farther off the aperture: more stamp dims
    assert "60 arcsec" in repr(r)
