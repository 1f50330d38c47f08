"""V10 at empty epochs of the real sector-83 pixels: how often does it FAIL (or PASS) where there is no transit?

T0 is shifted by ``N`` offsets spread over ``(4, P/D − 4)`` durations (as ``benchmarks/empty_epochs_real.py``);
period and duration are the candidate's; the real transits are kept out of every fake epoch (``avoid=``). The
stars are those ``vet_pixels`` finds in the stamp (found once). An empty epoch has no dip: V10 must say so (WARN,
``votes=False``, "no significant dip") or at least never FAIL on a nominal statistic. Printed: the verdict
counts, how many voted, the dips reaching 3σ against the fakes, the most likely hosts named, and the real transit
for comparison.

Run: ``python benchmarks/v10_empty_epochs_real.py [N]`` (default 200; ≈ 0.1 s per epoch on a quiet machine).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

import toi5807 as sh
from toi5807 import target
from toi5807.aperture.analysis import image_catalogue
from toi5807.lightcurve import TransitParams


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    args = ap.parse_args(argv)
    stamp = sh.load_dataset().tpf_by_sector[83]
    real = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
    cat = image_catalogue(stamp, real)
    d = real.duration / 24.0
    offsets = np.linspace(4 * d, real.period - 4 * d, args.n)
    verdicts, reasons, hosts = collections.Counter(), collections.Counter(), collections.Counter()
    votes, dips, fails = 0, [], []
    t = time.perf_counter()
    for o in offsets:
        r = sh.run_v10(stamp, TransitParams(real.period, real.t0 + float(o), real.duration), catalogue=cat, avoid=real)
        verdicts[r.verdict] += 1
        votes += bool(r.votes)
        reasons[r.reason.split(" (")[0][:60]] += 1
        hosts[r.most_likely_host] += 1
        dips.append(r.metrics.get("dip_sigma") or np.nan)
        if r.verdict == "FAIL":
            fails.append(f"T0 + {o:.3f} d: {r.reason}")
    dt = time.perf_counter() - t
    dips = np.array(dips, dtype=float)
    print(f"real s83, V10 at {args.n} empty epochs (T0 + {offsets[0]:.3f} … {offsets[-1]:.3f} d), {dt:.0f} s "
          f"({dt / args.n * 1e3:.0f} ms each):")
    print(f"  verdicts: {dict(verdicts)}; voted {votes} of {args.n}")
    print(f"  reasons: {dict(reasons.most_common(6))}")
    print(f"  dip in the pipeline aperture >= 3σ against the fakes: {int(np.sum(dips >= 3))} of "
          f"{int(np.isfinite(dips).sum())}; most likely hosts named: {dict(hosts.most_common(4))}")
    for line in fails:
        print(f"  FAIL {line}")
    r = sh.run_v10(stamp, real, catalogue=cat)
    print(f"the real transit: {r.verdict} — {r.reason}; dip {r.metrics['dip_sigma']:.1f}σ")


if __name__ == "__main__":
    main()
