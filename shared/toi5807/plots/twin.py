"""The digital twin's own figure: its pointing history, part by part (SIMULATION).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .style import OKABE_ITO, _new_figure, _styled, mark_simulated

__all__ = ["plot_pointing"]

#: One colour per physical part, all distinct (Okabe–Ito; the white noise in grey under the rest).
_COMPONENT_COLOURS = {"white": "#BBBBBB", "correlated": OKABE_ITO["sky_blue"], "drift": OKABE_ITO["blue"],
                      "orbit offset": OKABE_ITO["reddish_purple"], "settling": OKABE_ITO["vermillion"],
                      "jumps": OKABE_ITO["orange"]}
_SPARE_COLOURS = (OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], "#555555")


def _drawn_parts(components: dict) -> dict:
    """The pointing parts that move the scene at all (a part that is zero throughout, e.g. no settling, is
    left out of the plot and its legend), each with its colour."""
    parts = {name: v for name, v in components.items() if np.any(np.nan_to_num(np.asarray(v, dtype=float)) != 0.0)}
    spare = iter(_SPARE_COLOURS * (1 + len(parts)))
    return {name: (v, _COMPONENT_COLOURS.get(name) or next(spare)) for name, v in parts.items()}


@_styled
def plot_pointing(sim: Any, *, fig: Any = None, ax: Any = None):
    """The pointing of one simulated sector: each physical part along columns and rows, and the PSF width.

    Parameters
    ----------
    sim : SimulatedSector
        From :func:`toi5807.twin.simulate_sector` (its ``pointing`` holds the parts).
    fig : matplotlib Figure, optional
        An empty figure to draw the three panels in (default: a new one).

    Returns
    -------
    matplotlib.figure.Figure
        Column and row offsets of each part (milli-pixels; parts that are zero throughout are left out) and
        the PSF width change (per cent) against time (BTJD); flagged cadences (downlinks, momentum dumps) are
        left out. Marked SIMULATED.
    """
    fig = _new_figure(fig, (10.0, 7.2), ax=ax)
    axes = fig.subplots(3, 1, sharex=True)
    good = np.asarray(sim.quality) == 0
    t = np.where(good, sim.time, np.nan)
    drawn = _drawn_parts(sim.pointing.components)
    for axis, ax in enumerate(axes[:2]):
        for name, (parts, colour) in drawn.items():
            y = 1e3 * np.where(good, parts[axis], np.nan)
            ax.plot(t, y, lw=0.6 if name == "white" else 1.4, color=colour,
                    label=name if axis == 0 else None, rasterized=name == "white")
        total = sim.pos_corr1 if axis == 0 else sim.pos_corr2
        ax.plot(t, 1e3 * np.where(good, total, np.nan), lw=0.8, color="black", alpha=0.7,
                label="sum (the scene's offset)" if axis == 0 else None)
        ax.set_ylabel(("column" if axis == 0 else "row") + " offset (mpx)")
    axes[0].legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, 1.32), fontsize=8, frameon=False)
    axes[2].plot(t, 100.0 * (np.where(good, sim.pointing.width_scale, np.nan) - 1.0), color=OKABE_ITO["bluish_green"])
    axes[2].set_ylabel("PSF width change (%)")
    axes[2].set_xlabel("time (BTJD)")
    fig.suptitle(f"Pointing of the twin's sector {sim.sector}: what moves the scene, part by part")
    return mark_simulated(fig, True)
