"""The pixel verdict calibrated on the user's own pixels: empty-epoch false alarms and injection–recovery.

One figure of :func:`toi5807.calibration.own_pixels.calibrate_own_pixels` for one sector: (a) the verdicts at empty
epochs with their intervals, (b) the detection fraction, (c) the position error and (d) how often an injected
neighbour PASSes, each against separation for every injected depth.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .style import OKABE_ITO, VERDICT_COLOURS, _new_figure, _styled, mark_simulated

__all__ = ["plot_own_calibration"]

#: One colour per injected depth, none alike (no two blues; green is the exclusion radius).
_DEPTH_COLOURS = ("orange", "blue", "reddish_purple", "black", "vermillion", "sky_blue")
_DEPTH_MARKERS = ("o", "s", "D", "^", "v", "P")


def _yerr(rates: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    f = np.array([r["fraction"] if r["fraction"] is not None else np.nan for r in rates], dtype=float)
    ci = np.array([r["ci"] if r["ci"] is not None else (np.nan, np.nan) for r in rates], dtype=float)
    return f, np.vstack([f - ci[:, 0], ci[:, 1] - f])


def _num(v: Any) -> float:
    return float(v) if v is not None else math.nan


@_styled
def plot_own_calibration(result: Any, *, sector: int | None = None, fig=None, ax=None):
    """Four panels of one sector's calibration on its own pixels.

    Parameters
    ----------
    result : OwnPixelCalibration or mapping
        :func:`toi5807.calibration.own_pixels.calibrate_own_pixels`'s result or its ``to_dict()``.
    sector : int, optional
        Which sector (default the first).
    fig : matplotlib Figure, optional
        An empty figure to draw in (default: a new one).
    ax : matplotlib Axes, optional
        A subplot whose place the four panels fill.

    Returns
    -------
    matplotlib.figure.Figure
        Titles say "real pixels" or "SIMULATED"; simulated results carry the SIMULATED mark.
    """
    d = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    if not d.get("sectors"):
        raise ValueError("result: no calibrated sector to plot")
    key = str(sector) if sector is not None else next(iter(d["sectors"]))
    if key not in d["sectors"]:
        raise ValueError(f"sector: expected one of {sorted(d['sectors'])}, got {sector!r}")
    sc = d["sectors"][key]
    simulated = bool(d.get("simulated"))
    label = "SIMULATED pixels" if simulated else "real pixels"
    fig = _new_figure(fig, (13.0, 9.4), ax)
    axes = fig.subplots(2, 2)
    _empty_panel(axes[0, 0], sc["false_alarms"], label)
    cells = sc["injection_recovery"]
    depths = sorted({c["aperture_depth_ppm"] for c in cells})
    seps = np.array(sorted({c["separation_arcsec"] for c in cells}), dtype=float)
    scale = float(sc["pixel_scale_arcsec"])
    # depths side by side at each separation (not on top of each other), thin error bars under the markers
    jitter = 0.03 * (seps.max() - seps.min() if seps.size > 1 else 1.0)
    rexc = _num(d.get("exclusion_radius_arcsec"))
    for i, depth in enumerate(depths):
        cs = sorted((c for c in cells if c["aperture_depth_ppm"] == depth), key=lambda c: c["separation_arcsec"])
        x = np.array([c["separation_arcsec"] for c in cs]) + (i - 0.5 * (len(depths) - 1)) * jitter
        col, mk = OKABE_ITO[_DEPTH_COLOURS[i % 6]], _DEPTH_MARKERS[i % 6]
        kw = dict(color=col, marker=mk, ms=5, capsize=2, lw=1.4, elinewidth=0.8)
        f, e = _yerr([c["detection"] for c in cs])
        axes[0, 1].errorbar(x, f, yerr=e, label=f"{depth:.0f} ppm", **kw)
        fl, _ = _yerr([c["localized"] for c in cs])
        # markers only: a dotted line from the last localized point down to 0 read as data
        axes[0, 1].plot(x, fl, color=col, ls="none", marker=mk, mfc="white", ms=5, mew=1.2, zorder=3)
        med = np.array([_num(c["median_error_arcsec"]) for c in cs])
        p90 = np.array([_num(c["p90_error_arcsec"]) for c in cs])
        nom = np.array([_num(c["nominal_median_error_arcsec"]) for c in cs])
        axes[1, 0].errorbar(x, med, yerr=[np.zeros_like(med), np.where(np.isfinite(p90), p90 - med, np.nan)],
                            label=f"{depth:.0f} ppm", **kw)
        axes[1, 0].plot(x, nom, color=col, ls="none", marker="_", ms=11, mew=1.6)
        f, e = _yerr([c["pass"] for c in cs])
        axes[1, 1].errorbar(x, f, yerr=e, label=f"{depth:.0f} ppm", **kw)
    for a in (axes[0, 1], axes[1, 0], axes[1, 1]):
        if math.isfinite(rexc):
            a.axvline(rexc, color=OKABE_ITO["bluish_green"], ls="--", lw=1.1, zorder=0)
            a.text(rexc, 0.5, f" 3σ exclusion radius {rexc:.0f}″ ", transform=a.get_xaxis_transform(), rotation=90,
                   ha="right", va="center", fontsize=7.5, color=OKABE_ITO["bluish_green"],
                   bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.5))
        a.set_xlabel(f"separation of the injected source (arcsec; 1 pixel = {scale:.1f}″)")
        a.set_xlim(0, seps.max() * 1.06 if seps.size else 1)
        sec = a.secondary_xaxis("top", functions=(lambda v: v / scale, lambda v: v * scale))
        sec.set_xlabel("pixels", fontsize=8.5, labelpad=2)
        sec.tick_params(labelsize=8)
    ax_d, ax_e, ax_p = axes[0, 1], axes[1, 0], axes[1, 1]
    ax_d.set_ylim(-0.04, 1.06)
    ax_d.set_ylabel("fraction of injections")
    ax_d.set_title(f"(b) Detected: dip ≥ 3σ (calibrated) — {label}")
    from matplotlib.lines import Line2D

    n_max = max(c["n_injected"] for c in cells)
    proxies = [Line2D([], [], color="k", marker="o", lw=1.4, label=f"detected (95 % CI, n = {n_max} per point)"),
               Line2D([], [], color="k", marker="o", mfc="white", ls="none",
                      label="detected and localized (fit converged)")]
    ax_d.legend(handles=proxies, loc="lower center", fontsize=8)
    h, lab = ax_d.get_legend_handles_labels()
    fig.legend([Line2D([], [], ls="none")] + h, ["aperture depth:"] + lab, loc="outside lower center",
               ncol=len(lab) + 1, fontsize=9, handletextpad=0.4, columnspacing=1.4)
    edge = [c for c in cells if c["detection"]["k"] and not c["localized"]["k"]]
    if edge:
        ax_d.annotate("detected, not localized:\nfit at the search edge → WARN", (max(c["separation_arcsec"] for c in edge), 0.0),
                      xytext=(0.97, 0.4), textcoords="axes fraction", ha="right", va="bottom", fontsize=7.5,
                      arrowprops=dict(arrowstyle="->", lw=0.8, color="0.3"),
                      bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.0))
    ax_e.set_yscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax_e.yaxis.set_major_locator(FixedLocator([0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50]))
    ax_e.yaxis.set_major_formatter(ScalarFormatter())
    ax_e.yaxis.set_minor_formatter(NullFormatter())
    ax_e.set_ylabel("position error (arcsec)")
    ax_e.set_title(f"(c) Position error of the localized injections — {label}")
    ax_e.legend(handles=[Line2D([], [], color="k", marker="o", lw=1.4, label="median (bar to the 90th percentile)"),
                         Line2D([], [], color="k", ls="none", marker="_", ms=11, mew=1.6,
                                label="nominal median (fit covariance)")],
                loc="upper right", fontsize=8)
    ax_p.set_ylim(-0.04, 1.06)
    ax_p.set_ylabel("fraction judged PASS")
    ax_p.set_title(f"(d) Injected neighbour judged PASS — {label}")
    tgt = d.get("target") or {}
    n_trials = sum(c["n_injected"] for c in cells)
    fig.suptitle(f"Pixel verdict calibrated on its own pixels: TIC {tgt.get('tic_id')}, sector {key} "
                 f"({label}; {sc['false_alarms']['n']} empty epochs, {n_trials} injections)", fontsize=11.5)
    return mark_simulated(fig, simulated)


def _empty_panel(ax, fa: dict, label: str) -> None:
    names = ["PASS", "WARN", "FAIL", "significant_dip"]
    rates = [fa["rates"]["PASS"], fa["rates"]["WARN"], fa["rates"]["FAIL"], fa["significant_dip"]]
    f, e = _yerr(rates)
    x = np.arange(4)
    cols = [VERDICT_COLOURS["PASS"], VERDICT_COLOURS["WARN"], VERDICT_COLOURS["FAIL"], OKABE_ITO["blue"]]
    ax.bar(x, f, color=cols, alpha=0.85, width=0.6)
    ax.errorbar(x, f, yerr=e, fmt="none", ecolor="k", capsize=4, lw=1.1)
    for xi, r in zip(x, rates):
        ax.annotate(f"{r['k']}/{r['n']}", (xi, r["ci"][1] if r["ci"] else 0), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=9)
    ax.plot([2.6, 3.4], [fa["nominal_dip_fraction"]] * 2, color="k", ls="--", lw=1.2,
            label=f"dip ≥ 3σ if the null were Gaussian: {100 * fa['nominal_dip_fraction']:.2f} %")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(x, ["PASS\n(false alarm)", "WARN\n(right: no dip)", "FAIL\n(false alarm)", "dip ≥ 3σ\n(any verdict)"])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("fraction of empty epochs (95 % CI)")
    ax.set_title(f"(a) Verdicts at {fa['n']} empty epochs — {label}")
    ax.grid(axis="x", visible=False)
