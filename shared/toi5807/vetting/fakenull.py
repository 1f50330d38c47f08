"""The fake-epoch nulls of :mod:`toi5807.vetting.selfcal`, computed without refitting anything.

Per sector: the real epoch's localization (:func:`toi5807.diffimage.localize.localize_sector`) is kept; the
sector difference image at every fake T0 offset comes from cumulative sums
(:func:`toi5807.diffimage.fakes.fake_sector_images`), and the real image and all fakes get one batched
fixed-template linear fit on a grid of trial positions (:func:`toi5807.diffimage.gridfit.grid_statistics`):
``z`` (max over positions), ``Δχ²`` at the target and at every catalogue star. With the stamps' WCS the grid is
one sky grid (arcsec east/north, step 0.4 px) shared by all sectors, so the same fake ephemeris gives every
sector's χ² surface at once: summed, they give the joint offset test and the between-sector χ² of each fake
(:class:`~toi5807.vetting.selfcal.JointNull`), exactly as :func:`toi5807.diffimage.joint.combine_localizations`
builds them for the real epoch (a dimming source in every sector: amplitudes ≥ 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..diffimage.fakes import fake_sector_images
from ..diffimage.gridfit import (REFINE_STEPS, SECOND_PEAK_MARGIN, STENCIL3, GridStatistics, GridTemplates,
                                 grid_statistics, grid_templates, quadratic_peak, second_peak, z_at)
from ..diffimage.images import FIT_RADIUS_PX
from ..diffimage.prf_fit import GRID_STEP_PX
from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.blas import one_blas_thread
from .nulls import FAKE_STEP_DURATIONS, MIN_NULL_FAKES, JointNull, NullCalibration, _fit_null, n_independent_fakes
from .selfcal import fake_epoch_offsets

__all__ = ["SectorBatch", "sector_batch", "calibrate_sector", "calibrate_sectors", "joint_null"]


@dataclass(frozen=True, eq=False)
class SectorBatch:
    """The real epoch (row 0) and the usable fakes (rows 1…) of one sector, fitted on one grid.

    Attributes
    ----------
    sector : int
    offsets_days : ndarray (f,)
        T0 offsets of the usable fakes, days.
    templates : GridTemplates
    stats : GridStatistics
        Rows: the real epoch, then the fakes.
    outside_z : ndarray (f,)
        The fakes' strongest per-pixel dip outside the fit region.
    star_labels : tuple of str
        Catalogue stars behind the templates' extra positions.
    on_sky : bool
        The grid is the shared sky grid (arcsec east/north): the sector can join the joint null.
    images, scale : ndarray
        The fitted images (rows as ``stats``; fit pixels, e-/s) and their variance factors.
    """

    sector: int
    offsets_days: np.ndarray
    templates: GridTemplates
    stats: GridStatistics
    outside_z: np.ndarray
    star_labels: tuple[str, ...]
    on_sky: bool = False
    images: np.ndarray | None = None
    scale: np.ndarray | None = None


def _outside_z(images: np.ndarray, sigma: np.ndarray, mask: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(~mask[None] & np.isfinite(images) & (sigma > 0), images / np.where(sigma > 0, sigma, 1.0),
                     -np.inf)
    out = z.reshape(len(z), -1).max(axis=1) if z.size else np.zeros(len(z))
    return np.where(np.isfinite(out), out, np.nan)


def sector_batch(loc: Any, offsets_days: np.ndarray, *, catalogue: Any = None, sky_step_arcsec: float | None = None,
                 sky_extent_arcsec: float | None = None, radius_px: float = FIT_RADIUS_PX) -> SectorBatch | None:
    """Grid statistics of one sector's real epoch and fake epochs (None when the sector cannot be calibrated).

    Parameters
    ----------
    loc : SectorLocalization
    offsets_days : ndarray
        Fake T0 offsets, days.
    catalogue : Catalogue, optional
        Stars whose ``Δχ²`` is also computed (needs the WCS Jacobian).
    sky_step_arcsec : float, optional
        With the WCS Jacobian: the grid is on the sky with this step, arcsec (default 0.4 px of this stamp);
        without it the grid is in pixels (step :data:`~toi5807.diffimage.prf_fit.GRID_STEP_PX`).
    sky_extent_arcsec : float, optional
        Half-width of the sky grid, arcsec (default: what reaches ``radius_px`` in this stamp).
    radius_px : float
        Search radius, pixels.
    """
    d, prof = getattr(loc, "diff", None), getattr(loc, "profile", None)
    if loc.status != "ok" or d is None or prof is None or d.source is None or not np.any(d.usable):
        return None
    jac = loc.jacobian
    to_px, step, extra, labels = None, GRID_STEP_PX, None, ()
    if jac is not None:
        jinv = np.linalg.inv(jac)
        to_px = jinv
        step = sky_step_arcsec if sky_step_arcsec is not None else GRID_STEP_PX * math.sqrt(abs(np.linalg.det(jac)))
        if catalogue is not None:
            extra = catalogue.offsets_arcsec() @ jinv.T
            labels = tuple(s.label for s in catalogue.stars)
    fakes = fake_sector_images(d, offsets_days)
    img, err = d.sector_image()
    fm = d.fit_mask
    su = d.source.sigma_unit
    scale0 = float(np.median((err[fm] / su[fm]) ** 2))
    tpl = grid_templates(prof, su, radius_px=radius_px, step=step, to_px=to_px, extra_px=extra,
                         extent=sky_extent_arcsec if jac is not None else None)
    images = np.concatenate([img[None], fakes.images])[:, fm]
    scale = np.concatenate([[scale0], fakes.scale])
    stats = grid_statistics(tpl, images, scale)
    return SectorBatch(int(loc.sector), fakes.offsets_days, tpl, stats, _outside_z(fakes.images, fakes.sigma, fm),
                       labels, jac is not None, images, scale)


def _null_from_batch(b: SectorBatch | None, sector: int, step_durations: float) -> NullCalibration:
    if b is None:
        return NullCalibration(sector, flags=("not_calibrated_no_usable_localization",))
    st = b.stats
    z, dchi = st.z[1:], st.delta_chi2_target[1:]
    n_ind = n_independent_fakes(len(z), step_durations)
    stars = tuple(tuple(float(v) for v in st.delta_chi2_extra[1:, i]) for i in range(len(b.star_labels)))
    observed = {"z": float(st.z[0]), "delta_chi2_target": float(st.delta_chi2_target[0]),
                "stars": {lab: float(st.delta_chi2_extra[0, i]) for i, lab in enumerate(b.star_labels)},
                "statistic": "grid linear fit (the fakes' statistic)"}
    common = dict(outside_z=tuple(float(v) for v in b.outside_z), n_independent=n_ind, star_labels=b.star_labels,
                  star_delta_chi2=stars, observed=observed)
    offs, zt, dt = tuple(float(v) for v in b.offsets_days), tuple(float(v) for v in z), tuple(float(v) for v in dchi)
    if n_ind < MIN_NULL_FAKES:
        return NullCalibration(b.sector, offs, zt, dt, flags=(f"too_few_fake_epochs_{len(z)}_({n_ind}_independent)",),
                               **common)
    mu, s, k, nu = _fit_null(z, dchi)
    return NullCalibration(b.sector, offs, zt, dt, mu, s, k, nu, **common)


def _joint_peak(bs: list[SectorBatch], g: np.ndarray, start: np.ndarray, n_joint: int) -> np.ndarray:
    """The joint ``G`` refined from grid point ``start`` (f,): a quadratic through its 3×3 grid neighbourhood,
    then finer stencils with every sector's PRF evaluated at the same sky points."""
    tpl0 = bs[0].templates
    f = np.arange(len(start))
    peak, shift, _ = quadratic_peak(g, start, tpl0.shape, tpl0.step)
    u_best = tpl0.u[start] + shift
    for frac in REFINE_STEPS:
        pts = u_best[:, None, :] + frac * tpl0.step * STENCIL3[None]
        gp: Any = 0.0
        for b in bs:
            zp = z_at(b.templates, b.images[: n_joint + 1], b.scale[: n_joint + 1], pts)
            gp = gp + np.where(np.isfinite(zp), np.maximum(zp, 0.0) ** 2, 0.0) / b.stats.chi2_scale[: n_joint + 1, None]
        pk, sh, h = quadratic_peak(gp, np.full(len(f), 4), (3, 3), frac * tpl0.step)
        ok = np.all(np.isfinite(h), axis=(1, 2))
        top = np.argmax(gp, axis=1)
        peak = np.where(ok, pk, gp[f, top])
        u_best = np.where(ok[:, None], u_best + sh, pts[f, top])
    return np.maximum(peak, g[f, start])  # never below its grid point


