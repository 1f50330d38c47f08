"""toi5807 — helper package of the TOI-5807.01 pixel-vetting tutorial.

Import as ``import toi5807 as sh``. Importing prints nothing, touches no
network and leaves astropy's configuration alone (the package's own astropy
calls run inside :func:`offline_astropy`); lightkurve and matplotlib are
imported only when first needed.

Layers, lowest first (a module imports only from its own layer or below)::

    target, report, data → lightcurve → pixels → centroid | diffimage → vetting → twin → calibration
    → plots → tutorial → command line

This module only re-exports the public names, grouped by those layers.
"""

# isort: skip_file
# (the imports follow the layers, lowest first; an import sorter must not reorder them)

from __future__ import annotations

#: Package version (the one place it is written: pyproject.toml reads it from here).
__version__ = "0.1.0"

# --- target facts and JSON output -------------------------------------------------------------
from .target import (  # noqa: E402
    DEC_DEG,
    DURATION_HOURS,
    PERIOD_DAYS,
    RA_DEG,
    SECTORS,
    STELLAR,
    STELLAR_LOGG_CGS,
    STELLAR_MASS_MSUN,
    STELLAR_RADIUS_RSUN,
    STELLAR_TEFF_K,
    T0_BTJD,
    TIC_ID,
    TOI_LABEL,
    context,
    print_context,
)
from .report import (  # noqa: E402
    dumps as json_dumps,
    json_safe,
    print_json,
    round_sig,
)

# --- data: model, readers, validation, cache, paths, geometry, catalogue, sources -------------
from .data import (  # noqa: E402
    ArchiveUnreachableError,
    CacheWarning,
    Catalogue,
    Dataset,
    LightCurve,
    SkyVector,
    Star,
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
    wcs_orientation,
)
from .data.offline import (  # noqa: E402
    offline_astropy,
)

# --- lightcurve: ephemeris, windows, stitching, depth -----------------------------------------
from .lightcurve import (  # noqa: E402
    Candidate,
    DepthEstimate,
    Ephemeris,
    StitchedLightCurve,
    TransitParams,
    coerce_transit_params,
    estimate_depth_ppm,
    estimate_planet_radius_earth,
    local_windows,
    make_candidate,
    phase,
    stitch_pdcsap,
    time_from_midtransit,
    transit_masks,
    transit_window_masks,
)

# --- twin: the simulated TOI-5807 (SIMULATION) ------------------------------------------------
from .twin import (  # noqa: E402
    GENERATOR_VERSION,
    SCENARIOS,
    SimulatedSector,
    TWIN_DEPTH_PPM,
    load_spec,
    make_synthetic_stamp,
    simulate_sector,
    spec_hash,
    twin_catalogue,
    twin_neighbour_offsets,
    twin_true_offsets,
    twin_true_pixel,
    write_twin_fits,
)

# --- v08: the centroid-shift check, where the dip comes from, and the calibration studies -----
from .centroid import CentroidImages, CentroidResult, CentroidShiftConfig, CheckResult, EpochShift, PerTransitShifts, SectorOffsets, SourceOffset, StampDepth, V08OffsetAnalysis, V08_METRIC_KEYS, analyze_v08_offsets, compare_with_truth, compute_centroid_shift, compute_centroid_shift_with_images, exclusion_radius_arcsec, per_transit_shifts, run_v08, source_offset, stamp_depth, v08_verdict
from .pixels import CombinedOffset, DEFAULT_QUALITY_BITMASK, StampNoise, cadence_confidence, combine_offsets, compare_stamp_noise, detect_saturation, flux_weighted_centroids, p_from_log_p, sigma_from_log_p, stamp_noise
from .vetting import PixelVetResult, vet_pixels
from .calibration import (  # noqa: E402
    calibration_summary,
    estimator_outlier_demo,
    inject_point_eclipse,
    injection_recovery,
    load_calibration,
    null_calibration,
    significance_methods_table,
)

# --- plots ------------------------------------------------------------------------------------
from .plots import (  # noqa: E402
    plot_centroid_shift,
    plot_diffimage,
    plot_diffimages,
    plot_null_calibration,
    plot_per_transit_vectors,
    plot_phase_folded,
    plot_pointing,
    plot_sector_offsets,
    plot_sector_per_transit,
    plot_sensitivity_curve,
    plot_sky_offsets,
    plot_transit_windows,
    plot_v08_summary,
    save_figure,
)

