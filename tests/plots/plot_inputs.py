"""Shared inputs of the plot and result-display tests: two simulated twin sectors and what V08 makes of them.

Not a conftest (``tests/conftest.py`` is imported by name): test modules import :func:`twin_data` and
:func:`artifact_hashes` and :func:`small_injection`; :func:`twin_data` is computed once per test process.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]

SECTORS = (82, 83)


def artifact_hashes() -> dict[str, str]:
    """sha256 of every file under artifacts/ (the committed pre-rendered plots and calibration JSON)."""
    root = REPO_ROOT / "artifacts"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def small_injection():
    """A two-separation InjectionRecovery (arcsec), made by hand: the plot tests do not depend on the cached JSON."""
    from toi5807.calibration.injection import InjectionRecovery

    keys = ("20", "45")
    return InjectionRecovery(separations_arcsec=(20.0, 45.0), position_angles_deg=(0.0,), seeds=(0,), sectors=(82, 83),
                             method="empirical", depth_ppm=256.0, detection_per_sector=dict(zip(keys, (0.5, 1.0))),
                             detection_combined=dict(zip(keys, (1.0, 1.0))), n_per_sector=2, n_combined=1,
                             ci99_per_sector=dict.fromkeys(keys, (0.0, 1.0)), ci99_combined=dict.fromkeys(keys, (0.1, 1.0)),
                             median_stamp_depth_ppm=dict.fromkeys(keys, 100.0), median_sigma_combined=dict.fromkeys(keys, 3.2),
                             runtime_s=1.0, pixel_scale_arcsec_by_sector={"82": 20.6, "83": 19.8})


@functools.lru_cache(maxsize=1)
def twin_data():
    """Stamps (labelled simulated, as the twin's FITS are), candidate, V08 results and offset analysis."""
    import toi5807 as sh
    from toi5807.data.model import TPFStamp
    from toi5807.twin import simulate_sector

    stamps = {}
    for s in SECTORS:
        sim = simulate_sector(s, seed=0, scenario="planet")
        stamps[s] = TPFStamp(time=sim.time, flux=sim.flux, quality=sim.quality, wcs=sim.wcs,
                             aperture_mask=sim.aperture_mask, sector=s,
                             provenance={"simulated": True, "scenario": "planet", "seed": 0})
    candidate = sh.make_candidate(256.0)
    results = sh.run_v08(list(stamps.values()), candidate)
    analysis = sh.analyze_v08_offsets(stamps, candidate)
    rng = np.random.default_rng(0)
    time = np.concatenate([stamps[s].time for s in SECTORS])
    flux = 1.0 + rng.normal(0.0, 2e-4, time.size)
    n = time.size
    stitched = sh.lightcurve.StitchedLightCurve(time, flux, np.full(n, 2e-4), np.zeros(n, np.int32),
                                     np.repeat(np.array(SECTORS, np.int32), [stamps[s].time.size for s in SECTORS]),
                                     simulated=True)
    vet = sh.vet_pixels(sh.Dataset({}, stamps, source="twin", catalogue=sh.twin_catalogue()), candidate)
    sim83 = simulate_sector(83, seed=0, scenario="planet")
    from toi5807.calibration.own_pixels import calibrate_own_pixels

    own = calibrate_own_pixels({83: stamps[83]}, candidate, vet_result=vet, n_empty=3, separations_arcsec=(40.0,),
                               depths_ppm=(2000.0,), n_angles=1, progress=False)
    return {"stamps": stamps, "candidate": candidate, "results": results, "analysis": analysis,
            "stitched": stitched, "vet": vet, "sim83": sim83, "own": own}
