"""Benchmark: toi5807 V08 (``run_v08``) vs tess-vetter 0.3.20 ``compute_centroid_shift``.

Builds four synthetic 18 876 × 13 × 11 cubes on the TOI-5807 time grid (2-min
cadence from 3533.3958 BTJD; P = 14.2423724 d, T0 = 3540.26317 BTJD,
D = 4.046 h), runs both implementations with their default configurations
(bootstrap, 1000 resamples, median centroids) in one process, and prints the
per-sector times, their ratio and the peak traced memory of our side.

Run: ``python benchmarks/bench_v08.py`` (the reference needs
``pip install -e '.[bench]'``; without it only our side is timed).
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from toi5807.lightcurve import Candidate, Ephemeris, TransitParams
from toi5807.twin.synthetic import make_synthetic_stamp
from toi5807.centroid import CentroidShiftConfig, run_v08

N_CADENCES = 18876
SHAPE = (13, 11)
PERIOD, T0, DURATION_H = 14.2423724, 3540.26317, 4.046


def build_stamps(n_sectors: int = 4):
    """Four synthetic sectors (different seeds, small pointing jitter, an on-target transit)."""
    tp = TransitParams(PERIOD, T0, DURATION_H)
    time_grid = 3533.3958 + np.arange(N_CADENCES) * (2.0 / 1440.0)
    stamps = []
    for k in range(n_sectors):
        stamp, _ = make_synthetic_stamp(
            shape=SHAPE, time=time_grid, transit_params=tp, jitter_pixels=0.02, depth=0.002,
            peak_flux=20000.0, noise=40.0, seed=100 + k, sector=k + 1,
        )
        stamps.append(stamp)
    return stamps, tp


def main() -> None:
    stamps, tp = build_stamps()
    cand = Candidate(ephemeris=Ephemeris(PERIOD, T0, DURATION_H), depth_ppm=2000.0)
    cube_bytes = stamps[0].flux.nbytes
    run_v08(stamps[0], cand)  # warm-up (imports, caches)

    ours = []
    for st in stamps:
        t = time.perf_counter()
        res = run_v08(st, cand)
        ours.append(time.perf_counter() - t)
    # like for like with the reference's defaults: bootstrap, 1000 resamples, median
    boot_cfg = CentroidShiftConfig(significance_method="bootstrap")
    ours_boot = []
    for st in stamps:
        t = time.perf_counter()
        run_v08(st, cand, config=boot_cfg)
        ours_boot.append(time.perf_counter() - t)
    boot_per = float(np.mean(ours_boot))
    tracemalloc.start()
    run_v08(stamps[0], cand)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ours_per = float(np.mean(ours))
    print(f"cube: {stamps[0].flux.shape}, {cube_bytes / 1e6:.1f} MB float64")
    print(f"ours (toi5807 run_v08, default config): {ours_per * 1e3:.1f} ms per sector "
          f"(sectors: {', '.join(f'{x * 1e3:.1f}' for x in ours)} ms)")
    print(f"ours (bootstrap 1000, median, like the reference): {boot_per * 1e3:.1f} ms per sector")
    print(f"ours peak traced memory: {peak / 1e6:.1f} MB = {peak / cube_bytes:.2f} × cube")
    print(f"last sector: shift {res.metrics['centroid_shift_pixels']:.4f} px, "
          f"sigma {res.metrics['significance_sigma']:.2f}, verdict {res.verdict}")

    try:
        from tess_vetter.pixel.centroid import TransitParams as RefParams
        from tess_vetter.pixel.centroid import compute_centroid_shift as ref_compute
    except ImportError:
        print("tess-vetter not installed: pip install -e '.[bench]' to time the reference implementation")
        return
    ref_tp = RefParams(period=tp.period, t0=tp.t0, duration=tp.duration)
    ref = []
    for st in stamps:
        t = time.perf_counter()
        r = ref_compute(np.asarray(st.flux), np.asarray(st.time), ref_tp)
        ref.append(time.perf_counter() - t)
    ref_per = float(np.mean(ref))
    print(f"reference (tess-vetter 0.3.20 compute_centroid_shift, defaults): {ref_per * 1e3:.1f} ms per sector "
          f"(sectors: {', '.join(f'{x * 1e3:.1f}' for x in ref)} ms)")
    print(f"reference last sector: shift {r.centroid_shift_pixels:.4f} px, sigma {r.significance_sigma:.2f}")
    print(f"speed-up: {ref_per / ours_per:.1f}× with our default config (target ≥ 30×); "
          f"{ref_per / boot_per:.1f}× like for like (bootstrap)")


if __name__ == "__main__":
    main()
