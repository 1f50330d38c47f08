"""Location estimators and shift-significance methods for the V08 centroid check.

Array-level helpers used by :mod:`toi5807.centroid`. Every method turns the
observed centroid-shift vector (in-transit minus out-of-transit, pixels) into a
p-value under the hypothesis "no shift", with one convention for all methods:
``significance_sigma = sqrt(-2 ln p)``. For a 2-D Gaussian shift vector this is
the Mahalanobis distance, i.e. the chi-squared statistic with two degrees of
freedom used by Bryson et al. (2013, arXiv:1303.0052), so a ">3σ" offset
arises by chance 1.11 % of the time and, for isotropic errors, ``sigma`` equals
``|shift| / σ_axis``.

Bootstrap resampling follows Efron & Tibshirani (1993, *An Introduction to the
Bootstrap*). All random draws use a :class:`numpy.random.Generator` passed in
by the caller (created from an explicit seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LOCATION_METHODS",
    "SIGNIFICANCE_METHODS",
    "HUBER_C",
    "location_estimate",
    "mad_clip",
    "chi2_2dof_significance",
    "hotelling_significance",
    "p_from_log_p",
    "sigma_from_log_p",
    "bootstrap_locations",
    "permutation_shifts",
    "fake_ephemeris_shifts",
    "mahalanobis_many",
    "analytic_covariance",
    "Significance",
]

LOCATION_METHODS = ("mean", "median", "huber")
SIGNIFICANCE_METHODS = ("analytic", "bootstrap", "permutation", "empirical")
#: Huber tuning constant (95 % asymptotic efficiency at the Gaussian; Huber 1981).
HUBER_C = 1.345
#: Asymptotic variance of each estimator relative to the mean, for Gaussian data.
_EFFICIENCY_VARIANCE = {"mean": 1.0, "median": math.pi / 2.0, "huber": 1.0 / 0.95}
_MAD_TO_SIGMA = 1.482602218505602
_CHUNK = 100  # resamples per vectorised chunk


@dataclass(frozen=True)
class Significance:
    """Outcome of one significance method (internal transfer object).

    Attributes
    ----------
    covariance : ndarray, shape (2, 2)
        Covariance of the shift vector (pixels²) under the method.
    log_p : float
        Natural log of the p-value under "no shift".
    sigma : float
        ``sqrt(-2 log_p)``.
    ci : tuple of float
        95 % interval of |shift| (pixels); NaN when the method gives none.
    in_cov, out_cov : ndarray, shape (2, 2)
        Covariances of the in- and out-of-transit centroid estimates (pixels²).
    warnings : tuple of str
    """

    covariance: np.ndarray
    log_p: float
    sigma: float
    ci: tuple[float, float]
    in_cov: np.ndarray
    out_cov: np.ndarray
    warnings: tuple[str, ...] = ()


# ----------------------------------------------------------------------------
# location estimators (vectorised over leading axes; values along the last axis)
# ----------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------
# p-values
# ----------------------------------------------------------------------------


def p_from_log_p(log_p: float) -> float:
    """p-value from its natural log: 0 for ``-inf`` (underflow), NaN for NaN, else ``exp(log_p)``."""
    return math.exp(log_p) if math.isfinite(log_p) else (0.0 if log_p == -math.inf else math.nan)


def sigma_from_log_p(log_p: float) -> float:
    """The package's one significance convention: ``sigma = sqrt(-2 ln p)`` from ``ln p``.

    For a 2-D Gaussian vector this is the Mahalanobis distance (the χ², 2 dof,
    of Bryson et al. 2013, arXiv:1303.0052). Every V08 method, the per-transit
    test and the sector combination report their significance through it.

    Parameters
    ----------
    log_p : float
        Natural log of a p-value.

    Returns
    -------
    float
        ``inf`` for ``log_p = -inf`` (p underflowed to 0), NaN for NaN,
        0 for ``log_p >= 0`` (p ≥ 1), else ``sqrt(-2 log_p)``.
    """
    log_p = float(log_p)
    if math.isnan(log_p):
        return math.nan
    if log_p == -math.inf:
        return math.inf
    if log_p >= 0.0:
        return 0.0
    return math.sqrt(-2.0 * log_p)


def chi2_2dof_significance(shift: np.ndarray, cov: np.ndarray) -> tuple[float, float, bool]:
    """Mahalanobis-distance significance of a 2-D shift (Bryson et al. 2013).

    Parameters
    ----------
    shift : ndarray, shape (2,)
        Shift vector, pixels.
    cov : ndarray, shape (2, 2)
        Its covariance under "no shift", pixels².

    Returns
    -------
    log_p : float
        ``-d²/2`` — the exact log survival function of χ²(2 dof); no underflow.
    sigma : float
        ``d = sqrt(-2 log_p)``; ``inf`` when the shift lies outside the support
        of a singular covariance.
    degenerate : bool
        True when the covariance was singular (pseudo-inverse used).
    """
    shift = np.asarray(shift, dtype=float)
    cov = np.asarray(cov, dtype=float)
    if not (np.all(np.isfinite(shift)) and np.all(np.isfinite(cov))):
        return math.nan, math.nan, False
    norm = float(np.hypot(*shift))
    if norm == 0.0:
        return 0.0, 0.0, False
    evals, evecs = np.linalg.eigh(0.5 * (cov + cov.T))
    tol = max(float(np.max(np.abs(evals))), 0.0) * 1e-12
    proj = evecs.T @ shift
    d2 = 0.0
    degenerate = False
    for lam, p in zip(evals, proj):
        if lam > tol and lam > 0:
            d2 += p * p / lam
        else:
            degenerate = True
            if abs(p) > 1e-12 * norm:
                return -math.inf, math.inf, True
    log_p = -0.5 * d2
    return log_p, sigma_from_log_p(log_p), degenerate


def hotelling_significance(shift: np.ndarray, fakes: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Hotelling T² p-value of one new 2-D vector against ``n`` null samples.

    If the observed shift and the fake-ephemeris shifts ``x_1..x_n`` are iid
    N(μ, Σ) in p = 2 dimensions, ``T² = n/(n+1) (x − x̄)ᵀ S⁻¹ (x − x̄)`` and
    ``T² (n − p) / (p (n − 1)) ~ F(p, n − p)``. For p = 2 the F survival
    function is exactly ``(1 + 2F/m)^(-m/2)`` with m = n − 2, evaluated in log
    space so no p-value underflows.

    Returns
    -------
    log_p, sigma : float
    cov : ndarray, shape (2, 2)
        Sample covariance ``S`` of the fakes (pixels²).
    """
    fakes = np.asarray(fakes, dtype=float)
    n = fakes.shape[0]
    mean = fakes.mean(axis=0)
    cov = np.cov(fakes, rowvar=False, ddof=1)
    diff = np.asarray(shift, dtype=float) - mean
    log_p_chi, d, _ = chi2_2dof_significance(diff, cov)
    if not np.isfinite(d):
        return log_p_chi, d, cov
    t2 = d * d * n / (n + 1.0)
    m = n - 2.0
    fstat = t2 * m / (2.0 * (n - 1.0))
    log_p = -0.5 * m * math.log1p(2.0 * fstat / m)
    return log_p, sigma_from_log_p(log_p), cov