# --- tutorial: what the notebooks call --------------------------------------------------------
from .tutorial import (  # noqa: E402
    Note,
    Table,
    candidate_report,
    latest_stamp,
    latest_v08_sector,
    no_pixels_note,
    offsets_summary_table,
    offsets_table,
    per_transit_table,
    vet_table,
    exclusion_radius_note,
    hosts_table,
    plot_v08_overview,
    plot_v08_per_transit,
    plot_v08_sector,
    plot_v08_sky,
    plot_difference_images,
    run_v08_by_sector,
    save_plot,
    setup_notebook,
    stitched_summary,
    table,
    tpf_inventory,
    twin_catalogue_table,
    twin_geometry_table,
    twin_realism_table,
    eb_signature_table,
    localization_calibration_table,
    estimator_demo_table,
    methods_table,
    localization_injection_table,
    null_calibration_table,
    v08_interpretation,
    v08_sector_summary,
    v08_table,
)

__all__ = [
    "__version__", "DEC_DEG", "DURATION_HOURS", "PERIOD_DAYS", "RA_DEG", "SECTORS", "STELLAR", "STELLAR_LOGG_CGS",
    "STELLAR_MASS_MSUN", "STELLAR_RADIUS_RSUN", "STELLAR_TEFF_K", "T0_BTJD", "TIC_ID", "TOI_LABEL", "context",
    "print_context", "json_dumps", "json_safe", "print_json", "round_sig", "ArchiveUnreachableError",
    "CacheWarning", "Catalogue", "Dataset", "LightCurve", "SkyVector", "Star", "TPFStamp", "artifact_dirs",
    "available_sources", "cache_root", "from_lightkurve_lc", "from_lightkurve_tpf", "load_dataset",
    "load_local_dir", "read_lc_csv", "read_lc_fits", "read_tpf_fits", "register_source", "repo_relative",
    "repo_root", "sky_jacobian", "target_pixel", "vector_to_sky", "wcs_orientation", "offline_astropy", "Candidate", "DepthEstimate",
    "Ephemeris", "StitchedLightCurve", "TransitParams", "coerce_transit_params", "estimate_depth_ppm",
    "estimate_planet_radius_earth", "local_windows", "make_candidate", "phase", "stitch_pdcsap",
    "time_from_midtransit", "transit_masks", "transit_window_masks", "GENERATOR_VERSION", "SCENARIOS",
    "SimulatedSector", "TWIN_DEPTH_PPM", "load_spec", "make_synthetic_stamp", "simulate_sector", "spec_hash", "twin_catalogue",
    "twin_neighbour_offsets", "twin_true_offsets", "twin_true_pixel", "write_twin_fits", "CentroidImages",
    "CentroidResult", "CentroidShiftConfig", "CheckResult", "CombinedOffset", "DEFAULT_QUALITY_BITMASK",
    "EpochShift", "PerTransitShifts", "PixelVetResult", "SectorOffsets", "SourceOffset", "StampDepth", "StampNoise",
    "V08OffsetAnalysis", "V08_METRIC_KEYS", "analyze_v08_offsets", "cadence_confidence", "combine_offsets",
    "compare_stamp_noise", "compare_with_truth", "compute_centroid_shift", "compute_centroid_shift_with_images",
    "detect_saturation", "exclusion_radius_arcsec", "flux_weighted_centroids", "p_from_log_p", "per_transit_shifts",
    "run_v08", "sigma_from_log_p", "source_offset", "stamp_depth", "stamp_noise", "v08_verdict", "vet_pixels",
    "calibration_summary", "estimator_outlier_demo", "inject_point_eclipse", "injection_recovery",
    "load_calibration", "null_calibration", "significance_methods_table", "plot_centroid_shift", "plot_diffimage",
    "plot_diffimages", "plot_null_calibration", "plot_per_transit_vectors", "plot_phase_folded", "plot_pointing",
    "plot_sector_offsets", "plot_sector_per_transit", "plot_sensitivity_curve", "plot_sky_offsets",
    "plot_transit_windows", "plot_v08_summary", "save_figure", "Note", "Table", "candidate_report", "latest_stamp",
    "latest_v08_sector", "no_pixels_note", "offsets_summary_table", "offsets_table", "per_transit_table", "vet_table", "hosts_table", "exclusion_radius_note",
    "plot_v08_overview", "plot_v08_per_transit", "plot_v08_sector", "plot_v08_sky", "plot_difference_images", "run_v08_by_sector",
    "save_plot", "setup_notebook", "stitched_summary", "table", "tpf_inventory", "twin_catalogue_table", "twin_geometry_table", "twin_realism_table", "eb_signature_table", "localization_calibration_table", "estimator_demo_table", "methods_table",
    "localization_injection_table", "null_calibration_table", "v08_interpretation",
    "v08_sector_summary", "v08_table",
]
