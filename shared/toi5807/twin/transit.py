"""The twin's transit signal: a quadratic limb-darkened transit (SIMULATION model).

Small-planet approximation of Mandel & Agol (2002, ApJ 580, L171) with
limb-darkening coefficients of the kind tabulated by Claret (2017, A&A 600,
A30) for the TESS band.
"""

from __future__ import annotations

import numpy as np

__all__ = ["U1", "U2", "IMPACT_PARAMETER", "time_from_mid", "overlap_fraction", "transit_deficit"]


#: Quadratic limb-darkening coefficients (TESS band, Teff 6816 K, logg 4.17; cf. Claret 2017).
U1: float = 0.25


U2: float = 0.30


#: Impact parameter of the simulated transit (roughly consistent with the stellar density and 4.05 h duration).
IMPACT_PARAMETER: float = 0.75


def time_from_mid(time: np.ndarray, period_days: float, t0_btjd: float) -> np.ndarray:
    """Signed time from the nearest mid-transit, days (BTJD input)."""
    t = np.asarray(time, dtype=np.float64)
    return (np.mod((t - t0_btjd) / period_days + 0.5, 1.0) - 0.5) * period_days


def overlap_fraction(z: np.ndarray, p: float) -> np.ndarray:
    """Area of the stellar disk covered by the planet, in units of the planet's area (0..1).

    Parameters
    ----------
    z : ndarray
        Sky-projected centre separation, stellar radii.
    p : float
        Planet-to-star radius ratio (< 1).
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.zeros_like(z)
    out[z <= 1.0 - p] = 1.0
    part = (z > 1.0 - p) & (z < 1.0 + p)
    zp = z[part]
    k0 = np.arccos(np.clip((p * p + zp * zp - 1.0) / (2.0 * p * zp), -1.0, 1.0))
    k1 = np.arccos(np.clip((1.0 - p * p + zp * zp) / (2.0 * zp), -1.0, 1.0))
    sq = np.sqrt(np.clip(4.0 * zp * zp - (1.0 + zp * zp - p * p) ** 2, 0.0, None)) / 2.0
    out[part] = (p * p * k0 + k1 - sq) / (np.pi * p * p)
    return out


def transit_deficit(dt_days: np.ndarray, *, p: float, duration_days: float,
                    b: float = IMPACT_PARAMETER, u1: float = U1, u2: float = U2) -> np.ndarray:
    """Fractional flux deficit ``1 - F/F0`` of a limb-darkened transit (SIMULATION model).

    The planet moves on a straight chord with impact parameter ``b`` at the
    speed that makes first-to-fourth contact last ``duration_days``.

    Parameters
    ----------
    dt_days : ndarray
        Time from mid-transit, days.
    p : float
        Radius ratio Rp/R*.
    duration_days : float
        Total (T14) duration, days.
    b : float
        Impact parameter, stellar radii.
    u1, u2 : float
        Quadratic limb-darkening coefficients.

    Returns
    -------
    ndarray
        Deficit, dimensionless (0 out of transit).
    """
    half_chord = np.sqrt((1.0 + p) ** 2 - b * b)
    x = 2.0 * half_chord * np.asarray(dt_days, dtype=np.float64) / duration_days
    z = np.hypot(x, b)
    lam = overlap_fraction(z, p)
    r = np.clip(np.where(z <= 1.0 - p, z, 0.5 * (z - p + 1.0)), 0.0, 1.0)
    one_minus_mu = 1.0 - np.sqrt(1.0 - r * r)
    intensity = 1.0 - u1 * one_minus_mu - u2 * one_minus_mu ** 2
    return p * p * lam * intensity / (1.0 - u1 / 3.0 - u2 / 6.0)


def _shape_mean_in_window(duration_days: float, p: float = 0.02) -> float:
    """Mean of the transit deficit over ``|dt| < duration/2``.

    With per-cadence noise (≈240 ppm) much larger than the depth, the median of the
    in-transit fluxes that ``estimate_depth_ppm`` takes tends to the *mean* signal, so
    the shape is normalised by its in-window mean.
    """
    dt = np.linspace(-0.5, 0.5, 4001) * duration_days
    return float(np.mean(transit_deficit(dt, p=p, duration_days=duration_days)))