# ----------------------------------------------------------------------------
# covariances
# ----------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------
# bootstrap
# ----------------------------------------------------------------------------


def _direct_bootstrap(
    cx: np.ndarray, cy: np.ndarray, w: np.ndarray, method: str, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap locations by materialising index draws in chunks of 100 resamples."""
    n = cx.size
    out = np.empty((n_boot, 2))
    dtype = np.int32 if n < 2**31 else np.int64
    for start in range(0, n_boot, _CHUNK):
        b = min(_CHUNK, n_boot - start)
        idx = rng.integers(0, n, size=(b, n), dtype=dtype)
        ww = w[idx] if method == "mean" else None
        out[start : start + b, 0] = location_estimate(cx[idx], method, ww)
        out[start : start + b, 1] = location_estimate(cy[idx], method, ww)
    return out


def _order_statistic_bootstrap_median(
    cx: np.ndarray, cy: np.ndarray, n_boot: int, rng: np.random.Generator, half_width_sd: float = 5.5
) -> np.ndarray | None:
    """Exact bootstrap of the 2-D coordinate-wise median without materialising resamples.

    A bootstrap resample is a multinomial count vector over the n cadences. The
    resample median only depends on counts near the middle order statistics, so
    cadences whose x- or y-rank lies within ±``half_width_sd`` bootstrap standard
    deviations (√n/2 ranks) of the middle are drawn individually, and the others
    only as four quadrant totals (below/above the window in x and in y). The
    draw is exact; if a resample's median falls outside the window (probability
    ~4e-8 per resample) ``None`` is returned and the caller falls back to direct
    resampling. Resamples are processed in chunks of 250.
    """
    n = cx.size
    h = int(math.ceil(half_width_sd * math.sqrt(n) / 2.0)) + 2
    mid = n // 2
    lo, hi = max(0, mid - h), min(n, mid + h + 1)
    targets = (n // 2, n // 2 + 1) if n % 2 == 0 else ((n + 1) // 2,)  # 1-based order statistics
    ranks = []
    for c in (cx, cy):
        r = np.empty(n, dtype=np.int64)
        r[np.argsort(c, kind="stable")] = np.arange(n)
        ranks.append(r)
    rx, ry = ranks
    win = ((rx >= lo) & (rx < hi)) | ((ry >= lo) & (ry < hi))
    w_idx = np.flatnonzero(win)
    nw = w_idx.size
    rest = ~win
    q = 2 * (rx[rest] < lo) + (ry[rest] < lo)  # bit 1: x below the window, bit 0: y below
    pvals = np.concatenate([[nw], np.bincount(q, minlength=4)]).astype(float) / n
    axes = []
    for c, r in ((cx, rx), (cy, ry)):
        wr = r[w_idx]
        sort = np.argsort(wr, kind="stable")
        pos = np.empty(nw, dtype=np.int32)
        pos[sort] = np.arange(nw, dtype=np.int32)  # W member -> its position in this axis' order
        wr_sorted = wr[sort]
        axes.append((pos, c[w_idx][sort], int(np.searchsorted(wr_sorted, lo)), int(np.searchsorted(wr_sorted, hi))))
    out = np.empty((n_boot, 2))
    chunk = 250
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        groups = rng.multinomial(n, pvals, size=b)  # (b, 5): W, quadrants 0..3
        n_w = groups[:, 0]
        width = max(int(n_w.max()), 1)
        draws = rng.integers(0, nw, size=(b, width), dtype=np.int32)
        invalid = np.arange(width, dtype=np.int32)[None, :] >= n_w[:, None]
        row_off = (np.arange(b, dtype=np.intp) * nw)[:, None]
        belows = (groups[:, 3] + groups[:, 4], groups[:, 2] + groups[:, 4])
        for axis, ((pos, vals, n_before, n_upto), below) in enumerate(zip(axes, belows)):
            flat = row_off + pos[draws]
            flat[invalid] = b * nw  # surplus draws go to a discarded extra bin
            counts = np.bincount(flat.ravel(), minlength=b * nw + 1)[: b * nw].reshape(b, nw)
            below_window = below + counts[:, :n_before].sum(axis=1)
            cum = np.cumsum(counts[:, n_before:n_upto], axis=1) + below_window[:, None]
            acc = np.zeros(b)
            for k in targets:
                if np.any(below_window >= k) or np.any(cum[:, -1] < k):
                    return None
                acc += vals[n_before + np.count_nonzero(cum < k, axis=1)]
            out[start : start + b, axis] = acc / len(targets)
    return out


def bootstrap_locations(
    cx: np.ndarray,
    cy: np.ndarray,
    w: np.ndarray,
    method: str,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bootstrap distribution of a group's centroid estimate (Efron & Tibshirani 1993).

    Parameters
    ----------
    cx, cy : ndarray, shape (n,)
        Per-cadence centroids (pixels) of one group (in- or out-of-transit).
    w : ndarray, shape (n,)
        Per-cadence total flux (weights of the ``mean`` estimator), e-/s.
    method : {"mean", "median", "huber"}
    n_boot : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_boot, 2)
        (x, y) estimates of each resample, pixels.
    """
    if method == "median" and cx.size > 50:
        fast = _order_statistic_bootstrap_median(cx, cy, n_boot, rng)
        if fast is not None:
            return fast
    return _direct_bootstrap(cx, cy, w, method, n_boot, rng)


