"""Command line: ``python -m toi5807 <command>``.

Commands
--------
regenerate [--notebook GLOB]
    Execute the tutorial notebooks in order, rewriting their stored outputs and
    the pre-rendered plots under ``artifacts/``.
calibrate [--quick] [--seeds N] [--injection-seeds N] [--sectors S ...]
    Null calibration and injection–recovery of V08 on the simulated twin; JSON
    results cached under ``artifacts/tutorial_toi-5807-incremental/calibration/``.
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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
