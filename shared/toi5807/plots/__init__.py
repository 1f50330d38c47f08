"""Plots: one module per figure family, one style (Okabe–Ito palette) for all of them.

One entry point per figure family. Single-panel plots take ``ax=`` and return that Axes; multi-panel plots
take ``fig=`` (an empty Figure) or ``ax=`` (whose place they fill) and return the Figure. Pixel figures return a
:class:`~toi5807.report.Note` instead when there are no pixels. Figures of simulated data say "SIMULATED";
nothing here writes a file except :func:`save_figure`.
Order: ... twin → calibration → plots → tutorial; may import every layer below — never tutorial; matplotlib lazily.
"""

from ..report import register_plot
from ..centroid import CheckResult, SectorOffsets, V08OffsetAnalysis
from ..calibration import InjectionRecovery, NullCalibration
from ..calibration.own_results import OwnPixelCalibration
from ..vetting.vet import PixelVetResult
from ..aperture import ApertureResult
from .aperture import plot_aperture_dependence
from .calibration import plot_null_calibration, plot_sensitivity_curve
from .diffimage import plot_diffimage, plot_diffimages
from .lightcurve import plot_phase_folded
from .notes import no_pixels_note
from .own_calibration import plot_own_calibration
from .offsets import (
    plot_per_transit_vectors,
    plot_per_transit,
    plot_sector_offsets,
    plot_sky_offsets,
)
from .save import REGENERATE_ENV, figure_png_bytes, regenerating, save_figure, write_png
from .stamp import choose_magnification, plot_centroid_shift
from .style import (
    OKABE_ITO,
    SIMULATED_MARK,
    STYLE,
    apply_style,
    mark_simulated,
    style_context,
)
from .summary import plot_v08_summary
from .summary_page import plot_vet_summary_page
from .twin import plot_pointing
from .windows import plot_transit_windows

# ``result.plot()`` of the v08 results (the v08 layer may not import this one; it keeps a registry instead)
register_plot(CheckResult, plot_centroid_shift)
register_plot(SectorOffsets, plot_sector_offsets)
register_plot(V08OffsetAnalysis, plot_sky_offsets)
register_plot(NullCalibration, plot_null_calibration)
register_plot(InjectionRecovery, plot_sensitivity_curve)
register_plot(PixelVetResult, plot_diffimages)
register_plot(OwnPixelCalibration, plot_own_calibration)
register_plot(ApertureResult, plot_aperture_dependence)

#: Every public plot function (each takes ``ax=`` or ``fig=``, returns its Axes or Figure, writes nothing).
PLOT_FUNCTIONS = (
    plot_centroid_shift, plot_null_calibration, plot_per_transit_vectors, plot_phase_folded, plot_sector_offsets,
    plot_per_transit, plot_sensitivity_curve, plot_sky_offsets, plot_transit_windows, plot_v08_summary,
    plot_diffimage, plot_diffimages, plot_pointing, plot_own_calibration, plot_vet_summary_page,
    plot_aperture_dependence,
)

__all__ = [
    "plot_aperture_dependence",
    "plot_null_calibration", "plot_sensitivity_curve", "plot_phase_folded", "plot_per_transit_vectors",
    "plot_sector_offsets", "plot_per_transit", "no_pixels_note", "plot_sky_offsets", "plot_transit_windows",
    "REGENERATE_ENV", "figure_png_bytes", "regenerating", "save_figure", "write_png", "choose_magnification",
    "plot_centroid_shift", "OKABE_ITO", "SIMULATED_MARK", "STYLE", "apply_style", "mark_simulated",
    "style_context", "plot_v08_summary", "PLOT_FUNCTIONS", "plot_diffimage", "plot_diffimages", "plot_pointing",
    "plot_own_calibration", "plot_vet_summary_page",
]
