"""Plots of the V08 extension: per-transit vectors, sky offsets with exclusion circle, sensitivity, calibration.

Same style, palette and saving as :mod:`toi5807.plotting` (Okabe & Ito 2008
colours; save with :func:`toi5807.tutorial.save_plot`). matplotlib is imported
inside the functions. Sky plots use east to the left, north up (as on the sky).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .plotting import OKABE_ITO, _aperture_outline, _ellipse, _new_axes, _styled, choose_magnification

__all__ = [
    "plot_per_transit_vectors",
    "plot_sky_offsets",
    "plot_sensitivity_curve",
    "plot_null_calibration",
    "plot_sector_per_transit",
]

_SECTOR_COLOURS = ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "yellow")


def _colour(i: int) -> str:
    return OKABE_ITO[_SECTOR_COLOURS[i % len(_SECTOR_COLOURS)]]


@_styled
def plot_per_transit_vectors(image: Any, per_transit: Any, out_centroid: Any, *, target_xy: Any = None,
                             aperture_mask: Any = None, neighbours_xy: Any = None, highlight_xy: Any = None,
                             magnification: int | None = None, title: str = "", ax=None):
    """Per-transit shift vectors drawn on the stamp, magnified, from the out-of-transit centroid.

    Parameters
    ----------
    image : array_like, shape (rows, cols)
        Out-of-transit image, e-/s.
    per_transit : PerTransitShifts
    out_centroid : (float, float)
        Where the arrows start (x = column, y = row, pixels).
    target_xy : (float, float), optional
        Target position (pixels).
    aperture_mask : array_like of bool, optional
    neighbours_xy : array_like, shape (n, 2), optional
        Other stars (pixels), drawn as small circles.
    highlight_xy : (float, float), optional
        A star to mark (e.g. the simulated eclipsing neighbour).
    magnification : int, optional
        Default: :func:`toi5807.plotting.choose_magnification` of the weighted-mean shift.
    title : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import PowerNorm

    ax = _new_axes(ax, (7.0, 6.0))
    img = np.asarray(image, dtype=float)
    nr, nc = img.shape
    vmax = float(np.nanmax(img)) if np.any(np.isfinite(img)) else 1.0
    ax.imshow(img, origin="lower", cmap="Greys_r", norm=PowerNorm(0.5, vmin=0.0, vmax=vmax, clip=True),
              interpolation="nearest", extent=(-0.5, nc - 0.5, -0.5, nr - 0.5))
    if aperture_mask is not None:
        _aperture_outline(ax, np.asarray(aperture_mask, dtype=bool), colors=OKABE_ITO["yellow"], linewidths=1.0)
        ax.plot([], [], color=OKABE_ITO["yellow"], lw=1.0, label="pipeline aperture")
    c0 = np.asarray(out_centroid, dtype=float)
    comb = per_transit.combined
    use = [e for e in per_transit.epochs if e.usable]
    mean = np.asarray(comb.mean, dtype=float)
    sig = math.sqrt(max(float(np.max(np.linalg.eigvalsh(np.asarray(comb.covariance)))), 0.0)) if comb.n_used else 0.0
    ref = float(np.hypot(*mean)) if np.all(np.isfinite(mean)) else 0.0
    mag = magnification or choose_magnification(max(ref, 3 * sig), sig, min(nr, nc))
    for i, e in enumerate(use):
        v = np.asarray(e.shift_vector_pixels) * mag
        col = _colour(i)
        ax.annotate("", xy=tuple(c0 + v), xytext=tuple(c0),
                    arrowprops=dict(arrowstyle="-|>", color=col, lw=1.4, shrinkA=0, shrinkB=0))
        _ellipse(ax, c0 + v, np.asarray(e.shift_covariance_pixels) * mag**2, 1.0, color=col, lw=1.0)
        ax.plot([], [], color=col, lw=1.4, label=f"transit {e.epoch} ({e.significance_sigma:.1f}σ)")
    if comb.n_used and np.all(np.isfinite(mean)):
        ax.annotate("", xy=tuple(c0 + mean * mag), xytext=tuple(c0),
                    arrowprops=dict(arrowstyle="-|>", color=OKABE_ITO["vermillion"], lw=2.6, shrinkA=0, shrinkB=0))
        _ellipse(ax, c0 + mean * mag, np.asarray(comb.covariance) * mag**2, 1.0, color=OKABE_ITO["vermillion"], lw=1.6)
        ax.plot([], [], color=OKABE_ITO["vermillion"], lw=2.6,
                label=f"weighted mean ({comb.significance_sigma:.1f}σ; "
                      f"consistency p = {comb.consistency_p_value:.2g})")
    ax.plot(*c0, "o", ms=5, color="white", mec="black", label="out-of-transit centroid")
    if target_xy is not None:
        ax.plot(*np.asarray(target_xy, dtype=float), "+", ms=14, mew=1.8, color=OKABE_ITO["sky_blue"],
                label="target (catalogue)")
    if neighbours_xy is not None and np.size(neighbours_xy):
        nb = np.asarray(neighbours_xy, dtype=float).reshape(-1, 2)
        ax.plot(nb[:, 0], nb[:, 1], "o", ms=7, mfc="none", mec=OKABE_ITO["sky_blue"], mew=1.2,
                label="neighbour stars")
    if highlight_xy is not None:
        ax.plot(*np.asarray(highlight_xy, dtype=float), "*", ms=14, color=OKABE_ITO["orange"], mec="black",
                label="eclipsing neighbour (simulation truth)")
    ax.set_xlim(-0.5, nc - 0.5)
    ax.set_ylim(-0.5, nr - 0.5)
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
    ax.set_title(title or f"Per-transit centroid shifts (arrows ×{mag:g}, 1σ ellipses)")
    ax.grid(False)
    ax.legend(loc="upper left", fontsize=7.5)
    return ax


