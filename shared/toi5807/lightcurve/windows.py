"""Where each cadence sits relative to the transits: phase, time from mid-transit, window masks.

The window definitions live here, side by side, so every step can say which it uses:

* :func:`transit_masks` — the light-curve depth of step 02: in transit
  ``|Δt| < D/2``, out of transit ``|Δt| > 1.5·D``;
* :func:`transit_window_masks` — the whole-sector pixel checks (V08):
  in transit ``|Δt| ≤ k_in·D/2``, out of transit ``|Δt| > D/2 + k_buffer·D``;
* :func:`local_windows` — the per-transit windows of difference imaging and
  localization: in transit ``|Δt| < 0.4·D``, and two *local* out-of-transit
  windows of equal length on both sides, ``1.0·D ≤ |Δt| ≤ 2.5·D``, cut short at
  a data gap or a momentum dump (a window that would straddle one is shortened
  to its gap-free part next to the transit, or dropped when too short; the
  result says which). Equal lengths on both sides make a linear drift cancel.

Δt is the signed time from the nearest predicted mid-transit (days, BTJD input)
and D the total transit duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from ..data.validate import check_time
from .ephemeris import MAX_DUTY_CYCLE, Ephemeris, TransitParams, coerce_transit_params

__all__ = [
    "LocalWindows",
    "local_windows",
    "no_transit_hint",
    "phase",
    "time_from_midtransit",
    "transit_masks",
    "transit_window_masks",
]


def _ephemeris_args(ephemeris: Ephemeris | None) -> Ephemeris:
    if ephemeris is None:
        return Ephemeris(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
    if not isinstance(ephemeris, Ephemeris):
        raise TypeError(f"ephemeris: expected an Ephemeris, got {type(ephemeris).__name__}")
    return ephemeris


def phase(time: np.ndarray, ephemeris: Ephemeris | None = None) -> np.ndarray:
    """Orbital phase in [-0.5, 0.5), zero at mid-transit.

    Parameters
    ----------
    time : array_like
        BTJD, days.
    ephemeris : Ephemeris, optional
        Defaults to TOI-5807.01's.
    """
    eph = _ephemeris_args(ephemeris)
    t = np.asarray(time, dtype=np.float64)
    return np.mod((t - eph.t0_btjd) / eph.period_days + 0.5, 1.0) - 0.5


def time_from_midtransit(time: np.ndarray, ephemeris: Ephemeris | None = None) -> np.ndarray:
    """Signed time from the nearest mid-transit, days."""
    eph = _ephemeris_args(ephemeris)
    return phase(time, eph) * eph.period_days


def transit_masks(
    time: np.ndarray, ephemeris: Ephemeris | None = None, *, oot_factor: float = 1.5
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean in-transit and out-of-transit masks.

    In transit: ``|Δt| < duration/2`` (strict). Out of transit: ``|Δt| > oot_factor·duration``.
    Cadences in between belong to neither.

    Parameters
    ----------
    time : array_like
        BTJD, days.
    ephemeris : Ephemeris, optional
    oot_factor : float, default 1.5
        Out-of-transit exclusion half-width in units of the duration.
    """
    eph = _ephemeris_args(ephemeris)
    dt = np.abs(time_from_midtransit(time, eph))
    return dt < 0.5 * eph.duration_days, dt > oot_factor * eph.duration_days


