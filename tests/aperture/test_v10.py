"""V10 (aperture dependence): known-truth injections into the real sector-83 pixels, the reference tool's metrics,
JSON safety, the cannot-judge paths, the verdict and the combination rule."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

import toi5807 as sh
from toi5807 import target
from toi5807.aperture import V10_METRIC_KEYS, run_v10, v10_record, v10_verdict
from toi5807.aperture.analysis import calibrated_p, image_catalogue
from toi5807.aperture.depths import WindowSummer, window_depths
from toi5807.aperture.masks import aperture_sums, circle, decorrelate_pointing, moment_weights, pixel_matrix
from toi5807.aperture.reference import REFERENCE_METRIC_KEYS, reference_metrics
from toi5807.lightcurve import TransitParams
from toi5807.vetting.rule import combine_checks, v10_dataset_vote

REAL = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
#: Between the real transits: injected dips go there, and the real transits stay out of the fakes (avoid=).
FAKE = TransitParams(REAL.period, REAL.t0 + 0.5 * REAL.period, REAL.duration)


@pytest.fixture(scope="module")
def s83():
    return sh.load_dataset().tpf_by_sector[83]


@pytest.fixture(scope="module")
def cat(s83):
    return image_catalogue(s83, REAL)


def _inject(stamp, cat, label, depth_ppm):
    i = [s.label for s in cat.stars].index(label)
    east, north = cat.offsets_arcsec()[i]
    return sh.inject_eclipsing_source(stamp, FAKE, east_arcsec=east, north_arcsec=north, aperture_depth_ppm=depth_ppm,
                                      target_ephemeris=REAL)


def test_real_s83_reference_metrics_and_verdict(s83, cat):
    r = run_v10(s83, REAL, catalogue=cat)
    assert set(V10_METRIC_KEYS) <= set(r.metrics)
    assert 200.0 <= r.metrics["depth_ppm_aperture_min"] <= 300.0
    assert 200.0 <= r.metrics["depth_ppm_aperture_max"] <= 300.0
    assert r.metrics["aperture_depth_sign_flip"] is False and r.metrics["n_transit_epochs"] == 2
    assert r.verdict != "FAIL" and r.most_likely_host == "target" and r.calibrated
    if r.verdict == "WARN":  # it must say which star it cannot tell from the target
        assert any(h["label"] in r.reason for h in r.hypotheses if h["label"] != "target")
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["metrics"]["dip_sigma"] is not None and d["simulated"] is False
    rec = v10_record(r)
    assert set(rec) == {"verdict", "most_likely_host", "metrics", "calibrated", "reason", "votes"}
    json.dumps(rec, allow_nan=False)
    assert "V10 sector 83" in repr(r) and len(repr(r).splitlines()) <= 5


def test_reference_metrics_equal_tess_vetter(s83):
    ref_mod = pytest.importorskip("tess_vetter.pixel.aperture")
    flux, time = np.asarray(s83.flux, dtype=float), np.asarray(s83.time, dtype=float)
    theirs = ref_mod.compute_aperture_dependence(flux, time, ref_mod.TransitParams(
        period=REAL.period, t0=REAL.t0, duration=REAL.duration / 24.0))
    ours = reference_metrics(flux, time, REAL.period, REAL.t0, REAL.duration)
    assert ours["depths_by_aperture_ppm"] == pytest.approx({f"{k:g}": v for k, v in theirs.depths_by_aperture.items()},
                                                           rel=1e-9)
    assert ours["stability_metric"] == pytest.approx(theirs.stability_metric, rel=1e-9)
    assert ours["recommended_aperture_pixels"] == theirs.recommended_aperture
    assert ours["drift_fraction_recommended"] == pytest.approx(theirs.drift_fraction_recommended, rel=1e-6)
    assert ours["n_transit_epochs"] == theirs.n_transit_epochs and set(REFERENCE_METRIC_KEYS) <= set(ours)


@pytest.mark.parametrize("label", ["image star 1", "image star 2"])
def test_blend_on_a_neighbour_names_that_host(s83, cat, label):
    r = run_v10(_inject(s83, cat, label, 1000.0), FAKE, catalogue=cat, avoid=REAL)
    assert r.most_likely_host == label
    assert r.verdict == "FAIL" and label in r.reason and r.votes and r.calibrated
    tgt = next(h for h in r.hypotheses if h["label"] == "target")
    assert tgt["excluded"] and tgt["sigma"] >= 3.0


def test_planet_on_target_is_not_fail(s83, cat):
    r = run_v10(_inject(s83, cat, "target", 1000.0), FAKE, catalogue=cat, avoid=REAL)
    assert r.verdict != "FAIL" and r.most_likely_host == "target"
    host = next(h for h in r.hypotheses if h["label"] == "target")
    assert host["delta"] == pytest.approx(1000e-6 * r.apertures[1]["flux_e_per_s"] / host["flux_e_per_s"], rel=0.5)


def test_empty_epoch_cannot_judge(s83, cat):
    r = run_v10(s83, FAKE, catalogue=cat, avoid=REAL)
    assert r.verdict == "WARN" and not r.votes and "NO_SIGNIFICANT_DIP" in r.flags
    assert "no significant dip" in r.reason


def test_cannot_judge_paths(s83, cat):
    none = run_v10(None, REAL)
    assert none.status == "skipped" and none.verdict is None and not none.votes and "MISSING_TPF" in none.flags
    json.dumps(none.to_dict(), allow_nan=False)
    no_wcs = run_v10(dataclasses.replace(s83, wcs=None), REAL, catalogue=cat)
    assert no_wcs.verdict == "WARN" and not no_wcs.votes and "NO_WCS" in no_wcs.flags
    assert no_wcs.metrics["depth_ppm_aperture_min"] == pytest.approx(240.08, abs=0.01)  # the reference still runs
    t_end = float(np.asarray(s83.time)[-1])
    beyond = run_v10(s83, TransitParams(400.0, t_end + 50.0, 4.0), catalogue=cat)  # no transit in the sector
    assert beyond.verdict == "WARN" and not beyond.votes and "TOO_FEW_EPOCHS" in beyond.flags
    few = v10_verdict([{"label": "target", "excluded": False, "possible": True, "chi2": 1.0, "sigma": 0.5}],
                      calibrated=False, why="3 independent fake epochs < 8")
    assert few[0] == "WARN" and few[2] is False and "cannot calibrate" in few[1]


def _h(label, excluded, chi2, sigma, possible=True, sep=40.0, delta=0.01):
    return {"label": label, "excluded": excluded, "possible": possible, "chi2": chi2, "sigma": sigma,
            "separation_arcsec": sep, "delta": delta}


def test_v10_verdict_rule():
    assert v10_verdict([_h("target", False, 1, 0.5), _h("a", True, 30, 4)], calibrated=True)[0] == "PASS"
    v, why, votes = v10_verdict([_h("target", True, 30, 4), _h("a", False, 2, 1)], calibrated=True)
    assert v == "FAIL" and "a" in why and votes
    v, why, _ = v10_verdict([_h("target", False, 2, 1), _h("a", False, 2, 1)], calibrated=True)
    assert v == "WARN" and "a" in why and "cannot tell" in why
    v, why, _ = v10_verdict([_h("target", True, 30, 4), _h("a", True, 30, 4)], calibrated=True)
    assert v == "WARN" and "no catalogue star" in why
    # a star that would need more than all of its light is no host, whatever its chi2
    impossible = _h("a", True, 0.1, 0.1, possible=False)
    assert v10_verdict([_h("target", False, 2, 1), impossible], calibrated=True)[0] == "PASS"


def test_the_difference_images_name_a_host_only_when_their_verdict_does():
    # fault: an uncatalogued 48″ blend injected into real s83 ("source 25σ from the target but on no catalogue
    # star") was made FAIL "V10 names the same host (image star 3)" — a star the difference images excluded
    from toi5807.vetting.verdict import gated_decision, localization_decision

    def host(label, sigma, could=True):
        return {"label": label, "sigma": sigma, "could_produce_depth": could, "separation_arcsec": 44.0,
                "found_in_image": False}

    fail = {"verdict": "FAIL", "most_likely_host": "image star 3", "votes": True, "reason": "x"}
    hosts = [host("target", 25.0), host("image star 3", 8.0), host("image star 1", 9.0)]
    verdict, reason, named = localization_decision(25.0, hosts, 12.0)
    assert verdict == "WARN" and "no catalogue star" in reason and named is None
    assert combine_checks(verdict, reason, v10=fail, diffimage_host=named)["verdict"] == "WARN"
    both = [host("target", 0.5), host("image star 3", 1.2)]  # "consistent with the target and with image star 3"
    verdict, reason, named = localization_decision(0.5, both, 12.0)
    assert verdict == "WARN" and named == "image star 3"
    assert combine_checks(verdict, reason, v10=fail, diffimage_host=named)["verdict"] == "FAIL"
    off = [host("target", 6.0), host("image star 3", 0.8)]  # "… from the target, consistent with image star 3"
    assert localization_decision(6.0, off, 12.0)[::2] == ("FAIL", "image star 3")
    assert localization_decision(0.5, both, 1.0)[2] is None  # no significant dip: nothing named
    assert localization_decision(0.5, [host("target", 0.5), host("image star 3", 1.2, could=False)], 12.0)[2] is None
    # a star named on a nominal test is not named: the gate's WARN keeps the old reason (with the star's name in
    # it) but V10 must not turn it into a FAIL on that star
    nominal = [{"name": "offset", "calibrated": False, "why_nominal": "cannot calibrate: 3 independent fakes"}]
    v, r, n = gated_decision(*localization_decision(6.0, off, 12.0), nominal)
    assert v == "WARN" and "image star 3" in r and n is None
    assert combine_checks(v, r, v10=fail, diffimage_host=n)["verdict"] == "WARN"
    calibrated = [{"name": "offset", "calibrated": True, "why_nominal": None}]
    assert gated_decision("WARN", reason, "image star 3", calibrated) == ("WARN", reason, "image star 3")


def test_combination_rule():
    fail = {"verdict": "FAIL", "most_likely_host": "a", "votes": True, "reason": "x"}
    warn = {"verdict": "WARN", "most_likely_host": "target", "votes": True, "reason": "y"}
    ok = {"verdict": "PASS", "most_likely_host": "target", "votes": True, "reason": "z"}
    mute = {"verdict": "FAIL", "most_likely_host": "a", "votes": False, "reason": "cannot judge"}
    assert combine_checks("PASS", "r", v10=fail)["verdict"] == "WARN"
    assert combine_checks("WARN", "r", v10=fail, diffimage_host="a")["verdict"] == "FAIL"
    assert combine_checks("WARN", "r", v10=fail, diffimage_host="b")["verdict"] == "WARN"
    assert combine_checks("PASS", "r", v10=warn)["verdict"] == "PASS"  # a V10 WARN never turns a PASS into FAIL
    assert combine_checks("FAIL", "r", v10=ok)["verdict"] == "WARN"
    out = combine_checks("PASS", "r", v10=mute)
    assert out["verdict"] == "PASS" and out["voted"] == ["difference images"]  # cannot judge: no vote
    assert combine_checks("PASS", "r", v08_verdict="FAIL")["verdict"] == "WARN"
    assert combine_checks("FAIL", "r", v08_verdict="PASS")["verdict"] == "FAIL"
    assert v10_dataset_vote({1: fail, 2: fail, 3: warn})["verdict"] == "FAIL"
    assert v10_dataset_vote({1: ok, 2: ok})["verdict"] == "PASS"
    assert v10_dataset_vote({1: fail, 2: ok})["verdict"] == "WARN"
    assert v10_dataset_vote({1: mute}) is None
    both = v10_dataset_vote({1: warn, 2: warn})  # every voting sector WARN: said so, not "mixed"
    assert both["verdict"] == "WARN" and "every voting sector (1, 2)" in both["reason"] and "mixed" not in both["reason"]
    one = v10_dataset_vote({7: warn})  # one voting sector: its own reason
    assert one["verdict"] == "WARN" and one["reason"].startswith("sector 7: ")


def test_aperture_sums_and_windows_against_direct_sums():
    rng = np.random.default_rng(5)
    n_t, shape = 3000, (7, 6)
    time = 1000.0 + np.arange(n_t) * (2.0 / 1440.0)
    flux = rng.normal(100.0, 1.0, (n_t, *shape))
    tp = TransitParams(2.0, 1001.0, 3.0)
    dt = (time - tp.t0 + 0.5 * tp.period) % tp.period - 0.5 * tp.period
    flux[np.abs(dt) <= tp.duration / 48.0] *= 1.0 - 0.01  # a 1 % box in every pixel
    masks = np.array([circle(shape, 2.0, 3.0, r) for r in (1.0, 2.0)])
    sums = aperture_sums(pixel_matrix(flux), masks)
    assert np.allclose(sums[1], flux[:, masks[1]].sum(axis=1))
    wd = window_depths(WindowSummer(time, sums, np.ones(n_t, bool)), np.array([tp.t0, tp.t0 + tp.period]),
                       tp.duration / 24.0)
    assert np.allclose(wd.depth, 0.01, atol=2e-3) and np.all(wd.n_in > 0)
    pix = pixel_matrix(flux)
    fit = np.abs(dt) > 0.2
    out, slopes, centre = decorrelate_pointing(sums, moment_weights(shape) @ pix.T, fit)
    assert np.allclose(out[:, fit].mean(axis=1), sums[:, fit].mean(axis=1), rtol=1e-9) and slopes.shape == (2, 2)


def test_calibrated_p_counts_and_extrapolates():
    fakes = np.arange(1.0, 21.0)
    p, counted, extrap = calibrated_p(10.5, fakes, 5)
    assert p == counted == pytest.approx(11 / 21) and not extrap
    p, counted, extrap = calibrated_p(200.0, fakes, 5)
    assert extrap and p <= 1 / 21 and counted == pytest.approx(1 / 21)
    assert math.isnan(calibrated_p(1.0, np.array([np.nan]), 5)[0])


def test_plot_and_simulated_mark(s83, cat):
    import matplotlib.pyplot as plt

    r = run_v10(s83, REAL, catalogue=cat)
    ax = r.plot()
    assert ax.get_ylabel().startswith("transit depth") and not [t for t in ax.texts if t.get_gid() == "simulated-mark"]
    sim = dataclasses.replace(r, simulated=True).plot()
    assert [t for t in sim.texts if t.get_gid() == "simulated-mark"]
    plt.close("all")
    assert "no aperture depths" in str(run_v10(None, REAL).plot())


def test_flags_saturation_and_one_transit(s83, cat):
    bright = dataclasses.replace(s83, flux=s83.flux * 4.0)  # peak pixel beyond 150 000 e-/s
    r = run_v10(bright, REAL, catalogue=cat)
    assert "SATURATION_RISK" in r.flags and r.metrics["depth_ppm_aperture_min"] == pytest.approx(240.08, abs=0.05)
    t = np.asarray(s83.time)
    half = t < 0.5 * (t[0] + t[-1])  # the first half of the sector holds one of the two transits
    one = run_v10(dataclasses.replace(s83, time=t[half], flux=s83.flux[half], flux_err=None,
                                      quality=np.asarray(s83.quality)[half]), REAL, catalogue=cat)
    assert "FEW_TRANSITS" in one.flags and one.metrics["n_transit_epochs"] == 1


@pytest.mark.parametrize("n", [3, 4, 5, 44, 62])
def test_row_medians_are_numpys(n):
    # the annulus background's one-partition median equals np.median, ties and odd/even widths included
    from toi5807.aperture.reference import _row_medians

    a = np.random.default_rng(n).normal(size=(500, n))
    a[::7, 0] = a[::7, -1]
    np.testing.assert_array_equal(_row_medians(a.copy()), np.median(a, axis=1))



def test_an_uncatalogued_blend_in_real_s83_is_not_failed_on_a_star_the_difference_images_exclude(s83):
    # fault reproduction: a 256-ppm eclipsing source 48″ north of the target (not in the out-of-transit image, so
    # in no catalogue) at an empty epoch; the difference images put it 25σ from the target "on no catalogue star",
    # and the verdict was FAIL "V10 names the same host (image star 3)" although they exclude image star 3
    from toi5807.data.model import Dataset

    eph = sh.Ephemeris(period_days=REAL.period, t0_btjd=REAL.t0 + 0.3 * REAL.period, duration_hours=REAL.duration)
    own = sh.Ephemeris(period_days=REAL.period, t0_btjd=REAL.t0, duration_hours=REAL.duration)
    inj = sh.inject_eclipsing_source(s83, eph, east_arcsec=0.0, north_arcsec=48.0, aperture_depth_ppm=256.0,
                                     target_ephemeris=own)
    res = sh.vet_pixels(Dataset({}, {83: inj}, source="tutorial"), eph)
    assert res.checks["verdict_difference_images"] == "WARN" and "on no catalogue star" in res.reason
    assert res.verdict == "WARN" and "names the same host" not in res.reason  # never PASS, never a false name
