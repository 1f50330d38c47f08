"""Fake epochs: where a candidate's transit windows can be laid in a sector's data without touching a real transit.

A *fake epoch* is the candidate's ephemeris with T0 shifted by an offset ``o``: fake mid-times
``t0 + o + n·P`` for every epoch ``n``. Any check that needs a null — "what does my statistic do where there is
no transit?" — evaluates itself at the fake epochs of the same data (the empirical null of the self-calibrated
pixel verdict, :mod:`toi5807.vetting.selfcal`; a per-transit or light-curve check can do the same).

:func:`fake_epochs` lays them for **any period**:

* offsets every ``step_durations`` transit durations within ``[c·D, P − c·D]`` (``c`` =
  ``clearance_durations``), so every fake mid-time stays at least ``c`` durations from **every** transit of the
  ephemeris (modulo P), before and after each real transit alike;
* a fake keeps every epoch of the shifted ephemeris that falls in the data, not only the shifted copies of the
  real transits in the sector: with ``P`` much longer than a sector (one transit, or none) the fakes still cover
  the whole sector, before and after the transit (``o`` close to ``P`` is a fake *before* the transit);
* a fake mid-time counts as in the data when a cadence lies within ``±in_half_durations·D`` of it (gaps are
  skipped); fakes with no mid-time in the data are dropped.

Independence (block counting): fakes whose windows (``span_durations`` wide, baseline to baseline, default 5)
share cadences are correlated. :func:`independent_count` counts the largest set of fakes that share none —
offsets at least ``span_durations·D`` apart (greedy along the offsets, which is optimal on a line); for a regular
grid that is ``n·step/span``, the effective number ``n / (1 + 2 Σ ρ_k)`` of a triangular autocorrelation
(windows overlapping by ``1 − k·step/span`` at lag ``k``). :func:`autocorrelation_independent` measures the
same from a statistic's own autocorrelation along the offsets, for checks whose windows differ.

How many there are: a sector of ``T`` days holds about ``(T − 2c·D)/(span·D)`` independent fakes per
transit-free stretch — for a 25-day sector, ≈ 6 at D = 14.4 h and ≈ 27 at D = 4 h: long durations in one sector
are hard to calibrate, and a check must say so instead of falling back on nominal statistics.

This module is in the light-curve layer: it needs only the cadence times (BTJD) and the ephemeris.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report import json_safe
from .ephemeris import coerce_transit_params

__all__ = ["FakeEpochs", "fake_epochs", "independent_count", "autocorrelation_independent",
           "STEP_DURATIONS", "CLEARANCE_DURATIONS", "SPAN_DURATIONS"]

#: Default spacing of the fake offsets, transit durations.
STEP_DURATIONS: float = 1.0
#: Every fake mid-time stays at least this many durations from every transit of the ephemeris (windows reach 2.5).
CLEARANCE_DURATIONS: float = 3.5
#: Full width of a fake's windows (baseline to baseline), durations: fakes this far apart share no cadence.
SPAN_DURATIONS: float = 5.0


@dataclass(frozen=True, eq=False)
class FakeEpochs:
    """Fake epochs of one candidate in one set of cadences (see :func:`fake_epochs`).

    Attributes
    ----------
    offsets_days : ndarray (f,)
        T0 offsets of the fakes, days, increasing, within ``[c·D, P − c·D]``.
    epoch_mids : ndarray (m,)
        Mid-times of the candidate's real epochs whose shifted copies reach the data, BTJD
        (``centres = epoch_mids + offset``).
    centres : ndarray (f, m)
        Fake mid-times, BTJD; NaN where that epoch's copy has no cadence within ``±in_half_durations·D``.
    n_transits : ndarray of int (f,)
        Fake mid-times in the data, per fake (≥ 1).
    duration_days, period_days : float
    step_durations, clearance_durations, span_durations : float
    """

    offsets_days: np.ndarray
    epoch_mids: np.ndarray
    centres: np.ndarray
    n_transits: np.ndarray
    duration_days: float
    period_days: float
    step_durations: float = STEP_DURATIONS
    clearance_durations: float = CLEARANCE_DURATIONS
    span_durations: float = SPAN_DURATIONS

    @property
    def n_fakes(self) -> int:
        """Fakes laid."""
        return int(self.offsets_days.size)

    @property
    def n_independent(self) -> int:
        """Fakes that share no cadence (:func:`independent_count`)."""
        return independent_count(self.offsets_days, self.duration_days, self.span_durations)

    def select(self, keep: Any) -> "FakeEpochs":
        """The fakes where ``keep`` (bool mask or indices) holds — e.g. those whose windows a check could use."""
        idx = np.arange(self.n_fakes)[keep]
        return FakeEpochs(self.offsets_days[idx], self.epoch_mids, self.centres[idx], self.n_transits[idx],
                          self.duration_days, self.period_days, self.step_durations, self.clearance_durations,
                          self.span_durations)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (counts and the offsets; NaN → None)."""
        return json_safe({"n_fakes": self.n_fakes, "n_independent": self.n_independent,
                          "offsets_days": self.offsets_days.tolist(), "n_transits": self.n_transits.tolist(),
                          "duration_days": self.duration_days, "period_days": self.period_days,
                          "step_durations": self.step_durations, "clearance_durations": self.clearance_durations,
                          "span_durations": self.span_durations}, sig=None)

    def __repr__(self) -> str:
        return (f"FakeEpochs({self.n_fakes} fakes, {self.n_independent} independent, "
                f"D = {self.duration_days * 24:.3g} h, P = {self.period_days:.6g} d)")


