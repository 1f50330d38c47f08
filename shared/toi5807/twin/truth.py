"""SIMULATION TRUTH: where the digital twin's stars really are.

These helpers exist only because the digital twin (:mod:`toi5807.twin`) is a
SIMULATION whose scene is known: they read the true positions of its stars
from the twin spec and WCS (:mod:`toi5807.twin.scene`), for comparison with
what the vetting measures (:func:`toi5807.centroid.offsets.compare_with_truth`).
Real TESS data have no such truth, so nothing here applies to them; offsets
follow the conventions of :mod:`toi5807.data.geometry` (east = ΔRA·cosDec,
north = ΔDec, arcsec).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import target as _target
from ..data.geometry import SkyVector, vector_to_sky
from .geometry import catalogue_from_spec, offsets_to_radec, sector_scene
from .spec import load_spec

__all__ = [
    "twin_catalogue",
    "twin_true_offsets",
    "twin_neighbour_offsets",
    "twin_true_pixel",
]


def twin_true_offsets(sectors: Any = None, *, which: Any = "beb") -> dict[int, SkyVector]:
    """SIMULATION TRUTH: sky offset (arcsec) of a twin star from the target, per sector.

    Exists only because the digital twin is a SIMULATION (its scene is known); real data have no such
    truth. The star sits at one sky position (the twin's catalogue); per sector the offset goes through that
    sector's stamp WCS, as a measured offset would.

    Parameters
    ----------
    sectors : iterable of int, optional
        Default: all simulated sectors.
    which : {"beb"} or int
        ``"beb"`` — the catalogue star that eclipses in ``scenario="background_eb"``; an int — that
        neighbour's index in the sector's scene.

    Returns
    -------
    dict
        sector -> :class:`SkyVector` (zero covariance) of (star − target).
    """
    spec = load_spec()
    secs = sorted(int(s) for s in spec["sectors"]) if sectors is None else [int(s) for s in sectors]
    out = {}
    for s in secs:
        scene, wcs = sector_scene(spec, s)
        nb = scene.neighbours[scene.beb_index if which == "beb" else int(which)]
        off = (nb.col - scene.target.col, nb.row - scene.target.row)
        out[s] = vector_to_sky(off, np.zeros((2, 2)), wcs, (scene.target.col, scene.target.row),
                               label=f"sector {s} truth")
    return out


def twin_neighbour_offsets(sector: int = 82) -> dict[str, tuple[float, float]]:
    """SIMULATION TRUTH: sky offsets (east, north; arcsec) of every catalogue star of the twin from the target.

    Exists only because the digital twin is a SIMULATION (its scene is known); real data have no such truth.

    Parameters
    ----------
    sector : int
        Sector whose WCS carries the offsets (the stars have one sky position; sectors agree to < 0.01″).

    Returns
    -------
    dict
        star name (``"(eclipsing in background_eb)"`` appended for the BEB host) -> (east, north).
    """
    spec = load_spec()
    stars = catalogue_from_spec(spec)
    out = {}
    for i, star in enumerate(stars):
        vec = twin_true_offsets([sector], which=i)[int(sector)].vector_arcsec
        out[star.name + (" (eclipsing in background_eb)" if star.eclipsing else "")] = vec
    return out


def twin_true_pixel(sector: int, which: Any = "beb") -> tuple[float, float]:
    """SIMULATION TRUTH: stamp pixel (column, row) of a twin catalogue star (default: the eclipsing one).

    Exists only because the digital twin is a SIMULATION (its scene is known); real data have no such truth.
    """
    scene, _ = sector_scene(load_spec(), int(sector))
    nb = scene.neighbours[scene.beb_index if which == "beb" else int(which)]
    return (float(nb.col), float(nb.row))


#: Name of the twin's neighbour that eclipses in the ``background_eb`` scenario (the spec's name for it).
BEB_HOST_NAME = "background EB host"


def twin_catalogue(sectors: Any = None, scenario: str | None = None) -> Any:
    """SIMULATION TRUTH: the twin's star catalogue (target first), as a Gaia/TIC query would list it.

    Exists only because the digital twin is a SIMULATION (its scene is known); it plays the role a
    Gaia/TIC query plays for real data. The stars are the twin's one sky catalogue
    (:func:`toi5807.twin.geometry.catalogue_from_spec`): the same RA/Dec in every sector.

    Parameters
    ----------
    sectors : iterable of int, optional
        Sectors whose target flux sets the catalogue fluxes (median; default: all simulated sectors).
    scenario : str, optional
        The twin's scenario: outside ``"background_eb"`` the neighbour that eclipses in that scenario is a
        plain constant star and is named ``"neighbour N"`` like the others (N: its place in the catalogue);
        default (None): the spec's name.

    Returns
    -------
    toi5807.data.catalogue.Catalogue
        ``simulated=True``; fluxes in e-/s (each star's flux ratio times the target's).
    """
    from ..data.catalogue import Catalogue, Star

    spec = load_spec()
    secs = sorted(int(s) for s in spec["sectors"]) if sectors is None else [int(s) for s in sectors]
    f0 = float(np.median([spec["sectors"][str(s)]["scene"]["target"]["flux"] for s in secs]))
    cat = catalogue_from_spec(spec)
    ra, dec = offsets_to_radec([c.east_arcsec for c in cat], [c.north_arcsec for c in cat])
    stars = [Star("target", _target.RA_DEG, _target.DEC_DEG, flux_e_per_s=f0)]
    def name(i: int, c: Any) -> str:
        if scenario is not None and scenario != "background_eb" and c.name == BEB_HOST_NAME:
            return f"neighbour {i}"
        return c.name

    stars += [Star(name(i, c), float(a), float(d), flux_e_per_s=f0 * c.flux_ratio)
              for i, (c, a, d) in enumerate(zip(cat, ra, dec), start=1)]
    return Catalogue(tuple(stars), origin="twin catalogue (SIMULATION)", simulated=True,
                     notes=(f"one sky position per star; fluxes for sectors {secs}",))
