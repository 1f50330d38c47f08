"""A V08 result on its stamp: the out-of-transit image, target, centroids with error ellipses, magnified shift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.geometry import sky_jacobian, target_pixel
from .notes import flag_words, no_pixels_note
from .style import _GREY, OKABE_ITO, _is_simulated, _new_axes, _styled, mark_simulated

__all__ = ["choose_magnification", "plot_centroid_shift", "draw_compass", "draw_shift_scale_bar"]


# ---------------------------------------------------------------------------------------------
# V08 centroid shift of one sector
# ---------------------------------------------------------------------------------------------
def _array(value: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """JSON-ish nested lists (None = NaN) → float array."""
    if value is None:
        return np.full(shape, np.nan) if shape is not None else np.array(np.nan)
    arr = np.array(value, dtype=object)
    arr = np.where(arr == None, np.nan, arr).astype(float)  # noqa: E711 - elementwise None test
    return arr


def choose_magnification(shift_pixels: float, sigma_pixels: float, stamp_size: float) -> int:
    """Magnification of the centroid shift so the arrow and 3σ ellipses are visible on the stamp.

    The larger of the shift and three times the largest 1σ centroid axis is
    scaled to at most a quarter of the stamp's smaller side; the factor is
    rounded down to 1, 2 or 5 × a power of ten (never below 1).

    Parameters
    ----------
    shift_pixels : float
        |in − out| centroid shift, pixels.
    sigma_pixels : float
        Largest 1σ axis of the shift's error ellipse, pixels.
    stamp_size : float
        Smaller side of the stamp, pixels.

    Returns
    -------
    int
    """
    scale = max(v for v in (abs(shift_pixels), 3.0 * abs(sigma_pixels), 1e-12) if math.isfinite(v))
    raw = 0.25 * stamp_size / scale
    if raw <= 1.0:
        return 1
    decade = 10.0 ** math.floor(math.log10(raw))
    step = max(m for m in (1, 2, 5) if m * decade <= raw * (1 + 1e-9))
    return int(round(step * decade))


def _ellipse(ax, centre, cov, nsigma: float, **kw) -> None:
    from matplotlib.patches import Ellipse

    cov = np.asarray(cov, dtype=float)
    if not np.all(np.isfinite(cov)) or not np.all(np.isfinite(centre)):
        return
    vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
    vals = np.clip(vals, 0.0, None)
    angle = math.degrees(math.atan2(vecs[1, 1], vecs[0, 1]))
    ax.add_patch(Ellipse(tuple(centre), 2 * nsigma * math.sqrt(vals[1]), 2 * nsigma * math.sqrt(vals[0]),
                         angle=angle, fill=False, **kw))


def _aperture_outline(ax, mask: np.ndarray, **kw) -> None:
    """Outline of a boolean pixel mask (x = column, y = row), drawn as pixel edges."""
    from matplotlib.collections import LineCollection

    m = np.pad(np.asarray(mask, dtype=bool), 1)
    rows, cols = np.nonzero(m[1:, :] != m[:-1, :])  # horizontal edges between row r-1 and r (padded)
    horiz = np.stack([np.stack([cols - 1.5, rows - 0.5], -1), np.stack([cols - 0.5, rows - 0.5], -1)], 1)
    rows, cols = np.nonzero(m[:, 1:] != m[:, :-1])
    vert = np.stack([np.stack([cols - 0.5, rows - 1.5], -1), np.stack([cols - 0.5, rows - 0.5], -1)], 1)
    ax.add_collection(LineCollection(np.concatenate([horiz, vert]), **kw))


def _fmt(x: Any, spec: str) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 × a power of ten not above ``value`` (> 0)."""
    decade = 10.0 ** math.floor(math.log10(value))
    return max(m for m in (1, 2, 5) if m * decade <= value * (1 + 1e-9)) * decade


