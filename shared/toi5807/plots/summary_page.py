"""A one-page summary of a pixel vetting, for pasting beside a DV report: sky image, V08 stamp, transit, text.

:func:`plot_vet_summary_page` lays out, on one page: the difference image on the sky with the catalogue stars and
the fitted source (:func:`~toi5807.plots.diffimage.plot_diffimage`), the V08 stamp
(:func:`~toi5807.plots.stamp.plot_centroid_shift`), the phase-folded light curve
(:func:`~toi5807.plots.lightcurve.plot_phase_folded`), V10's curve when the record has one, and the key lines of
the text report (:func:`toi5807.report_text.render_vet_report`). Simulated data are marked SIMULATED. It draws;
it never writes a file (``vet --summary-png FILE`` writes it, atomically).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from typing import Any

from .diffimage import plot_diffimage
from .lightcurve import plot_phase_folded
from .stamp import plot_centroid_shift
from .style import _new_figure, _styled, mark_simulated

__all__ = ["plot_vet_summary_page", "summary_lines"]

#: Which lines of the text report go on the page (their first words); per-sector detail follows for one sector.
_KEY_PREFIXES = ("TOI5807 PIXEL VETTING", "data product", "target", "  TOI-5807 catalogue", "ephemeris", "depth",
                 "verdict", "statistics", "most likely host", "host: none", "3σ exclusion radius", "combined")


def summary_lines(record: Mapping[str, Any], sector: int | None = None) -> list[str]:
    """The report's key lines for the page: identification, ephemeris, depth, verdict, calibration, the chosen
    sector's block and the host / exclusion radius (from :func:`toi5807.report_text.render_vet_report`)."""
    from ..report_text import render_vet_report

    lines = render_vet_report(record).splitlines()
    keep, in_sector = [], False
    for line in lines:
        if line.startswith("sector "):
            in_sector = sector is not None and line.startswith(f"sector {sector}:")
        elif not line.startswith("  "):
            in_sector = False
        if in_sector or line.startswith(_KEY_PREFIXES):
            keep.append(line)
    return keep


def _chosen_sector(result: Any) -> int | None:
    """The sector to show: the one with the most in-transit cadences among those with a usable localization."""
    best, key = None, None
    for s, sv in sorted(result.sectors.items()):
        usable = bool(getattr(sv.localization, "usable", False))
        n_in = (sv.v08_metrics or {}).get("n_in_transit_cadences") or 0
        k = (usable, n_in, s)
        if key is None or k > key:
            best, key = s, k
    return best


def _v08_result(dataset: Any, sector: int, candidate: Mapping[str, Any]):
    from ..centroid.check import run_v08

    stamp = dataset.tpf_by_sector[sector]
    return run_v08(stamp, period_days=candidate["period_days"], t0_btjd=candidate["t0_btjd"],
                   duration_hours=candidate["duration_hours"])


