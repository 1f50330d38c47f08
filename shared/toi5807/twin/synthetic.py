"""Synthetic target-pixel stamps with a known centroid shift.

A small, documented generator for tests, benchmarks and tutorial users who want
to see what the V08 centroid check does on data with a known answer: a Gaussian
PSF on a stamp, white pixel noise, optional per-cadence pointing jitter, an
injected in-transit centroid shift (as a background eclipsing binary would
cause), cosmic-ray-like outliers and saturation-level fluxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.model import TPFStamp
from ..lightcurve import TransitParams, transit_window_masks

__all__ = ["make_synthetic_stamp"]


def make_synthetic_stamp(
    *,
    n_in: int = 30,
    n_out: int = 200,
    shift_pixels: tuple[float, float] = (0.0, 0.0),
    shape: tuple[int, int] = (11, 11),
    psf_sigma: float = 1.5,
    peak_flux: float = 10000.0,
    noise: float = 30.0,
    jitter_pixels: float = 0.0,
    depth: float = 0.0,
    outlier_fraction: float = 0.0,
    outlier_flux: float = 5.0e5,
    outlier_offset: tuple[int, int] = (2, 0),
    n_transits: int = 4,
    transit_params: TransitParams | None = None,
    time: Any = None,
    seed: int = 0,
    sector: int = 1,
) -> tuple[TPFStamp, TransitParams]:
    """Build a synthetic stamp with an injected in-transit centroid shift.

    Parameters
    ----------
    n_in, n_out : int
        Exact numbers of in-transit and out-of-transit cadences (window policy
        v1 with the default k_in, k_buffer) spread over ``n_transits`` transits.
        Ignored when ``time`` is given.
    shift_pixels : (float, float)
        (dx, dy) = (column, row) displacement of the PSF during in-transit
        cadences, pixels — the centroid shift to recover.
    shape : (int, int)
        (n_rows, n_cols) of the stamp; the star sits at its centre.
    psf_sigma : float
        Gaussian PSF width, pixels.
    peak_flux : float
        PSF peak, e-/s (> 150 000 to trigger the saturation flag).
    noise : float
        White per-pixel noise, e-/s (1σ).
    jitter_pixels : float
        1σ per-axis random pointing offset of each cadence, pixels.
    depth : float
        Fractional transit depth applied to in-transit cadences.
    outlier_fraction : float
        ``round(outlier_fraction · n_cadences)`` cadences, chosen among the
        in-transit ones, get a cosmic-ray-like hit of ``outlier_flux`` (e-/s) in
        the pixel ``outlier_offset`` (columns, rows) from the star.
    n_transits : int
        Transits over which the cadences are spread.
    transit_params : TransitParams, optional
        Default: period 3 d, T0 1.5 BTJD, duration 2 h.
    time : array_like, optional
        Use these BTJD times instead of the constructed grid.
    seed : int
        Seed of the random generator.
    sector : int
        Sector recorded in the stamp.

    Returns
    -------
    stamp : TPFStamp
    transit_params : TransitParams
    """
    rng = np.random.default_rng(seed)
    tp = transit_params if transit_params is not None else TransitParams(3.0, 1.5, 2.0)
    d = tp.duration_days
    if time is None:
        if n_in < 0 or n_out < 0 or n_in + n_out == 0 or n_transits < 1:
            raise ValueError("n_in, n_out: expected non-negative counts with n_in + n_out > 0, n_transits >= 1")
        k = np.arange(n_in)
        in_t = tp.t0 + (k % n_transits) * tp.period + np.linspace(-0.45 * d, 0.45 * d, max(n_in, 1))[:n_in]
        lo, hi = 1.05 * d, tp.period - 1.05 * d
        frac = (np.arange(n_out) + 0.5) / max(n_out, 1)
        pos = frac * n_transits
        out_t = tp.t0 + np.floor(pos) * tp.period + lo + (pos - np.floor(pos)) * (hi - lo)
        t = np.sort(np.concatenate([in_t, out_t]))
    else:
        t = np.asarray(time, dtype=np.float64)
    n = t.size
    in_mask, _ = transit_window_masks(t, tp)
    nr, nc = shape
    x0 = np.full(n, (nc - 1) / 2.0)
    y0 = np.full(n, (nr - 1) / 2.0)
    if jitter_pixels > 0:
        x0 += rng.normal(0.0, jitter_pixels, n)
        y0 += rng.normal(0.0, jitter_pixels, n)
    x0[in_mask] += shift_pixels[0]
    y0[in_mask] += shift_pixels[1]
    amp = np.where(in_mask, peak_flux * (1.0 - depth), peak_flux)
    gx = np.exp(-0.5 * ((np.arange(nc)[None, :] - x0[:, None]) / psf_sigma) ** 2)
    gy = np.exp(-0.5 * ((np.arange(nr)[None, :] - y0[:, None]) / psf_sigma) ** 2)
    flux = np.einsum("t,ti,tj->tij", amp, gy, gx)
    if noise > 0:
        flux += rng.normal(0.0, noise, flux.shape)
    n_outliers = int(round(outlier_fraction * n))
    if n_outliers:
        candidates = np.flatnonzero(in_mask)
        hit = rng.choice(candidates, size=min(n_outliers, candidates.size), replace=False)
        r = int(np.clip(round((nr - 1) / 2.0) + outlier_offset[1], 0, nr - 1))
        c = int(np.clip(round((nc - 1) / 2.0) + outlier_offset[0], 0, nc - 1))
        flux[hit, r, c] += outlier_flux
    stamp = TPFStamp(time=t, flux=flux, quality=np.zeros(n, dtype=np.int32), sector=sector)
    return stamp, tp
