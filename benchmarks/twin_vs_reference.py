"""Does tess-vetter's default V08 see the twin as it sees the real pixels? (issue #22 item 4; SIMULATION vs real)

For the real sector-83 TPF and the twin's sector 83 (planet scenario), and for the planet twin's four sectors,
prints tess-vetter 0.3.20's default ``compute_centroid_shift`` (whole-stamp flux-weighted centroid with negative
pixels clipped, per-cadence medians in/out of transit, 3-MAD outlier cut, 1000 bootstrap resamples; quality-0
cadences, as ``benchmarks/bench_vet.py``) — shift, uncertainty, significance — and our
:func:`toi5807.pixels.stamp_noise.stamp_noise` statistics side by side, then:

* the ratio twin / real of tess-vetter's uncertainty on sector 83 (target 0.67–1.5);
* how many planet-twin sectors are ≥ 3σ (target ≤ 1);
* the same two numbers over ``--seeds`` twin noise seeds, because each is one draw: a sector holds two transits,
  one per orbit, and the bootstrap treats correlated cadences as independent, so the uncertainty is set by
  where the pointing happened to be at those two transits;
* ``--fakes N``: tess-vetter at N fake ephemerides (mid-transit shifted by k·P/(N+1)) on the real and the twin
  sector 83 — the distribution one real sector can give, the fair thing to compare the twin's with;
* the sensitivity test behind the module docstring of ``stamp_noise``: the twin with three times the real
  faint-pixel noise added to its faint pixels, and with ±30 e-/s of background, through tess-vetter.

The noise-model constants that came out of this comparison (``noise_model.pointing.settle_px`` = 0,
``drift_px``, ``noise_model.background.star_light_share``) were fitted to the real s83 TPF with the statistics
this script prints (see ``shared/toi5807/twin/twin_spec.json`` → ``noise_model.refit``).

Run: ``python benchmarks/twin_vs_reference.py [--seeds N] [--fakes N]`` (needs ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import toi5807 as sh
from toi5807 import target
from toi5807.calibration.localization import stamp_from_simulation
from toi5807.pixels.stamp_noise import compare_stamp_noise, stamp_noise
from toi5807.twin import simulate_sector


def reference(stamp, t0_shift_days: float = 0.0, n_bootstrap: int = 1000) -> tuple[float, float, float]:
    """tess-vetter's default V08 on the quality-0 cadences: shift (mpx), uncertainty (mpx), significance (σ)."""
    from tess_vetter.pixel.centroid import TransitParams, compute_centroid_shift

    q = np.asarray(stamp.quality) == 0 if stamp.quality is not None else slice(None)
    tp = TransitParams(period=target.PERIOD_DAYS, t0=target.T0_BTJD + t0_shift_days, duration=target.DURATION_HOURS)
    r = compute_centroid_shift(np.asarray(stamp.flux)[q], np.asarray(stamp.time)[q], tp, bootstrap_seed=0,
                               n_bootstrap=n_bootstrap)
    return 1e3 * r.centroid_shift_pixels, 1e3 * r.shift_uncertainty_pixels, float(r.significance_sigma)


def _line(label: str, res: tuple[float, float, float]) -> str:
    return f"{label:28s} shift {res[0]:6.2f} mpx, uncertainty {res[1]:5.2f} mpx, significance {res[2]:4.2f}σ"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=1, help="twin noise seeds 0..N-1 (default 1: seed 0 only)")
    ap.add_argument("--fakes", type=int, default=0, help="fake ephemerides on real and twin s83 (default none)")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    real = sh.load_dataset().tpf_by_sector[83]
    real_ref = reference(real)
    print("tess-vetter 0.3.20 default compute_centroid_shift (quality-0 cadences)")
    print(_line("real s83", real_ref))
    ratios, n_high = [], []
    for seed in range(args.seeds):
        stamps = {s: stamp_from_simulation(simulate_sector(s, seed=seed)) for s in target.SECTORS}
        refs = {s: reference(st) for s, st in stamps.items()}
        for s in target.SECTORS:
            print(_line(f"twin s{s} (SIMULATED, seed {seed})", refs[s]))
        ratios.append(refs[83][1] / real_ref[1])
        n_high.append(sum(r[2] >= 3.0 for r in refs.values()))
        print(f"  seed {seed}: uncertainty twin/real s83 {ratios[-1]:.2f} (target 0.67–1.5); planet-twin sectors "
              f"≥ 3σ: {n_high[-1]} of 4 (target ≤ 1)")
        if seed == 0:
            print("\nstamp_noise, twin s83 (SIMULATED, seed 0) vs real s83")
            for row in compare_stamp_noise(stamp_noise(stamps[83]), stamp_noise(real)):
                print(f"  {row['statistic']:46s} twin {row['twin']:9.3f}  real {row['real']:9.3f} {row['unit']:5s} "
                      f"ratio {row['ratio']:.2f}")
            sim = simulate_sector(83, seed=0)
            f = np.array(sim.flux)
            faint = np.median(f[sim.quality == 0], axis=0) < 60.0
            rng = np.random.default_rng(1)
            sigma = stamp_noise(real).values["faint-pixel sigma"]
            print("\nsensitivity of tess-vetter's uncertainty on twin s83 (SIMULATED, seed 0) to faint pixels:")
            for label, cube in ((f"+ {2.83 * sigma:.1f} e-/s noise on {int(faint.sum())} faint px",
                                 f + faint * rng.normal(0.0, 2.83 * sigma, f.shape)),
                                ("− 30 e-/s background", f - 30.0), ("+ 30 e-/s background", f + 30.0)):
                print(_line(f"  {label}", reference(stamp_from_simulation(sim, cube))))
            print()
    if args.seeds > 1:
        r = np.array(ratios)
        print(f"\nover {args.seeds} seeds: uncertainty twin/real median {np.median(r):.2f} (16–84 %: "
              f"{np.percentile(r, 16):.2f}–{np.percentile(r, 84):.2f}), within 0.67–1.5 in "
              f"{int(np.sum((r >= 1 / 1.5) & (r <= 1.5)))}/{r.size}; planet-twin sectors ≥ 3σ: "
              f"{', '.join(map(str, n_high))} (≤ 1 in {sum(k <= 1 for k in n_high)}/{len(n_high)} seeds)")
    if args.fakes:
        twin = stamp_from_simulation(simulate_sector(83, seed=0))
        shifts = [k * target.PERIOD_DAYS / (args.fakes + 1) for k in range(1, args.fakes + 1)]
        for label, st in (("real s83", real), ("twin s83 (SIMULATED, seed 0)", twin)):
            res = np.array([reference(st, dt, n_bootstrap=300) for dt in shifts])
            print(f"{label} at {args.fakes} fake ephemerides: uncertainty median {np.median(res[:, 1]):.2f} mpx "
                  f"(16–84 %: {np.percentile(res[:, 1], 16):.2f}–{np.percentile(res[:, 1], 84):.2f}), "
                  f"≥ 3σ at {np.mean(res[:, 2] >= 3.0):.0%} of them")
    print(f"(run time {time.perf_counter() - t_start:.0f} s)")


if __name__ == "__main__":
    main()