def draw_compass(ax, wcs: Any, at_pixel: Any, *, corner: tuple[float, float] = (0.1, 0.86), length: float = 0.09,
                 colour: str = "white") -> bool:
    """North and east arrows on a stamp drawn in pixels (x = column, y = row), from the stamp's WCS.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes in stamp pixels with equal aspect.
    wcs : astropy.wcs.WCS or None
        The stamp's WCS; nothing is drawn without one (or when it cannot be inverted there).
    at_pixel : (float, float)
        Where the WCS is linearised (e.g. the target), pixels.
    corner : (float, float)
        Base of the arrows, axes fraction.
    length : float
        Arrow length, fraction of the axes' smaller side.

    Returns
    -------
    bool
        True when the compass was drawn (its artists have ``gid="compass"``).
    """
    if wcs is None or at_pixel is None or not np.all(np.isfinite(np.asarray(at_pixel, dtype=float))):
        return False
    try:
        inv = np.linalg.inv(sky_jacobian(wcs, *np.asarray(at_pixel, dtype=float)))  # (east, north) -> pixels
    except (np.linalg.LinAlgError, TypeError, ValueError):
        return False
    if not np.all(np.isfinite(inv)):
        return False
    from matplotlib import patheffects
    from matplotlib.patches import FancyArrowPatch

    halo = [patheffects.withStroke(linewidth=2.6, foreground="black")]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    size = length * min(abs(x1 - x0), abs(y1 - y0))
    base = np.array([x0 + corner[0] * (x1 - x0), y0 + corner[1] * (y1 - y0)])
    for name, sky in (("N", (0.0, 1.0)), ("E", (1.0, 0.0))):
        d = inv @ np.asarray(sky)
        d = d / np.hypot(*d) * size
        ax.add_patch(FancyArrowPatch(tuple(base), tuple(base + d), arrowstyle="-|>", mutation_scale=9, color=colour,
                                     lw=1.3, shrinkA=0, shrinkB=0, path_effects=halo, zorder=8, gid="compass"))
        ax.text(*(base + 1.35 * d), name, ha="center", va="center", fontsize=8.5, fontweight="bold", color=colour,
                path_effects=halo, zorder=8, gid="compass")
    return True


def draw_shift_scale_bar(ax, magnification: float, *, pixel_scale_arcsec: float | None = None,
                         colour: str = "white") -> float:
    """A scale bar for magnified shifts, in the lower right corner: a round number of milli-pixels × the
    magnification, labelled in milli-pixels (and milli-arcsec when the pixel scale is known).

    Every figure that draws a magnified shift carries one, so shifts drawn ×20 on one figure and ×1000 on
    another read on the same scale. Call it after the axis limits are set.

    Returns
    -------
    float
        The bar's true length, pixels (its ``gid`` is ``"scale-bar"``).
    """
    from matplotlib import patheffects

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width = abs(x1 - x0)
    true = _nice(0.15 * width / magnification)
    drawn = true * magnification
    right = max(x0, x1) - 0.05 * width
    y = min(y0, y1) + 0.06 * abs(y1 - y0)
    halo = [patheffects.withStroke(linewidth=3.0, foreground="black")]
    ax.plot([right - drawn, right], [y, y], color=colour, lw=2.2, solid_capstyle="butt", path_effects=halo,
            zorder=8, gid="scale-bar")
    arcsec = true * pixel_scale_arcsec if pixel_scale_arcsec and math.isfinite(pixel_scale_arcsec) else None
    mas = "" if arcsec is None else f" = {arcsec:.3g}″" if arcsec >= 1 else f" = {arcsec * 1e3:.3g} mas"
    ax.text(right - 0.5 * drawn, y + 0.02 * abs(y1 - y0), f"shift {true * 1e3:g} mpx{mas}\n(drawn ×{magnification:g})",
            ha="center", va="bottom", fontsize=7.5, color=colour, path_effects=halo, zorder=8, gid="scale-bar")
    return true


