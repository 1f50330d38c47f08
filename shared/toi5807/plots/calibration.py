"""What the calibration runs found: the sensitivity curve and the null p-value histograms.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .style import OKABE_ITO, _colour, _new_axes, _new_figure, _styled, mark_simulated

__all__ = ["plot_sensitivity_curve", "plot_null_calibration"]


@_styled
def plot_sensitivity_curve(injection: Any, *, exclusion_radius_arcsec: float | None = None,
                           exclusion_label: str = "3σ exclusion radius", ax=None):
    """Detection probability (σ ≥ 3) of an eclipsing source vs separation, per sector and combined.

    Parameters
    ----------
    injection : InjectionRecovery or mapping
        The result of :func:`toi5807.calibration.injection.injection_recovery` or its
        ``injection_recovery.json``. Injections are made into the simulated twin: the figure is marked SIMULATED.
    exclusion_radius_arcsec : float, optional
        Marked with a triangle on the top edge (arcsec) and named in the title; not drawn as a line across the
        simulated curves (it usually comes from other, real data).
    exclusion_label : str
        Its text, e.g. which method's radius it is; the value in arcsec is appended.
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    injection = injection.to_dict() if hasattr(injection, "to_dict") else injection
    simulated = bool(injection.get("simulated", True))
    ax = _new_axes(ax, (7.5, 4.8))
    seps = np.asarray(injection["separations_arcsec"], dtype=float)
    keys = [f"{r:g}" for r in seps]
    # the combined curve as large hollow diamonds under the one-sector dots, with wider caps: where the two
    # coincide (e.g. both 0 at every separation) both stay visible
    styles = {"per_sector": dict(color=OKABE_ITO["blue"], marker="o", ms=5.5, capsize=3, zorder=4, lw=1.4),
              "combined": dict(color=OKABE_ITO["vermillion"], marker="D", ms=10, mfc="none", mew=1.6, capsize=7,
                               zorder=3, lw=1.4, elinewidth=2.4, alpha=0.9)}
    for name in ("combined", "per_sector"):
        p = np.array([injection[f"detection_{name}"][k] for k in keys])
        ci = np.array([injection[f"ci99_{name}"][k] for k in keys])
        n = injection[f"n_{name}"]
        ax.errorbar(seps, p, yerr=[p - ci[:, 0], ci[:, 1] - p], ls="-", **styles[name],
                    label=("one sector" if name == "per_sector" else f"{len(injection['sectors'])} sectors combined")
                    + f" (n = {n} per point, 99 % CI)")
    scales = sorted({round(v, 1) for v in (injection.get("pixel_scale_arcsec_by_sector") or {}).values() if v})
    pixels = "; a pixel spans " + "–".join(f"{v:.1f}″" for v in dict.fromkeys((scales[0], scales[-1]))) if scales else ""
    ax.set_xlabel(f"separation of the eclipsing source from the target (arcsec on the sky{pixels})")
    ax.set_ylabel("P(V08 ≥ 3σ)")
    ax.set_ylim(-0.03, 1.03)
    title = (f"Sensitivity of V08 ({injection['method']}) to a {injection['depth_ppm']:.0f} ppm blend"
             + (" — simulated injections" if simulated else ""))
    if exclusion_radius_arcsec is not None and math.isfinite(exclusion_radius_arcsec):
        # a radius measured on other data is not drawn across simulated curves: a mark on the top edge, outside
        # the data area, explained in the title
        ax.plot([exclusion_radius_arcsec], [1.0], marker="v", ms=9, color=OKABE_ITO["bluish_green"], mec="black",
                mew=0.6, transform=ax.get_xaxis_transform(), clip_on=False, zorder=11, gid="exclusion-radius")
        import textwrap

        mark = f"▼ {exclusion_label}: {exclusion_radius_arcsec:.0f}″" + (
            " (measured on the data given, not on this simulation)" if simulated else "")
        title += "\n" + textwrap.fill(mark, 90)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    return mark_simulated(ax, simulated)


#: Order of the significance methods in the null-calibration figure: as step 11b discusses them (the three that
#: treat cadences as independent, then the package's empirical null, then the per-transit test).
METHOD_ORDER = ("analytic", "bootstrap", "permutation", "empirical", "per_transit")

