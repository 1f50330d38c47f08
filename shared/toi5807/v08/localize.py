"""Where on the sky does the dip come from? Per-transit, per-sector and combined localization.

One sector (:func:`localize_sector`): difference images
(:mod:`toi5807.v08.diffimage`), the empirical-PRF fit with pointing terms
(:mod:`toi5807.v08.prf_fit`) of every transit and of the sector's mean
difference image, and the source offset on the sky through the stamp's WCS
Jacobian (:func:`toi5807.data.geometry.sky_jacobian`). The offset is measured
from the out-of-transit light centre (the target's PRF position), which makes
it independent of WCS zero-point errors; the offset from the catalogue
position adds the PRF-fitted out-of-transit position and the WCS (Twicken et
al. 2018, PASP 130, 064502).

Sectors together (:func:`combine_localizations`): one sky offset ``u``
(east, north; arcsec) fitted jointly to every sector's profiled χ²
(``Σ χ²_s(J_s⁻¹ u)``), with its covariance from the Hessian, the 2-dof
likelihood-ratio test against the target (``u = 0``), and the consistency of
the sectors ``χ²_between = Σ [χ²_s(u*) − χ²_s,min]`` with ``2(n − 1)`` dof.
Catalogue stars are ranked by ``Δχ²`` of the source placed on each
(:func:`rank_hosts`); the relative probability is ``exp(−Δχ²/2)`` normalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.catalogue import Catalogue
from ..data.geometry import sky_jacobian
from ..report import json_safe
from .combine import combine_offsets
from .diffimage import DifferenceImages, difference_images
from .prf_fit import LocationFit, ProfileChi2, fit_difference_image, quadratic_refine
from .pvalues import chi2_logsf, p_from_log_p, sigma_from_log_p

__all__ = ["TransitFit", "SectorLocalization", "CombinedLocalization", "localize_sector",
           "combine_localizations", "rank_hosts"]

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

    @property
    def usable(self) -> bool:
        """A converged sector fit placed on the sky."""
        return self.status == "ok" and self.fit.converged and self.jacobian is not None

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

    p0 = np.array([z.max(), start[0], start[1], 0.8, 0.8, 0.0])
    try:
        r = least_squares(resid, p0, bounds=([0, start[0] - 2, start[1] - 2, 0.2, 0.2, -np.inf],
                                              [np.inf, start[0] + 2, start[1] + 2, 5, 5, np.inf]))
    except ValueError:
        return (math.nan, math.nan)
    return (float(r.x[1]), float(r.x[2])) if r.success else (math.nan, math.nan)


def localize_sector(stamp: Any, transit_params: Any, *, target_radec: tuple[float, float] | None = None,
                    fit_radius_px: float = 4.0, max_iterations: int = 12) -> SectorLocalization:
    """Localize the source of the dip in one sector's stamp.

    Parameters
    ----------
    stamp : TPFStamp
        ``time`` (BTJD), ``flux``/``flux_err`` (e-/s), ``quality``, ``wcs``.
    transit_params : TransitParams or Candidate
    target_radec : (float, float), optional
        Target ICRS degrees (default: TOI-5807).
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
    from .. import target

    ra0, dec0 = target_radec if target_radec is not None else (target.RA_DEG, target.DEC_DEG)
    sim = bool(getattr(stamp, "simulated", False))
    sector = int(getattr(stamp, "sector", 0))
    wcs = getattr(stamp, "wcs", None)
    tpix = None
    if wcs is not None:
        tpix = tuple(float(v) for v in wcs.world_to_pixel_values(ra0, dec0))
        ny, nx = stamp.flux.shape[1:]
        if not (-1 <= tpix[0] <= nx and -1 <= tpix[1] <= ny):
            return SectorLocalization(sector, sim, "skipped", f"target at pixel {tpix} lies off the stamp")
    diff = difference_images(stamp.flux, stamp.time, transit_params, flux_err=stamp.flux_err,
                             quality=stamp.quality, target_pixel=tpix, sector=sector, fit_radius_px=fit_radius_px)
    win = diff.windows
    jac = sky_jacobian(wcs, *diff.target_pixel) if wcs is not None else None
    use = diff.usable
    if diff.spline is None:
        return SectorLocalization(sector, sim, "skipped", "no out-of-transit image (no usable out-of-transit "
                                  f"frames; flags: {', '.join(diff.flags) or 'none'})", diff=diff)
    norm = float(np.nansum(diff.oot_image))
    transits = []
    for k, e in enumerate(diff.epochs):
        status, reason = str(win.status[k]), win.reason[k]
        if not use[k]:
            if status in ("ok", "shortened"):
                status, reason = "no_data", "difference image not finite on the fit pixels"
            transits.append(TransitFit(int(e), float(diff.mid_times[k]), status, reason))
            continue
        f = fit_difference_image(ProfileChi2(diff.spline, norm, diff.templates, diff.images[k], diff.sigma[k],
                                             diff.fit_mask), search_radius_px=fit_radius_px,
                                 max_iterations=max_iterations)
        off = _T2(jac @ np.array(f.offset_px)) if jac is not None else (math.nan, math.nan)
        transits.append(TransitFit(int(e), float(diff.mid_times[k]), status, reason, f, off))
    if not np.any(use):
        why = "; ".join(f"transit {t.epoch}: {t.status} ({t.reason})" for t in transits) or "no transit in the data"
        return SectorLocalization(sector, sim, "skipped", f"no usable transit: {why}", tuple(transits), diff=diff)
    img, sig = diff.sector_image()
    prof = ProfileChi2(diff.spline, norm, diff.templates, img, sig, diff.fit_mask)
    fit = fit_difference_image(prof, search_radius_px=fit_radius_px, max_iterations=max_iterations)
    oot = _oot_position(diff.oot_image, diff.target_pixel)
    reasons = [] if fit.converged else [f"sector fit did not converge ({fit.flag})"]
    if jac is None:
        reasons.append("no_wcs: the stamp has no WCS, the source cannot be placed on the sky")
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
                              ra, dec, oot, _T2(diff.target_pixel), _T2(from_cat), diff, prof)