@_styled
def plot_sky_offsets(analysis: Any, *, neighbours_arcsec: Any = None, truth_arcsec: Any = None,
                     title: str = ""):
    """Two panels on the sky (east left, north up): centroid shifts, and source offsets with the exclusion circle.

    Parameters
    ----------
    analysis : V08OffsetAnalysis
    neighbours_arcsec : mapping label -> (east, north), optional
        Known stars around the target, arcsec (for the twin: the simulated scene).
    truth_arcsec : (float, float), optional
        True offset of the eclipsing source (SIMULATION only).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12.0, 5.6), layout="constrained")
    # panel 1: centroid shifts (milliarcsec)
    for i, s in enumerate(analysis.sectors):
        if s.shift_sky is None:
            continue
        v = np.asarray(s.shift_sky.vector_arcsec) * 1e3
        c = np.asarray(s.shift_sky.covariance_arcsec2) * 1e6
        a1.errorbar(v[0], v[1], fmt="o", color=_colour(i), ms=6, label=f"sector {s.sector} ({s.v08_sigma:.1f}σ)")
        _ellipse(a1, v, c, 1.0, color=_colour(i), lw=1.2)
    cs = analysis.combined_shift
    if cs.n_used:
        m = np.asarray(cs.mean) * 1e3
        a1.plot(*m, "D", ms=8, color=OKABE_ITO["vermillion"], mec="black",
                label=f"combined ({cs.significance_sigma:.1f}σ, p = {cs.p_value:.2g})")
        _ellipse(a1, m, np.asarray(cs.covariance) * 1e6, 1.0, color=OKABE_ITO["vermillion"], lw=2.0)
        _ellipse(a1, m, np.asarray(cs.covariance) * 1e6, 3.0, color=OKABE_ITO["vermillion"], lw=1.0, ls="--")
    a1.plot(0, 0, "+", ms=14, mew=1.8, color="black", label="no shift")
    a1.set_xlabel("Δ east = ΔRA·cos Dec (milliarcsec)")
    a1.set_ylabel("Δ north = ΔDec (milliarcsec)")
    a1.set_title("Centroid shift (in − out) on the sky, 1σ ellipses")
    a1.set_aspect("equal", adjustable="datalim")
    a1.invert_xaxis()
    a1.legend(fontsize=7.5, loc="best")
    # panel 2: source offsets (arcsec), exclusion circle
    r = analysis.exclusion_radius_arcsec
    if math.isfinite(r):
        a2.add_patch(Circle((0, 0), r, fill=True, alpha=0.08, color=OKABE_ITO["sky_blue"]))
        a2.add_patch(Circle((0, 0), r, fill=False, ls="--", lw=1.4, color=OKABE_ITO["blue"]))
        a2.plot([], [], ls="--", color=OKABE_ITO["blue"], label=f"3σ exclusion radius {r:.0f}″ ({r / 21:.1f} px)")
    for i, s in enumerate(analysis.sectors):
        so = s.source.offset_sky
        if so is None or not s.source.defined:
            continue
        v, c = np.asarray(so.vector_arcsec), np.asarray(so.covariance_arcsec2)
        lab = f"sector {s.sector}" + ("" if s.source.usable else " (depth < 3σ, not combined)")
        a2.plot(*v, "o" if s.source.usable else "x", ms=6, color=_colour(i), label=lab)
        _ellipse(a2, v, c, 1.0, color=_colour(i), lw=1.0)
    co = analysis.combined_source_offset
    if co.n_used:
        m = np.asarray(co.mean)
        a2.plot(*m, "D", ms=8, color=OKABE_ITO["vermillion"], mec="black",
                label=f"combined source offset {co.norm:.0f}″ ({co.significance_sigma:.1f}σ from target)")
        _ellipse(a2, m, np.asarray(co.covariance), 1.0, color=OKABE_ITO["vermillion"], lw=2.0)
        _ellipse(a2, m, np.asarray(co.covariance), 3.0, color=OKABE_ITO["vermillion"], lw=1.0, ls="--")
    if neighbours_arcsec:
        nb = np.array([tuple(v) for v in dict(neighbours_arcsec).values()], dtype=float).reshape(-1, 2)
        a2.plot(nb[:, 0], nb[:, 1], "o", ms=8, mfc="none", mec="black", mew=1.0, label="neighbour stars")
    if truth_arcsec is not None:
        a2.plot(*np.asarray(truth_arcsec, dtype=float), "*", ms=16, color=OKABE_ITO["orange"], mec="black",
                label="eclipsing neighbour (simulation truth)")
    a2.plot(0, 0, "+", ms=16, mew=2.0, color="black", label="target TOI-5807")
    a2.set_xlabel("Δ east (arcsec)")
    a2.set_ylabel("Δ north (arcsec)")
    a2.set_title("Transit-source offset from the target, 1σ/3σ ellipses")
    a2.set_aspect("equal", adjustable="box")
    pts = [np.abs(np.asarray(s.source.offset_sky.vector_arcsec)) for s in analysis.sectors
           if s.source.offset_sky is not None and s.source.defined]
    if neighbours_arcsec:
        pts += [np.abs(np.asarray(v, dtype=float)) for v in dict(neighbours_arcsec).values()]
    if truth_arcsec is not None:
        pts.append(np.abs(np.asarray(truth_arcsec, dtype=float)))
    far = max([float(np.max(p)) for p in pts if np.all(np.isfinite(p))] + [r if math.isfinite(r) else 0.0, 30.0])
    lim = 1.15 * min(far, 400.0)
    a2.set_xlim(lim, -lim)
    a2.set_ylim(-lim, lim)
    a2.legend(fontsize=7.5, loc="upper left")
    if title:
        fig.suptitle(title)
    return fig


@_styled
def plot_sensitivity_curve(injection: Mapping[str, Any], *, exclusion_radius_arcsec: float | None = None, ax=None):
    """Detection probability (σ ≥ 3) of an eclipsing source vs separation, per sector and combined.

    Parameters
    ----------
    injection : mapping
        ``injection_recovery.json`` (see :func:`toi5807.calibration.injection_recovery`).
    exclusion_radius_arcsec : float, optional
        Drawn as a vertical line.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _new_axes(ax, (7.5, 4.6))
    seps = np.asarray(injection["separations_px"], dtype=float)
    keys = [f"{r:g}" for r in seps]
    for name, col, mk in (("per_sector", OKABE_ITO["blue"], "o"), ("combined", OKABE_ITO["vermillion"], "D")):
        p = np.array([injection[f"detection_{name}"][k] for k in keys])
        ci = np.array([injection[f"ci99_{name}"][k] for k in keys])
        n = injection[f"n_{name}"]
        ax.errorbar(seps * 21.0, p, yerr=[p - ci[:, 0], ci[:, 1] - p], fmt=f"{mk}-", color=col, capsize=3,
                    label=("one sector" if name == "per_sector" else f"{len(injection['sectors'])} sectors combined")
                    + f" (n = {n} per point, 99 % CI)")
    if exclusion_radius_arcsec is not None and math.isfinite(exclusion_radius_arcsec):
        ax.axvline(exclusion_radius_arcsec, color=OKABE_ITO["bluish_green"], ls="--",
                   label=f"3σ exclusion radius (planet twin) {exclusion_radius_arcsec:.0f}″")
    ax.set_xlabel("separation of the eclipsing source from the target (arcsec; 21″ = 1 px)")
    ax.set_ylabel("P(V08 ≥ 3σ)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"Sensitivity of V08 ({injection['method']}) to a {injection['depth_ppm']:.0f} ppm blend")
    ax.legend(fontsize=8, loc="center right")
    return ax


@_styled
def plot_null_calibration(null: Mapping[str, Any]):
    """p-value histograms per significance method and the 3σ false-alarm rates with 99 % intervals.

    Parameters
    ----------
    null : mapping
        ``null_calibration.json`` (see :func:`toi5807.calibration.null_calibration`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    methods = list(null["methods"])
    fig = plt.figure(figsize=(12.0, 6.2), layout="constrained")
    grid = fig.add_gridspec(2, len(methods))
    nominal = float(null["nominal_far_3sigma"])
    for i, m in enumerate(methods):
        c = null["methods"][m]
        ax = fig.add_subplot(grid[0, i])
        counts = np.asarray(c["p_hist_counts"], dtype=float)
        edges = np.linspace(0, 1, counts.size + 1)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=_colour(i), alpha=0.85)
        ax.axhline(c["n_trials"] / counts.size, color="black", ls="--", lw=1.0)
        ax.set_title(f"{m}\nKS p = {c['ks_p_value']:.2g}", fontsize=9.5)
        ax.set_xlabel("p-value")
        if i == 0:
            ax.set_ylabel("null trials per bin (dashed: uniform)")
    ax = fig.add_subplot(grid[1, :])
    far = np.array([null["methods"][m]["far_3sigma"] for m in methods]) * 100
    ci = np.array([null["methods"][m]["far_ci99"] for m in methods]) * 100
    x = np.arange(len(methods))
    ax.bar(x, far, color=[_colour(i) for i in range(len(methods))], alpha=0.85)
    ax.errorbar(x, far, yerr=[far - ci[:, 0], ci[:, 1] - far], fmt="none", color="black", capsize=4,
                label="99 % Clopper–Pearson interval")
    ax.axhline(nominal * 100, color=OKABE_ITO["vermillion"], lw=1.5, label=f"nominal {nominal * 100:.2f} %")
    ax.axhspan(0.5 * nominal * 100, 1.5 * nominal * 100, color=OKABE_ITO["vermillion"], alpha=0.12,
               label="0.5–1.5 × nominal")
    ax.set_xticks(x, [f"{m}\n{null['methods'][m]['n_false_alarms']}/{null['methods'][m]['n_trials']}" for m in methods])
    ax.set_ylabel("false-alarm rate at 3σ (%)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(0.0, 150.0)
    ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"V08 on {len(null['sectors'])}-sector × {null['seeds'][1] - null['seeds'][0] + 1}-seed "
                 "no-transit twins (correlated pointing jitter)")
    return fig


def plot_sector_per_transit(ds: Any, analysis: Any, sector: int, *, truth_xy: Any = None, title: str = ""):
    """:func:`plot_per_transit_vectors` for one sector of an :func:`~toi5807.offsets.analyze_v08_offsets` result.

    Parameters
    ----------
    ds : Dataset or mapping sector -> TPFStamp
    analysis : V08OffsetAnalysis
        Holds the per-transit vectors and the out-of-transit mean image (no second pass over the cube).
    sector : int
    truth_xy : (float, float), optional
        Pixel position of the simulated eclipsing source (SIMULATION truth only).
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .tutorial import target_pixel

    stamps = getattr(ds, "tpf_by_sector", ds)
    st = stamps[int(sector)]
    sec = next((s for s in analysis.sectors if s.sector == int(sector)), None)
    if sec is None:
        raise ValueError(f"sector: {sector} is not in the analysis (sectors {[s.sector for s in analysis.sectors]})")
    return plot_per_transit_vectors(sec.out_of_transit_mean_image, sec.per_transit, sec.out_of_transit_centroid,
                                    target_xy=target_pixel(st), aperture_mask=st.aperture_mask,
                                    highlight_xy=truth_xy,
                                    title=title or f"Sector {sector}: per-transit centroid shifts vs local baseline")
