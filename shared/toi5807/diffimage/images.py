"""Per-transit difference images with the pointing measured, and their per-pixel noise from fake epochs.

The first half of localization (Twicken et al. 2018, PASP 130, 064502, §3):
for every transit, the mean of two equal local out-of-transit windows minus
the in-transit mean (:func:`toi5807.lightcurve.windows.local_windows`), so a
dimming source shows up positive and a linear drift cancels. What pointing
leaves behind is modelled, not hoped away (:mod:`toi5807.diffimage.pointing`):
every cadence's pointing ``δ`` and focus ``ε`` are measured on the
out-of-transit image ``I``, every pixel is regressed out of transit on them,
the first-order response ``T`` (the pointing templates, ``≈ −∇I``) is left to
the fit, and the second-order pointing and focus terms of each difference
image, ``Σ Δ⟨δᵢδⱼ⟩ Rᵢⱼ + Δ⟨ε⟩ R_ε`` (Δ = out − in), are computed from the
measured values and subtracted as fixed templates (free terms would absorb a
real source near the target: a breathing PSF and a dimming target both change
the core against the wings).

The per-pixel noise comes from the same window geometry at fake epochs away
from the transits: their difference images, with the pointing templates
projected out, give the per-pixel scatter per unit ``1/n_in + 1/n_out``.

One pass over the cube serves everything: the good cadences are gathered once
(pixels flattened); the out-of-transit image, the per-cadence pointing and the
pixel responses are products with it (einsum, or BLAS held to one thread, where
a threaded product's time varies tenfold on a busy machine); the fake
windows' means come from range sums of the pixels and the pointing products,
laid out pixel-major so the sums run along contiguous memory
(:func:`~toi5807.diffimage.window_source.range_summer`); the few real transits
are summed directly on the full stamp.

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..lightcurve import LocalWindows, coerce_transit_params, local_windows
from ..lightcurve.windows import MOMENTUM_DUMP_BIT
from ..pixels.blas import one_blas_thread
from ..pixels.quality import DEFAULT_QUALITY_BITMASK
from .pointing import (
    dilation_template,
    oot_spline,
    pointing_projector,
    pointing_response,
    spline_derivatives,
)
from ..pixels.series import _quality_ok
from .window_source import WindowSource, range_summer

__all__ = ["DifferenceImages", "WindowSource", "difference_images", "FIT_RADIUS_PX", "MIN_FAKE_WINDOWS"]


#: Pixels farther than this from the target are left out of the fits, pixels (a background trend at the
#: stamp edge otherwise wins the fit on real data).
FIT_RADIUS_PX: float = 4.0

#: Fewest fake-epoch windows for the per-pixel noise; fewer → the noise is taken from FLUX_ERR (flagged).
MIN_FAKE_WINDOWS: int = 20

#: Fake epochs are laid every this many durations, clear of every real transit by this many durations.
FAKE_STEP_DURATIONS, FAKE_CLEARANCE_DURATIONS = 0.5, 3.1


@dataclass(frozen=True, eq=False)
class DifferenceImages:
    """Difference images of one sector and what their fit needs (see :func:`difference_images`).

    Attributes
    ----------
    sector : int
    oot_image : ndarray (rows, cols)
        Out-of-transit mean image, e-/s.
    spline : scipy.interpolate.RectBivariateSpline or None
        Bicubic interpolant of ``oot_image`` (rows, cols order).
    templates : ndarray (2, rows, cols)
        Pointing templates ``−∂I/∂col``, ``−∂I/∂row``, e-/s per pixel.
    hessian : ndarray (3, rows, cols)
        ``∂²I/∂col²``, ``∂²I/∂col∂row``, ``∂²I/∂row²``.
    fit_mask : ndarray of bool (rows, cols)
        Pixels used in the fits (finite, within :data:`FIT_RADIUS_PX` of ``target_pixel``).
    target_pixel : (float, float)
        Where the fit region is centred (the catalogue target or the image peak), pixels.
    epochs : ndarray of int, mid_times : ndarray
        Transit number and mid-transit (BTJD) of every window laid.
    images : ndarray (m, rows, cols)
        ``mean(out) − mean(in) − second-order pointing`` per transit, e-/s (NaN when unusable).
    sigma : ndarray (m, rows, cols)
        Per-pixel 1σ of ``images``, e-/s.
    second_order : ndarray (m, rows, cols)
        The subtracted second-order pointing template.
    pointing_difference : ndarray (m, 2)
        Measured ⟨δ⟩_out − ⟨δ⟩_in per transit, pixels.
    windows : LocalWindows
        The real-transit windows (statuses and reasons).
    n_fakes : int
        Fake windows behind ``sigma``.
    noise_source : str
        ``"fake_epochs"`` or ``"flux_err"``.
    flags : tuple of str
    focus_weights : ndarray (rows, cols) or None
        The focus row of the per-cadence pointing solve: a cadence's measured focus is
        ``ε = Σ focus_weights · (F − I)`` (zero off the fit pixels; per e-/s).
    focus_response : ndarray (rows, cols) or None
        Each pixel's response to the focus, e-/s per unit ε; ``Δ⟨ε⟩ · focus_response`` is part of
        ``second_order``. A source's own dimming shifts the in-transit ``ε`` by ``−a Σ focus_weights · P``,
        so the subtraction takes ``a (Σ focus_weights · P) focus_response`` off its image: the fit's model
        does the same (:class:`toi5807.diffimage.prf_fit.ProfileChi2`, ``focus=``).
    source : WindowSource or None
        The good cadences and pointing behind the images (for difference images at fake mid-times,
        :mod:`toi5807.diffimage.fakes`).
    """

    sector: int
    oot_image: np.ndarray
    spline: Any
    templates: np.ndarray
    hessian: np.ndarray
    fit_mask: np.ndarray
    target_pixel: tuple[float, float]
    epochs: np.ndarray
    mid_times: np.ndarray
    images: np.ndarray
    sigma: np.ndarray
    second_order: np.ndarray
    pointing_difference: np.ndarray
    windows: LocalWindows
    n_fakes: int
    noise_source: str
    flags: tuple[str, ...]
    focus_weights: np.ndarray | None = None
    focus_response: np.ndarray | None = None
    source: WindowSource | None = None

    @property
    def usable(self) -> np.ndarray:
        """Boolean per transit: the window is usable and the image finite on the fit pixels."""
        fin = np.array([np.all(np.isfinite(im[self.fit_mask])) for im in self.images], dtype=bool)
        return self.windows.usable & fin

    def sector_image(self) -> tuple[np.ndarray, np.ndarray]:
        """Inverse-variance mean of the usable transits' images and its per-pixel 1σ, e-/s."""
        u = self.usable
        if not np.any(u):
            nan = np.full(self.oot_image.shape, np.nan)
            return nan, nan.copy()
        w = 1.0 / self.sigma[u] ** 2
        img = (w * self.images[u]).sum(axis=0) / w.sum(axis=0)
        return img, 1.0 / np.sqrt(w.sum(axis=0))


