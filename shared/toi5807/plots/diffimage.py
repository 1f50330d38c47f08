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


#: Inset rectangles (axes fraction) tried for the zoom, one per corner; the emptiest one is used.
_CORNERS = ((0.64, 0.64), (0.02, 0.64), (0.02, 0.02), (0.64, 0.02))
_INSET_SIZE = 0.34


def _colour_limit(loc: Any, img: np.ndarray) -> float:
    """Half-range of a panel's symmetric colour scale: the largest |value| over the fitted pixels (e-/s)."""
    vals = np.abs(img[loc.diff.fit_mask]) if loc.diff.fit_mask is not None else np.abs(img)
    vals = vals[np.isfinite(vals)]
    return float(vals.max()) if vals.size and vals.max() > 0 else 1.0


def _corner_rect(corner: tuple[float, float], ax_limits: tuple) -> tuple[float, float, float, float]:
    """(east_min, east_max, north_min, north_max) of an inset rectangle at ``corner`` (east axis reversed)."""
    (e_left, e_right), (n_lo, n_hi) = ax_limits
    fx, fy = corner
    e0 = e_left + fx * (e_right - e_left)
    e1 = e_left + (fx + _INSET_SIZE) * (e_right - e_left)
    n0 = n_lo + fy * (n_hi - n_lo)
    n1 = n_lo + (fy + _INSET_SIZE) * (n_hi - n_lo)
    return min(e0, e1), max(e0, e1), min(n0, n1), max(n0, n1)


def _inside(rect: tuple[float, float, float, float], e: Any, n: Any) -> np.ndarray:
    e, n = np.asarray(e, dtype=float), np.asarray(n, dtype=float)
    return (e >= rect[0]) & (e <= rect[1]) & (n >= rect[2]) & (n <= rect[3])


def _corners_by_emptiness(img: np.ndarray, east: np.ndarray, north: np.ndarray, points: np.ndarray,
                          ax_limits: tuple) -> list[tuple[float, float]]:
    """The corners of the panel, emptiest first: least difference-image signal under them, and no star, target
    or fitted position (each counts as much as the whole image)."""
    ce = 0.25 * (east[:-1, :-1] + east[1:, :-1] + east[:-1, 1:] + east[1:, 1:])
    cn = 0.25 * (north[:-1, :-1] + north[1:, :-1] + north[:-1, 1:] + north[1:, 1:])
    weight = np.nan_to_num(np.abs(img))
    total = float(weight.sum()) or 1.0
    score = []
    for corner in _CORNERS:
        rect = _corner_rect(corner, ax_limits)
        covered = float(weight[_inside(rect, ce, cn)].sum()) / total
        marks = int(_inside(rect, points[:, 0], points[:, 1]).sum()) if points.size else 0
        score.append(covered + marks)
    order = sorted(range(len(_CORNERS)), key=lambda i: (score[i], i))
    return [_CORNERS[i] for i in order]


