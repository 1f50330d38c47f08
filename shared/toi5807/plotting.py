"""Plots of the tutorial: phase-folded transit, V08 centroid shift, V08 per-sector summary.

One style for every figure (:data:`STYLE`) and the colour-blind-safe Okabe–Ito
palette (:data:`OKABE_ITO`; Okabe & Ito 2008). Figures are written by
:func:`save_figure` as byte-reproducible PNGs: fixed dpi, no ``bbox_inches``
cropping, and no ``Software``/date metadata, so saving the same figure twice
(with the same library versions) gives identical files.

matplotlib is imported inside the functions, so ``import toi5807`` stays light.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .cache import atomic_write_bytes
from .paths import artifact_dirs

__all__ = [
    "OKABE_ITO",
    "STYLE",
    "SAVE_DPI",
    "apply_style",
    "style_context",
    "figure_png_bytes",
    "save_figure",
    "choose_magnification",
    "plot_phase_folded",
    "plot_centroid_shift",
    "plot_v08_summary",
]

#: Okabe–Ito colour-blind-safe palette (hex).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_GREY = "#8C8C8C"
#: Colour of each V08 verdict.
VERDICT_COLOURS: dict[str, str] = {
    "PASS": OKABE_ITO["bluish_green"],
    "WARN": OKABE_ITO["orange"],
    "FAIL": OKABE_ITO["vermillion"],
}

#: Resolution of saved and inline PNGs, dots per inch.
SAVE_DPI: int = 120

#: matplotlib rcParams shared by every tutorial figure.
STYLE: dict[str, Any] = {
    "figure.dpi": SAVE_DPI,
    "savefig.dpi": SAVE_DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8.5,
    "legend.framealpha": 0.85,
    "xtick.direction": "out",
    "ytick.direction": "out",
    "image.cmap": "viridis",
    "svg.hashsalt": "toi5807",
}

#: PNG metadata written with every figure: drop the ``Software`` entry (matplotlib's version).
_PNG_METADATA = {"Software": None}


def _style_dict() -> dict[str, Any]:
    from cycler import cycler

    style = dict(STYLE)  # plus the Okabe–Ito colour cycle
    style["axes.prop_cycle"] = cycler(color=[OKABE_ITO[k] for k in (
        "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black")])
    return style


def apply_style() -> None:
    """Apply the tutorial style to matplotlib's global rcParams."""
    import matplotlib

    matplotlib.rcParams.update(_style_dict())


@contextmanager
def style_context():
    """Context manager applying the tutorial style temporarily."""
    import matplotlib

    with matplotlib.rc_context(_style_dict()):
        yield


def _styled(func):
    """Run a plot function inside :func:`style_context`, so every artist it creates gets the tutorial style."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style_context():
            return func(*args, **kwargs)

    return wrapper


def _new_axes(ax, figsize: tuple[float, float]):
    """Return ``ax`` or a fresh axes of a constrained-layout figure in the tutorial style."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


