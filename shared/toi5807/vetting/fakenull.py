"""The fake-epoch nulls of :mod:`toi5807.vetting.selfcal`, computed without refitting anything.

From each sector's batch of real epoch and fakes fitted on one grid, and the same with the observed dip injected at
each tested position (:mod:`toi5807.vetting.batches`): every sector's null (:class:`NullCalibration`), and, with
the sky grid shared by all sectors, the joint null — the same fake ephemeris gives every sector's χ² surface at
once, and summed they give the joint offset test and the between-sector χ² of each fake
(:class:`~toi5807.vetting.selfcal.JointNull`), exactly as :func:`toi5807.diffimage.joint.combine_localizations`
builds them for the real epoch (a dimming source in every sector: amplitudes ≥ 0).

The position tests ("the source is at X", X = the target or a catalogue star) are calibrated with a dip
*present*: their null is the fakes plus the model dip of the observed amplitude placed at X, refitted like the
real epoch. At an empty fake the position wanders over the whole search region and its ``Δχ²`` is look-elsewhere
noise, far wider than the right null: on real s83, neighbours injected 1 px from the target with a 4.8σ nominal
offset fell below 3σ against the empty fakes. The dip-amplitude null (``z`` max over positions) and the
between-sector null stay the empty fakes'. Every hypothesis is fitted in one batch per sector, and all of them in
one joint fit.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ..diffimage.gridfit import REFINE_STEPS, SECOND_PEAK_MARGIN, STENCIL3, GridStatistics, quadratic_peak, \
    second_peak, z_at
from ..diffimage.images import FIT_RADIUS_PX
from ..diffimage.prf_fit import GRID_STEP_PX
from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.blas import one_blas_thread
from .batches import SectorBatch, injected_batches, sector_batch, soften, star_stat, target_col
from ..lightcurve.fake_epochs import fake_epochs, independent_count
from .nulls import FAKE_STEP_DURATIONS, MIN_NULL_FAKES, WINDOW_SPAN_DURATIONS, JointNull, NullCalibration, _fit_null

__all__ = ["calibrate_sector", "calibrate_sectors", "joint_null"]


def _n_independent(offsets_days: Any, duration_days: float) -> int:
    """Fakes that share no cadence among those used (block count, :func:`toi5807.lightcurve.independent_count`)."""
    return independent_count(offsets_days, duration_days, WINDOW_SPAN_DURATIONS)


def _null_from_batch(b: SectorBatch | None, sector: int, duration_days: float,
                     inj: list[SectorBatch] | None = None) -> NullCalibration:
    if b is None:
        return NullCalibration(sector, flags=("not_calibrated_no_usable_localization",))
    st = b.stats
    inj = injected_batches(b) if inj is None else inj
    z, dchi_empty = st.z[1:], st.delta_chi2_target[1:]
    dchi = inj[0].stats.delta_chi2_target[1:]  # the dip present at the target
    n_ind = _n_independent(b.offsets_days, duration_days)
    stars = tuple(tuple(float(v) for v in star_stat(b, inj[1 + i].stats, i)[1:]) for i in range(len(b.star_labels)))
    observed = {"z": float(st.z[0]), "delta_chi2_target": float(st.delta_chi2_target[0]),
                "stars": {lab: float(star_stat(b, st, i)[0]) for i, lab in enumerate(b.star_labels)},
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
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The joint ``G`` of the fakes ``rows`` (indices into the batches' rows and into ``g``/``start``) refined
    from grid point ``start``: a quadratic through its 3×3 grid neighbourhood, then finer stencils with every
    sector's PRF evaluated at the same sky points; and where (len(rows), 2)."""
    tpl0 = bs[0].templates
    g, start = g[rows], start[rows]
    f = np.arange(len(start))
    peak, shift, _ = quadratic_peak(g, start, tpl0.shape, tpl0.step)
    u_best = tpl0.u[start] + shift
    for frac in REFINE_STEPS:
        pts = u_best[:, None, :] + frac * tpl0.step * STENCIL3[None]
        gp: Any = 0.0
        for b in bs:
            zp = z_at(b.templates, b.images[rows], b.scale[rows], pts)
            gp = gp + np.where(np.isfinite(zp), np.maximum(zp, 0.0) ** 2, 0.0) / b.stats.chi2_scale[rows, None]
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
    tgt = target_col(tpl0)
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
    peak, u = _joint_peak(bs, g, best, f)
    best2 = second_peak(gr, best, tpl0.shape)  # a second sky maximum nearly as high is refined too
    close = np.flatnonzero(np.isfinite(gr[f, best2]) & (gr[f, best2] >= gr[f, best] - SECOND_PEAK_MARGIN))
    if close.size:  # those fakes only
        pk2, u2 = _joint_peak(bs, g, best2, close)
        win = pk2 > peak[close]
        peak[close[win]], u[close[win]] = pk2[win], u2[win]
    dstar = np.maximum(peak[:, None] - gstar, 0.0)
    sig = bs[0].star_sigma_px
    if sig is not None and np.any(sig > 0):  # stars' position errors, pixels → the sky plane (arcsec)
        u_star = np.linalg.solve(tpl0.to_px, tpl0.positions_px[k:].T).T
        px_arcsec2 = 1.0 / abs(float(np.linalg.det(tpl0.to_px)))
        for i in range(dstar.shape[1]):
            d = u - u_star[i][None, :]
            dstar[:, i] = soften(dstar[:, i], np.einsum("fi,fi->f", d, d), float(sig[i]) ** 2 * px_arcsec2)
    return np.maximum(peak - g0, 0.0), dstar, np.maximum(per_sector - peak, 0.0)


