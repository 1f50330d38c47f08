"""The cadence windows of the suite on one time axis: where "in transit" and "out of transit" are taken.

Drawn from the window functions themselves (:mod:`toi5807.lightcurve.windows`) evaluated on a fine grid,
so the diagram cannot drift from what the code uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..lightcurve import (
    Ephemeris,
    TransitParams,
    coerce_transit_params,
    local_windows,
    transit_masks,
    transit_window_masks,
)
from .style import _GREY, OKABE_ITO, _new_axes, _styled

__all__ = ["plot_transit_windows"]


def _spans(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of ``mask`` along the sorted grid ``x``, as (start, end) pairs."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(float(x[a]), float(x[b - 1])) for a, b in zip(edges[::2], edges[1::2])]


def _window_masks(time: np.ndarray, win: Any) -> tuple[np.ndarray, np.ndarray]:
    """In-transit and baseline masks of the first window of a :class:`~toi5807.lightcurve.LocalWindows`."""
    def inside(ranges: np.ndarray) -> np.ndarray:
        mask = np.zeros(time.size, dtype=bool)
        mask[win.good_index[ranges[0]:ranges[1]]] = True
        return mask

    return inside(win.in_range[0]), inside(win.before_range[0]) | inside(win.after_range[0])


@_styled
def plot_transit_windows(candidate: Any = None, *, config: Any = None, baseline_durations: float = 3.0, ax=None):
    """Diagram of the transit and out-of-transit windows of every step, in hours from mid-transit.

    Rows: the light-curve depth of step 02 (:func:`toi5807.lightcurve.transit_masks`), V08's in/out
    windows (:func:`toi5807.lightcurve.transit_window_masks` with the config's ``k_in``, ``k_buffer``)
    and the local baseline of the per-transit shifts (out-of-transit cadences within
    ``baseline_durations`` transit durations). A schematic transit sits on top.

    Parameters
    ----------
    candidate : Candidate, Ephemeris, TransitParams or mapping, optional
        Default: TOI-5807.01's catalogue ephemeris (period days, T0 BTJD, duration hours).
    config : CentroidShiftConfig, optional
        Supplies ``k_in`` and ``k_buffer`` (default: the package defaults).
    baseline_durations : float, default 3
        Reach of the per-transit local baseline, in transit durations.
    ax : matplotlib.axes.Axes, optional
        Axes to draw in (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..target import DURATION_HOURS, PERIOD_DAYS, T0_BTJD

    tp = (TransitParams(PERIOD_DAYS, T0_BTJD, DURATION_HOURS) if candidate is None
          else coerce_transit_params(candidate, name="candidate"))
    k_in = float(getattr(config, "k_in", 1.0))
    k_buffer = float(getattr(config, "k_buffer", 0.5))
    d_h = tp.duration
    reach = max(baseline_durations + 0.5, 2.0) * d_h
    x_h = np.linspace(-reach, reach, 4001)
    time = tp.t0 + x_h / 24.0
    depth_in, depth_out = transit_masks(time, Ephemeris(tp.period, tp.t0, tp.duration))
    v08_in, v08_out = transit_window_masks(time, tp, k_in=k_in, k_buffer=k_buffer)
    local = v08_out & (np.abs(x_h) <= baseline_durations * d_h)
    win = local_windows(time, np.array([tp.t0]), tp.duration_days)
    diff_in, diff_out = _window_masks(time, win)
    rows = [
        ("step 02 depth", depth_in, depth_out),
        ("V08 (steps 11–11d)", v08_in, v08_out),
        ("per-transit shifts", v08_in, local),
        ("difference images", diff_in, diff_out),
    ]
    ax = _new_axes(ax, (8.0, 3.8))
    blue, verm = OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"]
    for i, (label, inside, outside) in enumerate(rows):
        y = len(rows) - 1 - i
        for a, b in _spans(x_h, inside):
            ax.broken_barh([(a, b - a)], (y - 0.3, 0.6), color=verm, alpha=0.8)
        for a, b in _spans(x_h, outside):
            ax.broken_barh([(a, b - a)], (y - 0.3, 0.6), color=blue, alpha=0.8)
    ax.broken_barh([], (0, 0), color=verm, alpha=0.8, label="in transit")
    ax.broken_barh([], (0, 0), color=blue, alpha=0.8, label="out of transit (baseline)")
    # schematic transit: flat, 10 % ingress/egress, dipping in the top band
    half = 0.5 * d_h
    shape = np.clip((half - np.abs(x_h)) / (0.1 * d_h), 0.0, 1.0)
    ax.plot(x_h, len(rows) - 0.1 - 0.45 * shape, color=OKABE_ITO["black"], lw=1.4, label="transit (schematic)")
    for edge in (-half, half):
        ax.axvline(edge, color=_GREY, lw=0.8, ls=":")
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) + 0.1)
    ax.set_xlim(-reach, reach)
    ax.set_xlabel(f"time from mid-transit (hours; duration D = {d_h:.2f} h, dotted: ±D/2)")
    ax.set_title("Which cadences count as in and out of transit", pad=24)
    ax.grid(False)
    ax.legend(loc="lower center", fontsize=7.5, ncols=3, bbox_to_anchor=(0.5, 1.0), frameon=False)
    return ax
