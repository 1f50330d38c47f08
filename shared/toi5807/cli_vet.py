"""The ``vet`` command: pixel vetting of a dataset, as a pasteable text report, a JSON record and a one-page figure.

``python -m toi5807 vet ...`` (:func:`add_vet` registers it in :mod:`toi5807.__main__`). The report is rendered from
the JSON record by :func:`toi5807.report_text.render_vet_report`, so both say the same. Every output path is
checked before any work; every file is written atomically; the standard output carries only the report (or the
JSON document): whatever a library prints while the data load or the catalogue is queried goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import os
import sys
from pathlib import Path


__all__ = ["UsageError", "add_vet", "vet_record", "emit", "DEFAULT_CALIBRATE_OUT", "QUICK_CALIBRATION",
           "EXIT_STATUSES", "subparser"]

#: What the exit status means (shown in ``--help``).
EXIT_STATUSES = ("exit status: 0 ran (whatever the verdict, unless --fail-on), 1 the verdict hit --fail-on,\n"
                 "  2 usage or input error (one line on stderr; --debug shows the traceback), 130 interrupted")
#: Default folder of ``vet --calibrate``'s files, in the current directory.
DEFAULT_CALIBRATE_OUT = "toi5807_calibration"
#: ``vet --calibrate --quick``: a smoke run (a few seconds a sector).
QUICK_CALIBRATION = {"n_empty": 8, "n_angles": 2, "separations_arcsec": (20.0, 40.0, 80.0)}
_CAL_OPTIONS = {"n_empty": "--calibrate-empty", "n_angles": "--calibrate-angles", "seed": "--calibrate-seed",
                "separations_arcsec": "--calibrate-separations", "depths_ppm": "--calibrate-depths"}


class UsageError(ValueError):
    """A bad option or input: ``toi5807 <command>: <what>`` on stderr and exit status 2."""


def subparser(sub, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` ends with an example."""
    return sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                          epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)


def emit(text: str) -> None:
    """Write ``text`` to stdout and flush; a closed or failing stdout is an ``OSError`` saying so (exit 2), never
    a silent success. After a failure stdout is replaced by ``os.devnull`` so the interpreter's exit does not fail
    a second time."""
    out = sys.stdout
    if out is None:
        raise OSError("cannot write the report: standard output is closed (was the command run with >&-?)")
    try:
        out.write(text)
        out.flush()
    except (OSError, ValueError) as exc:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives until exit
        raise OSError(f"cannot write the report to standard output ({type(exc).__name__}: {exc})") from None


