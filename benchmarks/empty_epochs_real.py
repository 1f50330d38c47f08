"""Empty epochs on the real sector-83 pixels: ``vet_pixels`` at fake mid-transit times, with the self-calibration.

T0 is shifted by ``N`` offsets spread over ``(4, P/D − 4)`` durations (every fake window, ±2.5 durations, stays
≥ 1.5 durations clear of a real transit); period and duration are the candidate's. An empty epoch has no dip,
so it must come out WARN "no significant dip" (or WARN "no usable transit" when every shifted window falls in a
data gap: nothing to judge); acceptance: FAIL ≤ 3 and PASS ≤ 3 of 200 (the slow self-calibration gave WARN 199 /
FAIL 1 / PASS 0). Printed: the verdict counts, how many dips reach 3σ calibrated and nominal, and the median
|z| of both; then the real transit for comparison.

Run: ``python benchmarks/empty_epochs_real.py [N]`` (default 200; ≈ 0.6 s per epoch on a quiet machine).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np
import toi5807 as sh
from toi5807 import target
from toi5807.lightcurve import TransitParams


def one(ds, tp) -> tuple[str, str, float, float]:
    """Verdict, reason, calibrated and nominal dip significance (σ; NaN when there is no calibration)."""
    r = sh.vet_pixels(ds, tp)
    cal = r.sectors[83].calibration
    f = r.sectors[83].localization.fit
    nominal = f.amplitude / f.amplitude_err if f.amplitude_err > 0 else float("nan")
    calibrated = cal["amplitude"]["sigma"] if cal.get("used") else float("nan")
    return r.verdict, r.reason, calibrated, nominal


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    args = ap.parse_args(argv)
    ds = sh.load_dataset()
    p, t0, dh = target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS
    d = dh / 24.0
    offsets = np.linspace(4 * d, p - 4 * d, args.n)
    verdicts, reasons = collections.Counter(), collections.Counter()
    zc, zn = [], []
    t = time.perf_counter()
    for o in offsets:
        v, why, c, n = one(ds, TransitParams(p, t0 + float(o), dh))
        verdicts[v] += 1
        reasons["no significant dip" if "no significant dip" in why else
                "no usable transit (every window in a data gap)" if "no usable transit" in why else
                "no usable localization" if "no sector gave a usable localization" in why else why[:90]] += 1
        zc.append(c)
        zn.append(n)
    dt = time.perf_counter() - t
    zc, zn = np.array(zc), np.array(zn)
    print(f"real s83, {args.n} empty epochs (T0 + {offsets[0]:.3f} … {offsets[-1]:.3f} d), {dt:.0f} s "
          f"({dt / args.n:.2f} s each):")
    print(f"  verdicts: {dict(verdicts)}  (acceptance: FAIL ≤ 3, PASS ≤ 3)")
    print(f"  reasons: {dict(reasons)}")
    print(f"  dips ≥ 3σ: calibrated {int(np.sum(zc >= 3))} of {np.isfinite(zc).sum()}, nominal "
          f"{int(np.sum(zn >= 3))} of {np.isfinite(zn).sum()}")
    print(f"  median |z|: calibrated {np.nanmedian(np.abs(zc)):.2f}, nominal {np.nanmedian(np.abs(zn)):.2f}")
    v, why, c, n = one(ds, TransitParams(p, t0, dh))
    print(f"real transit: {v} — {why} (dip {c:.1f}σ calibrated, {n:.1f}σ nominal)")


if __name__ == "__main__":
    main()
