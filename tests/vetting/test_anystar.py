"""Vetting a star that is not TOI-5807, and the "cannot judge" cases that must never PASS (fault reproductions)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from stamps import DEC, DURATION_H, PERIOD, RA, T0, TIC, TP, make_stamp, make_wcs  # noqa: E402

from toi5807.centroid.check import run_v08  # noqa: E402
from toi5807.data.geometry import DEFAULT_TARGET_NOTE  # noqa: E402
from toi5807.data.model import Dataset  # noqa: E402
from toi5807.vetting.vet import vet_pixels  # noqa: E402


@pytest.fixture(scope="module")
def stamp():
    return make_stamp()


def _nominal_pass(res) -> bool:
    """The made-up star (P = 3 d, D = 3 h, 24 days) has only 4 independent fake ephemerides: its tests cannot be
    calibrated, so a verdict whose nominal tests say PASS is WARN "cannot calibrate" (issue 28; was PASS)."""
    return (res.verdict == "WARN" and "cannot calibrate: 4 independent fakes" in res.reason
            and "would have said PASS" in res.reason and not res.all_tests_calibrated)


def _in_transit(stamp, half_width_days):
    ph = ((stamp.time - T0 + 0.5 * PERIOD) % PERIOD) - 0.5 * PERIOD
    return np.abs(ph) < half_width_days


def test_other_star_vetted_around_its_own_position(stamp):
    res = vet_pixels(stamp, TP)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["target"] == {"tic_id": TIC, "ra_deg": RA, "dec_deg": DEC, "origin": "file"}
    assert _nominal_pass(res), res.reason
    assert d["all_tests_calibrated"] is False and {t["name"] for t in d["combined"]["tests"]} >= {"dip",
                                                                                                   "offset_from_target"}
    assert all(not t["calibrated"] and t["n_independent_fakes"] == 4 for t in d["sectors"]["61"]["tests"])
    assert res.sectors[61].localization.target_radec == (RA, DEC)
    assert DEFAULT_TARGET_NOTE not in res.notes
    assert any("no light curves" in n for n in res.notes)  # a stamp alone: depth unknown, said so


def test_inputs_list_dict_dataset_agree_and_bad_inputs_are_named(stamp):
    verdicts = {_nominal_pass(vet_pixels(x, TP)) for x in ([stamp], {61: stamp}, Dataset(lc_by_sector={},
                                                                                         tpf_by_sector={61: stamp}))}
    assert verdicts == {True}
    for bad in (None, "sector83.fits", 3.0):
        with pytest.raises(TypeError, match=f"got {type(bad).__name__}.*|TPFStamp") as info:
            vet_pixels(bad, TP)
        assert "Dataset" in str(info.value) and "TPFStamp" in str(info.value)


def test_other_star_needs_a_candidate(stamp):
    with pytest.raises(ValueError, match=r"pass candidate= \(period_days, t0_btjd, duration_hours\)"):
        vet_pixels(stamp)
    assert _nominal_pass(vet_pixels(stamp, (PERIOD, T0, DURATION_H)))


@pytest.mark.parametrize("keep", [1, 3, 4])
def test_a_too_few_in_transit_cadences_never_pass(stamp, keep):
    q = np.where(_in_transit(stamp, DURATION_H / 24.0), 128, 0)  # manual exclude, wider than any window
    q[np.flatnonzero(_in_transit(stamp, DURATION_H / 48.0))[10:10 + keep]] = 0  # keep `keep` mid-transit
    r = run_v08(dataclasses.replace(stamp, quality=q), TP)
    assert r.metrics["n_in_transit_cadences"] == keep
    assert r.verdict == "WARN" and "LOW_N_IN_TRANSIT" in r.flags and r.metrics["significance_sigma"] is None
    assert any("too few cadences" in w for w in r.warnings)


def test_b_one_row_stamp_is_degenerate(stamp):
    one = dataclasses.replace(stamp, flux=stamp.flux[:, 5:6, :], flux_err=stamp.flux_err[:, 5:6, :],
                              aperture_mask=stamp.aperture_mask[5:6], wcs=make_wcs(centre=(5.0, 0.0)))
    r = run_v08(one, TP)
    assert r.verdict == "WARN" and "DEGENERATE_SIGNIFICANCE" in r.flags


def test_c_nan_frames_dropped_one_by_one_and_still_localized(stamp):
    f = stamp.flux.copy()
    f[::7] = np.nan
    bad = dataclasses.replace(stamp, flux=f)
    n_nan = len(range(0, stamp.time.size, 7))
    r = run_v08(bad, TP)
    assert r.status == "ok" and r.details["n_nan_frames_dropped"] == n_nan
    res = vet_pixels(bad, TP)
    loc = res.sectors[61].localization
    assert loc.usable and f"{n_nan} frame(s) with non-finite flux dropped" in loc.reason
    assert _nominal_pass(res), res.reason


def test_d_singular_and_absurd_wcs_warn_with_the_reason(stamp):
    w = make_wcs()
    w.wcs.cdelt = [0.0, 0.0]
    res = vet_pixels(dataclasses.replace(stamp, wcs=w), TP)
    assert res.verdict == "WARN" and "singular WCS" in res.reason
    big = dataclasses.replace(stamp, wcs=make_wcs(scale_arcsec=21.0 * 50))
    res = vet_pixels(big, TP)
    assert res.verdict == "WARN" and "implausible pixel scale 1050″/px" in res.reason and "15–25″/px" in res.reason
    assert "WCS_UNUSABLE" in run_v08(big, TP).flags


def test_e_no_wcs_is_named_as_such(stamp):
    from astropy.wcs import WCS

    for w in (None, WCS(naxis=2)):  # astropy builds the latter from a header without WCS keywords
        res = vet_pixels(dataclasses.replace(stamp, wcs=w), TP)
        assert res.verdict == "WARN" and "no WCS in file" in res.reason and "off the stamp" not in res.reason


@pytest.mark.parametrize("fill", [0.0, np.nan])
def test_f_empty_cubes_flag_no_usable_pixels(stamp, fill):
    empty = dataclasses.replace(stamp, flux=np.full_like(stamp.flux, fill))
    r = run_v08(empty, TP)
    assert r.status == "skipped" and r.flags == ("NO_USABLE_PIXELS",)
    res = vet_pixels(empty, TP)
    assert res.verdict == "WARN" and "NO_USABLE_PIXELS" in res.reason


def test_g_no_transit_gives_a_unit_hint(stamp):
    from toi5807.lightcurve import TransitParams

    r = run_v08(stamp, TransitParams(PERIOD * 24.0, T0 - 7 * PERIOD, DURATION_H))  # period given in hours
    assert r.status == "skipped" and r.flags == ("NO_IN_TRANSIT_CADENCES",)
    assert "hours" in r.warnings[-1] or "units" in r.warnings[-1]
