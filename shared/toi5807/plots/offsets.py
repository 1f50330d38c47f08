"""Offsets of the V08 extension: per-transit vectors on the stamp, sector and combined offsets on the sky.

Sky plots use east to the left, north up (as on the sky).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..data.geometry import target_pixel, wcs_orientation
from .stamp import _aperture_outline, _ellipse, choose_magnification, draw_shift_scale_bar
from ..report import Note
from .notes import no_pixels_note
from .style import (
    _GREY,
    OKABE_ITO,
    _colour,
    _is_simulated,
    _new_axes,
    _new_figure,
    _styled,
    mark_simulated,
)

__all__ = ["plot_per_transit_vectors", "plot_sky_offsets", "plot_per_transit", "plot_sector_offsets"]


@_styled
def plot_per_transit_vectors(image: Any, per_transit: Any, out_centroid: Any, *, target_xy: Any = None,
                             aperture_mask: Any = None, neighbours_xy: Any = None, highlight_xy: Any = None,
                             magnification: int | None = None, title: str = "", ax=None,
                             simulated: bool | None = None, pixel_scale_arcsec: float | None = None):
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
        Default: :func:`toi5807.plots.stamp.choose_magnification` of the weighted-mean shift.
    title : str
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).
    simulated : bool, optional
        Mark the figure SIMULATED; default: ``per_transit.simulated``.
    pixel_scale_arcsec : float, optional
        Labels the scale bar in arcsec too.

    Returns
    -------
    matplotlib.axes.Axes
        The arrows and ellipses are magnified; a scale bar in milli-pixels (the unit of the V08 stamp figure's
        bar) says how much.
    """
    from matplotlib import patheffects
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
    ax.plot(*c0, "o", ms=5, color="white", mec="black", label=f"out-of-transit centroid (arrows, ellipses ×{mag:g})")
    if target_xy is not None:
        ax.plot(*np.asarray(target_xy, dtype=float), "+", ms=14, mew=1.6, color="white", zorder=3,
                path_effects=[patheffects.withStroke(linewidth=3.2, foreground="black")], label="target (catalogue)")
    if neighbours_xy is not None and np.size(neighbours_xy):
        nb = np.asarray(neighbours_xy, dtype=float).reshape(-1, 2)
        ax.plot(nb[:, 0], nb[:, 1], "o", ms=7, mfc="none", mec=OKABE_ITO["sky_blue"], mew=1.2,
                label="neighbour stars")
    if highlight_xy is not None:
        ax.plot(*np.asarray(highlight_xy, dtype=float), "*", ms=14, color=OKABE_ITO["orange"], mec="black",
                label="eclipsing neighbour (simulation truth)")
    # zoom on what was drawn (the magnified vectors with their ellipses, and any marked star), not the whole stamp
    reach = [1.5]
    for vec, cov in [(e.shift_vector_pixels, e.shift_covariance_pixels) for e in use] + (
            [(mean, comb.covariance)] if comb.n_used and np.all(np.isfinite(mean)) else []):
        axis = math.sqrt(max(float(np.max(np.linalg.eigvalsh(np.asarray(cov, dtype=float)))), 0.0))
        reach.append(mag * (float(np.hypot(*np.asarray(vec, dtype=float))) + axis))
    for xy in (target_xy, highlight_xy):
        if xy is not None and np.all(np.isfinite(np.asarray(xy, dtype=float))):
            reach.append(float(np.max(np.abs(np.asarray(xy, dtype=float) - c0))))
    half = 1.25 * max(v for v in reach if math.isfinite(v))
    ax.set_xlim(max(-0.5, c0[0] - half), min(nc - 0.5, c0[0] + half))
    ax.set_ylim(max(-0.5, c0[1] - half), min(nr - 0.5, c0[1] + half))
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
    ax.set_title(title or f"Per-transit centroid shifts (arrows ×{mag:g}, 1σ ellipses)")
    ax.grid(False)
    draw_shift_scale_bar(ax, mag, pixel_scale_arcsec=pixel_scale_arcsec)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=7.5, ncols=2, frameon=False)
    return mark_simulated(ax, _is_simulated(per_transit) if simulated is None else simulated)