def run_date_utc() -> str:
    """Today's UTC date and time (ISO 8601, to the second); ``SOURCE_DATE_EPOCH`` (reproducible builds) fixes it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch and epoch.strip().isdigit()
           else _dt.datetime.now(_dt.timezone.utc))
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _candidate(args: argparse.Namespace) -> tuple[float, float, float] | None:
    given = [args.period, args.t0, args.duration]
    if all(v is None for v in given):
        return None
    if any(v is None for v in given):
        missing = [n for n, v in zip(("--period DAYS", "--t0 BTJD", "--duration HOURS"), given) if v is None]
        raise UsageError(f"give all three of --period, --t0, --duration; missing {', '.join(missing)}")
    return (args.period, args.t0, args.duration)


def duration_hint(period_days: float, duration_hours: float) -> str | None:
    """A note when ``duration_hours`` looks like days for this period: far shorter than a central transit of a
    Sun-like star (≈ 13 h · (P / 365 d)^(1/3)) while 24× it is about that long. None otherwise."""
    if not (period_days > 0 and duration_hours > 0):  # bad values are refused later, with their own message
        return None
    expected = 13.0 * (float(period_days) / 365.25) ** (1.0 / 3.0)
    d = float(duration_hours)
    if d < 0.2 * expected and 0.25 * expected <= 24.0 * d <= 4.0 * expected:
        return (f"--duration {d:g} h is short for a period of {period_days:g} days (a central transit of a Sun-like "
                f"star lasts ≈ {expected:.0f} h); if you meant {d:g} days, pass --duration {24.0 * d:g} (hours)")
    return None


def vet_record(res, args: argparse.Namespace, candidate, ds, *, run_date: str | None = None) -> dict:
    """The JSON record of one vetting (:func:`toi5807.batch.record.vet_record`, the one builder ``vet-batch``
    shares), with the command line's duration hint among the notes."""
    from .batch.record import EPHEMERIS_CATALOGUE, EPHEMERIS_GIVEN, vet_record as record

    d = record(res, ds, source=args.source, path=args.path, run_date=run_date,
               ephemeris_origin=EPHEMERIS_GIVEN if candidate is not None else EPHEMERIS_CATALOGUE)
    if candidate is not None and (hint := duration_hint(candidate[0], candidate[2])):
        d["notes"] = [*d.get("notes", []), hint]
    return d


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse unusable output paths before any work (a bad ``--calibrate-out`` used to fail after minutes)."""
    if args.calibrate:
        out = args.calibrate_out
        if not out or not out.strip():
            raise UsageError("--calibrate-out: expected a folder, got '' (pass '.' for the current folder)")
        p = Path(out)
        if p.exists() and not p.is_dir():
            raise UsageError(f"--calibrate-out: {out!r} is a file, expected a folder (it will hold "
                             "calibration_<TIC>.json and .png)")
        probe = p if p.is_dir() else next((q for q in p.parents if q.exists()), Path("."))
        if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
            raise UsageError(f"--calibrate-out: cannot write into {str(probe)!r} (no permission)")
    if args.summary_png is not None:
        f = args.summary_png
        if not f or not f.strip():
            raise UsageError("--summary-png: expected a file name such as vet.png, got ''")
        p = Path(f)
        if p.is_dir():
            raise UsageError(f"--summary-png: {f!r} is a folder, expected a file name such as vet.png")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise UsageError(f"--summary-png: no folder {str(parent)!r} to write {p.name!r} into")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"--summary-png: cannot write into {str(parent)!r} (no permission)")


def _check_source(args: argparse.Namespace) -> None:
    if args.source != "twin":
        given = [o for o, v in (("--scenario", args.scenario), ("--seed", args.seed)) if v is not None]
        if given:
            raise UsageError(f"{' and '.join(given)} only {'go' if len(given) > 1 else 'goes'} with --source twin "
                             f"(the simulation); --source {args.source} reads data that have no scenario or seed")
    if args.source == "local":
        if not args.path:
            raise UsageError("--source local needs --path DIR")
        if os.path.isfile(args.path):
            raise UsageError(f"--path: {args.path} is a file; expected a folder holding the star's *_tp.fits / "
                             "*_lc.fits files (pass its folder)")
        if not os.path.isdir(args.path):
            raise UsageError(f"--path: no such folder, {args.path}")


def _vet(args: argparse.Namespace) -> int:
    import json

    from .report_text import render_calibration, render_vet_report, terminal_safe

    if args.quick and not (args.calibrate or args.calibrate_twin):
        raise UsageError("--quick only goes with --calibrate or --calibrate-twin (vet --calibrate --quick)")
    if args.calibrate_twin:
        if args.calibrate:
            raise UsageError("give --calibrate (your pixels) or --calibrate-twin (the simulated twin), not both")
        from .calibration.localization import run_localization_calibration
        from .report import dumps

        with contextlib.redirect_stdout(sys.stderr):
            rec = run_localization_calibration(quick=args.quick)
        emit(dumps(rec) + "\n")
        return 0
    cal_kw = _calibrate_options(args)
    candidate = _candidate(args)
    _check_source(args)
    _check_outputs(args)
    if candidate is not None and (hint := duration_hint(candidate[0], candidate[2])):
        print(f"toi5807 vet: warning: {hint}", file=sys.stderr)
    # whatever libraries print while loading or querying (astroquery's "Status messages could not be retrieved")
    # goes to stderr: stdout carries only the report or the JSON document
    with contextlib.redirect_stdout(sys.stderr):
        from .data import load_dataset
        from .vetting.vet import vet_pixels

        ds = load_dataset(args.source, path=args.path, seed=args.seed or 0, scenario=args.scenario or "planet",
                          sectors=args.sectors, network=args.network)
        try:
            res = vet_pixels(ds, candidate, network=args.network)
        except ValueError as exc:
            if "pass candidate=" in str(exc):
                raise UsageError(f"the files are not TOI-5807's; give --period DAYS --t0 BTJD --duration HOURS, "
                                 f"{args.path or args.source}") from exc
            raise
        d = vet_record(res, args, candidate, ds, run_date=run_date_utc())
        if cal_kw is not None:
            d["own_pixel_calibration"] = _own_calibration(res, ds, candidate, d, cal_kw, args)
        if args.summary_png is not None:
            _write_summary_png(res, ds, d, args.summary_png)
    if args.json:
        emit(json.dumps(d, indent=1, allow_nan=False) + "\n")  # full precision: no rounding
    else:
        text = render_vet_report(d)
        if cal_kw is not None:
            text += render_calibration(d["own_pixel_calibration"])
        if args.summary_png is not None:
            text += terminal_safe(f"wrote {os.path.abspath(args.summary_png)}") + "\n"
        emit(text)
    fail_on = {"never": (), "fail": ("FAIL",), "warn": ("WARN", "FAIL")}[args.fail_on]
    return 1 if d["verdict"] in fail_on else 0


def _write_summary_png(res, ds, d: dict, path: str) -> None:
    """The one-page summary figure, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .data.cache import atomic_write_bytes
    from .plots import figure_png_bytes
    from .plots.summary_page import plot_vet_summary_page

    fig = plot_vet_summary_page(res, ds, d)
    try:
        atomic_write_bytes(Path(path), figure_png_bytes(fig))
    finally:
        plt.close(fig)
    d["summary_png"] = os.path.abspath(path)


