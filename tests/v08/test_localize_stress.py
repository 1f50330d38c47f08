"""Localization on a stress twin: slow pointing wander ×10 and 2.5 mpx white jitter (the notes' "realistic" case).

:func:`make_stress_sector` is the stress generator (kept out of the package on purpose): it takes a twin sector
and re-renders its scene with the slow part of the simulated pointing multiplied by ``scale`` plus fresh white
jitter, using only the twin's public scene API. ``benchmarks/bench_vet.py --stress`` reuses it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from toi5807.data.model import Dataset
from toi5807.twin import load_spec, simulate_sector, twin_true_offsets
from toi5807.twin.scene import render_cube, scene_from_spec
from toi5807.v08.calibration.localization import stamp_from_simulation
from toi5807.v08.vet import vet_pixels


def make_stress_sector(sector: int, *, seed: int = 0, scenario: str = "planet", scale: float = 10.0,
                       white_px: float = 0.0025, smooth_cadences: int = 31):
    """A twin sector whose pointing wanders ``scale``× more slowly-varying, with ``white_px`` white jitter (SIMULATION)."""
    sim = simulate_sector(sector, seed=seed, scenario=scenario)
    scene = scene_from_spec(load_spec()["sectors"][str(sector)])
    kern = np.ones(smooth_cadences) / smooth_cadences
    rng = np.random.default_rng([seed, sector, 99])
    new = []
    for p in (sim.pos_corr1, sim.pos_corr2):
        slow = np.convolve(np.pad(p, smooth_cadences // 2, mode="edge"), kern, mode="valid")
        new.append(scale * slow + rng.normal(0.0, white_px, p.size))
    src = scene.sources
    col0 = np.array([s.col for s in src])
    row0 = np.array([s.row for s in src])
    flux0 = np.array([s.flux for s in src])

    def render(dc, dr):
        return render_cube(col0[None] + dc[:, None], row0[None] + dr[:, None],
                           np.broadcast_to(flux0, (dc.size, flux0.size)), scene.prf)

    flux = np.array(sim.flux) - render(sim.pos_corr1, sim.pos_corr2) + render(new[0], new[1])
    return dataclasses.replace(sim, flux=flux, pos_corr1=new[0], pos_corr2=new[1])


def _six_hour_wander_mpx(p: np.ndarray, time: np.ndarray) -> float:
    b = np.floor((time - time[0]) / 0.25).astype(int)
    means = np.bincount(b, p) / np.maximum(np.bincount(b), 1)
    return 1e3 * float(np.std(means[np.bincount(b) > 50]))


@pytest.mark.slow
def test_stress_twin_beb_fails_on_its_host_and_planet_passes():
    secs = (82, 83)
    beb = {s: make_stress_sector(s, seed=21, scenario="background_eb") for s in secs}
    # the stress is real: 6-hour pointing wander of ≥ 10 mpx, as in the real sector 83 (≈15–20 mpx)
    assert _six_hour_wander_mpx(beb[83].pos_corr1, beb[83].time) > 10.0
    r = vet_pixels(Dataset({}, {s: stamp_from_simulation(v) for s, v in beb.items()}, source="twin"))
    assert r.verdict == "FAIL", r.reason
    beb_index = load_spec()["sectors"]["83"]["scene"]["beb_index"]
    assert r.combined.most_likely_host["label"] == f"neighbour {beb_index}"
    truth = twin_true_offsets(secs)
    for s in secs:
        err = np.hypot(*np.subtract(r.sectors[s].localization.offset_arcsec, truth[s].vector_arcsec))
        assert err < 3.0
    planet = {s: stamp_from_simulation(make_stress_sector(s, seed=21, scenario="planet")) for s in secs}
    p = vet_pixels(Dataset({}, planet, source="twin"))
    assert p.verdict == "PASS", p.reason
