"""How long the V08 null calibration takes: 60 transit-free twins of sector 83, empirical method.

The unit test (tests/calibration/test_calibration.py) checks what the calibration finds; how long it takes is
measured here, beside the simulation alone as its peer in the same run, never asserted.

    python benchmarks/bench_calibration.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TQDM_DISABLE", "1")

from toi5807 import calibration as cal  # noqa: E402
from toi5807.twin import simulate_sector  # noqa: E402


def main(seeds: range = range(1000, 1060)) -> None:
    t0 = time.perf_counter()
    for s in seeds:
        simulate_sector(83, seed=s, scenario="no_transit")
    sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    cal.null_calibration(seeds, [83], methods=["empirical"], progress=False)
    full = time.perf_counter() - t0
    print(f"{len(seeds)} null twins of sector 83: simulation alone {sim:.1f} s, simulation + V08 {full:.1f} s "
          f"(V08 adds {100 * (full - sim) / max(sim, 1e-9):.0f} % to the simulation)")


if __name__ == "__main__":
    main()
