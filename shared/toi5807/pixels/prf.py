"""The stamp's point-response function (PRF): an analytic model both real-pixel analysis and the twin use.

The PRF is the sum of pixel-integrated Gaussians (a core, a lopsided wing, a broad halo); integrating over
each pixel uses the error function, so the model is exact for that analytic PSF and separable in column and
row. Pixel coordinates are 0-based pixel centres: ``col`` (x) runs over the columns, ``row`` (y) over the rows.
Real data fit its parameters (:mod:`toi5807.diffimage.stars`); the twin renders its scene with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import erf

__all__ = ["PRFParams", "prf_1d", "prf_1d_derivatives", "render_cube", "flux_weighted_centroid"]

_SQRT2 = np.sqrt(2.0)
_SQRT_2PI = np.sqrt(2.0 * np.pi)


@dataclass(frozen=True)
class PRFParams:
    """Pixel-response function: Gaussian core, lopsided wing and broad halo, each integrated over the pixels.

    Parameters
    ----------
    sigma_core_col, sigma_core_row : float
        Core Gaussian widths along columns / rows, pixels.
    sigma_wing : float
        Wing Gaussian width (circular), pixels.
    wing_fraction : float
        Fraction of a star's flux in the wing component, 0..1.
    wing_dcol, wing_drow : float
        Offset of the wing's centre from the star, pixels (the core moves the other way so that the PRF's
        light stays centred on the star): real TESS PRFs are lopsided away from the camera's optical axis, and a
        symmetric model leaves that light for fake neighbours to absorb.
    halo_fraction, sigma_halo : float
        Fraction of the flux in a broad circular halo and its width, pixels (the PRF's extended wings; without
        it a fit to a real image turns the halo into a flat background).
    """

    sigma_core_col: float
    sigma_core_row: float
    sigma_wing: float
    wing_fraction: float
    wing_dcol: float = 0.0
    wing_drow: float = 0.0
    halo_fraction: float = 0.0
    sigma_halo: float = 4.0

    def __post_init__(self) -> None:
        for name in ("sigma_core_col", "sigma_core_row", "sigma_wing"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name}: expected a positive width in pixels, got {getattr(self, name)}")
        for name in ("wing_fraction", "halo_fraction"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name}: expected 0..1, got {getattr(self, name)}")
        if not float(self.sigma_halo) > 0 or float(self.wing_fraction) + float(self.halo_fraction) > 1.0:
            raise ValueError("sigma_halo: expected > 0 pixels, and wing_fraction + halo_fraction <= 1, got "
                             f"{self.sigma_halo}, {self.wing_fraction} + {self.halo_fraction}")
        for name in ("wing_dcol", "wing_drow"):
            if not abs(float(getattr(self, name))) <= 3.0:
                raise ValueError(f"{name}: expected a wing offset within ±3 pixels, got {getattr(self, name)}")


def prf_1d(centre: np.ndarray, sigma: float, n_pix: int) -> np.ndarray:
    """Fraction of a 1-D Gaussian falling in each pixel.

    Parameters
    ----------
    centre : array_like, shape (...,)
        Gaussian centres, pixels (0-based pixel-centre coordinates).
    sigma : float or array_like broadcastable to ``centre``
        Gaussian width, pixels.
    n_pix : int
        Number of pixels; pixel ``p`` spans ``[p - 0.5, p + 0.5]``.

    Returns
    -------
    ndarray, shape (..., n_pix)
    """
    c = np.asarray(centre, dtype=np.float64)[..., None]
    edges = np.arange(n_pix + 1, dtype=np.float64) - 0.5
    sig = np.asarray(sigma, dtype=np.float64)
    cdf = erf((edges - c) / (_SQRT2 * (sig[..., None] if sig.ndim else sig)))
    return 0.5 * np.diff(cdf, axis=-1)


def prf_1d_derivatives(centre: np.ndarray, sigma: float,
                       n_pix: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`prf_1d` and its derivatives with respect to the Gaussian's centre and width.

    A pixel's fraction is ``0.5 (erf(z₊/√2) - erf(z₋/√2))`` with ``z = (edge - centre) / sigma`` at its two
    edges, so both derivatives are differences of the Gaussian's density ``φ`` at the edges:
    ``d/dcentre = φ(z₋) - φ(z₊)`` and ``d/dsigma = z₋ φ(z₋) - z₊ φ(z₊)`` (``φ`` per pixel, ``1/sigma`` included).

    Parameters
    ----------
    centre, sigma, n_pix
        As :func:`prf_1d`.

    Returns
    -------
    value, d_centre, d_sigma : ndarray, shape (..., n_pix)
    """
    c = np.asarray(centre, dtype=np.float64)[..., None]
    edges = np.arange(n_pix + 1, dtype=np.float64) - 0.5
    sig = np.asarray(sigma, dtype=np.float64)
    sig = sig[..., None] if sig.ndim else sig
    value = prf_1d(centre, sigma, n_pix)
    z = (edges - c) / sig
    pdf = np.exp(-0.5 * z * z) / (_SQRT_2PI * sig)
    return value, -np.diff(pdf, axis=-1), -np.diff(pdf * z, axis=-1)


