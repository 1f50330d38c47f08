"""toi5807 — helper package of the TOI-5807.01 pixel-vetting tutorial.

Import as ``import toi5807 as sh``. Importing prints nothing, touches no network and leaves astropy's
configuration alone (the package's own astropy calls run inside :func:`offline_astropy`); lightkurve and
matplotlib are imported only when first needed.

Layers, lowest first (a module imports only from its own layer or below)::

    target, report, data → lightcurve → pixels → centroid | diffimage → aperture → vetting → twin → calibration
    → plots → tutorial → command line

Where things live: the centroid shift (V08) in :mod:`toi5807.centroid`, the difference images in
:mod:`toi5807.diffimage`, the aperture dependence (V10) in :mod:`toi5807.aperture`, the PASS/WARN/FAIL
verdict that combines them in :mod:`toi5807.vetting`.
This module re-exports what the notebooks and README teach (``__all__``, grouped by layer); everything else is
reachable from its subpackage (e.g. ``toi5807.centroid.per_transit_shifts``).
"""

# isort: skip_file
# (the imports follow the layers, lowest first; an import sorter must not reorder them)

from __future__ import annotations

#: Package version (the one place it is written: pyproject.toml reads it from here).
__version__ = "0.1.0"

# --- the target's facts (the tutorial's defaults) and JSON output -----------------------------
from .target import (  # noqa: E402
    SECTORS,
    STELLAR,
    STELLAR_RADIUS_RSUN,
    TIC_ID,
    TOI_LABEL,
    context,
    print_context,
)
from .report import Note, print_json  # noqa: E402

# --- data: datasets, files, lightkurve objects ------------------------------------------------
from .data import (  # noqa: E402
    Catalogue,
    Dataset,
    LightCurve,
    TPFStamp,
    artifact_dirs,
    from_lightkurve_lc,
    from_lightkurve_tpf,
    load_dataset,
    read_tpf_fits,
)
from .data.offline import offline_astropy  # noqa: E402

# --- lightcurve: ephemeris, stitching, depth --------------------------------------------------
from .lightcurve import (  # noqa: E402
    Candidate,
    Ephemeris,
    estimate_depth_ppm,
    estimate_planet_radius_earth,
    make_candidate,
    stitch_pdcsap,
)

# --- the two pixel checks and the verdict -----------------------------------------------------
from .pixels import inject_eclipsing_source, stamp_noise  # noqa: E402
from .centroid import (  # noqa: E402
    CentroidShiftConfig,
    CheckResult,
    analyze_v08_offsets,
    empty_epoch_null,
    run_v08,
)
from .aperture import run_v10  # noqa: E402
from .vetting import PixelVetResult, vet_pixels  # noqa: E402

# --- twin: the simulated TOI-5807 (SIMULATION) ------------------------------------------------
from .twin import load_spec, simulate_sector, twin_catalogue, twin_neighbour_offsets  # noqa: E402

# --- calibration studies ----------------------------------------------------------------------
from .calibration.own_pixels import calibrate_own_pixels  # noqa: E402
from .calibration import (  # noqa: E402
    estimator_outlier_demo,
    load_calibration,
    significance_methods_table,
)

# --- plots: one entry point per figure family -------------------------------------------------
from .plots import (  # noqa: E402
    plot_centroid_shift,
    plot_diffimages,
    plot_null_calibration,
    plot_per_transit,
    plot_phase_folded,
    plot_pointing,
    plot_sensitivity_curve,
    plot_sky_offsets,
    plot_transit_windows,
    plot_v08_summary,
)

# --- tutorial: what the notebooks call --------------------------------------------------------
from .tutorial import (  # noqa: E402
    eb_signature_table,
    empty_epoch_table,
    estimator_demo_table,
    exclusion_radius_note,
    hosts_table,
    latest_stamp,
    localization_calibration_table,
    localization_injection_table,
    methods_table,
    no_pixels_note,
    null_calibration_table,
    offsets_summary_table,
    offsets_table,
    per_transit_table,
    run_v08_by_sector,
    save_plot,
    self_calibration_table,
    setup_notebook,
    stitched_summary,
    table,
    twin_catalogue_table,
    twin_geometry_table,
    twin_realism_table,
    v08_interpretation,
    v08_sector_summary,
    v08_table,
    vet_table,
)

__all__ = [
    "__version__",
    # target facts, JSON
    "SECTORS", "STELLAR", "STELLAR_RADIUS_RSUN", "TIC_ID", "TOI_LABEL", "context", "print_context", "Note",
    "print_json",
    # data
    "Catalogue", "Dataset", "LightCurve", "TPFStamp", "artifact_dirs", "from_lightkurve_lc", "from_lightkurve_tpf",
    "load_dataset", "read_tpf_fits", "offline_astropy",
    # lightcurve
    "Candidate", "Ephemeris", "estimate_depth_ppm", "estimate_planet_radius_earth", "make_candidate", "stitch_pdcsap",
    # the pixel checks and the verdict
    "inject_eclipsing_source", "stamp_noise", "CentroidShiftConfig", "CheckResult", "analyze_v08_offsets", "empty_epoch_null", "run_v08",
    "run_v10", "PixelVetResult", "vet_pixels",
    # twin (SIMULATION)
    "load_spec", "simulate_sector", "twin_catalogue", "twin_neighbour_offsets",
    # calibration studies
    "calibrate_own_pixels", "estimator_outlier_demo", "load_calibration", "significance_methods_table",
    # plots
    "plot_centroid_shift", "plot_diffimages", "plot_null_calibration", "plot_per_transit", "plot_phase_folded",
    "plot_pointing", "plot_sensitivity_curve", "plot_sky_offsets", "plot_transit_windows", "plot_v08_summary",
    # tutorial
    "eb_signature_table", "empty_epoch_table", "estimator_demo_table", "exclusion_radius_note", "hosts_table", "latest_stamp",
    "localization_calibration_table", "localization_injection_table", "methods_table", "no_pixels_note",
    "null_calibration_table", "offsets_summary_table", "offsets_table", "per_transit_table", "run_v08_by_sector",
    "save_plot", "self_calibration_table", "setup_notebook", "stitched_summary", "table", "twin_catalogue_table", "twin_geometry_table",
    "twin_realism_table", "v08_interpretation", "v08_sector_summary", "v08_table", "vet_table",
]
