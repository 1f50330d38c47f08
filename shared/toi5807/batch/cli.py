"""The ``vet-batch`` command: ``python -m toi5807 vet-batch TARGETS.csv --out DIR [--workers N | --scheduler ADDR]``.

:func:`add_vet_batch` adds the subparser to the command line of :mod:`toi5807.__main__` (which registers it in
one line); its handler returns the exit status (:data:`BATCH_EXIT_STATUSES`).
"""

from __future__ import annotations

import argparse

from .targets import TARGET_COLUMNS

__all__ = ["add_vet_batch", "BATCH_EXIT_STATUSES"]

BATCH_EXIT_STATUSES = ("exit status: 0 every target was vetted (whatever its verdict), 1 at least one target is an\n"
                       "  error row (its file and reason in results.ecsv), 2 usage or input error (a bad CSV:\n"
                       "  one line on stderr naming the row and column)")


def _vet_batch(args: argparse.Namespace) -> int:
    import sys

    from .run import run_batch
    from .targets import read_targets

    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    targets = read_targets(args.targets, network=args.network)
    summary = run_batch(targets, args.out, workers=args.workers, scheduler=args.scheduler, network=args.network,
                        force=args.force, figures=not args.no_figures, progress=True)
    for r in summary.rows:
        what = f"ERROR {r['error']}" if r.get("error") else f"{r.get('verdict')} — {r.get('reason')}"
        print(f"{r['label']}: {what}"[:300])
    v = summary.verdicts
    print(f"{summary.n_targets} targets: PASS {v['PASS']}, WARN {v['WARN']}, FAIL {v['FAIL']}, errors "
          f"{summary.n_errors}; vetted {summary.n_vetted}, reused {summary.n_reused} in {summary.runtime_s:.1f} s")
    print(f"wrote {summary.table_path}")
    sys.stdout.flush()
    return 1 if summary.n_errors else 0


def add_vet_batch(sub) -> None:
    """Add ``vet-batch`` to the command line's subparsers."""
    help_text = "vet many stars from a CSV target table on a Dask cluster (resumable)"
    p = sub.add_parser("vet-batch", help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="example:\n  python -m toi5807 vet-batch targets.csv --out results/ --workers 2\n"
                              "  python -m toi5807 vet-batch targets.csv --out results/ --scheduler "
                              "tcp://127.0.0.1:8786\n\n"
                              f"TARGETS.csv columns: {','.join(TARGET_COLUMNS)}[,tic_id] (days, BTJD, hours; path: a "
                              "folder of one star's files,\nrelative to the CSV). Writes DIR/results.ecsv, "
                              "DIR/<label>.json (as vet --json) and DIR/<label>.png;\na rerun recomputes only "
                              "targets whose files, ephemeris or toi5807 version changed.\n"
                              + BATCH_EXIT_STATUSES)
    p.add_argument("targets", metavar="TARGETS.csv", help="the target table")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="local worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--network", action="store_true", help="download rows without a path by tic_id; Gaia neighbours")
    p.add_argument("--force", action="store_true", help="recompute every target, even when unchanged")
    p.add_argument("--no-figures", action="store_true", help="skip the per-target PNG")
    p.set_defaults(handler=_vet_batch)
