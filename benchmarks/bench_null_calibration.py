"""Wall time of the small null calibration that tests/calibration runs (60 seeds × sector 83, empirical).

Run: ``PYTHONPATH=shared python benchmarks/bench_null_calibration.py`` — prints the seconds; asserts nothing
(the test suite never asserts wall-clock time).
"""

from __future__ import annotations

import time

from toi5807 import calibration as cal

if __name__ == "__main__":
    start = time.perf_counter()
    null = cal.null_calibration(range(1000, 1060), [83], methods=["empirical"], progress=False)
    print(f"null calibration, 60 seeds × 1 sector: {time.perf_counter() - start:.1f} s "
          f"({null.methods['empirical'].n_false_alarms} false alarms)")
