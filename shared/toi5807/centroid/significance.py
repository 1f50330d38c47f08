"""How significant is a centroid shift? The four null models of V08 behind one call.

:func:`shift_significance` turns the observed shift vector (in-transit minus
out-of-transit location, pixels) into a :class:`Significance` under the
hypothesis "no shift". Every method reports ``sigma = sqrt(-2 ln p)``
(:mod:`toi5807.pixels.pvalues`):

* ``analytic`` — Gaussian χ²(2) with the covariance from per-cadence scatter
  (:func:`~toi5807.pixels.location.analytic_covariance`); assumes independent cadences;
* ``bootstrap`` — χ²(2) with the covariance of bootstrapped shift vectors
  (Efron & Tibshirani 1993), plus the 95 % percentile interval of |shift|;
* ``permutation`` — in/out label permutations, p = (1 + #null ≥ obs)/(N + 1),
  so p ≥ 1/(N + 1) and σ ≤ sqrt(2 ln(N + 1)) (3.72 for N = 1000);
* ``empirical`` — Hotelling T² against shifts measured at fake ephemerides
  between the transits (:mod:`toi5807.centroid.fakes`), which includes correlated
  pointing jitter; falls back to ``analytic`` with fewer than
  :data:`MIN_FAKE_EPHEMERIDES` usable fakes (flagged).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..pixels.location import analytic_covariance
from ..pixels.pvalues import (
    chi2_2dof_significance,
    hotelling_significance,
    mahalanobis_many,
    sigma_from_log_p,
)
from .resampling import bootstrap_locations, permutation_shifts

__all__ = [
    "SIGNIFICANCE_METHODS",
    "MIN_FAKE_EPHEMERIDES",
    "CentroidGroup",
    "Significance",
    "shift_significance",
]

SIGNIFICANCE_METHODS = ("analytic", "bootstrap", "permutation", "empirical")
#: Fewest usable fake ephemerides for the empirical method (else: analytic, flagged).
MIN_FAKE_EPHEMERIDES = 5
_NAN_CI = (math.nan, math.nan)


@dataclass(frozen=True, eq=False)
class CentroidGroup:
    """Per-cadence centroids of one window (in or out of transit) after the outlier clip.

    Attributes
    ----------
    cx, cy : ndarray, shape (n,)
        Column and row centroids, stamp pixels.
    w : ndarray, shape (n,)
        Total clipped flux of each cadence, e-/s (weights of the ``mean`` estimator).
    """

    cx: np.ndarray
    cy: np.ndarray
    w: np.ndarray

    @property
    def size(self) -> int:
        """Number of cadences."""
        return int(self.cx.size)


@dataclass(frozen=True, eq=False)
class Significance:
    """Outcome of one significance method.

    Attributes
    ----------
    method : str
        The method used (``"analytic"`` after an empirical fallback).
    covariance : ndarray, shape (2, 2)
        Covariance of the shift vector (pixels²) under the method.
    log_p : float
        Natural log of the p-value under "no shift".
    sigma : float
        ``sqrt(-2 log_p)``.
    ci : tuple of float
        95 % interval of |shift| (pixels); NaN when the method gives none.
    in_cov, out_cov : ndarray, shape (2, 2)
        Covariances of the in- and out-of-transit locations (pixels²).
    n_fakes : int
        Usable fake ephemerides (empirical method).
    warnings : tuple of str
    """

    method: str
    covariance: np.ndarray
    log_p: float
    sigma: float
    ci: tuple[float, float]
    in_cov: np.ndarray
    out_cov: np.ndarray
    n_fakes: int = 0
    warnings: tuple[str, ...] = ()

    def uncertainty_along(self, shift: np.ndarray) -> float:
        """1σ of ``shift`` along its own direction (or the mean axis for a zero shift), pixels."""
        mag, cov = float(np.hypot(*shift)), self.covariance
        if not np.all(np.isfinite(cov)):
            return math.nan
        if mag > 0:
            u = shift / mag
            return float(math.sqrt(max(u @ cov @ u, 0.0)))
        return float(math.sqrt(max(np.trace(cov) / 2.0, 0.0)))


def _chi2(method: str, shift, cov, in_cov, out_cov, warnings: list[str], n_fakes: int = 0,
          ci: tuple[float, float] = _NAN_CI) -> Significance:
    log_p, sigma, degenerate = chi2_2dof_significance(shift, cov)
    if degenerate:
        warnings.append("degenerate_covariance")
    return Significance(method, cov, log_p, sigma, ci, in_cov, out_cov, n_fakes, tuple(warnings))


def shift_significance(
    method: str,
    shift: np.ndarray,
    inside: CentroidGroup,
    outside: CentroidGroup,
    *,
    location: str,
    n_resamples: int,
    seed: int,
    fake_shifts: Callable[[], tuple[int, np.ndarray]] | None = None,
) -> Significance:
    """Significance of a shift vector under one of :data:`SIGNIFICANCE_METHODS`.

    Parameters
    ----------
    method : {"analytic", "bootstrap", "permutation", "empirical"}
    shift : ndarray, shape (2,)
        In-transit minus out-of-transit location, pixels.
    inside, outside : CentroidGroup
        The clipped per-cadence centroids of the two windows.
    location : {"mean", "median", "huber"}
        Location estimator (as used for ``shift``).
    n_resamples : int
        Bootstrap resamples or permutations.
    seed : int
        Seed of the resampling generator.
    fake_shifts : callable, optional
        For ``empirical``: returns ``(n_fakes, shifts (n_fakes, 2))`` measured at fake ephemerides.

    Returns
    -------
    Significance
    """
    in_cov = analytic_covariance(inside.cx, inside.cy, location)
    out_cov = analytic_covariance(outside.cx, outside.cy, location)
    warnings: list[str] = []
    rng = np.random.default_rng(seed)
    n_fakes = 0
    if method == "empirical":
        if fake_shifts is None:
            raise TypeError("fake_shifts: the empirical method needs the fake-ephemeris shifts")
        n_fakes, fakes = fake_shifts()
        if n_fakes >= MIN_FAKE_EPHEMERIDES:
            log_p, sigma, cov = hotelling_significance(shift, fakes)
            return Significance("empirical", cov, log_p, sigma, _NAN_CI, in_cov, out_cov, n_fakes)
        warnings.append("empirical_too_few_fake_ephemerides_fell_back_to_analytic")
        method = "analytic"
    if method == "analytic":
        return _chi2("analytic", shift, in_cov + out_cov, in_cov, out_cov, warnings, n_fakes)
    if method == "bootstrap":
        b_in = bootstrap_locations(inside.cx, inside.cy, inside.w, location, n_resamples, rng)
        b_out = bootstrap_locations(outside.cx, outside.cy, outside.w, location, n_resamples, rng)
        boot = b_in - b_out
        mags = np.hypot(boot[:, 0], boot[:, 1])
        ci = (float(np.percentile(mags, 2.5)), float(np.percentile(mags, 97.5)))
        return _chi2("bootstrap", shift, np.cov(boot, rowvar=False), np.cov(b_in, rowvar=False),
                     np.cov(b_out, rowvar=False), warnings, ci=ci)
    if method == "permutation":
        pooled = [np.concatenate(p) for p in ((inside.cx, outside.cx), (inside.cy, outside.cy),
                                               (inside.w, outside.w))]
        null = permutation_shifts(*pooled, inside.size, location, n_resamples, rng)
        cov = np.cov(null, rowvar=False)
        stat_obs = chi2_2dof_significance(shift, cov)[1]
        log_p = sigma = math.nan
        if np.isfinite(stat_obs) or stat_obs == math.inf:
            exceed = int(np.count_nonzero(mahalanobis_many(null, cov) >= stat_obs * (1 - 1e-12)))
            log_p = math.log((1 + exceed) / (n_resamples + 1))
            sigma = sigma_from_log_p(log_p)
        return Significance("permutation", cov, log_p, sigma, _NAN_CI, in_cov, out_cov, 0, tuple(warnings))
    raise ValueError(f"significance_method: expected one of {SIGNIFICANCE_METHODS}, got {method!r}")
