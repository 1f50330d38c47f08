"""One look for every figure: the tutorial style and the colour-blind-safe Okabe–Ito palette.

:data:`STYLE` and the Okabe–Ito palette (:data:`OKABE_ITO`; Okabe & Ito 2008)
are applied to every plot function of :mod:`toi5807.plots` through
:func:`_styled`. matplotlib is imported inside the functions, so
``import toi5807`` stays light.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

__all__ = ["OKABE_ITO", "VERDICT_COLOURS", "STYLE", "SAVE_DPI", "SIMULATED_MARK", "apply_style", "style_context",
           "mark_simulated"]


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
        if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
            raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
        return ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _new_figure(fig, figsize: tuple[float, float], ax=None):
    """Where a multi-panel plot draws: ``fig`` (an empty Figure or SubFigure), the place of ``ax`` (the Axes is
    replaced by a SubFigure of the same extent, so a multi-panel figure can fill one cell of a user's grid), or a
    fresh constrained-layout figure."""
    if ax is not None:
        if fig is not None:
            raise TypeError("give ax= or fig=, not both")
        if not hasattr(ax, "get_subplotspec") or ax.get_subplotspec() is None:
            raise TypeError(f"ax: expected a matplotlib Axes of a subplot grid, got {type(ax).__name__}")
        parent, spec = ax.figure, ax.get_subplotspec()
        ax.remove()
        return parent.add_subfigure(spec)
    if fig is None:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, layout="constrained")
    if not hasattr(fig, "add_subplot") or not hasattr(fig, "axes"):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    if fig.axes:
        raise ValueError(f"fig: expected an empty Figure to draw the panels in, it already holds {len(fig.axes)} axes")
    return fig


#: Text of the mark every figure made from simulated data carries.
SIMULATED_MARK = "SIMULATED"


def mark_simulated(target, simulated: bool = True, *, at: tuple[float, float] = (0.5, 0.5), fontsize: float = 26,
                   panels: bool = True):
    """Put a visible "SIMULATED" mark on an Axes (diagonal watermark) or a Figure (each axes, plus a corner label).

    Does nothing when ``simulated`` is false; returns ``target``. The marks have ``gid="simulated-mark"``.
    ``at`` (axes fraction) and ``fontsize`` place and size the watermark, e.g. in an empty corner of a busy
    panel; ``panels=False`` gives a Figure only its corner label (its panels were marked already).
    """
    if not simulated:
        return target
    axes = getattr(target, "axes", None)
    if hasattr(target, "add_subplot"):  # a Figure
        engine = target.get_layout_engine() if hasattr(target, "get_layout_engine") else None
        if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
            engine.set(rect=(0.0, 0.035, 1.0, 0.965))  # a strip below the panels for the label, never over them
        target.text(0.995, 0.005, f"{SIMULATED_MARK} DATA (digital twin)", ha="right", va="bottom", fontsize=8,
                    fontweight="bold", color=OKABE_ITO["vermillion"], gid="simulated-mark")
        axes = [a for a in target.axes if a.get_label() != "<colorbar>"] if panels else []
    else:
        axes = [target]
    for ax in axes:
        ax.text(*at, SIMULATED_MARK, transform=ax.transAxes, ha="center", va="center", rotation=28,
                fontsize=fontsize, fontweight="bold", color=OKABE_ITO["vermillion"], alpha=0.3, zorder=10,
                gid="simulated-mark", clip_on=True)
    return target


def _is_simulated(*objects) -> bool:
    """True when any object says it is simulated (``.simulated`` or a mapping's ``"simulated"``)."""
    for obj in objects:
        flag = obj.get("simulated", False) if isinstance(obj, dict) else getattr(obj, "simulated", False)
        if flag:
            return True
    return False


_SECTOR_COLOURS = ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "yellow")


def _colour(i: int) -> str:
    return OKABE_ITO[_SECTOR_COLOURS[i % len(_SECTOR_COLOURS)]]