@_styled
def plot_centroid_shift(result, ax=None, *, sector: int | None = None, dataset: Any = None,
                        target_xy: tuple[float, float] | None = None, magnification: int | None = None):
    """Draw a V08 result on its stamp: image, target, centroids with error ellipses, magnified shift.

    Parameters
    ----------
    result : CheckResult or mapping sector -> CheckResult
        Output of :func:`toi5807.run_v08` (uses ``plot_data``, ``metrics``, ``verdict``; ``simulated`` marks
        the figure SIMULATED). For a mapping, ``sector`` picks one (default: the latest that ran); when none
        ran, the :class:`~toi5807.report.Note` of :func:`~toi5807.plots.notes.no_pixels_note` is returned.
    sector : int, optional
        With a mapping of results: the sector to draw.
    dataset : Dataset, optional
        Supplies the target position (from the stamp's WCS and target) when ``target_xy`` is not given, and
        the north/east compass (from the same WCS; none without a dataset).
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).
    target_xy : (float, float), optional
        Target position in stamp pixels (x = column, y = row), e.g. from the TPF's
        WCS; default ``plot_data["target_pixel"]`` when present, else not drawn.
    magnification : int, optional
        Factor applied to the in − out offset and to the shift's error ellipses (1σ solid, 3σ dashed; the
        covariance of the significance method, so the picture and the σ in the box agree) about the
        out-of-transit centroid; default :func:`choose_magnification`.

    Returns
    -------
    matplotlib.axes.Axes or Note
        The shift arrow is drawn above the centroid markers; a scale bar gives the magnified shift in
        milli-pixels (and milli-arcsec); the legend and the numbers sit under the stamp.
    """
    if isinstance(result, Mapping):
        note = no_pixels_note(result)
        if note:
            return note
        ran = [s for s, r in sorted(result.items()) if getattr(r, "status", None) == "ok"]
        sector = ran[-1] if sector is None else int(sector)
        if sector not in result:
            raise ValueError(f"sector: {sector} has no V08 result (sectors {sorted(result)})")
        result = result[sector]
    stamp = getattr(dataset, "tpf_by_sector", {}).get(sector) if dataset is not None and sector is not None else None
    if target_xy is None and stamp is not None:
        target_xy = target_pixel(stamp)
    ax = _new_axes(ax, (7.0, 7.6))
    pdata = getattr(result, "plot_data", None) or {}
    metrics = getattr(result, "metrics", None) or {}
    if getattr(result, "status", "skipped") != "ok" or "out_of_transit_mean_image" not in pdata:
        ax.text(0.5, 0.5, f"V08 not measured: {flag_words(getattr(result, 'flags', ()))}", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return mark_simulated(ax, _is_simulated(result))

    image = _array(pdata["out_of_transit_mean_image"])
    nr, nc = image.shape
    from matplotlib.colors import PowerNorm

    finite = image[np.isfinite(image)]
    vmax = float(np.max(finite)) if finite.size else 1.0
    im = ax.imshow(image, origin="lower", cmap="viridis", norm=PowerNorm(0.5, vmin=0.0, vmax=vmax, clip=True),
                   interpolation="nearest", extent=(-0.5, nc - 0.5, -0.5, nr - 0.5))
    cbar = ax.figure.colorbar(im, ax=ax, shrink=0.85, pad=0.02)
    # ticks evenly spaced in the square-root stretch (rounded to 2 significant digits), so labels never crowd
    ticks = np.unique([float(f"{t:.2g}") for t in np.linspace(0.0, math.sqrt(max(vmax, 0.0)), 6) ** 2])
    cbar.set_ticks(ticks[ticks <= vmax])
    cbar.set_label("out-of-transit mean flux (e⁻/s, √ stretch)")
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=3.2, foreground="black")]
    if pdata.get("aperture_mask") is not None:
        _aperture_outline(ax, np.asarray(pdata["aperture_mask"], dtype=bool), colors="white", linewidths=1.0,
                          alpha=0.8)
        ax.plot([], [], color="white", lw=1.0, path_effects=halo, label="pipeline aperture")

    c_out = _array(pdata.get("out_of_transit_centroid"), (2,))
    c_in = _array(pdata.get("in_transit_centroid"), (2,))
    # the shift's own noise, from the same null as the significance in the box (for the default method, shifts
    # measured at fake transit times): the in-transit centroid inside the 3σ ellipse means "not significant"
    cov_shift = _array(pdata.get("shift_covariance_pixels"), (2, 2))
    shift = c_in - c_out
    sig_max = math.sqrt(max(np.linalg.eigvalsh(cov_shift)[-1], 0.0)) if np.all(np.isfinite(cov_shift)) else 0.0
    mag = magnification or choose_magnification(float(np.hypot(*shift)), sig_max, min(nr, nc))
    c_in_plot = c_out + mag * shift
    blue, verm = OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"]
    _ellipse(ax, c_out, cov_shift * mag**2, 1.0, color=blue, lw=1.6)
    _ellipse(ax, c_out, cov_shift * mag**2, 3.0, color=blue, lw=1.0, ls="--")
    method = (getattr(result, "details", None) or {}).get("significance_method", "")
    ax.plot(*c_out, "o", ms=5, color=blue, mec="black", mew=0.6, zorder=6, gid="centroid-marker",
            label="out-of-transit centroid")
    ax.plot([], [], color=blue, lw=1.6, label=f"shift noise 1σ, 3σ (dashed) ×{mag:g}"
            + (f", {method} null" if method else ""))
    ax.plot(*c_in_plot, "o", ms=5, color=verm, mec="black", mew=0.6, zorder=6, gid="centroid-marker",
            label=f"in-transit centroid, offset ×{mag:g}")
    if np.all(np.isfinite(shift)) and np.hypot(*shift) > 0:
        from matplotlib.patches import FancyArrowPatch  # a patch, not an annotation: the same pixels on every draw

        # above the centroid markers (the old arrow, under them, was hidden by the two dots at its ends)
        ax.add_patch(FancyArrowPatch(tuple(c_out), tuple(c_in_plot), arrowstyle="-|>", mutation_scale=12,
                                     color="white", lw=1.8, shrinkA=0, shrinkB=3.5, path_effects=halo, zorder=7,
                                     gid="shift-arrow"))
        ax.plot([], [], color="white", lw=1.8, path_effects=halo, label=f"shift ×{mag:g} (in − out)")
    txy = target_xy if target_xy is not None else pdata.get("target_pixel")
    if txy is not None and np.all(np.isfinite(np.asarray(txy, dtype=float))):
        ax.plot(*np.asarray(txy, dtype=float), marker="+", ms=15, mew=1.6, color="white", ls="none", zorder=4,
                path_effects=halo, label="target (catalogue position)")

    shift_px = metrics.get("centroid_shift_pixels")
    lines = [
        f"shift = {_fmt(shift_px, '.3g')} px = {_fmt(metrics.get('centroid_shift_arcsec'), '.3g')}″",
        f"1σ along shift = {_fmt(metrics.get('shift_uncertainty_pixels'), '.2g')} px",
        f"significance = {_fmt(metrics.get('significance_sigma'), '.2f')}σ",
        f"n_in = {metrics.get('n_in_transit_cadences', 'n/a')}, n_out = {metrics.get('n_out_of_transit_cadences', 'n/a')}",
        f"verdict: {getattr(result, 'verdict', None) or 'n/a'}",
    ]
    # the numbers and the legend sit under the stamp, never over its pixels
    ax.text(1.0, -0.1, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize=8.5,
            family="DejaVu Sans", bbox=dict(boxstyle="round,pad=0.4", fc="white", ec=_GREY, alpha=0.9))
    ax.legend(loc="upper left", bbox_to_anchor=(-0.02, -0.09), fontsize=7.5, frameon=False)
    ax.set_xlim(-0.5, nc - 0.5)
    ax.set_ylim(-0.5, nr - 0.5)
    draw_compass(ax, getattr(stamp, "wcs", None), txy if txy is not None else c_out)
    scale = (getattr(result, "details", None) or {}).get("pixel_scale_arcsec")
    if scale is None and shift_px:  # the arcsec shift over the pixel shift
        scale = float(_array(metrics.get("centroid_shift_arcsec")) / float(shift_px))
    if np.all(np.isfinite(shift)) and np.hypot(*shift) > 0:
        draw_shift_scale_bar(ax, mag, pixel_scale_arcsec=scale)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("stamp column (pixels)")
    ax.set_ylabel("stamp row (pixels)")
    sector = pdata.get("sector")
    ax.set_title(f"V08 centroid shift, sector {sector}" if sector is not None else "V08 centroid shift")
    return mark_simulated(ax, _is_simulated(result))
