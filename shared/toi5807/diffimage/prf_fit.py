"""Where in a difference image is the source? An empirical-PRF fit with pointing terms.

Model of a difference image ``D`` (e-/s per pixel, fit pixels only)::

    D = a · P(Δ) + b_col · T_col + b_row · T_row + c

* ``P(Δ)`` — the **empirical PRF**: the out-of-transit image ``I`` moved by
  ``Δ`` pixels (bicubic spline), tapered to zero where the moved image would
  come from beyond the stamp edge, divided by the stamp sum of ``I``. ``Δ`` is
  the source's offset from the out-of-transit light centre (the target), and
  ``a`` the flux the source lost in transit, e-/s. On the twin this beats a
  Gaussian PSF, which leaves a ≈1″ bias that does not average out;
* ``T`` — the pointing templates ``−∇I`` (:mod:`toi5807.diffimage.images`),
  whose free amplitudes absorb the dipole a pointing offset leaves;
* ``c`` — a constant (background error).

``P`` is the source *as the difference images show it*: they subtract a focus term ``Δ⟨ε⟩ R_ε`` whose ``ε``
is measured on every cadence (in transit too) by a linear solve ``ε = w · (F − I)``; a source's own dimming moves
the in-transit ``ε`` by ``−a w·P``, so the images lose ``a (w·P) R_ε`` of it and the model does the same,
``P ← P − (w·P) R_ε`` (a source on the target loses nothing: ``w·I = 0``). Without it a blend 48″ off came out
≈ 2″ off in the real sector-83 pixels at any depth, one 15″ off ≈ 6″ (``benchmarks/injection_accuracy.py``).

For fixed Δ the model is linear, so χ²(Δ) is profiled over ``(a, b, c)`` by
batched 4×4 weighted normal equations; Δ is found on a 0.4-px grid within the
fit radius and refined by repeated quadratic fits (:func:`quadratic_refine`). Its covariance is ``2 H⁻¹`` (H the
Hessian of χ²(Δ) by finite differences), inflated by the reduced χ² when that
exceeds 1 and by a PRF-model systematic floor (:data:`PRF_SYSTEMATIC_PX`); the
same factor scales every Δχ² test, so bright sources are not localized more
precisely than the empirical PRF allows. The offset from the target is tested by the 2-dof likelihood ratio
``Δχ² = χ²(0) − χ²_min`` (source fixed at the target vs free), reported as
``sigma = sqrt(-2 ln p) = sqrt(Δχ²)`` (:mod:`toi5807.pixels.pvalues`; Bryson et al.
2013, arXiv:1303.0052). Near the target a source offset and a pointing shift
look alike and Jacobian errors are too small there: the likelihood ratio is
the test to use.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report import json_safe
from ..pixels.pvalues import sigma_from_log_p
from .prf_cells import TAPER_WIDTH_PX, MovedImage, taper

__all__ = ["LocationFit", "ProfileChi2", "fit_difference_image", "quadratic_refine", "GRID_STEP_PX", "TAPER_WIDTH_PX"]


#: Grid step of the first search, pixels.
GRID_STEP_PX: float = 0.4

#: χ² given to offsets where the linear fit is singular (finite, so optimizers stay well defined).
_BAD_CHI2: float = 1e30

#: Systematic position error of the empirical PRF, pixels per axis: the moved out-of-transit image carries the
#: neighbours' light and the spline's interpolation error. Measured on the twin's background EB (48″, ≈25 % of its
#: own light): fit errors of 0.1–1″ (0.005–0.05 px) per sector where the statistical error is ≈0.05–0.25″.
PRF_SYSTEMATIC_PX: float = 0.03

class ProfileChi2:
    """χ²(Δ) of one difference image, profiled over amplitude, pointing and constant (vectorised over Δ).

    Parameters
    ----------
    spline : RectBivariateSpline
        Interpolant of the out-of-transit image (rows, cols).
    oot_sum : float
        Stamp sum of the out-of-transit image, e-/s.
    templates : ndarray (2, rows, cols)
    image, sigma : ndarray (rows, cols)
        Difference image and its per-pixel 1σ, e-/s.
    mask : ndarray of bool (rows, cols)
        Fit pixels.
    focus : (ndarray, ndarray), optional
        ``(focus_weights, focus_response)`` of the difference images (rows, cols each;
        :class:`toi5807.diffimage.images.DifferenceImages`): the focus subtraction's share of a source's own
        image, which :meth:`prf` takes off as the images do (None: no focus term was subtracted).

    :meth:`with_image` gives the profile of another difference image of the same sector
    (the PRF set-up is shared).
    """

    def __init__(self, spline: Any, oot_sum: float, templates: np.ndarray, image: np.ndarray,
                 sigma: np.ndarray, mask: np.ndarray, *,
                 focus: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        ny, nx = mask.shape
        yy, xx = np.mgrid[0:ny, 0:nx]
        self.spline, self.norm, self.shape, self.mask = spline, float(oot_sum), (ny, nx), mask
        self.x, self.y = xx[mask].astype(float), yy[mask].astype(float)
        # the bicubic interpolant as a tensor product of 1-D not-a-knot cubic interpolants:
        # value(y, x) = Wy(y) · I · Wx(x)ᵀ, with W(·) the interpolant of the identity (rows of weights)
        # (a polynomial of the offset in each pixel cell, :mod:`toi5807.diffimage.prf_cells`)
        nodes = np.asarray(spline(np.arange(ny, dtype=float), np.arange(nx, dtype=float)))
        self._moved = MovedImage(nodes / self.norm, mask) if ny > 3 and nx > 3 else None  # per e-/s of source
        self._rows, self._cols = np.arange(ny), np.arange(nx)
        self._edge = np.concatenate([np.full(ny, ny - 0.5), np.full(nx, nx - 0.5)])  # far edge, rows then columns
        self._flat = np.flatnonzero(mask)
        self._pix_y, self._pix_x = np.nonzero(mask)
        self.fixed = np.stack([templates[0][mask], templates[1][mask], np.ones(mask.sum())], axis=1)
        self.n_pix = int(mask.sum())
        self._focus = None  # (w, R_ε) on the fit pixels, when a focus term was subtracted
        if focus is not None and focus[0] is not None and focus[1] is not None:
            fw, fr = (np.asarray(v, dtype=float)[mask] for v in focus)
            ok = np.all(np.isfinite(fw)) and np.all(np.isfinite(fr)) and np.any(fw != 0) and np.any(fr != 0)
            self._focus = (fw, fr) if ok else None
        self._set_image(image, sigma)

    def _set_image(self, image: np.ndarray, sigma: np.ndarray) -> None:
        self.d = image[self.mask].astype(float)
        self.w = 1.0 / sigma[self.mask].astype(float) ** 2
        self.d2 = float(np.sum(self.w * self.d ** 2))

    def with_image(self, image: np.ndarray, sigma: np.ndarray) -> ProfileChi2:
        """The profile of another difference image (and its 1σ, e-/s) with the same PRF, templates and mask."""
        other = copy.copy(self)
        other._set_image(image, sigma)
        return other

    def prf(self, offsets: np.ndarray) -> np.ndarray:
        """Empirical PRF values on the fit pixels for each offset, shape (k, n_pix), per e-/s of source.

        As the difference images show a source: less the focus term's share (``focus=``; module docstring).
        """
        off = np.atleast_2d(np.asarray(offsets, dtype=float))
        fin = np.all(np.isfinite(off), axis=1)
        if not fin.all():  # a non-finite offset gives NaN values (→ singular normal equations → a large χ²)
            off = np.where(fin[:, None], off, 0.0)
        ny, nx = self.shape
        ys = self._rows[None, :] - off[:, 1:2]  # (k, ny): where each row's value comes from
        xs = self._cols[None, :] - off[:, 0:1]
        # outside the stamp the value is that of the nearest edge, then tapered away
        if self._moved is None:
            cy, cx = np.clip(ys, 0, ny - 1), np.clip(xs, 0, nx - 1)
            out = self.spline(cy[:, :, None], cx[:, None, :], grid=False).reshape(len(off), -1)[:, self._flat]
            out /= self.norm
        else:
            out = self._moved.values(off)
        # the taper of the distance to the nearest edge = the smaller of the row and column tapers (monotone)
        pos = np.concatenate([ys, xs], axis=1)  # (k, ny + nx): rows, then columns
        t = taper(np.minimum(pos + 0.5, self._edge - pos))
        out *= np.minimum(t[:, self._pix_y], t[:, ny + self._pix_x])
        if self._focus is not None:
            fw, fr = self._focus
            out -= np.multiply.outer(out @ fw, fr)
        if not fin.all():
            out[~fin] = np.nan
        return out

    def solve(self, offsets: np.ndarray, covariance: bool = False) -> tuple[np.ndarray, np.ndarray, Any]:
        """Profiled χ², linear parameters (a, b_col, b_row, c) and (optionally) their covariances, per offset."""
        p = self.prf(offsets)
        k = p.shape[0]
        # offsets innermost in memory, as before this was optimised: the rounding of the batched products
        # below depends on the layout, and the results are kept bit for bit
        a = np.empty((self.n_pix, 4, k)).transpose(2, 0, 1)
        a[:, :, 0] = p
        a[:, :, 1:] = self.fixed
        aw = (a * self.w[None, :, None]).transpose(0, 2, 1)
        m = np.matmul(aw, a)
        rhs = np.matmul(aw, self.d)
        # a PRF moved off the fit region has no lever: singular normal equations → a large χ²
        diag = np.sqrt(np.einsum("kii->ki", m))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = m / (diag[:, :, None] * diag[:, None, :])
            ok = np.all(diag > 0, axis=1)
            if ok.all() and np.isfinite(corr).all():  # the usual case: nothing to clean up
                ok = np.abs(np.linalg.det(corr)) > 1e-12
            else:
                ok &= np.abs(np.nan_to_num(np.linalg.det(np.nan_to_num(corr)))) > 1e-12
        if not ok.all():
            m = np.where(ok[:, None, None], m, np.eye(4)[None])
        sol = np.linalg.solve(m, rhs[..., None])[..., 0]
        chi2 = np.where(ok, self.d2 - np.einsum("ki,ki->k", rhs, sol), _BAD_CHI2)
        return chi2, sol, (np.linalg.inv(m) if covariance else None)

    def __call__(self, offsets: np.ndarray) -> np.ndarray:
        return self.solve(offsets)[0]


@dataclass(frozen=True)
class LocationFit:
    """Result of :func:`fit_difference_image` (pixels; x = column, y = row).

    Attributes
    ----------
    offset_px : (float, float)
        Source offset from the out-of-transit light centre (the target), pixels.
    covariance_px : 2×2 tuple
        pixels² (``2 H⁻¹`` × ``chi2_scale``).
    amplitude, amplitude_err : float
        Flux the source lost in transit, e-/s.
    pointing_px : (float, float)
        Fitted dipole amplitudes ``(b_col, b_row)`` = in-minus-out pointing difference, pixels.
    chi2, n_pix : float, int
        χ²_min and the number of fit pixels (6 parameters).
    chi2_scale : float
        ``max(1, χ²_min / (n_pix − 6))`` times the systematic-floor factor; Δχ² tests are divided by it.
    delta_chi2_target : float
        ``(χ²(0) − χ²_min) / chi2_scale``, 2 dof.
    offset_sigma : float
        ``sqrt(-2 ln p)`` of ``delta_chi2_target`` (source at the target vs free).
    converged : bool
    flag : str or None
        Why not converged: ``no_signal`` (amplitude not positive), ``at_search_edge``,
        ``hessian_not_positive``, ``optimizer_failed``, ``no_usable_pixels``.
    crb_px : 2×2 tuple
        Cramér–Rao bound of the offset for the fitted model and the measured per-pixel noise
        (``2 H⁻¹`` before any scaling), pixels².
    """

    offset_px: tuple[float, float] = (math.nan, math.nan)
    covariance_px: tuple[tuple[float, float], tuple[float, float]] = ((math.nan, math.nan), (math.nan, math.nan))
    amplitude: float = math.nan
    amplitude_err: float = math.nan
    pointing_px: tuple[float, float] = (math.nan, math.nan)
    chi2: float = math.nan
    n_pix: int = 0
    chi2_scale: float = math.nan
    delta_chi2_target: float = math.nan
    offset_sigma: float = math.nan
    converged: bool = False
    flag: str | None = None
    crb_px: tuple[tuple[float, float], tuple[float, float]] = ((math.nan, math.nan), (math.nan, math.nan))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)


_STENCIL = np.array([(i, j) for i in (-1.0, -0.5, 0.0, 0.5, 1.0) for j in (-1.0, -0.5, 0.0, 0.5, 1.0)])


def quadratic_refine(f: Any, x0: np.ndarray, step: float, *, n_iter: int = 6,
                     tol: float = 1e-3) -> tuple[np.ndarray, float, bool]:
    """Minimise a smooth 2-D function near ``x0`` by repeated quadratic fits on a 5×5 stencil.

    Each iteration evaluates ``f`` (vectorised over points) on a stencil of half-width ``step``
    around the current point, fits a quadratic surface by least squares and moves to its minimum
    (at most ``step`` away; to the best stencil point when the surface is not convex), then shrinks
    ``step`` by 0.35. A handful of vectorised calls replace a simplex search of ~50 single calls.

    Returns
    -------
    x : ndarray (2,)
    fx : float
    converged : bool
        The last move was below ``tol`` (units of ``x``) within ``n_iter`` iterations.
    """
    x = np.asarray(x0, dtype=float)
    u = _STENCIL
    a = np.stack([np.ones(len(u)), u[:, 0], u[:, 1], u[:, 0] ** 2, u[:, 0] * u[:, 1], u[:, 1] ** 2], axis=1)
    pending = None  # the previous quadratic minimum, evaluated together with the next stencil
    fx, moved, it = math.inf, math.inf, 0
    for it in range(1, int(n_iter) + 1):
        pts = x + step * u
        v_all = f(pts if pending is None else np.vstack([pts, pending[None, :]]))
        v = v_all[: len(u)]
        if pending is not None and v_all[-1] < v[12]:  # the predicted minimum beat the stencil centre
            x_new, f_new = pending, float(v_all[-1])
        else:
            k = int(np.argmin(v))
            x_new, f_new = pts[k], float(v[k])
        moved = float(np.hypot(*(x_new - x))) if math.isfinite(fx) else math.inf
        if f_new <= fx:
            x, fx = x_new, f_new
        else:
            moved = 0.0
        pending = None
        ok = v < 0.5 * _BAD_CHI2
        if ok.sum() >= 8:
            c, *_ = np.linalg.lstsq(a[ok], v[ok], rcond=None)
            h = np.array([[2 * c[3], c[4]], [c[4], 2 * c[5]]])
            if np.all(np.linalg.eigvalsh(h) > 0):
                shift = -np.linalg.solve(h, c[1:3])
                if np.hypot(*shift) <= 1.0:
                    pending = (pts[12] + step * shift)
        if moved < tol and step < 10 * tol and pending is None:
            return x, fx, True
        if pending is not None and np.hypot(*(pending - x)) < tol and step < 10 * tol:
            fp = float(f(pending[None, :])[0])
            return (pending, fp, True) if fp <= fx else (x, fx, True)
        step *= 0.35
    return x, fx, moved < tol and it > 0 and step < 30 * tol


def _hessian(f: ProfileChi2, x0: np.ndarray, h: float) -> np.ndarray:
    steps = np.array([[0, 0], [h, 0], [-h, 0], [0, h], [0, -h], [h, h], [h, -h], [-h, h], [-h, -h]])
    v = f(x0[None, :] + steps)
    hxx = (v[1] - 2 * v[0] + v[2]) / h ** 2
    hyy = (v[3] - 2 * v[0] + v[4]) / h ** 2
    hxy = (v[5] - v[6] - v[7] + v[8]) / (4 * h ** 2)
    return np.array([[hxx, hxy], [hxy, hyy]])


def fit_difference_image(profile: ProfileChi2, *, search_radius_px: float = 4.0,
                         max_iterations: int = 12, systematic_px: float = PRF_SYSTEMATIC_PX,
                         grid_step_px: float = GRID_STEP_PX) -> LocationFit:
    """Fit the empirical PRF plus pointing terms to one difference image.

    Parameters
    ----------
    profile : ProfileChi2
    search_radius_px : float
        Offsets searched, pixels from the target.
    max_iterations : int
        Iterations of the quadratic refinement (:func:`quadratic_refine`; each shrinks the step by 0.35).
    systematic_px : float
        PRF-model systematic position error per axis, pixels (:data:`PRF_SYSTEMATIC_PX`).
    grid_step_px : float
        Step of the first grid search, pixels.

    Returns
    -------
    LocationFit
        ``converged=False`` with a ``flag`` when the fit cannot be trusted (never raises on bad data).
    """
    if profile.n_pix < 8 or not np.all(np.isfinite(profile.d)) or not np.all(np.isfinite(profile.w)):
        return LocationFit(n_pix=profile.n_pix, flag="no_usable_pixels")
    g = np.arange(-search_radius_px, search_radius_px + 1e-9, grid_step_px)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    grid = grid[np.hypot(grid[:, 0], grid[:, 1]) <= search_radius_px]
    chi, sol, _ = profile.solve(grid)
    chi = np.where(sol[:, 0] > 0, chi, np.inf)  # a dimming source only
    if not np.any(np.isfinite(chi)):
        return LocationFit(n_pix=profile.n_pix, flag="no_signal")
    x0 = grid[int(np.argmin(chi))]
    best, _, success = quadratic_refine(profile, x0, grid_step_px, n_iter=max_iterations, tol=1e-3)
    c_best, s_best, cov_lin = (a[0] for a in profile.solve(best[None, :], covariance=True))
    dof = max(profile.n_pix - 6, 1)
    scale = max(1.0, float(c_best) / dof)
    hess = _hessian(profile, best, 0.02)
    flag = None
    cov = np.full((2, 2), np.nan)
    crb = np.full((2, 2), np.nan)
    if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
        crb = 2.0 * np.linalg.inv(hess)
        cov = crb * scale
        # PRF-model systematic floor, applied as a further χ² scale (trace of the covariance grows by 2σ_sys²)
        k_sys = 1.0 + 2.0 * systematic_px ** 2 / float(np.trace(cov))
        scale *= k_sys
        cov = cov * k_sys
    else:
        flag = "hessian_not_positive"
    if not success:
        flag = flag or "optimizer_failed"
    if np.hypot(*best) > search_radius_px - 0.5 * grid_step_px:
        flag = flag or "at_search_edge"
    if not s_best[0] > 0:
        flag = "no_signal"
    c0 = float(profile(np.zeros((1, 2)))[0])
    dchi = max(c0 - float(c_best), 0.0) / scale
    t2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
    return LocationFit(
        offset_px=t2(best), covariance_px=(t2(cov[0]), t2(cov[1])), amplitude=float(s_best[0]),
        amplitude_err=float(math.sqrt(max(cov_lin[0, 0], 0.0) * scale)), pointing_px=t2(-s_best[1:3]),
        chi2=float(c_best), n_pix=profile.n_pix, chi2_scale=scale, delta_chi2_target=dchi,
        offset_sigma=sigma_from_log_p(-0.5 * dchi), converged=flag is None, flag=flag, crb_px=(t2(crb[0]), t2(crb[1])))
