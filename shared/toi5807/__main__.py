"""Command line: ``python -m toi5807 <command>``, or the ``toi5807`` console script (the same).

Commands
--------
regenerate [--notebook GLOB]
    Execute the tutorial notebooks in order, rewriting their stored outputs and
    the pre-rendered plots under ``artifacts/``.
calibrate [--quick] [--seeds N] [--injection-seeds N] [--sectors S ...]
    Null calibration and injection–recovery of V08 on the simulated twin; JSON
    results cached under ``artifacts/tutorial_toi-5807-incremental/calibration/``.

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
    from .v08.calibration import run_calibration

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


#: The subcommands, in ``--help`` order: each adds its subparser and sets ``handler``.
COMMANDS: tuple[Callable[..., None], ...] = (_add_regenerate, _add_calibrate)


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
