"""Where does V10 alone detect a blend and name its host? Injections into the real sector-83 pixels, beside the
difference images (``vet_pixels``) on the same injected stamps.

A star is added to the real stamp at (separation, position angle) from the target — its light is the stamp's own
out-of-transit image moved there and scaled to ``--star-fraction`` of the target's flux (so the catalogue can list
it, as Gaia would) — and made to eclipse at fake epochs between the real transits (T0 + P/2) so that the pipeline
aperture loses ``depth`` ppm (:func:`toi5807.inject_eclipsing_source`). Both checks get the image stars plus the
added star as their catalogue. Per (separation, depth): how many of the position angles V10 FAILs naming the
injected star (detected and named), names it only as most likely host, or does neither; and the same for the
difference images. Then each real image star itself made to eclipse (no light added).

Run: ``python benchmarks/v10_injections.py [--pas 3] [--star-fraction 0.1]`` (≈ 2 s per injection on a quiet
machine, most of it the difference images).
"""

from __future__ import annotations

import argparse
import dataclasses
import math

import numpy as np

import toi5807 as sh
from toi5807 import target
from toi5807.aperture.analysis import image_catalogue
from toi5807.data.catalogue import Catalogue, Star
from toi5807.data.geometry import sky_jacobian, stamp_target, target_pixel
from toi5807.lightcurve import TransitParams

REAL = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
FAKE = TransitParams(REAL.period, REAL.t0 + 0.5 * REAL.period, REAL.duration)


def add_star(stamp, east: float, north: float, fraction: float):
    """``stamp`` plus a constant star at (east, north) arcsec: the out-of-transit image moved there, ``fraction`` of
    its stamp sum (the target dominates it)."""
    from scipy.ndimage import shift

    tx, ty = target_pixel(stamp)
    dcol, drow = np.linalg.solve(sky_jacobian(stamp.wcs, tx, ty), [east, north])
    image = np.nan_to_num(np.nanmedian(stamp.flux[::20], axis=0))
    moved = np.clip(shift(image, (drow, dcol), order=3, mode="constant", cval=0.0), 0.0, None) * fraction
    return dataclasses.replace(stamp, flux=stamp.flux + moved[None]), float(fraction * image.sum())


def radec(stamp, east: float, north: float) -> tuple[float, float]:
    ra0, dec0, _ = stamp_target(stamp)
    return ra0 + east / 3600.0 / math.cos(math.radians(dec0)), dec0 + north / 3600.0


def outcome(host: str | None, verdict: str, label: str) -> str:
    if host == label and verdict == "FAIL":
        return "FAIL on it"
    return "named" if host == label else "missed"


def run(stamp, cat, label: str) -> tuple[str, str]:
    v10 = sh.run_v10(stamp, FAKE, catalogue=cat, avoid=REAL)
    vet = sh.vet_pixels(stamp, FAKE, catalogue=cat)
    host = vet.sectors[83].hosts[0]["label"] if vet.sectors[83].hosts else None
    return outcome(v10.most_likely_host, v10.verdict, label), outcome(host, vet.verdict, label)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pas", type=int, default=3, help="position angles per separation")
    ap.add_argument("--star-fraction", type=float, default=0.1)
    ap.add_argument("--twin", action="store_true", help="the planet twin's sector 83 (SIMULATED) instead")
    args = ap.parse_args(argv)
    ds = sh.load_dataset("twin") if args.twin else sh.load_dataset()
    stamp = ds.tpf_by_sector[83]
    base = ds.catalogue if args.twin else image_catalogue(stamp, REAL)
    print(f"{'SIMULATED twin' if args.twin else 'real'} s83; catalogue: {len(base.stars)} stars ({base.origin}); "
          f"added stars at {args.star_fraction:g} of the target's light; eclipses at T0 + P/2")
    print(f"{'sep″':>5s} {'ppm':>5s}  {'V10: FAIL on it / named / missed':>34s}  {'difference images':>26s}")
    for sep in (10.0, 20.0, 30.0, 40.0, 60.0):
        for depth in (256.0, 1000.0):
            v10, di = [], []
            for k in range(args.pas):
                pa = math.radians(37.0 + 360.0 * k / args.pas)
                e, n = sep * math.sin(pa), sep * math.cos(pa)
                st, flux = add_star(stamp, e, n, args.star_fraction)
                st = sh.inject_eclipsing_source(st, FAKE, east_arcsec=e, north_arcsec=n, aperture_depth_ppm=depth,
                                                target_ephemeris=REAL)
                cat = Catalogue(base.stars + (Star("injected", *radec(stamp, e, n), flux_e_per_s=flux),),
                                origin=base.origin)
                a, b = run(st, cat, "injected")
                v10.append(a)
                di.append(b)
            fmt = lambda xs: "/".join(str(xs.count(w)) for w in ("FAIL on it", "named", "missed"))  # noqa: E731
            print(f"{sep:5.0f} {depth:5.0f}  {fmt(v10):>34s}  {fmt(di):>26s}")
    print("each real image star eclipsing (no light added), 256 / 1000 ppm:")
    off = base.offsets_arcsec()
    for i, s in enumerate(base.stars[1:], start=1):
        row = []
        for depth in (256.0, 1000.0):
            st = sh.inject_eclipsing_source(stamp, FAKE, east_arcsec=off[i, 0], north_arcsec=off[i, 1],
                                            aperture_depth_ppm=depth, target_ephemeris=REAL)
            row.append("{} | {}".format(*run(st, base, s.label)))
        print(f"  {s.label} ({math.hypot(*off[i]):.0f}″, {s.flux_e_per_s:.0f} e-/s): V10 | diff. images: "
              + "; ".join(row))


if __name__ == "__main__":
    main()
