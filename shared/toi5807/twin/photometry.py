"""The twin's detector and pipeline: exposure, noise, apertures, background pixels, cotrending (SIMULATION).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .scene import Scene, render_cube, render_image

__all__ = ["EXPOSURE_S", "READ_NOISE_E", "N_READS", "APERTURE_MIN_TARGET_SHARE", "N_BACKGROUND_PIXELS",
           "APERTURE_SKY_E_PER_S", "pipeline_aperture", "aperture_fractions", "background_mask", "cotrend",
           "p2p_scatter_ppm"]


#: Effective exposure per 2-minute cadence, s (48 kept 1.98-s frames after cosmic-ray mitigation).
EXPOSURE_S: float = 48 * 1.98


#: Read noise per 2-s frame, e-; 48 frames are co-added.
READ_NOISE_E: float = 10.0


N_READS: int = 48


#: Pixels where the target gives less than this share of the stars' light are left out of the aperture (crowding).
APERTURE_MIN_TARGET_SHARE: float = 0.5


#: Background pixels: the faintest pixels of the noise-free image, this many.
N_BACKGROUND_PIXELS: int = 24


#: Sky level the aperture rule assumes, e-/s per pixel (it is chosen before the sector's noise is known).
APERTURE_SKY_E_PER_S: float = 200.0


def _target_image(scene: Scene) -> np.ndarray:
    t = scene.target
    return render_cube(np.array([[t.col]]), np.array([[t.row]]), np.array([[t.flux]]), scene.prf)[0]


def pipeline_aperture(scene: Scene, wander_px: float = 0.0, background_error_e_per_s: float = 0.0,
                      sky_e_per_s: float = APERTURE_SKY_E_PER_S) -> np.ndarray:
    """Simulated pipeline (optimal) aperture: the pixels that measure the target best over a sector.

    The rule: pixels are ranked by the target's flux and added one by one; the aperture is the prefix of
    ``k`` pixels that maximises the target's signal-to-noise, with three noise terms:

    * photon, sky and read noise of one cadence (grows like ``k``);
    * the error of the background estimate, common to every pixel, so it adds ``k·σ_b`` (grows like ``k²``
      in variance — it keeps apertures of bright stars compact);
    * the flux the aperture gains or loses when the pointing wanders by ``wander_px`` along columns and
      rows (``wander_px · |Σ ∂F/∂x|`` per axis) — it keeps the aperture edge off the PSF's steep flanks.

    Kepler's and TESS's pipelines choose optimal apertures from the PRF with the expected motion, background
    and crowding in the noise budget (Bryson et al. 2010, ApJL 713, L97; Smith et al. 2016, SPIE 9913). Pixels
    where the target contributes less than :data:`APERTURE_MIN_TARGET_SHARE` of the stars' light are left out
    (crowding). On the sector-83 twin this gives 24 pixels (the real SPOC aperture has 23).

    Parameters
    ----------
    scene : Scene
    wander_px : float
        Typical pointing excursion over the sector, pixels (the pointing model's drift amplitude).
    background_error_e_per_s : float
        1σ error of the per-cadence background estimate, e-/s per pixel (the background model's).
    sky_e_per_s : float
        Sky level per pixel assumed for the photon noise, e-/s.

    Returns
    -------
    ndarray of bool, shape of the stamp
    """
    tgt = _target_image(scene)
    total = render_image(scene)
    d = 0.02
    gx = (render_image(scene, dcol=d) - render_image(scene, dcol=-d)) / (2.0 * d)
    gy = (render_image(scene, drow=d) - render_image(scene, drow=-d)) / (2.0 * d)
    share = tgt / np.maximum(total - scene.background, 1e-9)
    var = (np.clip(total, 0, None) + sky_e_per_s) / EXPOSURE_S + _read_var()
    cand = np.flatnonzero((share >= APERTURE_MIN_TARGET_SHARE).ravel())
    order = cand[np.argsort(-tgt.ravel()[cand], kind="stable")]
    motion = wander_px ** 2 * (np.cumsum(gx.ravel()[order]) ** 2 + np.cumsum(gy.ravel()[order]) ** 2)
    common = (np.arange(1, order.size + 1) * background_error_e_per_s) ** 2
    snr = np.cumsum(tgt.ravel()[order]) / np.sqrt(np.cumsum(var.ravel()[order]) + common + motion)
    k = int(np.argmax(snr)) + 1
    mask = np.zeros(tgt.size, dtype=bool)
    mask[order[:k]] = True
    return mask.reshape(tgt.shape)


def aperture_fractions(scene: Scene, aperture: np.ndarray) -> tuple[float, float]:
    """SPOC's ``CROWDSAP`` and ``FLFRCSAP`` of an aperture, from the noise-free scene (stars only).

    Returns
    -------
    crowdsap : float
        The target's share of the stars' flux inside the aperture.
    flfrcsap : float
        The share of the target's total flux that falls inside the aperture.
    """
    tgt = _target_image(scene)
    stars = render_image(scene) - scene.background
    return float(tgt[aperture].sum() / stars[aperture].sum()), float(tgt[aperture].sum() / scene.target.flux)


def background_mask(scene: Scene, aperture: np.ndarray) -> np.ndarray:
    """Simulated background pixels: the :data:`N_BACKGROUND_PIXELS` faintest pixels outside the aperture."""
    img = render_image(scene).ravel().copy()
    img[aperture.ravel()] = np.inf
    mask = np.zeros(img.size, dtype=bool)
    mask[np.argsort(img, kind="stable")[:N_BACKGROUND_PIXELS]] = True
    return mask.reshape(aperture.shape)


def pixel_variance(image: np.ndarray, sky_e_per_s: Any, pixel_excess: float) -> np.ndarray:
    """Per-cadence variance of each pixel, (e-/s)²: photon noise of stars and sky, read noise, and an excess
    proportional to the pixel's flux.

    The excess (``pixel_excess · flux``, independent from pixel to pixel and cadence to cadence) stands for
    what the real pixels show beyond photon and read noise: image motion and focus changes within the
    2-minute sum, and pixel-response variations under them. On the real sector-83 file the brightest pixel,
    once its pointing signal is removed, scatters ≈ 1.5× its ``FLUX_ERR``; here the excess is fitted per sector
    to the real light curve's point-to-point scatter (``tools/calibrate_twin_noise.py``). ``FLUX_ERR`` does not
    include it, as SPOC's does not.
    """
    flux = np.clip(image, 0, None)
    return (flux + sky_e_per_s) / EXPOSURE_S + _read_var() + (pixel_excess * flux) ** 2


def _read_var() -> float:
    """Read-noise variance of one 2-minute pixel value, (e-/s)^2."""
    return N_READS * READ_NOISE_E ** 2 / EXPOSURE_S ** 2


def cotrend(flux: np.ndarray, regressors: np.ndarray, fit_mask: np.ndarray) -> np.ndarray:
    """Remove the part of an aperture light curve explained by known systematics.

    Least-squares regression of ``flux`` on a constant, the regressors, their squares and the product of
    the first two (pointing column × row), using only ``fit_mask`` cadences (out of transit, good quality),
    so a transit survives.

    Parameters
    ----------
    flux : ndarray, e-/s
    regressors : ndarray, shape (n, k)
        Known systematics per cadence, e.g. pointing offsets (pixels), PSF width scale, background estimate.
    fit_mask : ndarray of bool

    Returns
    -------
    ndarray
        Cotrended flux, e-/s (mean level kept).
    """
    r = np.asarray(regressors, dtype=np.float64)
    r = (r - r[fit_mask].mean(axis=0)) / np.maximum(r[fit_mask].std(axis=0), 1e-12)
    x = np.column_stack([np.ones(r.shape[0]), r, r * r, r[:, :1] * r[:, 1:2]])
    beta, *_ = np.linalg.lstsq(x[fit_mask], flux[fit_mask], rcond=None)
    return flux - x[:, 1:] @ beta[1:]

def p2p_scatter_ppm(flux: np.ndarray) -> float:
    """Point-to-point scatter of a light curve: 1.4826·MAD(successive differences)/√2, ppm of the median."""
    f = np.asarray(flux, dtype=np.float64)
    f = f[np.isfinite(f)] / np.nanmedian(f)
    d = np.diff(f)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0) * 1e6)
