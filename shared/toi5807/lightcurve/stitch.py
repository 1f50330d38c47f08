"""Light-curve operations: stitching sectors, the transit depth, the candidate and a first radius.

The depth estimate is deliberately simple (a difference of medians) so that a
reader can check it by hand; it is what the tutorial's step 2 prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from ..data.model import Dataset
from .ephemeris import Candidate, Ephemeris
from .resolve import resolve_ephemeris, star_identity
from .windows import _ephemeris_args, transit_masks

__all__ = [
    "StitchedLightCurve",
    "DepthEstimate",
    "stitch_pdcsap",
    "estimate_depth_ppm",
    "make_candidate",
    "estimate_planet_radius_earth",
    "EARTH_RADII_PER_SOLAR_RADIUS",
]


#: Earth radii per solar radius (IAU 2015 nominal values: R☉ = 695 700 km, R⊕ = 6 378.1 km).
EARTH_RADII_PER_SOLAR_RADIUS = 109.076


@dataclass(frozen=True, eq=False, repr=False)
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
    simulated : bool
        True when made from simulated light curves (plots then say so).
    star : mapping or None
        Whose light curves these are, ``{"tic_id", "ra_deg", "dec_deg"}``
        (:func:`~toi5807.lightcurve.resolve.star_identity` of the dataset; None when made by hand).
    """

    time: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    quality: np.ndarray
    sector: np.ndarray
    simulated: bool = False
    star: Mapping[str, Any] | None = None

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __repr__(self) -> str:
        sectors = sorted({int(s) for s in np.unique(self.sector)})
        span = (f"BTJD {float(np.nanmin(self.time)):.5f}–{float(np.nanmax(self.time)):.5f}" if len(self)
                else "no cadences")
        return (f"StitchedLightCurve({len(self)} cadences, sectors {sectors}, {span}"
                + (", SIMULATED)" if self.simulated else ")"))


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
    simulated = any(ds.lc_by_sector[s].simulated for s in chosen) or bool(ds.meta.get("simulated", False))
    return StitchedLightCurve(*(c[order] for c in cols), simulated=simulated, star=star_identity(ds))


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
        Defaults to TOI-5807.01's, accepted only when ``lc`` is TOI-5807's
        (:func:`~toi5807.lightcurve.resolve.resolve_ephemeris`; a ValueError naming the parameters otherwise).

    Returns
    -------
    DepthEstimate
        NaN depth (and n_in = 0) when no cadence falls in transit.
    """
    if ephemeris is None and lc.star is not None:
        ephemeris = resolve_ephemeris(lc.star)
    finite = np.isfinite(lc.flux) & np.isfinite(lc.time) & (lc.quality == 0)
    in_tr, out_tr = transit_masks(lc.time, ephemeris)
    f_in = lc.flux[in_tr & finite]
    f_out = lc.flux[out_tr & finite]
    if f_in.size == 0 or f_out.size == 0:
        return DepthEstimate(float("nan"), float("nan"), int(f_in.size), int(f_out.size))
    depth = (np.median(f_out) - np.median(f_in)) * 1e6
    err = np.sqrt(np.var(f_in) / f_in.size + np.var(f_out) / f_out.size) * 1e6
    return DepthEstimate(float(depth), float(err), int(f_in.size), int(f_out.size))


def make_candidate(depth_ppm: float, ephemeris: Ephemeris | None = None, *, data: Any = None) -> Candidate:
    """A :class:`Candidate`: the ephemeris with the given depth (ppm).

    Parameters
    ----------
    depth_ppm : float
        Transit depth, ppm.
    ephemeris : Ephemeris, optional
        Default: TOI-5807.01's — refused when ``data`` is given and is not TOI-5807's
        (:func:`~toi5807.lightcurve.resolve.resolve_ephemeris`, the one guard).
    data : Dataset, StitchedLightCurve or stamps, optional
        The data the candidate is for; checked when no ephemeris is given.
    """
    if not np.isfinite(depth_ppm):
        raise ValueError(f"depth_ppm: expected a finite number, got {depth_ppm}")
    if ephemeris is None and data is not None:
        star = data.star if isinstance(data, StitchedLightCurve) else data
        ephemeris = resolve_ephemeris(star if star is not None else {"tic_id": None})
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
