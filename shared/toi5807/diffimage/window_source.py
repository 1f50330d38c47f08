"""The good cadences and pointing behind a sector's difference images, kept so that difference images at other
mid-times (the fake epochs of :mod:`toi5807.diffimage.fakes`) are a few cumulative-sum lookups away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WindowSource"]


@dataclass(frozen=True, eq=False)
class WindowSource:
    """What difference images at other mid-times need, kept from :func:`difference_images` (no copy made).

    Attributes
    ----------
    time : ndarray (n_good,)
        BTJD of the good cadences, time order, days.
    values : ndarray (n_good, n_pix)
        Their flux, pixels flattened (all stamp pixels), e-/s.
    pointing : ndarray (n_good, 6)
        ``δcol, δrow, ε, δcol², δcol·δrow, δrow²`` per cadence (pixels; ε relative dilation).
    fixed : ndarray (4, n_pix)
        Focus and second-order pointing responses subtracted from every image (e-/s per unit).
    dump_times : ndarray or None
        Momentum dumps (BTJD): window breaks.
    duration_days : float
    sigma_unit : ndarray (rows, cols)
        Per-pixel 1σ per unit ``1/n_in + 1/n_out``, e-/s.
    """

    time: np.ndarray
    values: np.ndarray
    pointing: np.ndarray
    fixed: np.ndarray
    dump_times: Any
    duration_days: float
    sigma_unit: np.ndarray
