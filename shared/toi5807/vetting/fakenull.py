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

The position tests ("the source is at X", X = the target or a catalogue star) are calibrated with a dip
*present*: their null is the fakes plus the model dip of the observed amplitude placed at X,
``fake + a_X·P(X)`` (``a_X`` the real epoch's amplitude fitted with the source fixed at X, ≥ 0; ``P`` the fit's
own processed PRF, the grid templates' vector at X), refitted like the real epoch. At an empty fake the position
wanders over the whole search region and its ``Δχ²`` is look-elsewhere noise, far wider than the right null: on
real s83, neighbours injected 1 px from the target with a 4.8σ nominal offset fell below 3σ against the empty
fakes. The injection is one fixed image added to every fake, so it costs one more batched grid fit per
hypothesis. The dip-amplitude null (``z`` max over positions) stays the empty fakes'.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..diffimage.fakes import fake_sector_images
from ..diffimage.gridfit import (REFINE_STEPS, SECOND_PEAK_MARGIN, STENCIL3, GridStatistics, GridTemplates,
                                 grid_statistics, grid_templates, quadratic_peak, second_peak, z_at)
from ..diffimage.images import FIT_RADIUS_PX
from ..diffimage.prf_fit import GRID_STEP_PX
from ..diffimage.stars import star_position_errors_px
from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.blas import one_blas_thread
from .nulls import FAKE_STEP_DURATIONS, MIN_NULL_FAKES, JointNull, NullCalibration, _fit_null, n_independent_fakes
from .selfcal import fake_epoch_offsets

__all__ = ["SectorBatch", "sector_batch", "injected_batch", "injected_batches", "soften", "calibrate_sector",
           "calibrate_sectors", "joint_null", "INJECTED_AMPLITUDE"]


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
    star_sigma_px : ndarray, optional
        Position error of each catalogue star, pixels per axis
        (:func:`~toi5807.diffimage.stars.star_position_errors_px`).
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
    star_sigma_px: np.ndarray | None = None


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
    to_px, step, extra, labels, sig_px = None, GRID_STEP_PX, None, (), None
    if jac is not None:
        jinv = np.linalg.inv(jac)
        to_px = jinv
        step = sky_step_arcsec if sky_step_arcsec is not None else GRID_STEP_PX * math.sqrt(abs(np.linalg.det(jac)))
        if catalogue is not None:
            extra = catalogue.offsets_arcsec() @ jinv.T
            labels = tuple(s.label for s in catalogue.stars)
            sig_px = star_position_errors_px(catalogue)
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
                       labels, jac is not None, images, scale, sig_px)


def _target_col(tpl: GridTemplates) -> int:
    return int(np.argmin(np.hypot(tpl.u[:, 0], tpl.u[:, 1])))


#: Amplitude of the injected dip: the real epoch's fitted one (``"fitted"``, source at its best position) or the
#: one fitted with the source fixed at the tested position (``"at_position"``).
INJECTED_AMPLITUDE = "fitted"


