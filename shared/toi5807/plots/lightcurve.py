"""The phase-folded transit: raw cadences, binned means and the measured depth.
"""

from __future__ import annotations

import numpy as np

from .style import _GREY, OKABE_ITO, _is_simulated, _new_axes, _styled, mark_simulated

__all__ = ["plot_phase_folded"]


# ---------------------------------------------------------------------------------------------
# phase-folded light curve
# ---------------------------------------------------------------------------------------------
def _binned_mean(x: np.ndarray, y: np.ndarray, edges: np.ndarray, min_points: int = 3):
    """Mean and standard error of ``y`` in bins of ``x`` (vectorised with ``np.bincount``).

    Returns bin centres, means and standard errors of bins with at least ``min_points`` points.
    """
    nbins = edges.size - 1
    idx = np.digitize(x, edges) - 1
    ok = (idx >= 0) & (idx < nbins)
    idx, y = idx[ok], y[ok]
    n = np.bincount(idx, minlength=nbins).astype(float)
    s1 = np.bincount(idx, weights=y, minlength=nbins)
    s2 = np.bincount(idx, weights=y * y, minlength=nbins)
    keep = n >= min_points
    mean = s1[keep] / n[keep]
    var = np.maximum(s2[keep] / n[keep] - mean**2, 0.0) * n[keep] / (n[keep] - 1.0)
    centres = 0.5 * (edges[:-1] + edges[1:])[keep]
    return centres, mean, np.sqrt(var / n[keep])


@_styled
def plot_phase_folded(lc, candidate, ax=None, *, window_durations: float = 3.0, bin_minutes: float = 30.0,
                      simulated: bool | None = None):
    """Phase-folded light curve around the transit: raw points, binned means and the depth.

    Parameters
    ----------
    lc : StitchedLightCurve or LightCurve
        Normalised flux (~1) with ``time`` in BTJD and ``quality`` flags; only
        finite cadences with ``quality == 0`` are drawn.
    candidate : Candidate
        Ephemeris (period days, T0 BTJD, duration hours) and ``depth_ppm``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).
    window_durations : float, default 3.0
        Half-width of the plotted window in transit durations.
    bin_minutes : float, default 30
        Width of the bins, minutes.
    simulated : bool, optional
        Mark the figure SIMULATED; default: ``lc.simulated``.

    Returns
    -------
    matplotlib.axes.Axes
        x: hours from mid-transit; y: relative flux in ppm (0 = out-of-transit median).
    """
    from ..lightcurve import time_from_midtransit, transit_masks

    eph = candidate.ephemeris
    ax = _new_axes(ax, (8.0, 4.5))
    time = np.asarray(lc.time, dtype=float)
    flux = np.asarray(lc.flux, dtype=float)
    good = np.isfinite(time) & np.isfinite(flux) & (np.asarray(lc.quality) == 0)
    dt_h = time_from_midtransit(time, eph) * 24.0
    half = window_durations * eph.duration_hours
    sel = good & (np.abs(dt_h) <= half)
    _, out_tr = transit_masks(time, eph)
    base_sel = sel & out_tr
    baseline = np.median(flux[base_sel]) if base_sel.any() else (np.median(flux[sel]) if sel.any() else 1.0)
    x = dt_h[sel]
    y = (flux[sel] / baseline - 1.0) * 1e6

    ax.axvspan(-0.5 * eph.duration_hours, 0.5 * eph.duration_hours, color=OKABE_ITO["sky_blue"], alpha=0.12,
               lw=0, label=f"transit window ({eph.duration_hours:.2f} h)")
    ax.plot(x, y, ".", ms=1.5, color=_GREY, alpha=0.35, rasterized=True, label=f"2-min cadences (n = {x.size})")
    edges = np.arange(-half, half + 1e-9, bin_minutes / 60.0)
    if x.size and edges.size > 1:
        xc, ym, ye = _binned_mean(x, y, edges)
        ax.errorbar(xc, ym, yerr=ye, fmt="o", ms=4, color=OKABE_ITO["blue"], ecolor=OKABE_ITO["blue"],
                    elinewidth=1, capsize=0, zorder=3, label=f"{bin_minutes:g}-min bins (mean ± s.e.)")
    ax.axhline(0.0, color=OKABE_ITO["black"], lw=0.8, alpha=0.6)
    depth = float(candidate.depth_ppm)
    ax.axhline(-depth, color=OKABE_ITO["vermillion"], lw=1.3, ls="--", zorder=4, label=f"depth {depth:.0f} ppm")
    if y.size:
        lo, hi = np.percentile(y, [0.5, 99.5])
        pad = 0.15 * (hi - lo)
        ax.set_ylim(min(lo, -1.3 * depth) - pad, hi + pad)
    ax.set_xlim(-half, half)
    ax.set_xlabel("time from mid-transit (hours)")
    ax.set_ylabel("relative flux (ppm)")
    ax.set_title(f"Phase-folded transit, P = {eph.period_days:.5f} d")
    ax.legend(loc="lower left", ncols=2)
    return mark_simulated(ax, _is_simulated(lc) if simulated is None else simulated)