@_styled
def plot_sky_offsets(analysis: Any, *, neighbours_arcsec: Any = None, truth_arcsec: Any = None,
                     title: str = "", fig=None, ax=None):
    """Two panels on the sky (east left, north up): centroid shifts, and source offsets with the exclusion circle.

    Parameters
    ----------
    analysis : V08OffsetAnalysis
    neighbours_arcsec : mapping label -> (east, north), optional
        Known stars around the target, arcsec (for the twin: the simulated scene).
    truth_arcsec : (float, float), optional
        True offset of the eclipsing source (SIMULATION only).
    title : str
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw the two panels in (default: a new one).
    ax : matplotlib.axes.Axes, optional
        Draw in this Axes' place instead (it is replaced by the two panels).

    Returns
    -------
    matplotlib.figure.Figure or Note
        Marked SIMULATED when ``analysis.simulated``; the Note of :func:`~toi5807.plots.notes.no_pixels_note`
        when no sector was analysed.
    """
    from matplotlib.patches import Circle

    note = no_pixels_note(analysis)
    if note:
        return note
    undefined = [s.sector for s in analysis.sectors if not s.source.usable]
    # without any source position the second panel would be empty: one panel, and a sentence saying why
    two = len(undefined) < len(analysis.sectors)
    fig = _new_figure(fig, (12.0, 6.6) if two else (7.0, 6.6), ax=ax)
    a1, a2 = fig.subplots(1, 2) if two else (fig.subplots(1, 1), None)
    # panel 1: centroid shifts (milliarcsec). Each sector's σ is its V08 significance (the calibrated null of its
    # method); the combined one is the χ² of the mean vector against zero (2 dof) from the same covariances, a
    # nominal Gaussian number: the legend says which is which. One sector has nothing to combine.
    cs = analysis.combined_shift
    combine = cs.n_used > 1
    for i, s in enumerate(analysis.sectors):
        if s.shift_sky is None:
            continue
        v = np.asarray(s.shift_sky.vector_arcsec) * 1e3
        c = np.asarray(s.shift_sky.covariance_arcsec2) * 1e6
        a1.plot(*v, "o", color=_colour(i), ms=6, mec="black", mew=0.5, zorder=6,
                label=f"sector {s.sector}: {s.v08_sigma:.1f}σ (V08, {s.significance_method} null: calibrated)")
        _ellipse(a1, v, c, 1.0, color=_colour(i), lw=1.2)
        if not combine:
            _ellipse(a1, v, c, 3.0, color=_colour(i), lw=1.0, ls="--")
    if combine:
        m = np.asarray(cs.mean) * 1e3
        # hollow and larger, under the sectors' dots: it never hides one
        a1.plot(*m, "D", ms=11, mfc="none", mec=OKABE_ITO["vermillion"], mew=2.0, zorder=5,
                label=f"combined: {cs.significance_sigma:.1f}σ (χ², 2 dof, p = {cs.p_value:.2g}: nominal)")
        _ellipse(a1, m, np.asarray(cs.covariance) * 1e6, 1.0, color=OKABE_ITO["vermillion"], lw=2.0)
        _ellipse(a1, m, np.asarray(cs.covariance) * 1e6, 3.0, color=OKABE_ITO["vermillion"], lw=1.0, ls="--")
    a1.plot([], [], color=_GREY, lw=1.4, label="ellipses: 1σ solid, 3σ dashed")
    a1.plot(0, 0, "+", ms=14, mew=1.8, color="black", label="no shift")
    a1.set_xlabel("Δ east = ΔRA·cos Dec (milliarcsec)")
    a1.set_ylabel("Δ north = ΔDec (milliarcsec)")
    a1.set_title("Centroid shift (in − out) on the sky")
    a1.set_aspect("equal", adjustable="datalim")
    a1.invert_xaxis()
    a1.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    if not two:
        a1.text(0.02, 0.02, "no transit-source offset: the stamp depth is below 3σ in sector"
                + ("s " if len(undefined) > 1 else " ") + ", ".join(str(v) for v in undefined),
                transform=a1.transAxes, ha="left", va="bottom", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=_GREY, alpha=0.9))
        if title:
            fig.suptitle(title)
        return mark_simulated(fig, _is_simulated(analysis))
    # panel 2: source offsets (arcsec), exclusion circle
    r = analysis.exclusion_radius_arcsec
    if math.isfinite(r):
        a2.add_patch(Circle((0, 0), r, fill=True, alpha=0.08, color=OKABE_ITO["sky_blue"]))
        a2.add_patch(Circle((0, 0), r, fill=False, ls="--", lw=1.4, color=OKABE_ITO["blue"]))
        a2.plot([], [], ls="--", color=OKABE_ITO["blue"], label=f"3σ exclusion radius {r:.0f}″ ({analysis.exclusion_radius_pixels:.1f} px)")
    # a sector whose stamp depth is below 3σ has no source position (a shift divided by a depth consistent with
    # zero): it is named, not drawn
    for i, s in enumerate(analysis.sectors):
        so = s.source.offset_sky
        if so is None or not s.source.usable:
            continue
        v, c = np.asarray(so.vector_arcsec), np.asarray(so.covariance_arcsec2)
        a2.plot(*v, "o", ms=6, color=_colour(i), mec="black", mew=0.5, zorder=6, label=f"sector {s.sector}")
        _ellipse(a2, v, c, 1.0, color=_colour(i), lw=1.0)
    if undefined:
        a2.text(0.98, 0.02, "no source position (stamp depth < 3σ):\nsector" + ("s " if len(undefined) > 1 else " ")
                + ", ".join(str(v) for v in undefined), transform=a2.transAxes, ha="right", va="bottom", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=_GREY, alpha=0.9))
    co = analysis.combined_source_offset
    if co.n_used:
        m = np.asarray(co.mean)
        a2.plot(*m, "D", ms=11, mfc="none", mec=OKABE_ITO["vermillion"], mew=2.0, zorder=5,
                label=f"combined source offset {co.norm:.0f}″ ({co.significance_sigma:.1f}σ from target, χ²: nominal)")
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
    a2.set_title("Transit-source offset from the target")
    a2.plot([], [], color=_GREY, lw=1.4, label="ellipses: 1σ solid, 3σ dashed")
    a2.set_aspect("equal", adjustable="box")
    pts = [np.abs(np.asarray(s.source.offset_sky.vector_arcsec)) for s in analysis.sectors
           if s.source.offset_sky is not None and s.source.usable]
    if neighbours_arcsec:
        pts += [np.abs(np.asarray(v, dtype=float)) for v in dict(neighbours_arcsec).values()]
    if truth_arcsec is not None:
        pts.append(np.abs(np.asarray(truth_arcsec, dtype=float)))
    far = max([float(np.max(p)) for p in pts if np.all(np.isfinite(p))] + [r if math.isfinite(r) else 0.0, 30.0])
    lim = 1.15 * min(far, 400.0)
    a2.set_xlim(lim, -lim)
    a2.set_ylim(-lim, lim)
    a2.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    if title:
        fig.suptitle(title)
    return mark_simulated(fig, _is_simulated(analysis))


