"""Pointing and focus of every cadence, measured on the out-of-transit image, and each pixel's response to them.

The part of :mod:`toi5807.diffimage.images` that models what pointing leaves in a difference image:

* the out-of-transit mean image ``I`` is interpolated by a bicubic spline
  (:func:`oot_spline`), whose derivatives give the pointing templates
  ``T = −∂I/∂(col, row)`` and the Hessian (:func:`spline_derivatives`);
  an image moved by ``δ`` is ``I − δ·∇I + ½ δᵀHδ``;
* every cadence's pointing ``δ`` and focus ``ε`` are *measured* by a
  fixed-template weighted linear solve of ``F_t − I`` on ``[T_col, T_row, W, I, 1]``
  (:func:`pointing_projector`: one 5-row projector, then one product for the
  whole sector), with ``W`` the image's response to a small dilation about the
  target (:func:`dilation_template`: the point-spread function breathing with
  the focus); the image itself is a column so a dimming target does not read
  as a focus change;
* every pixel is regressed, out of transit, on the measured pointing (first and
  second order) and focus (:func:`pointing_response`).

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["oot_spline", "spline_derivatives", "dilation_template", "pointing_projector", "pointing_response"]


def oot_spline(image: np.ndarray):
    """Bicubic interpolant (rows, cols) of an image, or None for a stamp under 2 pixels on a side."""
    from scipy.interpolate import RectBivariateSpline

    ny, nx = image.shape
    k = min(3, ny - 1, nx - 1)
    if k < 1:
        return None
    return RectBivariateSpline(np.arange(ny, dtype=float), np.arange(nx, dtype=float), image, kx=k, ky=k, s=0)


def spline_derivatives(spline: Any, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Pointing templates ``−∂I/∂col, −∂I/∂row`` (2, rows, cols); Hessian ``I_cc, I_cr, I_rr`` (3, rows, cols).

    A stamp of 2 or 3 pixels on a side has a spline of degree 1 or 2 (:func:`oot_spline`): its derivatives of
    that order or more are zero (scipy would refuse them), so those Hessian terms are zero.
    """
    ny, nx = shape
    yy, xx = (np.arange(ny, dtype=float), np.arange(nx, dtype=float))
    if spline is None:
        z = np.zeros((2, ny, nx))
        return z, np.zeros((3, ny, nx))
    kr, kc = spline.degrees

    def d(dy: int, dx: int) -> np.ndarray:  # spline axes are (row, col)
        if dy >= kr or dx >= kc:  # a degree-k spline has no derivative of order k or more (scipy's parder
            return np.zeros((ny, nx))  # refuses it, "error code 10"): small stamps get k = 1 or 2
        return spline(yy, xx, dx=dy, dy=dx)

    templates = np.stack([-d(0, 1), -d(1, 0)])
    hessian = np.stack([d(0, 2), d(1, 1), d(2, 0)])
    return templates, hessian


def dilation_template(image: np.ndarray, templates: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Change of ``image`` per unit relative dilation about ``centre`` (flux kept): ``−2I − (r − c)·∇I``."""
    ny, nx = image.shape
    yy, xx = np.mgrid[0:ny, 0:nx].astype(float)
    return -2.0 * np.nan_to_num(image) + (xx - centre[0]) * templates[0] + (yy - centre[1]) * templates[1]


def pointing_projector(image: np.ndarray, templates: np.ndarray, dilation: np.ndarray, var: np.ndarray,
                       fit: np.ndarray) -> np.ndarray | None:
    """The weighted least-squares projector onto ``[T_col, T_row, W, I, 1]`` on the fit pixels, shape (5, n_fit).

    ``projector @ (F_t − I)[fit]`` is (δcol, δrow, ε, scale, offset) of cadence t; ``var`` is the per-pixel
    variance on the fit pixels (weights ``1/var``). None when the normal matrix is singular or not finite.
    """
    a = np.stack([templates[0].ravel()[fit], templates[1].ravel()[fit], dilation.ravel()[fit],
                  np.nan_to_num(image.ravel()[fit]), np.ones(int(np.count_nonzero(fit)))], axis=1)
    aw = a / var[:, None]
    m = a.T @ aw
    if not (np.all(np.isfinite(m)) and abs(np.linalg.det(m)) > 0):
        return None
    return np.linalg.solve(m, aw.T)


def pointing_response(sub: np.ndarray, oot: np.ndarray, delta: np.ndarray,
                      shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per-pixel response to the measured pointing and focus, fitted on the out-of-transit cadences.

    Every pixel is regressed on ``[1, δcol, δrow, ε, offset, δcol², δcol·δrow, δrow²]`` (one normal-equation
    solve for all pixels). Returns the first-order pointing templates (2, rows, cols), the second-order
    coefficients (3, rows, cols) and the focus response (rows, cols), or None when the pointing does not vary
    enough to fit them.
    """
    rows = np.flatnonzero(oot)[::3]  # every third out-of-transit cadence (thousands) is plenty for 8 coefficients
    dx, dy = delta[rows, 0] - delta[rows, 0].mean(), delta[rows, 1] - delta[rows, 1].mean()
    eps, off = delta[rows, 2] - delta[rows, 2].mean(), delta[rows, 4]
    x = np.stack([np.ones_like(dx), dx, dy, eps, off, dx * dx, dx * dy, dy * dy], axis=1)
    xtx = x.T @ x
    scale = np.sqrt(np.diag(xtx))
    if not np.all(scale > 0) or np.linalg.cond(xtx / np.outer(scale, scale)) > 1e10:
        return None
    # a BLAS product: its callers (difference_images) hold BLAS to one thread (toi5807.pixels.blas), where the
    # threaded product's time varied 30× on a busy machine; 6× faster than the einsum it replaced
    coef = np.linalg.solve(xtx, x.T @ sub[rows])  # (8, n_pix)
    return coef[1:3].reshape(2, *shape), coef[5:8].reshape(3, *shape), coef[3].reshape(shape)
