"""Benchmark: ``stamp_depth`` (fake ephemerides vectorised) vs the per-fake Python loop it replaced.

One synthetic 18 876 × 13 × 11 cube on the TOI-5807 time grid (2-min cadence). For transit
durations from 4 h down to 15 min (tens to about a thousand fake ephemerides) it times the depth
statistic at every fake ephemeris both ways in the same process, checks that the two agree
bit for bit, and prints the times and their ratio (issue 14, B17).

Run: ``python benchmarks/bench_stamp_depth.py``.
"""

from __future__ import annotations

import math
import time

import numpy as np
from toi5807.lightcurve import TransitParams, transit_window_masks
from toi5807.twin.synthetic import make_synthetic_stamp
from toi5807.centroid import CentroidShiftConfig
from toi5807.centroid.source_offset import stamp_depth
from toi5807.centroid.stamp_sums import fake_depths, fake_depths_by_definition, stamp_sums

PERIOD, T0 = 14.2423724, 3540.26317


def _best(fn, repeat=3):
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    grid = 3533.3958 + np.arange(18876) * (2.0 / 1440.0)
    cfg = CentroidShiftConfig()
    print(f"{'duration':>9} {'fakes':>6} {'loop (ms)':>10} {'vectorised (ms)':>16} {'ratio':>7} {'stamp_depth (ms)':>17}")
    for hours in (4.046, 1.0, 0.5, 0.25):
        tp = TransitParams(PERIOD, T0, hours)
        stamp, _ = make_synthetic_stamp(shape=(13, 11), time=grid, transit_params=tp, depth=0.002,
                                        peak_flux=20000.0, noise=40.0, seed=7)
        tot = stamp_sums(stamp.flux)
        outs = transit_window_masks(stamp.time, tp, cfg.k_in, cfg.k_buffer)[1]
        t_loop, ref = _best(lambda: fake_depths_by_definition(tot, stamp.time, outs, tp, cfg), repeat=1)
        t_vec, got = _best(lambda: fake_depths(tot, stamp.time, outs, tp, cfg))
        assert np.array_equal(ref, got), "vectorised fake depths differ from the loop"
        t_all, _ = _best(lambda: stamp_depth(stamp.flux, stamp.time, tp))
        print(f"{hours:>8.3g}h {got.size:>6d} {1e3 * t_loop:>10.1f} {1e3 * t_vec:>16.1f} {t_loop / t_vec:>6.0f}× "
              f"{1e3 * t_all:>17.1f}")


if __name__ == "__main__":
    main()
