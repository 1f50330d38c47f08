"""Sky geometry of a stamp: the WCS Jacobian, pixel vectors on the sky, the target's pixel.

A centroid shift (or a source offset) measured in one sector is a vector in
that sector's stamp pixels; sectors have different rolls, so vectors can only
be compared or averaged on the sky. :func:`sky_jacobian` linearises a sector's
WCS (east = ΔRA·cosDec, north = ΔDec; arcsec per pixel) and
:func:`vector_to_sky` carries a vector and its covariance through it.

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from ..report import Explained, fmt, json_safe

__all__ = [
    "SkyVector",
    "sky_jacobian",
    "vector_to_sky",
    "target_pixel",
    "stamp_target",
    "DEFAULT_TARGET_NOTE",
    "WCS_TARGET_NOTE",
    "wcs_orientation",
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


@dataclass(frozen=True, repr=False)
class SkyVector(Explained):
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
    simulated : bool
        True when measured on simulated data.
    """

    label: str
    vector_arcsec: tuple[float, float]
    covariance_arcsec2: tuple[tuple[float, float], tuple[float, float]]
    vector_pixels: tuple[float, float]
    covariance_pixels: tuple[tuple[float, float], tuple[float, float]]
    jacobian_arcsec_per_pixel: tuple[tuple[float, float], tuple[float, float]]
    simulated: bool = False

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

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        sig = np.sqrt(np.clip(np.diag(np.asarray(self.covariance_arcsec2, dtype=float)), 0.0, None))
        return (f"{self.label or 'sky vector'}: {fmt(self.norm_arcsec, '.3g', 'arcsec')} toward PA "
                f"{fmt(self.position_angle_deg, '.0f', '°')} (east of north)", [
                    ("(east, north)", f"{fmt(self.vector_arcsec, '.3g')} ± {fmt(tuple(sig), '.2g', 'arcsec')}"),
                    ("(column, row)", fmt(self.vector_pixels, ".3g", "px"))])


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


def stamp_target(tpf: Any) -> tuple[float, float, str]:
    """The target's sky position for a stamp: the stamp's own (from its file), else TOI-5807's.

    Returns
    -------
    (ra_deg, dec_deg, origin)
        Degrees; ``origin`` is ``"file"`` when the stamp says where its target is (``RA_OBJ``/``DEC_OBJ`` or a
        lightkurve object's ``ra``/``dec``), ``"wcs"`` when another star's stamp does not say and its WCS
        reference position (``CRVAL``) stood in, ``"default"`` when TOI-5807's catalogue position (the
        tutorial's default) stood in for one of TOI-5807's stamps (or a stamp without a WCS).
    """
    ra, dec = getattr(tpf, "ra_deg", None), getattr(tpf, "dec_deg", None)
    if ra is not None and dec is not None:
        return float(ra), float(dec), "file"
    ref = _wcs_reference(tpf)
    if ref is not None:
        return ref[0], ref[1], "wcs"
    return float(target.RA_DEG), float(target.DEC_DEG), "default"


def _wcs_reference(tpf: Any) -> tuple[float, float] | None:
    """The stamp's WCS reference position (SPOC puts ``CRVAL`` on the target) for a stamp without ``RA_OBJ``/
    ``DEC_OBJ`` that is not TOI-5807's: its own target rather than TOI-5807's position. None for TOI-5807's stamps
    (by TIC, or by TOI-5807 lying on the stamp when the TIC is unknown) and without a celestial WCS."""
    wcs = getattr(tpf, "wcs", None)
    tic = getattr(tpf, "tic_id", None)
    if wcs is None or tic == target.TIC_ID:
        return None
    try:
        crval = [float(v) for v in wcs.wcs.crval[:2]]
        if tic is None:  # unknown star: TOI-5807's position on the stamp means it is TOI-5807's stamp
            x, y = wcs.world_to_pixel_values(target.RA_DEG, target.DEC_DEG)
            ny, nx = np.shape(getattr(tpf, "flux", np.zeros((1, 0, 0))))[1:]
            if np.isfinite(x) and np.isfinite(y) and -0.5 <= x <= nx - 0.5 and -0.5 <= y <= ny - 0.5:
                return None
    except (AttributeError, TypeError, ValueError, IndexError):
        return None
    if not (np.all(np.isfinite(crval)) and 0.0 <= crval[0] <= 360.0 and -90.0 <= crval[1] <= 90.0):
        return None
    return crval[0] % 360.0, crval[1]


#: The note a result carries when the stamp's WCS reference stood in for a missing RA_OBJ/DEC_OBJ.
WCS_TARGET_NOTE = ("target position: the stamp does not say where its target is (no RA_OBJ/DEC_OBJ); its WCS "
                   "reference position (CRVAL, where SPOC centres the target) was used")
#: The note a result carries when TOI-5807's position stood in for a stamp that does not say where its target is.
DEFAULT_TARGET_NOTE = ("target position: the stamp does not say where its target is (no RA_OBJ/DEC_OBJ); "
                       "TOI-5807's catalogue position was used")


def target_pixel(tpf: Any) -> tuple[float, float] | None:
    """The stamp's target (:func:`stamp_target`) in the stamp's pixels, from the stamp's WCS.

    Parameters
    ----------
    tpf : TPFStamp or None

    Returns
    -------
    (float, float) or None
        (x = column, y = row) in stamp pixels ((0, 0) = centre of the first
        pixel); None without a stamp or a WCS.
    """
    wcs = getattr(tpf, "wcs", None)
    if wcs is None:
        return None
    ra, dec, _ = stamp_target(tpf)
    x, y = wcs.world_to_pixel_values(ra, dec)
    return float(x), float(y)


def wcs_orientation(wcs: Any, x: float, y: float) -> dict[str, float]:
    """Pixel scale, handedness and direction of +column of a stamp's WCS at pixel (x, y).

    Returns
    -------
    dict
        ``pixel_scale_arcsec`` (square root of the Jacobian's determinant, arcsec per pixel),
        ``handedness`` (+1 or −1: the sign of that determinant in the east/north frame) and
        ``column_angle_deg`` (direction of +column on the sky, degrees from east towards north).
    """
    jac = sky_jacobian(wcs, x, y)
    det = float(np.linalg.det(jac))
    return {"pixel_scale_arcsec": math.sqrt(abs(det)), "handedness": float(np.sign(det)),
            "column_angle_deg": math.degrees(math.atan2(jac[1, 0], jac[0, 0]))}