def _slice_sums(arr: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Row sums over ``[start, stop)`` by slicing (for a few windows: no cumulative sum of the whole cube)."""
    return np.array([arr[a:b].sum(axis=0) for a, b in ranges]).reshape(len(ranges), arr.shape[1])


def _diff_from_sums(sums: Any, win: LocalWindows) -> tuple[np.ndarray, np.ndarray]:
    """``mean(before ∪ after) − mean(in)`` of every window from a range-sum function, and ``1/n_in + 1/n_out``."""
    n_in = (win.in_range[:, 1] - win.in_range[:, 0]).astype(float)
    n_out = ((win.before_range[:, 1] - win.before_range[:, 0]) + (win.after_range[:, 1] - win.after_range[:, 0])
             ).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        m_in = sums(win.in_range) / n_in[:, None]
        m_out = (sums(win.before_range) + sums(win.after_range)) / n_out[:, None]
        return m_out - m_in, 1.0 / n_in + 1.0 / n_out


@one_blas_thread
def difference_images(
    flux: np.ndarray,
    time: np.ndarray,
    transit_params: Any,
    *,
    flux_err: np.ndarray | None = None,
    quality: np.ndarray | None = None,
    target_pixel: tuple[float, float] | None = None,
    sector: int = 0,
    quality_bitmask: int = DEFAULT_QUALITY_BITMASK,
    fit_radius_px: float = FIT_RADIUS_PX,
) -> DifferenceImages:
    """Per-transit difference images of one sector, pointing measured and noise from fake epochs.

    Parameters
    ----------
    flux : ndarray, shape (n_time, n_rows, n_cols)
        Background-subtracted pixel flux, e-/s.
    time : ndarray, shape (n_time,)
        BTJD, days.
    transit_params : TransitParams or Candidate
    flux_err : ndarray, optional
        Per-pixel 1σ, e-/s (fallback noise when too few fake epochs fit in the sector).
    quality : ndarray of int, optional
        SPOC quality flags (``quality_bitmask`` applies; bit 32 marks window breaks).
    target_pixel : (float, float), optional
        Target (column, row) in stamp pixels; default: the brightest pixel of the out-of-transit image.
    sector : int
    quality_bitmask : int
    fit_radius_px : float
        Radius of the fit region around ``target_pixel``, pixels.

    Returns
    -------
    DifferenceImages
        Frames that are not finite on every fit pixel are not used; a sector
        without out-of-transit frames gets NaN images and the flag ``no_out_of_transit_frames``.
    """
    tp = coerce_transit_params(transit_params)
    cube = np.asarray(flux, dtype=np.float64)
    t = np.asarray(time, dtype=np.float64)
    n, ny, nx = cube.shape
    flags: list[str] = []
    ok_t = _quality_ok(quality, n, quality_bitmask) & np.isfinite(t)
    with np.errstate(invalid="ignore", over="ignore"):
        # one pass (a product with ones: NaN/inf anywhere in a frame → its sum is not finite)
        frame_finite = np.isfinite(cube.reshape(n, -1) @ np.ones(ny * nx))
    if np.all(frame_finite[ok_t]) and np.any(ok_t):
        pix_ok, good = np.ones((ny, nx), dtype=bool), ok_t
    else:  # some pixels are never (or rarely) finite: judge pixels first, then frames on the good pixels
        finite = np.isfinite(cube)
        pix_ok = finite[ok_t].mean(axis=0) >= 0.9 if np.any(ok_t) else np.zeros((ny, nx), dtype=bool)
        good = ok_t & np.all(finite | ~pix_ok[None], axis=(1, 2)) & bool(pix_ok.any())
        if not pix_ok.any():
            flags.append("no_finite_pixels")
    if np.any(ok_t & ~good):
        flags.append(f"dropped_{int(np.sum(ok_t & ~good))}_non_finite_frames")
    d = tp.duration_days
    with np.errstate(invalid="ignore"):
        dt = np.abs(np.mod(t - tp.t0 + 0.5 * tp.period, tp.period) - 0.5 * tp.period)
    # the good cadences in time order, pixels flattened (one copy of the cube)
    gi = np.flatnonzero(good)
    if gi.size > 1 and np.any(np.diff(t[gi]) < 0):
        gi = gi[np.argsort(t[gi], kind="stable")]
    whole = gi.size == n and bool(np.all(gi == np.arange(n)))  # every frame, in order: a view, not a copy
    sub = cube.reshape(n, -1)[gi] if not whole else cube.reshape(n, -1)
    if not np.all(pix_ok):
        sub = sub.copy() if whole else sub  # never write into the caller's cube
        sub[:, ~pix_ok.ravel()] = 0.0
    oot_g = dt[gi] > d
    n_oot = int(oot_g.sum())
    if n_oot < 10:
        flags.append("no_out_of_transit_frames")
        img = np.full((ny, nx), np.nan)
    else:
        img = (oot_g.astype(float) @ sub / n_oot).reshape(ny, nx)
    spline = oot_spline(img) if np.all(np.isfinite(img)) else None
    templates, hessian = spline_derivatives(spline, (ny, nx))
    if target_pixel is None or not np.all(np.isfinite(target_pixel)):
        r, c = np.unravel_index(np.nanargmax(np.where(np.isfinite(img), img, -np.inf)), img.shape) \
            if np.any(np.isfinite(img)) else (ny // 2, nx // 2)
        target_pixel = (float(c), float(r))
        flags.append("target_pixel_from_image_peak")
    yy, xx = np.mgrid[0:ny, 0:nx]
    fit_mask = pix_ok & (np.hypot(xx - target_pixel[0], yy - target_pixel[1]) <= fit_radius_px)

    # per-cadence pointing: fixed-template weighted solve on the fit pixels
    fm = fit_mask.ravel()
    fi = np.flatnonzero(fm)
    if flux_err is not None and n_oot:
        sel = gi[oot_g][:: max(1, n_oot // 200)]  # a median over ≤ 200 frames is plenty
        fe = np.asarray(flux_err, dtype=float)[sel].reshape(-1, ny * nx)
        with np.errstate(invalid="ignore"):  # nanmedian only when needed (it is slower; same values otherwise)
            var_all = (np.median(fe, axis=0) if np.isfinite(fe).all() else np.nanmedian(fe, axis=0)) ** 2
    else:
        var_all = np.maximum(np.abs(np.nan_to_num(img.ravel())), 1.0)
    pos = np.isfinite(var_all) & (var_all > 0)
    var_all = np.where(pos, var_all, np.median(var_all[pos]) if np.any(pos) else 1.0)
    var = var_all[fm]
    dilation = dilation_template(img, templates, target_pixel)
    proj = pointing_projector(img, templates, dilation, var, fm) if spline is not None else None
    ok_solve = proj is not None
    if not ok_solve:
        proj = np.zeros((5, fi.size))
        flags.append("pointing_not_measured")
    # every pixel, then the pointing products: pixel-major, one contiguous row each for the window range sums
    cols = np.empty((ny * nx + 6, gi.size))
    for c0 in range(0, gi.size, 512):  # transposed in cache-sized blocks (a column gather is 2× slower)
        cols[: ny * nx, c0:c0 + 512] = sub[c0:c0 + 512].T
    fit_rows = np.empty((fi.size + 6, gi.size))  # the fit pixels, then (below) the pointing products
    fit_rows[: fi.size] = cols[fi]
    # (n_good, 5): δcol, δrow, ε, scale, offset of every cadence
    delta = fit_rows[: fi.size].T @ proj.T - np.nan_to_num(img.ravel()[fm]) @ proj.T
    dx, dy, eps = delta[:, 0], delta[:, 1], delta[:, 2]
    # empirical response: every pixel regressed (out of transit) on the measured pointing and focus
    emp = pointing_response(sub, oot_g, delta, (ny, nx)) if ok_solve else None
    if emp is not None:
        templates, response2, response_eps = emp
    else:
        response2 = 0.5 * hessian * np.array([1.0, 2.0, 1.0])[:, None, None]
        response_eps = dilation
        flags.append("pointing_response_from_spline")
    a = np.stack([templates[0].ravel()[fm], templates[1].ravel()[fm], np.ones(fm.sum())], axis=1)

    # the products δiδj and the focus per cadence; range sums of them and of the pixels serve the fakes
    prod = np.stack([dx, dy, eps, dx * dx, dx * dy, dy * dy], axis=1)
    cols[ny * nx:] = fit_rows[fi.size:] = prod.T
    good_t = t[gi]
    dump_times = (t[(np.asarray(quality).astype(np.int64) & MOMENTUM_DUMP_BIT) != 0] if quality is not None
                  else None)
    fixed = np.concatenate([response_eps[None], response2])  # focus, then second-order pointing
    fixed_fit = fixed.reshape(4, -1)[:, fm]

    # the real transits and the fake epochs away from them (same geometry): one set of windows
    tg = good_t
    if tg.size:
        e_lo = int(np.ceil((tg.min() - tp.t0 - 3 * d) / tp.period))
        e_hi = int(np.floor((tg.max() - tp.t0 + 3 * d) / tp.period))
        epochs = np.arange(e_lo, e_hi + 1)
        fc = np.arange(tg.min(), tg.max(), FAKE_STEP_DURATIONS * d)
        with np.errstate(invalid="ignore"):
            dfc = np.abs(np.mod(fc - tp.t0 + 0.5 * tp.period, tp.period) - 0.5 * tp.period)
        fc = fc[dfc > FAKE_CLEARANCE_DURATIONS * d]
    else:
        epochs, fc = np.zeros(0, dtype=int), np.zeros(0)
    mids = tp.t0 + epochs * tp.period
    every = local_windows(good_t, np.concatenate([mids, fc]), d, dump_times=dump_times)
    real = np.arange(mids.size)
    # keep transits that have any good in-transit cadence or were dropped for a reason worth reporting
    keep = (every.in_range[real, 1] > every.in_range[real, 0]) | ((mids > tg.min() - d) & (mids < tg.max() + d)
                                                                  if tg.size else False)
    epochs, mids = epochs[keep], mids[keep]
    win = every.select(real[keep])
    # real transits: full stamp, summed directly (a few windows)
    raw, inv_n = _diff_from_sums(lambda r: _slice_sums(sub, r), win)
    dd, _ = _diff_from_sums(lambda r: _slice_sums(prod, r), win)
    so = np.einsum("mk,kij->mij", dd[:, 2:6], fixed)
    images, pdiff = raw.reshape(-1, ny, nx) - so, dd[:, :2]
    images[~win.usable] = np.nan

    # fake epochs: fit pixels, from the cumulative sums (hundreds of windows)
    sigma_unit, n_fakes, source = None, 0, "flux_err"
    if fc.size:
        fwin = every.select(np.arange(real.size, every.centres.size))
        raw, finv = _diff_from_sums(range_summer(fit_rows, [fwin.in_range, fwin.before_range, fwin.after_range]),
                                    fwin)
        fimg = raw[:, :-6] - raw[:, -4:] @ fixed_fit
        fimg[~fwin.usable] = np.nan
        fu = fwin.usable & np.all(np.isfinite(fimg), axis=1)
        n_fakes = int(fu.sum())
        if n_fakes >= MIN_FAKE_WINDOWS and ok_solve:
            r = fimg[fu] / np.sqrt(finv[fu])[:, None]
            # project the pointing templates out of every fake (the fit absorbs them too)
            aa = a / np.sqrt(var)[:, None]
            q, _ = np.linalg.qr(aa)
            rw = r / np.sqrt(var)[None, :]
            rw = rw - (rw @ q) @ q.T
            dof = max(fm.sum() - 3, 1) / fm.sum()
            ratio = np.sqrt(np.mean(rw ** 2, axis=0) / dof)
            # outside the fit region: FLUX_ERR scaled by the median excess measured inside it
            sigma_unit = np.sqrt(var_all).reshape(ny, nx) * float(np.median(ratio))
            sigma_unit[fit_mask] = ratio * np.sqrt(var)
            source = "fake_epochs"
    if sigma_unit is None:
        flags.append(f"noise_from_flux_err_only_{n_fakes}_fake_windows")
        sigma_unit = np.sqrt(var_all).reshape(ny, nx)
    sigma = np.sqrt(inv_n)[:, None, None] * sigma_unit[None]
    focus_weights = np.zeros(ny * nx)
    focus_weights[fm] = proj[2]
    return DifferenceImages(
        sector=int(sector), oot_image=img, spline=spline, templates=templates, hessian=response2,
        fit_mask=fit_mask, target_pixel=(float(target_pixel[0]), float(target_pixel[1])),
        epochs=np.asarray(epochs, dtype=np.int64), mid_times=np.asarray(mids, dtype=float), images=images,
        sigma=sigma, second_order=so, pointing_difference=pdiff, windows=win, n_fakes=n_fakes,
        noise_source=source, flags=tuple(flags),
        focus_weights=focus_weights.reshape(ny, nx),
        focus_response=np.array(response_eps, dtype=float),
        source=WindowSource(good_t, cols, fixed.reshape(4, -1), dump_times, d, sigma_unit))
