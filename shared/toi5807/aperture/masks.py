"""Aperture masks of a stamp and their per-cadence sums, all masks in one matrix product.

Pixel coordinates follow :mod:`toi5807.pixels.prf`: 0-based pixel centres, ``col`` (x) and ``row`` (y).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["circle", "annulus", "aperture_family", "pixel_matrix", "aperture_sums", "moment_weights",
           "decorrelate_pointing"]


def circle(shape: tuple[int, int], col: float, row: float, radius: float) -> np.ndarray:
    """Pixels whose centres lie within ``radius`` pixels of (col, row); bool (rows, cols)."""
    r, c = np.ogrid[: shape[0], : shape[1]]
    return (r - row) ** 2 + (c - col) ** 2 <= radius ** 2


def annulus(shape: tuple[int, int], col: float, row: float, r_in: float, r_out: float) -> np.ndarray:
    """Pixels with centres at ``r_in < distance <= r_out`` pixels from (col, row); bool (rows, cols)."""
    r, c = np.ogrid[: shape[0], : shape[1]]
    d2 = (r - row) ** 2 + (c - col) ** 2
    return (d2 > r_in ** 2) & (d2 <= r_out ** 2)


def aperture_family(good: np.ndarray, pipeline: np.ndarray | None, target_xy: tuple[float, float],
                    stars_xy: dict[str, tuple[float, float]]) -> tuple[np.ndarray, list[str]]:
    """The apertures V10 compares: the pipeline aperture shrunk and grown, circles on the target and on each star.

    Parameters
    ----------
    good : ndarray of bool (rows, cols)
        Usable pixels (every mask is restricted to them).
    pipeline : ndarray of bool (rows, cols) or None
        The pipeline (SPOC) aperture; without it a 2.5-px circle on the target stands in.
    target_xy : (float, float)
        Target (col, row), stamp pixels.
    stars_xy : dict of str → (col, row)
        The other candidate hosts inside the stamp.

    Returns
    -------
    masks : ndarray of bool (n_apertures, rows, cols)
        Distinct, non-empty masks.
    names : list of str
        One per mask (``"pipeline"``, ``"pipeline -1"``, ``"pipeline +1"``, ``"target r=1.5"``, ``"<star> r=1.2"``).
    """
    from scipy.ndimage import binary_dilation, binary_erosion

    shape = good.shape
    tx, ty = target_xy
    base = pipeline if pipeline is not None and pipeline.any() else circle(shape, tx, ty, 2.5)
    cands: list[tuple[str, np.ndarray]] = []
    shrunk = binary_erosion(base)
    if shrunk.any():
        cands.append(("pipeline -1", shrunk))
    cands += [("pipeline", base), ("pipeline +1", binary_dilation(base)),
              ("pipeline +2", binary_dilation(base, iterations=2))]
    cands += [(f"target r={r:g}", circle(shape, tx, ty, r)) for r in (1.0, 1.5, 2.5)]
    for label, (x, y) in stars_xy.items():
        cands += [(f"{label} r={r:g}", circle(shape, x, y, r)) for r in (1.0, 1.6)]
    masks, names, seen = [], [], set()
    for name, m in cands:
        m = np.asarray(m, dtype=bool) & good
        key = m.tobytes()
        if m.any() and key not in seen:
            seen.add(key)
            masks.append(m)
            names.append(name)
    return np.array(masks, dtype=bool).reshape(len(masks), *shape), names


def pixel_matrix(flux: Any) -> np.ndarray:
    """The cube as a (n_time, n_pixels) float64 matrix, non-finite values set to 0 (one pass over the cube)."""
    f = np.asarray(flux, dtype=np.float64).reshape(len(flux), -1)
    finite = np.isfinite(f)
    return f if finite.all() else np.where(finite, f, 0.0)


def aperture_sums(pix: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per-cadence sums of every mask: one (masks × pixels) @ (pixels × cadences) product.

    Parameters
    ----------
    pix : ndarray (n_time, n_pixels)
        e-/s, finite (:func:`pixel_matrix`).
    masks : ndarray of bool (n_masks, rows, cols)

    Returns
    -------
    ndarray (n_masks, n_time), e-/s
    """
    return masks.reshape(len(masks), -1).astype(np.float64) @ pix.T


def moment_weights(shape: tuple[int, int]) -> np.ndarray:
    """Rows (3, n_pixels) whose products with a frame give Σ col·F, Σ row·F and Σ F (the centroid's moments)."""
    rr, cc = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
    return np.stack([cc, rr, np.ones_like(cc)]).astype(np.float64)


def decorrelate_pointing(sums: np.ndarray, moments: np.ndarray,
                         fit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aperture sums with the flux that follows the pointing removed (first and second order in the stamp's
    flux-weighted centroid), fitted on the cadences ``fit`` (out of transit) for all apertures at once.

    A dip on the target or a faint neighbour moves the whole-stamp centroid by milli-pixels at most, far less than
    the pointing wander the regression removes; each aperture keeps its mean.

    Parameters
    ----------
    sums : ndarray (n_apertures, n_time)
        e-/s.
    moments : ndarray (3, n_time)
        The stamp's :func:`moment_weights` products per cadence.
    fit : ndarray of bool (n_time,)

    Returns
    -------
    (ndarray (n_apertures, n_time), ndarray (2, n_apertures), ndarray (3,))
        The corrected sums; each aperture's removed slope per pixel of centroid motion (col, row; e-/s per pixel);
        the median centroid (col, row) and the mean stamp sum (e-/s), which say how a source's own dimming moves
        the centroid and so how much of its dip the correction removes (the host model takes the same part away).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        xy = np.nan_to_num((moments[:2] / moments[2:]).T)
    centre = np.median(xy[fit], axis=0)
    xy -= centre
    x, y = xy[:, 0], xy[:, 1]
    design = np.stack([x, y, x * x, y * y, x * y, np.ones_like(x)], axis=1)
    a = design * fit[:, None]  # normal equations over the fit cadences (6 × 6): no copy of the series
    coef = np.linalg.lstsq(a.T @ design, a.T @ sums.T, rcond=None)[0]
    terms = design[:, :5] - design[fit, :5].mean(axis=0)  # centred on the fit cadences: each aperture keeps its mean
    return sums - (terms @ coef[:5]).T, coef[:2], np.array([*centre, float(moments[2, fit].mean())])
