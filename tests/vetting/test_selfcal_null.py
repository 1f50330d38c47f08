"""Self-calibration on fake epochs (toi5807.vetting.selfcal): known-truth nulls and the real sector-83 pixels."""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import numpy as np
import pytest
from toi5807.data.model import Dataset
from toi5807.data.readers import read_tpf_fits
from toi5807.lightcurve import Ephemeris, TransitParams
from toi5807.lightcurve import independent_count
from toi5807.vetting.selfcal import (FAKE_STEP_DURATIONS, NullCalibration, _fit_null, fake_epoch_offsets,
                                     n_independent_fakes)
from toi5807.vetting.vet import vet_pixels

P, T0, DH = 14.2423724, 3540.26317, 4.046


def test_fake_offsets_stay_clear_of_the_real_transits():
    tp = TransitParams(P, T0, DH)
    off = fake_epoch_offsets(tp, step_durations=FAKE_STEP_DURATIONS)
    d = DH / 24
    assert off.size == 77  # k·1.0 durations, k = 4 … 80 (P = 84.5 durations)
    assert np.all(off >= 3.5 * d - 1e-9) and np.all(off <= P - 3.5 * d)
    assert np.allclose(np.diff(off), d)
    assert fake_epoch_offsets(tp, step_durations=0.5).size == 155  # k·0.5 durations, k = 7 … 161
    assert fake_epoch_offsets(tp).size == 31  # the default, for full localizations: k·2.5 durations, k = 2 … 32
    assert n_independent_fakes(off.size) == 15 and n_independent_fakes(155, 0.5) == 15
    assert n_independent_fakes(31, 2.5) == 15 and n_independent_fakes(4) == 0
    with pytest.raises(ValueError, match="step_durations"):
        fake_epoch_offsets(tp, step_durations=0)


def test_fitted_null_recovers_a_known_inflation():
    rng = np.random.default_rng(3)
    z = rng.normal(1.0, 2.0, 4000)
    d = 3.0 * rng.chisquare(2, 4000)
    mu, s, k, nu = _fit_null(z, d)
    assert abs(mu - 1.0) < 0.1 and abs(s - 2.0) < 0.1 and abs(k - 3.0) < 0.3 and abs(nu - 2.0) < 0.2
    cal = NullCalibration(1, tuple(range(4000)), tuple(z), tuple(d), mu, s, k, nu)
    t = cal.offset_test(3.0 * 11.8)  # 11.8 = χ²₂ at p ≈ 0.27 % → ≈ 3.4σ after calibration, not 5.9σ
    assert 3.2 < t.sigma < 3.6 and t.nominal_sigma != t.nominal_sigma  # nominal not given → NaN
    a = cal.amplitude_test(mu + s * 3.0)  # the Gumbel law of a maximum: μ + 3s is p ≈ 1.2 %, not 0.135 %
    assert a.p_model == pytest.approx(-np.expm1(-np.exp(-(3 * np.pi / np.sqrt(6) + np.euler_gamma))), rel=1e-6)
    assert a.p_model == pytest.approx(0.011904, rel=1e-4) and a.n_null == 4000
    assert a.p_floor == pytest.approx(1 / 4001)
    json.dumps(cal.to_dict(), allow_nan=False)


def test_amplitude_null_is_the_law_of_a_maximum():
    """z = the largest of many correlated trial positions: Gumbel-distributed fakes are read back right."""
    rng = np.random.default_rng(4)
    z = rng.gumbel(2.0, 0.8, 20000)
    cal = NullCalibration(1, tuple(range(z.size)), tuple(z), tuple(np.ones(z.size)), float(z.mean()),
                          float(z.std(ddof=1)), n_independent=2000)
    for q in (0.1, 0.01, 0.001):
        x = 2.0 - 0.8 * np.log(-np.log1p(-q))  # the true (1 − q) quantile
        t = cal.amplitude_test(float(x), 9.9)
        assert t.p_model == pytest.approx(q, rel=0.05) and t.nominal_sigma == 9.9
        assert t.p_counted == pytest.approx((1 + np.sum(z >= x) * 2000 / z.size) / 2001)
    assert cal.amplitude_test(30.0).extrapolated and cal.amplitude_test(30.0).sigma > 5


@pytest.fixture(scope="module")
def real_s83():
    """The real sector-83 stamp: from TOI5807_REAL_TPF_DIR when set, else the one shipped in the package."""
    value = os.environ.get("TOI5807_REAL_TPF_DIR")
    if value and (Path(value) / "sector83_tpf.fits").is_file():
        return read_tpf_fits(Path(value) / "sector83_tpf.fits")
    import toi5807 as sh

    return sh.load_dataset().tpf_by_sector[83]


@pytest.mark.real_data
def test_real_transit_still_passes_calibrated(real_s83):
    r = vet_pixels(Dataset({}, {83: real_s83}, source="local"), Ephemeris(P, T0, DH))
    assert r.verdict == "PASS", r.reason
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    cal = d["calibration"]
    assert cal["used"] and cal["offset"]["sigma"] < 3.0 and cal["amplitude_sigma"] >= 3.0
    s = d["sectors"]["83"]["calibration"]
    n_ind = s["null"]["n_independent"]
    # block count of the fakes used (issue 28: fakes across the whole sector, gaps skipped → more than n/5)
    assert s["null"]["n_null"] >= 60 and n_ind == independent_count(s["null"]["offsets_days"], DH / 24.0) >= 10
    assert s["amplitude"]["p_floor"] == pytest.approx(1 / (1 + n_ind))  # the floor counts independent fakes only
    # the real epoch is read with the fakes' grid statistic, which agrees with the nonlinear fit's numbers
    assert abs(s["amplitude"]["statistic"] - s["amplitude"]["nominal_sigma"]) < 0.05
    f = r.sectors[83].localization.fit
    assert abs(s["offset"]["statistic"] - f.delta_chi2_target) < 0.1


@pytest.mark.real_data
def test_real_empty_epochs_are_warn_no_dip(real_s83):
    """40 fake mid-transit times (the full 200-epoch study is benchmarks/empty_epochs_real.py). The stars found in
    the out-of-transit image are found once (the first epoch's) and given to the others: the null is what is tested."""
    ds = Dataset({}, {83: real_s83}, source="local")
    d = DH / 24
    counts, reasons = collections.Counter(), collections.Counter()
    catalogue = None
    for o in np.linspace(4 * d, P - 4 * d, 40):
        r = vet_pixels(ds, Ephemeris(P, T0 + o, DH), catalogue=catalogue)
        catalogue = r.catalogue
        counts[r.verdict] += 1
        # also when the position fit found no dimming source (did not converge): the grid fit's dip says why
        reasons["no significant dip" in r.reason] += 1
    print(dict(counts))
    assert counts["FAIL"] <= 1 and counts["PASS"] <= 1
    assert reasons[True] >= 38
