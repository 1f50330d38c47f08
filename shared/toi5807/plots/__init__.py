"""Plots: one module per figure family, one style (Okabe–Ito palette) for all of them.

Every public plot function takes ``ax=`` (or draws a new figure) and returns what it drew; only
:func:`save_figure` writes files. May import target, report, data, lightcurve, twin and v08 — never tutorial.
matplotlib is imported inside the functions, so ``import toi5807`` stays light.
"""

from .calibration import plot_null_calibration, plot_sensitivity_curve
from .diffimage import plot_diffimage, plot_diffimages
from .lightcurve import plot_phase_folded
from .offsets import plot_per_transit_vectors, plot_sector_per_transit, plot_sky_offsets
from .save import figure_png_bytes, save_figure
from .stamp import choose_magnification, plot_centroid_shift
from .style import OKABE_ITO, STYLE, apply_style, style_context
from .summary import plot_v08_summary

__all__ = [
    "plot_null_calibration", "plot_sensitivity_curve", "plot_phase_folded", "plot_per_transit_vectors",
    "plot_sector_per_transit", "plot_sky_offsets", "figure_png_bytes", "save_figure", "choose_magnification",
    "plot_centroid_shift", "OKABE_ITO", "STYLE", "apply_style", "style_context", "plot_v08_summary",
    "plot_diffimage", "plot_diffimages",
]
