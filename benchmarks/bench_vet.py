"""Benchmark: the full pixel vetting (``sh.vet_pixels``) of 4 sectors vs tess-vetter 0.3.20's default
``compute_centroid_shift`` on the same cubes.

What each side computes, per sector (four sectors in all):

* **ours**, ``vet_pixels(dataset)``: the V08 check (per-cadence centroids, in/out-of-transit medians, the
  empirical null of shifts at fake ephemerides, the verdict); the difference image of every transit and of
  hundreds of fake epochs (local two-sided windows, per-cadence pointing and focus measured and their
  second-order response subtracted, per-pixel noise from the fakes); an empirical-PRF fit with pointing terms
  of every transit and of the sector's mean difference image (grid search, quadratic refinement, Hessian,
  likelihood-ratio test). Then, once: the joint sky fit of all sectors, its covariance, the consistency χ²
  between sectors, the 3σ exclusion radius and the ranking of the catalogue stars as hosts. And the
  self-calibration: ≈ 65 fake epochs per sector (sector difference images from cumulative sums), each with the
  batched linear fit on a sky grid of ≈ 500 trial positions and its stencil refinement, every catalogue star's
  Δχ², and the joint null of all sectors (combined offset, between-sector χ²).
* **reference**, tess-vetter 0.3.20 ``compute_centroid_shift`` with its defaults: the whole-sector
  flux-weighted centroid shift (median of per-cadence centroids in and out of transit) and its significance
  from 1000 bootstrap resamples. No difference images, no localization, no host.

Both sides get the same four simulated twin sectors (planet scenario, seed 0; the twin's pointing noise is
calibrated on the real sector-83 pixels): ours the whole stamp with its quality flags, the reference the
cadences with quality 0. On a 2-core virtual machine the timings are noisy (the same code took 0.66–1.15 s in one
session), so each round times ours as the best of ``--repeat`` runs and the reference as the best of
``max(1, repeat − 1)`` runs, in one process, and prints their ratio (target ≥ 10×); ``--rounds`` repeats the
comparison and prints every ratio and their median. The parts of ours are timed too (best of ``--repeat``;
``--no-stages`` skips them).

Run: ``python benchmarks/bench_vet.py [--repeat N] [--rounds R] [--no-stages]`` (the reference needs
``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from toi5807 import target
from toi5807.data.model import Dataset
from toi5807.lightcurve import TransitParams
from toi5807.twin import simulate_sector
from toi5807.twin.truth import twin_catalogue
from toi5807.calibration.localization import stamp_from_simulation
from toi5807.centroid.check import run_v08
from toi5807.diffimage.joint import combine_localizations
from toi5807.diffimage.localize import localize_sector
from toi5807.vetting.fakenull import calibrate_sectors
from toi5807.vetting.vet import vet_pixels


def build() -> Dataset:
    sims = [simulate_sector(s, seed=0) for s in target.SECTORS]
    return Dataset({}, {s.sector: stamp_from_simulation(s) for s in sims}, source="twin")


def best_of(n: int, func) -> tuple[float, list[float], object]:
    """Best wall time of ``n`` calls (seconds), all the times, and the last result."""
    runs, out = [], None
    for _ in range(max(1, n)):
        t = time.perf_counter()
        out = func()
        runs.append(time.perf_counter() - t)
    return min(runs), runs, out


def describe(ds: Dataset, res) -> None:
    """What our side computed on these cubes (counts from the result)."""
    shape = next(iter(ds.tpf_by_sector.values())).flux.shape
    print(f"cubes: {len(ds.tpf_by_sector)} sectors × {shape} (time, rows, cols)")
    for s, sv in res.sectors.items():
        loc, m = sv.localization, sv.v08_metrics
        n_fits = sum(t.fit is not None for t in loc.transits) + 1
        print(f"  ours, sector {s}: V08 on {m['n_in_transit_cadences']} in / {m['n_out_of_transit_cadences']} "
              f"out-of-transit cadences + empirical null; {len(loc.transits)} transit difference images and "
              f"{loc.diff.n_fakes if loc.diff else 0} fake-epoch ones; {n_fits} PRF fits; verdict {sv.verdict}")
    c = res.combined
    print(f"  ours, joint: {len(c.sectors_used)} sectors on the sky, {len(c.hosts)} catalogue stars ranked, "
          f"3σ exclusion radius {c.exclusion_radius_arcsec:.0f}″; verdict {res.verdict}")
    print("  reference: whole-sector centroid shift + 1000 bootstrap resamples per sector")


def stages(ds: Dataset, repeat: int) -> float:
    """Best-of-``repeat`` times of the parts of ``vet_pixels`` (the same calls it makes); their sum, seconds."""
    tp = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
    stamps = list(ds.tpf_by_sector.values())
    v08, _, _ = best_of(repeat, lambda: [run_v08(st, tp) for st in stamps])
    loc, _, locs = best_of(repeat, lambda: [localize_sector(st, tp) for st in stamps])
    cat = twin_catalogue()
    joint, _, _ = best_of(repeat, lambda: combine_localizations(locs, cat))
    cal, _, (nulls, jn) = best_of(repeat, lambda: calibrate_sectors(locs, tp, cat))
    from toi5807.diffimage.stars import catalogue_from_image
    from toi5807.data.geometry import stamp_target

    st0, l0 = stamps[0], locs[0]
    star, _, _ = best_of(repeat, lambda: catalogue_from_image(l0.diff.oot_image, st0.wcs, stamp_target(st0)[:2],
                                                               noise=l0.diff.sigma[0]))
    n_fakes = sum(n.n_null for n in nulls.values())
    print(f"ours by stage (best of {repeat}): V08 check {v08:.3f} s, difference images + PRF fits "
          f"{loc:.3f} s, joint fit + hosts + exclusion radius {joint:.3f} s, self-calibration {cal:.3f} s "
          f"({n_fakes} fake epochs, {jn.n_null if jn else 0} joint) (4 sectors); sum {v08 + loc + joint + cal:.3f} s; "
          f"and, without a catalogue in the dataset, the stars found in one out-of-transit image {star:.3f} s")
    return v08 + loc + joint + cal + star


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-stages", action="store_true", help="do not time the parts of vet_pixels")
    args = ap.parse_args(argv)
    ds = build()
    res = vet_pixels(ds)  # warm-up (imports)
    describe(ds, res)
    stage_sum = None if args.no_stages else stages(ds, args.repeat)
    try:
        from tess_vetter.pixel.centroid import TransitParams as RefParams
        from tess_vetter.pixel.centroid import compute_centroid_shift as ref_compute
    except ImportError:
        best, runs, _ = best_of(args.repeat, lambda: vet_pixels(ds))
        print(f"ours (vet_pixels, 4 sectors): best {best:.3f} s")
        print("tess-vetter not installed: pip install -e '.[bench]' to time the reference implementation")
        return
    ref_tp = RefParams(period=target.PERIOD_DAYS, t0=target.T0_BTJD, duration=target.DURATION_HOURS)
    cubes = [(np.asarray(st.flux[st.quality == 0]), np.asarray(st.time[st.quality == 0]))
             for st in ds.tpf_by_sector.values()]

    def reference() -> None:
        for flux, t in cubes:
            ref_compute(flux, t, ref_tp)

    ratios = []
    cat = twin_catalogue()
    for r in range(args.rounds):
        best, runs, res = best_of(args.repeat, lambda: vet_pixels(ds))
        best_cat, runs_cat, _ = best_of(args.repeat, lambda: vet_pixels(ds, catalogue=cat))
        ref_best, ref_runs, _ = best_of(args.repeat - 1, reference)
        ratios.append(ref_best / best)
        tag = f"round {r + 1}: " if args.rounds > 1 else ""
        print(f"{tag}ours (vet_pixels, 4 sectors): best {best:.3f} s (runs: {', '.join(f'{x:.3f}' for x in runs)}"
              f" s); reference (compute_centroid_shift, 4 sectors): best {ref_best:.3f} s "
              f"(runs: {', '.join(f'{x:.2f}' for x in ref_runs)} s)")
        print(f"{tag}speed-up: {ratios[-1]:.1f}× (target ≥ 10×)"
              + (f"; from the sum of the stages: {ref_best / stage_sum:.1f}×" if stage_sum else ""))
        print(f"{tag}with the twin's catalogue given (no star search in the image): best {best_cat:.3f} s "
              f"(runs: {', '.join(f'{x:.3f}' for x in runs_cat)} s), speed-up {ref_best / best_cat:.1f}×")
    if args.rounds > 1:
        print(f"speed-up over {args.rounds} rounds: min {min(ratios):.1f}×, median {np.median(ratios):.1f}×, "
              f"max {max(ratios):.1f}× (target ≥ 10×)")


if __name__ == "__main__":
    main()
