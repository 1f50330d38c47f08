"""The empirical null of V08: the same shift measured at fake ephemerides between the transits.

Correlated pointing jitter makes cadences far from independent, so the spread
of the shift under "no signal" is measured directly: the real in-transit
window is laid at phases that avoid the real transits, and the spread of the
shifts found there is the null (Hotelling T² p-values,
:func:`toi5807.pixels.pvalues.hotelling_significance`).
"""

from __future__ import annotations

import math

import numpy as np

from ..pixels.location import group_mad_clip, group_median, location_estimate

__all__ = ["fake_ephemeris_shifts"]


def fake_ephemeris_shifts(
    cx: np.ndarray,
    cy: np.ndarray,
    w: np.ndarray,
    out_mask: np.ndarray,
    time: np.ndarray,
    period: float,
    t0: float,
    duration_days: float,
    *,
    baseline: np.ndarray,
    k_in: float,
    k_buffer: float,
    min_in: int,
    method: str,
    outlier_sigma: float,
) -> tuple[int, np.ndarray]:
    """Shift vectors measured at phase-shifted fake ephemerides that avoid the real transits.

    Fake mid-transits are the real T0 (BTJD) shifted by multiples of
    ``h_in + h_out`` (in-window and buffer half-widths, days), so a fake
    in-window never overlaps a real transit or its buffer zone, and fake
    in-windows do not overlap each other. A fake's in-group is the real
    out-of-transit cadences inside its in-window (MAD-clipped like a real
    group); its shift is measured against ``baseline``, the real out-of-transit
    location: leaving the fake's own ~1 % of cadences out of the baseline would
    move it negligibly. Fakes with fewer than ``min_in`` (at least 2) cadences
    are dropped. All fakes are evaluated together: one sort by (fake, value)
    gives every group's median, no loop over fakes or cadences.

    Returns
    -------
    n_fakes : int
    shifts : ndarray, shape (n_fakes, 2)
        in − baseline of each usable fake, pixels.
    """
    h_in = k_in * duration_days / 2.0
    h_out = duration_days / 2.0 + k_buffer * duration_days
    step = h_in + h_out
    n_fake = int(math.floor((period - 2.0 * step) / step)) + 1 if period > 2.0 * step else 0
    if n_fake == 0:
        return 0, np.empty((0, 2))
    idx = np.flatnonzero(out_mask)
    phase = np.mod(time[idx] - t0, period)  # fake j is centred at phase j·step, 1 ≤ j ≤ n_fake
    j = np.rint(phase / step).astype(np.int64)
    sel = (j >= 1) & (j <= n_fake) & (np.abs(phase - j * step) <= h_in)
    idx, lab = idx[sel], j[sel] - 1
    gx, gy, gw = cx[idx], cy[idx], w[idx]
    usable = np.bincount(lab, minlength=n_fake) >= max(min_in, 2)
    if method != "mean":
        keep = group_mad_clip(gx, gy, lab, n_fake, outlier_sigma)
        gx, gy, gw, lab = gx[keep], gy[keep], gw[keep], lab[keep]
    if method == "median":
        loc = np.column_stack([group_median(gx, lab, n_fake), group_median(gy, lab, n_fake)])
    elif method == "mean":  # flux-weighted, as the legacy pooled-frame estimator
        wsum = np.bincount(lab, weights=gw, minlength=n_fake)
        with np.errstate(invalid="ignore", divide="ignore"):
            loc = np.column_stack([np.bincount(lab, weights=gw * gx, minlength=n_fake) / wsum,
                                   np.bincount(lab, weights=gw * gy, minlength=n_fake) / wsum])
    else:  # huber: an iterative estimator per fake (tens of fakes, each a vectorised solve)
        loc = np.full((n_fake, 2), np.nan)
        for k in np.flatnonzero(usable):
            m = lab == k
            if m.any():
                loc[k] = [location_estimate(gx[m], method), location_estimate(gy[m], method)]
    usable &= np.all(np.isfinite(loc), axis=1)
    shifts = loc[usable] - np.asarray(baseline, dtype=float)
    return int(usable.sum()), shifts