def fake_epochs(time: Any, transit_params: Any, *, step_durations: float = STEP_DURATIONS,
                clearance_durations: float = CLEARANCE_DURATIONS, span_durations: float = SPAN_DURATIONS,
                in_half_durations: float = 0.5) -> FakeEpochs:
    """Fake epochs across all of the data, clear of every transit of the ephemeris (see module docstring).

    Parameters
    ----------
    time : array_like (n,)
        Cadence times of the data to lay fakes in (e.g. the good cadences of one sector), BTJD; non-finite
        times are ignored.
    transit_params : TransitParams, Ephemeris, Candidate or mapping
        The candidate (period days, t0 BTJD, duration hours).
    step_durations : float
        Spacing of the offsets, transit durations (> 0).
    clearance_durations : float
        Least distance of a fake mid-time from any transit of the ephemeris, durations (≥ 0; the local windows
        reach 2.5, so ≥ 3 keeps every fake window clear of the in-transit cadences).
    span_durations : float
        Full width of a fake's windows, durations (for the independence count).
    in_half_durations : float
        A fake mid-time is in the data when a cadence lies within this many durations of it.

    Returns
    -------
    FakeEpochs
        Empty (zero fakes) when the period leaves no room (``P < 2·c·D``) or no fake lands in the data.
    """
    tp = coerce_transit_params(transit_params)
    for name, v, lo in (("step_durations", step_durations, 0.0), ("span_durations", span_durations, 0.0),
                        ("in_half_durations", in_half_durations, 0.0)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > lo):
            raise ValueError(f"{name}: expected a positive number of transit durations, got {v!r}")
    if not (isinstance(clearance_durations, (int, float)) and math.isfinite(clearance_durations)
            and clearance_durations >= 0):
        raise ValueError(f"clearance_durations: expected ≥ 0 transit durations, got {clearance_durations!r}")
    d, p = tp.duration_days, tp.period
    t = np.asarray(time, dtype=float).ravel()
    t = np.sort(t[np.isfinite(t)])
    empty = FakeEpochs(np.zeros(0), np.zeros(0), np.zeros((0, 0)), np.zeros(0, dtype=int), d, p,
                       float(step_durations), float(clearance_durations), float(span_durations))
    lo_off, hi_off = clearance_durations * d, p - clearance_durations * d
    if not t.size or hi_off < lo_off - 1e-12:
        return empty
    k = np.arange(int(math.floor((hi_off - lo_off) / (step_durations * d) + 1e-9)) + 1)
    off = lo_off + k * step_durations * d
    half = in_half_durations * d
    # fake mid-times t0 + o + nP inside [t_min − half, t_max + half]: the epochs n that can reach the data
    n_lo = np.ceil((t[0] - half - tp.t0 - off) / p).astype(np.int64)
    n_hi = np.floor((t[-1] + half - tp.t0 - off) / p).astype(np.int64)
    reach = n_hi >= n_lo
    if not reach.any():
        return empty
    off, n_lo, n_hi = off[reach], n_lo[reach], n_hi[reach]
    epochs = np.arange(int(n_lo.min()), int(n_hi.max()) + 1)
    mids = tp.t0 + epochs * p
    centres = off[:, None] + mids[None, :]
    # in the data: a cadence within ±half of the fake mid-time (two binary searches per centre)
    a = np.searchsorted(t, centres - half, side="left")
    b = np.searchsorted(t, centres + half, side="right")
    inside = b > a
    n_tr = inside.sum(axis=1)
    keep = n_tr > 0
    centres = np.where(inside, centres, np.nan)[keep]
    used = np.any(np.isfinite(centres), axis=0)
    return FakeEpochs(off[keep], mids[used], centres[:, used], n_tr[keep].astype(int), d, p,
                      float(step_durations), float(clearance_durations), float(span_durations))