# ---------------------------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------------------------
def figure_png_bytes(fig, dpi: int = SAVE_DPI) -> bytes:
    """Render ``fig`` to PNG bytes reproducibly (fixed dpi, no software/date metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=dict(_PNG_METADATA), facecolor="white")
    return buf.getvalue()


def _png_name(name: str) -> str:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name: expected a plain file name like 'V08_centroid_shift.png', got {name!r}")
    return name if name.lower().endswith(".png") else f"{name}.png"


def save_figure(fig, step_id: str, name: str, *, root: str | Path | None = None) -> tuple[Path, Path]:
    """Save ``fig`` as a PNG in a step's run folder and its committed artifacts folder.

    The figure is rendered once and the same bytes are written to both places,
    only when they differ from what is there (so an unchanged figure leaves the
    file, and ``git status``, untouched).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    step_id : str
        Notebook step, e.g. ``"11_v08_centroid_shift"``.
    name : str
        File name; ``.png`` is appended when missing.
    root : str or Path, optional
        Repository root (default: found from the working directory).

    Returns
    -------
    (Path, Path)
        ``persistent_cache/tutorial_toi-5807-incremental/<step>/<name>`` (run copy) and
        ``artifacts/tutorial_toi-5807-incremental/<step>/<name>`` (committed copy).
    """
    fname = _png_name(name)
    data = figure_png_bytes(fig)
    run_dir, docs_dir = artifact_dirs(step_id, root)
    paths = (run_dir / fname, docs_dir / fname)
    for path in paths:
        if not (path.is_file() and path.read_bytes() == data):
            atomic_write_bytes(path, data)
    return paths


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
def plot_phase_folded(lc, candidate, ax=None, *, window_durations: float = 3.0, bin_minutes: float = 30.0):
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

    Returns
    -------
    matplotlib.axes.Axes
        x: hours from mid-transit; y: relative flux in ppm (0 = out-of-transit median).
    """
    from .lightcurve import time_from_midtransit, transit_masks

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
    return ax


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
        Largest 1σ axis of the centroid error ellipses, pixels.
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
def plot_centroid_shift(result, ax=None, *, target_xy: tuple[float, float] | None = None,
                        magnification: int | None = None):
    """Draw a V08 result on its stamp: image, target, centroids with error ellipses, magnified shift.

    Parameters
    ----------
    result : CheckResult
        Output of :func:`toi5807.v08.run_v08` (uses ``plot_data``, ``metrics``, ``verdict``).
    ax : matplotlib.axes.Axes, optional
    target_xy : (float, float), optional
        Target position in stamp pixels (x = column, y = row), e.g. from the TPF's
        WCS; default ``plot_data["target_pixel"]`` when present, else not drawn.
    magnification : int, optional
        Factor applied to the in − out offset and to the error ellipses about the
        out-of-transit centroid; default :func:`choose_magnification`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _new_axes(ax, (7.0, 6.0))
    pdata = getattr(result, "plot_data", None) or {}
    metrics = getattr(result, "metrics", None) or {}
    if getattr(result, "status", "skipped") != "ok" or "out_of_transit_mean_image" not in pdata:
        flags = ", ".join(getattr(result, "flags", ()) or ()) or "no data"
        ax.text(0.5, 0.5, f"V08 skipped ({flags})", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax

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
    cov_out = _array(pdata.get("out_of_transit_centroid_cov"), (2, 2))
    cov_in = _array(pdata.get("in_transit_centroid_cov"), (2, 2))
    shift = c_in - c_out
    sig_max = max((math.sqrt(max(np.linalg.eigvalsh(c)[-1], 0.0)) for c in (cov_out, cov_in)
                   if np.all(np.isfinite(c))), default=0.0)
    mag = magnification or choose_magnification(float(np.hypot(*shift)), sig_max, min(nr, nc))
    c_in_plot = c_out + mag * shift
    blue, verm = OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"]
    for centre, cov, colour in ((c_out, cov_out, blue), (c_in_plot, cov_in, verm)):
        _ellipse(ax, centre, cov * mag**2, 1.0, color=colour, lw=1.6)
        _ellipse(ax, centre, cov * mag**2, 3.0, color=colour, lw=1.0, ls="--")
    ax.plot(*c_out, "o", ms=5, color=blue, mec="black", mew=0.6, zorder=6,
            label="out-of-transit centroid (1σ, 3σ)")
    ax.plot(*c_in_plot, "o", ms=5, color=verm, mec="black", mew=0.6, zorder=6,
            label=f"in-transit centroid (1σ, 3σ), offset ×{mag:g}")
    if np.all(np.isfinite(shift)) and np.hypot(*shift) > 0:
        ax.annotate("", xy=tuple(c_in_plot), xytext=tuple(c_out),
                    arrowprops=dict(arrowstyle="-|>", color="white", lw=1.8, shrinkA=0, shrinkB=3,
                                    path_effects=halo))
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
    return ax


# ---------------------------------------------------------------------------------------------
# V08 per-sector summary
# ---------------------------------------------------------------------------------------------
def _summary_rows(results: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """Normalise ``{sector: CheckResult or {status, flags, metrics[, verdict]}}`` to plain rows."""
    rows = []
    for key in sorted(results, key=lambda k: int(k)):
        r = results[key]
        get = (lambda name, default=None: r.get(name, default)) if isinstance(r, Mapping) else (
            lambda name, default=None: getattr(r, name, default))
        metrics = dict(get("metrics", {}) or {})
        rows.append({"sector": int(key), "status": get("status", "skipped"), "verdict": get("verdict"),
                     "flags": list(get("flags", ()) or ()), "metrics": metrics})
    return rows


def _num(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else math.nan


@_styled
def plot_v08_summary(results: Mapping[Any, Any], *, warn_sigma: float = 3.0, fail_sigma: float = 5.0,
                     pixel_scale_arcsec: float = 21.0):
    """Per-sector V08 results: shift (milli-pixels, 1σ bars) and significance with the 3σ/5σ lines.

    Parameters
    ----------
    results : mapping sector -> CheckResult or dict
        :func:`toi5807.v08.run_v08` results, or the ``{status, flags, metrics}``
        entries of :func:`toi5807.tutorial.v08_sector_summary` (verdict optional).
    warn_sigma, fail_sigma : float
        Significance thresholds drawn as horizontal lines, σ.
    pixel_scale_arcsec : float
        Arcsec per pixel for the right-hand shift axis (TESS: 21).

    Returns
    -------
    matplotlib.figure.Figure
        Top: centroid shift in milli-pixels (right axis: milli-arcsec); bottom:
        significance in σ. Skipped sectors are marked with their flags.
    """
    import matplotlib.pyplot as plt

    rows = _summary_rows(results)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.0, 5.6), sharex=True, layout="constrained")
    xs = np.arange(len(rows))
    shift = np.array([_num(r["metrics"].get("centroid_shift_pixels")) for r in rows]) * 1e3
    err = np.array([_num(r["metrics"].get("shift_uncertainty_pixels")) for r in rows]) * 1e3
    sig = np.array([_num(r["metrics"].get("significance_sigma")) for r in rows])
    for x, r, s, e, z in zip(xs, rows, shift, err, sig):
        colour = VERDICT_COLOURS.get(r["verdict"] or "", OKABE_ITO["blue"])
        if r["status"] != "ok" or not math.isfinite(s):
            note = "skipped\n" + "\n".join(r["flags"] or ["no result"])
            for a in (ax1, ax2):
                a.text(x, 0.5, note, transform=a.get_xaxis_transform(), ha="center", va="center", fontsize=8,
                       color=_GREY)
            continue
        ax1.errorbar(x, s, yerr=e if math.isfinite(e) else None, fmt="o", ms=7, color=colour, mec="black",
                     mew=0.6, ecolor=OKABE_ITO["black"], elinewidth=1.2, capsize=4, zorder=3)
        ax2.plot(x, z, "o", ms=7, color=colour, mec="black", mew=0.6, zorder=3)
        if r["verdict"]:
            ax2.annotate(r["verdict"], (x, z), textcoords="offset points", xytext=(9, -3), fontsize=8)
    ax1.axhline(0.0, color=OKABE_ITO["black"], lw=0.8, alpha=0.6)
    ax1.set_ylabel("centroid shift (milli-pixels)")
    finite = np.isfinite(shift)
    top = np.nanmax(np.where(finite, shift + np.nan_to_num(err), np.nan)) if finite.any() else 1.0
    ax1.set_ylim(0.0, 1.25 * top if top > 0 else 1.0)
    sec = ax1.secondary_yaxis("right", functions=(lambda v: v * pixel_scale_arcsec,
                                                  lambda v: v / pixel_scale_arcsec))
    sec.set_ylabel("shift (milli-arcsec)")
    ax1.set_title("V08 centroid shift per sector (bars: 1σ along the shift)")

    ax2.axhline(warn_sigma, color=OKABE_ITO["orange"], ls="--", lw=1.2, label=f"{warn_sigma:g}σ: WARN")
    ax2.axhline(fail_sigma, color=OKABE_ITO["vermillion"], ls=":", lw=1.5,
                label=f"{fail_sigma:g}σ: FAIL if also shift ≥ 1 px")
    smax = np.nanmax(sig) if np.isfinite(sig).any() else 0.0
    ax2.set_ylim(0.0, max(1.2 * smax, fail_sigma + 1.5))
    ax2.set_ylabel("significance (σ)")
    ax2.legend(loc="upper left")
    ax2.set_xticks(xs, [f"S{r['sector']}" for r in rows])
    ax2.set_xlabel("TESS sector")
    ax2.set_xlim(-0.6, len(rows) - 0.4)
    return fig
