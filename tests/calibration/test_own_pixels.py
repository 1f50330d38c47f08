"""Calibration on the user's own pixels (real sector 83): exact counts, a known-truth injection, a JSON record."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import toi5807 as sh
from toi5807.calibration.own_pixels import calibrate_own_pixels

pytestmark = pytest.mark.real_data

SMALL = dict(n_empty=6, separations_arcsec=(10.0, 42.0), depths_ppm=(2000.0, 250.0), n_angles=2, seed=3,
             progress=False)


@pytest.fixture(scope="module")
def ds():
    return sh.load_dataset()


@pytest.fixture(scope="module")
def vet(ds):
    return sh.vet_pixels(ds)


@pytest.fixture(scope="module")
def cal(ds, vet):
    return calibrate_own_pixels(ds, vet_result=vet, **SMALL)


def _no_nan(obj) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_no_nan(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_no_nan(v) for v in obj)
    return True


def test_json_round_trip_without_nan_and_labelled_real(cal):
    d = cal.to_dict()
    text = json.dumps(d, sort_keys=True, allow_nan=False)
    assert json.loads(text) == d and _no_nan(d)
    assert d["label"] == "real pixels" and d["simulated"] is False and not cal.sectors[83].simulated
    assert set(d["definitions"]) >= {"significant_dip", "position_error_arcsec", "method"}
    assert "real pixels" in repr(cal) and len(repr(cal).splitlines()) <= 5


def test_counts_add_up(cal):
    sc = cal.sectors[83]
    fa = sc.false_alarms()
    assert fa["n"] == 6 == sum(fa["counts"].values()) == len(sc.empty)
    assert len({e["offset_days"] for e in sc.empty}) == 6
    assert len(sc.trials) == 2 * 2 * 2 and sum(c["n_trials"] for c in sc.cells()) == 8
    for c in sc.cells():
        assert c["n_injected"] + c["n_not_injectable"] == c["n_trials"] == 2
        assert sum(c["verdict_counts"].values()) == c["n_injected"]
        assert c["localized"]["k"] <= c["detection"]["k"] <= c["detection"]["n"]
    rows = cal.table()
    assert len(rows) == 4 and {r["empty_epochs_PASS_WARN_FAIL"] for r in rows} == {
        "/".join(str(fa["counts"][k]) for k in ("PASS", "WARN", "FAIL"))}
    # every empty epoch keeps clear of the real transits (3.5 durations)
    tp = sh.Ephemeris(**{k: cal.candidate[k] for k in ("period_days", "t0_btjd", "duration_hours")})
    offs = np.array([e["offset_days"] for e in sc.empty])
    assert np.all(np.minimum(offs, tp.period_days - offs) >= 3.5 * tp.duration_hours / 24 - 1e-9)


def test_deep_injection_at_two_pixels_is_found_and_never_passes(cal):
    deep = [t for t in cal.sectors[83].trials if t["aperture_depth_ppm"] == 2000.0 and t["separation_arcsec"] == 42.0]
    assert len(deep) == 2
    for t in deep:
        assert t["status"] == "ok" and t["detected"] and t["usable"], t
        assert t["error_arcsec"] < 3.0, t
        assert t["verdict"] != "PASS", t
        east, north = t["injected_east_north_arcsec"]
        assert math.hypot(east, north) == pytest.approx(42.0)
    cell = next(c for c in cal.sectors[83].cells()
                if c["aperture_depth_ppm"] == 2000.0 and c["separation_arcsec"] == 42.0)
    assert cell["detection"]["k"] == 2 and cell["median_error_arcsec"] < 3.0 and cell["pass"]["k"] == 0


def test_same_seed_same_dict_other_seed_other_angles(ds, vet, cal):
    again = calibrate_own_pixels(ds, vet_result=vet, **SMALL).to_dict()
    first = cal.to_dict()
    assert again == first and "runtime_s" not in first  # byte-identical records: no clock in them
    other = calibrate_own_pixels(ds, vet_result=vet, **{**SMALL, "seed": 4, "n_empty": 1})
    pa = lambda c: [t["position_angle_deg"] for t in c.sectors[83].trials]  # noqa: E731
    assert pa(other) != pa(cal)


@pytest.mark.parametrize("kw, name", [
    ({"n_angles": 0}, "n_angles"), ({"n_empty": 0}, "n_empty"), ({"n_empty": 1000}, "n_empty"),
    ({"separations_arcsec": [-5.0]}, "separations_arcsec"), ({"depths_ppm": ["deep"]}, "depths_ppm"),
    ({"depths_ppm": []}, "depths_ppm"), ({"seed": -1}, "seed"), ({"n_angles": 2.5}, "n_angles"),
])
def test_bad_parameters_are_named(ds, vet, kw, name):
    with pytest.raises(ValueError, match=name):
        calibrate_own_pixels(ds, vet_result=vet, **{**SMALL, **kw})


def test_figure_says_real_pixels_and_carries_no_simulated_mark(cal):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = cal.plot()
    texts = [a.get_title() for a in fig.axes] + [fig._suptitle.get_text()]
    assert len([a for a in fig.axes if a.get_title()]) == 4
    assert all("real pixels" in t for t in texts if t) and not any("SIMULATED" in t for t in texts)
    assert not [t for a in fig.axes for t in a.texts if t.get_gid() == "simulated-mark"]
    plt.close(fig)


def test_an_injected_epoch_without_a_calibrated_null_is_never_pass_or_fail(ds, vet):
    """The per-epoch verdict of the own-pixel study goes through the same gate as vet_pixels: the real transit's
    localization read with a null that has no fakes is WARN and says it cannot calibrate (before the gate: a WARN
    that read as a calibrated judgement, from the nominal tests alone)."""
    from toi5807.calibration.own_pixels import _judge
    from toi5807.vetting.nulls import NullCalibration

    loc = vet.sectors[83].localization
    out = _judge(loc, NullCalibration(83, flags=("too_few_fake_epochs_3",)), vet.catalogue)
    assert out["verdict"] == "WARN" and out["reason"].startswith("cannot calibrate: 0 independent fakes")
