"""Pixels to arcsec through the stamp's WCS: the one place the package turns a pixel length into arcsec.

A TESS pixel spans roughly 21″ on the sky, but the local scale and
orientation of a stamp depend on where it falls in the focal plane (e.g.
≈19.8″ per pixel for TOI-5807 in sector 83). Lengths in pixels are therefore
converted with the stamp's own WCS, linearised where they are measured
(:func:`toi5807.data.geometry.sky_jacobian`). A user may fix the scale
explicitly; without both a WCS and such an override, the nominal
:data:`NOMINAL_PIXEL_SCALE_ARCSEC` is used and the structured warning
:data:`NOMINAL_SCALE_WARNING` says so, so that nobody reads it as measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..data.geometry import sky_jacobian, target_pixel, wcs_orientation

__all__ = [
    "NOMINAL_PIXEL_SCALE_ARCSEC",
    "NOMINAL_SCALE_WARNING",
    "pixel_scale_at",
    "vector_length_arcsec",
    "stamps_pixel_scale",
    "PLAUSIBLE_SCALE_ARCSEC",
    "wcs_problem",
]


#: Nominal TESS pixel scale (arcsec per pixel), used only when a stamp has no WCS and no scale was given.
NOMINAL_PIXEL_SCALE_ARCSEC: float = 21.0


#: Warning (and flag) of a result whose arcsec values rest on the nominal scale instead of a WCS.
NOMINAL_SCALE_WARNING: str = "pixel_scale_nominal_no_wcs"


def pixel_scale_at(wcs: Any, x: float, y: float, override: float | None = None) -> tuple[float, tuple[str, ...]]:
    """Arcsec per pixel of a stamp at pixel (x, y), and the warnings of that choice.

    Parameters
    ----------
    wcs : astropy.wcs.WCS or None
        Celestial WCS of the stamp (0-based pixels).
    x, y : float
        Column and row where the scale is taken, stamp pixels.
    override : float, optional
        An explicit scale (arcsec per pixel) that takes precedence over the WCS.

    Returns
    -------
    (float, tuple of str)
        ``override`` if given; else ``wcs_orientation(wcs, x, y)["pixel_scale_arcsec"]``;
        else :data:`NOMINAL_PIXEL_SCALE_ARCSEC` with ``(NOMINAL_SCALE_WARNING,)``.
    """
    if override is not None:
        return float(override), ()
    if wcs is None:
        return NOMINAL_PIXEL_SCALE_ARCSEC, (NOMINAL_SCALE_WARNING,)
    return float(wcs_orientation(wcs, x, y)["pixel_scale_arcsec"]), ()


def vector_length_arcsec(vector_pixels: Any, at_pixel: Any, wcs: Any = None, override: float | None = None) -> float:
    """Length on the sky (arcsec) of a pixel vector measured at ``at_pixel``.

    ``|J v|`` with ``J = sky_jacobian(wcs, *at_pixel)`` (exact for any rotation
    and parity of the WCS); ``|v| × override`` when a scale is given, and
    ``|v| ×`` :data:`NOMINAL_PIXEL_SCALE_ARCSEC` without a WCS (the caller
    reports :data:`NOMINAL_SCALE_WARNING`, see :func:`pixel_scale_at`).

    Parameters
    ----------
    vector_pixels : array_like, shape (2,)
        (dx, dy) = (column, row) pixels.
    at_pixel : array_like, shape (2,)
        (x, y) where the WCS is linearised, e.g. the out-of-transit centroid.
    wcs : astropy.wcs.WCS, optional
    override : float, optional
        Arcsec per pixel.

    Returns
    -------
    float
        arcsec; NaN when the vector or the point is not finite.
    """
    v = np.asarray(vector_pixels, dtype=float).reshape(2)
    at = np.asarray(at_pixel, dtype=float).reshape(2)
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(at))):
        return math.nan
    if override is not None or wcs is None:
        return float(np.hypot(*v)) * (NOMINAL_PIXEL_SCALE_ARCSEC if override is None else float(override))
    return float(np.hypot(*(sky_jacobian(wcs, *at) @ v)))


def stamps_pixel_scale(stamps: Iterable[Any], override: float | None = None) -> tuple[float, tuple[str, ...]]:
    """Mean pixel scale (arcsec per pixel) of several stamps at the target, from their WCS.

    Parameters
    ----------
    stamps : iterable of TPFStamp
        Stamps without a WCS are left out of the mean.
    override : float, optional
        An explicit scale that takes precedence.

    Returns
    -------
    (float, tuple of str)
        The mean of :func:`pixel_scale_at` at each stamp's :func:`toi5807.data.geometry.target_pixel`;
        :data:`NOMINAL_PIXEL_SCALE_ARCSEC` with ``(NOMINAL_SCALE_WARNING,)`` when no stamp has a WCS.
    """
    if override is not None:
        return float(override), ()
    scales = [pixel_scale_at(st.wcs, *target_pixel(st))[0] for st in stamps if getattr(st, "wcs", None) is not None]
    if not scales:
        return pixel_scale_at(None, math.nan, math.nan)
    return float(np.mean(scales)), ()


#: Pixel scales (arcsec per pixel) a TESS stamp can have: ≈ 21″ nominal, 19–21.5″ across the focal plane.
PLAUSIBLE_SCALE_ARCSEC: tuple[float, float] = (15.0, 25.0)


def wcs_problem(wcs: Any, x: float | None = None, y: float | None = None) -> str | None:
    """Why a stamp's WCS cannot place pixels on the sky, or None when it can.

    Parameters
    ----------
    wcs : astropy.wcs.WCS or None
    x, y : float, optional
        Where to test it, stamp pixels (default: the reference pixel).

    Returns
    -------
    str or None
        ``"no WCS in file"`` (None, or a WCS without celestial axes — what astropy builds from a header without
        WCS keywords), ``"singular WCS ..."`` (its matrix cannot be inverted), ``"implausible pixel scale ..."``
        (outside :data:`PLAUSIBLE_SCALE_ARCSEC`), or None.
    """
    if wcs is None:
        return "no WCS in file"
    try:
        if not wcs.has_celestial:
            return "no WCS in file (the stamp's WCS has no celestial RA/Dec axes)"
        if x is None or y is None:
            x, y = (float(v) - 1.0 for v in wcs.wcs.crpix[:2])
        jac = sky_jacobian(wcs, float(x), float(y))
        scale = math.sqrt(abs(float(np.linalg.det(jac))))
    except Exception as exc:  # noqa: BLE001 - astropy's SingularMatrixError, InvalidTransformError, ...
        return f"singular WCS: cannot map pixels to the sky ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
    if not (math.isfinite(scale) and scale > 0):
        return "singular WCS: its pixels have zero or undefined area on the sky"
    lo, hi = PLAUSIBLE_SCALE_ARCSEC
    if not lo <= scale <= hi:
        return (f"implausible pixel scale {scale:.4g}″/px from the WCS (a TESS pixel spans ≈ 21″; plausible "
                f"{lo:g}–{hi:g}″/px)")
    return None