def joint_null(batches: list[SectorBatch], step_durations: float = FAKE_STEP_DURATIONS) -> JointNull | None:
    """Fake ephemerides applied to all sectors with a sky grid at once (see module docstring); None without any.

    Joint fake ``j`` takes every sector's ``j``-th usable fake (the same T0 offset in every sector unless a
    window fell in a gap in one of them: then that sector's next usable fake, which is as much a null
    realisation, since the sectors share no data).

    Per fake (and for the real epoch), with ``z_s(u)`` each sector's amplitude significance on the shared sky
    grid and ``c_s`` its χ² scale: ``G(u) = Σ_s max(z_s(u), 0)² / c_s`` (the χ² gained by a dimming source at
    ``u``), maximised over the grid and refined by a quadratic; the joint ``Δχ²`` at the target is
    ``G* − Σ_s z_s(0)²/c_s`` (at a star likewise), the between-sector χ² ``Σ_s peak_s/c_s − G*``.
    """
    bs = [b for b in batches if b is not None and b.on_sky]
    u0 = bs[0].templates.u if bs else None
    bs = [b for b in bs if b.templates.u.shape == u0.shape and np.allclose(b.templates.u, u0)
          and b.star_labels == bs[0].star_labels] if bs else []
    if not bs:
        return None
    # joint fake j: each sector's j-th usable fake (the same T0 offset wherever every sector has it; sectors are
    # independent data, so one whose window at an offset falls in a gap contributes its next usable fake)
    n_joint = min(len(b.offsets_days) for b in bs)
    tpl0 = bs[0].templates
    k = tpl0.n_grid
    region = np.zeros(k, dtype=bool)
    g: Any = 0.0
    tgt = int(np.argmin(np.hypot(tpl0.u[:, 0], tpl0.u[:, 1])))
    g0, gstar, per_sector = 0.0, 0.0, 0.0
    for b in bs:
        rows = np.arange(n_joint + 1)
        st = b.stats
        zg = st.z_grid[rows]
        c = st.chi2_scale[rows][:, None]
        g = g + np.where(b.templates.norm[None, :k] > 0, np.maximum(zg[:, :k], 0.0) ** 2, 0.0) / c
        g0 = g0 + zg[:, tgt] ** 2 / c[:, 0]
        gstar = gstar + np.where(b.templates.norm[None, k:] > 0, zg[:, k:] ** 2, -1e30) / c
        per_sector = per_sector + st.peak_z2[rows] / c[:, 0]
        region |= b.templates.in_region
    gr = np.where(region[None, :], g, -np.inf)
    best = np.argmax(gr, axis=1)
    f = np.arange(len(best))
    peak = _joint_peak(bs, g, best, n_joint)
    best2 = second_peak(gr, best, tpl0.shape)  # a second sky maximum nearly as high is refined too
    close = np.isfinite(gr[f, best2]) & (gr[f, best2] >= gr[f, best] - SECOND_PEAK_MARGIN)
    if close.any():
        peak = np.where(close, np.maximum(peak, _joint_peak(bs, g, best2, n_joint)), peak)
    dchi = np.maximum(peak - g0, 0.0)
    dstar = np.maximum(peak[:, None] - gstar, 0.0)
    between = np.maximum(per_sector - peak, 0.0)
    labels = bs[0].star_labels
    n_ind = n_independent_fakes(n_joint, step_durations)
    offs = tuple(tuple(float(b.offsets_days[j]) for b in bs) for j in range(n_joint))
    observed = {"delta_chi2_target": float(dchi[0]), "stars": {lab: float(dstar[0, i]) for i, lab in enumerate(labels)},
                "statistic": "grid linear fit summed over sectors on one sky grid"}
    if len(bs) > 1:
        observed["between"] = float(between[0])
    same = sum(len(set(o)) == 1 for o in offs)
    flags = (f"{same}_of_{n_joint}_fakes_same_offset_in_every_sector",)
    flags += () if n_ind >= MIN_NULL_FAKES else (f"too_few_joint_fake_epochs_{n_joint}",)
    return JointNull(tuple(b.sector for b in bs), offs, tuple(float(v) for v in dchi[1:]),
                     tuple(float(v) for v in between[1:]) if len(bs) > 1 else (), labels,
                     tuple(tuple(float(v) for v in dstar[1:, i]) for i in range(len(labels))), n_ind, observed, flags)


