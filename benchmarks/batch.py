"""A population vetted in one batch (``toi5807.batch.run_batch`` on Dask): confusion table and throughput.

The population, written as SPOC-like files into a temporary folder, one folder per target:

* planet twins and background-EB twins of sector 83 (SIMULATED, seeds 0 … N−1; the binary is 48″ away);
* eclipses injected into the REAL sector-83 pixels at empty epochs (between the real transits): on the target
  (a planet-like source) and at 20″, 40″, 60″ (blends, at the observed 256 ppm);
* the real sector 83 itself (TOI-5807.01).

Prints the confusion table (planet-like: PASS / WARN / FAIL; eclipsing neighbours: FAIL / WARN / PASS by separation)
and targets per minute with 1 and 2 workers (the same batch, recomputed), beside the published anchor: RAVEN's
positional probability ranks 96.5 % of 655 planet hosts on target and 96.5 % of 142 nearby binaries off target
(Hadjigeorghiou et al. 2025). Default run: a few minutes on 2 cores.

    python benchmarks/batch.py [--seeds 2] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from pathlib import Path

import numpy as np

TOI = (14.2423724, 3540.26317, 4.046)
ANCHOR = ("RAVEN positional probability (Hadjigeorghiou et al. 2025): 96.5 % of 655 planet hosts ranked on target, "
          "96.5 % of 142 nearby eclipsing binaries ranked off target")


def _twins(root: Path, seeds: int) -> list[dict]:
    from toi5807.twin.fits import write_twin_fits

    rows = []
    for scenario, sep in (("planet", 0.0), ("background_eb", 48.0)):
        for seed in range(seeds):
            folder = root / f"twin_{scenario}_{seed}"
            write_twin_fits(folder, seed=seed, scenario=scenario, sectors=[83])
            rows.append(dict(label=f"twin {scenario} seed {seed} (SIMULATED)", path=folder, eph=TOI,
                             kind="planet" if scenario == "planet" else "neighbour", sep=sep))
    return rows


def _injections(root: Path) -> list[dict]:
    """Eclipses injected into the real sector-83 pixels at empty epochs; written as copies of the real file."""
    from astropy.io import fits

    from toi5807.data.readers import read_tpf_fits
    from toi5807.data.tutorial import dataset_folder
    from toi5807.pixels.inject import inject_eclipsing_source

    with dataset_folder() as src:
        raw = gzip.decompress((src / "sector83_tpf.fits.gz").read_bytes())
    real = root / "real_s83"
    real.mkdir()
    (real / "tess-s0083-0000000188646744_tp.fits").write_bytes(raw)
    stamp = read_tpf_fits(real / "tess-s0083-0000000188646744_tp.fits")
    rows = [dict(label="TOI-5807.01 real s83", path=real, eph=TOI, kind="planet", sep=0.0)]
    cases = [(0.0, 0.0, 3.5), (0.0, 0.0, 7.0), (20.0, 0.0, 3.5), (0.0, 40.0, 7.0), (-42.4, 42.4, 10.5)]
    for k, (east, north, shift_days) in enumerate(cases):
        eph = (TOI[0], TOI[1] + shift_days, TOI[2])
        as_map = lambda e: dict(zip(("period_days", "t0_btjd", "duration_hours"), e))  # noqa: E731
        inj = inject_eclipsing_source(stamp, as_map(eph), east_arcsec=east, north_arcsec=north,
                                      aperture_depth_ppm=256.0, target_ephemeris=as_map(TOI))
        folder = root / f"injected_{k}"
        folder.mkdir()
        with fits.open(real / "tess-s0083-0000000188646744_tp.fits") as hdul:
            if len(hdul[1].data) != inj.shape[0]:
                raise ValueError("the real file's cadences differ from the stamp's")
            hdul[1].data["FLUX"] = inj.flux.astype(np.float32)
            hdul.writeto(folder / "tess-s0083-0000000188646744_tp.fits")
        sep = float(np.hypot(east, north))
        rows.append(dict(label=f"real s83 + injected {'on target' if sep == 0 else f'{sep:.0f}″'} #{k}",
                         path=folder, eph=eph, kind="planet" if sep == 0 else "neighbour", sep=sep))
    return rows


def _csv(rows: list[dict], path: Path) -> None:
    lines = ["label,path,period_days,t0_btjd,duration_hours"]
    lines += [f"{r['label'].replace(',', ';')},{r['path']},{r['eph'][0]},{r['eph'][1]},{r['eph'][2]}" for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _confusion(rows: list[dict], results: list[dict]) -> None:
    print("\nconfusion table (verdict of each target; 'off target': fitted source >= 3 sigma (nominal) from target)")
    print(f"  {'population':<46} {'n':>3} {'PASS':>5} {'WARN':>5} {'FAIL':>5} {'error':>5} {'off target':>10}")
    groups: dict[str, list[tuple[str, bool]]] = {}
    for r, res in zip(rows, results):
        key = ("planet-like (on target)" if r["kind"] == "planet" else f"eclipsing neighbour at {r['sep']:.0f}″")
        key += " — twin (SIMULATED)" if r["label"].startswith("twin") else " — real s83 pixels"
        sig = res.get("source_offset_sigma")
        groups.setdefault(key, []).append(("error" if res.get("error") else str(res.get("verdict")),
                                           sig is not None and sig >= 3.0))
    for key in sorted(groups):
        v = [g[0] for g in groups[key]]
        off = sum(g[1] for g in groups[key])
        print(f"  {key:<46} {len(v):>3} {v.count('PASS'):>5} {v.count('WARN'):>5} {v.count('FAIL'):>5} "
              f"{v.count('error'):>5} {off:>10}")
    planets = [g for k, g in groups.items() if k.startswith("planet")]
    nbs = [g for k, g in groups.items() if k.startswith("eclipsing")]
    n_p, n_n = sum(map(len, planets)), sum(map(len, nbs))
    print(f"  planet-like: PASS {sum(x[0] == 'PASS' for g in planets for x in g)}/{n_p}, FAIL "
          f"{sum(x[0] == 'FAIL' for g in planets for x in g)}/{n_p}, on target "
          f"{sum(not x[1] for g in planets for x in g)}/{n_p}; eclipsing neighbours: FAIL {sum(x[0] == 'FAIL' for g in nbs for x in g)}/{n_n}, PASS "
          f"{sum(x[0] == 'PASS' for g in nbs for x in g)}/{n_n}, off target {sum(x[1] for g in nbs for x in g)}/{n_n}")
    print("  (an off-target source on no catalogue star is a WARN, not a FAIL: the injections have no star there)")
    print(f"  anchor: {ANCHOR}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="twin seeds per scenario (default 2)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to time")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from toi5807.batch import read_targets, run_batch

    with tempfile.TemporaryDirectory(prefix="toi5807-batch-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        rows = _twins(root, args.seeds) + _injections(root)
        _csv(rows, root / "targets.csv")
        targets = read_targets(root / "targets.csv")
        print(f"population: {len(targets)} targets written in {time.perf_counter() - t0:.1f} s")
        rates, verdicts = {}, {}
        for n in args.workers:
            s = run_batch(targets, root / f"out_{n}", workers=n, force=True, figures=False, progress=False)
            rates[n] = 60.0 * s.n_targets / s.runtime_s
            verdicts[n] = [(r.get("verdict"), r.get("error") or "") for r in s.rows]
            busy = sum(float(r.get("runtime") or 0.0) for r in s.rows)
            print(f"{n} worker(s): {s.n_targets} targets in {s.runtime_s:.1f} s wall (cluster start-up included; "
                  f"{busy:.1f} s inside the tasks) = {rates[n]:.2f} targets/min "
                  f"(PASS {s.verdicts['PASS']}, WARN {s.verdicts['WARN']}, FAIL {s.verdicts['FAIL']}, "
                  f"errors {s.n_errors}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if len(rates) > 1:
            base = args.workers[0]
            for n in args.workers[1:]:
                print(f"  speed-up {n} vs {base} worker(s): {rates[n] / rates[base]:.2f}× "
                      f"(same verdicts: {verdicts[n] == verdicts[base]})")
        print("\nper target (last run):")
        for r, res in zip(rows, s.rows):
            off = res.get("source_offset")
            why = str(res.get("reason") or res.get("error"))[:70]
            print(f"  {r['label'][:46]:<46} {str(res.get('verdict') or 'error'):<5} "
                  f"{'—' if off is None else format(off, '5.1f')}″  {why}")
        _confusion(rows, s.rows)


if __name__ == "__main__":
    main()
