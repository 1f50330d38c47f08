"""Command line: ``python -m toi5807 <command>``.

Commands
--------
regenerate [--notebook GLOB]
    Execute the tutorial notebooks in order, rewriting their stored outputs and
    the pre-rendered plots under ``artifacts/``.
calibrate [--quick] [--seeds N] [--injection-seeds N] [--sectors S ...]
    Null calibration and injection–recovery of V08 on the simulated twin; JSON
    results cached under ``artifacts/tutorial_toi-5807-incremental/calibration/``.
vet [--source twin|local|mast] [--scenario S] [--seed N] [--path DIR] [--json]
    Pixel vetting: V08 per sector, difference-image localization and the verdict
    (``sh.vet_pixels``), as a table or as JSON. ``vet --calibrate [--quick]`` runs the
    localization calibration on the twin (JSON cached next to the V08 calibration).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toi5807", description="TOI-5807 tutorial suite")
    sub = parser.add_subparsers(dest="command", required=True)
    regen = sub.add_parser("regenerate", help="execute the notebooks and rewrite outputs and plots")
    regen.add_argument("--notebook", metavar="GLOB", help="only notebooks whose file name matches GLOB")
    cal = sub.add_parser("calibrate", help="V08 null calibration and injection-recovery on the twin (JSON cache)")
    cal.add_argument("--quick", action="store_true", help="smoke run: few seeds, written to persistent_cache only")
    cal.add_argument("--seeds", type=int, metavar="N", help="null seeds (default 200; quick 10)")
    cal.add_argument("--injection-seeds", type=int, metavar="N", help="injection seeds (default 5; quick 1)")
    cal.add_argument("--sectors", type=int, nargs="+", metavar="S", help="twin sectors (default: all four)")
    _add_vet_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "vet":
        return _run_vet(args)
    if args.command == "calibrate":
        from .report import print_json
        from .v08.calibration import run_calibration

        print_json(run_calibration(quick=args.quick, n_seeds=args.seeds, sectors=args.sectors,
                                   n_injection_seeds=args.injection_seeds))
        return 0
    if args.command == "regenerate":
        from .tutorial.runner import regenerate

        return regenerate(args.notebook)
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2


def _add_vet_parser(sub) -> None:
    vet = sub.add_parser("vet", help="pixel vetting: where on the sky the dip comes from, and a verdict")
    vet.add_argument("--source", default="twin", choices=("twin", "local", "mast"), help="dataset source")
    vet.add_argument("--scenario", default="planet", help="twin scenario (planet, background_eb, no_transit)")
    vet.add_argument("--seed", type=int, default=0, help="twin seed")
    vet.add_argument("--path", metavar="DIR", help="folder for --source local")
    vet.add_argument("--sectors", type=int, nargs="+", metavar="S", help="sectors (default: all four)")
    vet.add_argument("--network", action="store_true", help="allow MAST / Gaia queries")
    vet.add_argument("--json", action="store_true", help="print the result dictionary as JSON")
    vet.add_argument("--calibrate", action="store_true", help="run the localization calibration on the twin")
    vet.add_argument("--quick", action="store_true", help="with --calibrate: a small smoke run")


def _run_vet(args) -> int:
    from .report import print_json

    if args.calibrate:
        from .v08.calibration.localization import run_localization_calibration

        print_json(run_localization_calibration(quick=args.quick))
        return 0
    from .data import load_dataset
    from .v08.vet import vet_pixels

    if args.source == "local" and not args.path:
        print("vet --source local needs --path DIR", file=sys.stderr)
        return 2
    try:
        ds = load_dataset(args.source, path=args.path, seed=args.seed, scenario=args.scenario,
                          sectors=args.sectors, network=args.network)
    except ValueError as exc:
        print(f"vet: {exc}", file=sys.stderr)
        return 2
    res = vet_pixels(ds, network=args.network)
    d = res.to_dict()
    if args.json:
        print_json(d)
        return 0
    sim = " (SIMULATED)" if d["simulated"] else ""
    print(f"verdict: {d['verdict']}{sim} — {d['reason']}")
    print(f"{'sector':>6} {'verdict':>7} {'transits':>8} {'V08 shift px':>12} {'V08 σ':>6} "
          f"{'offset ″':>9} {'offset σ':>8}  host")
    fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
    for s, v in d["sectors"].items():
        print(f"{s:>6} {v['verdict']:>7} {v['n_transits']:>8} {fmt(v['shift_px'], '12.4f')} "
              f"{fmt(v['shift_sigma'], '6.1f')} {fmt(v['source_offset_arcsec'], '9.1f')} "
              f"{fmt(v['source_offset_sigma'], '8.1f')}  {v['most_likely_host'] or '—'}")
    c = d["combined"]
    ell = c["error_ellipse_arcsec"] or [None, None, None]
    print(f"combined: offset {fmt(c['offset_from_target_arcsec'], '.1f')}″ "
          f"(1σ ellipse {fmt(ell[0], '.1f')}″ × {fmt(ell[1], '.1f')}″), {fmt(c['offset_sigma'], '.1f')}σ from the "
          f"target; χ² between sectors {fmt(c['chi2_between_sectors'], '.1f')} ({c['dof_between_sectors']} dof); "
          f"most likely host {c['most_likely_host'] or '—'} ({fmt(c['host_separation_arcsec'], '.0f')}″)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
