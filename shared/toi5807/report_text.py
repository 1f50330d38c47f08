"""The text report of a pixel vetting, rendered from the ``vet --json`` record: what an astronomer pastes.

:func:`render_vet_report` turns the record dict of ``python -m toi5807 vet --json`` (or of ``vet-batch``) into
plain text in the spirit of a DV one-page summary: what was vetted (target, position and where it came from,
ephemeris and its origin, depth, in-transit cadences, data product and pipeline version from the file headers,
package version, run date), one block per sector in ascending order (V08 with σ, the source offset with its 1σ
ellipse in arcsec, the host, V10 when present, the tests), the stars tested, the combined line and the notes.
Every σ says whether it is *calibrated* (read against the target's own fake epochs) or *nominal*, and why.
A sector or dataset without a significant dip gets no host and no exclusion radius.

:func:`terminal_safe` makes any text (file names included) harmless on a terminal. Nothing here reads files,
the clock or the network: the run date is part of the record (``run_date_utc``), absent in tests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["render_vet_report", "render_calibration", "sector_tests", "terminal_safe", "NO_DIP"]

#: How a reason starts when the difference image shows no significant dip (no host, no exclusion radius then).
NO_DIP = "no significant dip"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: Any, *, keep_newlines: bool = True) -> str:
    """``text`` with control characters (ANSI escapes, carriage returns, bidi overrides) shown as ``\\xNN`` escapes.

    A file named ``x\\033[2J.fits`` printed raw clears the terminal; printed through this it reads
    ``x\\x1b[2J.fits``. Newlines are kept unless ``keep_newlines=False``; tabs are kept.
    """
    text = str(text)
    if not keep_newlines:
        text = text.replace("\n", "\\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        text)


def _f(v: Any, spec: str, none: str = "—") -> str:
    """A number formatted, or ``none`` for None/NaN."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return none
    return format(v, spec)


def _human(flag: str) -> str:
    """``too_few_fake_epochs_5_(1_independent)`` → ``too few fake epochs 5 (1 independent)``."""
    return str(flag).replace("_", " ").strip()


def _why_not_calibrated(cal: Mapping[str, Any] | None) -> str:
    if not cal:
        return "no self-calibration was run"
    null = cal.get("null") or {}
    flags = [f for f in (null.get("flags") or []) if not str(f).endswith("same_offset_in_every_sector")]
    if flags:
        return "; ".join(_human(f) for f in flags)
    n, k = null.get("n_null"), null.get("n_independent")
    return f"the fake epochs could not calibrate it ({n} fakes, {k} independent)" if n is not None else "not calibrated"


def sector_tests(v: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tests of one sector (or of ``combined``): the record's ``tests`` list when present, else built from
    today's ``calibration`` dict, in the same shape (``name``, ``sigma``, ``calibrated``, ``n_fakes``,
    ``n_independent_fakes``, ``extrapolated``, ``why_nominal``)."""
    if v.get("tests") is not None:
        return [dict(t) for t in v["tests"]]
    cal = v.get("calibration") or {}
    used = bool(cal.get("used"))
    null = cal.get("null") or {}
    why = None if used else _why_not_calibrated(cal)
    out = []
    amp = cal.get("amplitude") if used else None
    if isinstance(amp, Mapping) or "amplitude_e_per_s" in v:
        a, e = v.get("amplitude_e_per_s"), v.get("amplitude_err_e_per_s")
        nominal = a / e if a is not None and e else None
        out.append(_test("dip in the difference image", amp, used, nominal, null, why))
    off = cal.get("offset") if used else None
    if isinstance(off, Mapping) or "source_offset_sigma" in v or "offset_sigma" in v:
        nominal = v.get("source_offset_sigma", v.get("offset_sigma"))
        out.append(_test("source at the target", off, used, nominal, null, why))
    return out


def _test(name: str, cal: Any, used: bool, nominal: Any, null: Mapping[str, Any], why: str | None) -> dict[str, Any]:
    if used and isinstance(cal, Mapping):
        return {"name": name, "sigma": cal.get("sigma"), "calibrated": True, "n_fakes": cal.get("n_null"),
                "n_independent_fakes": cal.get("n_independent"), "extrapolated": bool(cal.get("extrapolated")),
                "why_nominal": None, "nominal_sigma": cal.get("nominal_sigma")}
    return {"name": name, "sigma": nominal, "calibrated": False, "n_fakes": null.get("n_null"),
            "n_independent_fakes": null.get("n_independent"), "extrapolated": False,
            "why_nominal": why or "not calibrated"}


def _sigma_label(t: Mapping[str, Any]) -> str:
    s = _f(t.get("sigma"), ".1f")
    if t.get("calibrated"):
        n = t.get("n_fakes")
        k = t.get("n_independent_fakes")
        extra = f" against {n} fake epochs ({k} independent)" if n is not None else ""
        return f"{s}σ calibrated{extra}" + (", extrapolated beyond the fakes" if t.get("extrapolated") else "")
    return f"{s}σ nominal ({t.get('why_nominal') or 'not calibrated'})"


def _no_dip(reason: Any) -> bool:
    return str(reason or "").startswith(NO_DIP) or f"{NO_DIP} in the difference image of any sector" in str(reason)


def _header_lines(d: Mapping[str, Any]) -> list[str]:
    sim = " — SIMULATED DATA" if d.get("simulated") else ""
    inp = d.get("input") or {}
    where = inp.get("path") or f"source {inp.get('source')}"
    run = f", run {d['run_date_utc']}" if d.get("run_date_utc") else ""
    lines = [f"TOI5807 PIXEL VETTING (toi5807 {d.get('toi5807_version')}{run}){sim}",
             f"input: {where} ({inp.get('source')}; {len(inp.get('files') or [])} file(s))"]
    products = inp.get("products") or (inp.get("dataset") or {}).get("products") or {}
    seen: dict[str, list[str]] = {}
    for s, kinds in sorted(products.items(), key=lambda kv: int(kv[0])):
        for kind, p in sorted(kinds.items()):
            text = ", ".join(x for x in (p.get("procver") and f"pipeline {p['procver']}",
                                         p.get("data_rel") is not None and f"data release {p['data_rel']}",
                                         p.get("origin"), p.get("date") and f"file date {p['date']}") if x)
            seen.setdefault(text or "the headers give no pipeline version (PROCVER/DATA_REL)", []).append(
                f"s{s} {kind}")
    for text, files in seen.items():
        lines.append(f"data product: {text} ({', '.join(files)})")
    if not seen:
        lines.append("data product: the headers give no pipeline version (PROCVER/DATA_REL)")
    t = d.get("target") or {}
    origin = {"file": "file header RA_OBJ/DEC_OBJ", "wcs": "the stamp's WCS reference (no RA_OBJ/DEC_OBJ)"}.get(
        t.get("origin"), "TOI-5807's catalogue position (the file does not say)")
    lines.append(f"target: TIC {t.get('tic_id') or '—'}, RA {_f(t.get('ra_deg'), '.7f')}°, "
                 f"Dec {_f(t.get('dec_deg'), '+.7f')}° (ICRS; position used: {origin})")
    cp = t.get("catalogue_position")
    if cp:
        lines.append(f"  {cp.get('source')}: RA {_f(cp.get('ra_deg'), '.6f')}°, Dec {_f(cp.get('dec_deg'), '+.6f')}°,"
                     f" {_f(cp.get('separation_arcsec'), '.1f')}″ from the position used")
    c = d.get("candidate") or {}
    lines.append(f"ephemeris: P = {_f(c.get('period_days'), '.6f')} d, T0 = {_f(c.get('t0_btjd'), '.5f')} BTJD, "
                 f"duration {_f(c.get('duration_hours'), '.3f')} h — from the {d.get('ephemeris_origin')}")
    n_in = {s: (v.get("v08_metrics") or {}).get("n_in_transit_cadences") for s, v in _sectors(d)}
    cad = ", ".join(f"s{s}: {_f(n, 'd')}" for s, n in n_in.items()) or "—"
    lines.append(f"depth: {_f(c.get('depth_ppm'), '.0f')} ppm (light curve, used to judge which stars could "
                 f"produce the dip); in-transit cadences {cad}")
    lines.append(f"catalogue: {(d.get('catalogue') or {}).get('origin', 'none')}")
    return lines


def _sectors(d: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    return sorted(((int(s), v) for s, v in (d.get("sectors") or {}).items()), key=lambda kv: kv[0])


def _all_calibrated(d: Mapping[str, Any]) -> bool:
    if d.get("all_tests_calibrated") is not None:
        return bool(d["all_tests_calibrated"])
    return bool((d.get("calibration") or {}).get("used"))


_BARE_SIGMA = re.compile(r"\((\d+(?:\.\d+)?)σ\)")


def _label_sigmas(reason: Any, calibrated: bool) -> str:
    """A verdict reason with its bare ``(1.6σ)`` labelled ``(1.6σ calibrated)`` or ``(1.6σ nominal)``."""
    word = "calibrated" if calibrated else "nominal"
    return _BARE_SIGMA.sub(lambda m: f"({m.group(1)}σ {word})", str(reason))


def _calibration_line(d: Mapping[str, Any]) -> str:
    if _all_calibrated(d):
        return "statistics: the verdict's σ are calibrated on the target's own pixels (fake epochs of each sector)"
    why = "; ".join(f"s{s}: {_why_not_calibrated(v.get('calibration'))}" for s, v in _sectors(d)
                    if not (v.get("calibration") or {}).get("used"))
    return ("statistics: NOT calibrated — the σ below are nominal (the fit's own errors), not read against the "
            f"target's own fake epochs" + (f" ({why})" if why else "") + "; treat a PASS or FAIL as provisional")


def _empty_epoch_line(v: Mapping[str, Any]) -> str | None:
    null = (v.get("calibration") or {}).get("null") or {}
    z = null.get("amplitude_z")
    obs = (null.get("observed") or {}).get("z")
    if not z:
        return None
    k = sum(1 for x in z if x is not None and x >= 3.0)
    kind = "calibrated" if null.get("calibrated") else "nominal"
    return (f"  empty epochs: {k} of {len(z)} fake epochs reach a {kind} dip ≥ 3σ "
            f"(the transit: {_f(obs, '.1f')}σ nominal)")


def _sector_block(s: int, v: Mapping[str, Any], overall: Any = None) -> list[str]:
    m = v.get("v08_metrics") or {}
    lines = [f"sector {s}: {v.get('verdict')}" + ("" if v.get("reason") == overall else f" — {v.get('reason')}")]
    shift = m.get("centroid_shift_pixels")
    err = m.get("shift_uncertainty_pixels")
    lines.append(f"  V08 centroid shift: {_f(None if shift is None else 1e3 * shift, '.1f')} ± "
                 f"{_f(None if err is None else 1e3 * err, '.1f')} milli-px ({_f(m.get('centroid_shift_arcsec'), '.2f')}″),"
                 f" {_f(m.get('significance_sigma'), '.2f')}σ (V08's own empirical null; not used by the verdict); "
                 f"{_f(m.get('n_in_transit_cadences'), 'd')} in-transit / {_f(m.get('n_out_of_transit_cadences'), 'd')}"
                 f" out-of-transit cadences, {_f(v.get('n_transits'), 'd')} transit(s)")
    cov = v.get("source_covariance_arcsec2")
    ell = _ellipse(cov)
    en = v.get("source_offset_east_north_arcsec") or [None, None]
    if v.get("source_offset_arcsec") is not None:
        lines.append(f"  source offset: {_f(v.get('source_offset_arcsec'), '.1f')}″ from the target (E "
                     f"{_f(en[0], '+.1f')}″, N {_f(en[1], '+.1f')}″), 1σ ellipse {ell}")
    tests = sector_tests(v)
    for t in tests:
        lines.append(f"  test {t.get('name')}: {_sigma_label(t)}")
    line = _empty_epoch_line(v)
    if line and not all(t.get("calibrated") for t in tests):
        lines.append(line)
    if _no_dip(v.get("reason")):
        lines.append("  host: none (no significant dip: nothing to place)")
    else:
        lines.append(f"  host: {v.get('most_likely_host') or '—'}")
    v10 = v.get("v10")
    if v10:
        host = v10.get("most_likely_host")
        calibrated = "" if v10.get("votes", True) else " (does not vote: cannot judge)"
        lines.append(f"  V10: {v10.get('verdict')}{calibrated}" + (f" — most likely host {host}" if host else "")
                     + f"; {v10.get('reason') or ''}".rstrip("; "))
    return lines


def _ellipse(cov: Any) -> str:
    """``a″ × b″ at PA θ°`` from a 2×2 (east, north) covariance, arcsec²."""
    try:
        (xx, xy), (_, yy) = cov
        tr, det = xx + yy, xx * yy - xy * xy
        disc = math.sqrt(max(tr * tr / 4 - det, 0.0))
        a, b = math.sqrt(max(tr / 2 + disc, 0.0)), math.sqrt(max(tr / 2 - disc, 0.0))
        # major axis direction (east, north); position angle east of north
        ang = 0.5 * math.atan2(2 * xy, xx - yy)  # from east towards north
        pa = (90.0 - math.degrees(ang)) % 180.0
        return f"{a:.1f}″ × {b:.1f}″ at PA {pa:.0f}°"
    except (TypeError, ValueError):
        return "—"


def _stars_lines(d: Mapping[str, Any]) -> list[str]:
    c = d.get("combined") or {}
    hosts = c.get("hosts") or []
    if not hosts:
        return []
    stars = {s.get("label"): s for s in (d.get("catalogue") or {}).get("stars") or []}
    lines = ["stars tested (combined; σ nominal: the likelihood-ratio test that the dip comes from the star):"]
    for h in hosts:
        st = stars.get(h.get("label")) or {}
        tmag = st.get("tmag")
        what = (f"Tmag {tmag:.2f}" if isinstance(tmag, (int, float)) else
                "found in the image" if str(h.get("label", "")).startswith("image star") else "Tmag —")
        could = "" if h.get("could_produce_depth", True) else ", too faint to produce the depth"
        lines.append(f"  {str(h.get('label')):<16} {_f(h.get('separation_arcsec'), '6.1f')}″  {what:<18} "
                     f"{_f(h.get('sigma'), '5.1f')}σ{could}")
    return lines


def _combined_lines(d: Mapping[str, Any], no_dip: bool) -> list[str]:
    c = d.get("combined") or {}
    lines = []
    used = c.get("sectors_used") or []
    if len(used) > 1:
        ell = c.get("error_ellipse") or {}
        lines.append(f"combined (sectors {', '.join(map(str, sorted(used)))}): offset "
                     f"{_f(c.get('offset_from_target_arcsec'), '.1f')}″, 1σ ellipse "
                     f"{_f(ell.get('semi_major_arcsec'), '.1f')}″ × {_f(ell.get('semi_minor_arcsec'), '.1f')}″ at PA "
                     f"{_f(ell.get('position_angle_deg'), '.0f')}°; χ² between sectors "
                     f"{_f(c.get('chi2_between_sectors'), '.1f')} ({c.get('dof_between_sectors')} dof)")
        if d.get("tests") is not None or c.get("tests") is not None:
            for t in sector_tests({"tests": c.get("tests", d.get("tests"))}):
                lines.append(f"  test {t.get('name')}: {_sigma_label(t)}")
    r = c.get("exclusion_radius_arcsec")
    if no_dip:
        lines.append("host: none; no exclusion radius (no significant dip: nothing was located)")
    else:
        host = c.get("most_likely_host")
        lines.append(f"most likely host: {host or '—'} ({_f(c.get('host_separation_arcsec'), '.0f')}″ from the target)")
        lines.append(f"3σ exclusion radius: {_f(r, '.1f')}″" + ("" if r is not None else " (no usable localization)")
                     + " (a blend closer than this cannot be told from the target)")
    return lines


def render_vet_report(d: Mapping[str, Any]) -> str:
    """The text report of one ``vet --json`` record (a dict), terminal-safe, ending with a newline.

    Parameters
    ----------
    d : mapping
        The record of ``python -m toi5807 vet --json``: :meth:`PixelVetResult.to_dict` plus ``input``,
        ``ephemeris_origin``, ``toi5807_version`` and optionally ``run_date_utc``, per-sector ``v10`` and
        ``tests``, top-level ``tests``/``all_tests_calibrated``.

    Returns
    -------
    str
    """
    no_dip = _no_dip(d.get("reason")) or all(_no_dip(v.get("reason")) for _, v in _sectors(d)) and bool(_sectors(d))
    sim = " (SIMULATED)" if d.get("simulated") else ""
    lines = _header_lines(d)
    lines.append(f"verdict: {d.get('verdict')}{sim} — {_label_sigmas(d.get('reason'), _all_calibrated(d))}")
    lines.append(_calibration_line(d))
    blocks = {s: _sector_block(s, v, d.get("reason")) for s, v in _sectors(d)}
    for s, why in (d.get("sectors_without_pixels") or {}).items():
        blocks.setdefault(int(s), [f"sector {s}: not vetted — {str(why).replace('network=True', '--network')}"])
    for s in sorted(blocks):  # ascending, vetted or not
        lines += blocks[s]
    if not no_dip:
        lines += _stars_lines(d)
    lines += _combined_lines(d, no_dip)
    notes = list(((d.get("input") or {}).get("dataset") or {}).get("data_notes") or []) + list(d.get("notes") or [])
    dropped = ((d.get("input") or {}).get("dataset") or {}).get("dropped_nan_time_cadences") or {}
    if dropped:
        notes.insert(0, "dropped cadences without a time (TIME = NaN): " + ", ".join(
            f"{n} in sector {s}" for s, n in sorted(dropped.items(), key=lambda kv: int(kv[0]))))
    if notes:
        lines.append("notes:")
        lines += [f"  - {str(n).replace('network=True', '--network')}" for n in notes]
    return terminal_safe("\n".join(lines)) + "\n"


def render_calibration(c: Mapping[str, Any]) -> str:
    """The short table of ``vet --calibrate``: empty-epoch verdicts per sector, then detection and position error
    per depth × separation, and where the files were written (terminal-safe)."""
    fmt = lambda v, f: format("—", f.split(".")[0]) if v is None else format(v, f)  # noqa: E731
    lines = [f"calibration on {c['label']} ({c['runtime_s']:.0f} s):"]
    for s, counts in c["summary"].items():
        fp = c["injected_neighbours_passed"][s]
        n = counts["PASS"] + counts["WARN"] + counts["FAIL"]
        lines.append(f"  sector {s}: {n} empty epochs judged by the whole vet (each one a fake transit, spread over"
                     f" the sector) PASS/WARN/FAIL = {counts['PASS']}/{counts['WARN']}/{counts['FAIL']}; injected "
                     f"neighbours judged PASS {fp['all']['k']}/{fp['all']['n']} ({fp['beyond_exclusion_radius']['k']}/"
                     f"{fp['beyond_exclusion_radius']['n']} beyond the "
                     f"{fmt(c['exclusion_radius_arcsec'], '.0f')}″ exclusion radius)")
    if c.get("verdict_fakes"):
        lines.append("  (not the same count as the verdict's own null: that one counted " + ", ".join(
            f"s{s}: {n}" for s, n in c["verdict_fakes"].items()) + " fake epochs — the candidate's T0 shifted by "
            "steps of one duration, every window clear of the real transits and within the data, overlapping, so "
            "only about one in five independent; the empty epochs here are judged one by one by the whole vet: "
            "they test the verdict, they do not calibrate it)")
    lines.append(f"  {'sector':>6} {'depth ppm':>9} {'sep ″':>6} {'sep px':>6} {'detected':>8} {'median ″':>8} "
                 f"{'p90 ″':>6} {'PASS':>4} {'WARN':>4} {'FAIL':>4}")
    for r in c["table"]:
        lines.append(f"  {r['sector']:>6} {r['depth_ppm']:>9.0f} {r['separation_arcsec']:>6.1f} "
                     f"{r['separation_px']:>6.2f} {r['detected']:>8} {fmt(r['median_error_arcsec'], '>8.1f')} "
                     f"{fmt(r['p90_error_arcsec'], '>6.1f')} {r['PASS']:>4} {r['WARN']:>4} {r['FAIL']:>4}")
    lines.append(f"wrote {c['json']}")
    lines += [f"wrote {p}" for p in c["png"]]
    return terminal_safe("\n".join(lines)) + "\n"
