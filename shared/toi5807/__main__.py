"""Command line: ``python -m toi5807 <command>``, or the ``toi5807`` console script (the same).

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

Adding a command: write ``_add_<name>(sub)`` that adds its subparser (with an example in its epilog) and
sets ``handler=`` to a function of the parsed arguments returning an exit code, and list it in
:data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from . import __version__


def _subparser(sub, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` ends with an example."""
    return sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                          epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)


def _regenerate(args: argparse.Namespace) -> int:
    from .plots import REGENERATE_ENV
    from .tutorial.runner import regenerate

    # the notebook kernels inherit this: their figures may now rewrite the committed artifacts/ copies
    os.environ[REGENERATE_ENV] = "1"
    return regenerate(args.notebook)


def _add_regenerate(sub) -> None:
    p = _subparser(sub, "regenerate", "execute the notebooks and rewrite their outputs and the plots in artifacts/",
                   "python -m toi5807 regenerate --notebook '11*'")
    p.add_argument("--notebook", metavar="GLOB", help="only notebooks whose file name matches GLOB")
    p.set_defaults(handler=_regenerate)


def _calibrate(args: argparse.Namespace) -> int:
    from .report import print_json
    from .calibration import run_calibration

    print_json(run_calibration(quick=args.quick, n_seeds=args.seeds, sectors=args.sectors,
                               n_injection_seeds=args.injection_seeds))
    return 0


def _add_calibrate(sub) -> None:
    p = _subparser(sub, "calibrate", "V08 null calibration and injection-recovery on the twin (JSON cache)",
                   "python -m toi5807 calibrate --quick --sectors 82 83")
    p.add_argument("--quick", action="store_true", help="smoke run: few seeds, written to persistent_cache only")
    p.add_argument("--seeds", type=int, metavar="N", help="null seeds (default 200; quick 10)")
    p.add_argument("--injection-seeds", type=int, metavar="N", help="injection seeds (default 5; quick 1)")
    p.add_argument("--sectors", type=int, nargs="+", metavar="S", help="twin sectors (default: all four)")
    p.set_defaults(handler=_calibrate)


def _vet(args: argparse.Namespace) -> int:
    from .report import print_json

    if args.calibrate:
        from .calibration.localization import run_localization_calibration

        print_json(run_localization_calibration(quick=args.quick))
        return 0
    from .data import load_dataset
    from .vetting.vet import vet_pixels

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


def _add_vet(sub) -> None:
    p = _subparser(sub, "vet", "pixel vetting: where on the sky the dip comes from, and a verdict",
                   "python -m toi5807 vet --source twin --scenario background_eb --json")
    p.add_argument("--source", default="twin", choices=("twin", "local", "mast"), help="dataset source")
    p.add_argument("--scenario", default="planet", help="twin scenario (planet, background_eb, no_transit)")
    p.add_argument("--seed", type=int, default=0, help="twin seed")
    p.add_argument("--path", metavar="DIR", help="folder for --source local")
    p.add_argument("--sectors", type=int, nargs="+", metavar="S", help="sectors (default: all four)")
    p.add_argument("--network", action="store_true", help="allow MAST / Gaia queries")
    p.add_argument("--json", action="store_true", help="print the result dictionary as JSON")
    p.add_argument("--calibrate", action="store_true", help="run the localization calibration on the twin")
    p.add_argument("--quick", action="store_true", help="with --calibrate: a small smoke run")
    p.set_defaults(handler=_vet)


#: The subcommands, in ``--help`` order: each adds its subparser and sets ``handler``.
COMMANDS: tuple[Callable[..., None], ...] = (_add_regenerate, _add_calibrate, _add_vet)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``--version`` included)."""
    parser = argparse.ArgumentParser(
        prog="toi5807", description="TOI-5807 pixel-vetting tutorial suite (also: python -m toi5807)",
        epilog="example:\n  python -m toi5807 regenerate\n\n'toi5807 COMMAND --help' shows each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"toi5807 {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