@dataclass(frozen=True)
class CombinedLocalization:
    """Joint sky localization over sectors (see :func:`combine_localizations`).

    Attributes
    ----------
    sectors_used : tuple of int
    offset_arcsec, covariance_arcsec2
        Source offset from the target (east, north) and covariance.
    error_ellipse_arcsec : (float, float, float)
        1σ semi-major and semi-minor axes (arcsec) and position angle of the major axis (deg east of north).
    source_ra_deg, source_dec_deg : float
    delta_chi2_target, offset_sigma : float
        Likelihood-ratio test of "source at the target", 2 dof; ``sqrt(-2 ln p)``.
    chi2_between_sectors, dof_between_sectors, p_between_sectors : float, int, float
    hosts : tuple of dict
        Catalogue stars ranked by Δχ² (``label``, ``offset_arcsec``, ``separation_arcsec``,
        ``delta_chi2``, ``sigma``, ``relative_probability``, ``could_produce_depth``).
    exclusion_radius_arcsec : float
        Largest distance from the target of the 3σ (Δχ² = 9) region of the source position.
    flags : tuple of str
    """

    sectors_used: tuple[int, ...] = ()
    offset_arcsec: tuple[float, float] = (math.nan, math.nan)
    covariance_arcsec2: tuple[tuple[float, float], tuple[float, float]] = _NAN2
    error_ellipse_arcsec: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    source_ra_deg: float = math.nan
    source_dec_deg: float = math.nan
    delta_chi2_target: float = math.nan
    offset_sigma: float = math.nan
    chi2_between_sectors: float = math.nan
    dof_between_sectors: int = 0
    p_between_sectors: float = math.nan
    hosts: tuple[dict, ...] = ()
    exclusion_radius_arcsec: float = math.nan
    flags: tuple[str, ...] = ()

    @property
    def most_likely_host(self) -> dict | None:
        """The best-ranked catalogue star, or None."""
        return self.hosts[0] if self.hosts else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["hosts"] = [dict(h) for h in self.hosts]
        return json_safe(out, sig=None)


def _ellipse(cov: np.ndarray) -> tuple[float, float, float]:
    if not np.all(np.isfinite(cov)):
        return (math.nan, math.nan, math.nan)
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    major = v[:, 1]
    return (math.sqrt(max(w[1], 0)), math.sqrt(max(w[0], 0)), math.degrees(math.atan2(major[0], major[1])) % 180.0)


def rank_hosts(chi2: Any, chi2_min: float, catalogue: Catalogue, amplitude: float) -> tuple[dict, ...]:
    """Rank catalogue stars by how well the source placed on each explains the data.

    Parameters
    ----------
    chi2 : callable
        χ² (scaled) of sky offsets from the target, ``(k, 2)`` arcsec → ``(k,)``.
    chi2_min : float
        Its minimum.
    catalogue : Catalogue
    amplitude : float
        Fitted flux lost in transit, e-/s: a star fainter than that cannot produce the dip
        (its eclipse would have to exceed 100 %).

    Returns
    -------
    tuple of dict
        Best first.
    """
    offs = catalogue.offsets_arcsec()
    d = np.maximum(np.asarray(chi2(offs), dtype=float) - chi2_min, 0.0)
    rel = np.exp(-0.5 * (d - d.min()))
    rel = rel / rel.sum()
    out = []
    for k in np.argsort(d, kind="stable"):
        s = catalogue.stars[k]
        out.append({"label": s.label, "offset_arcsec": _T2(offs[k]), "separation_arcsec": float(np.hypot(*offs[k])),
                    "delta_chi2": float(d[k]), "sigma": sigma_from_log_p(-0.5 * float(d[k])),
                    "relative_probability": float(rel[k]), "flux_e_per_s": s.flux_e_per_s,
                    "could_produce_depth": bool(not math.isfinite(s.flux_e_per_s) or s.flux_e_per_s >= amplitude)})
    return tuple(out)


