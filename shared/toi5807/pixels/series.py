"""Per-cadence centroid series of a stamp: one vectorised pass over the cube.

The first step of the V08 pipeline: validate the cube, time and quality
arrays, and compute in one chunked pass the flux-weighted centroid, total flux,
finite-pixel count and maximum of every cadence, together with the summed
images of chosen cadence groups (for the mean in/out-of-transit images).
Also the data-quality gates of the design note: cadence-count confidence
(§4.3) and saturation (§4.4).

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..data.validate import check_cube
from .quality import (
    REFERENCE_CADENCE_S,
    cadences_for,
    WARN_IN_TRANSIT_CADENCES,
    WARN_OUT_TRANSIT_CADENCES,
    resolve_quality_bitmask,
)

__all__ = [
    "flux_weighted_centroids",
    "cadence_confidence",
    "detect_saturation",
]


_CHUNK_CADENCES = 4096


@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def _cube_pass(flux: np.ndarray, groups: tuple[np.ndarray, ...] = ()) -> dict[str, Any]:
    """One chunked, vectorised pass: per-cadence centroids, totals, maxima, group sums.

    Each chunk of 4096 cadences gives its frames' moments (total, Σ col·F, Σ row·F; one dot product per
    frame) and the groups' summed images (a matrix-vector product each). No per-cadence Python loop.
    """
    n, nr, nc = flux.shape
    npix = nr * nc
    col_of = np.tile(np.arange(nc, dtype=np.float64), nr)  # each pixel's column and row, raster order
    row_of = np.repeat(np.arange(nr, dtype=np.float64), nc)
    cx = np.empty(n)
    cy = np.empty(n)
    tot = np.empty(n)
    ok = np.empty(n, dtype=bool)
    nfin = np.empty(n, dtype=np.int64)
    fmax = np.full(n, -np.inf)
    sums = np.zeros((len(groups), npix))
    cnts = np.zeros((len(groups), npix))
    for s in range(0, n, _CHUNK_CADENCES):
        f = flux[s : s + _CHUNK_CADENCES].reshape(-1, npix)
        m = f.shape[0]
        fin = np.isfinite(f)
        all_finite = bool(fin.all())
        if all_finite:
            w = np.maximum(f, 0.0)
            nfin[s : s + m] = npix
            fmax[s : s + m] = f.max(axis=1) if npix else -np.inf
        else:
            w = np.where(fin, f, 0.0)
            np.maximum(w, 0.0, out=w)
            nfin[s : s + m] = fin.sum(axis=1)
            fmax[s : s + m] = np.max(np.where(fin, f, -np.inf), axis=1)
        peak = float(w.max(initial=0.0))
        scale = 1.0 / peak if peak > 1e150 else 1.0  # keep sums of huge values finite
        if scale != 1.0:
            w *= scale
        # the frames' zeroth and first moments as plain row sums (not BLAS or einsum, whose rounding can depend on
        # where a frame sits in memory: identical frames must give identical centroids)
        mom = (w.sum(axis=1), (w * col_of).sum(axis=1), (w * row_of).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            cx[s : s + m] = mom[1] / mom[0]
            cy[s : s + m] = mom[2] / mom[0]
        ok[s : s + m] = mom[0] > 0
        tot[s : s + m] = np.minimum(mom[0] / scale, np.finfo(np.float64).max)
        finite = f if all_finite else np.where(fin, f, 0.0)
        for g, sel in enumerate(groups):
            pick = sel[s : s + m]
            sums[g] += pick.astype(np.float64) @ finite  # a matrix-vector product: the picked frames' sum
            cnts[g] += np.count_nonzero(pick) if all_finite else pick.astype(np.float64) @ fin  # counts, not any()
    bad = ~ok | ~np.isfinite(cx) | ~np.isfinite(cy)
    cx[bad] = np.nan
    cy[bad] = np.nan
    return {
        "cx": cx, "cy": cy, "total": tot, "n_finite": nfin, "max": fmax,
        "sums": [sums[g].reshape(nr, nc) for g in range(len(groups))],
        "counts": [cnts[g].reshape(nr, nc) for g in range(len(groups))],
    }


def _quality_ok(quality: Any, n: int, bitmask: int | str) -> np.ndarray:
    """Cadences passing the quality bitmask (all True without ``quality``); validates ``quality``."""
    if quality is None:
        return np.ones(n, dtype=bool)
    q = np.asarray(quality)
    if q.dtype == object or q.dtype.kind not in "iub" or q.shape != (n,):
        raise TypeError(f"quality: expected an integer array of shape ({n},), got dtype {q.dtype} shape {q.shape}")
    return (q.astype(np.int64) & resolve_quality_bitmask(bitmask)) == 0


def flux_weighted_centroids(flux_cube: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-cadence flux-weighted centroids of a stamp cube, vectorised over cadences.

    Non-finite pixels are ignored and negative fluxes clipped to 0 before
    weighting; a cadence with no positive finite flux gets NaN.

    Parameters
    ----------
    flux_cube : array_like, shape (n_time, n_rows, n_cols)
        Pixel fluxes, e-/s.

    Returns
    -------
    cx, cy : ndarray, shape (n_time,)
        Column (x) and row (y) centroids, stamp pixels.
    """
    out = _cube_pass(check_cube(flux_cube))
    return out["cx"], out["cy"]


def cadence_confidence(n_in: int, n_out: int, min_in: int = 5, min_out: int = 20,
                       cadence_s: float = REFERENCE_CADENCE_S) -> tuple[float, list[str]]:
    """Data-quality confidence and warnings from cadence counts (design note §4.3).

    Every threshold is stated in 2-minute cadences and applied as the same duration of ``cadence_s`` data
    (:func:`~toi5807.pixels.quality.cadences_for`): 20-second and full-frame-image data are judged by hours of
    data, not by counts.

    Returns
    -------
    confidence : float
        0.2 (n_in < min_in), 0.3 (n_out < min_out), else 0.5 / 0.7 / 0.85 for
        n_in < 10 / < 20 / ≥ 20, times 0.9 when n_out < 50 (2-minute-cadence equivalents).
    warnings : list of str
    """
    c = lambda n: cadences_for(n, cadence_s)  # noqa: E731
    if n_in < c(min_in):
        return 0.2, ["low_n_in_transit"]
    if n_out < c(min_out):
        return 0.3, ["low_n_out_transit"]
    warnings: list[str] = []
    if n_in < c(WARN_IN_TRANSIT_CADENCES):
        warnings.append("marginal_n_in_transit")
        base = 0.5
    elif n_in < c(20):
        base = 0.7
    else:
        base = 0.85
    if n_out < c(WARN_OUT_TRANSIT_CADENCES):
        warnings.append("marginal_n_out_transit")
        base *= 0.9
    return base, warnings


def detect_saturation(max_flux: float, threshold: float = 150000.0) -> tuple[bool, float]:
    """Saturation risk (design note §4.4): (max pixel flux / threshold > 1, that fraction)."""
    frac = max_flux / threshold if np.isfinite(max_flux) else math.nan
    return bool(frac > 1.0), frac