def _calibrate_options(args: argparse.Namespace) -> dict | None:
    """``calibrate_own_pixels`` keywords from the ``--calibrate-*`` options (None without ``--calibrate``)."""
    given = {k: getattr(args, f"calibrate_{v.split('-')[-1]}") for k, v in _CAL_OPTIONS.items()}
    if not args.calibrate:
        extra = [_CAL_OPTIONS[k] for k, v in given.items() if v is not None and not (k == "seed" and v == 0)]
        if extra or args.calibrate_out != DEFAULT_CALIBRATE_OUT:
            raise UsageError(f"{', '.join(extra) or '--calibrate-out'} only goes with --calibrate")
        return None
    for k in ("n_empty", "n_angles"):
        if given[k] is not None and given[k] < 1:
            raise UsageError(f"{_CAL_OPTIONS[k]} must be a positive number, got {given[k]}")
    for k in ("separations_arcsec", "depths_ppm"):
        if given[k] is not None and not all(v > 0 for v in given[k]):  # NaN fails too
            raise UsageError(f"{_CAL_OPTIONS[k]} must be positive numbers, got {' '.join(map(str, given[k]))}")
    kw = dict(QUICK_CALIBRATION) if args.quick else {}
    kw.update({k: v for k, v in given.items() if v is not None})
    return kw


