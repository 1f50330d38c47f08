"""Per-epoch shift vectors against a local baseline, for real transits and for fake epochs.

The one per-epoch estimator of :mod:`toi5807.centroid.per_transit`
(:func:`_window_vectors`), and the fake epochs between the transits whose
vectors make its empirical null (:func:`_fake_labels`).
"""

from __future__ import annotations

import math

import numpy as np

from .config import CentroidShiftConfig
from ..pixels.location import analytic_covariance, location_estimate, mad_clip

__all__: list[str] = []


def _detrend_linear(c: np.ndarray, dt: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Subtract a straight line in Δt fitted (least squares) to the baseline cadences."""
    a = np.vstack([np.ones(base.sum()), dt[base]]).T
    coef, *_ = np.linalg.lstsq(a, c[base], rcond=None)
    return c - (coef[0] + coef[1] * dt)


def _window_vectors(
    cx: np.ndarray,
    cy: np.ndarray,
    dt: np.ndarray,
    labels: np.ndarray,
    h_in: float,
    h_buf: float,
    detrend: str,
    cfg: CentroidShiftConfig,
    min_in: int,
    min_out: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """In-window minus local-baseline shift vector of every window (real epoch or fake epoch).

    The one per-epoch estimator of this module, applied identically to the
    real transit epochs and to the fake epochs of the empirical null: in-window
    ``|Δt| ≤ h_in``, baseline ``|Δt| > h_buf`` (the caller selected
    ``|Δt| ≤ baseline_durations·D``), optional linear detrend in Δt fitted on
    the baseline, MAD clip and ``cfg.centroid_method`` location of each group.

    Parameters
    ----------
    cx, cy : ndarray, shape (n,)
        Finite per-cadence centroids, pixels.
    dt : ndarray, shape (n,)
        Time from the window's centre, days.
    labels : ndarray of int, shape (n,)
        Window of each cadence.
    h_in, h_buf : float
        In-window half-width and inner baseline edge, days.
    detrend : {"linear", "none"}
    cfg : CentroidShiftConfig
    min_in, min_out : int
        Windows with fewer in-window or baseline cadences get NaN vectors.

    Returns
    -------
    uniq : ndarray of int, shape (m,)
        Window labels, ascending.
    n_in, n_base : ndarray of int, shape (m,)
        Cadence counts of the two groups.
    vec : ndarray, shape (m, 2)
        in − baseline, pixels (NaN when gated).
    cov : ndarray, shape (m, 2, 2)
        Per-cadence-scatter covariance of ``vec``
        (:func:`toi5807.pixels.location.analytic_covariance`), pixels².
    """
    order = np.argsort(labels, kind="stable")
    uniq, starts = np.unique(labels[order], return_index=True)
    groups = np.split(order, starts[1:]) if uniq.size else []
    m = uniq.size
    ins_all, base_all = np.abs(dt) <= h_in, np.abs(dt) > h_buf
    n_in = np.array([int(ins_all[g].sum()) for g in groups], dtype=np.int64)
    n_b = np.array([int(base_all[g].sum()) for g in groups], dtype=np.int64)
    vec = np.full((m, 2), np.nan)
    cov = np.full((m, 2, 2), np.nan)
    for k in np.flatnonzero((n_in >= min_in) & (n_b >= min_out)):
        sl = groups[k]
        x, y, tt, ins, base = cx[sl], cy[sl], dt[sl], ins_all[sl], base_all[sl]
        if detrend == "linear":
            x, y = _detrend_linear(x, tt, base), _detrend_linear(y, tt, base)
        loc, covs = [], []
        for grp in (ins, base):
            gx, gy = x[grp], y[grp]
            if cfg.centroid_method != "mean":
                keep = mad_clip(gx, gy, cfg.outlier_sigma)
                gx, gy = gx[keep], gy[keep]
            loc.append([float(location_estimate(gx, cfg.centroid_method)),
                        float(location_estimate(gy, cfg.centroid_method))])
            covs.append(analytic_covariance(gx, gy, cfg.centroid_method))
        vec[k] = np.subtract(loc[0], loc[1])
        cov[k] = covs[0] + covs[1]
    return uniq, n_in, n_b, vec, cov


def _fake_labels(t: np.ndarray, period: float, t0: float,
                 half_span: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Fake-epoch window of every time and the time from its fake centre.

    Fake centres lie at ``T0 + n·P + j·2W`` (``W = half_span``, days;
    ``j = 1 … J``, ``J = floor(P / 2W) − 1``), so the ±W fake windows touch at
    most, never overlap each other, and stay clear of every real epoch's ±W span.

    Returns
    -------
    inside : ndarray of bool, shape (n,)
        Time lies in a fake window.
    labels : ndarray of int, shape (n,)
        ``n·J + (j − 1)`` (n may be negative; 0 outside every fake window).
    dt : ndarray, shape (n,)
        Time from the fake centre, days (NaN outside).
    n_slots : int
        J, fake windows per orbital period.
    """
    step = 2.0 * half_span
    n_slots = int(math.floor(period / step)) - 1
    labels = np.zeros(t.size, dtype=np.int64)
    dt = np.full(t.size, np.nan)
    if n_slots < 1:
        return np.zeros(t.size, dtype=bool), labels, dt, 0
    cyc = np.floor((t - t0) / period)
    ph = (t - t0) - cyc * period
    j = np.rint(ph / step)
    d = ph - j * step
    sel = (j >= 1) & (j <= n_slots) & (np.abs(d) <= half_span)
    labels[sel] = (cyc[sel] * n_slots + (j[sel] - 1)).astype(np.int64)
    dt[sel] = d[sel]
    return sel, labels, dt, n_slots