@_styled
def plot_diffimage(sector: Any, *, catalogue: Any = None, combined: Any = None, ax: Any = None,
                   simulated: bool | None = None, vlim: float | None = None, colorbar: bool = True):
    """One sector's difference image on sky axes with the fitted source, the target and the catalogue stars.

    Parameters
    ----------
    sector : SectorVet or SectorLocalization
        From :func:`toi5807.vet_pixels` (``result.sectors[n]``) or :func:`toi5807.diffimage.localize_sector`.
    catalogue : Catalogue, optional
        Stars to mark (east, north offsets from the target), numbered on the image; the legend says what
        the numbers are.
    combined : CombinedLocalization, optional
        Draw the combined source position and its 3σ ellipse too.
    ax : matplotlib Axes, optional
    simulated : bool, optional
        Mark the panel SIMULATED (default: from the data).
    vlim : float, optional
        Half-range of the colour scale, e-/s (default: this panel's largest |value| over the fitted pixels);
        :func:`plot_diffimages` passes one for every panel.
    colorbar : bool, default True
        Draw this panel's colour bar.

    Returns
    -------
    matplotlib.axes.Axes
        East to the left, north up, arcsec from the target; a panel without a difference image says why. A
        zoom around the target sits in the emptiest corner (no tick labels; its half-width is written in it).
    """
    loc = getattr(sector, "localization", sector)
    ax = _new_axes(ax, (7.6, 7.0))
    sim = bool(loc.simulated) if simulated is None else bool(simulated)
    title = f"Sector {loc.sector}"
    corners = list(_CORNERS)
    if not _has_image(loc):
        ax.text(0.5, 0.5, f"{title}: no difference image\n{loc.reason}"[:200], ha="center", va="center",
                transform=ax.transAxes, wrap=True)
        ax.set_axis_off()
    else:
        img, corrected = _without_pointing(loc)
        east, north = _sky_mesh(loc)
        lim = float(vlim) if vlim is not None and np.isfinite(vlim) and vlim > 0 else _colour_limit(loc, img)
        mesh = ax.pcolormesh(east, north, img, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="flat")
        mesh.set_gid("difference-image")
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, shrink=0.7, label=_colourbar_label(corrected))
        limits = ((float(np.nanmax(east)), float(np.nanmin(east))), (float(np.nanmin(north)), float(np.nanmax(north))))
        ax.set_xlim(*limits[0])  # east to the left
        ax.set_ylim(*limits[1])
        ax.set_aspect("equal")
        points = [(0.0, 0.0)] + [tuple(p) for p in (loc.offset_arcsec, getattr(combined, "offset_arcsec", None))
                                 if p is not None and np.all(np.isfinite(p))]
        if catalogue is not None:
            points += [tuple(map(float, o)) for o in catalogue.offsets_arcsec()[1:]]
        corners = _corners_by_emptiness(img, east, north, np.asarray(points, dtype=float).reshape(-1, 2), limits)
        inset_rect = _zoom_inset(ax, loc, combined, img, east, north, lim, corners[0], limits)
        if inset_rect is not None:
            corners = corners[1:]
        _draw_target(ax, legend=True)
        if catalogue is not None:
            _draw_stars(ax, catalogue, east, north, skip_labels_in=inset_rect)
        _draw_fit(ax, loc, combined, legend=True)
        ax.set_xlabel("east offset from target (arcsec)")
        ax.set_ylabel("north offset from target (arcsec)")
        verdict = getattr(sector, "verdict", None)
        title += f": {verdict}" if verdict else ""
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=7.5, ncols=2, frameon=False)
    ax.set_title(title)
    # the watermark goes in the emptiest corner left, small, so it covers no label and no source
    at = (corners[0][0] + 0.5 * _INSET_SIZE, corners[0][1] + 0.5 * _INSET_SIZE)
    return mark_simulated(ax, sim, at=at, fontsize=15)


def _colourbar_label(corrected: bool) -> str:
    return "out − in transit (e-/s)" + (",\npointing dipole removed" if corrected else "")


def _has_image(loc: Any) -> bool:
    return loc.diff is not None and loc.jacobian is not None and loc.diff.spline is not None


def _short_label(labels: list[str]) -> str:
    """What a star group is called on the image: its numbers (``"4, 5"`` for image stars 4 and 5), or the
    labels themselves when one has no number (``"background EB host"``)."""
    nums = [lab.rpartition(" ")[2] for lab in labels]
    if all(n.isdigit() for n in nums):
        return ", ".join(nums)
    return ", ".join(labels)