def _injected_images(b: SectorBatch, col: int, amplitude: str | None = None) -> np.ndarray:
    """The images of ``b`` with the observed dip at template position ``col`` added to every fake (row 0, the real
    epoch, unchanged).

    The amplitude ``a`` (e-/s, ≥ 0) is the real epoch's fitted one, ``sqrt(s·peak z²)/‖r(best)‖`` (the norm at
    the grid point nearest the refined position), or with ``amplitude="at_position"`` the one with the source
    fixed at ``col``, ``q·y/‖r‖``; its weighted image ``a·r = a·‖r‖·q`` is what is added (the pointing templates
    and the constant are projected out of the fit anyway). On real s83 the two give the same verdicts (the
    1-px neighbour at 4.8σ nominal: 3.15σ vs 3.20σ calibrated; the real transit 1.57σ vs 1.60σ)."""
    tpl = b.templates
    how = INJECTED_AMPLITUDE if amplitude is None else amplitude
    if how not in ("fitted", "at_position"):
        raise ValueError(f"amplitude: expected 'fitted' or 'at_position', got {amplitude!r}")
    if not tpl.norm[col] > 0:
        c_obs = 0.0
    elif how == "at_position":
        c_obs = max(float(b.stats.z_grid[0, col]) * math.sqrt(float(b.scale[0])), 0.0)
    else:
        near = int(np.argmin(np.sum((tpl.u - b.stats.best_u[0][None, :]) ** 2, axis=1)))
        c_best = math.sqrt(max(float(b.stats.peak_z2[0]), 0.0) * float(b.scale[0]))  # peak_z2 is z², z = c/√s
        a = c_best / float(tpl.norm[near]) if tpl.norm[near] > 0 else 0.0
        c_obs = a * float(tpl.norm[col])
    images = np.array(b.images, dtype=float, copy=True)
    images[1:] += (c_obs * tpl.q[col] * tpl.sigma_unit[tpl.mask])[None, :]
    return images


def injected_batch(b: SectorBatch, col: int, amplitude: str | None = None) -> SectorBatch:
    """``b`` with the observed dip at template position ``col`` (grid index, or ``n_grid + i`` for extra
    position ``i``) added to every fake and refitted; row 0 (the real epoch) unchanged (see
    :func:`_injected_images` for the amplitude)."""
    images = _injected_images(b, col, amplitude)
    return dataclasses.replace(b, stats=grid_statistics(b.templates, images, b.scale), images=images)


def soften(dchi: np.ndarray, d2: np.ndarray, s2: float) -> np.ndarray:
    """``Δχ²`` of a source at a star whose position is uncertain by ``s2`` (variance per axis): with the source
    ``d2`` (squared distance, same units) from the star, ``Δχ² = d²/σ²_src`` becomes ``d²/(σ²_src + s2)``
    ``= Δχ²/(1 + Δχ²·s2/d²)`` (the quadratic approximation; unchanged for ``s2 = 0``)."""
    if not s2 > 0:
        return dchi
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d2 > 0, dchi / (1.0 + dchi * s2 / np.where(d2 > 0, d2, 1.0)), 0.0)


def _star_stat(b: SectorBatch, stats: Any, i: int) -> np.ndarray:
    """Star ``i``'s ``Δχ²`` of every row of ``stats`` (a grid fit of ``b``'s templates), softened by its
    position error."""
    tpl = b.templates
    s = 0.0 if b.star_sigma_px is None else float(b.star_sigma_px[i])
    d = stats.best_u @ tpl.to_px.T - tpl.positions_px[tpl.n_grid + i][None, :]
    return soften(stats.delta_chi2_extra[:, i], np.einsum("fi,fi->f", d, d), s * s)


def injected_batches(b: SectorBatch) -> list[SectorBatch]:
    """``b`` with the observed dip injected at the target, then at each catalogue star (:func:`injected_batch`).

    Hypotheses at the same position (the catalogue's own target star, at offset 0, and the target) share one
    batch: the injected images, and so every statistic, are the same."""
    tpl = b.templates
    k = tpl.n_grid
    cols = [_target_col(tpl)] + [k + i for i in range(len(b.star_labels))]
    where = {}  # distinct position → its hypothesis' index among the distinct ones
    for col in cols:
        where.setdefault((float(tpl.positions_px[col, 0]), float(tpl.positions_px[col, 1])), (len(where), col))
    images = [_injected_images(b, col) for _, col in sorted(where.values())]
    # every hypothesis' images in one grid fit (one set of PRF evaluations per refinement step), then split
    stats = grid_statistics(tpl, np.concatenate(images), np.tile(b.scale, len(images)))
    f = len(b.scale)
    parts = [GridStatistics(*(getattr(stats, fld.name)[j * f:(j + 1) * f] for fld in dataclasses.fields(stats)))
             for j in range(len(images))]
    batches = [dataclasses.replace(b, stats=st, images=im) for st, im in zip(parts, images)]
    return [batches[where[(float(tpl.positions_px[c, 0]), float(tpl.positions_px[c, 1]))][0]] for c in cols]


