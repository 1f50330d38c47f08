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
    --duration HOURS] [--json] [--fail-on never|fail|warn] [--calibrate [--quick] [--calibrate-out DIR] ...]
    Pixel vetting: V08 per sector, difference-image localization and the verdict
    (``sh.vet_pixels``), as a table or as JSON. ``--calibrate`` then calibrates the verdict on the
    same pixels (empty-epoch false alarms, injection–recovery) and writes
    ``DIR/calibration_<TIC>.json`` and ``.png``. ``vet --calibrate-twin [--quick]`` runs the
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

#: What the exit status means (shown in ``--help``).
EXIT_STATUSES = ("exit status: 0 ran (whatever the verdict, unless --fail-on), 1 the verdict hit --fail-on,\n"
                 "  2 usage or input error (one line on stderr; --debug shows the traceback)")


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

    for name in ("seeds", "injection_seeds"):
        n = getattr(args, name)
        if n is not None and n < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seeds, got {n}")
    from .target import SECTORS as twin_sectors

    if args.sectors and set(args.sectors) - set(twin_sectors):
        raise UsageError(f"--sectors: the twin has sectors {', '.join(map(str, twin_sectors))}, got "
                         f"{' '.join(map(str, args.sectors))}")

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


class UsageError(ValueError):
    """A bad option or input: ``toi5807 <command>: <what>`` on stderr and exit status 2."""


def _vet_candidate(args: argparse.Namespace) -> tuple[float, float, float] | None:
    given = [args.period, args.t0, args.duration]
    if all(v is None for v in given):
        return None
    if any(v is None for v in given):
        missing = [n for n, v in zip(("--period DAYS", "--t0 BTJD", "--duration HOURS"), given) if v is None]
        raise UsageError(f"give all three of --period, --t0, --duration; missing {', '.join(missing)}")
    return (args.period, args.t0, args.duration)


def _vet_dict(res, args: argparse.Namespace, candidate, ds) -> dict:
    from .batch.record import EPHEMERIS_CATALOGUE, EPHEMERIS_GIVEN, vet_record

    return vet_record(res, ds, source=args.source, path=args.path,
                      ephemeris_origin=EPHEMERIS_GIVEN if candidate is not None else EPHEMERIS_CATALOGUE)


def _vet(args: argparse.Namespace) -> int:
    import json

    if args.quick and not (args.calibrate or args.calibrate_twin):
        raise UsageError("--quick only goes with --calibrate or --calibrate-twin (vet --calibrate --quick)")
    if args.calibrate_twin:
        if args.calibrate:
            raise UsageError("give --calibrate (your pixels) or --calibrate-twin (the simulated twin), not both")
        from .report import print_json
        from .calibration.localization import run_localization_calibration

        print_json(run_localization_calibration(quick=args.quick))
        return 0
    cal_kw = _calibrate_options(args)
    from .data import load_dataset
    from .vetting.vet import vet_pixels

    candidate = _vet_candidate(args)
    if args.source == "local":
        if not args.path:
            raise UsageError("--source local needs --path DIR")
        if not os.path.isdir(args.path):
            raise UsageError(f"no such folder, {args.path}")
    ds = load_dataset(args.source, path=args.path, seed=args.seed, scenario=args.scenario,
                      sectors=args.sectors, network=args.network)
    try:
        res = vet_pixels(ds, candidate, network=args.network)
    except ValueError as exc:
        if "pass candidate=" in str(exc):
            raise UsageError(f"the files are not TOI-5807's; give --period DAYS --t0 BTJD --duration HOURS, "
                             f"{args.path or args.source}") from exc
        raise
    d = _vet_dict(res, args, candidate, ds)
    if cal_kw is not None:
        d["own_pixel_calibration"] = _own_calibration(res, ds, candidate, d, cal_kw, args)
    if args.json:
        print(json.dumps(d, indent=1, allow_nan=False))  # full precision: no rounding
    else:
        _print_vet_table(d)
        if cal_kw is not None:
            _print_calibration(d["own_pixel_calibration"])
    fail_on = {"never": (), "fail": ("FAIL",), "warn": ("WARN", "FAIL")}[args.fail_on]
    return 1 if d["verdict"] in fail_on else 0


