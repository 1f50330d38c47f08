"""The twin's detector and pipeline: exposure, noise, apertures, background pixels, cotrending (SIMULATION).
"""

from __future__ import annotations

import numpy as np

from .scene import Scene, render_cube, render_image

__all__ = ["EXPOSURE_S", "READ_NOISE_E", "N_READS", "APERTURE_MIN_TARGET_SHARE", "N_BACKGROUND_PIXELS",
           "pipeline_aperture", "background_mask", "cotrend", "p2p_scatter_ppm"]


#: Effective exposure per 2-minute cadence, s (48 kept 1.98-s frames after cosmic-ray mitigation).
EXPOSURE_S: float = 48 * 1.98


#: Read noise per 2-s frame, e-; 48 frames are co-added.
READ_NOISE_E: float = 10.0


N_READS: int = 48


#: Pixels with a target share below this are left out of the pipeline aperture (crowding).
APERTURE_MIN_TARGET_SHARE: float = 0.98


#: Background pixels: the faintest pixels of the noise-free image, this many.
N_BACKGROUND_PIXELS: int = 24


# ------------------------------------------------------------------ apertures and noise
def pipeline_aperture(scene: Scene, sky_e_per_s: float = 200.0) -> np.ndarray:
    """Simulated pipeline (optimal) aperture: pixels maximising the target's SNR, crowded pixels left out.

    Pixels are added in order of decreasing target flux while the target's
    photometric SNR (photon + sky + read noise) grows; pixels whose target share
    of the flux is below :data:`APERTURE_MIN_TARGET_SHARE` are excluded (as a
    crowding-aware pipeline does).

    Parameters
    ----------
    scene : Scene
    sky_e_per_s : float
        Sky level per pixel assumed for the SNR, e-/s.

    Returns
    -------
    ndarray of bool, shape (13, 11)
    """
    tgt = render_cube(np.array([[scene.target.col]]), np.array([[scene.target.row]]),
                      np.array([[scene.target.flux]]), scene.prf)[0]
    total = render_image(scene)
    share = tgt / np.maximum(total, 1e-9)
    var = (np.clip(total, 0, None) + sky_e_per_s) / EXPOSURE_S + N_READS * READ_NOISE_E ** 2 / EXPOSURE_S ** 2
    cand = np.flatnonzero((share >= APERTURE_MIN_TARGET_SHARE).ravel())
    order = cand[np.argsort(-tgt.ravel()[cand], kind="stable")]
    snr = np.cumsum(tgt.ravel()[order]) / np.sqrt(np.cumsum(var.ravel()[order]))
    k = int(np.argmax(snr)) + 1
    mask = np.zeros(tgt.size, dtype=bool)
    mask[order[:k]] = True
    return mask.reshape(tgt.shape)


def background_mask(scene: Scene, aperture: np.ndarray) -> np.ndarray:
    """Simulated background pixels: the :data:`N_BACKGROUND_PIXELS` faintest pixels outside the aperture."""
    img = render_image(scene).ravel().copy()
    img[aperture.ravel()] = np.inf
    mask = np.zeros(img.size, dtype=bool)
    mask[np.argsort(img, kind="stable")[:N_BACKGROUND_PIXELS]] = True
    return mask.reshape(aperture.shape)


def _read_var() -> float:
    """Read-noise variance of one 2-minute pixel value, (e-/s)^2."""
    return N_READS * READ_NOISE_E ** 2 / EXPOSURE_S ** 2


def _sky_level(image: np.ndarray, aperture: np.ndarray, n_bkg: int, scatter_ppm: float) -> float:
    """Sky level (e-/s per pixel) that gives the aperture sum the requested per-cadence scatter.

    Aperture variance = Σ_ap (S + B)/t + n_ap·r² + n_ap²/n_bkg·(B/t + r²) (photon, sky,
    read noise and the background estimate's noise), solved for B; at least 1 e-/s.
    """
    s_ap = float(np.clip(image[aperture], 0, None).sum())
    n_ap = int(aperture.sum())
    want = (scatter_ppm * 1e-6 * float(image[aperture].sum())) ** 2
    k = n_ap + n_ap ** 2 / n_bkg
    b = EXPOSURE_S * ((want - s_ap / EXPOSURE_S) / k - _read_var())
    return max(b, 1.0)


def cotrend(flux: np.ndarray, dcol: np.ndarray, drow: np.ndarray, fit_mask: np.ndarray) -> np.ndarray:
    """Remove the pointing-correlated part of an aperture light curve.

    Least-squares regression of ``flux`` on ``[1, dcol, drow, dcol², drow², dcol·drow]``
    using only ``fit_mask`` cadences (out of transit, good quality), so a transit survives.

    Parameters
    ----------
    flux : ndarray, e-/s
    dcol, drow : ndarray
        Pointing offsets, pixels.
    fit_mask : ndarray of bool

    Returns
    -------
    ndarray
        Cotrended flux, e-/s (mean level kept).
    """
    x = np.column_stack([np.ones_like(dcol), dcol, drow, dcol * dcol, drow * drow, dcol * drow])
    beta, *_ = np.linalg.lstsq(x[fit_mask], flux[fit_mask], rcond=None)
    return flux - x[:, 1:] @ beta[1:]


def p2p_scatter_ppm(flux: np.ndarray) -> float:
    """Point-to-point scatter of a light curve: 1.4826·MAD(successive differences)/√2, ppm of the median."""
    f = np.asarray(flux, dtype=np.float64)
    f = f[np.isfinite(f)] / np.nanmedian(f)
    d = np.diff(f)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0) * 1e6)
