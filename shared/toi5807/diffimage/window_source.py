"""The good cadences and pointing behind a sector's difference images, kept so that difference images at other
mid-times (the fake epochs of :mod:`toi5807.diffimage.fakes`) are a few cumulative-sum lookups away, and the range
sums that make those lookups (:func:`range_summer`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["WindowSource", "range_summer"]


@dataclass(frozen=True, eq=False)
class WindowSource:
    """What difference images at other mid-times need, kept from :func:`difference_images` (no copy made).

    Attributes
    ----------
    time : ndarray (n_good,)
        BTJD of the good cadences, time order, days.
    columns : ndarray (n_pix + 6, n_good)
        Pixel-major: their flux, one row per stamp pixel (flattened, e-/s), then the rows
        ``δcol, δrow, ε, δcol², δcol·δrow, δrow²`` (pixels; ε relative dilation); :attr:`values` and
        :attr:`pointing` are cadence-major views of it.
    fixed : ndarray (4, n_pix)
        Focus and second-order pointing responses subtracted from every image (e-/s per unit).
    dump_times : ndarray or None
        Momentum dumps (BTJD): window breaks.
    duration_days : float
    sigma_unit : ndarray (rows, cols)
        Per-pixel 1σ per unit ``1/n_in + 1/n_out``, e-/s.
    """

    time: np.ndarray
    columns: np.ndarray
    fixed: np.ndarray
    dump_times: Any
    duration_days: float
    sigma_unit: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """Flux of the good cadences (n_good, n_pix), e-/s (a view)."""
        return self.columns[:-6].T

    @property
    def pointing(self) -> np.ndarray:
        """``δcol, δrow, ε, δcol², δcol·δrow, δrow²`` of the good cadences (n_good, 6) (a view)."""
        return self.columns[-6:].T


def range_summer(columns: np.ndarray, ranges: list[np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """Sums of pixel-major ``columns`` (k, n) over half-open cadence ranges.

    Returns ``sums(r)``: for ranges ``r`` (m, 2) drawn from ``ranges`` (a list of (·, 2) integer arrays within
    ``0 … n``), the sums ``columns[:, a:b].sum(axis=1)`` as rows (m, k). The cumulative sum is taken at the ranges'
    end points only: one pass of segment sums along contiguous memory (``np.add.reduceat``), then a cumulative sum of
    a few hundred rows — not a cumulative sum of every cadence.
    """
    k, n = columns.shape
    ends = np.unique(np.concatenate([np.zeros(1, dtype=np.intp)] + [np.asarray(r, dtype=np.intp).ravel()
                                                                      for r in ranges]))
    inner = ends[ends < n]
    cum = np.zeros((inner.size + 1, k))
    if n and k:
        np.cumsum(np.add.reduceat(columns, inner, axis=1).T, axis=0, out=cum[1:])
    at = np.append(inner, n)  # cum[j] = columns[:, :at[j]].sum(axis=1)

    def sums(r: np.ndarray) -> np.ndarray:
        i = np.searchsorted(at, np.asarray(r, dtype=np.intp))
        return cum[i[:, 1]] - cum[i[:, 0]]

    return sums
