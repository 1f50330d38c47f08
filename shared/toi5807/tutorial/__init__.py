"""Tutorial layer: what the notebooks call — set-up, summaries, tables, figures, readings — and the runner.

The top layer of the library: may import every layer below it; only the command line sits above it.
Order: target, report, data → lightcurve → pixels → centroid | diffimage → vetting → twin → calibration → plots → tutorial → command line.
"""

from .calibration import (
    empty_epoch_table,
    estimator_demo_table,
    localization_calibration_table,
    localization_injection_table,
    methods_table,
    null_calibration_table,
)
from .display import MISSING, Note, Table, table
from .interpretation import shift_position_angle_deg, v08_interpretation
from .notebook import save_plot, setup_notebook
from .pixels import (
    exclusion_radius_note,
    hosts_table,
    latest_stamp,
    no_pixels_note,
    offsets_summary_table,
    offsets_table,
    per_transit_table,
    self_calibration_table,
    v08_table,
    vet_table,
)
from .reference import ReferenceV09, reference_v09, reference_v09_table
from .verdict import calibration_floor_note, pixel_checks_table, v10_summary
from .summaries import (
    candidate_report,
    latest_v08_sector,
    run_v08_by_sector,
    stitched_summary,
    tpf_inventory,
    v08_sector_summary,
)
from .twin import (
    eb_signature_table,
    twin_catalogue_table,
    twin_geometry_table,
    twin_realism_table,
)

__all__ = [
    "localization_calibration_table", "localization_injection_table", "null_calibration_table",
    "estimator_demo_table", "methods_table", "empty_epoch_table",
    "MISSING", "Note", "Table", "table", "shift_position_angle_deg", "v08_interpretation", "save_plot",
    "setup_notebook", "latest_stamp", "no_pixels_note", "offsets_summary_table", "offsets_table",
    "per_transit_table", "self_calibration_table", "vet_table", "hosts_table", "exclusion_radius_note", "v08_table", "candidate_report", "latest_v08_sector", "run_v08_by_sector",
    "stitched_summary", "tpf_inventory", "v08_sector_summary", "twin_catalogue_table", "twin_geometry_table",
    "twin_realism_table", "eb_signature_table", "ReferenceV09", "reference_v09", "reference_v09_table",
    "pixel_checks_table", "v10_summary", "calibration_floor_note",
]
