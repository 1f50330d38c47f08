"""Where each cadence sits relative to the transits: phase, time from mid-transit, window masks.

Two window definitions live here, side by side, so every step can say which it uses:

* :func:`transit_masks` — the light-curve depth of step 02: in transit
  ``|Δt| < D/2``, out of transit ``|Δt| > 1.5·D``;
* :func:`transit_window_masks` — the pixel checks (V08 and what builds on it):
  in transit ``|Δt| ≤ k_in·D/2``, out of transit ``|Δt| > D/2 + k_buffer·D``.

Δt is the signed time from the nearest predicted mid-transit (days, BTJD input)
and D the total transit duration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import target
from ..data.validate import check_time
from .ephemeris import Ephemeris, TransitParams

__all__ = [
    "phase",
    "time_from_midtransit",
    "transit_masks",
    "transit_window_masks",
]


def _ephemeris_args(ephemeris: Ephemeris | None) -> Ephemeris:
    if ephemeris is None:
        return Ephemeris(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
    if not isinstance(ephemeris, Ephemeris):
        raise TypeError(f"ephemeris: expected an Ephemeris, got {type(ephemeris).__name__}")
    return ephemeris


def phase(time: np.ndarray, ephemeris: Ephemeris | None = None) -> np.ndarray:
    """Orbital phase in [-0.5, 0.5), zero at mid-transit.

    Parameters
    ----------
    time : array_like
        BTJD, days.
    ephemeris : Ephemeris, optional
        Defaults to TOI-5807.01's.
    """
    eph = _ephemeris_args(ephemeris)
    t = np.asarray(time, dtype=np.float64)
    return np.mod((t - eph.t0_btjd) / eph.period_days + 0.5, 1.0) - 0.5


def time_from_midtransit(time: np.ndarray, ephemeris: Ephemeris | None = None) -> np.ndarray:
    """Signed time from the nearest mid-transit, days."""
    eph = _ephemeris_args(ephemeris)
    return phase(time, eph) * eph.period_days


def transit_masks(
    time: np.ndarray, ephemeris: Ephemeris | None = None, *, oot_factor: float = 1.5
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean in-transit and out-of-transit masks.

    In transit: ``|Δt| < duration/2`` (strict). Out of transit: ``|Δt| > oot_factor·duration``.
    Cadences in between belong to neither.

    Parameters
    ----------
    time : array_like
        BTJD, days.
    ephemeris : Ephemeris, optional
    oot_factor : float, default 1.5
        Out-of-transit exclusion half-width in units of the duration.
    """
    eph = _ephemeris_args(ephemeris)
    dt = np.abs(time_from_midtransit(time, eph))
    return dt < 0.5 * eph.duration_days, dt > oot_factor * eph.duration_days


def transit_window_masks(
    time: Any, transit_params: TransitParams, k_in: float = 1.0, k_buffer: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-of-transit cadence masks (window policy v1).

    With Δt the time from the nearest mid-transit and D the duration (days):
    in-transit ``|Δt| ≤ k_in·D/2``; out-of-transit ``|Δt| > D/2 + k_buffer·D``.
    Non-finite times are in neither.

    Parameters
    ----------
    time : array_like, shape (n,)
        BTJD, days.
    transit_params : TransitParams
    k_in, k_buffer : float

    Returns
    -------
    in_mask, out_mask : ndarray of bool, shape (n,)
    """
    t = check_time(time)
    p = transit_params.period
    d = transit_params.duration_days
    with np.errstate(invalid="ignore"):
        dt = np.abs(np.mod(t - transit_params.t0 + 0.5 * p, p) - 0.5 * p)
        in_mask = dt <= k_in * d / 2.0
        out_mask = dt > d / 2.0 + k_buffer * d
    return in_mask, out_mask
