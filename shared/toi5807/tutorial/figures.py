"""Step-11 figures from a dataset and its V08 results; a clear sentence instead when there are no pixels.

Each returns what it drew (an Axes or a Figure) and writes nothing: keep a figure with
:func:`toi5807.tutorial.notebook.save_plot`. Without target pixel files each returns the
:class:`~toi5807.tutorial.display.Note` of :func:`~toi5807.tutorial.pixels.no_pixels_note` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.geometry import target_pixel
from .display import Note
from .pixels import no_pixels_note
from .summaries import latest_v08_sector

__all__ = ["V08_STEP_ID", "plot_v08_sector", "plot_v08_overview", "plot_v08_per_transit", "plot_v08_sky",
           "plot_difference_images"]


#: Step id (folder name of its plots) of the V08 notebook.
V08_STEP_ID = "11_v08_centroid_shift"


def plot_v08_sector(ds: Any, results: Mapping[int, Any], sector: int | None = None, *, ax=None) -> Any:
    """One sector's V08 centroid shift on its stamp (:func:`toi5807.plots.plot_centroid_shift`).

    Parameters
    ----------
    ds : Dataset
        Supplies the stamp's WCS for the target position.
    results : mapping sector -> CheckResult
        From :func:`~toi5807.tutorial.summaries.run_v08_by_sector`.
    sector : int, optional
        Default: :func:`~toi5807.tutorial.summaries.latest_v08_sector`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes or Note
        The Note when no sector has a V08 result (e.g. no target pixel files).
    """
    from ..plots import plot_centroid_shift

    note = no_pixels_note(results)
    if note:
        return note
    sector = latest_v08_sector(results) if sector is None else int(sector)
    return plot_centroid_shift(results[sector], ax=ax, target_xy=target_pixel(ds.tpf_by_sector.get(sector)))


def plot_v08_overview(results: Mapping[int, Any], *, fig=None) -> Any:
    """The per-sector V08 summary (:func:`toi5807.plots.plot_v08_summary`), or the Note without results.

    Returns
    -------
    matplotlib.figure.Figure or Note
    """
    from ..plots import plot_v08_summary

    return no_pixels_note(results) or plot_v08_summary(results, fig=fig)


def plot_v08_per_transit(ds: Any, analysis: Any, sector: int | None = None, *, truth_xy: Any = None,
                         ax=None) -> Any:
    """Per-transit shift vectors of one sector (default: the latest) on its stamp, or the Note.

    Returns
    -------
    matplotlib.axes.Axes or Note
    """
    from ..plots import plot_sector_per_transit

    note = no_pixels_note(analysis)
    if note:
        return note
    analysed = [s.sector for s in analysis.sectors]
    sector = max(analysed) if sector is None else int(sector)
    if sector not in analysed:
        return Note(f"sector {sector} has no target pixel file: V08 needs it (analysed: {analysed})")
    return plot_sector_per_transit(ds, analysis, sector, truth_xy=truth_xy, ax=ax)


def plot_v08_sky(analysis: Any, *, neighbours_arcsec: Any = None, truth_arcsec: Any = None, fig=None) -> Any:
    """Both sky panels of a V08 offset analysis (:func:`toi5807.plots.plot_sky_offsets`), or the Note.

    Returns
    -------
    matplotlib.figure.Figure or Note
    """
    from ..plots import plot_sky_offsets

    return no_pixels_note(analysis) or plot_sky_offsets(analysis, neighbours_arcsec=neighbours_arcsec,
                                                        truth_arcsec=truth_arcsec, fig=fig)


def plot_difference_images(vet: Any, *, fig=None) -> Any:
    """Every sector's difference image of a :func:`toi5807.vet_pixels` result on the sky
    (:func:`toi5807.plots.plot_diffimages`), or the Note when no sector has a target pixel file.

    Returns
    -------
    matplotlib.figure.Figure or Note
    """
    from ..plots import plot_diffimages

    return no_pixels_note(vet) or plot_diffimages(vet, fig=fig)