def _phase_fold(ax: Any, dataset: Any, candidate: Mapping[str, Any], simulated: bool) -> None:
    from ..lightcurve import Candidate, Ephemeris, stitch_pdcsap

    depth = candidate.get("depth_ppm")
    if not getattr(dataset, "lc_by_sector", None) or depth is None or not math.isfinite(float(depth)):
        ax.text(0.5, 0.5, "no light curve depth: phase fold not drawn", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    cand = Candidate(Ephemeris(period_days=candidate["period_days"], t0_btjd=candidate["t0_btjd"],
                               duration_hours=candidate["duration_hours"]), float(depth))
    plot_phase_folded(stitch_pdcsap(dataset), cand, ax=ax, simulated=simulated)
    ax.legend(loc="lower left", fontsize=7, ncols=1)


def _v10_panel(ax: Any, v10: Mapping[str, Any] | None, dataset: Any, sector: int | None,
              candidate: Mapping[str, Any], catalogue: Any) -> bool:
    """V10's depths against aperture with each host's prediction (:func:`~toi5807.plots.aperture.
    plot_aperture_dependence`), re-measured on the sector's stamp with the vetting's stars, when the record has a
    V10 line; False otherwise (nothing drawn)."""
    stamp = (getattr(dataset, "tpf_by_sector", None) or {}).get(sector) if sector is not None else None
    if not v10 or stamp is None:
        return False
    from ..aperture import run_v10
    from .aperture import plot_aperture_dependence

    res = run_v10(stamp, period_days=candidate["period_days"], t0_btjd=candidate["t0_btjd"],
                  duration_hours=candidate["duration_hours"], catalogue=catalogue)
    if not hasattr(plot_aperture_dependence(res, ax=ax), "plot"):  # a Note: V10 measured no depths
        return False
    ax.set_title(f"V10: {v10.get('verdict')} (host {v10.get('most_likely_host') or '—'})", fontsize=9)
    ax.set_xticks(ax.get_xticks(), [])  # the apertures' names do not fit a page cell: step 13 lists them
    ax.set_xlabel("apertures (step 13 names them)", fontsize=7)
    ax.set_ylabel("depth (ppm)")
    if ax.get_legend() is not None:
        ax.legend(fontsize=5.5, loc="lower left", frameon=False)
    return True


def _key_facts(record: Mapping[str, Any], sector: int | None) -> list[str]:
    """The right-hand column: the verdict's reason with its σ labelled, then the numbers a reader looks for."""
    from ..report_text import _all_calibrated, _ellipse, _label_sigmas, _no_dip

    calibrated = _all_calibrated(record)
    out = [_label_sigmas(record.get("reason"), calibrated)]
    c = record.get("candidate") or {}
    out.append("")
    out.append(f"P = {c.get('period_days', float('nan')):.5f} d, T0 = {c.get('t0_btjd', float('nan')):.4f} BTJD")
    depth = c.get("depth_ppm")
    out.append(f"duration {c.get('duration_hours', float('nan')):.2f} h, depth "
               + (f"{depth:.0f} ppm" if depth is not None else "—"))
    v = (record.get("sectors") or {}).get(str(sector)) or {}
    if v.get("source_offset_arcsec") is not None:
        out.append(f"s{sector} source offset {v['source_offset_arcsec']:.1f}″, 1σ ellipse "
                   f"{_ellipse(v.get('source_covariance_arcsec2'))}")
    comb = record.get("combined") or {}
    if _no_dip(record.get("reason")):
        out.append("no significant dip: no host, no exclusion radius")
    else:
        r = comb.get("exclusion_radius_arcsec")
        out.append(f"host {comb.get('most_likely_host') or '—'}; 3σ exclusion radius "
                   + (f"{r:.1f}″" if r is not None else "—"))
    out.append("σ calibrated on the target's own pixels" if calibrated
               else "σ NOT calibrated (nominal): see the statistics line below")
    return out


@_styled
def plot_vet_summary_page(result: Any, dataset: Any, record: Mapping[str, Any] | None = None, *,
                          sector: int | None = None, fig: Any = None, ax: Any = None):
    """One page summarising a vetting: difference image on the sky, V08 stamp, phase fold, V10, key report lines.

    Parameters
    ----------
    result : PixelVetResult
        From :func:`toi5807.vet_pixels`.
    dataset : Dataset
        The vetted data (the stamps for V08, the light curves for the phase fold).
    record : mapping, optional
        The ``vet --json`` record of ``result`` (:func:`toi5807.cli_vet.vet_record`): the text lines come from it
        (default: ``result.to_dict()``, without the input's provenance).
    sector : int, optional
        The sector whose difference image and stamp are drawn (default: the usable one with most in-transit
        cadences).
    fig : matplotlib Figure, optional
        An empty figure to draw in (default: a new 13 × 10.5 inch one).
    ax : matplotlib Axes, optional
        Instead of ``fig``: the page fills this Axes' place in its grid.

    Returns
    -------
    matplotlib.figure.Figure
        Marked SIMULATED when the data are.
    """
    fig = _new_figure(fig, (13.0, 10.5), ax=ax)
    record = result.to_dict() if record is None else record
    simulated = bool(record.get("simulated") or getattr(result, "simulated", False))
    sector = _chosen_sector(result) if sector is None else int(sector)
    cand = record.get("candidate") or {}
    v10 = (record.get("sectors") or {}).get(str(sector), {}).get("v10") if sector is not None else None
    grid = fig.add_gridspec(3, 3, height_ratios=(1.15, 0.75, 0.9))
    ax_sky = fig.add_subplot(grid[0, 0])
    ax_v08 = fig.add_subplot(grid[0, 1])
    ax_text = fig.add_subplot(grid[0, 2])
    ax_lc = fig.add_subplot(grid[1, :2])
    ax_v10 = fig.add_subplot(grid[1, 2])
    ax_lines = fig.add_subplot(grid[2, :])
    if sector is None:
        for ax in (ax_sky, ax_v08):
            ax.text(0.5, 0.5, "no sector with pixels was vetted", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    else:
        comb = result.combined if len(result.combined.sectors_used) > 1 else None
        plot_diffimage(result.sectors[sector], catalogue=result.catalogue, combined=comb, ax=ax_sky,
                       simulated=simulated)
        if ax_sky.get_legend() is not None:  # below the axis label, not over it
            ax_sky.get_legend().set_bbox_to_anchor((0.5, -0.24))
        plot_centroid_shift(_v08_result(dataset, sector, cand), ax=ax_v08, sector=sector, dataset=dataset)
        ax_v08.set_title(f"V08 centroid shift, sector {sector}", fontsize=10)
        for artist in [ax_v08.get_legend(), *[t for t in ax_v08.texts if t.get_bbox_patch() is not None]]:
            if artist is not None:  # the stamp's legend and numbers box: the page's text lines carry them
                artist.set_visible(False)
    _phase_fold(ax_lc, dataset, cand, simulated)
    if not _v10_panel(ax_v10, v10, dataset, sector, cand, result.catalogue):
        ax_v10.text(0.5, 0.5, "V10: not run for this record", ha="center", va="center", transform=ax_v10.transAxes,
                    color="0.4")
        ax_v10.set_axis_off()
    verdict = record.get("verdict")
    colour = {"PASS": "#009E73", "WARN": "#E69F00", "FAIL": "#D55E00"}.get(verdict, "k")
    ax_text.set_axis_off()
    t = record.get("target") or {}
    head = [f"TIC {t.get('tic_id') or '—'}", f"verdict: {verdict}" + (" (SIMULATED)" if simulated else "")]
    ax_text.text(0.0, 1.0, head[0], fontsize=16, fontweight="bold", va="top", transform=ax_text.transAxes)
    ax_text.text(0.0, 0.88, head[1], fontsize=14, fontweight="bold", va="top", color=colour,
                 transform=ax_text.transAxes)
    facts = [w for line in _key_facts(record, sector)
             for w in (textwrap.wrap(line, 31, subsequent_indent="   ") or [""])]
    ax_text.text(0.0, 0.76, "\n".join(facts), fontsize=8.5, va="top", linespacing=1.4,
                 transform=ax_text.transAxes)
    ax_lines.set_axis_off()
    body = []
    for line in summary_lines(record, sector):
        body += textwrap.wrap(line, 150, subsequent_indent="      ") or [""]
    ax_lines.text(0.0, 1.0, "\n".join(body[:26]), family="monospace", fontsize=7.2, va="top",
                  transform=ax_lines.transAxes)
    return mark_simulated(fig, simulated)
