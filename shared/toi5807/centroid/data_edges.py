"""Windows at orbit starts and data gaps: where the pointing is not like the rest of the sector.

On the real sector-83 pixels of TOI-5807 the per-transit centroid estimator
(:mod:`toi5807.centroid.per_transit`) sees two episodes that no fake epoch
between the transits samples: windows ≈ 2.2–3 days after the sector start
(BTJD 3561.7–3562.4) and windows straddling the mid-sector gap (3571.5–3572.3)
give shift vectors with χ² of 25–50 against the sector's null, where the rest of
the sector gives ≈ 0.05. The sector null is one covariance and averages them
away, so empty epochs that fall there reach 3σ at 18.6 % of 199 offsets (1.11 %
nominal). :func:`edge_flags` marks every window whose ±W span overlaps the
first ``settle_days`` of an orbit or contains a data gap; the per-transit test
leaves such epochs out of its combined test (flagged, never silently).

Orbit starts are the first cadence of every chunk of data (chunks are separated
by gaps longer than ``sector_gap_days``) and the first cadence after the gap
nearest the middle of a chunk (TESS's orbit boundary: a sector is two orbits;
since sector 56 the downlink gaps are all ≈ 0.2 d long, so the length alone does
not tell the orbit boundary from the mid-orbit downlinks).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EDGE_SETTLE_DAYS", "EDGE_GAP_DAYS", "EDGE_FLAGS", "data_gaps", "orbit_starts", "edge_flags"]

#: Days after an orbit start during which a window is flagged ``orbit_start`` (real s83: the episode ends 2.9 d in).
EDGE_SETTLE_DAYS: float = 3.0
#: Shortest gap between cadences that counts as a data gap, days (2.4 h; TESS downlinks are ≈ 0.2 d).
EDGE_GAP_DAYS: float = 0.1
#: The flags :func:`edge_flags` may set.
EDGE_FLAGS: tuple[str, ...] = ("orbit_start", "straddles_gap")


def data_gaps(time: np.ndarray, gap_days: float = EDGE_GAP_DAYS) -> np.ndarray:
    """(start, end) BTJD of every gap longer than ``gap_days`` between finite times, shape (k, 2), time-sorted."""
    t = np.sort(np.asarray(time, dtype=float)[np.isfinite(time)])
    if t.size < 2:
        return np.empty((0, 2))
    i = np.flatnonzero(np.diff(t) > gap_days)
    return np.column_stack([t[i], t[i + 1]])


def orbit_starts(time: np.ndarray, *, gap_days: float = EDGE_GAP_DAYS, sector_gap_days: float = 2.0) -> np.ndarray:
    """BTJD of every orbit start: each chunk's first cadence and the end of the gap nearest the chunk's middle.

    Parameters
    ----------
    time : array_like
        Cadence times, BTJD (NaN ignored).
    gap_days : float
        Shortest gap considered, days.
    sector_gap_days : float
        Gaps longer than this separate chunks (sectors), days.

    Returns
    -------
    ndarray
        Sorted BTJD.
    """
    t = np.sort(np.asarray(time, dtype=float)[np.isfinite(time)])
    if t.size == 0:
        return np.empty(0)
    g = data_gaps(t, gap_days)
    long_gap = (g[:, 1] - g[:, 0]) > sector_gap_days
    bounds = np.concatenate([[t[0]], g[long_gap, 1], [np.inf]])
    ends = np.concatenate([g[long_gap, 0], [t[-1]]])
    starts = []
    for lo, hi, end in zip(bounds[:-1], bounds[1:], ends):
        starts.append(lo)
        inner = g[~long_gap & (g[:, 0] >= lo) & (g[:, 1] < hi)]
        if inner.size:
            mid = 0.5 * (lo + end)
            starts.append(float(inner[np.argmin(np.abs(0.5 * (inner[:, 0] + inner[:, 1]) - mid)), 1]))
    return np.asarray(starts, dtype=float)


def edge_flags(centres: np.ndarray, half_span: float, time: np.ndarray, *, settle_days: float = EDGE_SETTLE_DAYS,
               gap_days: float = EDGE_GAP_DAYS) -> list[tuple[str, ...]]:
    """Flags of the windows ``[c − W, c + W]`` centred on ``centres`` (BTJD; ``W = half_span``, days).

    ``"orbit_start"`` when the window overlaps ``[s, s + settle_days]`` for an orbit start ``s``
    (:func:`orbit_starts`); ``"straddles_gap"`` when a data gap longer than ``gap_days`` (:func:`data_gaps`)
    lies inside or across it. Empty tuple for a window with neither.

    Returns
    -------
    list of tuple of str
        One per centre.
    """
    c = np.atleast_1d(np.asarray(centres, dtype=float))
    lo, hi = c - half_span, c + half_span
    s = orbit_starts(time, gap_days=gap_days)
    g = data_gaps(time, gap_days)
    at_start = np.any((lo[:, None] <= s[None, :] + settle_days) & (hi[:, None] >= s[None, :]), axis=1)
    at_gap = np.any((lo[:, None] < g[None, :, 1]) & (hi[:, None] > g[None, :, 0]), axis=1)
    return [tuple(f for f, on in zip(EDGE_FLAGS, (a, b)) if on) for a, b in zip(at_start, at_gap)]

