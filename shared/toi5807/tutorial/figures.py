"""Step-11 figures made, saved and reported in one call (the notebooks print where they went).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.geometry import target_pixel
from .notebook import save_plot
from .summaries import latest_v08_sector

__all__ = ["V08_STEP_ID", "plot_v08_sector", "plot_v08_overview"]


#: Step id (folder name of its plots) of the V08 notebook.
V08_STEP_ID = "11_v08_centroid_shift"


def plot_v08_sector(ds: Any, results: Mapping[int, Any], sector: int | None = None, *,
                    step_id: str = V08_STEP_ID, name: str = "V08_centroid_shift.png") -> dict[str, Any]:
    """Plot one sector's V08 centroid shift on its stamp, save it, and report where.

    Parameters
    ----------
    ds : Dataset
        Supplies the stamp's WCS for the target position.
    results : mapping sector -> CheckResult
        From :func:`run_v08_by_sector`.
    sector : int, optional
        Default: :func:`latest_v08_sector`.
    step_id, name : str
        Where the PNG goes (see :func:`save_plot`).

    Returns
    -------
    dict
        ``sector_plotted``, ``run_plot_path``, ``docs_plot_path`` (repo-relative).
        The figure stays open, for ``plt.show()``.
    """
    from ..plots import plot_centroid_shift

    sector = latest_v08_sector(results) if sector is None else int(sector)
    ax = plot_centroid_shift(results[sector], target_xy=target_pixel(ds.tpf_by_sector.get(sector)))
    return save_plot(ax.figure, step_id, name, sector_plotted=sector)


def plot_v08_overview(results: Mapping[int, Any], *, step_id: str = V08_STEP_ID,
                      name: str = "V08_summary.png") -> dict[str, Any]:
    """Plot the per-sector V08 summary (:func:`toi5807.plots.summary.plot_v08_summary`), save it, report where.

    Returns
    -------
    dict
        ``sectors_plotted``, ``run_plot_path``, ``docs_plot_path`` (repo-relative).
    """
    from ..plots import plot_v08_summary

    fig = plot_v08_summary(results)
    return save_plot(fig, step_id, name, sectors_plotted=sorted(int(s) for s in results))