#: Default folder of ``vet --calibrate``'s files, in the current directory.
DEFAULT_CALIBRATE_OUT = "toi5807_calibration"
#: ``vet --calibrate --quick``: a smoke run (a few seconds a sector).
QUICK_CALIBRATION = {"n_empty": 8, "n_angles": 2, "separations_arcsec": (20.0, 40.0, 80.0)}
_CAL_OPTIONS = {"n_empty": "--calibrate-empty", "n_angles": "--calibrate-angles", "seed": "--calibrate-seed",
                "separations_arcsec": "--calibrate-separations", "depths_ppm": "--calibrate-depths"}


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
    """Run ``calibrate_own_pixels`` on the vetted data; write ``calibration_<TIC>.json`` / ``.png``; say where."""
    import json

    from .calibration.own_pixels import calibrate_own_pixels
    from .plots import figure_png_bytes, plot_own_calibration, write_png

    try:
        cal = calibrate_own_pixels(ds, candidate, vet_result=res, progress=not args.json, **kw)
    except ValueError as exc:
        text = str(exc)
        for k, opt in _CAL_OPTIONS.items():
            text = text.replace(f"{k}:", f"{opt}:") if text.startswith(f"{k}:") else text
        raise UsageError(text) from exc
    tic = (d.get("target") or {}).get("tic_id") or "unknown"
    os.makedirs(args.calibrate_out, exist_ok=True)
    out = os.path.abspath(args.calibrate_out)
    record = {"calibration": cal.to_dict(), "input": d["input"], "toi5807_version": d["toi5807_version"],
              "ephemeris_origin": d["ephemeris_origin"], "vet_verdict": d["verdict"], "vet_reason": d["reason"]}
    jpath = os.path.join(out, f"calibration_{tic}.json")
    with open(jpath, "w", encoding="utf-8") as fh:
        json.dump(record, fh, sort_keys=True, indent=1, allow_nan=False)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pngs = []
    for i, sector in enumerate(cal.sectors):
        name = f"calibration_{tic}.png" if i == 0 else f"calibration_{tic}_s{sector}.png"
        fig = plot_own_calibration(cal, sector=sector)
        pngs.append(str(write_png(figure_png_bytes(fig), os.path.join(out, name))))
        plt.close(fig)
    return {"json": jpath, "png": pngs, "label": cal.label, "runtime_s": cal.runtime_s, "table": cal.table(),
            "summary": {str(s): sc.false_alarms()["counts"] for s, sc in cal.sectors.items()},
            "injected_neighbours_passed": {str(k): v for k, v in cal.false_passes().items()},
            "exclusion_radius_arcsec": cal.exclusion_radius_arcsec}


def _print_calibration(c: dict) -> None:
    """The short calibration table: empty-epoch verdicts per sector, then detection / error per depth × separation."""
    fmt = lambda v, f: format("—", f.split(".")[0]) if v is None else format(v, f)  # noqa: E731
    print(f"calibration on {c['label']} ({c['runtime_s']:.0f} s):")
    for s, counts in c["summary"].items():
        fp = c["injected_neighbours_passed"][s]
        print(f"  sector {s}: empty epochs PASS/WARN/FAIL = {counts['PASS']}/{counts['WARN']}/{counts['FAIL']}; "
              f"injected neighbours judged PASS {fp['all']['k']}/{fp['all']['n']} "
              f"({fp['beyond_exclusion_radius']['k']}/{fp['beyond_exclusion_radius']['n']} beyond the "
              f"{fmt(c['exclusion_radius_arcsec'], '.0f')}″ exclusion radius)")
    print(f"  {'sector':>6} {'depth ppm':>9} {'sep ″':>6} {'sep px':>6} {'detected':>8} {'median ″':>8} "
          f"{'p90 ″':>6} {'PASS':>4} {'WARN':>4} {'FAIL':>4}")
    for r in c["table"]:
        print(f"  {r['sector']:>6} {r['depth_ppm']:>9.0f} {r['separation_arcsec']:>6.1f} {r['separation_px']:>6.2f} "
              f"{r['detected']:>8} {fmt(r['median_error_arcsec'], '>8.1f')} {fmt(r['p90_error_arcsec'], '>6.1f')} "
              f"{r['PASS']:>4} {r['WARN']:>4} {r['FAIL']:>4}")
    print(f"wrote {c['json']}")
    for p in c["png"]:
        print(f"wrote {p}")