def _exclusion_radius(chi2: Any, best: np.ndarray, chi2_min: float, level: float = 9.0) -> float:
    """Largest distance from the target of the region ``χ² − χ²_min ≤ level`` (ray scan, 36 directions)."""
    ang = np.radians(np.arange(0, 360, 10))
    dirs = np.stack([np.sin(ang), np.cos(ang)], axis=1)
    lo, hi = np.zeros(ang.size), np.full(ang.size, 2.0)
    for _ in range(12):  # expand until every ray leaves the region (≤ 8192″)
        out = chi2(best + hi[:, None] * dirs) - chi2_min > level
        if np.all(out):
            break
        hi = np.where(out, hi, hi * 2.0)
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        inside = chi2(best + mid[:, None] * dirs) - chi2_min <= level
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return float(np.max(np.hypot(*(best + hi[:, None] * dirs).T)))


def combine_localizations(sectors: Any, catalogue: Catalogue | None = None, *,
                          target_radec: tuple[float, float] | None = None) -> CombinedLocalization:
    """Fit one sky offset to every usable sector, test it against the target and rank the catalogue stars.

    Parameters
    ----------
    sectors : iterable of SectorLocalization
    catalogue : Catalogue, optional
        Stars to rank (target first).
    target_radec : (float, float), optional
        Target ICRS degrees (default: the catalogue's target, else TOI-5807).

    Returns
    -------
    CombinedLocalization
        Flag ``no_usable_sector`` (and NaN numbers) when no sector could be used.
    """
    from .. import target

    use = [s for s in sectors if s.usable]
    if not use:
        return CombinedLocalization(flags=("no_usable_sector",))
    if target_radec is None:
        target_radec = ((catalogue.target.ra_deg, catalogue.target.dec_deg) if catalogue is not None
                        else (target.RA_DEG, target.DEC_DEG))

    def chi2(u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        return np.sum([s.chi2_sky(u) for s in use], axis=0)

    g = combine_offsets([s.offset_arcsec for s in use], [s.covariance_arcsec2 for s in use])
    starts = [np.zeros(2)] + ([np.array(g.mean)] if np.all(np.isfinite(g.mean)) else [])
    starts += [np.array(s.offset_arcsec) for s in use]
    if catalogue is not None:
        starts += list(catalogue.offsets_arcsec())
    starts = np.array(starts, dtype=float)
    order = np.argsort(chi2(starts))[:2]  # refine from the two best starting points only
    step = max(1.0, float(np.sqrt(np.nanmax(np.diag(np.array(g.covariance)))))) if g.n_used else 5.0
    step = step if math.isfinite(step) else 5.0
    u, c_min, _ = min((quadratic_refine(chi2, x0, step, n_iter=16, tol=1e-3) for x0 in starts[order]),
                      key=lambda r: r[1])
    h = max(0.05, 0.01 * float(np.hypot(*u)))
    steps = np.array([[0, 0], [h, 0], [-h, 0], [0, h], [0, -h], [h, h], [h, -h], [-h, h], [-h, -h]])
    v = chi2(u[None, :] + steps)
    hess = np.array([[v[1] - 2 * v[0] + v[2], (v[5] - v[6] - v[7] + v[8]) / 4],
                     [(v[5] - v[6] - v[7] + v[8]) / 4, v[3] - 2 * v[0] + v[4]]]) / h ** 2
    flags = []
    cov = np.full((2, 2), np.nan)
    if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
        cov = 2.0 * np.linalg.inv(hess)
    else:
        flags.append("hessian_not_positive")
    dchi = max(float(chi2(np.zeros(2))[0]) - c_min, 0.0)
    between = float(sum(float(s.chi2_sky(u)[0]) - s.fit.chi2 / s.fit.chi2_scale for s in use))
    dof = 2 * (len(use) - 1)
    p_between = p_from_log_p(chi2_logsf(max(between, 0.0), dof)) if dof > 0 else math.nan
    if dof == 0:
        flags.append("single_sector")
    ra0, dec0 = target_radec
    ra = ra0 + u[0] / 3600.0 / math.cos(math.radians(dec0))
    dec = dec0 + u[1] / 3600.0
    amp = float(np.median([s.fit.amplitude for s in use]))
    hosts = rank_hosts(chi2, c_min, catalogue, amp) if catalogue is not None else ()
    return CombinedLocalization(
        sectors_used=tuple(s.sector for s in use), offset_arcsec=_T2(u), covariance_arcsec2=_M2(cov),
        error_ellipse_arcsec=_ellipse(cov), source_ra_deg=float(ra), source_dec_deg=float(dec),
        delta_chi2_target=dchi, offset_sigma=sigma_from_log_p(-0.5 * dchi), chi2_between_sectors=between,
        dof_between_sectors=dof, p_between_sectors=p_between, hosts=hosts,
        exclusion_radius_arcsec=_exclusion_radius(chi2, u, c_min), flags=tuple(flags))
