"""Stars found in an out-of-transit image: an offline catalogue for real stamps.

Without a network there is no Gaia/TIC query, so the stars that could host a
dip are found in the stamp itself: the out-of-transit image is fitted with the
twin's scene model (a pixel-integrated two-Gaussian PRF shared by all stars,
:mod:`toi5807.twin.scene`) plus a flat background, starting from the target at
its catalogue position; the brightest residual peak above ``snr_min`` times the
per-pixel noise is added as a new star and everything is refitted, up to
``max_stars`` stars. Those candidates are then tested as stars (:func:`_prune`): a PRF wider, lopsided or
saturated beyond the search model leaves pieces of the target's image that a point source absorbs, so each
candidate must survive a refit with a flexible PRF at ≥ 5σ against the local residual (20σ within one FWHM of a
brighter star); saturated columns are left out. Every star but the target carries ``found_in_image=True``.
Positions go to the sky through the stamp's WCS. Stars
fainter than about 1 % of the target or closer than ≈1 px to it are not
resolved this way: the catalogue is incomplete, and the verdict says so. The fits (the search's and the star
tests' flexible ones, :class:`_FlexScene`) use analytic Jacobians (the pixel-integrated Gaussians' derivatives
are differences of Gaussian densities at the pixel edges), which take the same steps as finite differences at a
fraction of the cost.
"""

from __future__ import annotations

import math

from typing import Any

import numpy as np

from ..data.catalogue import Catalogue, Star
from ..pixels.prf import PRFParams, prf_1d_derivatives, render_cube

__all__ = ["catalogue_from_image", "saturated_columns", "IMAGE_STAR_POSITION_ERROR_PX", "IMAGE_STAR_ORIGIN", "star_position_errors_px",
           "soften_delta_chi2"]

#: Origin string of the catalogues made here.
IMAGE_STAR_ORIGIN = "PSF fit of the out-of-transit image"
#: Position error floor of a star found here, pixels per axis: the scene PRF (two Gaussians) is not the stamp's
#: PRF, and on the real s83 stamp the target itself comes out 0.11 px (≈ 2.3″) from its Gaia position (fitted
#: (4.62, 5.68) vs catalogue (4.51, 5.64)); fainter stars next to a bright one can only be worse.
IMAGE_STAR_POSITION_ERROR_PX: float = 0.1


def star_position_errors_px(catalogue: Any) -> np.ndarray:
    """Per-star position error (pixels per axis) the host tests allow: :data:`IMAGE_STAR_POSITION_ERROR_PX`
    for stars found in the image (not the target, which sits at its catalogue position), 0 otherwise."""
    n = len(catalogue.stars)
    if str(getattr(catalogue, "origin", "")) != IMAGE_STAR_ORIGIN:
        return np.zeros(n)
    return np.array([0.0 if s.label == "target" else IMAGE_STAR_POSITION_ERROR_PX for s in catalogue.stars])


def soften_delta_chi2(dchi: np.ndarray, d2: np.ndarray, s2: Any) -> np.ndarray:
    """``Δχ²`` of a source at a star whose position is uncertain by ``s2`` (variance per axis): with the source
    ``d2`` (squared distance, same units) from the star, ``Δχ² = d²/σ²_src`` becomes ``d²/(σ²_src + s2)``
    ``= Δχ²/(1 + Δχ²·s2/d²)`` (the quadratic approximation; unchanged where ``s2 = 0``). ``s2`` may be an array
    (one per star)."""
    s2 = np.asarray(s2, dtype=float)
    if not np.any(s2 > 0):
        return dchi
    with np.errstate(invalid="ignore", divide="ignore"):
        soft = np.where(d2 > 0, dchi / (1.0 + dchi * s2 / np.where(d2 > 0, d2, 1.0)), 0.0)
    return np.where(s2 > 0, soft, dchi)


def _model(p: np.ndarray, n: int, shape: tuple[int, int]) -> np.ndarray:
    prf = PRFParams(p[0], p[1], p[2], float(np.clip(p[3], 0.0, 1.0)))
    s = p[5:].reshape(n, 3)
    return render_cube(s[None, :, 0], s[None, :, 1], s[None, :, 2], prf, shape)[0] + p[4]


