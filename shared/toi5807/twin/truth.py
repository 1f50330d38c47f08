"""SIMULATION TRUTH: where the digital twin's stars really are.

These helpers exist only because the digital twin (:mod:`toi5807.twin`) is a
SIMULATION whose scene is known: they read the true positions of its stars
from the twin spec and WCS (:mod:`toi5807.twin.scene`), for comparison with
what the vetting measures (:func:`toi5807.v08.offsets.compare_with_truth`).
Real TESS data have no such truth, so nothing here applies to them; offsets
follow the conventions of :mod:`toi5807.data.geometry` (east = ΔRA·cosDec,
north = ΔDec, arcsec).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import target as _target
from ..data.geometry import SkyVector, vector_to_sky

__all__ = [
    "twin_true_offsets",
    "twin_neighbour_offsets",
    "twin_true_pixel",
]


def twin_true_offsets(sectors: Any = None, *, which: str = "beb") -> dict[int, SkyVector]:
    """SIMULATION TRUTH: sky offset (arcsec) of a twin source from the target, per sector.

    Exists only because the digital twin is a SIMULATION (its scene is known);
    real data have no such truth. Positions come from the twin spec's scene and
    the twin's WCS (:mod:`toi5807.twin.scene`).

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
    from .scene import make_wcs, scene_from_spec
    from .spec import load_spec

    spec = load_spec()
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
    from .spec import load_spec

    spec = load_spec()["sectors"][str(int(sector))]
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
    from .scene import scene_from_spec
    from .spec import load_spec

    scene = scene_from_spec(load_spec()["sectors"][str(int(sector))])
    nb = scene.neighbours[scene.beb_index if which == "beb" else int(which)]
    return (float(nb.col), float(nb.row))