def independent_count(offsets_days: Any, duration_days: float, span_durations: float = SPAN_DURATIONS) -> int:
    """Block count: the most fakes whose windows share no cadence (offsets ≥ ``span_durations·D`` apart).

    Greedy along the sorted offsets (optimal for intervals on a line). Offsets are taken within one period,
    as :func:`fake_epochs` lays them (their differences never exceed ``P − 2·c·D``).

    Parameters
    ----------
    offsets_days : array_like
        T0 offsets of the fakes a check used, days.
    duration_days : float
        Transit duration D, days.
    span_durations : float
        Full width of a fake's windows, durations.
    """
    o = np.sort(np.asarray(offsets_days, dtype=float).ravel())
    o = o[np.isfinite(o)]
    if not o.size:
        return 0
    gap = span_durations * float(duration_days) - 1e-9
    count, last = 1, o[0]
    # a short Python loop over fakes (tens to hundreds), not over cadences
    for v in o[1:]:
        if v - last >= gap:
            count, last = count + 1, v
    return count


def autocorrelation_independent(values: Any, offsets_days: Any, duration_days: float,
                                span_durations: float = SPAN_DURATIONS) -> float:
    """Effective number of independent fakes from a statistic's measured autocorrelation along the offsets.

    ``n_eff = n / (1 + 2 Σ_k (1 − k/n) ρ_k)`` over lags ``k`` shorter than the window span (in fake steps,
    the median spacing of ``offsets_days``); negative sums are clipped to 0 (``n_eff ≤ n``). Noisy for a few
    tens of fakes: a cross-check of :func:`independent_count`, not a replacement. NaN with fewer than 3 values.
    """
    x = np.asarray(values, dtype=float).ravel()
    o = np.asarray(offsets_days, dtype=float).ravel()
    ok = np.isfinite(x) & np.isfinite(o)
    x, o = x[ok][np.argsort(o[ok])], np.sort(o[ok])
    n = x.size
    if n < 3:
        return math.nan
    step = float(np.median(np.diff(o))) if n > 1 else float(duration_days)
    lags = max(1, int(math.ceil(span_durations * duration_days / max(step, 1e-12))) - 1)
    x = x - x.mean()
    v = float(np.dot(x, x)) / n
    if not v > 0:
        return float(n)
    rho = np.array([float(np.dot(x[:-k], x[k:])) / (n * v) for k in range(1, min(lags, n - 1) + 1)])
    ks = np.arange(1, rho.size + 1)
    s = max(float(np.sum((1.0 - ks / n) * rho)), 0.0)
    return float(n / (1.0 + 2.0 * s))