class _Scene:
    """:func:`_model` and its analytic Jacobian for a fit with ``n`` stars, sharing one evaluation of the 1-D
    pixel profiles per parameter vector (least_squares asks for the Jacobian where it last evaluated the model).

    The PRF of ``_model`` is a core (weight 1 - w, widths p[0] along columns and p[1] along rows) plus a centred
    circular wing (weight w = clip(p[3], 0, 1), width p[2]); no wing offset and no halo, so the core does not move
    with w. Each star's image is the outer product of a row and a column profile
    (:func:`~toi5807.pixels.prf.prf_1d_derivatives` gives both with their derivatives), so the model is two
    (rows × n) @ (n × cols) products and every Jacobian column is an outer product.
    """

    def __init__(self, n: int, shape: tuple[int, int]) -> None:
        self.n, self.shape = n, shape
        self._key: bytes | None = None

    def _profiles(self, p: np.ndarray) -> tuple[np.ndarray, ...]:
        key = p.tobytes()
        if key != self._key:
            s = p[5:].reshape(self.n, 3)
            n_rows, n_cols = self.shape
            centres = np.stack([s[:, 0], s[:, 1], s[:, 0], s[:, 1]])  # core col, core row, wing col, wing row
            sigmas = np.array([[p[0]], [p[1]], [p[2]], [p[2]]])
            self._val = prf_1d_derivatives(centres, sigmas, max(n_rows, n_cols))  # 3 × (4, n, pixels)
            self._key = key
        return self._val

    def model(self, p: np.ndarray) -> np.ndarray:
        """Same as ``_model(p, n, shape)``, (rows, cols)."""
        n_rows, n_cols = self.shape
        g = self._profiles(p)[0]
        w = float(np.clip(p[3], 0.0, 1.0))
        f = p[5:].reshape(self.n, 3)[:, 2]
        return ((g[1, :, :n_rows].T * (f * (1.0 - w))) @ g[0, :, :n_cols]
                + (g[3, :, :n_rows].T * (f * w)) @ g[2, :, :n_cols] + p[4])

    def jacobian(self, p: np.ndarray) -> np.ndarray:
        """d model / d p, shape (rows * cols, 5 + 3 n)."""
        n_rows, n_cols = self.shape
        g, dc, ds = self._profiles(p)
        cx, cy, wx, wy = g[0, :, :n_cols], g[1, :, :n_rows], g[2, :, :n_cols], g[3, :, :n_rows]
        w = float(np.clip(p[3], 0.0, 1.0))
        f = p[5:].reshape(self.n, 3)[:, 2]

        def outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # (n, rows), (n, cols) -> (n, rows, cols)
            return a[:, :, None] * b[:, None, :]

        fc = (f * (1.0 - w))[:, None, None]
        fw = (f * w)[:, None, None]
        core, wing = outer(cy, cx), outer(wy, wx)
        jac = np.empty((self.n, 3, n_rows, n_cols))
        jac[:, 0] = fc * outer(cy, dc[0, :, :n_cols]) + fw * outer(wy, dc[2, :, :n_cols])
        jac[:, 1] = fc * outer(dc[1, :, :n_rows], cx) + fw * outer(dc[3, :, :n_rows], wx)
        jac[:, 2] = (1.0 - w) * core + w * wing
        head = np.empty((5, n_rows, n_cols))
        head[0] = np.einsum("s,sr,sc->rc", fc[:, 0, 0], cy, ds[0, :, :n_cols])
        head[1] = np.einsum("s,sr,sc->rc", fc[:, 0, 0], ds[1, :, :n_rows], cx)
        head[2] = np.einsum("s,sr,sc->rc", fw[:, 0, 0], ds[3, :, :n_rows], wx) + \
            np.einsum("s,sr,sc->rc", fw[:, 0, 0], wy, ds[2, :, :n_cols])
        head[3] = np.tensordot(f, wing - core, axes=1) if 0.0 <= p[3] <= 1.0 else 0.0  # the clip's slope
        head[4] = 1.0
        return np.concatenate([head.reshape(5, -1), jac.reshape(3 * self.n, -1)]).T


