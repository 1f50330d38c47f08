"""Property-based tests (hypothesis) of the readers and the V08 entry points: whatever the input, the outcome is a
valid object or a ValueError/TypeError that names the input and stays short — never a crash, never a silent PASS.

Bounded to a few seconds: few examples, derandomized (same examples every run), no example database.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toi5807.data.model import LightCurve, TPFStamp
from toi5807.data.readers import read_lc_csv
from toi5807.lightcurve import TransitParams
from toi5807.centroid import CentroidShiftConfig, run_v08, v08_verdict
from toi5807.centroid.source_offset import stamp_depth

FAST = settings(max_examples=30, deadline=3000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MAX_MESSAGE = 2000

_cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-2**70, 2**70).map(str),
    st.sampled_from(["", "nan", "abc", "1e308", "-0", "2460000.5", "3000.0"]),
)
_row = st.lists(_cell, min_size=3, max_size=5).map(",".join)


@FAST
@given(rows=st.lists(_row, min_size=0, max_size=12), sector=st.sampled_from(["55", "55.7", "-3", "x", "99999"]))
def test_csv_reader_returns_valid_data_or_a_short_named_error(tmp_path_factory, rows, sector):
    path = tmp_path_factory.mktemp("csv") / "sector55_pdcsap.csv"
    path.write_text(f"# sector: {sector}\ntime_btjd,flux,flux_err,quality\n" + "\n".join(rows) + "\n")
    try:
        lc = read_lc_csv(path)
    except ValueError as exc:
        assert str(exc).startswith("sector55_pdcsap.csv: ") and len(str(exc)) <= MAX_MESSAGE
        return
    t = lc.time[np.isfinite(lc.time)]
    assert t.size and 1000.0 <= t.min() and t.max() <= 10000.0 and np.unique(t).size == t.size
    assert lc.quality.dtype == np.int32 and np.all(lc.quality >= 0) and lc.sector == 55
    assert not np.isinf(lc.flux).any() and np.all(np.abs(lc.flux[np.isfinite(lc.flux)]) <= 1e12)


@FAST
@given(time=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=8),
       quality=st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=8),
       sector=st.one_of(st.integers(-5, 2**66), st.floats(), st.booleans(), st.text(max_size=3)))
def test_light_curve_model_is_valid_or_refuses(time, quality, sector):
    n = len(time)
    try:
        lc = LightCurve(time=time, flux=np.ones(n), flux_err=np.ones(n), quality=(quality * n)[:n], sector=sector)
    except (ValueError, TypeError) as exc:
        assert len(str(exc)) <= MAX_MESSAGE
        return
    assert 1 <= lc.sector <= 9999 and lc.quality.dtype == np.int32
    fin = lc.time[np.isfinite(lc.time)]
    assert np.unique(fin).size == fin.size and not np.isinf(lc.time).any()


def _stamp(seed: int, n: int, scale: float, nan_fraction: float, shift: float, noise: float):
    rng = np.random.default_rng(seed)
    t = 2000.0 + np.arange(n) * (30.0 / 1440.0)
    tp = TransitParams(2.0, 2000.6, 3.0)
    yy, xx = np.mgrid[0:5, 0:5]
    inside = np.abs(((t - tp.t0 + 1.0) % 2.0) - 1.0) <= tp.duration_days / 2
    x0 = 2.0 + shift * inside
    img = np.exp(-0.5 * ((xx[None] - x0[:, None, None]) ** 2 + (yy[None] - 2.0) ** 2))
    flux = scale * (img + noise * rng.standard_normal(img.shape))
    flux[rng.random(n) < nan_fraction] = np.nan
    return t, flux, tp


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 400),
       scale=st.sampled_from([1e-300, 1e-6, 1.0, 1e4, 1e11]), nan_fraction=st.sampled_from([0.0, 0.3, 1.0]),
       shift=st.sampled_from([0.0, 0.05, 1.5]), noise=st.sampled_from([0.0, 1e-3, 0.1]),
       method=st.sampled_from(["empirical", "bootstrap", "analytic", "permutation"]))
def test_run_v08_never_crashes_and_never_passes_silently(seed, n, scale, nan_fraction, shift, noise, method):
    t, flux, tp = _stamp(seed, n, scale, nan_fraction, shift, noise)
    cfg = CentroidShiftConfig(significance_method=method, n_bootstrap=200, seed=np.int64(seed % 1000))
    res = run_v08(TPFStamp(time=t, flux=flux, sector=55), tp, config=cfg)
    json.dumps(res.to_dict(), allow_nan=False)  # JSON-safe whatever happened
    assert res.status in ("ok", "skipped")
    if res.status == "skipped":
        assert res.verdict is None and res.flags
        return
    m = res.metrics
    assert m["n_in_transit_cadences"] > 0 and m["n_out_of_transit_cadences"] > 0
    if res.verdict == "PASS" and "significance_not_computed_insufficient_cadences" not in res.warnings:
        assert m["significance_sigma"] is not None and m["shift_uncertainty_pixels"] > 0


@FAST
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-310, 1e-200, 1e-3, 1e3, 1e200, 1e300]))
def test_stamp_depth_is_scale_free_and_never_raises(seed, scale):
    t, flux, tp = _stamp(seed, 300, 1.0, 0.0, 0.0, 0.01)
    flux[np.abs(((t - tp.t0 + 1.0) % 2.0) - 1.0) <= tp.duration_days / 2] *= 0.99
    base = stamp_depth(flux, t, tp)
    got = stamp_depth(flux * scale, t, tp)
    assert got.depth == pytest.approx(base.depth, rel=1e-3) and got.n_in == base.n_in


_sig = st.one_of(st.floats(0, 50), st.just(math.inf), st.just(math.nan))


@FAST
@given(s1=st.floats(0, 5), s2=st.floats(0, 5), g1=_sig, g2=_sig)
def test_v08_verdict_is_monotone_and_inf_triggers(s1, s2, g1, g2):
    rank = {"PASS": 0, "WARN": 1, "FAIL": 2}
    lo = (min(s1, s2), g1 if math.isnan(g1) or math.isnan(g2) else min(g1, g2))
    hi = (max(s1, s2), g1 if math.isnan(g1) or math.isnan(g2) else max(g1, g2))
    assert rank[v08_verdict(*lo)] <= rank[v08_verdict(*hi)]
    assert v08_verdict(s1, math.inf) in ("WARN", "FAIL")


@FAST
@given(k_in=st.floats(0, 5), k_buffer=st.floats(0, 2), fail=st.floats(0, 10), warn=st.floats(0, 10),
       n_boot=st.integers(-5, 10**7))
def test_config_is_consistent_or_refused(k_in, k_buffer, fail, warn, n_boot):
    try:
        cfg = CentroidShiftConfig(k_in=k_in, k_buffer=k_buffer, fail_sigma=fail, warn_sigma=warn, n_bootstrap=n_boot)
    except (ValueError, TypeError) as exc:
        assert len(str(exc)) <= MAX_MESSAGE
        return
    assert cfg.k_in <= 1 + 2 * cfg.k_buffer and cfg.fail_sigma >= cfg.warn_sigma and 2 <= cfg.n_bootstrap <= 100_000


@FAST
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=12), st.sampled_from([None, 3, 6]),
       st.sampled_from(["f8", "f4", "i8", "?"]))
def test_json_safe_of_a_1d_array_is_that_of_its_elements(values, sig, dtype):
    # the array fast path must give what the element-by-element conversion gives (null, never NaN)
    from toi5807.report import json_safe

    arr = np.array(values, dtype="f8")
    arr = arr if dtype.startswith("f") else np.nan_to_num(arr, nan=0.0, posinf=7.0, neginf=-7.0)
    with np.errstate(over="ignore", invalid="ignore"):
        arr = arr.astype(dtype)
    out = json_safe(arr, sig)
    assert out == [json_safe(v, sig) for v in arr]
    assert json.loads(json.dumps(out, allow_nan=False)) == out
