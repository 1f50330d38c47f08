"""The body of V10 on one stamp: apertures, depths at the transits and fakes, host fit, calibrated p-values.

Called by :func:`toi5807.aperture.check.run_v10` (which coerces the inputs and measures the reference metrics).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..data.geometry import stamp_target, target_pixel
from ..lightcurve import TransitParams, coerce_transit_params, transit_window_masks
from ..lightcurve.fake_epochs import fake_epochs, independent_count
from ..pixels.pvalues import chi2_logsf, sigma_from_log_p
from ..pixels.scale import wcs_problem
from .depths import SPAN_DURATIONS, WindowSummer, combine, transit_centres, window_depths
from .hosts import empirical_templates, gls_fit, scene_templates, shrunk_covariance, star_shares
from .masks import aperture_family, decorrelate_pointing, moment_weights
from .reference import REFERENCE_METRIC_KEYS, REFERENCE_RADII_PX, reference_masks, reference_metrics

__all__ = ["analyse", "calibrated_p"]

#: Relative error of the PRF model's shares, added to the depth covariance as (ε · d_A)² on the diagonal: the
#: scene PRF (two Gaussians) is not the stamp's PRF.
PRF_SHARE_ERROR = 0.05


def calibrated_p(chi2_obs: float, chi2_fakes: np.ndarray, dof: int) -> tuple[float, float, bool]:
    """p of an observed χ² against the fakes' χ² of the same hypothesis.

    Within the fakes' range the counted ``(1 + #{fake ≥ obs}) / (n + 1)``; beyond the largest fake a scaled χ²
    law ``k χ²(ν)`` moment-matched to the fakes (``ν = 2 m² / v``, ``k = v / 2m``; a heavy tail gives a small ν
    and a cautious p), capped at ``1 / (n + 1)``, and marked extrapolated.

    Returns
    -------
    (p, p_counted, extrapolated)
    """
    from scipy.stats import chi2 as _chi2

    f = chi2_fakes[np.isfinite(chi2_fakes)]
    if f.size < 2 or not math.isfinite(chi2_obs):
        return math.nan, math.nan, False
    counted = float((1 + np.count_nonzero(f >= chi2_obs)) / (f.size + 1))
    if chi2_obs <= f.max():
        return counted, counted, False
    m, v = float(f.mean()), float(f.var())
    nu, k = (2.0 * m * m / v, v / (2.0 * m)) if v > 0 and m > 0 else (float(dof), 1.0)
    return min(float(_chi2.sf(chi2_obs / k, nu)), counted), counted, True


def robust_windows(single: np.ndarray, clip: float = 5.0) -> np.ndarray:
    """Fake windows for the depths' covariance: those whose every aperture depth lies within ``clip`` robust σ
    (1.4826 MAD) of zero. The outliers (a sector start, a gap edge) stay in the null, not in the covariance."""
    mad = 1.4826 * np.median(np.abs(single), axis=0)
    z = np.abs(single) / np.where(mad > 0, mad, np.inf)
    return single[np.all(z <= clip, axis=1)]


def image_catalogue(stamp: Any, tp: TransitParams, image: np.ndarray | None = None,
                    oot_flux: np.ndarray | None = None, time: np.ndarray | None = None) -> Any:
    """The stars :func:`toi5807.vet_pixels` finds without a catalogue: the difference images' out-of-transit image
    and noise fitted by :func:`toi5807.diffimage.stars.catalogue_from_image` (so the labels are the same); the
    stamp's own mean image and pixel scatter when the difference images are unusable."""
    from ..diffimage.localize import localize_sector
    from ..diffimage.stars import catalogue_from_image

    tp = coerce_transit_params(tp, name="tp")
    target = stamp_target(stamp)[:2]
    loc = localize_sector(stamp, tp)
    if loc.usable and loc.diff is not None and loc.diff.spline is not None:
        noise = loc.diff.sigma[0] if loc.diff.sigma.size else None
        return catalogue_from_image(loc.diff.oot_image, stamp.wcs, target, noise=noise)
    if image is None or oot_flux is None or time is None:
        raise ValueError(f"sector {stamp.sector}: the difference images are unusable; give image, oot_flux and time")
    n_win = max(1.0, tp.duration / 24.0 / float(np.nanmedian(np.diff(time))))
    return catalogue_from_image(image, stamp.wcs, target, noise=np.nanstd(oot_flux, axis=0) * math.sqrt(2.0 / n_win))


