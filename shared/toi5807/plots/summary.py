"""The per-sector V08 summary: shift with 1σ bars and significance against the 3σ/5σ lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.validate import check_real
from ..pixels.scale import NOMINAL_SCALE_WARNING
from .notes import flag_words, no_pixels_note
from .style import (
    _GREY,
    OKABE_ITO,
    VERDICT_COLOURS,
    _is_simulated,
    _new_figure,
    _styled,
    mark_simulated,
)

__all__ = ["plot_v08_summary"]


# ---------------------------------------------------------------------------------------------
# V08 per-sector summary
# ---------------------------------------------------------------------------------------------
def _summary_rows(results: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """Normalise ``{sector: CheckResult or {status, flags, metrics[, verdict]}}`` to plain rows."""
    rows = []
    for key in sorted(results, key=lambda k: int(k)):
        r = results[key]
        get = (lambda name, default=None: r.get(name, default)) if isinstance(r, Mapping) else (
            lambda name, default=None: getattr(r, name, default))
        metrics = dict(get("metrics", {}) or {})
        rows.append({"sector": int(key), "status": get("status", "skipped"), "verdict": get("verdict"),
                     "flags": list(get("flags", ()) or ()), "metrics": metrics,
                     "scale": _row_scale(dict(get("details", {}) or {}), metrics),
                     "nominal": NOMINAL_SCALE_WARNING in tuple(get("warnings", ()) or ())})
    return rows


def _row_scale(details: Mapping[str, Any], metrics: Mapping[str, Any]) -> float:
    """Arcsec per pixel of one result: its ``pixel_scale_arcsec``, else arcsec shift ÷ pixel shift, else NaN."""
    scale = _num(details.get("pixel_scale_arcsec", metrics.get("pixel_scale_arcsec")))
    if math.isnan(scale):
        px, arcsec = _num(metrics.get("centroid_shift_pixels")), _num(metrics.get("centroid_shift_arcsec"))
        scale = arcsec / px if px > 0 else math.nan
    return scale


def _arcsec_axis_label(rows: list[dict[str, Any]], given: float | None) -> tuple[float, str]:
    """Scale (arcsec per pixel) of the right-hand axis and its label; NaN when no result has a scale."""
    if given is not None:
        given = check_real(given, "pixel_scale_arcsec", 0.0, low_open=True)
        return given, f"shift (milli-arcsec at a given {given:.1f}″/px)"
    scales = np.array([r["scale"] for r in rows if r["status"] == "ok"], dtype=float)
    scales = scales[np.isfinite(scales)]
    if not scales.size:
        return math.nan, ""
    lo, hi, mean = float(scales.min()), float(scales.max()), float(scales.mean())
    which = "this stamp's" if scales.size == 1 else "the stamps'"
    label = (f"shift (milli-arcsec at {which} pixel scale, {mean:.1f}″/px" if hi - lo < 0.05 else
             f"shift (milli-arcsec at the stamps' mean pixel scale, {mean:.1f}″/px; {lo:.1f}–{hi:.1f}″ by sector")
    nominal = [r["nominal"] for r in rows if r["status"] == "ok"]
    return mean, label + (", nominal: no WCS)" if all(nominal) else
                          ", nominal where a stamp has no WCS)" if any(nominal) else ")")


def _num(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else math.nan


@_styled
def plot_v08_summary(results: Mapping[Any, Any], *, warn_sigma: float = 3.0, fail_sigma: float = 5.0,
                     pixel_scale_arcsec: float | None = None, fig=None, ax=None, simulated: bool | None = None):
    """Per-sector V08 results: shift (milli-pixels, 1σ bars) and significance with the 3σ/5σ lines.

    Parameters
    ----------
    results : mapping sector -> CheckResult or dict
        :func:`toi5807.centroid.check.run_v08` results, or the ``{status, flags, metrics}``
        entries of :func:`toi5807.tutorial.summaries.v08_sector_summary` (verdict optional).
    warn_sigma, fail_sigma : float
        Significance thresholds drawn as horizontal lines, σ.
    pixel_scale_arcsec : float, optional
        Arcsec per pixel for the right-hand shift axis. Default: the results' own ``pixel_scale_arcsec``
        (from each stamp's WCS; the mean when sectors differ, as the label says); no right-hand axis when
        no result carries a scale.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw the two panels in (default: a new one).
    ax : matplotlib.axes.Axes, optional
        Draw in this Axes' place instead (it is replaced by the two panels).
    simulated : bool, optional
        Mark the figure SIMULATED; default: when any result says ``simulated``.

    Returns
    -------
    matplotlib.figure.Figure
        Top: centroid shift in milli-pixels (right axis: milli-arcsec at the pixel scale); bottom:
        significance in σ. Sectors without a measurement are named under the axis with the reason in words
        (e.g. "no pixels"), not given a column (unless none was measured). The :class:`~toi5807.report.Note`
        of :func:`~toi5807.plots.notes.no_pixels_note` instead when no sector had pixels.
    """
    if isinstance(results, Mapping) and not any(isinstance(r, Mapping) for r in results.values()):
        note = no_pixels_note(results)
        if note:
            return note
    rows = _summary_rows(results)
    measured = [r for r in rows if r["status"] == "ok" and math.isfinite(_num(r["metrics"].get("centroid_shift_pixels")))]
    # sectors without a measurement are named under the axis, not given an empty column each (with three of four
    # sectors lacking pixels the panels were three-quarters empty)
    skipped = [r for r in rows if r not in measured] if measured else []
    rows = measured or rows
    width = min(7.0, max(5.4, 3.4 + 0.9 * len(rows)))
    fig = _new_figure(fig, (width, 5.6), ax=ax)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    xs = np.arange(len(rows))
    shift = np.array([_num(r["metrics"].get("centroid_shift_pixels")) for r in rows]) * 1e3
    err = np.array([_num(r["metrics"].get("shift_uncertainty_pixels")) for r in rows]) * 1e3
    sig = np.array([_num(r["metrics"].get("significance_sigma")) for r in rows])
    for x, r, s, e, z in zip(xs, rows, shift, err, sig):
        colour = VERDICT_COLOURS.get(r["verdict"] or "", OKABE_ITO["blue"])
        if r["status"] != "ok" or not math.isfinite(s):  # only when no sector was measured at all
            ax1.text(x, 0.5, "not measured:\n" + flag_words(r["flags"]), transform=ax1.get_xaxis_transform(),
                     ha="center", va="center", fontsize=8, color=_GREY)
            continue
        ax1.errorbar(x, s, yerr=e if math.isfinite(e) else None, fmt="o", ms=7, color=colour, mec="black",
                     mew=0.6, ecolor=OKABE_ITO["black"], elinewidth=1.2, capsize=4, zorder=3)
        ax2.plot(x, z, "o", ms=7, color=colour, mec="black", mew=0.6, zorder=3)
        if r["verdict"]:
            ax2.annotate(r["verdict"], (x, z), textcoords="offset points", xytext=(9, -3), fontsize=8)
    ax1.axhline(0.0, color=OKABE_ITO["black"], lw=0.8, alpha=0.6)
    ax1.set_ylabel("centroid shift (milli-pixels)")
    finite = np.isfinite(shift)
    top = np.nanmax(np.where(finite, shift + np.nan_to_num(err), np.nan)) if finite.any() else 1.0
    ax1.set_ylim(0.0, 1.25 * top if top > 0 else 1.0)
    scale, label = _arcsec_axis_label(rows, pixel_scale_arcsec)
    title = "V08 centroid shift per sector (bars: 1σ along the shift)"
    if math.isfinite(scale):
        sec = ax1.secondary_yaxis("right", functions=(lambda v: v * scale, lambda v: v / scale))
        sec.set_ylabel("shift (milli-arcsec)")
        # the long explanation of the right axis goes under the title, not beside the axis (where it
        # squeezed the panels apart and was clipped)
        title += "\nright axis: " + label.removeprefix("shift (").removesuffix(")")
    ax1.set_title(title, fontsize=10)

    ax2.axhline(warn_sigma, color=OKABE_ITO["orange"], ls="--", lw=1.2, label=f"{warn_sigma:g}σ: WARN")
    ax2.axhline(fail_sigma, color=OKABE_ITO["vermillion"], ls=":", lw=1.5,
                label=f"{fail_sigma:g}σ: FAIL if also shift ≥ 1 px")
    smax = np.nanmax(sig) if np.isfinite(sig).any() else 0.0
    ax2.set_ylim(0.0, max(1.2 * smax, fail_sigma + 1.5))
    ax2.set_ylabel("significance (σ)")
    ax2.legend(loc="upper left")
    ax2.set_xticks(xs, [f"S{r['sector']}" for r in rows])
    by_reason: dict[str, list[str]] = {}
    for r in skipped:
        by_reason.setdefault(flag_words(r["flags"]), []).append(f"S{r['sector']}")
    ax2.set_xlabel("TESS sector" + "".join(f"\nnot measured ({why}): {', '.join(s)}" for why, s in by_reason.items()))
    ax2.set_xlim(-0.6, len(rows) - 0.4)
    return mark_simulated(fig, _is_simulated(*results.values()) if simulated is None else simulated)
