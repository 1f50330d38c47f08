"""Resampling nulls of the V08 shift: the bootstrap of a group's location and in/out label permutations.

Bootstrap resampling follows Efron & Tibshirani (1993, *An Introduction to the
Bootstrap*). All random draws use a :class:`numpy.random.Generator` passed in
by the caller (created from an explicit seed).
"""

from __future__ import annotations

import math

import numpy as np

from ..pixels.location import location_estimate

__all__ = ["bootstrap_locations", "permutation_shifts"]


_CHUNK = 100  # resamples per vectorised chunk


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