def _null_from_batch(b: SectorBatch | None, sector: int, step_durations: float,
                     inj: list[SectorBatch] | None = None) -> NullCalibration:
    if b is None:
        return NullCalibration(sector, flags=("not_calibrated_no_usable_localization",))
    st = b.stats
    inj = injected_batches(b) if inj is None else inj
    z, dchi_empty = st.z[1:], st.delta_chi2_target[1:]
    dchi = inj[0].stats.delta_chi2_target[1:]  # the dip present at the target
    n_ind = n_independent_fakes(len(z), step_durations)
    stars = tuple(tuple(float(v) for v in _star_stat(b, inj[1 + i].stats, i)[1:]) for i in range(len(b.star_labels)))
    observed = {"z": float(st.z[0]), "delta_chi2_target": float(st.delta_chi2_target[0]),
                "stars": {lab: float(_star_stat(b, st, i)[0]) for i, lab in enumerate(b.star_labels)},
                "statistic": "grid linear fit (the fakes' statistic)"}
    common = dict(outside_z=tuple(float(v) for v in b.outside_z), n_independent=n_ind, star_labels=b.star_labels,
                  star_delta_chi2=stars, observed=observed, delta_chi2_empty=tuple(float(v) for v in dchi_empty))
    offs, zt, dt = tuple(float(v) for v in b.offsets_days), tuple(float(v) for v in z), tuple(float(v) for v in dchi)
    if n_ind < MIN_NULL_FAKES:
        return NullCalibration(b.sector, offs, zt, dt, flags=(f"too_few_fake_epochs_{len(z)}_({n_ind}_independent)",),
                               **common)
    mu, s, k, nu = _fit_null(z, dchi)
    return NullCalibration(b.sector, offs, zt, dt, mu, s, k, nu, **common)


def _joint_peak(bs: list[SectorBatch], g: np.ndarray, start: np.ndarray,
                n_joint: int) -> tuple[np.ndarray, np.ndarray]:
    """The joint ``G`` refined from grid point ``start`` (f,): a quadratic through its 3×3 grid neighbourhood,
    then finer stencils with every sector's PRF evaluated at the same sky points; and where (f, 2)."""
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
    return np.maximum(peak, g[f, start]), u_best  # never below its grid point


