"""Pixel vectors to the sky, and the inverse-covariance-weighted combination of several of them.

A centroid shift (or a source offset) measured in one sector is a vector in
that sector's stamp pixels; sectors have different rolls, so vectors can only
be compared or averaged on the sky. :func:`sky_jacobian` linearises a sector's
WCS (east = ΔRA·cosDec, north = ΔDec; arcsec per pixel), :func:`vector_to_sky`
carries a vector and its covariance through it, and :func:`combine_offsets`
takes the inverse-covariance-weighted mean of several vectors with its χ²
against zero and the χ² of consistency between the inputs, reported in the V08
convention ``sigma = sqrt(-2 ln p)``
(:func:`toi5807.centroid_significance.sigma_from_log_p`) with p-values kept in
log space (:func:`chi2_logsf`) so none underflows (Bryson et al. 2013,
arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .centroid_significance import p_from_log_p, sigma_from_log_p
from .report import json_safe

__all__ = [
    "SkyVector",
    "CombinedOffset",
    "sky_jacobian",
    "vector_to_sky",
    "chi2_logsf",
    "combine_offsets",
]

_DEG_TO_ARCSEC = 3600.0


def _as_matrix(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a numeric array of shape {shape}, got {type(value).__name__}") from exc
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    return arr


def chi2_logsf(chi2: float, dof: int) -> float:
    """Natural log of the χ² survival function (no underflow; NaN for non-finite input).

    Parameters
    ----------
    chi2 : float
        χ² statistic.
    dof : int
        Degrees of freedom (> 0).
    """
    from scipy.stats import chi2 as _chi2

    if not math.isfinite(chi2) or dof <= 0:
        return math.nan
    if dof == 2:
        return -0.5 * chi2
    return float(_chi2.logsf(chi2, dof))




# ---------------------------------------------------------------------------------------------
# sky frame
# ---------------------------------------------------------------------------------------------
def sky_jacobian(wcs: Any, x: float, y: float, step: float = 0.01) -> np.ndarray:
    """Local 2×2 Jacobian of (east, north) = (ΔRA·cosDec, ΔDec) with respect to (column, row).

    Central finite differences of ``wcs.pixel_to_world_values`` at (x, y); RA
    differences are wrapped to (−180°, 180°]. Valid for any rotation, parity
    and (smooth) distortion of the WCS, unlike a single pixel scale.

    Parameters
    ----------
    wcs : astropy.wcs.WCS
        Celestial WCS of the stamp (0-based pixels).
    x, y : float
        Column and row where the map is linearised, stamp pixels.
    step : float
        Half-step of the finite difference, pixels.

    Returns
    -------
    ndarray, shape (2, 2)
        arcsec per pixel; rows (east, north), columns (x, y).
    """
    if wcs is None or not hasattr(wcs, "pixel_to_world_values"):
        raise TypeError(f"wcs: expected an astropy WCS, got {type(wcs).__name__}")
    x, y = float(x), float(y)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"(x, y): expected finite pixel coordinates, got ({x}, {y})")
    xs = np.array([x + step, x - step, x, x, x])
    ys = np.array([y, y, y + step, y - step, y])
    ra, dec = (np.asarray(v, dtype=float) for v in wcs.pixel_to_world_values(xs, ys))
    cosd = math.cos(math.radians(float(dec[4])))
    dra = lambda a, b: ((a - b + 180.0) % 360.0) - 180.0  # noqa: E731
    jac = np.array([
        [dra(ra[0], ra[1]) * cosd, dra(ra[2], ra[3]) * cosd],
        [dec[0] - dec[1], dec[2] - dec[3]],
    ]) / (2.0 * step)
    return jac * _DEG_TO_ARCSEC


@dataclass(frozen=True)
class SkyVector:
    """A 2-D vector and its covariance in the sky frame.

    Attributes
    ----------
    label : str
        E.g. ``"sector 83"``.
    vector_arcsec : (float, float)
        (east, north) = (ΔRA·cosDec, ΔDec), arcsec.
    covariance_arcsec2 : 2×2 tuple
        arcsec².
    vector_pixels : (float, float)
        The same vector in stamp pixels (x = column, y = row).
    covariance_pixels : 2×2 tuple
        pixels².
    jacobian_arcsec_per_pixel : 2×2 tuple
        Rows (east, north), columns (x, y).
    """

    label: str
    vector_arcsec: tuple[float, float]
    covariance_arcsec2: tuple[tuple[float, float], tuple[float, float]]
    vector_pixels: tuple[float, float]
    covariance_pixels: tuple[tuple[float, float], tuple[float, float]]
    jacobian_arcsec_per_pixel: tuple[tuple[float, float], tuple[float, float]]

    @property
    def norm_arcsec(self) -> float:
        """|vector|, arcsec."""
        return float(np.hypot(*self.vector_arcsec))

    @property
    def position_angle_deg(self) -> float:
        """Position angle east of north, degrees in [0, 360) (NaN for a zero vector)."""
        e, n = self.vector_arcsec
        return math.degrees(math.atan2(e, n)) % 360.0 if (e or n) else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None), with ``norm_arcsec`` and ``position_angle_deg``."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(norm_arcsec=self.norm_arcsec, position_angle_deg=self.position_angle_deg)
        return json_safe(out, sig=None)


def vector_to_sky(vector_pixels: Any, covariance_pixels: Any, wcs: Any, at_pixel: Any, label: str = "") -> SkyVector:
    """Convert a pixel vector and covariance to the sky frame with the WCS Jacobian at ``at_pixel``.

    ``v_sky = J v``, ``C_sky = J C Jᵀ`` with ``J`` from :func:`sky_jacobian`.

    Parameters
    ----------
    vector_pixels : array_like, shape (2,)
        (dx, dy) = (column, row) pixels.
    covariance_pixels : array_like, shape (2, 2)
        pixels².
    wcs : astropy.wcs.WCS
    at_pixel : array_like, shape (2,)
        (x, y) where the WCS is linearised (e.g. the out-of-transit centroid).
    label : str

    Returns
    -------
    SkyVector
    """
    v = _as_matrix("vector_pixels", vector_pixels, (2,))
    c = _as_matrix("covariance_pixels", covariance_pixels, (2, 2))
    x, y = _as_matrix("at_pixel", at_pixel, (2,))
    jac = sky_jacobian(wcs, x, y)
    vs, cs = jac @ v, jac @ c @ jac.T
    t2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
    return SkyVector(label=str(label), vector_arcsec=t2(vs), covariance_arcsec2=(t2(cs[0]), t2(cs[1])),
                     vector_pixels=t2(v), covariance_pixels=(t2(c[0]), t2(c[1])),
                     jacobian_arcsec_per_pixel=(t2(jac[0]), t2(jac[1])))


# ---------------------------------------------------------------------------------------------
# combination
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CombinedOffset:
    """Inverse-covariance-weighted mean of 2-D vectors and its tests.

    Attributes
    ----------
    mean : (float, float)
        ``m = (Σ Cᵢ⁻¹)⁻¹ Σ Cᵢ⁻¹ vᵢ`` (units of the inputs: arcsec or pixels).
    covariance : 2×2 tuple
        ``(Σ Cᵢ⁻¹)⁻¹``.
    uncertainty : (float, float)
        1σ per axis, sqrt of the diagonal.
    chi2, p_value, log_p_value, significance_sigma : float
        ``χ² = mᵀ C⁻¹ m`` (2 dof) against zero; ``sigma = sqrt(-2 ln p)`` (the V08 convention).
    consistency_chi2, consistency_dof, consistency_p_value, consistency_sigma
        ``Σ (vᵢ − m)ᵀ Cᵢ⁻¹ (vᵢ − m)`` with ``2(n − 1)`` dof: do the inputs agree?
    n_used : int
        Inputs with finite vector and positive-definite covariance.
    labels_used : tuple of str
    flags : tuple of str
        ``no_usable_inputs`` or ``single_input`` (no consistency test).
    """

    mean: tuple[float, float] = (math.nan, math.nan)
    covariance: tuple[tuple[float, float], tuple[float, float]] = ((math.nan, math.nan), (math.nan, math.nan))
    uncertainty: tuple[float, float] = (math.nan, math.nan)
    chi2: float = math.nan
    p_value: float = math.nan
    log_p_value: float = math.nan
    significance_sigma: float = math.nan
    consistency_chi2: float = math.nan
    consistency_dof: int = 0
    consistency_p_value: float = math.nan
    consistency_sigma: float = math.nan
    n_used: int = 0
    labels_used: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    @property
    def norm(self) -> float:
        """|mean| (units of the inputs)."""
        return float(np.hypot(*self.mean))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None), with ``norm``."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["norm"] = self.norm
        return json_safe(out, sig=None)


def _posdef(c: np.ndarray) -> bool:
    if not np.all(np.isfinite(c)):
        return False
    return bool(np.all(np.linalg.eigvalsh(0.5 * (c + c.T)) > 0))


def combine_offsets(vectors: Any, covariances: Any, labels: Any = None) -> CombinedOffset:
    """Inverse-covariance-weighted mean of 2-D vectors (e.g. per-sector sky offsets, arcsec).

    Pixel vectors of different sectors must not be combined (the rolls differ):
    convert them with :func:`vector_to_sky` first. Inputs with a non-finite
    vector or a covariance that is not positive definite are skipped.

    Parameters
    ----------
    vectors : array_like, shape (n, 2)
    covariances : array_like, shape (n, 2, 2)
    labels : sequence of str, optional

    Returns
    -------
    CombinedOffset
    """
    v = np.asarray(vectors, dtype=float).reshape(-1, 2) if np.size(vectors) else np.zeros((0, 2))
    c = np.asarray(covariances, dtype=float).reshape(-1, 2, 2) if np.size(covariances) else np.zeros((0, 2, 2))
    if v.shape[0] != c.shape[0]:
        raise ValueError(f"vectors/covariances: expected the same count, got {v.shape[0]} and {c.shape[0]}")
    labels = [str(i) for i in range(v.shape[0])] if labels is None else [str(x) for x in labels]
    if len(labels) != v.shape[0]:
        raise ValueError(f"labels: expected {v.shape[0]} labels, got {len(labels)}")
    ok = np.array([np.all(np.isfinite(vi)) and _posdef(ci) for vi, ci in zip(v, c)], dtype=bool)
    if not np.any(ok):
        return CombinedOffset(flags=("no_usable_inputs",))
    v, c = v[ok], c[ok]
    w = np.linalg.inv(c)
    cov = np.linalg.inv(w.sum(axis=0))
    mean = cov @ np.einsum("nij,nj->i", w, v)
    chi2 = float(mean @ np.linalg.solve(cov, mean))
    log_p = -0.5 * chi2
    r = v - mean
    n = v.shape[0]
    cchi2 = float(np.einsum("ni,nij,nj->", r, w, r))
    dof = 2 * (n - 1)
    clogp = chi2_logsf(cchi2, dof) if dof > 0 else math.nan
    t2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
    return CombinedOffset(
        mean=t2(mean), covariance=(t2(cov[0]), t2(cov[1])), uncertainty=t2(np.sqrt(np.diag(cov))),
        chi2=chi2, p_value=p_from_log_p(log_p), log_p_value=log_p, significance_sigma=sigma_from_log_p(log_p),
        consistency_chi2=cchi2 if dof > 0 else math.nan, consistency_dof=dof,
        consistency_p_value=p_from_log_p(clogp), consistency_sigma=sigma_from_log_p(clogp), n_used=n,
        labels_used=tuple(lab for lab, k in zip(labels, ok) if k), flags=() if n > 1 else ("single_input",),
    )
