"""V10: the transit depth in each aperture, with the depth each hypothesis (star s is the host) predicts there."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..report import Note
from .style import _GREY, _colour, _new_axes, _styled, mark_simulated

__all__ = ["plot_aperture_dependence"]

_MAX_CURVES = 4


@_styled
def plot_aperture_dependence(result: Any, *, ax=None, max_curves: int = _MAX_CURVES):
    """Observed depth (ppm, ±1σ from fake epochs) in every aperture of :func:`toi5807.aperture.run_v10`, and each
    hypothesis' predicted depths ``δ_s w_{s,A}`` (+ the fitted background term): the target, the most likely host
    and the other hypotheses not excluded, up to ``max_curves``.

    Parameters
    ----------
    result : ApertureResult
    ax : matplotlib.axes.Axes, optional
    max_curves : int
        Hypotheses drawn at most.

    Returns
    -------
    matplotlib.axes.Axes, or a :class:`~toi5807.report.Note` when V10 measured nothing.
    """
    if result.status != "ok" or not result.apertures:
        return Note(f"V10 sector {result.details.get('sector')}: no aperture depths ({result.reason})")
    ax = _new_axes(ax, (7.5, 4.2))
    names = [a["name"] for a in result.apertures]
    x = np.arange(len(names))
    d = np.array([a["depth_ppm"] for a in result.apertures], dtype=float)
    e = np.array([a["depth_err_ppm"] for a in result.apertures], dtype=float)
    hyps = list(result.hypotheses)
    pick = [h for h in hyps if h["label"] == "target"]
    pick += [h for h in hyps if h["label"] == result.most_likely_host and h["label"] != "target"]
    pick += sorted((h for h in hyps if h not in pick and not h["excluded"]), key=lambda h: h["chi2"])
    for i, h in enumerate(pick[:max_curves]):
        state = "impossible" if not h["possible"] else ("excluded" if h["excluded"] else "allowed")
        ax.plot(x, h["predicted_depth_ppm"], "-", marker="s", ms=4, lw=1.4, color=_colour(i), alpha=0.9,
                label=f"{h['label']}: δ = {h['delta']:.2g}, {h['sigma']:.1f}σ ({state})")
    ax.errorbar(x, d, yerr=e, fmt="o", color="black", ms=5, capsize=2, label="observed (±1σ, fake epochs)", zorder=5)
    ax.axhline(0.0, color=_GREY, lw=0.8)
    ax.set_xticks(x, names, rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("transit depth in the aperture (ppm)")
    lo, hi = np.nanpercentile(np.concatenate([d - e, d + e]), [5, 95])
    span = max(hi - lo, 1.0)
    ax.set_ylim(lo - 0.4 * span, hi + 0.4 * span)
    cal = "calibrated on fake epochs" if result.calibrated else "NOT calibrated (nominal)"
    ax.set_title(f"V10 sector {result.details.get('sector')}: {result.verdict}, most likely host "
                 f"{result.most_likely_host} ({cal})", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return mark_simulated(ax, result.simulated)