def transit_window_masks(
    time: Any, transit_params: TransitParams, k_in: float = 1.0, k_buffer: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-of-transit cadence masks (window policy v1).

    With Δt the time from the nearest mid-transit and D the duration (days):
    in-transit ``|Δt| ≤ k_in·D/2``; out-of-transit ``|Δt| > D/2 + k_buffer·D``.
    Non-finite times are in neither.

    Parameters
    ----------
    time : array_like, shape (n,)
        BTJD, days.
    transit_params : TransitParams
    k_in, k_buffer : float

    Returns
    -------
    in_mask, out_mask : ndarray of bool, shape (n,)
    """
    t = check_time(time)
    p = transit_params.period
    d = transit_params.duration_days
    with np.errstate(invalid="ignore"):
        dt = np.abs(np.mod(t - transit_params.t0 + 0.5 * p, p) - 0.5 * p)
        in_mask = dt <= k_in * d / 2.0
        out_mask = dt > d / 2.0 + k_buffer * d
    return in_mask, out_mask


def _n_in_transit(t: np.ndarray, period: float, t0: float, duration_hours: float) -> int:
    """Cadences of finite times ``t`` within half a duration of a mid-transit."""
    dt = np.abs(np.mod(t - t0 + 0.5 * period, period) - 0.5 * period)
    return int(np.count_nonzero(dt <= duration_hours / 48.0))


def no_transit_hint(time: Any, transit_params: Any) -> str:
    """Why no cadence falls in transit, and whether the period or duration look like the wrong unit.

    In transit here is ``|Δt| ≤ D/2``. The ephemeris is tried again with the period read as
    hours (``period / 24`` days, e.g. 341.8 → 14.24 d), the duration read as days
    (``24 · duration`` hours) and both; an alternative that puts cadences in transit (and keeps
    the duration within :data:`~toi5807.lightcurve.ephemeris.MAX_DUTY_CYCLE` of the period) is
    named with its count. Predicted mid-transits inside the data span whose nearest cadence is more
    than ``max(D/2, 2 cadences)`` away are said to fall in gaps (checked first); otherwise the hint
    says how far outside the data the nearest predicted mid-transit lies.

    Parameters
    ----------
    time : array_like, shape (n,)
        Cadence times, BTJD days (NaN ignored).
    transit_params : TransitParams, Ephemeris, Candidate or mapping
        Period days, t0 BTJD, duration hours (:func:`~toi5807.lightcurve.ephemeris.coerce_transit_params`).

    Returns
    -------
    str
        ``""`` when at least one cadence falls in transit; else one or two sentences for a
        skipped result's reason.
    """
    tp = coerce_transit_params(transit_params)
    t = check_time(time)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return "no cadence has a time, so none can fall in transit"
    p, t0, d = tp.period, tp.t0, tp.duration
    if _n_in_transit(t, p, t0, d):
        return ""
    lo, hi = float(t.min()), float(t.max())
    said = (f"no cadence of the data (BTJD {lo:.2f}–{hi:.2f}, {hi - lo:.1f} days) falls within half a duration "
            f"of a predicted mid-transit (period {p:g} d, t0 {t0:g} BTJD, duration {d:g} h)")
    t = np.sort(t)
    cad = float(np.median(np.diff(t))) if t.size > 1 else 2.0 / 1440.0
    mids = t0 + p * np.arange(np.ceil((lo - t0) / p), np.floor((hi - t0) / p) + 1)  # predicted, inside the span
    i = np.clip(np.searchsorted(t, mids), 1, max(t.size - 1, 1))
    gap = np.minimum(np.abs(t[i - 1] - mids), np.abs(t[np.minimum(i, t.size - 1)] - mids))  # to the nearest cadence
    if mids.size and np.all(gap > max(d / 48.0, 2.0 * cad)):
        return (f"{said}: the {mids.size} predicted mid-transit(s) inside the data span (first BTJD {mids[0]:.3f}) "
                "all fall in gaps of the data")
    n_half = _n_in_transit(t, p, t0 + 0.5 * p, d)
    half_hint = ""
    if n_half:  # named first: a half-period-off t0 is not a unit error, whatever a shorter period would also do
        half = t0 + 0.5 * p + p * np.round((0.5 * (lo + hi) - t0 - 0.5 * p) / p)  # the one inside the data
        half_hint = (f"t0 looks half a period off: t0 + P/2 (+ whole periods) = {half:.5f} BTJD puts {n_half} "
                     "cadences in transit — check that t0 is a mid-transit (not a secondary eclipse or a phase-0.5 "
                     "time) and in BTJD (BJD − 2457000)")
    tries = (("the period looks like hours", p / 24.0, d, f"as {p / 24.0:.4g} days"),
             ("the duration looks like days", p, 24.0 * d, f"as {24.0 * d:.4g} hours"),
             ("the period looks like hours and the duration like days", p / 24.0, 24.0 * d,
              f"as {p / 24.0:.4g} days and {24.0 * d:.4g} hours"))
    for what, p_alt, d_alt, how in tries:
        if d_alt <= MAX_DUTY_CYCLE * 24.0 * p_alt:
            n = _n_in_transit(t, p_alt, t0, d_alt)
            if n:
                unit_hint = (f"{what}: {how}, {n} cadences fall in transit — check the units (period in days, "
                             "duration in hours)")
                return f"{said}; " + (f"either {half_hint}; or {unit_hint}" if half_hint else unit_hint)
    if half_hint:
        return f"{said}; {half_hint}"
    if mids.size:
        return (f"{said}; the {d:g}-hour transit window is narrower than the spacing of the cadences "
                f"({1440.0 * cad:.1f} min): none falls within half a duration of the mid-transits")
    nearest = float(t0 + np.round((0.5 * (lo + hi) - t0) / p) * p)
    away = min(abs(nearest - lo), abs(nearest - hi))
    return (f"{said}; neither the period as hours nor the duration as days helps: the nearest predicted "
            f"mid-transit, BTJD {nearest:.3f}, lies {away:.1f} days outside the data — check t0 and that these "
            "data cover a transit")


#: Quality bit of a momentum dump (a pointing jump) in SPOC files.
MOMENTUM_DUMP_BIT = 32

#: Window statuses of :class:`LocalWindows` (one per window, in this order of precedence).
WINDOW_STATUSES: tuple[str, ...] = ("ok", "shortened", "no_in_transit", "baseline_too_short")


@dataclass(frozen=True, eq=False)
class LocalWindows:
    """In-transit and local two-sided out-of-transit windows around given centres (see :func:`local_windows`).

    All index ranges are half-open ``[start, stop)`` into the *good* cadences
    (``good_index``), which are in time order.

    Attributes
    ----------
    centres : ndarray, shape (m,)
        Window centres (mid-transits or fake epochs), BTJD.
    good_index : ndarray of int
        Indices of the usable cadences in the caller's arrays, in time order.
    in_range, before_range, after_range : ndarray of int, shape (m, 2)
        Good-cadence index ranges of the in-transit window and of the two baselines.
    baseline_days : ndarray, shape (m,)
        Length of each baseline side actually used (equal on both sides), days.
    status : ndarray of str, shape (m,)
        One of :data:`WINDOW_STATUSES`; only ``ok`` and ``shortened`` windows are usable.
    reason : tuple of str
        Human-readable note per window (empty for ``ok``).
    """

    centres: np.ndarray
    good_index: np.ndarray
    in_range: np.ndarray
    before_range: np.ndarray
    after_range: np.ndarray
    baseline_days: np.ndarray
    status: np.ndarray
    reason: tuple[str, ...]

    @property
    def usable(self) -> np.ndarray:
        """Boolean per window: status ``ok`` or ``shortened``."""
        return np.isin(self.status, ("ok", "shortened"))

    def select(self, index: Any) -> LocalWindows:
        """The windows ``index`` picks (an index array or boolean mask over the windows), same cadences."""
        idx = np.arange(self.centres.size)[index]
        return LocalWindows(centres=self.centres[idx], good_index=self.good_index, in_range=self.in_range[idx],
                            before_range=self.before_range[idx], after_range=self.after_range[idx],
                            baseline_days=self.baseline_days[idx], status=self.status[idx],
                            reason=tuple(self.reason[i] for i in idx))

    def counts(self) -> np.ndarray:
        """(n_in, n_before, n_after) cadences per window, shape (m, 3)."""
        return np.stack([r[:, 1] - r[:, 0] for r in (self.in_range, self.before_range, self.after_range)], axis=1)


def local_windows(
    time: Any,
    centres: Any,
    duration_days: float,
    *,
    good: Any = None,
    quality: Any = None,
    in_half_durations: float = 0.4,
    inner_durations: float = 1.0,
    outer_durations: float = 2.5,
    min_baseline_durations: float = 0.5,
    min_in_fraction: float = 0.5,
    max_gap_cadences: float = 5.0,
    dump_times: Any = None,
) -> LocalWindows:
    """The one definition of per-transit difference-imaging windows (vectorised over centres).

    Around each centre ``t_c`` (Δt = t − t_c, D = duration):

    * in transit: ``|Δt| < in_half_durations·D`` (default 0.4·D, the flat bottom);
      dropped (``no_in_transit``) when it holds fewer than ``min_in_fraction`` of
      the cadences a full window would;
    * baseline before: ``−outer·D ≤ Δt ≤ −inner·D`` and after: ``inner·D ≤ Δt ≤ outer·D``
      (defaults 1.0 and 2.5 durations). Each side ends at the first *break* met
      going away from the transit — a time gap longer than ``max_gap_cadences``
      cadences (2-minute cadences for faster data: a duration) between good
      cadences, or a momentum dump (quality bit 32) — or where no good cadence
      lies beyond its inner edge. Both sides are then cut
      to the shorter one's length, so they are symmetric about the transit and a
      linear drift cancels in their mean. A window whose side is shorter than
      ``min_baseline_durations·D`` is dropped (``baseline_too_short``); one cut
      below the full length is ``shortened``.

    Parameters
    ----------
    time : array_like, shape (n,)
        BTJD, days (any order; non-finite times are never used).
    centres : array_like, shape (m,)
        Window centres, BTJD.
    duration_days : float
        Transit duration D, days.
    good : array_like of bool, shape (n,), optional
        Usable cadences (default: all with finite time).
    quality : array_like of int, shape (n,), optional
        SPOC quality flags; flagged momentum dumps (bit 32) are breaks even when
        the dump cadence itself is not usable.
    dump_times : array_like, optional
        Further momentum-dump times, BTJD (e.g. when ``time`` holds only the good cadences).

    Returns
    -------
    LocalWindows
    """
    t = check_time(time)
    c = np.atleast_1d(np.asarray(centres, dtype=np.float64))
    d = float(duration_days)
    if not (np.isfinite(d) and d > 0):
        raise ValueError(f"duration_days: expected a positive number of days, got {duration_days!r}")
    if not 0 < in_half_durations < inner_durations < outer_durations:
        raise ValueError("windows: expected 0 < in_half_durations < inner_durations < outer_durations, got "
                         f"{in_half_durations}, {inner_durations}, {outer_durations}")
    ok = np.isfinite(t) if good is None else (np.asarray(good, dtype=bool) & np.isfinite(t))
    gi = np.flatnonzero(ok)
    gi = gi[np.argsort(t[gi], kind="stable")]
    tg = t[gi]
    cad = float(np.median(np.diff(tg))) if tg.size > 1 else 2.0 / 1440.0
    # break k lies between good cadences k and k+1 (time of the break: midway)
    brk = np.diff(tg) > max_gap_cadences * max(cad, 2.0 / 1440.0)  # 20-s data: as long a gap as 2-minute data
    dumps = np.zeros(0) if dump_times is None else np.asarray(dump_times, dtype=np.float64).ravel()
    if quality is not None:
        q = np.asarray(quality).astype(np.int64)
        dumps = np.concatenate([dumps, t[((q & MOMENTUM_DUMP_BIT) != 0) & np.isfinite(t)]])
    dumps = np.sort(dumps[np.isfinite(dumps)])
    if tg.size > 1:
        if dumps.size:
            between = np.searchsorted(dumps, tg[1:], side="right") - np.searchsorted(dumps, tg[:-1], side="right")
            brk |= between > 0
    # a break lies between the last good cadence before it (bt_lo) and the first after it (bt_hi)
    bt_lo = tg[:-1][brk] if tg.size > 1 else np.zeros(0)
    bt_hi = tg[1:][brk] if tg.size > 1 else np.zeros(0)

    def rng(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.stack([np.searchsorted(tg, lo, side="left"), np.searchsorted(tg, hi, side="right")], axis=1)

    h_in, inner, outer = in_half_durations * d, inner_durations * d, outer_durations * d
    in_r = rng(c - h_in + 1e-9, c + h_in - 1e-9)
    full_len = outer - inner
    # after: first break beyond the inner edge; before: last break before the inner edge
    nb = bt_lo.size
    ka = np.searchsorted(bt_hi, c + inner, side="right")  # first break whose far side lies past the inner edge
    end_after = np.where(ka < nb, bt_lo[np.minimum(ka, nb - 1)] + 0.5 * cad, np.inf) if nb else np.full(c.size, np.inf)
    kb = np.searchsorted(bt_lo, c - inner, side="left") - 1  # last break whose near side lies before the edge
    start_before = (np.where(kb >= 0, bt_hi[np.maximum(kb, 0)] - 0.5 * cad, -np.inf) if nb
                    else np.full(c.size, -np.inf))
    # a side with no good cadence past its inner edge ends there
    last_t = tg[-1] if tg.size else -np.inf
    first_t = tg[0] if tg.size else np.inf
    len_after = np.clip(np.minimum(end_after, last_t + 0.5 * cad) - (c + inner), 0.0, full_len)
    len_before = np.clip((c - inner) - np.maximum(start_before, first_t - 0.5 * cad), 0.0, full_len)
    length = np.minimum(len_after, len_before)
    before_r = rng(c - inner - length, c - inner)
    after_r = rng(c + inner, c + inner + length)
    n_in_full = 2.0 * h_in / cad
    status = np.full(c.size, "ok", dtype=object)
    reasons = [""] * c.size
    short = length < full_len - 0.5 * cad
    status[short] = "shortened"
    for k in np.flatnonzero(short):
        reasons[k] = f"baseline cut to {length[k] / d:.2f} D per side at a gap or momentum dump"
    too_short = length < min_baseline_durations * d
    status[too_short] = "baseline_too_short"
    for k in np.flatnonzero(too_short):
        reasons[k] = (f"no gap-free local baseline of ≥ {min_baseline_durations:g} D on both sides "
                      f"(before {len_before[k] / d:.2f} D, after {len_after[k] / d:.2f} D)")
    no_in = (in_r[:, 1] - in_r[:, 0]) < min_in_fraction * n_in_full
    status[no_in] = "no_in_transit"
    for k in np.flatnonzero(no_in):
        reasons[k] = f"{int(in_r[k, 1] - in_r[k, 0])} in-transit cadences (< {min_in_fraction:.0%} of a full window)"
    return LocalWindows(centres=c, good_index=gi, in_range=in_r, before_range=before_r, after_range=after_r,
                        baseline_days=length, status=status.astype(str), reason=tuple(reasons))