def _draw_stars(ax: Any, catalogue: Any, east: np.ndarray, north: np.ndarray, min_sep_arcsec: float = 25.0,
                skip_labels_in: tuple[float, float, float, float] | None = None) -> None:
    """Catalogue stars inside the stamp, numbered; stars closer than ``min_sep_arcsec`` to a labelled one share
    its label (``"4, 5"``). A label goes on the side away from the target (so it does not cover the fit), and
    none is written under the zoom inset (``skip_labels_in``: east_min, east_max, north_min, north_max)."""
    from matplotlib import patheffects

    offs = catalogue.offsets_arcsec()
    inside = [(star, float(e), float(n)) for star, (e, n) in zip(catalogue.stars[1:], offs[1:])
              if np.nanmin(east) <= e <= np.nanmax(east) and np.nanmin(north) <= n <= np.nanmax(north)]
    groups: list[list[tuple[Any, float, float]]] = []
    for item in inside:
        near = next((g for g in groups if math.hypot(g[0][1] - item[1], g[0][2] - item[2]) < min_sep_arcsec), None)
        (near.append(item) if near is not None else groups.append([item]))
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    kinds: dict[str, bool] = {}  # kind of star -> numbered
    for group in groups:
        for _, e, n in group:
            ax.plot([e], [n], marker="o", ms=7, mfc="none", mec=_GREY, mew=1.2, ls="none", zorder=4)
        labels = [star.label for star, _, _ in group]
        for lab in labels:
            stem, _, num = lab.rpartition(" ")
            kinds.setdefault(stem if num.isdigit() else lab, num.isdigit())
        e, n = group[0][1], group[0][2]
        if skip_labels_in is not None and _inside(skip_labels_in, e, n):
            continue
        # east is drawn to the left: a star east of the target (e > 0) gets its label further east (to the left)
        dx, dy = (-5 if e > 0 else 5), (4 if n >= 0 else -4)
        label = ax.annotate(_short_label(labels), (e, n), xytext=(dx, dy), textcoords="offset points",
                            ha="right" if dx < 0 else "left", va="bottom" if dy > 0 else "top", fontsize=7.5,
                            color="#444444", clip_on=True, path_effects=halo, zorder=4, gid="star-label")
        label.set_in_layout(False)  # a long label must not shrink the panel
    if kinds:
        text = "; ".join(f"{k}s (numbered)" if numbered else k for k, numbered in kinds.items())
        ax.plot([], [], marker="o", ms=7, mfc="none", mec=_GREY, mew=1.2, ls="none", label=text)


def _group_label(labels: list[str]) -> str:
    """``["image star 4", "image star 5"]`` → ``"image stars 4, 5"``; other mixes are joined with ", "."""
    if len(labels) == 1:
        return labels[0]
    stems = {lab.rpartition(" ")[0] for lab in labels}
    if len(stems) == 1 and all(lab.rpartition(" ")[2].isdigit() for lab in labels):
        return f"{stems.pop()}s " + ", ".join(lab.rpartition(" ")[2] for lab in labels)
    return ", ".join(labels)


def _draw_target(ax: Any, *, legend: bool) -> None:
    """The target as a hollow star (its outline only), under the fitted source so it never hides the cross."""
    from matplotlib import patheffects

    ax.plot([0], [0], marker="*", ms=15 if legend else 12, mfc="none", mec=OKABE_ITO["yellow"], mew=1.5,
            ls="none", zorder=5, label="target" if legend else None, gid="target-marker",
            path_effects=[patheffects.withStroke(linewidth=3.0, foreground="black")])