def _print_vet_table(d: dict) -> None:
    """The text report: a header saying what was vetted with what, one line per sector in the notebooks' units
    (V08 shift in milli-pixels), the combined line only when several sectors were localized, the exclusion radius."""
    fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
    sim = " (SIMULATED)" if d["simulated"] else ""
    t, c, cand = d["target"], d["combined"], d["candidate"]
    where = d["input"]["path"] or f"source {d['input']['source']}"
    print(f"toi5807 {d['toi5807_version']} pixel vetting of {where}{sim}")
    print(f"target: TIC {t.get('tic_id')} at RA {fmt(t.get('ra_deg'), '.7f')}°, Dec {fmt(t.get('dec_deg'), '.7f')}° "
          f"(position from the {'file' if t.get('origin') == 'file' else 'TOI-5807 catalogue (the file does not say)'})")
    print(f"ephemeris: P = {fmt(cand.get('period_days'), '.7f')} d, T0 = {fmt(cand.get('t0_btjd'), '.5f')} BTJD, "
          f"duration {fmt(cand.get('duration_hours'), '.3f')} h — {d['ephemeris_origin']}")
    cat = d.get("catalogue") or {}
    print(f"catalogue: {cat.get('origin', 'none')}")
    print(f"verdict: {d['verdict']}{sim} — {d['reason']}")
    print(f"{'sector':>6} {'verdict':>7} {'transits':>8} {'V08 shift (mpx)':>15} {'V08 σ':>6} "
          f"{'offset (″)':>10} {'offset σ':>8}  host")
    for s, v in d["sectors"].items():
        m = v.get("v08_metrics") or {}
        shift = m.get("centroid_shift_pixels")
        print(f"{s:>6} {v['verdict']:>7} {v['n_transits']:>8} {fmt(None if shift is None else 1e3 * shift, '15.1f')} "
              f"{fmt(m.get('significance_sigma'), '6.2f')} {fmt(v['source_offset_arcsec'], '10.1f')} "
              f"{fmt(v['source_offset_sigma'], '8.1f')}  {v['most_likely_host'] or '—'}")
    for s, why in d.get("sectors_without_pixels", {}).items():
        print(f"{s:>6} {'—':>7}  not vetted: {why.replace('network=True', '--network')}")
    if len(c.get("sectors_used") or []) > 1:
        ell = c.get("error_ellipse") or {}
        print(f"combined ({', '.join(map(str, c['sectors_used']))}): offset {fmt(c['offset_from_target_arcsec'], '.1f')}″ "
              f"(1σ ellipse {fmt(ell.get('semi_major_arcsec'), '.1f')}″ × {fmt(ell.get('semi_minor_arcsec'), '.1f')}″), "
              f"{fmt(c['offset_sigma'], '.1f')}σ from the target; χ² between sectors "
              f"{fmt(c['chi2_between_sectors'], '.1f')} ({c['dof_between_sectors']} dof); most likely host "
              f"{c['most_likely_host'] or '—'} ({fmt(c['host_separation_arcsec'], '.0f')}″)")
    r = c.get("exclusion_radius_arcsec")
    print(f"3σ exclusion radius: {fmt(r, '.1f')}″" + ("" if r is not None else " (no usable localization)"))


def _add_vet(sub) -> None:
    p = _subparser(sub, "vet", "pixel vetting: where on the sky the dip comes from, and a verdict",
                   "python -m toi5807 vet --source local --path DIR --period 3.0 --t0 3500.5 --duration 3.0 --json")
    p.epilog += ("\n  python -m toi5807 vet --source local --path DIR --period 3.0 --t0 3500.5 --duration 3.0 --calibrate"
                 "\n\nWithout --period/--t0/--duration TOI-5807.01's ephemeris is used, and only when the files"
                 " are TOI-5807's.\n" + EXIT_STATUSES)
    p.add_argument("--source", default="tutorial", choices=("tutorial", "twin", "local", "mast"),
                   help="dataset source (default: the real tutorial dataset that ships with the package)")
    p.add_argument("--scenario", default="planet", help="twin scenario (planet, background_eb, no_transit)")
    p.add_argument("--seed", type=int, default=0, help="twin seed")
    p.add_argument("--path", metavar="DIR", help="folder for --source local")
    p.add_argument("--period", type=float, metavar="DAYS", help="orbital period, days")
    p.add_argument("--t0", type=float, metavar="BTJD", help="a mid-transit time, BTJD (BJD − 2457000)")
    p.add_argument("--duration", type=float, metavar="HOURS", help="transit duration, hours")
    p.add_argument("--fail-on", choices=("never", "fail", "warn"), default="never",
                   help="exit 1 when the verdict is FAIL (fail) or WARN/FAIL (warn); default never")
    p.add_argument("--sectors", type=int, nargs="+", metavar="S", help="sectors (default: all four)")
    p.add_argument("--network", action="store_true", help="allow MAST / Gaia queries")
    p.add_argument("--json", action="store_true", help="print the result dictionary as JSON")
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


#: The subcommands, in ``--help`` order: each adds its subparser and sets ``handler``.
from .batch.cli import add_vet_batch  # noqa: E402 - vet-batch: many stars on Dask (toi5807.batch)

COMMANDS: tuple[Callable[..., None], ...] = (_add_regenerate, _add_calibrate, _add_vet, add_vet_batch)


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


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (see :data:`EXIT_STATUSES`)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (ValueError, TypeError, OSError, KeyError) as exc:  # expected failures: bad values, folders, caches
        if args.debug:
            raise
        print(f"toi5807 {args.command}: {_one_line(exc)}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    """The error as one line; ``network=True`` spelled as the command line's ``--network``."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}, {exc.filename}"
    if not isinstance(exc, UsageError):
        text = f"{type(exc).__name__}: {text}"
    return text.replace("network=True", "--network")[:400]


if __name__ == "__main__":
    sys.exit(main())
