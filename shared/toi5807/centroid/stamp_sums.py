"""The stamp's per-cadence flux sums and the depth statistic at fake ephemerides, vectorised.

Helpers of :func:`toi5807.centroid.source_offset.stamp_depth`: :func:`stamp_sums` adds
the positive finite pixels of every cadence (rescaled when the values are so
large or small that sums overflow or ratios lose digits — ratios are unchanged),
and :func:`fake_depths` evaluates ``1 − median(in)/median(out)`` at every fake
ephemeris between the transits at once (one sort; no loop over fakes or transits).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config import CentroidShiftConfig
from ..pixels.location import group_median
from ..pixels.quality import cadence_seconds

__all__ = ["stamp_sums", "fake_depths", "fake_depths_by_definition"]


def stamp_sums(cube: np.ndarray) -> np.ndarray:
    """Per-cadence sums of the positive finite pixels, rescaled when the values are extreme (ratios unchanged)."""
    w = np.where(np.isfinite(cube), np.maximum(cube, 0.0), 0.0).reshape(cube.shape[0], -1)
    peak = float(w.max(initial=0.0))
    if peak > 1e150 or 0.0 < peak < 1e-150:  # sums of huge values overflow, ratios of subnormal ones lose digits
        w /= peak
    with np.errstate(over="ignore"):
        return w.sum(axis=1)


def _complement_median(sorted_vals: np.ndarray, removed: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``sorted_vals`` without the ranks ``removed[group == g]``, for every group g at once.

    The k-th remaining value sits at rank p with p = k + #(removed ranks ≤ p); the smallest such p is found
    by fixed-point iteration from p = k (at most the largest group size steps, typically two or three).
    """
    n = sorted_vals.size
    keys = np.sort(group.astype(np.int64) * (n + 1) + removed)
    counts = np.bincount(group, minlength=n_groups)
    base = np.arange(n_groups, dtype=np.int64) * (n + 1)
    m = n - counts
    out = np.full(n_groups, np.nan)
    ok = m > 0
    halves = []
    for k in ((m - 1) // 2, m // 2):
        p = k.copy()
        for _ in range(int(counts.max(initial=0)) + 1):
            below = np.searchsorted(keys, base + p, side="right") - np.searchsorted(keys, base, side="left")
            new = k + below
            if np.array_equal(new, p):
                break
            p = new
        halves.append(sorted_vals[np.clip(p, 0, n - 1)])
    out[ok] = 0.5 * (halves[0][ok] + halves[1][ok])
    return out


def fake_depths(tot: np.ndarray, t: np.ndarray, outs: np.ndarray, tp: Any, cfg: CentroidShiftConfig) -> np.ndarray:
    """The depth statistic at every fake ephemeris between the transits, vectorised (no loop over fakes).

    Fake j (1 ≤ j ≤ n) is centred at phase j·(h_in + h_out) from T0, as the empirical V08 method; its
    in-group is the out-of-transit cadences within h_in of its centre, its out-group all other
    out-of-transit cadences farther than h_out from it. Fakes need as many cadences as the real check.
    """
    h_in, h_out = cfg.k_in * tp.duration_days / 2.0, tp.duration_days / 2.0 + cfg.k_buffer * tp.duration_days
    step = h_in + h_out
    n_fake = int(math.floor((tp.period - 2.0 * step) / step)) + 1 if tp.period > 2.0 * step else 0
    if n_fake == 0:
        return np.empty(0)
    idx = np.flatnonzero(outs)
    vals = tot[idx]
    order = np.argsort(vals, kind="stable")
    rank = np.empty(idx.size, dtype=np.int64)
    rank[order] = np.arange(idx.size)
    near = np.rint(np.mod(t[idx] - tp.t0, tp.period) / step).astype(np.int64)
    reach = int(math.ceil(h_out / step)) + 1
    in_lab, in_val, out_lab, out_rank = [], [], [], []
    for d in range(-reach, reach + 1):  # a few neighbouring fakes per cadence: no loop over fakes or transits
        j = near + d
        # the distance to fake j as a per-fake evaluation computes it, so window edges agree to the bit
        dist = np.abs(np.mod(t[idx] - (tp.t0 + j * step) + 0.5 * tp.period, tp.period) - 0.5 * tp.period)
        real = (j >= 1) & (j <= n_fake)
        pick = real & (dist <= h_in)
        in_lab.append(j[pick] - 1)
        in_val.append(vals[pick])
        pick = real & (dist <= h_out)
        out_lab.append(j[pick] - 1)
        out_rank.append(rank[pick])
    lab = np.concatenate(in_lab)
    med_in = group_median(np.concatenate(in_val), lab, n_fake)
    n_in = np.bincount(lab, minlength=n_fake)
    grp = np.concatenate(out_lab)
    med_out = _complement_median(vals[order], np.concatenate(out_rank), grp, n_fake)
    n_go = idx.size - np.bincount(grp, minlength=n_fake)
    min_in, min_out = cfg.min_counts(cadence_seconds(t[idx]))  # 2-minute counts as durations at this cadence
    good = (n_in >= max(min_in, 3)) & (n_go >= max(min_out, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1.0 - med_in / med_out)[good]


def fake_depths_by_definition(tot: np.ndarray, t: np.ndarray, outs: np.ndarray, tp: Any,
                              cfg: CentroidShiftConfig) -> np.ndarray:
    """:func:`fake_depths` written as the definition, one fake at a time (slow: the reference for tests and the
    benchmark; equal to :func:`fake_depths` bit for bit)."""
    h_in, h_out = cfg.k_in * tp.duration_days / 2.0, tp.duration_days / 2.0 + cfg.k_buffer * tp.duration_days
    step = h_in + h_out
    n_fake = int(math.floor((tp.period - 2.0 * step) / step)) + 1 if tp.period > 2.0 * step else 0
    out = []
    min_in, min_out = cfg.min_counts(cadence_seconds(t[outs]))
    for j in range(1, n_fake + 1):
        dtf = np.abs(np.mod(t - (tp.t0 + j * step) + 0.5 * tp.period, tp.period) - 0.5 * tp.period)
        gi, go = outs & (dtf <= h_in), outs & (dtf > h_out)
        if gi.sum() >= max(min_in, 3) and go.sum() >= max(min_out, 3):
            out.append(1.0 - np.median(tot[gi]) / np.median(tot[go]))
    return np.array(out)