def _own_calibration(res, ds, candidate, d: dict, kw: dict, args: argparse.Namespace) -> dict:
    """Run ``calibrate_own_pixels`` on the vetted data; write ``calibration_<TIC>.json`` / ``.png`` atomically."""
    import json

    from .calibration.own_pixels import calibrate_own_pixels
    from .data.cache import atomic_write_bytes
    from .plots import figure_png_bytes, plot_own_calibration

    try:
        cal = calibrate_own_pixels(ds, candidate, vet_result=res, progress=not args.json, **kw)
    except ValueError as exc:
        text = str(exc)
        for k, opt in _CAL_OPTIONS.items():
            text = text.replace(f"{k}:", f"{opt}:") if text.startswith(f"{k}:") else text
        raise UsageError(text) from exc
    tic = (d.get("target") or {}).get("tic_id") or "unknown"
    out = os.path.abspath(args.calibrate_out)
    record = {"calibration": cal.to_dict(), "input": d["input"], "toi5807_version": d["toi5807_version"],
              "ephemeris_origin": d["ephemeris_origin"], "vet_verdict": d["verdict"], "vet_reason": d["reason"]}
    jpath = os.path.join(out, f"calibration_{tic}.json")
    # serialised in full before anything is written; then written atomically (a full disk leaves the old file)
    atomic_write_bytes(Path(jpath), json.dumps(record, sort_keys=True, indent=1, allow_nan=False).encode("utf-8"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pngs = []
    for i, sector in enumerate(cal.sectors):
        name = f"calibration_{tic}.png" if i == 0 else f"calibration_{tic}_s{sector}.png"
        fig = plot_own_calibration(cal, sector=sector)
        atomic_write_bytes(Path(out) / name, figure_png_bytes(fig))
        pngs.append(os.path.join(out, name))
        plt.close(fig)
    verdict_fakes = {str(s): (v.get("calibration") or {}).get("null", {}).get("n_null")
                     for s, v in d["sectors"].items()}
    return {"json": jpath, "png": pngs, "label": cal.label, "runtime_s": cal.runtime_s, "table": cal.table(),
            "summary": {str(s): sc.false_alarms()["counts"] for s, sc in cal.sectors.items()},
            "injected_neighbours_passed": {str(k): v for k, v in cal.false_passes().items()},
            "exclusion_radius_arcsec": cal.exclusion_radius_arcsec,
            "verdict_fakes": {s: n for s, n in verdict_fakes.items() if n is not None}}


def add_vet(sub) -> None:
    """Register ``vet`` (its options and handler) in the ``toi5807`` parser's subcommands."""
    p = subparser(sub, "vet", "pixel vetting: where on the sky the dip comes from, and a verdict",
                  "python -m toi5807 vet --source local --path DIR --period 3.0 --t0 3500.5 --duration 3.0 --json")
    p.epilog += ("\n  python -m toi5807 vet --source local --path DIR --period 3.0 --t0 3500.5 --duration 3.0 --calibrate"
                 "\n  python -m toi5807 vet --source local --path DIR --period 3.0 --t0 3500.5 --duration 3.0"
                 " --summary-png vet.png"
                 "\n\nWithout --period/--t0/--duration TOI-5807.01's ephemeris is used, and only when the files"
                 " are TOI-5807's.\n" + EXIT_STATUSES)
    p.add_argument("--source", default="tutorial", choices=("tutorial", "twin", "local", "mast"),
                   help="dataset source (default: the real tutorial dataset that ships with the package)")
    p.add_argument("--scenario", default=None, help="with --source twin: planet (default), background_eb, no_transit")
    p.add_argument("--seed", type=int, default=None, help="with --source twin: the twin's seed (default 0)")
    p.add_argument("--path", metavar="DIR", help="folder for --source local")
    p.add_argument("--period", type=float, metavar="DAYS", help="orbital period, days")
    p.add_argument("--t0", type=float, metavar="BTJD", help="a mid-transit time, BTJD (BJD − 2457000)")
    p.add_argument("--duration", type=float, metavar="HOURS", help="transit duration, hours")
    p.add_argument("--fail-on", choices=("never", "fail", "warn"), default="never",
                   help="exit 1 when the verdict is FAIL (fail) or WARN/FAIL (warn); default never")
    p.add_argument("--sectors", type=int, nargs="+", metavar="S", help="sectors (default: all four)")
    p.add_argument("--network", action="store_true", help="allow MAST / Gaia queries")
    p.add_argument("--json", action="store_true", help="print the result dictionary as JSON")
    p.add_argument("--summary-png", metavar="FILE", help="also write a one-page summary figure (PNG) to FILE")
    c = p.add_argument_group("calibration on the vetted pixels (--calibrate)")
    c.add_argument("--calibrate", action="store_true",
                   help="after vetting: empty-epoch false alarms and injection-recovery on the same pixels "
                        "(≈ 1–1.5 min a sector with the defaults)")
    c.add_argument("--calibrate-out", metavar="DIR", default=DEFAULT_CALIBRATE_OUT,
                   help=f"folder for calibration_<TIC>.json and .png (default ./{DEFAULT_CALIBRATE_OUT})")
    c.add_argument("--calibrate-empty", type=int, metavar="N", help="empty epochs per sector (default: all, ≈ 30)")
    c.add_argument("--calibrate-angles", type=int, metavar="N",
                   help="position angles per separation and depth (default 8)")
    c.add_argument("--calibrate-separations", type=float, nargs="+", metavar="ARCSEC",
                   help="injected separations, arcsec (default 0.5, 1, 1.5, 2, 3, 4 pixels)")
    c.add_argument("--calibrate-depths", type=float, nargs="+", metavar="PPM",
                   help="injected aperture depths, ppm (default 0.5, 1, 2, 4 × the light-curve depth)")
    c.add_argument("--calibrate-seed", type=int, default=0, metavar="N", help="seed of the injections (default 0)")
    p.add_argument("--calibrate-twin", action="store_true", help="run the localization calibration on the twin")
    p.add_argument("--quick", action="store_true",
                   help="with --calibrate or --calibrate-twin: a small smoke run")
    p.set_defaults(handler=_vet)