def saturated_columns(image: np.ndarray, *, level: float = 0.97, min_run: int = 3) -> np.ndarray:
    """Columns of a saturated star: ``min_run`` or more pixels of the column within ``level`` of the image's
    maximum (bleed trails fill pixels to the full well, so a plateau along a column marks them). Empty otherwise.
    Pixel indices, ascending."""
    img = np.asarray(image, dtype=float)
    top = np.nanmax(img) if np.isfinite(img).any() else np.nan
    if not (np.isfinite(top) and top > 0):
        return np.empty(0, dtype=int)
    return np.flatnonzero(np.sum(np.nan_to_num(img, nan=-np.inf) >= level * top, axis=0) >= min_run)


def _fit(img: np.ndarray, sig: np.ndarray, ok: np.ndarray, p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of the scene with ``n`` stars from ``p``; (parameters, per-pixel χ² contributions)."""
    from scipy.optimize import least_squares

    shape = img.shape
    lo = [0.3, 0.3, 0.8, 0.0, -np.inf] + [-2.0, -2.0, 0.0] * n
    hi = [2.0, 2.0, 4.0, 0.9, np.inf] + [shape[1] + 1.0, shape[0] + 1.0, np.inf] * n
    p = np.clip(p, np.array(lo) + 1e-9, np.array(hi) - 1e-9)
    scene = _Scene(n, shape)
    ok_flat, sig_ok = ok.ravel(), sig[ok]
    r = least_squares(lambda q: ((scene.model(q) - img) / sig)[ok], p, bounds=(lo, hi),
                      jac=lambda q: scene.jacobian(q)[ok_flat] / sig_ok[:, None], max_nfev=200 * len(p),
                      ftol=1e-5)  # the search only places candidates: the star tests refit every one of them
    return r.x, np.where(ok, ((img - _model(r.x, n, shape)) / sig) ** 2, 0.0)


#: Bounds of the flexible PRF of the star tests: (core col, core row, wing σ, wing fraction, wing Δcol, wing Δrow,
#: halo fraction, halo σ, background), pixels; wider and more lopsided than the search model allows.
_FLEX_LO = np.array([0.3, 0.3, 0.6, 0.0, -1.5, -1.5, 0.0, 1.5, -np.inf])
_FLEX_HI = np.array([3.0, 3.0, 5.0, 0.95, 1.5, 1.5, 0.5, 8.0, np.inf])


class _FlexScene:
    """The flexible model of the star tests for ``n`` stars and its analytic Jacobian, sharing one evaluation of
    the 1-D pixel profiles per parameter vector (as :class:`_Scene`).

    Parameters ``q``: (core σ col, core σ row, wing σ, wing fraction w, wing Δcol, wing Δrow, halo fraction h,
    halo σ, background) then (col, row, flux) per star. Each star's image is the PRF of
    :func:`~toi5807.pixels.prf.render_cube`: a core (weight 1 − w − h), a wing offset by (Δcol, Δrow) and a
    centred halo; the core moves by −w/(1 − w − h) times the wing offset so that the light stays centred. Every
    component is separable, so the scene and every derivative are (rows × n) @ (n × cols) products of the
    profiles and their derivatives (:func:`~toi5807.pixels.prf.prf_1d_derivatives`).
    """

    def __init__(self, n: int, shape: tuple[int, int]) -> None:
        self.n, self.shape = n, shape
        self._key: bytes | None = None

    def _parts(self, q: np.ndarray) -> tuple[Any, ...]:
        key = q.tobytes()
        if key != self._key:
            n_rows, n_cols = self.shape
            w, h = float(np.clip(q[3], 0.0, 1.0)), float(np.clip(q[6], 0.0, 1.0))
            core = 1.0 - w - h
            back = w / core if core > 0 else 0.0
            s = q[9:].reshape(self.n, 3)
            cols = s[None, :, 0] + np.array([-back * q[4], q[4], 0.0])[:, None]  # (core, wing, halo) × stars
            rows = s[None, :, 1] + np.array([-back * q[5], q[5], 0.0])[:, None]
            gx = prf_1d_derivatives(cols, np.array([[q[0]], [q[2]], [q[7]]]), n_cols)  # value, d/dcentre, d/dσ
            gy = prf_1d_derivatives(rows, np.array([[q[1]], [q[2]], [q[7]]]), n_rows)
            gyf = tuple(a.transpose(0, 2, 1) * s[:, 2] for a in gy)  # (3, rows, stars), times each star's flux
            self._val = (core, w, h, back, s[:, 2], gx, gy, gyf, np.matmul(gyf[0], gx[0]))  # last: per component
            self._key = key
        return self._val

    def model(self, q: np.ndarray) -> np.ndarray:
        """The scene, (rows, cols), e-/s."""
        core, w, h, *_, comps = self._parts(q)
        return core * comps[0] + w * comps[1] + h * comps[2] + q[8]

    def jacobian(self, q: np.ndarray) -> np.ndarray:
        """d scene / d q, shape (9 + 3 n, rows * cols)."""
        core, w, h, back, f, (gx, dgx, sgx), (gy, dgy, _), (gyf, dgyf, sgyf), comps = self._parts(q)
        n_rows, n_cols = self.shape
        ddx, ddy = np.matmul(gyf, dgx), np.matmul(dgyf, gx)  # each component moved along columns / rows
        jac = np.empty((9 + 3 * self.n, n_rows, n_cols))
        jac[0] = core * (gyf[0] @ sgx[0])
        jac[1] = core * (sgyf[0] @ gx[0])
        jac[2] = w * (gyf[1] @ sgx[1] + sgyf[1] @ gx[1])
        jac[7] = h * (gyf[2] @ sgx[2] + sgyf[2] @ gx[2])
        # the core's offset −back·(Δcol, Δrow): d back/dw = (1 − h)/core², d back/dh = w/core²
        moved = -(q[4] * ddx[0] + q[5] * ddy[0]) / core if core > 0 else 0.0
        jac[3] = (comps[1] - comps[0] + (1.0 - h) * moved) if 0.0 <= q[3] <= 1.0 else 0.0
        jac[6] = (comps[2] - comps[0] + w * moved) if 0.0 <= q[6] <= 1.0 else 0.0
        jac[4] = w * ddx[1] - core * back * ddx[0]
        jac[5] = w * ddy[1] - core * back * ddy[0]
        jac[8] = 1.0
        weight = np.array([core, w, h])[:, None, None]
        wy = (weight * gy).transpose(1, 2, 0)  # (stars, rows, components)
        jac[9::3] = f[:, None, None] * np.matmul(wy, dgx.transpose(1, 0, 2))
        jac[10::3] = f[:, None, None] * np.matmul((weight * dgy).transpose(1, 2, 0), gx.transpose(1, 0, 2))
        jac[11::3] = np.matmul(wy, gx.transpose(1, 0, 2))
        return jac.reshape(9 + 3 * self.n, -1)


def _flex_model(p: np.ndarray, n: int, shape: tuple[int, int]) -> np.ndarray:
    return _FlexScene(n, shape).model(p)


def _flex_fit(img: np.ndarray, sig: np.ndarray, ok: np.ndarray, head: np.ndarray,
              stars: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit of the stars ``(n, 3)`` with the flexible PRF (lopsided wing, halo), from ``head`` (9 numbers);
    (parameters, χ²)."""
    from scipy.optimize import least_squares

    n, shape = stars.shape[0], img.shape
    lo = np.concatenate([_FLEX_LO, np.tile([-2.0, -2.0, 0.0], n)])
    hi = np.concatenate([_FLEX_HI, np.tile([shape[1] + 1.0, shape[0] + 1.0, np.inf], n)])
    p = np.clip(np.concatenate([head, stars.ravel()]), lo + 1e-9, hi - 1e-9)
    scene, ok_flat, sig_ok = _FlexScene(n, shape), ok.ravel(), sig[ok]
    r = least_squares(lambda q: ((scene.model(q) - img) / sig)[ok], p, bounds=(lo, hi),
                      jac=lambda q: scene.jacobian(q)[:, ok_flat].T / sig_ok[:, None],
                      x_scale="jac", max_nfev=60, ftol=1e-5)
    # from the search's solution; χ² to 1e-5 of itself, far below the tests' thresholds (≥ 25 × the local residual)
    return r.x, float(2.0 * r.cost)


def _score(img: np.ndarray, sig: np.ndarray, ok: np.ndarray, q: np.ndarray, i: int, dchi: float, snr_min: float,
           residual_snr_min: float) -> tuple[float, str]:
    """Candidate ``i`` of the flexible fit ``q`` (with it) against the fit without it, ``Δχ² = dchi``: its
    significance over the threshold (≥ 1 passes; see :func:`catalogue_from_image`) and the note if it fails."""
    n = (q.size - 9) // 3
    stars = q[9:].reshape(n, 3)
    rows, cols = np.indices(img.shape)
    near = ok & (np.hypot(cols - stars[i, 0], rows - stars[i, 1]) <= 1.5)
    chi_pix = ((img - _flex_model(q, n, img.shape)) / sig)[near] ** 2
    scale = max(1.0, float(chi_pix.mean())) if near.any() else 1.0  # against the local residual
    brighter = stars[:, 2] > stars[i, 2]
    fwhm = 2.3548 * math.sqrt(q[0] * q[1])
    sep = float(np.min(np.hypot(*(stars[brighter, :2] - stars[i, :2]).T))) / fwhm if brighter.any() else math.inf
    x, y, f = stars[i]
    note = (f"({x:.2f}, {y:.2f}) {f:.0f} e-/s: Δχ² {dchi:.3g} = {dchi / scale:.3g} × the local residual"
            + (f", {sep:.2f} FWHM from a brighter star" if sep < 1.0 else ""))
    return dchi / scale / ((2.0 * snr_min) ** 2 if sep < 1.0 else residual_snr_min ** 2), note


def _prune(img: np.ndarray, sig: np.ndarray, ok: np.ndarray, p: np.ndarray, snr_min: float,
           residual_snr_min: float) -> tuple[np.ndarray, list[str]]:
    """Keep the stars found in the image that are stars (see :func:`catalogue_from_image`): returns the flexible
    fit's ``(n, 3)`` stars (target first) and one note per rejected candidate.

    After a candidate goes, a survivor is refitted without it only when it could now fail: the models are nested
    (a scene with more stars fits at least as well), so removing stars that raised χ² by ``Δ`` lowers a survivor's
    ``Δχ²`` by at most ``Δ``, and a survivor whose previous ``Δχ²`` less that still passes keeps passing.
    """
    stars = p[5:].reshape(-1, 3)
    head = np.array([p[0], p[1], p[2], p[3], 0.0, 0.0, 0.05, 4.0, p[4]])
    q, chi = _flex_fit(img, sig, ok, head, stars)
    rejected: list[str] = []
    bound = np.full(stars.shape[0], -np.inf)  # a lower bound on each candidate's Δχ² (none yet)
    while (n := (q.size - 9) // 3) > 1:
        stars = q[9:].reshape(n, 3)
        without: dict[int, tuple[np.ndarray, float]] = {}
        dchi, score, notes = np.zeros(n), np.full(n, np.inf), [""] * n
        for i in range(1, n):
            if bound[i] > 0 and (sb := _score(img, sig, ok, q, i, bound[i], snr_min, residual_snr_min))[0] >= 1.0:
                dchi[i], score[i] = bound[i], sb[0]  # passes on the bound alone: no refit
                continue
            without[i] = _flex_fit(img, sig, ok, q[:9], np.delete(stars, i, axis=0))
            dchi[i] = without[i][1] - chi
            score[i], notes[i] = _score(img, sig, ok, q, i, dchi[i], snr_min, residual_snr_min)
        bad = np.flatnonzero(score <= 0.0)  # no better with it: all at once; else the weakest failing one
        if not bad.size:
            bad = np.array([int(np.argmin(score))])
            if score[bad[0]] >= 1.0:
                break
        rejected += [notes[k] for k in bad]
        # one removed: its drop-one fit is the scene without it
        q_new, chi_new = without[bad[0]] if bad.size == 1 else _flex_fit(img, sig, ok, q[:9],
                                                                           np.delete(stars, bad, axis=0))
        bound = np.delete(dchi, bad) - max(chi_new - chi, 0.0)
        q, chi = q_new, chi_new
    return q[9:].reshape(-1, 3), rejected


def catalogue_from_image(image: np.ndarray, wcs: Any, target_radec: tuple[float, float], *,
                         noise: np.ndarray | float | None = None, max_stars: int = 6,
                         snr_min: float = 10.0, residual_snr_min: float = 5.0) -> Catalogue:
    """Stars of a stamp found by PSF-fitting its out-of-transit image (target first).

    A residual peak is only a candidate: the model PRF is not the stamp's, and a PRF wider, more asymmetric or
    saturated than the model leaves residuals around the target that a point source absorbs. A candidate is kept
    only when the scene refitted without it with a flexible PRF (core up to 3 px, a lopsided wing offset up to
    1.5 px, a halo: :func:`_flex_fit`) is worse by ``Δχ² ≥ residual_snr_min²`` in units of the local residual
    (the mean χ² per pixel within 1.5 px of it in the fit with it, at least 1: significance against the
    residual, not just photon noise), or ``(2·snr_min)²`` when it lies within one PRF core FWHM of a brighter
    star. The weakest failing candidate (or every one that does not improve the fit at all) is removed, the
    scene refitted and the survivors tested again until all pass;
    the notes list what was rejected. On the simulated twin's sector 83 (truth known) this removes the two
    pieces of the target at 34.7″ and 35.1″ (19 600 and 8 800 e-/s) and keeps the true neighbours at
    53″, 60″ and 119″; the 75″ neighbour (560 e-/s) stays unresolved.

    Parameters
    ----------
    image : ndarray (rows, cols)
        Out-of-transit mean image, e-/s.
    wcs : astropy.wcs.WCS
    target_radec : (float, float)
        Target ICRS degrees; its star is labelled ``"target"`` and placed at the catalogue position.
    noise : ndarray or float, optional
        Per-pixel 1σ of ``image``, e-/s (default: sqrt(|image| + 1)).
    max_stars : int
    snr_min : float
        A residual peak becomes a candidate above this many σ (and ``2·snr_min`` is the test next to a brighter
        star).
    residual_snr_min : float
        A candidate's significance against the local residual, σ (see above).

    Returns
    -------
    Catalogue
        ``origin="PSF fit of the out-of-transit image"``; fluxes in e-/s; every star but the target has
        ``found_in_image=True`` (no catalogue confirms it).
    """
    img = np.asarray(image, dtype=float)
    shape = img.shape
    ok = np.isfinite(img)
    notes = []
    sat = saturated_columns(img)
    if sat.size:
        ok[:, sat] = False
        notes.append(f"saturated: columns {', '.join(str(int(c)) for c in sat)} (charge bled along them) left out")
    sig = np.sqrt(np.abs(np.nan_to_num(img)) + 1.0) if noise is None else np.broadcast_to(noise, shape)
    sig = np.where(np.isfinite(sig) & (sig > 0), sig, np.nanmedian(sig))
    tx, ty = (float(v) for v in wcs.world_to_pixel_values(*target_radec))
    if not (math.isfinite(tx) and math.isfinite(ty)):
        raise ValueError(f"target_radec: {tuple(target_radec)} does not map to a finite pixel through the WCS")
    p = np.array([0.7, 0.7, 1.4, 0.2, float(np.nanmedian(img[ok])) if ok.any() else 0.0,
                  tx, ty, float(np.nansum(img))])
    for n in range(1, max_stars + 1):
        p, chi = _fit(img, sig, ok, p, n)
        resid = np.where(ok, (img - _model(p, n, shape)) / sig, -np.inf)
        k = int(np.argmax(resid))
        if n == max_stars or resid.flat[k] < snr_min:
            if n == max_stars:
                notes.append(f"stopped at {max_stars} stars")
            break
        yy, xx = np.unravel_index(k, shape)
        p = np.concatenate([p, [float(xx), float(yy), float(img[yy, xx]) * 2.0]])
    s, rejected = _prune(img, sig, ok, p, snr_min, residual_snr_min) if p.size > 8 else (p[5:].reshape(-1, 3), [])
    if rejected:
        notes.append("rejected as pieces of a brighter star's image the PRF model does not fit (pixel x, y): "
                     + "; ".join(rejected))
    ra, dec = (np.atleast_1d(np.asarray(v, dtype=float)) for v in wcs.pixel_to_world_values(s[:, 0], s[:, 1]))
    stars = [Star("target", float(target_radec[0]), float(target_radec[1]), flux_e_per_s=float(s[0, 2]))]
    stars += [Star(f"image star {i}", float(ra[i]), float(dec[i]), flux_e_per_s=float(s[i, 2]), found_in_image=True)
              for i in range(1, s.shape[0])]
    notes.append(f"target fitted at pixel ({s[0, 0]:.2f}, {s[0, 1]:.2f}) vs catalogue ({tx:.2f}, {ty:.2f})")
    return Catalogue(tuple(stars), origin=IMAGE_STAR_ORIGIN, simulated=False,
                     notes=tuple(notes))
