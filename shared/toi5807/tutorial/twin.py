"""How real is the digital twin? The tables of step 10: geometry, catalogue, and twin-versus-real noise.

Everything here describes the SIMULATION and says so in its titles. The real sector-83 numbers shown are the
noise levels the twin's noise model was fitted to (stored as derived facts in the twin's spec by
``tools/calibrate_twin_noise.py``; no value of the real file is stored).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import target
from ..data.geometry import wcs_orientation
from ..data.model import TPFStamp
from ..twin.background import background_model
from ..twin.geometry import catalogue_from_spec, sector_scene
from ..twin.photometry import aperture_fractions, pipeline_aperture
from ..twin.pointing import pointing_model
from ..twin.simulate import simulate_sector
from ..twin.spec import load_spec
from ..pixels.stamp_noise import STATISTICS, stamp_noise
from .display import Table, table
from .summaries import run_v08_by_sector

__all__ = ["twin_geometry_table", "twin_catalogue_table", "twin_realism_table", "eb_signature_table"]


def twin_geometry_table() -> Table:
    """Per sector: camera and CCD, the stamp's pixel scale and orientation, and the pipeline aperture (SIMULATION)."""
    spec = load_spec()
    pm, bm = pointing_model(spec), background_model(spec)
    rows = []
    for sector in target.SECTORS:
        geom = spec["sectors"][str(sector)]["geometry"]
        scene, wcs = sector_scene(spec, sector)
        o = wcs_orientation(wcs, scene.target.col, scene.target.row)
        ap = pipeline_aperture(scene, wander_px=float((pm.drift_px[0] ** 2 + pm.drift_px[1] ** 2) ** 0.5),
                               background_error_e_per_s=bm.estimate_error_e_per_s)
        crowd, frac = aperture_fractions(scene, ap)
        rows.append({"sector": str(sector), "camera / CCD": f"{geom['camera']} / {geom['ccd']}",
                     "pixel scale (″)": o["pixel_scale_arcsec"],
                     "+column (° from east to north)": o["column_angle_deg"],
                     "aperture (pixels)": int(ap.sum()), "CROWDSAP": crowd, "FLFRCSAP": frac})
    return table(rows, sig=4, title="The twin's stamps (SIMULATED; geometry from tess-point)")


def twin_catalogue_table() -> Table:
    """The twin's stars: one sky position each, projected into every sector (SIMULATION TRUTH)."""
    rows = [{"star": s.name + (" — eclipses in the background-EB scenario" if s.eclipsing else ""),
             "east (″)": s.east_arcsec, "north (″)": s.north_arcsec, "distance (″)": s.separation_arcsec,
             "ΔTmag": s.delta_tmag} for s in catalogue_from_spec(load_spec())]
    return table(rows, title="The twin's catalogue of neighbours (SIMULATION truth; offsets from TOI-5807)")


def twin_realism_table(seed: int = 0) -> Table:
    """The twin's sector 83 against the real sector-83 pixels, statistic by statistic (ratio twin / real).

    The twin's values are measured here with :func:`toi5807.stamp_noise`; the real ones are the noise
    levels the twin was fitted to (the spec's ``noise_model.real_sector83_statistics``); statistics the spec does not
    hold are measured on the real sector-83 file that ships with the package.
    """
    sim = simulate_sector(83, seed=seed)
    twin = stamp_noise(TPFStamp(time=sim.time, flux=sim.flux, quality=sim.quality, aperture_mask=sim.aperture_mask,
                                sector=83, provenance={"simulated": True}))
    # the values the twin was fitted to; statistics added after that fit are measured on the shipped real file
    real = dict(load_spec()["noise_model"]["real_sector83_statistics"])
    if any(name not in real for name, _ in STATISTICS):
        from ..data.sources import load_dataset

        measured = stamp_noise(load_dataset("tutorial").tpf_by_sector[83]).values
        real = {**measured, **real}
    rows = [{"statistic": f"{name} ({unit})", "twin (SIMULATED)": twin.values[name], "real": real[name],
             "twin / real": twin.values[name] / real[name]} for name, unit in STATISTICS]
    return table(rows, title=f"Sector 83 out of transit: the twin (seed {seed}) against the real pixels")


def eb_signature_table(candidate: Any, seed: int = 0) -> Table:
    """What a background eclipsing binary does to the V08 shift, separated from the pointing wander (SIMULATION).

    Two twins with the same ``seed`` share every noise draw — the same pointing wander, background and photon
    noise — and differ only in the eclipses of the background-EB host (``scenario="background_eb"`` against
    ``"no_transit"``). The difference of their V08 shift vectors is the eclipsing binary's own centroid
    signature; the V08 noise (1σ along the shift, from fake transits) is what it has to stand out from.

    Parameters
    ----------
    candidate : Candidate
        Ephemeris of the in/out-of-transit windows.
    seed : int
        Twin seed of both datasets.

    Returns
    -------
    Table
        Per sector, milli-pixels: the shift with the eclipses, the shift without them, the eclipses' own
        signature (their difference) and its length, and the V08 1σ.
    """
    from ..data.sources import load_dataset

    runs = {sc: run_v08_by_sector(load_dataset("twin", seed=seed, scenario=sc), candidate)
            for sc in ("background_eb", "no_transit")}
    rows = []
    for sector in sorted(runs["background_eb"]):
        eb, none = runs["background_eb"][sector].details, runs["no_transit"][sector].details
        with_eb = 1e3 * np.asarray(eb["shift_vector_pixels"], dtype=float)
        without = 1e3 * np.asarray(none["shift_vector_pixels"], dtype=float)
        rows.append({"sector": sector, "shift with the EB (milli-px)": with_eb,
                     "same twin, no eclipses (milli-px)": without, "EB's own signature (milli-px)": with_eb - without,
                     "its length (milli-px)": float(np.hypot(*(with_eb - without))),
                     "V08 1σ (milli-px)": 1e3 * float(eb["shift_uncertainty_pixels"])})
    return table(rows, title=f"Background EB vs pointing wander, seed {seed} (SIMULATION truth)")