def _stars_xy(stamp: Any, catalogue: Any, shape: tuple[int, int]) -> tuple[list, np.ndarray, np.ndarray]:
    """Catalogue stars near the stamp: (labels, (col, row), separations arcsec), target first."""
    ra = np.array([s.ra_deg for s in catalogue.stars])
    dec = np.array([s.dec_deg for s in catalogue.stars])
    x, y = (np.atleast_1d(np.asarray(v, dtype=float)) for v in stamp.wcs.world_to_pixel_values(ra, dec))
    sep = np.hypot(*catalogue.offsets_arcsec().T)
    near = np.isfinite(x) & (x > -3.5) & (x < shape[1] + 2.5) & (y > -3.5) & (y < shape[0] + 2.5)
    near[0] = True
    idx = []
    for i in np.flatnonzero(near):  # a star within 0.3 px of one kept already is the same light: keep the first
        if all(math.hypot(x[i] - x[j], y[i] - y[j]) > 0.3 for j in idx):
            idx.append(int(i))
    return [catalogue.stars[i].label for i in idx], np.stack([x[idx], y[idx]], axis=1), sep[idx]


def analyse(stamp: Any, flux: np.ndarray, pix: np.ndarray, time: np.ndarray, valid: np.ndarray, good: np.ndarray,
            tp: TransitParams, catalogue: Any, details: dict, others: Any = ()) -> Any:
    """V10 on one stamp (see :mod:`toi5807.aperture.check`); returns an ``ApertureResult``."""
    from .check import (_MAX_NEIGHBOURS, MIN_INDEPENDENT_FAKES, SATURATION_E_PER_S, V10_SIGMA, ApertureResult,
                        _skip, v10_verdict)

    def reference(raw: np.ndarray | None = None) -> tuple[dict, dict, list]:
        ref = reference_metrics(flux, time[valid], tp.period, tp.t0, tp.duration, pix=pix, rows=valid, raw=raw)
        flags = (["BACKGROUND_ANNULUS_SMALL"] if ref["n_background_pixels"] < 10 else []) + \
            (["DEPTH_SIGN_FLIP"] if ref["aperture_depth_sign_flip"] else [])
        return ref, {k: ref.get(k) for k in REFERENCE_METRIC_KEYS}, flags

    def early(flag: str, why: str) -> Any:
        ref, metrics, flags = reference()
        return _skip(flag, why, stamp, metrics=metrics, details=details, flags=tuple(flags), reference=ref)

    try:
        at = target_pixel(stamp)
    except Exception:  # noqa: BLE001 - a singular WCS fails here already; wcs_problem names it
        at = None
    why_wcs = wcs_problem(stamp.wcs, *(at if at is not None and all(np.isfinite(at)) else (None, None)))
    if why_wcs is not None:
        return early("NO_WCS", f"the stars cannot be placed in the stamp: {why_wcs}")
    dd = tp.duration / 24.0
    _, out = transit_window_masks(time, tp, k_in=1.0, k_buffer=1.0)
    oot = valid & out
    if oot.sum() < 10:
        return early("NO_TRANSIT_WINDOW", "fewer than 10 out-of-transit cadences")
    image = np.where(good, ((oot / oot.sum()) @ pix).reshape(good.shape), 0.0)
    saturated = float(np.nanmax(image)) >= SATURATION_E_PER_S
    if catalogue is None:
        catalogue = image_catalogue(stamp, tp, image, flux[oot], time)
        details["catalogue"] = "stars found in the out-of-transit image"
    else:
        details["catalogue"] = catalogue.origin
    labels, xy, seps = _stars_xy(stamp, catalogue, image.shape)
    tx, ty = at
    xy[0] = (tx, ty)
    inside = [i for i in range(1, len(labels)) if -0.5 <= xy[i, 0] <= image.shape[1] - 0.5
              and -0.5 <= xy[i, 1] <= image.shape[0] - 0.5]
    _, fluxes, scene = scene_templates(image, good, xy)
    inside = sorted(inside, key=lambda i: -fluxes[i])[:_MAX_NEIGHBOURS]
    hyp = [0] + sorted(inside)
    masks, names = aperture_family(good, stamp.aperture_mask, (tx, ty), {labels[i]: tuple(xy[i]) for i in inside})
    n_m, n_r = len(masks), len(REFERENCE_RADII_PX)
    rows = np.concatenate([masks.reshape(n_m, -1), reference_masks(good.shape).reshape(n_r, -1),
                           moment_weights(good.shape)]).astype(np.float64)
    allsums = rows @ pix.T  # every aperture, the reference's circles and the centroid moments: one product
    ref, metrics, flags = reference(allsums[n_m:n_m + n_r][:, valid])
    flags += ["SATURATION_RISK"] if saturated else []
    common = dict(reference=ref, simulated=bool(stamp.simulated))
    sums, slopes, (xc, yc, m_tot) = decorrelate_pointing(allsums[:n_m], allsums[n_m + n_r:], oot)
    f_obs = sums[:, oot].mean(axis=1)
    keep_a = f_obs > 0
    masks, sums, f_obs, slopes = masks[keep_a], sums[keep_a], f_obs[keep_a], slopes[:, keep_a]
    names = [n for n, k in zip(names, keep_a) if k]
    summer = WindowSummer(time, sums, valid)
    real = window_depths(summer, transit_centres(time, tp.period, tp.t0), dd)
    n_tr = int(np.count_nonzero(real.n_in))
    details.update({"n_transits_used": n_tr, "aperture_names": names, "scene_fit": scene})
    if n_tr == 0:
        return _skip("TOO_FEW_EPOCHS", "no transit window with enough cadences in this sector", stamp,
                     metrics=metrics, details=details, flags=tuple(flags), reference=ref)
    flags += ["FEW_TRANSITS"] if n_tr == 1 else []  # one transit: judged, but a single event
    d_obs, s_obs, _ = combine(real, np.zeros(len(real.n_in), dtype=int), 1)
    d_obs, s_obs = d_obs[0], float(s_obs[0])
    fe = fake_epochs(time[valid], tp)  # the package's fake epochs: any period, every transit avoided
    offsets = fe.offsets_days
    if len(others):  # other known transits: no fake window may touch them
        busy = np.concatenate([transit_centres(time, o.period, o.t0) for o in others])
        reach = 0.5 * SPAN_DURATIONS * dd + max(o.duration for o in others) / 48.0
        clear = [bool(np.all(np.abs(transit_centres(time, tp.period, tp.t0, o)[:, None] - busy[None, :]) > reach))
                 for o in offsets]
        offsets = offsets[np.array(clear, dtype=bool)]
    cents = (offsets[:, None] + fe.epoch_mids[None, :]).ravel()  # each fake's windows, one fake after another
    groups = np.repeat(np.arange(len(offsets)), fe.epoch_mids.size)
    fw = window_depths(summer, cents, dd)
    d_fake, s_fake, n_used = combine(fw, groups, len(offsets))
    ok_f = np.isfinite(s_fake)
    d_fake, s_fake = d_fake[ok_f], s_fake[ok_f]
    single = fw.depth[fw.n_in > 0]
    n_indep_used = independent_count(offsets[ok_f], dd, SPAN_DURATIONS)  # fakes whose windows share no cadence
    n_windows_indep = max(1, int(round(len(single) / SPAN_DURATIONS)))
    core = robust_windows(single)
    cov1 = shrunk_covariance(core, n_windows_indep) if len(core) > len(names) else None
    details.update({"n_fakes": int(ok_f.sum()), "fake_spacing_days": dd, "n_single_fake_windows": len(single),
                    "n_covariance_windows": len(core)})
    if cov1 is None or not np.all(np.linalg.eigvalsh(cov1) > 0):
        return _skip("CANNOT_CALIBRATE", "too few fake windows for the depths' covariance", stamp, metrics=metrics,
                     details=details, flags=tuple(flags), reference=ref)
    cov = s_obs * cov1 + np.diag((PRF_SHARE_ERROR * d_obs) ** 2)
    err = np.sqrt(np.diag(cov))
    n_pix = masks.reshape(len(masks), -1).sum(axis=1)
    tmpl = empirical_templates(image, good, xy[hyp], (tx, ty))
    shares = star_shares(tmpl, fluxes[hyp], masks, f_obs)
    # the pointing correction also takes away the part of a source's dip that moves the centroid: a source s
    # dimming by δ moves it by -δ f_s (x_s - x_c) / M (x_s its template's centroid), and aperture A loses slope_A
    # times that; the model of s takes the same part away (zero for a source at the light centre)
    t_sum = tmpl.sum(axis=(1, 2))
    t_xy = np.stack([(tmpl.sum(axis=1) * np.arange(tmpl.shape[2])).sum(axis=1),
                     (tmpl.sum(axis=2) * np.arange(tmpl.shape[1])).sum(axis=1)], axis=1) / t_sum[:, None]
    move = -fluxes[hyp, None] * t_sum[:, None] * (t_xy - np.array([xc, yc])) / m_tot  # per unit δ, (n_hyp, 2)
    shares = shares + (move @ slopes) / f_obs[None, :]
    fit = gls_fit(d_obs, cov, shares, n_pix / f_obs, fakes=d_fake, fake_scale=s_fake / s_obs)
    dof = len(names) - 2
    pipe = names.index("pipeline")
    dip_sigma = float(d_obs[pipe] / err[pipe])
    fake_dips = d_fake[:, pipe] / np.sqrt(s_fake / s_obs * cov[pipe, pipe])
    calibrated = n_indep_used >= MIN_INDEPENDENT_FAKES and dof >= 2
    hyps = []
    for j, i in enumerate(hyp):
        p, p_count, extrap = calibrated_p(fit["chi2"][j], fit["chi2_fakes"][:, j], dof)
        sigma = sigma_from_log_p(math.log(p)) if p > 0 else (math.inf if p == 0 else math.nan)
        delta = float(fit["delta"][j])
        possible = bool(0.0 < delta <= 1.0)
        hyps.append({"label": labels[i], "separation_arcsec": float(seps[i]), "flux_e_per_s": float(fluxes[i]),
                     "delta": delta, "delta_err": float(fit["delta_err"][j]), "chi2": float(fit["chi2"][j]),
                     "dof": dof, "p": p, "sigma": sigma, "p_counted": p_count, "p_extrapolated": extrap,
                     "sigma_nominal": sigma_from_log_p(chi2_logsf(float(fit["chi2"][j]), dof)), "possible": possible,
                     "excluded": bool(not possible or sigma >= V10_SIGMA),
                     "predicted_depth_ppm": [float(v) * 1e6 for v in fit["predicted"][j]]})
    alive = [h for h in hyps if h["possible"]]
    host = min(alive, key=lambda h: h["chi2"])["label"] if alive else None
    sig_pos = d_obs / err >= 2.0
    if np.any(sig_pos) and np.any(d_obs / err <= -2.0) and "DEPTH_SIGN_FLIP" not in flags:
        flags.append("DEPTH_SIGN_FLIP")
    if not calibrated:
        flags.append("CANNOT_CALIBRATE")
    dip_p = float((1 + np.count_nonzero(fake_dips >= dip_sigma)) / (fake_dips.size + 1)) if fake_dips.size else 1.0
    can_judge = dip_sigma >= V10_SIGMA
    if not can_judge:
        flags.append("NO_SIGNIFICANT_DIP")
    why = (f"no significant dip in the pipeline aperture ({dip_sigma:.1f}σ < {V10_SIGMA:g}σ against the fakes)"
           if not can_judge else f"{n_indep_used} independent fake epochs < {MIN_INDEPENDENT_FAKES}")
    verdict, reason, votes = v10_verdict(hyps, calibrated=calibrated, can_judge=can_judge, why=why)
    tgt = hyps[0]
    metrics.update({"dip_sigma": dip_sigma, "target_sigma": tgt["sigma"], "n_apertures": len(names),
                    "n_independent_fakes": n_indep_used})
    apertures = tuple({"name": n, "n_pixels": int(k), "flux_e_per_s": float(f), "depth_ppm": float(d) * 1e6,
                       "depth_err_ppm": float(e) * 1e6} for n, k, f, d, e in zip(names, n_pix, f_obs, d_obs, err))
    details.update({"dip_p_counted": dip_p, "target_xy_pixels": [tx, ty],
                    "hypothesis_xy_pixels": {labels[i]: [float(v) for v in xy[i]] for i in hyp},
                    "prf_share_error": PRF_SHARE_ERROR, "fake_offsets_days": offsets[ok_f],
                    "fake_chi2_target": fit["chi2_fakes"][:, 0], "fake_dip_sigma": fake_dips})
    return ApertureResult(status="ok", verdict=verdict, reason=reason, votes=votes, calibrated=calibrated,
                          most_likely_host=host, metrics=metrics, apertures=apertures, hypotheses=tuple(hyps),
                          flags=tuple(flags), details=details, **common)
