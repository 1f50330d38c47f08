"""Tutorial layer: what the notebooks call — set-up, summaries, saved figures, readings — and the runner.

The top layer of the library: may import every layer below it (target, report, data, lightcurve, twin,
v08, plots). Only the command line (:mod:`toi5807.__main__`) sits above it.
"""

from .figures import V08_STEP_ID, plot_v08_overview, plot_v08_sector
from .interpretation import shift_position_angle_deg, v08_interpretation
from .notebook import save_plot, setup_notebook
from .summaries import (
    candidate_report,
    latest_v08_sector,
    run_v08_by_sector,
    stitched_summary,
    tpf_inventory,
    v08_sector_summary,
)

__all__ = [
    "V08_STEP_ID", "plot_v08_overview", "plot_v08_sector", "shift_position_angle_deg", "v08_interpretation",
    "save_plot", "setup_notebook", "candidate_report", "latest_v08_sector", "run_v08_by_sector",
    "stitched_summary", "tpf_inventory", "v08_sector_summary",
]
