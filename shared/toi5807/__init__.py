"""toi5807 — helper package of the TOI-5807.01 pixel-vetting tutorial.

Import as ``import toi5807 as sh``. Importing prints nothing and touches no
network; lightkurve and matplotlib are imported only when first needed.

Layers, lowest first (a module imports only from its own layer or below)::

    target, report, data  →  lightcurve  →  twin  →  v08  →  plots  →  tutorial  →  command line

This module only re-exports the public names, grouped by those layers.
"""

from __future__ import annotations

import os as _os
from pathlib import Path as _Path

# Offline astropy for the tutorial (no IERS downloads), unless the user chose a config dir.
_os.environ.setdefault("ASTROPY_CONFIG_DIR", str(_Path(__file__).resolve().parent / "astropy_config"))

__version__ = "0.1.0"

# --- target facts and JSON output --------------------------------------------------------------
from .target import *  # noqa: E402,F403
from .report import dumps as json_dumps, json_safe, print_json, round_sig  # noqa: E402

# --- data: model, readers, cache, paths, geometry, sources --------------------------------------
from .data import (  # noqa: E402
    ArchiveUnreachableError,
    CacheWarning,
    Dataset,
    LightCurve,
    SkyVector,
    TPFStamp,
    artifact_dirs,
    available_sources,
    cache_root,
    from_lightkurve_lc,
    from_lightkurve_tpf,
    load_dataset,
    load_local_dir,
    read_lc_csv,
    read_lc_fits,
    read_tpf_fits,
    register_source,
    repo_relative,
    repo_root,
    sky_jacobian,
    target_pixel,
    vector_to_sky,
)

# --- lightcurve: ephemeris, windows, stitching, depth -------------------------------------------
from .lightcurve import (  # noqa: E402
    Candidate,
    DepthEstimate,
    Ephemeris,
    StitchedLightCurve,
    TransitParams,
    estimate_depth_ppm,
    estimate_planet_radius_earth,
    make_candidate,
    phase,
    stitch_pdcsap,
    time_from_midtransit,
    transit_masks,
    transit_window_masks,
)

# --- twin: the simulated TOI-5807 (SIMULATION) ---------------------------------------------------
from .twin import (  # noqa: E402
    GENERATOR_VERSION,
    SCENARIOS,
    TWIN_DEPTH_PPM,
    SimulatedSector,
    make_synthetic_stamp,
    simulate_sector,
    spec_hash,
    twin_neighbour_offsets,
    twin_true_offsets,
    twin_true_pixel,
    write_twin_fits,
)

# --- v08: the centroid-shift check and what builds on it ----------------------------------------
from .v08 import (  # noqa: E402
    DEFAULT_QUALITY_BITMASK,
    V08_METRIC_KEYS,
    CentroidImages,
    CentroidResult,
    CentroidShiftConfig,
    CheckResult,
    CombinedOffset,
    PerTransitShifts,
    SourceOffset,
    StampDepth,
    V08OffsetAnalysis,
    analyze_v08_offsets,
    cadence_confidence,
    combine_offsets,
    compare_with_truth,
    compute_centroid_shift,
    compute_centroid_shift_with_images,
    detect_saturation,
    exclusion_radius_arcsec,
    flux_weighted_centroids,
    p_from_log_p,
    per_transit_shifts,
    run_v08,
    sigma_from_log_p,
    source_offset,
    stamp_depth,
    v08_verdict,
)
from .v08.calibration import (  # noqa: E402
    calibration_summary,
    estimator_outlier_demo,
    inject_point_eclipse,
    injection_recovery,
    load_calibration,
    null_calibration,
    significance_methods_table,
)

# --- plots -------------------------------------------------------------------------------------
from .plots import (  # noqa: E402
    plot_centroid_shift,
    plot_null_calibration,
    plot_per_transit_vectors,
    plot_phase_folded,
    plot_sector_per_transit,
    plot_sensitivity_curve,
    plot_sky_offsets,
    plot_v08_summary,
    save_figure,
)

# --- tutorial: what the notebooks call ----------------------------------------------------------
from .tutorial import (  # noqa: E402
    candidate_report,
    latest_v08_sector,
    plot_v08_overview,
    plot_v08_sector,
    run_v08_by_sector,
    save_plot,
    setup_notebook,
    stitched_summary,
    tpf_inventory,
    v08_interpretation,
    v08_sector_summary,
)
