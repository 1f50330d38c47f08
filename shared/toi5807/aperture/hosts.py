"""Which star's light fits the depths: each star's share of each aperture, and a GLS fit per hypothesis.

If star ``s`` dims by the fraction ``δ_s``, aperture A loses ``δ_s f_{s,A}`` of its out-of-transit flux ``F_A``:
``d_A = δ_s w_{s,A}``, ``w_{s,A} = f_{s,A} / F_A``. ``f_{s,A}`` comes from a model of the out-of-transit image:
every star at its catalogue position through the stamp's WCS, one shared pixel-integrated PRF (core, wing;
:func:`toi5807.pixels.prf.prf_1d`) whose four widths/fractions are fitted, the stars' fluxes and a flat
background solved linearly at each step. A background error adds ``β n_pix(A) / F_A`` to every aperture (an
over- or under-subtracted background dims or brightens every pixel alike), a nuisance term fitted with ``δ_s``.
``(δ_s, β)`` are fitted by generalised least squares with the depth vector's covariance ``C`` (from fake epochs
of the same pixels; nested apertures are correlated), and ``χ²_s`` is the whitened residual. ``δ_s > 1`` (more
than all of the star's light) is impossible whatever its χ² (TRICERATOPS' argument, Giacalone et al. 2021).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..pixels.prf import prf_1d

__all__ = ["scene_templates", "empirical_templates", "star_shares", "gls_fit", "shrunk_covariance"]


def _templates(q: np.ndarray, xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Unit-flux images (n, rows, cols) of stars at ``xy`` with the PRF ``q`` = (σ_core_col, σ_core_row, σ_wing,
    wing fraction): a core plus a centred circular wing, pixel-integrated (:func:`~toi5807.pixels.prf.prf_1d`), the
    scene model of :mod:`toi5807.diffimage.stars`."""
    n_rows, n_cols = shape
    w = float(np.clip(q[3], 0.0, 0.95))
    g = prf_1d(np.stack([xy[:, 1], xy[:, 0], xy[:, 1], xy[:, 0]]), np.array([[q[1]], [q[0]], [q[2]], [q[2]]]),
               max(n_rows, n_cols))  # (4, n, pixels): core rows, core cols, wing rows, wing cols
    return ((1.0 - w) * g[0, :, :n_rows, None] * g[1, :, None, :n_cols]
            + w * g[2, :, :n_rows, None] * g[3, :, None, :n_cols])


#: PRF shapes the scene fit tries (σ_core_col, σ_core_row, σ_wing, wing fraction), pixels: the fit only has to give
#: each star's flux (V10's shares use the empirical PRF), for which a coarse grid of shapes is enough.
_PRF_GRID = np.array([(c, r, w, f) for c in (0.6, 0.75, 0.9) for r in (0.6, 0.75, 0.9)
                      for w, f in ((1.5, 0.15), (3.0, 0.05))])


