"""Command line: ``python -m toi5807 <command>``.

Commands
--------
regenerate [--notebook GLOB]
    Execute the tutorial notebooks in order, rewriting their stored outputs and
    the pre-rendered plots under ``artifacts/``.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toi5807", description="TOI-5807 tutorial suite")
    sub = parser.add_subparsers(dest="command", required=True)
    regen = sub.add_parser("regenerate", help="execute the notebooks and rewrite outputs and plots")
    regen.add_argument("--notebook", metavar="GLOB", help="only notebooks whose file name matches GLOB")
    args = parser.parse_args(argv)
    if args.command == "regenerate":
        from .notebook_runner import regenerate

        return regenerate(args.notebook)
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2


if __name__ == "__main__":
    sys.exit(main())
