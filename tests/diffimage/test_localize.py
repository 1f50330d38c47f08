"""Difference-image localization: windows, fits on known truth, verdicts, bad input, CLI, plots, calibration."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import toi5807 as sh
from toi5807 import target
from toi5807.data.catalogue import Catalogue, Star, query_gaia_catalogue
from toi5807.data.model import Dataset
from toi5807.lightcurve import TransitParams, local_windows
from toi5807.twin import load_spec, simulate_sector, twin_catalogue, twin_true_offsets
from toi5807.twin.geometry import catalogue_from_spec
from toi5807.calibration.localization import (
    localization_calibration,
    stamp_from_simulation,
)
from toi5807.diffimage.localize import localize_sector
from toi5807.vetting.vet import localization_verdict, vet_pixels

TP = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
CAD = 2.0 / 1440.0
D = target.DURATION_HOURS / 24.0


# ------------------------------------------------------------------ windows
def test_local_windows_full_shortened_and_dropped():
    t = np.arange(0.0, 10.0, CAD)
    q = np.zeros(t.size, dtype=np.int32)
    good = ~((t > 2.0 + 1.6 * D) & (t < 2.0 + 1.7 * D))  # a gap inside the after-window of the transit at 2.0
    q[np.argmin(np.abs(t - (5.0 - 1.2 * D)))] = 32  # a momentum dump inside the before-window of 5.0
    w = local_windows(t, [2.0, 5.0, 8.0, 9.9], D, good=good, quality=q)
    assert list(w.status) == ["shortened", "baseline_too_short", "ok", "baseline_too_short"]
    n = w.counts()
    assert n[2, 1] == n[2, 2] == pytest.approx(1.5 * D / CAD, abs=1)  # full 1.0–2.5 D on both sides
    assert n[0, 1] == n[0, 2]  # shortened to equal lengths on both sides
    assert 0.5 * D <= w.baseline_days[0] < 0.7 * D
    assert "gap or momentum dump" in w.reason[0] and "both sides" in w.reason[1]
    # the in-transit window |Δt| < 0.4 D
    assert n[2, 0] == pytest.approx(0.8 * D / CAD, abs=1)
    assert list(w.usable) == [True, False, True, False]


def test_local_windows_dump_given_as_times_and_no_in_transit():
    t = np.arange(0.0, 4.0, CAD)
    w = local_windows(t, [2.0], D, dump_times=[2.0 + 1.3 * D])
    assert w.status[0] == "baseline_too_short"
    good = np.abs(t - 2.0) > 0.3 * D  # most in-transit cadences missing
    w = local_windows(t, [2.0], D, good=good)
    assert w.status[0] == "no_in_transit"
    with pytest.raises(ValueError, match="duration_days"):
        local_windows(t, [2.0], -1.0)


# ------------------------------------------------------------------ catalogue
def test_catalogue_star_validation_and_offsets():
    with pytest.raises(ValueError, match="dec_deg"):
        Star("x", 10.0, 95.0)
    with pytest.raises(TypeError, match="label"):
        Star("", 10.0, 5.0)
    s = Star("a", 10.0, 0.0, tmag=10.0)
    assert s.flux_e_per_s == pytest.approx(15000.0)
    cat = Catalogue((Star("target", 10.0, 0.0), Star("b", 10.0 + 10 / 3600.0, 0.0)))
    np.testing.assert_allclose(cat.offsets_arcsec()[1], [10.0, 0.0], atol=1e-9)
    assert query_gaia_catalogue(10.0, 0.0)[0] is None  # no network: a clean skip, never an exception


def test_twin_catalogue_holds_the_beb_host_at_its_true_offset():
    cat = twin_catalogue()
    assert cat.simulated and cat.stars[0].label == "target"
    truth = twin_true_offsets([83])[83].vector_arcsec
    sep = np.hypot(*(cat.offsets_arcsec() - np.array(truth)).T)
    assert np.min(sep) < 0.5
    assert len({s.label for s in cat.stars}) == len(cat)


# ------------------------------------------------------------------ known truth on the twin
@pytest.fixture(scope="module")
def beb83():
    return stamp_from_simulation(simulate_sector(83, seed=7, scenario="background_eb"))


@pytest.fixture(scope="module")
def planet83():
    return stamp_from_simulation(simulate_sector(83, seed=7, scenario="planet"))


def test_beb_sector_located_on_its_host(beb83):
    loc = localize_sector(beb83, TP)
    truth = np.array(twin_true_offsets([83])[83].vector_arcsec)
    err = np.hypot(*(np.array(loc.offset_arcsec) - truth))
    assert loc.usable and loc.n_transits == 2
    assert err < 3.0  # the per-sector target of issue 12
    assert loc.fit.offset_sigma > 10.0
    # the reported 1σ is honest: the error is within 4σ of the reported covariance
    d = np.array(loc.offset_arcsec) - truth
    assert d @ np.linalg.solve(np.array(loc.covariance_arcsec2), d) < 16.0
    # each transit alone also finds it
    for tr in loc.transits:
        assert tr.fit.converged and np.hypot(*(np.array(tr.offset_arcsec) - truth)) < 5.0


def test_planet_sector_consistent_with_target(planet83):
    loc = localize_sector(planet83, TP)
    assert loc.usable and loc.fit.offset_sigma < 3.0
    # the fitted flux loss matches the twin's ≈256 ppm aperture dip on ≈2.6e5 e-/s (within 3σ)
    assert abs(loc.fit.amplitude - 256e-6 * 2.63e5) < 3 * loc.fit.amplitude_err + 10.0


def test_vet_pixels_fail_on_beb_pass_on_planet(beb83, planet83):
    s82b = stamp_from_simulation(simulate_sector(82, seed=7, scenario="background_eb"))
    s82p = stamp_from_simulation(simulate_sector(82, seed=7, scenario="planet"))
    beb = vet_pixels(Dataset({}, {82: s82b, 83: beb83}, source="twin", catalogue=twin_catalogue()))
    assert beb.verdict == "FAIL"
    d = beb.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["simulated"] is True
    host = next(s.name for s in catalogue_from_spec(load_spec()) if s.eclipsing)
    assert d["combined"]["most_likely_host"] == host
    assert abs(d["combined"]["host_separation_arcsec"] - 48.0) < 3.0
    assert d["combined"]["offset_sigma"] >= 3.0 and d["combined"]["dof_between_sectors"] == 2
    for key in ("verdict", "n_transits", "v08_metrics", "source_ra_deg", "source_dec_deg",
                "source_offset_arcsec", "source_offset_sigma"):
        assert key in d["sectors"]["83"]
    for key in ("source_ra_deg", "source_dec_deg", "error_ellipse", "offset_from_target_arcsec",
                "offset_sigma", "chi2_between_sectors", "most_likely_host", "host_separation_arcsec"):
        assert key in d["combined"]
    planet = vet_pixels(Dataset({}, {82: s82p, 83: planet83}, source="twin", catalogue=twin_catalogue()))
    assert planet.verdict == "PASS", planet.reason
    assert planet.to_dict()["combined"]["most_likely_host"] == "target"
    assert "SIMULATED" in repr(planet)


# ------------------------------------------------------------------ the verdict rule
def test_verdict_rule_cases():
    tgt = {"label": "target", "sigma": 0.5, "could_produce_depth": True, "separation_arcsec": 0.0}
    nb = {"label": "n", "sigma": 0.8, "could_produce_depth": True, "separation_arcsec": 40.0}
    far = dict(nb, sigma=8.0)
    faint = dict(nb, could_produce_depth=False)
    assert localization_verdict(5.0, [nb, tgt], 20.0)[0] == "FAIL"
    assert localization_verdict(5.0, [far, tgt], 20.0)[0] == "WARN"
    assert localization_verdict(1.0, [tgt, nb], 20.0)[0] == "WARN"
    assert localization_verdict(1.0, [tgt, far], 20.0)[0] == "PASS"
    assert localization_verdict(1.0, [tgt, faint], 20.0)[0] == "PASS"
    assert localization_verdict(1.0, [tgt, far], 2.0)[0] == "WARN"  # no significant dip
    assert localization_verdict(5.0, [nb], 20.0, p_between=1e-4)[0] == "WARN"  # sectors disagree
    assert localization_verdict(1.0, [tgt], 20.0, usable=False, why_unusable="x")[1] == "x"


# ------------------------------------------------------------------ bad input: WARN with a reason, no exception
def _one(stamp) -> dict:
    r = vet_pixels(Dataset({}, {stamp.sector: stamp}, source="twin", catalogue=twin_catalogue()))
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    return d


def test_no_out_of_transit_next_to_transit(planet83):
    t = planet83.time
    epoch = np.round((t - TP.t0) / TP.period)
    dt = np.abs(t - (TP.t0 + epoch * TP.period))
    q = np.array(planet83.quality)
    q[(dt > 0.7 * D) & (dt < 2.6 * D)] |= 128  # every local baseline flagged out
    d = _one(type(planet83)(time=t, flux=planet83.flux, flux_err=planet83.flux_err, quality=q, wcs=planet83.wcs,
                            sector=83, provenance={"simulated": True}))
    assert d["verdict"] == "WARN" and d["sectors"]["83"]["verdict"] == "WARN"
    assert "local baseline" in d["sectors"]["83"]["reason"]


def test_nan_frames_dropped_and_all_nan_warns(planet83):
    flux = np.array(planet83.flux)
    flux[::50] = np.nan
    loc = localize_sector(type(planet83)(time=planet83.time, flux=flux, flux_err=planet83.flux_err,
                                         quality=planet83.quality, wcs=planet83.wcs, sector=83), TP)
    n_nan = len(range(0, flux.shape[0], 50))  # dropped frame by frame before the difference images
    assert loc.usable and f"{n_nan} frame(s) with non-finite flux dropped" in loc.reason
    flux[:] = np.nan
    d = _one(type(planet83)(time=planet83.time, flux=flux, wcs=planet83.wcs, sector=83,
                            provenance={"simulated": True}))
    assert d["verdict"] == "WARN" and d["sectors"]["83"]["status"] == "skipped"


def test_fit_that_does_not_converge_warns(beb83):
    r = vet_pixels(Dataset({}, {83: beb83}, source="twin", catalogue=twin_catalogue()), max_iterations=1)
    assert r.verdict == "WARN" and "did not converge" in r.sectors[83].reason


def test_stamp_without_wcs_warns(beb83):
    st = type(beb83)(time=beb83.time, flux=beb83.flux, flux_err=beb83.flux_err, quality=beb83.quality,
                     sector=83, provenance={"simulated": True})
    d = _one(st)
    assert d["verdict"] == "WARN" and "no_wcs" in d["sectors"]["83"]["reason"]
    assert d["sectors"]["83"]["source_ra_deg"] is None


def test_empty_dataset_warns():
    lc = sh.LightCurve(time=np.arange(10.0), flux=np.ones(10), flux_err=np.ones(10), quality=np.zeros(10), sector=83)
    r = vet_pixels(Dataset({83: lc}, {}, source="local"))
    assert r.verdict == "WARN" and "no target-pixel stamps" in r.reason


# ------------------------------------------------------------------ plots, CLI, calibration
def test_plot_diffimages_marks_simulated(beb83):
    import matplotlib.pyplot as plt
    from toi5807.plots import plot_diffimages

    r = vet_pixels(Dataset({}, {83: beb83}, source="twin", catalogue=twin_catalogue()))
    fig = plot_diffimages(r)
    ax = fig.axes[0]
    assert ax.collections, "no difference image drawn"
    assert any(t.get_gid() == "simulated-mark" for t in ax.texts + fig.texts)
    labels = [t.get_text() for t in ax.texts]
    assert any(lab.startswith("background EB host") for lab in labels)
    assert any("fitted source" in h.get_label() for h in ax.get_lines())
    plt.close(fig)


def test_cli_vet_json_on_a_local_twin_folder(tmp_path, capsys):
    from toi5807.__main__ import main
    from toi5807.twin import write_twin_fits

    write_twin_fits(tmp_path, seed=3, scenario="background_eb", sectors=[83])
    assert main(["vet", "--source", "local", "--path", str(tmp_path), "--sectors", "83", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] in ("FAIL", "WARN") and d["simulated"] is True
    assert d["sectors"]["83"]["verdict"] == "FAIL"
    assert main(["vet", "--source", "local", "--path", str(tmp_path), "--sectors", "83"]) == 0
    assert "verdict:" in capsys.readouterr().out


def test_calibration_tiny_run():
    r = localization_calibration(planet_seeds=[11], beb_seeds=[12], injection_seeds=[13], separations_arcsec=[45.0],
                                 depths_ppm=[256.0], position_angles_deg=[90.0], sectors=[83], progress=False)
    json.dumps(r, allow_nan=False)
    assert r["simulated"] is True and r["planet"]["false_alarm_sector"]["n"] == 1
    assert r["background_eb"]["most_likely_hosts"] == {r["background_eb"]["true_host"]: 1}
    assert r["background_eb"]["median_error_sector_arcsec"] < 3.0
    row = r["injection_recovery"][0]
    assert row["detection_fraction"] == 1.0 and row["median_error_sector_arcsec"] < 5.0
    assert math.isfinite(r["planet"]["median_crb_sector_arcsec"])
