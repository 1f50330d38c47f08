"""A V08 result on its stamp: the out-of-transit image, target, centroids with error ellipses, magnified shift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.geometry import target_pixel
from .notes import no_pixels_note
from .style import _GREY, OKABE_ITO, _is_simulated, _new_axes, _styled, mark_simulated

__all__ = ["choose_magnification", "plot_centroid_shift"]


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
        Supplies the target position (from the stamp's WCS and target) when ``target_xy`` is not given.
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
    if target_xy is None and dataset is not None and sector is not None:
        target_xy = target_pixel(getattr(dataset, "tpf_by_sector", {}).get(sector))
    ax = _new_axes(ax, (7.0, 6.0))
    pdata = getattr(result, "plot_data", None) or {}
    metrics = getattr(result, "metrics", None) or {}
    if getattr(result, "status", "skipped") != "ok" or "out_of_transit_mean_image" not in pdata:
        flags = ", ".join(getattr(result, "flags", ()) or ()) or "no data"
        ax.text(0.5, 0.5, f"V08 skipped ({flags})", ha="center", va="center", transform=ax.transAxes)
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
    ax.plot(*c_out, "o", ms=5, color=blue, mec="black", mew=0.6, zorder=6,
            label=f"out-of-transit centroid; shift noise 1σ, 3σ ×{mag:g}" + (f" ({method})" if method else ""))
    ax.plot(*c_in_plot, "o", ms=5, color=verm, mec="black", mew=0.6, zorder=6,
            label=f"in-transit centroid, offset ×{mag:g}")
    if np.all(np.isfinite(shift)) and np.hypot(*shift) > 0:
        from matplotlib.patches import FancyArrowPatch  # a patch, not an annotation: the same pixels on every draw

        ax.add_patch(FancyArrowPatch(tuple(c_out), tuple(c_in_plot), arrowstyle="-|>", mutation_scale=12,
                                     color="white", lw=1.8, shrinkA=0, shrinkB=3, path_effects=halo, zorder=5))
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
    ax.text(0.02, 0.02, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5,
            family="DejaVu Sans", bbox=dict(boxstyle="round,pad=0.4", fc="white", ec=_GREY, alpha=0.9))
    ax.legend(loc="upper right", fontsize=7.5)
    ax.set_xlim(-0.5, nc - 0.5)
    ax.set_ylim(-0.5, nr - 0.5)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("stamp column (pixels)")
    ax.set_ylabel("stamp row (pixels)")
    sector = pdata.get("sector")
    ax.set_title(f"V08 centroid shift, sector {sector}" if sector is not None else "V08 centroid shift")
    return mark_simulated(ax, _is_simulated(result))