def _draw_fit(ax: Any, loc: Any, combined: Any, *, legend: bool) -> None:
    """The fitted source with its 1σ/3σ ellipses and the combined position with its 3σ ellipse, above the target."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=3.6, foreground="white")]
    if np.all(np.isfinite(loc.offset_arcsec)):
        src = tuple(loc.offset_arcsec)
        ax.plot([src[0]], [src[1]], marker="x", ms=10 if legend else 8, mew=2, color=OKABE_ITO["vermillion"],
                ls="none", zorder=7, path_effects=halo, gid="fitted-source",
                label=f"fitted source ({loc.fit.offset_sigma:.1f}σ from target; 1σ, 3σ)" if legend else None)
        for ns, lsty in ((1.0, "-"), (3.0, "--")):
            _ellipse(ax, src, loc.covariance_arcsec2, ns, color=OKABE_ITO["vermillion"], lw=1.2, ls=lsty)
    if combined is not None and np.all(np.isfinite(combined.offset_arcsec)):
        ax.plot(*combined.offset_arcsec, marker="+", ms=12 if legend else 10, mew=2, color=OKABE_ITO["bluish_green"],
                ls="none", zorder=6, path_effects=halo, label="combined (all sectors; 3σ)" if legend else None)
        _ellipse(ax, combined.offset_arcsec, combined.covariance_arcsec2, 3.0, color=OKABE_ITO["bluish_green"],
                 lw=1.2, ls="--")


def _zoom_inset(ax: Any, loc: Any, combined: Any, img: np.ndarray, east: np.ndarray, north: np.ndarray,
                lim: float, corner: tuple[float, float], limits: tuple) -> tuple[float, float, float, float] | None:
    """A magnified inset around the target (the source, the combined position and their ellipses, which on the
    whole stamp (~±150″) pile up in one spot), at ``corner`` (axes fraction). No tick labels (they fell on the
    stars' labels): its half-width is written inside it. Returns the sky rectangle it covers, or None."""
    covs = [np.asarray(loc.covariance_arcsec2, dtype=float)]
    pts = [np.zeros(2), np.asarray(loc.offset_arcsec, dtype=float)]
    if combined is not None:
        covs.append(np.asarray(combined.covariance_arcsec2, dtype=float))
        pts.append(np.asarray(combined.offset_arcsec, dtype=float))
    finite_pts = [p for p in pts if np.all(np.isfinite(p))]
    sig = [math.sqrt(max(np.linalg.eigvalsh(c).max(), 0.0)) for c in covs if np.all(np.isfinite(c))]
    if len(finite_pts) < 2 or not sig:
        return None
    half = max(10.0, 1.25 * max(float(np.abs(p).max()) + 3.2 * max(sig) for p in finite_pts))
    if half > 0.4 * (float(np.nanmax(east)) - float(np.nanmin(east))):
        return None  # the ellipses are already big on the whole stamp
    inset = ax.inset_axes([corner[0], corner[1], _INSET_SIZE, _INSET_SIZE], zorder=9)
    inset.set_in_layout(False)
    inset.pcolormesh(east, north, img, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="flat")
    _draw_target(inset, legend=False)
    _draw_fit(inset, loc, combined, legend=False)
    inset.set_xlim(half, -half)
    inset.set_ylim(-half, half)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.grid(False)
    for spine in inset.spines.values():
        spine.set_visible(True)
    inset.text(0.04, 0.04, f"zoom: ±{half:.0f}″", transform=inset.transAxes, ha="left", va="bottom", fontsize=7,
               bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
    return _corner_rect(corner, limits)


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
        One panel per sector (:func:`plot_diffimage`), in sector order, on one shared colour scale with one
        colour bar; the :class:`~toi5807.report.Note` of
        :func:`~toi5807.plots.notes.no_pixels_note` instead when no sector had pixels to vet.
    """
    note = no_pixels_note(result)
    if note:
        return note
    sectors = list(result.sectors.items())
    n = max(len(sectors), 1)
    nrows = math.ceil(n / ncols)
    ncol = min(n, ncols)
    fig = _new_figure(fig, (7.6, 7.0) if n == 1 else (5.8 * ncol + 1.0, 5.6 * nrows), ax=ax)
    axes = fig.subplots(nrows, ncol, squeeze=False).ravel()
    # the combined position means something only when more than one sector was localized
    usable = sum(1 for _, sv in sectors if np.all(np.isfinite(getattr(sv, "localization", sv).offset_arcsec)))
    combined = result.combined if usable > 1 else None
    # one colour scale for every panel (a sector with a weaker dip looks weaker), and one colour bar
    locs = [getattr(sv, "localization", sv) for _, sv in sectors]
    images = [(loc, *_without_pointing(loc)) for loc in locs if _has_image(loc)]
    lim = max([_colour_limit(loc, img) for loc, img, _ in images] or [1.0])
    for ax, (_, sv) in zip(axes, sectors):
        plot_diffimage(sv, catalogue=result.catalogue, combined=combined, ax=ax, simulated=result.simulated,
                       vlim=lim, colorbar=False)
    for ax in axes[len(sectors):]:
        ax.set_axis_off()
    meshes = [m for a in axes for m in a.collections if m.get_gid() == "difference-image"]
    if meshes:
        fig.colorbar(meshes[0], ax=[a for a in axes if a.axison], shrink=0.6 if nrows > 1 else 0.7,
                     label=_colourbar_label(all(corrected for _, _, corrected in images)))
    fig.suptitle(f"Where the dip comes from: {result.verdict}")
    return mark_simulated(fig, result.simulated, panels=False)