def _joint_arrays(bs: list[SectorBatch], n_joint: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows 0…n_joint of the sectors summed on the sky grid: joint ``Δχ²`` at the target (f,), at each star (f, m)
    and the between-sector χ² (f,) (see :func:`joint_null`)."""
    tpl0 = bs[0].templates
    k = tpl0.n_grid
    region = np.zeros(k, dtype=bool)
    g: Any = 0.0
    tgt = _target_col(tpl0)
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
    peak, u = _joint_peak(bs, g, best, n_joint)
    best2 = second_peak(gr, best, tpl0.shape)  # a second sky maximum nearly as high is refined too
    close = np.isfinite(gr[f, best2]) & (gr[f, best2] >= gr[f, best] - SECOND_PEAK_MARGIN)
    if close.any():
        pk2, u2 = _joint_peak(bs, g, best2, n_joint)
        win = close & (pk2 > peak)
        peak, u = np.where(win, pk2, peak), np.where(win[:, None], u2, u)
    dstar = np.maximum(peak[:, None] - gstar, 0.0)
    sig = bs[0].star_sigma_px
    if sig is not None and np.any(sig > 0):  # stars' position errors, pixels → the sky plane (arcsec)
        u_star = np.linalg.solve(tpl0.to_px, tpl0.positions_px[k:].T).T
        px_arcsec2 = 1.0 / abs(float(np.linalg.det(tpl0.to_px)))
        for i in range(dstar.shape[1]):
            d = u - u_star[i][None, :]
            dstar[:, i] = soften(dstar[:, i], np.einsum("fi,fi->f", d, d), float(sig[i]) ** 2 * px_arcsec2)
    return np.maximum(peak - g0, 0.0), dstar, np.maximum(per_sector - peak, 0.0)


def joint_null(batches: list[SectorBatch], step_durations: float = FAKE_STEP_DURATIONS,
               injected: dict | None = None) -> JointNull | None:
    """Fake ephemerides applied to all sectors with a sky grid at once (see module docstring); None without any.

    Joint fake ``j`` takes every sector's ``j``-th usable fake (the same T0 offset in every sector unless a
    window fell in a gap in one of them: then that sector's next usable fake, which is as much a null
    realisation, since the sectors share no data).

    Per fake (and for the real epoch), with ``z_s(u)`` each sector's amplitude significance on the shared sky
    grid and ``c_s`` its χ² scale: ``G(u) = Σ_s max(z_s(u), 0)² / c_s`` (the χ² gained by a dimming source at
    ``u``), maximised over the grid and refined by a quadratic; the joint ``Δχ²`` at the target is
    ``G* − Σ_s z_s(0)²/c_s`` (at a star likewise), the between-sector χ² ``Σ_s peak_s/c_s − G*``. The nulls of
    the target and star tests are those of the fakes with each sector's own observed dip injected at the
    target (at the star): :func:`injected_batches`, given per sector in ``injected`` (id of batch → list) or
    computed here. The between-sector null is the empty fakes'.
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
    injected = {} if injected is None else injected
    inj = [injected.get(id(b)) or injected_batches(b) for b in bs]
    dchi, dstar, between = _joint_arrays(bs, n_joint)
    arrays: dict[tuple[int, ...], tuple] = {}  # one joint fit per distinct set of injected batches

    def joint_of(batches: list[SectorBatch]) -> tuple:
        key = tuple(id(x) for x in batches)
        if key not in arrays:
            arrays[key] = _joint_arrays(batches, n_joint)
        return arrays[key]

    dchi_inj = joint_of([i[0] for i in inj])[0]
    labels = bs[0].star_labels
    dstar_inj = [joint_of([i[1 + s] for i in inj])[1][:, s] for s in range(len(labels))]
    n_ind = n_independent_fakes(n_joint, step_durations)
    offs = tuple(tuple(float(b.offsets_days[j]) for b in bs) for j in range(n_joint))
    observed = {"delta_chi2_target": float(dchi[0]), "stars": {lab: float(dstar[0, i]) for i, lab in enumerate(labels)},
                "statistic": "grid linear fit summed over sectors on one sky grid",
                "delta_chi2_empty_fakes": [float(v) for v in dchi[1:]]}
    if len(bs) > 1:
        observed["between"] = float(between[0])
    same = sum(len(set(o)) == 1 for o in offs)
    flags = (f"{same}_of_{n_joint}_fakes_same_offset_in_every_sector",)
    flags += () if n_ind >= MIN_NULL_FAKES else (f"too_few_joint_fake_epochs_{n_joint}",)
    return JointNull(tuple(b.sector for b in bs), offs, tuple(float(v) for v in dchi_inj[1:]),
                     tuple(float(v) for v in between[1:]) if len(bs) > 1 else (), labels,
                     tuple(tuple(float(v) for v in d[1:]) for d in dstar_inj), n_ind, observed, flags)


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
    injected = {id(b): injected_batches(b) for b in batches if b is not None}
    nulls = {int(loc.sector): _null_from_batch(b, int(loc.sector), step_durations, injected.get(id(b)))
             for loc, b in zip(locs, batches)}
    return nulls, joint_null([b for b in batches if b is not None], step_durations, injected)


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