#: One colour per method, all distinct (Okabe–Ito; no two blues). The nominal rate is drawn in black.
METHOD_COLOURS = {"analytic": OKABE_ITO["blue"], "bootstrap": OKABE_ITO["orange"],
                  "permutation": OKABE_ITO["reddish_purple"], "empirical": OKABE_ITO["bluish_green"],
                  "per_transit": OKABE_ITO["vermillion"]}


def _method_name(method: str) -> str:
    return method.replace("_", "-")


def _ks_text(p: float) -> str:
    return "KS p < 1e-15" if p < 1e-15 else f"KS p = {p:.2g}"


@_styled
def plot_null_calibration(null: Any, *, fig=None, ax=None):
    """p-value histograms per significance method and the 3σ false-alarm rates with 99 % intervals.

    Parameters
    ----------
    null : NullCalibration or mapping
        The result of :func:`toi5807.calibration.null.null_calibration` or its
        ``null_calibration.json``. Trials run on simulated twins: the figure is marked SIMULATED.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw the panels in (default: a new one).

    Returns
    -------
    matplotlib.figure.Figure
        Methods in the order of :data:`METHOD_ORDER` (others after, alphabetically), one colour each; the
        false-alarm rates on a log axis (per cent; an interval reaching 0 is cut at the axis bottom).
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    null = null.to_dict() if hasattr(null, "to_dict") else null
    methods = [m for m in METHOD_ORDER if m in null["methods"]] + sorted(m for m in null["methods"]
                                                                       if m not in METHOD_ORDER)
    colours = [METHOD_COLOURS.get(m, _colour(i)) for i, m in enumerate(methods)]
    fig = _new_figure(fig, (12.0, 6.2), ax=ax)
    grid = fig.add_gridspec(2, len(methods))
    nominal = float(null["nominal_far_3sigma"])
    for i, m in enumerate(methods):
        c = null["methods"][m]
        ax = fig.add_subplot(grid[0, i])
        counts = np.asarray(c["p_hist_counts"], dtype=float)
        edges = np.linspace(0, 1, counts.size + 1)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colours[i], alpha=0.85)
        ax.axhline(c["n_trials"] / counts.size, color="black", ls="--", lw=1.0)
        ax.set_title(f"{_method_name(m)}\n{_ks_text(float(c['ks_p_value']))}", fontsize=9.5)
        ax.set_xlabel("p-value")
        if i == 0:
            ax.set_ylabel("null trials per bin (dashed: uniform)")
    ax = fig.add_subplot(grid[1, :])
    far = np.array([null["methods"][m]["far_3sigma"] for m in methods]) * 100
    ci = np.array([null["methods"][m]["far_ci99"] for m in methods]) * 100
    x = np.arange(len(methods))
    # a log axis (rates from 0.1 % to 100 %): its bottom sits a decade below the smallest positive value, and an
    # interval or rate of 0 is cut there (a log axis has no 0)
    positive = np.concatenate([far[far > 0], ci[ci > 0], [nominal * 50]])
    bottom = 10.0 ** math.floor(math.log10(float(positive.min())))
    shown = np.maximum(far, bottom)
    ax.bar(x, shown - bottom, bottom=bottom, color=colours, alpha=0.85)
    ax.errorbar(x, shown, yerr=[shown - np.maximum(ci[:, 0], bottom), np.maximum(ci[:, 1], bottom) - shown],
                fmt="none", color="black", capsize=4, label="99 % Clopper–Pearson interval")
    ax.axhline(nominal * 100, color=OKABE_ITO["black"], lw=1.5, label=f"nominal {nominal * 100:.2f} %")
    ax.axhspan(0.5 * nominal * 100, 1.5 * nominal * 100, color=OKABE_ITO["black"], alpha=0.10,
               label="0.5–1.5 × nominal")
    ax.set_xticks(x, [f"{_method_name(m)}\n{null['methods'][m]['n_false_alarms']}/{null['methods'][m]['n_trials']}"
                      for m in methods])
    ax.set_ylabel("false-alarm rate at 3σ (%)")
    ax.set_yscale("log")
    ax.set_ylim(bottom, 150.0)
    decades = [10.0 ** k for k in range(int(round(math.log10(bottom))), 3) if 10.0 ** k <= 150.0]
    ax.yaxis.set_major_locator(FixedLocator(decades))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.suptitle(f"V08 on {len(null['sectors'])}-sector × {null['seeds'][1] - null['seeds'][0] + 1}-seed "
                 "no-transit twins (correlated pointing jitter)")
    return mark_simulated(fig, null.get("simulated", True))