def plot_per_transit(ds: Any, analysis: Any, sector: int | None = None, *, truth_xy: Any = None, title: str = "",
                     ax=None):
    """Per-transit centroid-shift vectors of one sector of an :func:`~toi5807.centroid.analyze_v08_offsets` result.

    Parameters
    ----------
    ds : Dataset or mapping sector -> TPFStamp
        Supplies the stamp's aperture and WCS (target position).
    analysis : V08OffsetAnalysis
        Holds the per-transit vectors and the out-of-transit mean image (no second pass over the cube).
    sector : int, optional
        Default: the latest analysed sector.
    truth_xy : (float, float), optional
        Pixel position of the simulated eclipsing source (SIMULATION truth only).
    title : str
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes or Note
        The :class:`~toi5807.report.Note` of :func:`~toi5807.plots.notes.no_pixels_note` when nothing was
        analysed, or one saying so when ``sector`` has no target pixel file.
    """
    note = no_pixels_note(analysis)
    if note:
        return note
    analysed = [s.sector for s in analysis.sectors]
    sector = max(analysed) if sector is None else int(sector)
    if sector not in analysed:
        return Note(f"sector {sector} has no target pixel file: V08 needs it (analysed: {analysed})")
    stamps = getattr(ds, "tpf_by_sector", ds)
    st = stamps[sector]
    sec = next(s for s in analysis.sectors if s.sector == sector)
    scale = None
    if getattr(st, "wcs", None) is not None and np.all(np.isfinite(sec.out_of_transit_centroid)):
        try:
            scale = wcs_orientation(st.wcs, *sec.out_of_transit_centroid)["pixel_scale_arcsec"]
        except (TypeError, ValueError):
            scale = None
    return plot_per_transit_vectors(sec.out_of_transit_mean_image, sec.per_transit, sec.out_of_transit_centroid,
                                    target_xy=target_pixel(st), aperture_mask=st.aperture_mask,
                                    highlight_xy=truth_xy, ax=ax, simulated=_is_simulated(sec, st),
                                    pixel_scale_arcsec=scale,
                                    title=title or f"Sector {sector}: per-transit centroid shifts vs local baseline")


def plot_sector_offsets(sector_offsets: Any, *, ax=None, **kwargs: Any):
    """:func:`plot_per_transit_vectors` of one :class:`~toi5807.centroid.offsets.SectorOffsets` (its ``.plot()``).

    Uses the sector's own out-of-transit mean image and centroid, and the catalogue target position
    behind its source offset. Keywords go to :func:`plot_per_transit_vectors` (``title``, ``highlight_xy``...).

    Returns
    -------
    matplotlib.axes.Axes
    """
    s = sector_offsets
    if s.out_of_transit_mean_image is None:
        raise ValueError(f"sector_offsets: sector {s.sector} holds no out-of-transit mean image to draw on")
    target = s.source.target_pixel if np.all(np.isfinite(s.source.target_pixel)) else None
    kwargs.setdefault("title", f"Sector {s.sector}: per-transit centroid shifts vs local baseline")
    return plot_per_transit_vectors(s.out_of_transit_mean_image, s.per_transit, s.out_of_transit_centroid,
                                    target_xy=target, ax=ax, simulated=s.simulated, **kwargs)
