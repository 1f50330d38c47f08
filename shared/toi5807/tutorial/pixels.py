"""Pixel steps for readers: V08 tables, and one clear sentence when there are no target pixel files.

Every helper here returns a :class:`~toi5807.tutorial.display.Table` (or a mapping) when there is something
to show and a :class:`~toi5807.tutorial.display.Note` otherwise, e.g. "no target pixel files for sectors 55,
75: V08 needs them" — never a table of nulls that a reader would take for a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..diffimage.joint import error_ellipse
from ..plots.notes import _sectors, no_pixels_note
from .display import Note, Table, table

__all__ = ["no_pixels_note", "latest_stamp", "v08_table", "offsets_table", "offsets_summary_table",
           "per_transit_table", "vet_table", "hosts_table", "exclusion_radius_note"]


def latest_stamp(ds: Any) -> Any:
    """The target pixel stamp of the latest sector that has one, or the :func:`no_pixels_note`."""
    return no_pixels_note(ds) or ds.tpf_by_sector[max(ds.tpf_by_sector)]


def v08_table(results: Mapping[int, Any]) -> Table | Note:
    """Per-sector V08 results for reading: verdict, shift ± 1σ (milli-pixels, arcsec), σ, cadence counts."""
    note = no_pixels_note(results)
    if note:
        return note
    rows = []
    for s, r in sorted(results.items()):
        m = r.metrics if r.status == "ok" else {}
        px, err = m.get("centroid_shift_pixels"), m.get("shift_uncertainty_pixels")
        rows.append({"sector": s, "verdict": r.verdict or f"skipped ({', '.join(r.flags)})",
                     "shift (milli-px)": None if px is None else 1e3 * px,
                     "±1σ (milli-px)": None if err is None else 1e3 * err,
                     "shift (arcsec)": m.get("centroid_shift_arcsec"), "significance (σ)": m.get("significance_sigma"),
                     "cadences in / out": f"{m['n_in_transit_cadences']} / {m['n_out_of_transit_cadences']}"
                     if m else None})
    return table(rows, title="V08 per sector" + (" (SIMULATED data)" if any(r.simulated for r in results.values())
                                                  else ""))


def offsets_table(analysis: Any) -> Table | Note:
    """Per-sector shift on the sky, stamp depth and source offset of a V08 offset analysis."""
    note = no_pixels_note(analysis)
    if note:
        return note
    rows = []
    for s in analysis.sectors:
        sky, src = s.shift_sky, s.source.offset_sky
        rows.append({"sector": s.sector, "V08 σ": s.v08_sigma,
                     "shift east, north (milli-arcsec)": None if sky is None else [1e3 * v for v in sky.vector_arcsec],
                     "stamp depth (ppm)": s.depth.depth_ppm, "±1σ (ppm)": s.depth.depth_err_ppm,
                     "source offset east, north (arcsec)": src.vector_arcsec if s.source.usable else None,
                     "flags": ", ".join(s.source.flags) or "none"})
    return table(rows, title="Sector offsets" + (" (SIMULATED data)" if analysis.simulated else ""))


def offsets_summary_table(analysis: Any) -> Table | Note:
    """The headline numbers of a V08 offset analysis as label/value rows (arcsec, σ, p)."""
    note = no_pixels_note(analysis)
    if note:
        return note
    cs, co = analysis.combined_shift, analysis.combined_source_offset
    rows = [
        ("combined shift (milli-arcsec)", [1e3 * v for v in cs.mean] if cs.n_used else None),
        ("combined shift significance (σ)", cs.significance_sigma if cs.n_used else None),
        ("sectors agree (consistency p)", cs.consistency_p_value if cs.consistency_dof else None),
        ("source offset from target (arcsec)", co.norm if co.n_used else None),
        ("source offset significance (σ)", co.significance_sigma if co.n_used else None),
        ("3σ exclusion radius (arcsec)", analysis.exclusion_radius_arcsec if co.n_used else None),
        ("3σ exclusion radius (pixels)", analysis.exclusion_radius_pixels if co.n_used else None),
    ]
    secs = [s.sector for s in analysis.sectors]
    if len(secs) == 1:  # nothing to agree with; the Gaussian σ of the sky vector, not V08's counted one
        rows = [(("shift on the sky, Gaussian σ (χ², 2 dof)" if k.startswith("combined shift significance") else
                  k.replace("combined shift", "shift on the sky")), v) for k, v in rows if not k.startswith("sectors agree")]
    rows += [("note", _FLAG_WORDS.get(f, f)) for f in analysis.flags]
    return table(rows, ["quantity", "value"], title=(f"Sector {secs[0]} (one sector: nothing to combine)" if len(secs) == 1
                                                     else f"Sectors {_sectors(secs)} combined")
                 + (" (SIMULATED data)" if analysis.simulated else ""))


#: Plain words for the flags of a V08 offset analysis.
_FLAG_WORDS = {
    "some_sectors_without_significant_depth": "some sectors' stamp depth is below 3σ: left out of the source offset",
    "source_offset_undefined": "no sector has a stamp depth above 3σ: the source offset is not defined",
}


def per_transit_table(analysis: Any, sector: int | None = None) -> Table | Note:
    """Per-transit shifts of one sector (default: the latest): shift (milli-pixels), σ, cadences."""
    note = no_pixels_note(analysis)
    if note:
        return note
    by_sector = {s.sector: s for s in analysis.sectors}
    sector = max(by_sector) if sector is None else int(sector)
    if sector not in by_sector:
        return Note(f"sector {sector} has no target pixel file: V08 needs it (analysed: {_sectors(by_sector)})")
    pt = by_sector[sector].per_transit
    rows = [{"transit": e.epoch, "mid-transit (BTJD)": round(e.mid_time_btjd, 3),
             "shift dx, dy (milli-px)": [1e3 * v for v in e.shift_vector_pixels] if e.usable else None,
             "significance (σ)": e.significance_sigma if e.usable else None,
             "cadences in / baseline": f"{e.n_in} / {e.n_baseline}", "note": e.flag or ""} for e in pt.epochs]
    c = pt.combined
    rows.append({"transit": "weighted mean", "shift dx, dy (milli-px)": [1e3 * v for v in c.mean] if c.n_used else None,
                 "significance (σ)": c.significance_sigma if c.n_used else None,
                 "note": f"epochs agree: p = {c.consistency_p_value:.2g}" if c.consistency_dof else ""})
    return table(rows, title=f"Sector {sector}: per-transit shifts ({pt.covariance_method} covariance)")


def _simulated(res: Any) -> str:
    return " (SIMULATED data)" if getattr(res, "simulated", False) else ""


def _semi_axes(cov: Any) -> tuple[float, float] | None:
    """1σ semi-major and semi-minor axes (arcsec) of a 2×2 covariance (arcsec²), or None when undefined."""
    major, minor, _ = error_ellipse(np.full((2, 2), np.nan) if cov is None else cov)
    return None if not np.isfinite(major) else (major, minor)


def vet_table(res: Any) -> Table | Note:
    """Per-sector and combined difference-image localization of a :func:`toi5807.vet_pixels` result.

    Columns: verdict, usable transits, the source's offset from the target (arcsec, east and north, and
    its length), the significance of that offset (σ, 2 dof) and the most likely host. With several sectors
    the last row is the sectors combined on the sky, with the 1σ error ellipse (semi-axes, arcsec).
    """
    note = no_pixels_note(res)
    if note:
        return note
    rows = []
    for s, v in sorted(res.sectors.items()):
        d = v.to_dict()
        rows.append({"sectors": s, "verdict": v.verdict, "transits": d["n_transits"],
                     "source east, north (″)": d["source_offset_east_north_arcsec"],
                     "offset (″)": d["source_offset_arcsec"], "offset σ (nominal)": d["source_offset_sigma"],
                     "1σ ellipse (″)": _semi_axes(d["source_covariance_arcsec2"]),
                     "most likely host": d["most_likely_host"]})
    c = res.combined
    host = c.most_likely_host
    if len(rows) < 2:  # one sector: "combined" would repeat it
        return table(rows, title="Where is the source of the dip?" + _simulated(res))
    rows.append({"sectors": "combined", "verdict": res.verdict, "transits": sum(r["transits"] or 0 for r in rows),
                 "source east, north (″)": c.offset_arcsec, "offset (″)": float(np.hypot(*c.offset_arcsec)),
                 "offset σ (nominal)": c.offset_sigma, "1σ ellipse (″)": c.error_ellipse_arcsec[:2],
                 "most likely host": host["label"] if host else None})
    return table(rows, title="Where is the source of the dip?" + _simulated(res))


def hosts_table(res: Any, n: int = 6) -> Table | Note:
    """The catalogue stars ranked as hosts of the dip (combined sky position of a :func:`vet_pixels` result).

    Columns: distance from the target (arcsec), Δχ² and σ of placing the source on that star (2 dof),
    relative probability, and whether the star is bright enough to produce the dip.
    """
    note = no_pixels_note(res)
    if note:
        return note
    if not res.combined.hosts:
        return Note("no catalogue star could be tested: " + (", ".join(res.combined.flags) or "no combined position"))
    rows = [{"star": h["label"], "distance from target (″)": h["separation_arcsec"], "Δχ²": h["delta_chi2"],
             "σ": h["sigma"], "relative probability": h["relative_probability"],
             "bright enough for the dip": h["could_produce_depth"]} for h in res.combined.hosts[:n]]
    return table(rows, title="Which star is it?" + _simulated(res))


def exclusion_radius_note(res: Any) -> Note:
    """One sentence: the 3σ exclusion radius of a :func:`toi5807.vet_pixels` result, or why there is none."""
    note = no_pixels_note(res)
    if note:
        return note
    radius = res.combined.exclusion_radius_arcsec
    if not np.isfinite(radius):
        return Note(f"difference-image exclusion radius: not defined ({res.reason})")
    used = res.combined.sectors_used
    where = f"sector {used[0]}" if len(used) == 1 else f"sectors {_sectors(used)} combined"
    return Note(f"difference-image 3σ exclusion radius: {radius:.1f} arcsec ({where}"
                + ("; SIMULATED data)" if res.simulated else ")"))


def self_calibration_table(res: Any) -> Table | Note:
    """The verdict's significances against the null of fake epochs in the same pixels, per sector and combined.

    For the dip amplitude and the source's offset from the target: the nominal σ (Gaussian / χ² with 2 degrees of
    freedom), how many of the fake epochs reached the observed value, the counted p-value (its floor is
    1 / (fakes + 1)), and the calibrated σ the verdict uses (from a fit of the fakes' scale and shape; "extrapolated"
    when no fake reached the observed value).
    """
    note = no_pixels_note(res)
    if note:
        return note
    rows = []

    def add(label: str, test: str, t: Mapping[str, Any]) -> None:
        rows.append({"sectors": label, "test": test, "nominal σ": t.get("nominal_sigma"),
                     "fakes ≥ observed": f"{t.get('n_exceed')} of {t.get('n_null')}",
                     "counted p": t.get("p_counted"), "calibrated σ": t.get("sigma"),
                     "from": "fit, extrapolated" if t.get("extrapolated") else "fit of the fakes"})

    for s, v in sorted(res.sectors.items()):
        cal = getattr(v, "calibration", None) or {}
        if cal.get("used"):
            add(str(s), "dip amplitude", cal["amplitude"])
            add(str(s), "offset from the target", cal["offset"])
    comb = getattr(res, "calibration", None) or {}
    if comb.get("used") and len(res.sectors) > 1:
        add("combined", "offset from the target", comb["offset"])
    if not rows:
        return Note("no sector could be calibrated at fake epochs (too few usable fakes): the verdict used the "
                    "nominal significances")
    return table(rows, title="The verdict's σ, calibrated at fake epochs of the same pixels" + _simulated(res))
