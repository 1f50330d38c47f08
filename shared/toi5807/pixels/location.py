"""Where a group of per-cadence centroids sits: location estimators, outlier clips, their covariance.

Mean (the v1 pooled-frame centroid), median and a Huber M-estimator (Huber
1981), vectorised over leading axes; the MAD clip; grouped medians in one sort;
and the analytic covariance of a location from per-cadence scatter.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "LOCATION_METHODS",
    "HUBER_C",
    "location_estimate",
    "mad_clip",
    "group_median",
    "group_mad_clip",
    "analytic_covariance",
]


LOCATION_METHODS = ("mean", "median", "huber")


#: Huber tuning constant (95 % asymptotic efficiency at the Gaussian; Huber 1981).
HUBER_C = 1.345


#: Asymptotic variance of each estimator relative to the mean, for Gaussian data.
_EFFICIENCY_VARIANCE = {"mean": 1.0, "median": math.pi / 2.0, "huber": 1.0 / 0.95}


_MAD_TO_SIGMA = 1.482602218505602


def _huber(values: np.ndarray, max_iter: int = 200, tol: float = 1e-12) -> np.ndarray:
    """Huber M-estimate of location along the last axis, iterated to convergence.

    Iteratively reweighted least squares with the scale fixed at the normalised
    MAD (Huber 1981); falls back to the standard deviation when the MAD is 0.
    """
    mu = np.median(values, axis=-1)
    dev = np.abs(values - mu[..., None])
    scale = _MAD_TO_SIGMA * np.median(dev, axis=-1)
    std = np.std(values, axis=-1)
    scale = np.where(scale > 0, scale, std)
    active = scale > 0
    if not np.any(active):
        return mu
    safe_scale = np.where(active, scale, 1.0)[..., None]
    for _ in range(max_iter):
        r = np.abs(values - mu[..., None]) / safe_scale
        w = np.minimum(1.0, HUBER_C / np.maximum(r, 1e-300))
        new = np.sum(w * values, axis=-1) / np.sum(w, axis=-1)
        new = np.where(active, new, mu)
        step = np.max(np.abs(new - mu) / np.where(active, scale, 1.0))
        mu = new
        if step <= tol:
            break
    return mu


def location_estimate(values: np.ndarray, method: str, weights: np.ndarray | None = None) -> np.ndarray:
    """Location of ``values`` along the last axis.

    Parameters
    ----------
    values : ndarray, shape (..., n)
        Per-cadence centroids, pixels.
    method : {"mean", "median", "huber"}
        ``mean`` is the legacy v1 estimator: the centroid of the pooled (summed)
        frame, i.e. the mean of the per-cadence centroids weighted by each
        cadence's total clipped flux ``weights``; ``median`` the median;
        ``huber`` a Huber M-estimator iterated to convergence.
    weights : ndarray, shape (..., n), optional
        Per-cadence total flux (e-/s), used by ``mean`` only.

    Returns
    -------
    ndarray, shape (...)
    """
    if method == "median":
        return np.median(values, axis=-1)
    if method == "huber":
        return _huber(values)
    if method == "mean":
        if weights is None:
            return np.mean(values, axis=-1)
        return np.sum(weights * values, axis=-1) / np.sum(weights, axis=-1)
    raise ValueError(f"centroid_method: expected one of {LOCATION_METHODS}, got {method!r}")


def mad_clip(cx: np.ndarray, cy: np.ndarray, nsigma: float) -> np.ndarray:
    """Boolean keep-mask rejecting cadences more than ``nsigma`` robust σ from the median.

    σ is the normalised MAD of each coordinate (pixels); a cadence is rejected
    when either coordinate deviates. An axis with MAD = 0 rejects nothing.
    """
    keep = np.ones(cx.shape, dtype=bool)
    if cx.size < 3 or not np.isfinite(nsigma):
        return keep
    for c in (cx, cy):
        med = np.median(c)
        dev = np.abs(c - med)
        s = _MAD_TO_SIGMA * np.median(dev)
        if s > 0:
            keep &= dev <= nsigma * s
    return keep


def group_median(values: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` within each group ``0 … n_groups-1`` (NaN for an empty group), in one sort.

    The groups are laid out as the rows of one padded array (NaN padding sorts last, as NaN values do) and
    sorted along the rows; very unequal groups use one lexicographic sort instead. Either way the medians
    are the same order statistics.
    """
    counts = np.bincount(labels, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    med = np.full(n_groups, np.nan)
    ok = counts > 0
    lo, hi = (counts[ok] - 1) // 2, counts[ok] // 2
    width = int(counts.max(initial=0))
    if n_groups * width <= 4 * values.size + 64:
        order = np.argsort(labels, kind="stable")
        lab = labels[order]
        rows = np.full((n_groups, width), np.nan)
        rows[lab, np.arange(lab.size) - starts[lab]] = values[order]
        rows.sort(axis=1)
        g = np.flatnonzero(ok)
        med[ok] = 0.5 * (rows[g, lo] + rows[g, hi])
        return med
    v = values[np.lexsort((values, labels))]
    med[ok] = 0.5 * (v[starts[ok] + lo] + v[starts[ok] + hi])
    return med


def group_mad_clip(cx: np.ndarray, cy: np.ndarray, labels: np.ndarray, n_groups: int, nsigma: float) -> np.ndarray:
    """:func:`mad_clip` applied within each group at once (same rule: either coordinate beyond ``nsigma``)."""
    keep = np.ones(cx.shape, dtype=bool)
    if not np.isfinite(nsigma):
        return keep
    counts = np.bincount(labels, minlength=n_groups)
    for c in (cx, cy):
        med = group_median(c, labels, n_groups)
        dev = np.abs(c - med[labels])
        scale = _MAD_TO_SIGMA * group_median(dev, labels, n_groups)
        active = (counts >= 3) & (scale > 0)
        keep &= ~active[labels] | (dev <= nsigma * np.where(active, scale, 1.0)[labels])
    return keep


def analytic_covariance(cx: np.ndarray, cy: np.ndarray, method: str) -> np.ndarray:
    """Covariance (pixels²) of a location estimate from per-cadence scatter.

    Sample covariance of the (clipped) per-cadence centroids divided by n and
    scaled by the estimator's Gaussian asymptotic variance relative to the
    mean (1, π/2, 1/0.95 for mean, median, Huber). NaN for n < 2.
    """
    n = cx.size
    if n < 2:
        return np.full((2, 2), np.nan)
    cov = np.cov(np.vstack([cx, cy]), ddof=1)
    return cov * _EFFICIENCY_VARIANCE[method] / n