def _components(prf: PRFParams) -> tuple[tuple[float, float, float, float, float], ...]:
    """(weight, sigma_col, sigma_row, dcol, drow) of each Gaussian component."""
    w, h = float(prf.wing_fraction), float(prf.halo_fraction)
    core = 1.0 - w - h
    # the core moves opposite to the wing so that the PRF's light is centred on the star
    back = w / core if core > 0 else 0.0
    return ((core, prf.sigma_core_col, prf.sigma_core_row, -back * float(prf.wing_dcol), -back * float(prf.wing_drow)),
            (w, prf.sigma_wing, prf.sigma_wing, float(prf.wing_dcol), float(prf.wing_drow)),
            (h, prf.sigma_halo, prf.sigma_halo, 0.0, 0.0))


def render_cube(cols: np.ndarray, rows: np.ndarray, fluxes: np.ndarray, prf: PRFParams,
                shape: tuple[int, int] = (13, 11), width_scale: np.ndarray | None = None) -> np.ndarray:
    """Pixel-integrated images of point sources at many epochs (no background, no noise).

    Parameters
    ----------
    cols, rows : ndarray, shape (n_time, n_src)
        Source positions per epoch, pixels.
    fluxes : ndarray, shape (n_time, n_src)
        Source fluxes per epoch, e-/s.
    prf : PRFParams
    shape : (int, int)
        (n_rows, n_cols) of the stamp.
    width_scale : ndarray, shape (n_time,), optional
        Factor applied to every Gaussian width at each epoch (focus breathing); 1 when omitted.

    Returns
    -------
    ndarray, shape (n_time, n_rows, n_cols), e-/s per pixel
    """
    cols = np.atleast_2d(cols)
    rows = np.atleast_2d(rows)
    fluxes = np.atleast_2d(fluxes)
    n_rows, n_cols = shape
    scale = 1.0 if width_scale is None else np.asarray(width_scale, dtype=np.float64).reshape(-1, 1)
    cube = np.zeros((cols.shape[0], n_rows, n_cols))
    for weight, s_col, s_row, dcol, drow in _components(prf):
        if weight == 0.0:
            continue
        gx = prf_1d(cols + dcol, s_col * scale, n_cols) * (weight * fluxes)[..., None]  # (t, s, c)
        gy = prf_1d(rows + drow, s_row * scale, n_rows)  # (t, s, r)
        cube += np.einsum("tsr,tsc->trc", gy, gx, optimize=True)
    return cube


def flux_weighted_centroid(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flux-weighted centroid over the whole stamp, negative pixels clipped to 0.

    Parameters
    ----------
    images : ndarray, shape (..., n_rows, n_cols)
        Pixel fluxes, e-/s.

    Returns
    -------
    col, row : ndarray, shape (...)
        Centroid column (x) and row (y), 0-based pixel-centre coordinates, pixels.
    """
    w = np.clip(np.asarray(images, dtype=np.float64), 0.0, None)
    n_rows, n_cols = w.shape[-2:]
    total = w.sum(axis=(-2, -1))
    col = (w.sum(axis=-2) * np.arange(n_cols)).sum(axis=-1) / total
    row = (w.sum(axis=-1) * np.arange(n_rows)).sum(axis=-1) / total
    return col, row
