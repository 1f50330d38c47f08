"""Empty epochs on the real sector-83 pixels: ``vet_pixels`` at fake mid-transit times, two candidates side by side.

* **4 h, P = 14.24 d** (TOI-5807.01's own ephemeris): T0 shifted by ``N`` offsets spread over ``(4, P/D − 4)``
  durations (every fake window, ±2.5 durations, stays ≥ 1.5 durations clear of a real transit).
  Acceptance: FAIL ≤ 3 and PASS ≤ 3 of 200.
* **14.4 h, P = 40 d** (a one-transit, long-duration candidate, issue 28): ``M`` values of T0 spread over the
  sector, each > 1.5 d from the real transits and off the mid-sector gap. A 25-day sector holds only ≈ 6
  independent 14.4-h fakes, too few to calibrate: the verdict must say so (WARN "cannot calibrate"), never PASS
  or FAIL on the nominal statistics (before issue 28: FAIL at several of them, every one uncalibrated).
  Acceptance: FAIL ≤ 2 and PASS ≤ 2 of 60.

An empty epoch has no dip, so it must come out WARN. Printed per case: the verdict counts, their reasons, how
many verdicts had every test calibrated, how many dips reach 3σ calibrated and nominal; then the real transit.

Run: ``python benchmarks/empty_epochs_real.py [N] [M]`` (defaults 200 and 60; ≈ 0.3 s per epoch on a quiet
machine).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np
import toi5807 as sh
from toi5807 import target
from toi5807.lightcurve import TransitParams


def one(ds, tp) -> tuple[str, str, float, float, bool]:
    """Verdict, reason, calibrated and nominal dip significance (σ; NaN when not calibrated), all calibrated."""
    r = sh.vet_pixels(ds, tp)
    cal = r.sectors[83].calibration
    f = r.sectors[83].localization.fit
    nominal = f.amplitude / f.amplitude_err if f.amplitude_err > 0 else float("nan")
    calibrated = cal["amplitude"]["sigma"] if cal.get("used") else float("nan")
    return r.verdict, r.reason, calibrated, nominal, r.all_tests_calibrated


def _reason(why: str) -> str:
    head = "cannot calibrate; " if "cannot calibrate" in why else ""
    return head + ("no significant dip" if "no significant dip" in why else
                   "no usable transit (every window in a data gap)" if "no usable transit" in why else
                   "no usable localization" if "no sector gave a usable localization" in why else
                   "would have said FAIL" if "would have said FAIL" in why else
                   "would have said PASS" if "would have said PASS" in why else
                   "source off the target, on no catalogue star" if "on no catalogue star" in why else
                   "target and a neighbour both consistent" if "cannot tell them apart" in why else why[:90])


def run_case(ds, label: str, params: list[TransitParams], accept: str) -> None:
    verdicts, reasons = collections.Counter(), collections.Counter()
    zc, zn, n_cal = [], [], 0
    t = time.perf_counter()
    for tp in params:
        v, why, c, n, allcal = one(ds, tp)
        verdicts[v] += 1
        reasons[_reason(why)] += 1
        zc.append(c)
        zn.append(n)
        n_cal += allcal
    dt = time.perf_counter() - t
    zc, zn = np.array(zc), np.array(zn)
    print(f"{label}: {len(params)} empty epochs, {dt:.0f} s ({dt / max(len(params), 1):.2f} s each)")
    print(f"  verdicts: {dict(verdicts)}  (acceptance: {accept})")
    print(f"  reasons: {dict(reasons)}")
    print(f"  every test calibrated: {n_cal} of {len(params)}")
    print(f"  dips ≥ 3σ: calibrated {int(np.sum(zc >= 3))} of {int(np.isfinite(zc).sum())}, nominal "
          f"{int(np.sum(zn >= 3))} of {int(np.isfinite(zn).sum())}")


def one_transit_epochs(ds, m: int, clear_days: float = 1.5) -> np.ndarray:
    """``m`` values of T0 across sector 83, > ``clear_days`` from TOI-5807.01's transits and the mid-sector gap."""
    t = np.asarray(ds.tpf_by_sector[83].time, dtype=float)
    t = np.sort(t[np.isfinite(t)])
    n = np.arange(int((t[0] - target.T0_BTJD) // target.PERIOD_DAYS) - 1,
                  int((t[-1] - target.T0_BTJD) // target.PERIOD_DAYS) + 2)
    real = target.T0_BTJD + n * target.PERIOD_DAYS
    gap = int(np.argmax(np.diff(t)))
    grid = np.linspace(t[0] + 0.5, t[-1] - 0.5, 400)
    ok = (np.min(np.abs(grid[:, None] - real[None]), axis=1) > clear_days) & (
        (grid < t[gap] - 1.0) | (grid > t[gap + 1] + 1.0))
    grid = grid[ok]
    return grid[np.linspace(0, grid.size - 1, m).astype(int)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=200, help="empty epochs of the 4-h candidate")
    ap.add_argument("m", nargs="?", type=int, default=60, help="empty epochs of the 14.4-h one-transit candidate")
    args = ap.parse_args(argv)
    ds = sh.load_dataset()
    p, t0, dh = target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS
    d = dh / 24.0
    offsets = np.linspace(4 * d, p - 4 * d, args.n)
    print(f"real s83; 4-h fakes: T0 + {offsets[0]:.3f} … {offsets[-1]:.3f} d")
    run_case(ds, f"4 h, P = {p:.2f} d", [TransitParams(p, t0 + float(o), dh) for o in offsets],
             "FAIL ≤ 3, PASS ≤ 3 of 200")
    run_case(ds, "14.4 h, P = 40 d (one transit)",
             [TransitParams(40.0, float(T), 14.4) for T in one_transit_epochs(ds, args.m)],
             "FAIL ≤ 2, PASS ≤ 2 of 60")
    v, why, c, n, allcal = one(ds, TransitParams(p, t0, dh))
    print(f"real transit: {v} — {why} (dip {c:.1f}σ calibrated, {n:.1f}σ nominal; every test calibrated: {allcal})")


if __name__ == "__main__":
    main()
