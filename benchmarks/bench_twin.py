"""Benchmark and realism report of the digital twin.

1. Cold generation of the four sectors with FITS, in a fresh process (target: under 5 s), and, as the peer
   measured in the same run, reading the same files back through the package's reader.
2. The twin's sector-83 statistics against the real sector-83 target pixel file
   (:func:`toi5807.pixels.stamp_noise.stamp_noise`), with ratios — when ``--tpf`` or ``$TOI5807_REAL_TPF_DIR``
   points at the real file (not part of the repository).

Run: ``python benchmarks/bench_twin.py [--tpf PATH] [--seeds N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from pathlib import Path

_COLD = textwrap.dedent("""
    import tempfile, time
    from pathlib import Path
    t0 = time.perf_counter()
    from toi5807.data.readers import read_lc_fits, read_tpf_fits
    from toi5807.twin.fits import write_twin_fits
    t1 = time.perf_counter()
    out = Path(tempfile.mkdtemp())
    names = write_twin_fits(out, seed=0)
    t2 = time.perf_counter()
    for fn in names.values():
        read_tpf_fits(out / fn["tpf"]); read_lc_fits(out / fn["lc"])
    t3 = time.perf_counter()
    print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
""")


def cold_generation() -> None:
    line = subprocess.run([sys.executable, "-c", _COLD], check=True, capture_output=True, text=True).stdout.split()
    imp, gen, read = (float(v) for v in line)
    print(f"cold twin generation, 4 sectors with FITS: {gen:.2f} s (budget 5 s: {gen / 5.0:.2f} of it); "
          f"imports {imp:.2f} s")
    print(f"peer, reading the same 8 files back: {read:.2f} s; generation / read-back = {gen / read:.2f}")


def realism(tpf_path: Path, seeds: int) -> None:
    import numpy as np

    from toi5807.data.model import TPFStamp
    from toi5807.data.readers import read_tpf_fits
    from toi5807.twin import simulate_sector
    from toi5807.pixels.stamp_noise import compare_stamp_noise, stamp_noise

    real = stamp_noise(read_tpf_fits(tpf_path))
    rows_by_seed = []
    for seed in range(seeds):
        sim = simulate_sector(83, seed=seed)
        st = TPFStamp(time=sim.time, flux=sim.flux, quality=sim.quality, aperture_mask=sim.aperture_mask,
                      sector=83, provenance={"simulated": True})
        rows_by_seed.append(compare_stamp_noise(stamp_noise(st), real))
    print(f"\nsector 83, out of transit: twin (seed 0; ratio range over seeds 0-{seeds - 1}) vs real")
    print(f"{'statistic':36s} {'twin':>9s} {'real':>9s}  ratio  range")
    for k, row in enumerate(rows_by_seed[0]):
        ratios = [rows[k]["ratio"] for rows in rows_by_seed]
        print(f"{row['statistic'] + ' (' + row['unit'] + ')':36s} {row['twin']:9.2f} {row['real']:9.2f}  "
              f"{row['ratio']:5.2f}  {min(ratios):.2f}-{max(ratios):.2f}")
    worst = max(abs(np.log(r["ratio"])) for r in rows_by_seed[0])
    print(f"largest deviation, seed 0: a factor {np.exp(worst):.2f} (target: within 1.5)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("TOI5807_REAL_TPF_DIR")
    ap.add_argument("--tpf", default=str(Path(env) / "sector83_tpf.fits") if env else None)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    cold_generation()
    if args.tpf and Path(args.tpf).is_file():
        realism(Path(args.tpf), args.seeds)
    else:
        print("\nno real sector-83 TPF (--tpf or TOI5807_REAL_TPF_DIR): realism table skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
