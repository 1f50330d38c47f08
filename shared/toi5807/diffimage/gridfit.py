"""The fixed-template linear fit of many difference images at once, on a grid of trial source positions.

For a source at a fixed position Δ the model of :mod:`toi5807.diffimage.prf_fit` is linear,
``D = a·P(Δ) + b_col·T_col + b_row·T_row + c``. With the per-pixel noise shared up to a factor per image
(``σ_f = sqrt(s_f)·σ_unit``, as for the sector images of a sector's real and fake epochs), weighting by
``1/σ_unit`` and projecting the pointing templates and the constant out of the PRF leaves, per position,
one unit vector ``q(Δ)``; then for every image ``y = D/σ_unit``

* ``z(Δ) = q(Δ)·y / sqrt(s_f)`` — the amplitude over its error (``a = q·y/‖r‖``,
  ``σ_a = sqrt(s_f)/‖r‖``);
* ``χ²(Δ) = χ²_templates − z(Δ)²`` — the profiled χ² (identical to
  :class:`~toi5807.diffimage.prf_fit.ProfileChi2`).

So the dip amplitude at every trial position for every image is one matrix product (positions × pixels ×
images). The best position (``z > 0``, within the fit radius) is refined by a quadratic through its 3×3 grid
neighbourhood; the same χ² scale as the nonlinear fit is applied (reduced χ² when above 1, and the PRF
systematic floor :data:`~toi5807.diffimage.prf_fit.PRF_SYSTEMATIC_PX` through the curvature), and every Δχ²
(source at the target, at each extra position such as a catalogue star) is divided by it.

The grid lives in a plane ``u`` (pixels, or arcsec on the sky) mapped to stamp pixels by a 2×2 matrix, so
several sectors can share one sky grid (:mod:`toi5807.vetting.selfcal` sums their χ² on it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .prf_fit import GRID_STEP_PX, PRF_SYSTEMATIC_PX, ProfileChi2

__all__ = ["GridTemplates", "GridStatistics", "grid_templates", "grid_statistics", "square_grid", "z_at",
           "quadratic_peak", "second_peak", "STENCIL3", "REFINE_STEPS", "SECOND_PEAK_MARGIN"]

#: Below this fraction of the largest projected-PRF norm a position is singular (a PRF moved off the fit pixels).
_SINGULAR = 1e-6
#: Finer stencils around the grid peak, half-widths in grid steps (0.4 px grid → 0.2, 0.1, 0.04, 0.016 px).
REFINE_STEPS: tuple[float, ...] = (0.5, 0.25, 0.1, 0.04)
#: A second grid maximum within this much ``z²`` of the first is refined as well (Δχ² units).
SECOND_PEAK_MARGIN: float = 4.0
#: ``z²`` given to singular positions (χ² as large as the nonlinear fit's for singular normal equations).
_BAD = -1e30


def square_grid(radius: float, step: float) -> tuple[np.ndarray, tuple[int, int]]:
    """A square grid of points (k, 2) with spacing ``step`` reaching one step beyond ``radius``, and its shape."""
    if not (radius > 0 and step > 0):
        raise ValueError(f"radius={radius!r}, step={step!r}: expected positive numbers")
    n = int(math.ceil(radius / step)) + 1
    g = np.arange(-n, n + 1) * step
    gx, gy = np.meshgrid(g, g)  # row index = y, column index = x
    return np.stack([gx.ravel(), gy.ravel()], axis=1), (g.size, g.size)


@dataclass(frozen=True, eq=False)
class GridTemplates:
    """Projected PRF templates on a grid of positions (see :func:`grid_templates`).

    Attributes
    ----------
    u : ndarray (k, 2)
        Grid positions in the grid plane; ``shape`` the grid's (rows, cols), ``step`` its spacing.
    to_px : ndarray (2, 2)
        Grid plane → stamp-pixel offsets from the target.
    positions_px : ndarray (k + m, 2)
        Grid positions then the extra positions, pixels from the target (x = column, y = row).
    in_region : ndarray of bool (k,)
        Grid positions within the search radius (pixels).
    q : ndarray (k + m, n_pix)
        Unit vectors of the weighted PRF with the pointing templates and constant projected out.
    norm : ndarray (k + m,)
        Norm of the projected weighted PRF (0 where singular).
    qt : ndarray (n_pix, 3)
        Orthonormal basis of the weighted pointing templates and constant.
    mask : ndarray of bool (rows, cols)
        Fit pixels; ``sigma_unit`` their 1σ per unit scale, e-/s.
    """

    u: np.ndarray
    shape: tuple[int, int]
    step: float
    to_px: np.ndarray
    positions_px: np.ndarray
    in_region: np.ndarray
    q: np.ndarray
    norm: np.ndarray
    qt: np.ndarray
    mask: np.ndarray
    sigma_unit: np.ndarray
    profile: ProfileChi2 | None = None

    @property
    def n_grid(self) -> int:
        """Grid positions (the extra ones follow them)."""
        return len(self.u)


def _prf(profile: ProfileChi2, px: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """:meth:`ProfileChi2.prf` in blocks of ``chunk`` positions (bounds its temporaries' memory)."""
    if len(px) <= chunk:
        return profile.prf(px)
    return np.concatenate([profile.prf(px[i:i + chunk]) for i in range(0, len(px), chunk)])


def grid_templates(profile: ProfileChi2, sigma_unit: np.ndarray, *, radius_px: float = 4.0,
                   step: float = GRID_STEP_PX, to_px: np.ndarray | None = None,
                   extra_px: np.ndarray | None = None, extent: float | None = None) -> GridTemplates:
    """PRF templates of a sector on a grid, weighted by the per-pixel noise and with the pointing projected out.

    Parameters
    ----------
    profile : ProfileChi2
        Its PRF, pointing templates and fit pixels are used (not its image).
    sigma_unit : ndarray (rows, cols)
        Per-pixel 1σ up to a factor per image, e-/s.
    radius_px : float
        Search radius, pixels from the target.
    step : float
        Grid spacing in the grid plane (pixels, or arcsec with ``to_px``).
    to_px : ndarray (2, 2), optional
        Grid plane → pixels (default identity; e.g. the inverse WCS Jacobian for arcsec east/north).
    extra_px : ndarray (m, 2), optional
        Further positions to evaluate, pixels (e.g. catalogue stars).
    extent : float, optional
        Half-width of the grid in the grid plane (default: what reaches ``radius_px``); give the same to sectors
        that share one grid.
    """
    m = np.eye(2) if to_px is None else np.asarray(to_px, dtype=float)
    if m.shape != (2, 2) or not np.all(np.isfinite(m)):
        raise ValueError(f"to_px: expected a finite 2×2 matrix, got {to_px!r}")
    # the grid must reach the search radius in pixels: its extent in the plane from the smallest singular value
    smin = float(np.linalg.svd(m, compute_uv=False).min())
    if not smin > 0:
        raise ValueError(f"to_px: expected an invertible matrix, got {to_px!r}")
    u, shape = square_grid(radius_px / smin if extent is None else float(extent), step)
    px = u @ m.T
    extra = np.zeros((0, 2)) if extra_px is None else np.atleast_2d(np.asarray(extra_px, dtype=float))
    pos = np.concatenate([px, extra])
    mask = profile.mask
    su = np.asarray(sigma_unit, dtype=float)[mask]
    a = profile.fixed / su[:, None]
    qt, _ = np.linalg.qr(a)
    p = _prf(profile, pos)  # per e-/s of source (NaN for non-finite positions)
    pw = np.nan_to_num(p) / su[None, :]
    r = pw - (pw @ qt) @ qt.T
    norm = np.sqrt(np.einsum("kp,kp->k", r, r))
    bad = ~(norm > _SINGULAR * max(float(norm.max()) if norm.size else 0.0, 1e-300)) | ~np.all(np.isfinite(p), axis=1)
    norm = np.where(bad, 0.0, norm)
    q = r / np.where(bad, 1.0, norm)[:, None]
    q[bad] = 0.0
    in_region = np.hypot(px[:, 0], px[:, 1]) <= radius_px
    return GridTemplates(u, shape, float(step), m, pos, in_region, q, norm, qt, mask, np.asarray(sigma_unit), profile)


def _projected(tpl: GridTemplates, px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit projected PRF vectors (k, n_pix) and their norms (0 where singular) at pixel offsets ``px`` (k, 2)."""
    p = _prf(tpl.profile, px)
    fin = np.isfinite(p).all(axis=1)
    if not fin.all():
        p[~fin] = 0.0
    p /= tpl.sigma_unit[tpl.mask][None, :]
    r = p - (p @ tpl.qt) @ tpl.qt.T
    norm = np.sqrt(np.einsum("kp,kp->k", r, r))
    ref = float(tpl.norm.max()) if tpl.norm.size else 0.0
    bad = ~(norm > _SINGULAR * max(ref, 1e-300)) | ~fin
    if bad.any():
        norm[bad] = 0.0
        r[bad] = 0.0
    r /= np.where(bad, 1.0, norm)[:, None]
    return r, norm


STENCIL3 = np.array([(dx, dy) for dy in (-1.0, 0.0, 1.0) for dx in (-1.0, 0.0, 1.0)])  # row-major (y, then x)


def z_at(tpl: GridTemplates, images: np.ndarray, scale: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``z`` (unscaled amplitude significance) of image ``i`` at its own grid-plane points ``u[i]`` (f, j, 2)
    → (f, j); NaN where the position is singular."""
    im = np.asarray(images, dtype=float)
    d = im[:, tpl.mask] if im.ndim == 3 else im
    y = d / tpl.sigma_unit[tpl.mask][None, :]
    f, j = u.shape[:2]
    q, norm = _projected(tpl, u.reshape(-1, 2) @ tpl.to_px.T)
    z = np.einsum("njp,np->nj", q.reshape(f, j, -1), y) / np.sqrt(np.asarray(scale, dtype=float))[:, None]
    return np.where(norm.reshape(f, j) > 0, z, np.nan)


def _refine(tpl: GridTemplates, y: np.ndarray, rs: np.ndarray, u0: np.ndarray, step: float,
            sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One finer 3×3 stencil (half-width ``step``, grid plane) around ``u0`` (f, 2) of the images ``sel``:
    the refined peak of the signed z², the new position and the Hessian of −z² (NaN where not refined)."""
    f = len(u0)
    peak, hess = np.full(f, np.nan), np.full((f, 2, 2), np.nan)
    u_new = u0.copy()
    idx = np.flatnonzero(sel)
    if not idx.size:
        return peak, u_new, hess
    pts = u0[idx, None, :] + step * STENCIL3[None]  # (n, 9, 2)
    q, norm = _projected(tpl, pts.reshape(-1, 2) @ tpl.to_px.T)
    z = np.einsum("njp,np->nj", q.reshape(idx.size, 9, -1), y[idx]) * rs[idx, None]
    v = np.where(norm.reshape(idx.size, 9) > 0, z * np.abs(z), _BAD)
    pk, shift, h = quadratic_peak(v, np.full(idx.size, 4), (3, 3), step)
    ok = np.all(np.isfinite(h), axis=(1, 2))
    top = np.argmax(v, axis=1)
    n = np.arange(idx.size)
    peak[idx] = np.where(ok, pk, v[n, top])
    u_new[idx] = np.where(ok[:, None], u0[idx] + shift, pts[n, top])
    hess[idx] = h
    return peak, u_new, hess


@dataclass(frozen=True, eq=False)
class GridStatistics:
    """The grid fit of f images (see :func:`grid_statistics`); arrays of length f unless said.

    Attributes
    ----------
    z : ndarray
        Amplitude over its (χ²-scaled) error at the best position (the largest within the search radius).
    best_u : ndarray (f, 2)
        Refined best position in the grid plane.
    peak_z2 : ndarray
        Refined largest ``z²`` (unscaled), for joint fits.
    delta_chi2_target : ndarray
        ``(χ²(0) − χ²_min) / chi2_scale``.
    delta_chi2_extra : ndarray (f, m)
        ``(χ²(extra) − χ²_min) / chi2_scale``.
    chi2_min, chi2_scale : ndarray
    z_grid : ndarray (f, k + m)
        ``z`` at every position (unscaled).
    """

    z: np.ndarray
    best_u: np.ndarray
    peak_z2: np.ndarray
    delta_chi2_target: np.ndarray
    delta_chi2_extra: np.ndarray
    chi2_min: np.ndarray
    chi2_scale: np.ndarray
    z_grid: np.ndarray


def quadratic_peak(v: np.ndarray, best: np.ndarray, shape: tuple[int, int],
                   step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refine the maximum of ``v`` (f, k) on a square grid at index ``best`` (f,) by a quadratic through its 3×3
    neighbourhood: the peak value, the shift from the grid point (f, 2) in grid units × ``step`` and the Hessian
    of ``−v`` (f, 2, 2). Points on the grid's rim, or where ``v`` is not concave or the shift exceeds one step,
    keep the grid value (shift 0, Hessian NaN)."""
    ny, nx = shape
    iy, ix = np.divmod(best, nx)
    inner = (iy > 0) & (iy < ny - 1) & (ix > 0) & (ix < nx - 1)
    iy, ix = np.clip(iy, 1, ny - 2), np.clip(ix, 1, nx - 2)
    f = np.arange(v.shape[0])

    def at(dy: int, dx: int) -> np.ndarray:
        return v[f, (iy + dy) * nx + ix + dx]

    v0 = at(0, 0)
    gx, gy = (at(0, 1) - at(0, -1)) / (2 * step), (at(1, 0) - at(-1, 0)) / (2 * step)
    hxx = (at(0, 1) - 2 * v0 + at(0, -1)) / step ** 2
    hyy = (at(1, 0) - 2 * v0 + at(-1, 0)) / step ** 2
    hxy = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * step ** 2)
    det = hxx * hyy - hxy ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        sx = -(hyy * gx - hxy * gy) / det
        sy = -(hxx * gy - hxy * gx) / det
    ok = inner & (hxx < 0) & (det > 0) & (np.abs(sx) <= step) & (np.abs(sy) <= step) & (v0 > 0.5 * _BAD)
    peak = np.where(ok, v0 + 0.5 * (gx * sx + gy * sy), v0)
    shift = np.where(ok[:, None], np.stack([sx, sy], axis=1), 0.0)
    hess = np.where(ok[:, None, None], -np.stack([np.stack([hxx, hxy], 1), np.stack([hxy, hyy], 1)], 1), np.nan)
    return peak, shift, hess


def second_peak(v: np.ndarray, best: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Index of the largest grid value of ``v`` (f, k) more than one grid step from ``best`` (f,) in either axis."""
    ny, nx = shape
    k = ny * nx
    iy, ix = np.divmod(np.arange(k), nx)
    by, bx = np.divmod(best, nx)
    near = (np.abs(iy[None, :] - by[:, None]) <= 1) & (np.abs(ix[None, :] - bx[:, None]) <= 1)
    return np.argmax(np.where(near, -np.inf, v[:, :k]), axis=1)


def _refined(tpl: GridTemplates, y: np.ndarray, rs: np.ndarray, signed: np.ndarray, start: np.ndarray,
             sel: np.ndarray, refine: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The peak of the signed z² near grid point ``start`` (f,): a quadratic through the 3×3 grid neighbourhood,
    then the finer stencils ``refine`` (images ``sel``); the peak, its position and the Hessian of −z²."""
    peak, shift, hess = quadratic_peak(signed, start, tpl.shape, tpl.step)
    u_best = tpl.u[start] + shift
    if tpl.profile is not None:  # finer stencils around the grid peak (the grid alone is ±0.2 px coarse)
        for frac in refine:
            pk, u_new, h = _refine(tpl, y, rs, u_best, frac * tpl.step, sel)
            better = np.isfinite(pk)
            peak, u_best = np.where(better, pk, peak), np.where(better[:, None], u_new, u_best)
            hess = np.where(np.all(np.isfinite(h), axis=(1, 2))[:, None, None], h, hess)
    f = np.arange(len(start))
    return np.maximum(peak, np.where(sel, signed[f, start], -np.inf)), u_best, hess


def grid_statistics(tpl: GridTemplates, images: np.ndarray, scale: np.ndarray, *,
                    systematic_px: float = PRF_SYSTEMATIC_PX,
                    refine: tuple[float, ...] = REFINE_STEPS) -> GridStatistics:
    """The linear fit of every image at every grid (and extra) position, and its best-position statistics.

    Parameters
    ----------
    tpl : GridTemplates
    images : ndarray (f, rows, cols) or (f, n_pix)
        Difference images (e-/s); only the fit pixels are read.
    scale : ndarray (f,)
        Variance factor of each image: its per-pixel 1σ is ``sqrt(scale)·sigma_unit``.
    systematic_px : float
        PRF systematic position error per axis, pixels (as in the nonlinear fit).
    refine : tuple of float
        Half-widths (in grid steps) of the finer 3×3 stencils evaluated around each image's grid peak
        (a quadratic through each; empty: the grid and one quadratic only).
    """
    im = np.asarray(images, dtype=float)
    d = im[:, tpl.mask] if im.ndim == 3 else im
    s = np.asarray(scale, dtype=float)
    y = d / tpl.sigma_unit[tpl.mask][None, :]
    c = y @ tpl.q.T  # (f, k + m)
    rs = 1.0 / np.sqrt(s)
    z = c * rs[:, None]
    bad = tpl.norm == 0
    z2 = np.where(bad[None, :], _BAD, z * z)
    chi2_t = (np.einsum("fp,fp->f", y, y) - np.sum((y @ tpl.qt) ** 2, axis=1)) / s
    k = tpl.n_grid
    pos = (z[:, :k] > 0) & tpl.in_region[None, :] & ~bad[None, :k]
    cand = np.where(pos, z2[:, :k], -np.inf)
    has = np.isfinite(cand).any(axis=1)
    best = np.argmax(np.where(has[:, None], cand, np.where(tpl.in_region & ~bad[:k], z[:, :k], -np.inf)), axis=1)
    # the quadratic runs on the signed z² (a dimming source only), so a neighbour of the other sign pulls it down
    signed = np.where(bad[None, :k], _BAD, z[:, :k] * np.abs(z[:, :k]))
    f = np.arange(len(s))
    peak, u_best, hess = _refined(tpl, y, rs, signed, best, has, refine)
    # a second local maximum nearly as high on the grid (two dips, or noise) is refined too; the higher one wins
    best2 = second_peak(cand, best, tpl.shape)
    close = has & (cand[f, best2] >= cand[f, best] - SECOND_PEAK_MARGIN) & np.isfinite(cand[f, best2])
    if close.any():
        pk2, u2, h2 = _refined(tpl, y, rs, signed, best2, close, refine)
        win = close & (pk2 > peak)
        peak, u_best = np.where(win, pk2, peak), np.where(win[:, None], u2, u_best)
        hess = np.where(win[:, None, None], h2, hess)
        best = np.where(win, best2, best)
    peak = np.where(has, np.maximum(peak, z2[f, best]), 0.0)
    dof = max(int(tpl.mask.sum()) - 6, 1)
    chi2_min = chi2_t - peak
    red = np.maximum(1.0, chi2_min / dof)
    # PRF systematic floor, as the nonlinear fit: covariance 2 H⁻¹ × reduced χ² (in pixels), trace grows by 2σ²
    m = tpl.to_px
    with np.errstate(invalid="ignore"):
        cov_u = 2.0 * np.linalg.inv(np.where(np.isfinite(hess), hess, np.eye(2)[None])) * red[:, None, None]
        tr = np.einsum("ij,fjk,ik->f", m, cov_u, m)
    good_h = np.all(np.isfinite(hess), axis=(1, 2)) & (tr > 0)
    k_sys = np.where(good_h, 1.0 + 2.0 * systematic_px ** 2 / np.where(good_h, tr, 1.0), 1.0)
    sc = red * k_sys
    z_best = np.where(has, np.sqrt(np.maximum(peak, 0.0)), z[f, best]) / np.sqrt(sc)
    target = int(np.argmin(np.hypot(tpl.u[:, 0], tpl.u[:, 1])))
    dchi0 = np.maximum(peak - z2[:, target], 0.0) / sc
    dext = np.maximum(peak[:, None] - z2[:, k:], 0.0) / sc[:, None]
    return GridStatistics(z_best, u_best, peak, dchi0, dext, chi2_min, sc, z)