def scene_templates(image: np.ndarray, good: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Stars' fluxes from an out-of-transit image: stars at fixed positions, one shared analytic PRF.

    Every PRF shape of a small grid (:data:`_PRF_GRID`) is tried at once (batched normal equations for the fluxes
    and a flat background, weighted by √(|image| + 25)); the shape of least χ² is kept.

    Parameters
    ----------
    image : ndarray (rows, cols)
        Out-of-transit mean image, e-/s.
    good : ndarray of bool (rows, cols)
        Pixels fitted.
    xy : ndarray (n_stars, 2)
        (col, row) of each star, stamp pixels.

    Returns
    -------
    templates : ndarray (n_stars, rows, cols)
        Each star's PRF at unit flux (e-/s per e-/s).
    fluxes : ndarray (n_stars,)
        Fitted fluxes, e-/s (negative ones set to 0: such a star cannot host a dip).
    info : dict
        PRF parameters, background (e-/s per pixel) and the fit's reduced χ².
    """
    img = np.where(good, np.nan_to_num(image), 0.0)
    ok = good.ravel()
    w = 1.0 / np.sqrt(np.abs(img.ravel()[ok]) + 25.0)
    b = img.ravel()[ok] * w
    n = len(xy)
    tmpl = np.stack([_templates(q, xy, image.shape) for q in _PRF_GRID])  # (grid, n, rows, cols)
    a = np.concatenate([tmpl.reshape(len(_PRF_GRID), n, -1)[:, :, ok],
                        np.ones((len(_PRF_GRID), 1, int(ok.sum())))], axis=1) * w  # (grid, n + 1, pixels)
    normal = a @ a.transpose(0, 2, 1) + 1e-9 * np.eye(n + 1)
    coef = np.linalg.solve(normal, (a @ b)[..., None])[..., 0]  # (grid, n + 1)
    res = np.einsum("gkp,gk->gp", a, coef) - b
    chi2 = np.sum(res * res, axis=1)
    k = int(np.argmin(chi2))
    info = {"prf": [float(v) for v in _PRF_GRID[k]], "background_e_per_s": float(coef[k, -1]),
            "reduced_chi2": float(chi2[k] / max(1, ok.sum() - n - 1))}
    return tmpl[k], np.clip(coef[k, :-1], 0.0, None), info


def empirical_templates(image: np.ndarray, good: np.ndarray, xy: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Unit-flux images of stars at ``xy`` made of the stamp's own out-of-transit image moved from ``origin`` (the
    target) to each star (cubic spline, zero beyond the edge; as the difference images model a source and as
    :func:`toi5807.pixels.inject.inject_eclipsing_source` injects one). It carries the neighbours' light too, a few
    per cent of a target that dominates its stamp.

    Returns
    -------
    ndarray (n_stars, rows, cols), each summing to 1 over the stamp before the move
    """
    from scipy.ndimage import shift

    img = np.clip(np.where(good, np.nan_to_num(image), 0.0), 0.0, None)
    total = float(img.sum())
    out = np.array([shift(img, (y - origin[1], x - origin[0]), order=3, mode="constant", cval=0.0) for x, y in xy])
    return np.clip(out, 0.0, None) / total


def star_shares(templates: np.ndarray, fluxes: np.ndarray, masks: np.ndarray, f_obs: np.ndarray) -> np.ndarray:
    """``w_{s,A} = f_s Σ_{p∈A} PRF_s(p) / F_A``: each star's share of each aperture's observed flux.

    Returns
    -------
    ndarray (n_stars, n_apertures)
    """
    per = templates.reshape(len(templates), -1) @ masks.reshape(len(masks), -1).T.astype(float)
    return fluxes[:, None] * per / f_obs[None, :]


def shrunk_covariance(samples: np.ndarray, n_independent: int) -> np.ndarray:
    """Second moment about zero of fake depth vectors, shrunk toward its diagonal by ``λ = n / (n + n_indep)``
    (``n`` apertures): the sample covariance of few independent fakes is singular or nearly so."""
    x = samples[np.all(np.isfinite(samples), axis=1)]
    s = x.T @ x / max(1, len(x))
    lam = len(s) / (len(s) + max(1, n_independent))
    return (1.0 - lam) * s + lam * np.diag(np.diag(s))


def gls_fit(d: np.ndarray, cov: np.ndarray, shares: np.ndarray, nuisance: np.ndarray,
            fakes: np.ndarray | None = None, fake_scale: np.ndarray | None = None) -> dict[str, Any]:
    """Fit ``d = δ_s w_s + β b`` for every hypothesis ``s`` by generalised least squares.

    Parameters
    ----------
    d : ndarray (n_A,)
        Observed depth vector (fractional).
    cov : ndarray (n_A, n_A)
        Its covariance.
    shares : ndarray (n_hyp, n_A)
        ``w_{s,A}``.
    nuisance : ndarray (n_A,)
        ``b_A = n_pix(A) / F_A`` (per e-/s per pixel).
    fakes : ndarray (n_fakes, n_A), optional
        Fake-epoch depth vectors, each with covariance ``fake_scale[j] / scale_obs × cov``; their χ² per
        hypothesis is returned (the null of χ²_s: the fitted hypothesis' term is projected out, so an injected
        dip on s would leave χ²_s unchanged).
    fake_scale : ndarray (n_fakes,), optional
        Each fake's covariance relative to ``cov``.

    Returns
    -------
    dict
        ``delta``, ``delta_err``, ``beta`` (n_hyp,), ``chi2`` (n_hyp,), ``predicted`` (n_hyp, n_A),
        ``chi2_fakes`` (n_fakes, n_hyp) when ``fakes`` is given.
    """
    lchol = np.linalg.cholesky(cov)
    white = lambda v: np.linalg.solve(lchol, v)  # noqa: E731
    dw = white(d)
    bw = white(nuisance)
    out = {k: [] for k in ("delta", "delta_err", "beta", "chi2", "predicted", "chi2_fakes")}
    fw = white(np.nan_to_num(fakes).T) if fakes is not None else None
    for w in shares:
        x = np.stack([white(w), bw], axis=1)
        q, _ = np.linalg.qr(x)
        coef, *_ = np.linalg.lstsq(x, dw, rcond=None)
        cov_c = np.linalg.pinv(x.T @ x)
        res = dw - q @ (q.T @ dw)
        out["delta"].append(coef[0])
        out["delta_err"].append(float(np.sqrt(max(cov_c[0, 0], 0.0))))
        out["beta"].append(coef[1])
        out["chi2"].append(float(res @ res))
        out["predicted"].append(coef[0] * w + coef[1] * nuisance)
        if fw is not None:
            rf = fw - q @ (q.T @ fw)
            out["chi2_fakes"].append(np.sum(rf * rf, axis=0) / fake_scale)
    res = {k: np.array(v) for k, v in out.items() if v}
    if "chi2_fakes" in res:
        res["chi2_fakes"] = res["chi2_fakes"].T
    return res
