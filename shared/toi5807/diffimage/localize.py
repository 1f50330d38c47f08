"""Where on the sky does the dip come from? Per-transit and per-sector localization.

One sector (:func:`localize_sector`): difference images
(:mod:`toi5807.diffimage.images`), the empirical-PRF fit with pointing terms
(:mod:`toi5807.diffimage.prf_fit`) of every transit and of the sector's mean
difference image, and the source offset on the sky through the stamp's WCS
Jacobian (:func:`toi5807.data.geometry.sky_jacobian`). The offset is measured
from the out-of-transit light centre (the target's PRF position), which makes
it independent of WCS zero-point errors; the offset from the catalogue
position adds the PRF-fitted out-of-transit position and the WCS (Twicken et
al. 2018, PASP 130, 064502).

Sectors are combined on the sky in :mod:`toi5807.diffimage.joint`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import lightcurve as _lightcurve
from ..data.geometry import sky_jacobian, stamp_target
from ..pixels.inputs import kept, usable_frames
from ..pixels.scale import wcs_problem
from ..report import json_safe
from ..pixels.blas import one_blas_thread
from .images import DifferenceImages, difference_images
from .prf_fit import LocationFit, ProfileChi2, fit_difference_image

__all__ = ["TransitFit", "SectorLocalization", "localize_sector", "MIN_STAMP_SIDE_PX"]

#: Fewest pixels on a side of a stamp whose difference image is fitted for a source position: in a smaller stamp
#: the PRF's wings and the pointing wander leave the stamp. Measured: a 3 × 3 astrocut cutout of the planet twin
#: was placed 3.6σ off target, on an "image star" (a false FAIL), a synthetic 5 × 5 planet 4.0σ off target (WARN);
#: 7 × 7 stamps PASS. Smaller stamps are skipped with reason ``STAMP_TOO_SMALL`` (the verdict: a WARN).
MIN_STAMP_SIDE_PX = 7

#: First-grid step of the single-transit fits, pixels (coarser than the sector fit's: a transit is a
#: noisier image, and the quadratic refinement does the rest).
TRANSIT_GRID_STEP_PX: float = 0.8

_T2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
_M2 = lambda m: (_T2(m[0]), _T2(m[1]))  # noqa: E731
_NAN2 = ((math.nan, math.nan), (math.nan, math.nan))


@dataclass(frozen=True)
class TransitFit:
    """The fit of one transit's difference image (or why there is none)."""

    epoch: int
    mid_time_btjd: float
    status: str
    reason: str
    fit: LocationFit | None = None
    offset_arcsec: tuple[float, float] = (math.nan, math.nan)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return json_safe({"epoch": self.epoch, "mid_time_btjd": self.mid_time_btjd, "status": self.status,
                          "reason": self.reason, "offset_arcsec": self.offset_arcsec,
                          "fit": self.fit.to_dict() if self.fit else None}, sig=None)


