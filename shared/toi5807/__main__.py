"""Command line: ``python -m toi5807 <command>``, or the ``toi5807`` console script (the same).

Commands
--------
regenerate [--notebook GLOB]
    Execute the tutorial notebooks in order, rewriting their stored outputs and
    the pre-rendered plots under ``artifacts/``.
calibrate [--quick] [--seeds N] [--injection-seeds N] [--sectors S ...]
    Null calibration and injection–recovery of V08 on the simulated twin; JSON
    results cached under ``artifacts/tutorial_toi-5807-incremental/calibration/``.
vet [--source tutorial|twin|local|mast] [--scenario S] [--seed N] [--path DIR] [--period DAYS --t0 BTJD
    --duration HOURS] [--json] [--summary-png FILE] [--fail-on never|fail|warn] [--calibrate [--quick]
    [--calibrate-out DIR] ...]
    Pixel vetting: V08 per sector, difference-image localization and the verdict
    (``sh.vet_pixels``), as a pasteable text report (:mod:`toi5807.report_text`), as JSON, and as a
    one-page summary figure (:mod:`toi5807.cli_vet`). ``--calibrate`` then calibrates the verdict on
    the same pixels (empty-epoch false alarms, injection–recovery) and writes
    ``DIR/calibration_<TIC>.json`` and ``.png``. ``vet --calibrate-twin [--quick]`` runs the
    localization calibration on the twin (JSON cached next to the V08 calibration).

Adding a command: write ``_add_<name>(sub)`` (here or in its own ``cli_<name>`` module) that adds its
subparser (with an example in its epilog) and sets ``handler=`` to a function of the parsed arguments
returning an exit code, and list it in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable

from . import __version__
from .cli_vet import EXIT_STATUSES, UsageError, add_vet, emit
from .cli_vet import subparser as _subparser
from .report_text import terminal_safe

#: Longest error line on stderr, characters (cut at a sentence or word boundary, with "…").
MAX_ERROR_LINE = 400

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
    from .calibration import run_calibration
    from .report import dumps

    for name in ("seeds", "injection_seeds"):
        n = getattr(args, name)
        if n is not None and n < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seeds, got {n}")
    from .target import SECTORS as twin_sectors

    if args.sectors and set(args.sectors) - set(twin_sectors):
        raise UsageError(f"--sectors: the twin has sectors {', '.join(map(str, twin_sectors))}, got "
                         f"{' '.join(map(str, args.sectors))}")

    with contextlib.redirect_stdout(sys.stderr):
        rec = run_calibration(quick=args.quick, n_seeds=args.seeds, sectors=args.sectors,
                              n_injection_seeds=args.injection_seeds)
    emit(dumps(rec) + "\n")
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
from .batch.cli import add_vet_batch  # noqa: E402 - vet-batch: many stars on Dask (toi5807.batch)

COMMANDS: tuple[Callable[..., None], ...] = (_add_regenerate, _add_calibrate, add_vet, add_vet_batch)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``--version`` included)."""
    parser = argparse.ArgumentParser(
        prog="toi5807", description="TOI-5807 pixel-vetting tutorial suite (also: python -m toi5807)",
        epilog="example:\n  python -m toi5807 regenerate\n\n'toi5807 COMMAND --help' shows each command's options\n"
               + EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"toi5807 {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """A warning as one line, ``toi5807: CacheWarning: ...`` (no source file, no code line)."""
    return f"toi5807: {category.__name__}: {terminal_safe(message, keep_newlines=False)}\n"


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (see :data:`EXIT_STATUSES`)."""
    args = build_parser().parse_args(argv)
    if sys.stdout is None:  # started with stdout closed (>&-): nothing could be reported
        print(f"toi5807 {args.command}: standard output is closed (>&-); nothing would be reported", file=sys.stderr)
        return 2
    previous = warnings.formatwarning
    warnings.formatwarning = _format_warning
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print(f"toi5807 {args.command}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, KeyError) as exc:  # expected failures: bad values, folders, caches
        if args.debug:
            raise
        print(f"toi5807 {args.command}: {_one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        warnings.formatwarning = previous


_NUMPY_SCALAR = re.compile(r"np\.(?:float|int|uint|bool_|str_)\w*\(([^()]*)\)")


def _cut(text: str, limit: int = MAX_ERROR_LINE) -> str:
    """``text`` cut to ``limit`` characters at the last sentence end (else word boundary) before it, with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    for stop in (". ", "; ", ", ", " "):
        i = head.rfind(stop)
        if i >= limit // 2:
            return head[: i + (1 if stop != " " else 0)].rstrip(" ,;") + " …"
    return head + "…"


def _one_line(exc: BaseException) -> str:
    """The error as one terminal-safe line; ``network=True`` spelled as the command line's ``--network``."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}, {exc.filename}"
    if not isinstance(exc, UsageError):
        text = f"{type(exc).__name__}: {text}"
    text = _NUMPY_SCALAR.sub(r"\1", text)  # whatever a library quoted: 3559.81, not np.float64(3559.81)
    return _cut(terminal_safe(text.replace("network=True", "--network"), keep_newlines=False))


if __name__ == "__main__":
    sys.exit(main())