def _stack_rows(batches: list[SectorBatch], n: int) -> SectorBatch:
    """One sector's batches (the same templates) as one: the first ``n`` rows of each, one after another."""
    b0 = batches[0]
    stats = GridStatistics(*(np.concatenate([getattr(b.stats, fld.name)[:n] for b in batches])
                             for fld in dataclasses.fields(b0.stats)))
    return dataclasses.replace(b0, stats=stats, images=np.concatenate([b.images[:n] for b in batches]),
                               scale=np.concatenate([b.scale[:n] for b in batches]))


def joint_null(batches: list[SectorBatch], duration_days: float, injected: dict | None = None) -> JointNull | None:
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
    labels = bs[0].star_labels
    # the empty fakes, then each distinct set of injected batches (the target, each star): one joint fit of all
    sets: dict[tuple[int, ...], int] = {tuple(id(b) for b in bs): 0}
    members = [bs]
    for h in range(1 + len(labels)):
        key = tuple(id(i[h]) for i in inj)
        if key not in sets:
            sets[key] = len(members)
            members.append([i[h] for i in inj])
    n_rows = n_joint + 1
    stacked = [_stack_rows([m[s] for m in members], n_rows) for s in range(len(bs))]
    every = _joint_arrays(stacked, len(members) * n_rows - 1)
    part = [tuple(a[j * n_rows:(j + 1) * n_rows] for a in every) for j in range(len(members))]
    dchi, dstar, between = part[0]
    dchi_inj = part[sets[tuple(id(i[0]) for i in inj)]][0]
    dstar_inj = [part[sets[tuple(id(i[1 + s]) for i in inj)]][1][:, s] for s in range(len(labels))]
    # joint fakes j, k share no cadence when they share none in any sector: the smallest sector's block count
    n_ind = min(_n_independent(b.offsets_days[:n_joint], duration_days) for b in bs)
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
        Fake T0 offsets, days, shifting the sector's real transits. Default: each sector's own
        :func:`toi5807.lightcurve.fake_epochs` every ``step_durations`` — fakes across all of its data, before and
        after the transits, every epoch of the ephemeris in the data (also with one transit, or a period longer
        than the sector).
    step_durations : float
        Spacing of the default offsets, durations. The independent count is the block count of the fakes used
        (windows :data:`~toi5807.vetting.nulls.WINDOW_SPAN_DURATIONS` wide).

    Returns
    -------
    (dict of int → NullCalibration, JointNull or None)
    """
    tp = coerce_transit_params(transit_params)
    jacs = [loc.jacobian for loc in locs if getattr(loc, "jacobian", None) is not None]
    sky_step = GRID_STEP_PX * math.sqrt(float(np.median([abs(np.linalg.det(j)) for j in jacs]))) if jacs else None
    # one sky grid for all: wide enough to reach the search radius in the stamp with the largest pixels
    extent = FIT_RADIUS_PX * max(float(np.linalg.svd(j, compute_uv=False).max()) for j in jacs) if jacs else None
    batches = []
    for loc in locs:
        if offsets_days is not None:
            offs, mids = np.asarray(offsets_days, dtype=float), None
        else:
            src = getattr(getattr(loc, "diff", None), "source", None)
            fe = fake_epochs(src.time if src is not None else [], tp, step_durations=step_durations)
            offs, mids = fe.offsets_days, fe.epoch_mids
        batches.append(sector_batch(loc, offs, catalogue=catalogue, sky_step_arcsec=sky_step,
                                    sky_extent_arcsec=extent, epoch_mids=mids))
    injected = {id(b): injected_batches(b) for b in batches if b is not None}
    d = tp.duration_days
    nulls = {int(loc.sector): _null_from_batch(b, int(loc.sector), d, injected.get(id(b)))
             for loc, b in zip(locs, batches)}
    return nulls, joint_null([b for b in batches if b is not None], d, injected)


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