def permutation_shifts(
    cx: np.ndarray,
    cy: np.ndarray,
    w: np.ndarray,
    n_in: int,
    method: str,
    n_perm: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Null shift vectors from random in/out relabelling of pooled centroids.

    Parameters
    ----------
    cx, cy, w : ndarray, shape (n_in + n_out,)
        Pooled per-cadence centroids (pixels) and total fluxes (e-/s).
    n_in : int
        Size of the pseudo in-transit group.
    method : {"mean", "median", "huber"}
    n_perm : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_perm, 2)
        in − out of each relabelling, pixels.
    """
    n = cx.size
    out = np.empty((n_perm, 2))
    for start in range(0, n_perm, _CHUNK):
        b = min(_CHUNK, n_perm - start)
        perm = np.argpartition(rng.random((b, n)), n_in - 1, axis=1) if n_in < n else np.tile(np.arange(n), (b, 1))
        ins, outs = perm[:, :n_in], perm[:, n_in:]
        for axis, c in enumerate((cx, cy)):
            est_in = location_estimate(c[ins], method, w[ins] if method == "mean" else None)
            est_out = location_estimate(c[outs], method, w[outs] if method == "mean" else None)
            out[start : start + b, axis] = est_in - est_out
    return out


def mahalanobis_many(vecs: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Mahalanobis distances of the rows of ``vecs`` (pseudo-inverse for a singular ``cov``)."""
    if not np.all(np.isfinite(cov)):
        return np.full(vecs.shape[0], np.nan)
    inv = np.linalg.pinv(cov)
    return np.sqrt(np.maximum(np.einsum("bi,ij,bj->b", vecs, inv, vecs), 0.0))


def group_median(values: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` within each group ``0 … n_groups-1`` (NaN for an empty group), in one sort."""
    order = np.lexsort((values, labels))
    v = values[order]
    counts = np.bincount(labels, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    med = np.full(n_groups, np.nan)
    ok = counts > 0
    med[ok] = 0.5 * (v[starts[ok] + (counts[ok] - 1) // 2] + v[starts[ok] + counts[ok] // 2])
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
