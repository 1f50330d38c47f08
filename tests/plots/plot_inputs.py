"""Shared inputs of the plot and result-display tests: two simulated twin sectors and what V08 makes of them.

Not a conftest (``tests/conftest.py`` is imported by name): test modules import :func:`twin_data` and
:func:`artifact_hashes`; :func:`twin_data` is computed once per test process.
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
    stitched = sh.StitchedLightCurve(time, flux, np.full(n, 2e-4), np.zeros(n, np.int32),
                                     np.repeat(np.array(SECTORS, np.int32), [stamps[s].time.size for s in SECTORS]),
                                     simulated=True)
    vet = sh.vet_pixels(sh.Dataset({}, stamps, source="twin"), candidate)
    sim83 = simulate_sector(83, seed=0, scenario="planet")
    return {"stamps": stamps, "candidate": candidate, "results": results, "analysis": analysis,
            "stitched": stitched, "vet": vet, "sim83": sim83}