@dataclass(frozen=True, eq=False)
class SectorLocalization:
    """Source localization of one sector (see :func:`localize_sector`).

    Attributes
    ----------
    sector : int
    simulated : bool
    status : {"ok", "skipped"}
    reason : str
        Why skipped or what limits the result (empty when nothing does).
    transits : tuple of TransitFit
    fit : LocationFit
        Fit of the sector's mean difference image.
    jacobian : ndarray (2, 2) or None
        arcsec per pixel at the target, rows (east, north), columns (col, row).
    offset_arcsec, covariance_arcsec2
        Source offset from the target's out-of-transit PRF position, (east, north), and its covariance.
    source_ra_deg, source_dec_deg : float
    oot_position_px, target_catalogue_px : (float, float)
        Out-of-transit PRF position of the target and its catalogue position (WCS), pixels.
    offset_from_catalogue_arcsec : (float, float)
    diff : DifferenceImages or None
    profile : ProfileChi2 or None
        The sector's profiled χ²(Δ) (for the joint fit and the plots).
    """

    sector: int
    simulated: bool
    status: str
    reason: str
    transits: tuple[TransitFit, ...] = ()
    fit: LocationFit = LocationFit()
    jacobian: Any = None
    offset_arcsec: tuple[float, float] = (math.nan, math.nan)
    covariance_arcsec2: tuple[tuple[float, float], tuple[float, float]] = _NAN2
    source_ra_deg: float = math.nan
    source_dec_deg: float = math.nan
    oot_position_px: tuple[float, float] = (math.nan, math.nan)
    target_catalogue_px: tuple[float, float] = (math.nan, math.nan)
    offset_from_catalogue_arcsec: tuple[float, float] = (math.nan, math.nan)
    diff: DifferenceImages | None = None
    profile: ProfileChi2 | None = None
    target_radec: tuple[float, float] | None = None

    @property
    def usable(self) -> bool:
        """A converged sector fit placed on the sky."""
        return self.status == "ok" and self.fit.converged and self.jacobian is not None

    @property
    def pixel_scale_arcsec(self) -> float:
        """Arcsec per pixel at the target (square root of the sky Jacobian's area; NaN without a WCS)."""
        return math.sqrt(abs(float(np.linalg.det(self.jacobian)))) if self.jacobian is not None else math.nan

    @property
    def n_transits(self) -> int:
        """Transits with a usable difference image."""
        return sum(t.status in ("ok", "shortened") for t in self.transits)

    def chi2_sky(self, u: np.ndarray) -> np.ndarray:
        """Profiled χ² (scaled) of source offsets ``u`` (k, 2) on the sky, arcsec."""
        jinv = np.linalg.inv(self.jacobian)
        return self.profile(np.atleast_2d(u) @ jinv.T) / self.fit.chi2_scale

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (no arrays)."""
        return json_safe({
            "sector": self.sector, "simulated": self.simulated, "status": self.status, "reason": self.reason,
            "n_transits": self.n_transits, "transits": [t.to_dict() for t in self.transits],
            "fit": self.fit.to_dict(), "offset_arcsec": self.offset_arcsec,
            "covariance_arcsec2": self.covariance_arcsec2, "source_ra_deg": self.source_ra_deg,
            "source_dec_deg": self.source_dec_deg, "oot_position_px": self.oot_position_px,
            "target_catalogue_px": self.target_catalogue_px,
            "offset_from_catalogue_arcsec": self.offset_from_catalogue_arcsec,
            "noise_source": self.diff.noise_source if self.diff else None,
            "flags": list(self.diff.flags) if self.diff else [],
        }, sig=None)


def _oot_position(img: np.ndarray, start: tuple[float, float]) -> tuple[float, float]:
    """Centre of a 2-D Gaussian + constant fitted to the out-of-transit image within 2 px of ``start``."""
    from scipy.optimize import least_squares

    ny, nx = img.shape
    yy, xx = np.mgrid[0:ny, 0:nx]
    m = (np.hypot(xx - start[0], yy - start[1]) <= 2.5) & np.isfinite(img)
    if m.sum() < 7:
        return (math.nan, math.nan)
    x, y, z = xx[m], yy[m], img[m]

    def resid(p: np.ndarray) -> np.ndarray:
        return p[0] * np.exp(-0.5 * (((x - p[1]) / p[3]) ** 2 + ((y - p[2]) / p[4]) ** 2)) + p[5] - z

    def jac(p: np.ndarray) -> np.ndarray:  # analytic: the numerical one cost 6 model calls per step
        u, v = (x - p[1]) / p[3], (y - p[2]) / p[4]
        g = np.exp(-0.5 * (u * u + v * v))
        ag = p[0] * g
        return np.stack([g, ag * u / p[3], ag * v / p[4], ag * u * u / p[3], ag * v * v / p[4], np.ones_like(g)],
                        axis=1)

    p0 = np.array([z.max(), start[0], start[1], 0.8, 0.8, 0.0])
    try:
        r = least_squares(resid, p0, jac=jac, bounds=([0, start[0] - 2, start[1] - 2, 0.2, 0.2, -np.inf],
                                                      [np.inf, start[0] + 2, start[1] + 2, 5, 5, np.inf]))
    except ValueError:
        return (math.nan, math.nan)
    return (float(r.x[1]), float(r.x[2])) if r.success else (math.nan, math.nan)


@one_blas_thread
def localize_sector(stamp: Any, transit_params: Any, *, target_radec: tuple[float, float] | None = None,
                    fit_radius_px: float = 4.0, max_iterations: int = 12) -> SectorLocalization:
    """Localize the source of the dip in one sector's stamp.

    Parameters
    ----------
    stamp : TPFStamp
        ``time`` (BTJD), ``flux``/``flux_err`` (e-/s), ``quality``, ``wcs``.
    transit_params : TransitParams or Candidate
    target_radec : (float, float), optional
        Target ICRS degrees (default: the stamp's own, :func:`toi5807.data.geometry.stamp_target`).
    fit_radius_px : float
        Fit region around the target, pixels.
    max_iterations : int
        Refinement iterations of each fit.

    Returns
    -------
    SectorLocalization
        ``status="skipped"`` with a reason when nothing can be fitted; a stamp
        without WCS is fitted in pixels but not placed on the sky (reason ``no_wcs``).
    """
    ra0, dec0 = target_radec if target_radec is not None else stamp_target(stamp)[:2]
    sim = bool(getattr(stamp, "simulated", False))
    sector = int(getattr(stamp, "sector", 0))
    keep, n_dropped, good = usable_frames(stamp.flux)
    if not good.any():
        return SectorLocalization(sector, sim, "skipped", "NO_USABLE_PIXELS: every pixel is NaN or zero in every "
                                  "frame")
    if min(stamp.flux.shape[1:]) < MIN_STAMP_SIDE_PX:
        ny, nx = stamp.flux.shape[1:]
        return SectorLocalization(sector, sim, "skipped", f"STAMP_TOO_SMALL: stamp too small: {ny} × {nx} pixels "
                                  f"(rows × columns); locating the source needs at least {MIN_STAMP_SIDE_PX} × "
                                  f"{MIN_STAMP_SIDE_PX} (the PRF's wings and the pointing wander must stay in the stamp)")
    wcs = getattr(stamp, "wcs", None)
    why_wcs = wcs_problem(wcs)
    tpix = None
    if why_wcs is not None and not why_wcs.startswith("no WCS"):
        return SectorLocalization(sector, sim, "skipped", f"{why_wcs}: the source cannot be placed on the sky")
    if why_wcs is None:
        tpix = tuple(float(v) for v in wcs.world_to_pixel_values(ra0, dec0))
        ny, nx = stamp.flux.shape[1:]
        if not (-1 <= tpix[0] <= nx and -1 <= tpix[1] <= ny):
            return SectorLocalization(sector, sim, "skipped", f"target (RA {ra0:.6f}°, Dec {dec0:.6f}°) at pixel "
                                      f"({tpix[0]:.1f}, {tpix[1]:.1f}) lies off the stamp")
    wcs = wcs if why_wcs is None else None
    diff = difference_images(kept(stamp.flux, keep), kept(stamp.time, keep), transit_params,
                             flux_err=kept(stamp.flux_err, keep), quality=kept(stamp.quality, keep), target_pixel=tpix,
                             sector=sector, fit_radius_px=fit_radius_px)
    win = diff.windows
    jac = sky_jacobian(wcs, *diff.target_pixel) if wcs is not None else None
    use = diff.usable
    if diff.spline is None:
        return SectorLocalization(sector, sim, "skipped", "no out-of-transit image (no usable out-of-transit "
                                  f"frames; flags: {', '.join(diff.flags) or 'none'})", diff=diff)
    norm = float(np.nansum(diff.oot_image))
    img, sig = diff.sector_image()
    prof = ProfileChi2(diff.spline, norm, diff.templates, img, sig, diff.fit_mask,  # its PRF set-up serves all fits
                       focus=(diff.focus_weights, diff.focus_response))
    transits = []
    for k, e in enumerate(diff.epochs):
        status, reason = str(win.status[k]), win.reason[k]
        if not use[k]:
            if status in ("ok", "shortened"):
                status, reason = "no_data", "difference image not finite on the fit pixels"
            transits.append(TransitFit(int(e), float(diff.mid_times[k]), status, reason))
            continue
        f = fit_difference_image(prof.with_image(diff.images[k], diff.sigma[k]), search_radius_px=fit_radius_px,
                                 max_iterations=max_iterations, grid_step_px=TRANSIT_GRID_STEP_PX)
        off = _T2(jac @ np.array(f.offset_px)) if jac is not None else (math.nan, math.nan)
        transits.append(TransitFit(int(e), float(diff.mid_times[k]), status, reason, f, off))
    if not np.any(use):
        why = "; ".join(f"transit {t.epoch}: {t.status} ({t.reason})" for t in transits) or "no transit in the data"
        hint = getattr(_lightcurve, "no_transit_hint", None)  # the lightcurve layer's unit hint, where it exists
        text = hint(stamp.time[keep], transit_params) if callable(hint) and not diff.epochs.size else ""
        why += f" ({text})" if text else ""
        return SectorLocalization(sector, sim, "skipped", f"no usable transit: {why}", tuple(transits), diff=diff)
    fit = fit_difference_image(prof, search_radius_px=fit_radius_px, max_iterations=max_iterations)
    oot = _oot_position(diff.oot_image, diff.target_pixel)
    reasons = [] if fit.converged else [f"sector fit did not converge ({fit.flag})"]
    if n_dropped:
        reasons.append(f"{n_dropped} frame(s) with non-finite flux dropped")
    if jac is None:
        reasons.append(f"no_wcs: {why_wcs}, the source cannot be placed on the sky")
        return SectorLocalization(sector, sim, "ok", "; ".join(reasons), tuple(transits), fit, None,
                                  oot_position_px=oot, diff=diff, profile=prof)
    off = jac @ np.array(fit.offset_px)
    cov = jac @ np.array(fit.covariance_px) @ jac.T
    src = np.array(oot) + np.array(fit.offset_px) if np.all(np.isfinite(oot)) else np.full(2, np.nan)
    if np.all(np.isfinite(src)):
        ra, dec = (float(v) for v in wcs.pixel_to_world_values(src[0], src[1]))
        dra = ((ra - ra0 + 180.0) % 360.0) - 180.0
        from_cat = (dra * math.cos(math.radians(dec0)) * 3600.0, (dec - dec0) * 3600.0)
    else:
        ra = dec = math.nan
        from_cat = (math.nan, math.nan)
    return SectorLocalization(sector, sim, "ok", "; ".join(reasons), tuple(transits), fit, jac, _T2(off), _M2(cov),
                              ra, dec, oot, _T2(diff.target_pixel), _T2(from_cat), diff, prof,
                              target_radec=(float(ra0), float(dec0)))
