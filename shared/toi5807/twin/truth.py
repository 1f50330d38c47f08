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
    "twin_catalogue",
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


def twin_catalogue(sectors: Any = None, *, match_arcsec: float = 2.0):
    """SIMULATION TRUTH: the twin's star catalogue (target first), sky positions from the scene through the twin WCS.

    Exists only because the digital twin is a SIMULATION (its scene is known);
    it plays the role a Gaia/TIC query plays for real data. Stars of every
    sector's scene are projected to the sky through that sector's WCS and
    merged when they fall within ``match_arcsec`` of each other. Labels are
    ``"target"`` and ``"neighbour <i>"`` (i = index in the first sector's
    scene holding the star; ``"neighbour <i> (s<N>)"`` when that label is taken).

    Parameters
    ----------
    sectors : iterable of int, optional
        Default: all simulated sectors.
    match_arcsec : float
        Stars closer than this on the sky are one star.

    Returns
    -------
    toi5807.data.catalogue.Catalogue
        ``simulated=True``; fluxes in e-/s (the scene's).
    """
    from ..data.catalogue import Catalogue, Star
    from .scene import make_wcs, scene_from_spec
    from .spec import load_spec

    spec = load_spec()
    secs = sorted(int(s) for s in spec["sectors"]) if sectors is None else [int(s) for s in sectors]
    stars = [Star("target", _target.RA_DEG, _target.DEC_DEG, flux_e_per_s=float("nan"))]
    pos: list[tuple[float, float]] = [(0.0, 0.0)]
    target_flux = []
    for s in secs:
        sspec = spec["sectors"][str(s)]
        scene = scene_from_spec(sspec)
        target_flux.append(scene.target.flux)
        wcs = make_wcs(_target.RA_DEG, _target.DEC_DEG, scene.target.col, scene.target.row,
                       float(sspec["geometry"]["roll_deg"]))
        for i, nb in enumerate(scene.neighbours):
            ra, dec = (float(v) for v in wcs.pixel_to_world_values(nb.col, nb.row))
            star = Star(f"neighbour {i}", ra, dec, flux_e_per_s=float(nb.flux))
            off = star.offset_arcsec(_target.RA_DEG, _target.DEC_DEG)
            if any(np.hypot(off[0] - p[0], off[1] - p[1]) < match_arcsec for p in pos):
                continue
            if any(x.label == star.label for x in stars):
                star = Star(f"neighbour {i} (s{s})", ra, dec, flux_e_per_s=float(nb.flux))
            stars.append(star)
            pos.append(off)
    stars[0] = Star("target", _target.RA_DEG, _target.DEC_DEG, flux_e_per_s=float(np.median(target_flux)))
    return Catalogue(tuple(stars), origin="twin scene (SIMULATION)", simulated=True,
                     notes=(f"sectors {secs}, merged within {match_arcsec:g} arcsec",))
