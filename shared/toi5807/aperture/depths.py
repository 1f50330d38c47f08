"""Depths in every aperture at the transits and at fake epochs of the same pixels (V10's own, minimal null).

A window is centred on a (real or fake) mid-transit time ``c``: in transit ``|t − c| ≤ D/2``; baseline on both
sides ``D/2 + D/2 < |t − c| ≤ D/2 + D/2 + 1.5 D`` (so a window spans 5 D). The depth in aperture A is
``1 − mean(in) / mean(baseline)``, the baseline the mean of the two sides' means (a linear trend cancels); a
window needs 60 % of its cadences in transit and on each side (no side lost in a data gap). A sector's depth
vector is the mean over its transits weighted by their in-transit cadence counts. Window sums come from one
cumulative sum of the aperture series, looked up at the window edges: every window of every fake costs a few
index lookups.

Fake epochs are the package's (:func:`toi5807.lightcurve.fake_epochs.fake_epochs`: the ephemeris shifted one
duration at a time, every epoch that lands in the data, ≥ 3.5 durations from every transit), and the fakes V10
could use are block-counted as independent (:func:`~toi5807.lightcurve.fake_epochs.independent_count`); p-values
counted from them floor at ``1 / (independent + 1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["WindowDepths", "WindowSummer", "window_depths", "combine", "transit_centres",
           "SPAN_DURATIONS"]

#: A window spans this many durations (in transit 1, gap 0.5 on each side, baseline 1.5 on each side).
SPAN_DURATIONS = 5.0
_GAP, _BASE = 0.5, 1.5


@dataclass(frozen=True)
class WindowDepths:
    """Depths of windows centred on given times.

    Attributes
    ----------
    depth : ndarray (n_windows, n_apertures)
        Fractional depth (positive = dimmer in transit); NaN where the window is not usable.
    n_in : ndarray (n_windows,)
        In-transit cadences used (0 when not usable).
    """

    depth: np.ndarray
    n_in: np.ndarray


def transit_centres(time: np.ndarray, period_days: float, t0_btjd: float, offset_days: float = 0.0) -> np.ndarray:
    """Mid-transit times (BTJD) of the ephemeris shifted by ``offset_days`` whose windows touch ``time``'s span."""
    lo, hi = float(np.nanmin(time)), float(np.nanmax(time))
    t0 = t0_btjd + offset_days
    k = np.arange(np.floor((lo - t0) / period_days) - 1, np.ceil((hi - t0) / period_days) + 2)
    return t0 + k * period_days


class WindowSummer:
    """Cumulative sums of aperture series over the valid cadences, taken once and looked up for every window.

    Parameters
    ----------
    time : ndarray (n_time,)
        BTJD, ascending.
    sums : ndarray (n_apertures, n_time)
        Aperture sums, e-/s (:func:`toi5807.aperture.masks.aperture_sums`).
    valid : ndarray of bool (n_time,)
        Cadences that count.
    """

    def __init__(self, time: np.ndarray, sums: np.ndarray, valid: np.ndarray) -> None:
        self.time = np.asarray(time, dtype=float)
        self.cs = np.zeros((sums.shape[0], self.time.size + 1))
        np.cumsum(np.where(valid[None, :], sums, 0.0), axis=1, out=self.cs[:, 1:])
        self.cn = np.concatenate([[0.0], np.cumsum(valid, dtype=float)])
        self.cadence = float(np.median(np.diff(self.time))) if self.time.size > 1 else math.inf

    def window(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums (n_apertures, n) and counts (n,) of the valid cadences with ``a ≤ t ≤ b``."""
        ia, ib = np.searchsorted(self.time, a, "left"), np.searchsorted(self.time, b, "right")
        return self.cs[:, ib] - self.cs[:, ia], self.cn[ib] - self.cn[ia]


def window_depths(summer: WindowSummer, centres: np.ndarray, duration_days: float, *,
                  min_fraction: float = 0.6) -> WindowDepths:
    """Depth vectors of windows centred on ``centres``.

    Parameters
    ----------
    summer : WindowSummer
        The aperture series.
    centres : ndarray (n_windows,)
        Mid-transit times, BTJD.
    duration_days : float
    min_fraction : float
        A window needs this fraction of the cadences a full window holds in transit and on each baseline side
        (a window with a side in a data gap is not used: across a gap the pointing and background jump).

    Returns
    -------
    WindowDepths
    """
    h = 0.5 * duration_days
    c = np.asarray(centres, dtype=float)
    s_in, n_in = summer.window(c - h, c + h)
    s_lo, n_lo = summer.window(c - h - (_GAP + _BASE) * duration_days, c - h - _GAP * duration_days - 1e-9)
    s_hi, n_hi = summer.window(c + h + _GAP * duration_days + 1e-9, c + h + (_GAP + _BASE) * duration_days)
    full_in, full_side = duration_days / summer.cadence, _BASE * duration_days / summer.cadence
    ok_lo, ok_hi = n_lo >= min_fraction * full_side, n_hi >= min_fraction * full_side
    with np.errstate(invalid="ignore", divide="ignore"):
        base = 0.5 * (s_lo / n_lo + s_hi / n_hi)
        depth = 1.0 - (s_in / n_in) / base
    usable = (n_in >= min_fraction * full_in) & ok_lo & ok_hi & np.all(np.isfinite(depth), axis=0) \
        & np.all(base > 0, axis=0)
    depth = np.where(usable[None, :], depth, np.nan).T
    return WindowDepths(depth=depth, n_in=np.where(usable, n_in, 0.0))


def combine(wd: WindowDepths, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (an ephemeris: real or one fake shift), the n_in-weighted mean depth vector.

    Returns
    -------
    depth : ndarray (n_groups, n_apertures)
        NaN where no window of the group is usable.
    scale : ndarray (n_groups,)
        ``Σ w_k²`` with ``w_k = n_k / Σ n``: the group's depth covariance is ``scale × C₁`` (C₁ that of one full
        window, the windows independent).
    n_used : ndarray (n_groups,)
        Usable windows.
    """
    w = wd.n_in
    d = np.nan_to_num(wd.depth) * w[:, None]
    tot = np.bincount(groups, weights=w, minlength=n_groups)
    num = np.stack([np.bincount(groups, weights=d[:, j], minlength=n_groups) for j in range(d.shape[1])], axis=1)
    sq = np.bincount(groups, weights=w ** 2, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        depth = np.where(tot[:, None] > 0, num / tot[:, None], np.nan)
        scale = np.where(tot > 0, sq / tot ** 2, np.nan)
    return depth, scale, np.bincount(groups, weights=(w > 0).astype(float), minlength=n_groups)