@one_blas_thread
def calibrate_sectors(locs: list, transit_params: Any, catalogue: Any = None, *,
                      offsets_days: np.ndarray | None = None,
                      step_durations: float = FAKE_STEP_DURATIONS) -> tuple[dict, JointNull | None]:
    """Every sector's fake-epoch null and the joint one, from the sectors' localizations of the real epoch.

    Parameters
    ----------
    locs : list of SectorLocalization
    transit_params : TransitParams or Candidate
    catalogue : Catalogue, optional
        Stars tested as hosts (each gets its own null).
    offsets_days : ndarray, optional
        Fake T0 offsets, days (default :func:`~toi5807.vetting.selfcal.fake_epoch_offsets` with ``step_durations``).
    step_durations : float
        Spacing of the default offsets, durations (sets the independent count).

    Returns
    -------
    (dict of int → NullCalibration, JointNull or None)
    """
    tp = coerce_transit_params(transit_params)
    offs = (fake_epoch_offsets(tp, step_durations=step_durations) if offsets_days is None
            else np.asarray(offsets_days, dtype=float))
    jacs = [loc.jacobian for loc in locs if getattr(loc, "jacobian", None) is not None]
    sky_step = GRID_STEP_PX * math.sqrt(float(np.median([abs(np.linalg.det(j)) for j in jacs]))) if jacs else None
    # one sky grid for all: wide enough to reach the search radius in the stamp with the largest pixels
    extent = FIT_RADIUS_PX * max(float(np.linalg.svd(j, compute_uv=False).max()) for j in jacs) if jacs else None
    batches = [sector_batch(loc, offs, catalogue=catalogue, sky_step_arcsec=sky_step, sky_extent_arcsec=extent)
               for loc in locs]
    nulls = {int(loc.sector): _null_from_batch(b, int(loc.sector), step_durations) for loc, b in zip(locs, batches)}
    return nulls, joint_null([b for b in batches if b is not None], step_durations)


def calibrate_sector(stamp: Any, transit_params: Any, *, offsets_days: np.ndarray | None = None,
                     target_radec: tuple[float, float] | None = None, max_iterations: int = 12,
                     localization: Any = None, catalogue: Any = None) -> NullCalibration:
    """The fake-epoch null of one sector (localized here unless ``localization`` is given)."""
    from ..diffimage.localize import localize_sector

    tp = coerce_transit_params(transit_params)
    loc = localization if localization is not None else localize_sector(
        stamp, TransitParams(tp.period, tp.t0, tp.duration), target_radec=target_radec, max_iterations=max_iterations)
    nulls, _ = calibrate_sectors([loc], tp, catalogue, offsets_days=offsets_days)
    return nulls[int(loc.sector)]
