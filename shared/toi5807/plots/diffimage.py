"""Difference images on the sky: where the dip comes from, with the target, the catalogue stars and the fit.

Each sector's mean difference image (out of transit minus in transit, e-/s;
:mod:`toi5807.diffimage.images`) is drawn with its pixels mapped to the sky
through the stamp's WCS Jacobian — (east, north) offsets from the target in
arcsec, east to the left as on the sky — so sectors with different rolls line
up. Over it: the target, the catalogue stars, the fitted source with its 1σ
and 3σ error ellipses and, when given, the combined position of all sectors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .stamp import _ellipse
from .notes import no_pixels_note
from .style import _GREY, OKABE_ITO, _new_axes, _new_figure, _styled, mark_simulated

__all__ = ["plot_diffimage", "plot_diffimages"]


def _sky_mesh(loc: Any) -> tuple[np.ndarray, np.ndarray]:
    ny, nx = loc.diff.oot_image.shape
    tx, ty = loc.diff.target_pixel
    cx, cy = np.meshgrid(np.arange(nx + 1) - 0.5 - tx, np.arange(ny + 1) - 0.5 - ty)
    j = np.asarray(loc.jacobian)
    return j[0, 0] * cx + j[0, 1] * cy, j[1, 0] * cx + j[1, 1] * cy


def _without_pointing(loc: Any) -> tuple[np.ndarray, bool]:
    """The sector's mean difference image minus the fitted pointing dipole and constant (e-/s), and whether
    they could be removed: what is left is the light lost in transit (plus noise), the picture the fit sees."""
    img, _ = loc.diff.sector_image()
    off = np.asarray(loc.fit.offset_px, dtype=float)
    if loc.profile is None or not np.all(np.isfinite(off)):
        return img, False
    _, sol, _ = loc.profile.solve(off[None, :])
    _, b_col, b_row, const = sol[0]
    return img - b_col * loc.diff.templates[0] - b_row * loc.diff.templates[1] - const, True


@_styled
def plot_diffimage(sector: Any, *, catalogue: Any = None, combined: Any = None, ax: Any = None,
                   simulated: bool | None = None):
    """One sector's difference image on sky axes with the fitted source, the target and the catalogue stars.

    Parameters
    ----------
    sector : SectorVet or SectorLocalization
        From :func:`toi5807.vet_pixels` (``result.sectors[n]``) or :func:`toi5807.diffimage.localize_sector`.
    catalogue : Catalogue, optional
        Stars to mark (east, north offsets from the target).
    combined : CombinedLocalization, optional
        Draw the combined source position and its 3σ ellipse too.
    ax : matplotlib Axes, optional
    simulated : bool, optional
        Mark the panel SIMULATED (default: from the data).

    Returns
    -------
    matplotlib.axes.Axes
        East to the left, north up, arcsec from the target; a panel without a difference image says why.
    """
    loc = getattr(sector, "localization", sector)
    ax = _new_axes(ax, (4.6, 4.4))
    sim = bool(loc.simulated) if simulated is None else bool(simulated)
    title = f"Sector {loc.sector}"
    if loc.diff is None or loc.jacobian is None or loc.diff.spline is None:
        ax.text(0.5, 0.5, f"{title}: no difference image\n{loc.reason}"[:200], ha="center", va="center",
                transform=ax.transAxes, wrap=True)
        ax.set_axis_off()
    else:
        img, corrected = _without_pointing(loc)
        east, north = _sky_mesh(loc)
        lim = float(np.nanmax(np.abs(img[loc.diff.fit_mask]))) if np.any(np.isfinite(img)) else 1.0
        mesh = ax.pcolormesh(east, north, img, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="flat")
        ax.figure.colorbar(mesh, ax=ax, shrink=0.8, label="out − in transit (e-/s)"
                           + (",\npointing dipole removed" if corrected else ""))
        ax.plot([0], [0], marker="*", ms=14, color=OKABE_ITO["yellow"], mec="k", ls="none", label="target",
                zorder=5)
        if catalogue is not None:
            offs = catalogue.offsets_arcsec()
            for star, (e, n) in zip(catalogue.stars[1:], offs[1:]):
                if np.nanmin(east) <= e <= np.nanmax(east) and np.nanmin(north) <= n <= np.nanmax(north):
                    ax.plot([e], [n], marker="o", ms=7, mfc="none", mec=_GREY, ls="none", zorder=4)
                    ax.annotate(star.label, (e, n), xytext=(3, 3), textcoords="offset points", fontsize=7,
                                color=_GREY)
        if np.all(np.isfinite(loc.offset_arcsec)):
            src = tuple(loc.offset_arcsec)
            ax.plot([src[0]], [src[1]], marker="x", ms=10, mew=2, color=OKABE_ITO["vermillion"], ls="none",
                    label=f"fitted source ({loc.fit.offset_sigma:.1f}σ from target)", zorder=6)
            for ns, lsty in ((1.0, "-"), (3.0, "--")):
                _ellipse(ax, src, loc.covariance_arcsec2, ns, color=OKABE_ITO["vermillion"], lw=1.2, ls=lsty)
        if combined is not None and np.all(np.isfinite(combined.offset_arcsec)):
            ax.plot(*combined.offset_arcsec, marker="+", ms=12, mew=2, color=OKABE_ITO["bluish_green"],
                    ls="none", label="combined (all sectors)", zorder=6)
            _ellipse(ax, combined.offset_arcsec, combined.covariance_arcsec2, 3.0, color=OKABE_ITO["bluish_green"],
                     lw=1.2, ls="--")
        ax.set_aspect("equal")
        ax.set_xlim(np.nanmax(east), np.nanmin(east))  # east to the left
        ax.set_ylim(np.nanmin(north), np.nanmax(north))
        ax.set_xlabel("east offset from target (arcsec)")
        ax.set_ylabel("north offset from target (arcsec)")
        verdict = getattr(sector, "verdict", None)
        title += f": {verdict}" if verdict else ""
        ax.legend(loc="lower left", fontsize=7)
    ax.set_title(title)
    return mark_simulated(ax, sim)


@_styled
def plot_diffimages(result: Any, *, fig: Any = None, ax: Any = None, ncols: int = 2):
    """Every sector's difference image of a :class:`~toi5807.vetting.vet.PixelVetResult`, on sky axes.

    Parameters
    ----------
    result : PixelVetResult
    fig : matplotlib Figure or SubFigure, optional
    ax : matplotlib Axes, optional
        Draw in this Axes' place instead (it is replaced by the panels).
    ncols : int

    Returns
    -------
    matplotlib.figure.Figure
        One panel per sector (:func:`plot_diffimage`), in sector order; the :class:`~toi5807.report.Note` of
        :func:`~toi5807.plots.notes.no_pixels_note` instead when no sector had pixels to vet.
    """
    note = no_pixels_note(result)
    if note:
        return note
    sectors = list(result.sectors.items())
    n = max(len(sectors), 1)
    nrows = math.ceil(n / ncols)
    fig = _new_figure(fig, (4.8 * min(n, ncols), 4.4 * nrows), ax=ax)
    axes = fig.subplots(nrows, min(n, ncols), squeeze=False).ravel()
    for ax, (_, sv) in zip(axes, sectors):
        plot_diffimage(sv, catalogue=result.catalogue, combined=result.combined, ax=ax, simulated=False)
    for ax in axes[len(sectors):]:
        ax.set_axis_off()
    fig.suptitle(f"Where the dip comes from: {result.verdict}")
    return mark_simulated(fig, result.simulated)
