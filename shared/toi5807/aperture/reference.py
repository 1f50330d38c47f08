"""The reference tool's V10 measurement (tess-vetter 0.3.20 ``compute_aperture_dependence``), vectorised.

Circular apertures of radius 1, 1.5, 2, 2.5 and 3 pixels on the stamp centre; a per-cadence background, the
median of an annulus beyond the largest aperture (inner ``max(r_max + 1, 4)``, outer ``inner + 2`` pixels,
shrunk to fit the stamp); each transit's depth is ``1 − median(in transit) / median(out of transit within
±0.5 d)``, averaged over the transits (a transit with fewer than 5 baseline cadences is skipped). From the depths:
``stability_metric = exp(−1.4 · CV)`` (CV = std / |mean| over the apertures), ``depth_variance_ppm2``, the
recommended aperture (the middle radius when stability > 0.7, else the one nearest the median depth), the
sign flip between the smallest and largest aperture, and the out-of-transit flux drift (late − early half of
the sector) in the recommended aperture. It answers "is the depth stable across apertures?", not "which
star?"; there is no pass or fail. Error bars as the reference draws them: ``|depth| · CV``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .masks import annulus, aperture_sums, circle, pixel_matrix

__all__ = ["REFERENCE_RADII_PX", "reference_masks", "reference_metrics", "REFERENCE_METRIC_KEYS"]

#: The reference's aperture radii, pixels.
REFERENCE_RADII_PX = (1.0, 1.5, 2.0, 2.5, 3.0)
#: The reference tutorial's V10 metric names (tess-vetter's ``VettingSession`` output).
REFERENCE_METRIC_KEYS = ("depth_ppm_aperture_min", "depth_ppm_aperture_max", "depth_variance_ppm2",
                         "stability_metric", "recommended_aperture_pixels", "aperture_depth_sign_flip",
                         "n_transit_epochs", "drift_fraction_recommended")
_BASELINE_DAYS = 0.5


def _epochs(in_mask: np.ndarray) -> list[np.ndarray]:
    """In-transit cadence indices grouped into transits (a break of more than 10 cadences starts a new one)."""
    idx = np.flatnonzero(in_mask)
    return [g for g in np.split(idx, np.flatnonzero(np.diff(idx) > 10) + 1) if g.size] if idx.size else []


def _row_medians(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=1)`` of a copy that is ours to reorder: the middle one or two values of each row by one
    partition (the same numbers, about twice as fast as ``np.median`` on the annulus of a 2-minute sector)."""
    n = a.shape[1]
    a.partition([(n - 1) // 2, n // 2] if n % 2 == 0 else [n // 2], axis=1)
    return 0.5 * (a[:, (n - 1) // 2] + a[:, n // 2]) if n % 2 == 0 else a[:, n // 2].copy()


def reference_masks(shape: tuple[int, int]) -> np.ndarray:
    """The reference's circular apertures on the stamp centre, bool (n_radii, rows, cols)."""
    cy, cx = (shape[0] - 1) / 2.0, (shape[1] - 1) / 2.0
    return np.array([circle(shape, cx, cy, r) for r in REFERENCE_RADII_PX])


def reference_metrics(flux: Any, time: Any, period_days: float, t0_btjd: float, duration_hours: float, *,
                      pix: np.ndarray | None = None, rows: np.ndarray | None = None,
                      raw: np.ndarray | None = None) -> dict[str, Any]:
    """The reference's V10 metrics on one cube (the cadences given; drop flagged ones first).

    Parameters
    ----------
    flux : ndarray (n_time, rows, cols)
        e-/s.
    time : ndarray (n_time,)
        BTJD, days.
    period_days, t0_btjd, duration_hours : float
        The ephemeris (duration in hours).

    Returns
    -------
    dict
        :data:`REFERENCE_METRIC_KEYS`, plus ``depths_by_aperture_ppm`` (radius → ppm), ``depth_errs_ppm``,
        ``radii_px``, ``n_in_transit_cadences``, ``n_background_pixels``, ``background_annulus_radii_pixels``
        and ``flags`` (the reference's names). Depths NaN where no transit could be measured.
    """
    n_rows, n_cols = np.shape(flux)[1:]
    pix = pixel_matrix(flux) if pix is None else pix
    time = np.asarray(time, dtype=np.float64)
    sel = (lambda a: a) if rows is None or rows.all() else (lambda a: a[rows])  # noqa: E731
    cy, cx = (n_rows - 1) / 2.0, (n_cols - 1) / 2.0
    r_max = max(REFERENCE_RADII_PX)
    r_in, r_out = max(r_max + 1.0, 4.0), max(r_max + 1.0, 4.0) + 2.0
    fit = min(cy, cx, n_rows - 1 - cy, n_cols - 1 - cx)
    if r_out > fit:
        r_out, r_in = fit, max(fit - 2.0, r_max + 0.5)
    ann = annulus((n_rows, n_cols), cx, cy, r_in, r_out)
    n_bg = int(ann.sum())
    bg = _row_medians(sel(np.take(pix, np.flatnonzero(ann.ravel()), axis=1))) if n_bg >= 3 else np.zeros(len(time))
    masks = reference_masks((n_rows, n_cols))
    raw = sel(aperture_sums(pix, masks).T).T if raw is None else raw  # (n_radii, n_time)
    sub = raw - bg[None, :] * masks.reshape(len(masks), -1).sum(axis=1)[:, None]
    phase = (time - t0_btjd) % period_days
    phase = np.where(phase > period_days / 2.0, phase - period_days, phase)
    in_mask = np.abs(phase) <= duration_hours / 48.0
    epochs = _epochs(in_mask)
    depths = np.full(len(REFERENCE_RADII_PX), np.nan)
    per: list[list[float]] = [[] for _ in REFERENCE_RADII_PX]
    for g in epochs:
        local = (np.abs(time - time[g[g.size // 2]]) <= _BASELINE_DAYS) & ~in_mask
        if local.sum() < 5:
            continue
        for i in range(len(REFERENCE_RADII_PX)):
            use = sub[i] if np.median(sub[i, local]) > 0 else raw[i]
            base = np.median(use[local])
            if base > 0:
                per[i].append((1.0 - np.median(use[g]) / base) * 1e6)
    for i, v in enumerate(per):
        if v:
            depths[i] = float(np.mean(v))
    ok = np.isfinite(depths)
    d = depths[ok]
    radii = np.array(REFERENCE_RADII_PX)[ok]
    mean, std = (float(np.mean(d)), float(np.std(d))) if d.size else (np.nan, np.nan)
    cv = std / abs(mean) if d.size >= 2 and mean != 0 else 0.0
    stability = float(np.clip(np.exp(-1.4 * cv), 0.0, 1.0)) if d.size >= 2 else 1.0
    if d.size == 0:
        rec = 2.0
    elif stability > 0.7:
        rec = float(np.sort(radii)[radii.size // 2])
    else:
        rec = float(radii[int(np.argmin(np.abs(d - np.median(d))))])
    oot = ~in_mask
    mid = float(np.median(time))
    k = REFERENCE_RADII_PX.index(rec) if rec in REFERENCE_RADII_PX else 2
    early = float(np.median(sub[k, oot & (time < mid)])) if np.any(oot & (time < mid)) else np.nan
    late = float(np.median(sub[k, oot & (time >= mid)])) if np.any(oot & (time >= mid)) else np.nan
    drift = (late - early) / early if np.isfinite(early) and early != 0 else None
    flags = []
    if len(epochs) < 2:
        flags.append("low_n_transit_epochs")
    if int(in_mask.sum()) < 20:
        flags.append("low_n_in_transit_cadences")
    if n_bg < 3:
        flags.append("no_background_subtraction")
    elif n_bg < 10:
        flags.append("background_annulus_small")
    if np.any(d < 0):
        flags.append("negative_depths_present")
    small, large = (float(depths[0]), float(depths[-1]))
    return {
        "depth_ppm_aperture_min": small,
        "depth_ppm_aperture_max": large,
        "depth_variance_ppm2": float(np.var(d)) if d.size else np.nan,
        "stability_metric": stability,
        "recommended_aperture_pixels": rec,
        "aperture_depth_sign_flip": bool(np.isfinite(small) and np.isfinite(large) and small * large < 0),
        "n_transit_epochs": len(epochs),
        "drift_fraction_recommended": drift,
        "radii_px": list(REFERENCE_RADII_PX),
        "depths_by_aperture_ppm": {f"{r:g}": float(v) for r, v in zip(REFERENCE_RADII_PX, depths)},
        "depth_errs_ppm": [abs(float(v)) * cv for v in depths],
        "n_in_transit_cadences": int(in_mask.sum()),
        "n_background_pixels": n_bg,
        "background_annulus_radii_pixels": [float(r_in), float(r_out)],
        "flags": flags,
    }
