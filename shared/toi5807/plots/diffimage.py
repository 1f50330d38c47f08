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
        ax.figure.colorbar(mesh, ax=ax, shrink=0.7, label="out − in transit (e-/s)"
                           + (",\npointing dipole removed" if corrected else ""))
        ax.plot([0], [0], marker="*", ms=14, color=OKABE_ITO["yellow"], mec="k", ls="none", label="target",
                zorder=5)
        if catalogue is not None:
            _draw_stars(ax, catalogue, east, north)
        _draw_fit(ax, loc, combined, legend=True)
        ax.set_aspect("equal")
        ax.set_xlim(np.nanmax(east), np.nanmin(east))  # east to the left
        ax.set_ylim(np.nanmin(north), np.nanmax(north))
        ax.set_xlabel("east offset from target (arcsec)")
        ax.set_ylabel("north offset from target (arcsec)")
        verdict = getattr(sector, "verdict", None)
        title += f": {verdict}" if verdict else ""
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=7, ncols=1, frameon=False)
        _zoom_inset(ax, loc, combined, img, east, north, lim)
    ax.set_title(title)
    return mark_simulated(ax, sim)


def _draw_stars(ax: Any, catalogue: Any, east: np.ndarray, north: np.ndarray, min_sep_arcsec: float = 25.0) -> None:
    """Catalogue stars inside the stamp; stars closer than ``min_sep_arcsec`` to a labelled one share its label
    (``"image stars 4, 5"``) instead of printing over it."""
    offs = catalogue.offsets_arcsec()
    inside = [(star, float(e), float(n)) for star, (e, n) in zip(catalogue.stars[1:], offs[1:])
              if np.nanmin(east) <= e <= np.nanmax(east) and np.nanmin(north) <= n <= np.nanmax(north)]
    groups: list[list[tuple[Any, float, float]]] = []
    for item in inside:
        near = next((g for g in groups if math.hypot(g[0][1] - item[1], g[0][2] - item[2]) < min_sep_arcsec), None)
        (near.append(item) if near is not None else groups.append([item]))
    for group in groups:
        for _, e, n in group:
            ax.plot([e], [n], marker="o", ms=7, mfc="none", mec=_GREY, ls="none", zorder=4)
        label = ax.annotate(_group_label([star.label for star, _, _ in group]), (group[0][1], group[0][2]),
                            xytext=(3, 3), textcoords="offset points", fontsize=7, color=_GREY, clip_on=True)
        label.set_in_layout(False)  # a long label must not shrink the panel


def _group_label(labels: list[str]) -> str:
    """``["image star 4", "image star 5"]`` → ``"image stars 4, 5"``; other mixes are joined with ", "."""
    if len(labels) == 1:
        return labels[0]
    stems = {lab.rpartition(" ")[0] for lab in labels}
    if len(stems) == 1 and all(lab.rpartition(" ")[2].isdigit() for lab in labels):
        return f"{stems.pop()}s " + ", ".join(lab.rpartition(" ")[2] for lab in labels)
    return ", ".join(labels)


def _draw_fit(ax: Any, loc: Any, combined: Any, *, legend: bool) -> None:
    """The target, the fitted source with its 1σ/3σ ellipses and the combined position with its 3σ ellipse."""
    if not legend:
        ax.plot([0], [0], marker="*", ms=12, color=OKABE_ITO["yellow"], mec="k", ls="none", zorder=5)
    if np.all(np.isfinite(loc.offset_arcsec)):
        src = tuple(loc.offset_arcsec)
        ax.plot([src[0]], [src[1]], marker="x", ms=10 if legend else 8, mew=2, color=OKABE_ITO["vermillion"],
                ls="none", zorder=6, label=f"fitted source ({loc.fit.offset_sigma:.1f}σ from target; 1σ, 3σ)"
                if legend else None)
        for ns, lsty in ((1.0, "-"), (3.0, "--")):
            _ellipse(ax, src, loc.covariance_arcsec2, ns, color=OKABE_ITO["vermillion"], lw=1.2, ls=lsty)
    if combined is not None and np.all(np.isfinite(combined.offset_arcsec)):
        ax.plot(*combined.offset_arcsec, marker="+", ms=12 if legend else 10, mew=2, color=OKABE_ITO["bluish_green"],
                ls="none", zorder=6, label="combined (all sectors; 3σ)" if legend else None)
        _ellipse(ax, combined.offset_arcsec, combined.covariance_arcsec2, 3.0, color=OKABE_ITO["bluish_green"],
                 lw=1.2, ls="--")


def _zoom_inset(ax: Any, loc: Any, combined: Any, img: np.ndarray, east: np.ndarray, north: np.ndarray,
                lim: float) -> None:
    """A magnified inset around the target: the source, the combined position and their ellipses, which on
    the whole stamp (~±150″) pile up in one spot."""
    covs = [np.asarray(loc.covariance_arcsec2, dtype=float)]
    pts = [np.zeros(2), np.asarray(loc.offset_arcsec, dtype=float)]
    if combined is not None:
        covs.append(np.asarray(combined.covariance_arcsec2, dtype=float))
        pts.append(np.asarray(combined.offset_arcsec, dtype=float))
    finite_pts = [p for p in pts if np.all(np.isfinite(p))]
    sig = [math.sqrt(max(np.linalg.eigvalsh(c).max(), 0.0)) for c in covs if np.all(np.isfinite(c))]
    if len(finite_pts) < 2 or not sig:
        return
    half = max(10.0, 1.25 * max(float(np.abs(p).max()) + 3.2 * max(sig) for p in finite_pts))
    if half > 0.4 * (float(np.nanmax(east)) - float(np.nanmin(east))):
        return  # the ellipses are already big on the whole stamp
    inset = ax.inset_axes([0.64, 0.64, 0.34, 0.34])
    inset.set_in_layout(False)
    inset.pcolormesh(east, north, img, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="flat")
    _draw_fit(inset, loc, combined, legend=False)
    inset.set_xlim(half, -half)
    inset.set_ylim(-half, half)
    inset.set_aspect("equal")
    inset.tick_params(labelsize=6)
    inset.set_title(f"±{half:.0f}″ around the target", fontsize=7)



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
    # the combined position means something only when more than one sector was localized
    usable = sum(1 for _, sv in sectors if np.all(np.isfinite(getattr(sv, "localization", sv).offset_arcsec)))
    combined = result.combined if usable > 1 else None
    for ax, (_, sv) in zip(axes, sectors):
        plot_diffimage(sv, catalogue=result.catalogue, combined=combined, ax=ax, simulated=False)
    for ax in axes[len(sectors):]:
        ax.set_axis_off()
    fig.suptitle(f"Where the dip comes from: {result.verdict}")
    return mark_simulated(fig, result.simulated)
