"""Benchmark: the full pixel vetting (``sh.vet_pixels``) of 4 sectors vs tess-vetter 0.3.20's default
``compute_centroid_shift`` on the same cubes.

``vet_pixels`` runs, per sector, the V08 check, the per-transit and the sector difference-image fits, then
the joint sky fit and the host ranking. The reference computes only its whole-sector centroid shift (default
configuration: bootstrap with 1000 resamples). Both sides get the same four simulated twin sectors
(planet scenario, seed 0; the twin's pointing noise is calibrated on the real sector-83 pixels). Each side
is timed as the best of ``--repeat`` runs, in one process, and the ratio is printed (target ≥ 20×).

Run: ``python benchmarks/bench_vet.py [--repeat N]`` (the reference needs ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from toi5807 import target
from toi5807.data.model import Dataset
from toi5807.twin import simulate_sector
from toi5807.v08.calibration.localization import stamp_from_simulation
from toi5807.v08.vet import vet_pixels


def build() -> Dataset:
    sims = [simulate_sector(s, seed=0) for s in target.SECTORS]
    return Dataset({}, {s.sector: stamp_from_simulation(s) for s in sims}, source="twin")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    ds = build()
    vet_pixels(ds)  # warm-up (imports)
    ours = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        res = vet_pixels(ds)
        ours.append(time.perf_counter() - t)
    best = min(ours)
    print(f"cubes: {len(ds.tpf_by_sector)} sectors × {ds.tpf_by_sector[83].flux.shape}")
    print(f"ours (vet_pixels, 4 sectors): best {best:.3f} s (runs: {', '.join(f'{x:.3f}' for x in ours)} s); "
          f"verdict {res.verdict}")
    try:
        from tess_vetter.pixel.centroid import TransitParams as RefParams
        from tess_vetter.pixel.centroid import compute_centroid_shift as ref_compute
    except ImportError:
        print("tess-vetter not installed: pip install -e '.[bench]' to time the reference implementation")
        return
    ref_tp = RefParams(period=target.PERIOD_DAYS, t0=target.T0_BTJD, duration=target.DURATION_HOURS)
    ref_runs = []
    for _ in range(max(1, args.repeat - 1)):
        t = time.perf_counter()
        for st in ds.tpf_by_sector.values():
            good = st.quality == 0
            ref_compute(np.asarray(st.flux[good]), np.asarray(st.time[good]), ref_tp)
        ref_runs.append(time.perf_counter() - t)
    ref_best = min(ref_runs)
    print(f"reference (tess-vetter 0.3.20 compute_centroid_shift, defaults, 4 sectors): best {ref_best:.3f} s")
    print(f"speed-up: {ref_best / best:.1f}× (target ≥ 20×)")


if __name__ == "__main__":
    main()
