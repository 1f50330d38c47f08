"""SIMULATION TRUTH for the V08 offsets: where the digital twin's stars really are.

These helpers exist only because the digital twin (:mod:`toi5807.twin`) is a
SIMULATION whose scene is known: they read the true positions of its stars
from the twin spec and WCS (:mod:`toi5807.twin_scene`) and compare the
measured source offset of :func:`toi5807.offsets.analyze_v08_offsets` with
them. Real TESS data have no such truth, so nothing here applies to them; the
offsets follow the conventions of :mod:`toi5807.sky` (Bryson et al. 2013,
arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import target as _target
from .offsets import V08OffsetAnalysis
from .report import json_safe
from .sky import SkyVector, vector_to_sky

__all__ = [
    "twin_true_offsets",
    "compare_with_truth",
    "twin_neighbour_offsets",
    "twin_true_pixel",
]


def twin_true_offsets(sectors: Any = None, *, which: str = "beb") -> dict[int, SkyVector]:
    """SIMULATION TRUTH: sky offset (arcsec) of a twin source from the target, per sector.

    Exists only because the digital twin is a SIMULATION (its scene is known);
    real data have no such truth. Positions come from the twin spec's scene and
    the twin's WCS (:mod:`toi5807.twin_scene`).

    Parameters
    ----------
    sectors : iterable of int, optional
        Default: all simulated sectors.
    which : {"beb"} or int
        ``"beb"`` — the neighbour that eclipses in ``scenario="background_eb"``; an int — that neighbour index.

    Returns
    -------
    dict
        sector -> :class:`SkyVector` (zero covariance) of (neighbour − target).
    """
    from . import twin
    from .twin_scene import make_wcs, scene_from_spec

    spec = twin.load_spec()
    secs = sorted(int(s) for s in spec["sectors"]) if sectors is None else [int(s) for s in sectors]
    out = {}
    for s in secs:
        sspec = spec["sectors"][str(s)]
        scene = scene_from_spec(sspec)
        idx = scene.beb_index if which == "beb" else int(which)
        nb = scene.neighbours[idx]
        wcs = make_wcs(_target.RA_DEG, _target.DEC_DEG, scene.target.col, scene.target.row,
                       float(sspec["geometry"]["roll_deg"]))
        off = (nb.col - scene.target.col, nb.row - scene.target.row)
        out[s] = vector_to_sky(off, np.zeros((2, 2)), wcs, (scene.target.col, scene.target.row),
                               label=f"sector {s} truth")
    return out


def compare_with_truth(analysis: V08OffsetAnalysis, truths: Any) -> dict[str, Any]:
    """SIMULATION TRUTH comparison of the combined source offset (twin only; real data have no truth).

    Exists only because the digital twin is a SIMULATION whose true source
    positions are known (:func:`twin_true_offsets`).

    The combination estimates ``(Σ Wᵢ)⁻¹ Σ Wᵢ tᵢ`` with Wᵢ the inverse
    covariances of the sectors' source offsets and tᵢ each sector's true
    offset — the true position itself when the source sits at one sky position
    in every sector.

    Parameters
    ----------
    analysis : V08OffsetAnalysis
    truths : mapping sector -> SkyVector
        From :func:`twin_true_offsets`.

    Returns
    -------
    dict
        ``true_offset_arcsec`` (weighted), ``estimate_arcsec``, ``difference_arcsec``,
        ``mahalanobis_sigma`` (2-D, with the combined covariance), ``angle_deg``
        between estimated and true directions, ``true_distance_arcsec``,
        ``true_offsets_by_sector_arcsec``.
    """
    if not isinstance(analysis, V08OffsetAnalysis):
        raise TypeError(f"analysis: expected V08OffsetAnalysis, got {type(analysis).__name__}")
    used = [s for s in analysis.sectors if s.source.usable and s.sector in truths]
    comb = analysis.combined_source_offset
    if not used or comb.n_used == 0:
        return json_safe({"mahalanobis_sigma": math.nan, "angle_deg": math.nan, "flags": ["no_usable_sectors"]},
                         sig=None)
    w = np.array([np.linalg.inv(np.asarray(s.source.offset_sky.covariance_arcsec2)) for s in used])
    t = np.array([truths[s.sector].vector_arcsec for s in used])
    cov = np.asarray(comb.covariance)
    true = cov @ np.einsum("nij,nj->i", w, t)
    est = np.asarray(comb.mean)
    diff = est - true
    norms = float(np.hypot(*est) * np.hypot(*true))
    cosang = float(est @ true) / norms if norms > 0 else math.nan
    return json_safe({
        "true_offset_arcsec": true, "estimate_arcsec": est, "difference_arcsec": diff,
        "mahalanobis_sigma": math.sqrt(float(diff @ np.linalg.solve(cov, diff))),
        "angle_deg": math.degrees(math.acos(max(-1.0, min(1.0, cosang)))) if math.isfinite(cosang) else math.nan,
        "true_distance_arcsec": float(np.hypot(*true)), "estimate_distance_arcsec": float(np.hypot(*est)),
        "true_offsets_by_sector_arcsec": {str(k): v.vector_arcsec for k, v in sorted(truths.items())},
    }, sig=None)


def twin_neighbour_offsets(sector: int = 82) -> dict[str, tuple[float, float]]:
    """SIMULATION TRUTH: sky offsets (east, north; arcsec) of every star of the twin's scene from the target.

    Exists only because the digital twin is a SIMULATION (its scene is known);
    real data have no such truth.

    Parameters
    ----------
    sector : int
        Scene to read (the twin's stars sit at fixed sky positions).

    Returns
    -------
    dict
        ``"neighbour <i>"`` (``"(eclipsing in background_eb)"`` appended for the BEB) -> (east, north).
    """
    from . import twin

    spec = twin.load_spec()["sectors"][str(int(sector))]
    beb = int(spec["scene"]["beb_index"])
    out = {}
    for i in range(len(spec["scene"]["neighbours"])):
        vec = twin_true_offsets([sector], which=i)[int(sector)].vector_arcsec
        out[f"neighbour {i}" + (" (eclipsing in background_eb)" if i == beb else "")] = vec
    return out


def twin_true_pixel(sector: int, which: Any = "beb") -> tuple[float, float]:
    """SIMULATION TRUTH: stamp pixel (column, row) of a twin neighbour (default: the eclipsing one).

    Exists only because the digital twin is a SIMULATION (its scene is known);
    real data have no such truth.
    """
    from . import twin
    from .twin_scene import scene_from_spec

    scene = scene_from_spec(twin.load_spec()["sectors"][str(int(sector))])
    nb = scene.neighbours[scene.beb_index if which == "beb" else int(which)]
    return (float(nb.col), float(nb.row))
