"""Light-curve operations: stitching sectors, phase folding, transit masks, depth.

The depth estimate is deliberately simple (a difference of medians) so that a
reader can check it by hand; it is what the tutorial's step 2 prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import target
from .datamodel import Dataset

__all__ = [
    "check_ephemeris",
    "Ephemeris",
    "Candidate",
    "StitchedLightCurve",
    "DepthEstimate",
    "stitch_pdcsap",
    "phase",
    "time_from_midtransit",
    "transit_masks",
    "estimate_depth_ppm",
    "make_candidate",
    "estimate_planet_radius_earth",
]

#: Earth radii per solar radius (IAU 2015 nominal values: R☉ = 695 700 km, R⊕ = 6 378.1 km).
EARTH_RADII_PER_SOLAR_RADIUS = 109.076


def check_ephemeris(
    period: Any, t0: Any, duration_hours: Any, names: tuple[str, str, str] = ("period_days", "t0_btjd", "duration_hours")
) -> tuple[float, float, float]:
    """Validate a linear ephemeris; return (period days, t0 BTJD, duration hours) as floats.

    Raises ``TypeError`` for non-real values and ``ValueError`` for non-finite values, period ≤ 0 or a
    duration outside (0, 24·period) hours; messages use ``names`` for the three fields.
    """
    values = []
    for name, value in zip(names, (period, t0, duration_hours)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
        if not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value}")
        values.append(float(value))
    p, t, d = values
    if p <= 0:
        raise ValueError(f"{names[0]}: expected > 0 days, got {p}")
    if not 0 < d < 24.0 * p:
        raise ValueError(f"{names[2]}: expected 0 < duration < 24·period = {24.0 * p:g} h, got {d}")
    return p, t, d


@dataclass(frozen=True)
class Ephemeris:
    """A linear transit ephemeris.

    Parameters
    ----------
    period_days : float
        Orbital period, days (> 0).
    t0_btjd : float
        A mid-transit time, BTJD.
    duration_hours : float
        Total transit duration, hours (0 < duration < 24·period).
    """

    period_days: float
    t0_btjd: float
    duration_hours: float

    def __post_init__(self) -> None:
        p, t, d = check_ephemeris(self.period_days, self.t0_btjd, self.duration_hours)
        object.__setattr__(self, "period_days", p)
        object.__setattr__(self, "t0_btjd", t)
        object.__setattr__(self, "duration_hours", d)

    @property
    def duration_days(self) -> float:
        """Transit duration in days."""
        return self.duration_hours / 24.0

    def to_dict(self) -> dict[str, float]:
        """JSON-safe mapping of the three parameters."""
        return {"period_days": self.period_days, "t0_btjd": self.t0_btjd, "duration_hours": self.duration_hours}


@dataclass(frozen=True)
class Candidate:
    """A transit candidate: ephemeris plus depth in ppm."""

    ephemeris: Ephemeris
    depth_ppm: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return {"ephemeris": self.ephemeris.to_dict(), "depth_ppm": float(self.depth_ppm)}


@dataclass(frozen=True, eq=False)
class StitchedLightCurve:
    """Several sectors normalised and concatenated in time order.

    Attributes
    ----------
    time : ndarray
        BTJD, days, ascending.
    flux, flux_err : ndarray
        Flux divided by each sector's median good flux (dimensionless, ~1).
    quality : ndarray of int32
        SPOC quality flags.
    sector : ndarray of int32
        Sector of each cadence.
    """

    time: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    quality: np.ndarray
    sector: np.ndarray

    def __len__(self) -> int:
        return int(self.time.shape[0])


@dataclass(frozen=True)
class DepthEstimate:
    """Transit depth from a difference of medians.

    Iterating yields ``(depth_ppm, depth_err_ppm)`` so ``depth, err = estimate_depth_ppm(lc)`` works.
    """

    depth_ppm: float
    depth_err_ppm: float
    n_in: int
    n_out: int

    def __iter__(self) -> Iterator[float]:
        return iter((self.depth_ppm, self.depth_err_ppm))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        def clean(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {"depth_ppm": clean(self.depth_ppm), "depth_err_ppm": clean(self.depth_err_ppm),
                "n_in": self.n_in, "n_out": self.n_out}


def stitch_pdcsap(ds: Dataset, sectors: Iterable[int] | None = None) -> StitchedLightCurve:
    """Normalise each sector's light curve and join them in time order.

    Each sector is divided by the median of its finite flux at ``quality == 0``.

    Parameters
    ----------
    ds : Dataset
    sectors : iterable of int, optional
        Sectors to include (default: all with a light curve).

    Returns
    -------
    StitchedLightCurve
    """
    chosen = list(ds.lc_by_sector) if sectors is None else [int(s) for s in sectors]
    missing = [s for s in chosen if s not in ds.lc_by_sector]
    if missing:
        raise ValueError(f"sectors {missing} have no light curve; available: {list(ds.lc_by_sector)}")
    if not chosen:
        raise ValueError("no sectors to stitch")
    parts = []
    for s in chosen:
        lc = ds.lc_by_sector[s]
        good = np.isfinite(lc.flux) & (lc.quality == 0)
        if not good.any():
            raise ValueError(f"sector {s}: no finite flux at quality == 0 to normalise by")
        norm = np.median(lc.flux[good])
        parts.append((lc.time, lc.flux / norm, lc.flux_err / norm, lc.quality, np.full(len(lc), s, dtype=np.int32)))
    cols = [np.concatenate(c) for c in zip(*parts)]
    order = np.argsort(cols[0], kind="stable")
    return StitchedLightCurve(*(c[order] for c in cols))


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


def estimate_depth_ppm(lc: StitchedLightCurve, ephemeris: Ephemeris | None = None) -> DepthEstimate:
    """Transit depth as median(out of transit) − median(in transit), in ppm.

    The error is ``sqrt(std_in²/n_in + std_out²/n_out)`` (population standard
    deviations), also in ppm. Only good cadences (finite flux, ``quality == 0``)
    are used, the same ones that set each sector's normalisation.

    Parameters
    ----------
    lc : StitchedLightCurve
        A normalised light curve (flux ~ 1).
    ephemeris : Ephemeris, optional
        Defaults to TOI-5807.01's.

    Returns
    -------
    DepthEstimate
        NaN depth (and n_in = 0) when no cadence falls in transit.
    """
    finite = np.isfinite(lc.flux) & np.isfinite(lc.time) & (lc.quality == 0)
    in_tr, out_tr = transit_masks(lc.time, ephemeris)
    f_in = lc.flux[in_tr & finite]
    f_out = lc.flux[out_tr & finite]
    if f_in.size == 0 or f_out.size == 0:
        return DepthEstimate(float("nan"), float("nan"), int(f_in.size), int(f_out.size))
    depth = (np.median(f_out) - np.median(f_in)) * 1e6
    err = np.sqrt(np.var(f_in) / f_in.size + np.var(f_out) / f_out.size) * 1e6
    return DepthEstimate(float(depth), float(err), int(f_in.size), int(f_out.size))


def make_candidate(depth_ppm: float, ephemeris: Ephemeris | None = None) -> Candidate:
    """TOI-5807.01 as a :class:`Candidate` with the given depth (ppm)."""
    if not np.isfinite(depth_ppm):
        raise ValueError(f"depth_ppm: expected a finite number, got {depth_ppm}")
    return Candidate(ephemeris=_ephemeris_args(ephemeris), depth_ppm=float(depth_ppm))


def estimate_planet_radius_earth(depth_ppm: float, stellar_radius_rsun: float = target.STELLAR_RADIUS_RSUN) -> float:
    """Back-of-envelope planet radius, R⊕: ``sqrt(depth) · R★ · 109.076``.

    Ignores limb darkening and dilution; good to ~10 % for a central transit.

    Parameters
    ----------
    depth_ppm : float
        Transit depth, ppm (≥ 0).
    stellar_radius_rsun : float
        Stellar radius, R☉.
    """
    if not np.isfinite(depth_ppm) or depth_ppm < 0:
        raise ValueError(f"depth_ppm: expected a finite non-negative depth, got {depth_ppm}")
    if not np.isfinite(stellar_radius_rsun) or stellar_radius_rsun <= 0:
        raise ValueError(f"stellar_radius_rsun: expected > 0, got {stellar_radius_rsun}")
    return float(np.sqrt(depth_ppm * 1e-6) * stellar_radius_rsun * EARTH_RADII_PER_SOLAR_RADIUS)
