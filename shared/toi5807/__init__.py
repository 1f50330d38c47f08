"""toi5807 — helper package of the TOI-5807.01 pixel-vetting tutorial.

Import as ``import toi5807 as sh``. Importing prints nothing and touches no
network; lightkurve and astropy are imported only when first needed.
"""

from __future__ import annotations

import os as _os
from pathlib import Path as _Path

# Offline astropy for the tutorial (no IERS downloads), unless the user chose a config dir.
_os.environ.setdefault("ASTROPY_CONFIG_DIR", str(_Path(__file__).resolve().parent / "astropy_config"))

from .target import *  # noqa: E402,F403
from .datamodel import Dataset, LightCurve, TPFStamp, from_lightkurve_lc, from_lightkurve_tpf  # noqa: E402
from .lightcurve import (  # noqa: E402
    Candidate,
    DepthEstimate,
    Ephemeris,
    StitchedLightCurve,
    estimate_depth_ppm,
    estimate_planet_radius_earth,
    make_candidate,
    phase,
    stitch_pdcsap,
    time_from_midtransit,
    transit_masks,
)

__version__ = "0.1.0"
from .fitsio import read_lc_csv, read_lc_fits, read_tpf_fits  # noqa: E402
from .cache import CacheWarning, cache_root  # noqa: E402
from .sources import (  # noqa: E402
    ArchiveUnreachableError,
    available_sources,
    load_dataset,
    load_local_dir,
    register_source,
)
from .report import dumps as json_dumps, json_safe, print_json, round_sig  # noqa: E402
from .centroid import (  # noqa: E402
    DEFAULT_QUALITY_BITMASK,
    CentroidImages,
    CentroidResult,
    CentroidShiftConfig,
    TransitParams,
    cadence_confidence,
    compute_centroid_shift,
    compute_centroid_shift_with_images,
    detect_saturation,
    flux_weighted_centroids,
    transit_window_masks,
)
from .v08 import V08_METRIC_KEYS, CheckResult, run_v08, v08_verdict  # noqa: E402
from .synthetic import make_synthetic_stamp  # noqa: E402
from .twin import GENERATOR_VERSION, SCENARIOS, TWIN_DEPTH_PPM, SimulatedSector, simulate_sector, spec_hash  # noqa: E402
from .twin_fits import write_twin_fits  # noqa: E402

# tutorial helpers: repository paths, plots, notebook-facing summaries
from .paths import artifact_dirs, repo_relative, repo_root  # noqa: E402
from .plotting import plot_centroid_shift, plot_phase_folded, plot_v08_summary, save_figure  # noqa: E402
from .tutorial import (  # noqa: E402
    candidate_report,
    latest_v08_sector,
    plot_v08_overview,
    plot_v08_sector,
    run_v08_by_sector,
    save_plot,
    setup_notebook,
    stitched_summary,
    target_pixel,
    tpf_inventory,
    v08_interpretation,
    v08_sector_summary,
)

# beyond the per-sector check: per-transit and sky-combined offsets, source position, calibration
from .centroid_significance import p_from_log_p, sigma_from_log_p  # noqa: E402
from .offsets import V08OffsetAnalysis, analyze_v08_offsets  # noqa: E402
from .per_transit import PerTransitShifts, per_transit_shifts  # noqa: E402
from .sky import CombinedOffset, SkyVector, combine_offsets, sky_jacobian, vector_to_sky  # noqa: E402
from .source_position import (  # noqa: E402
    SourceOffset,
    StampDepth,
    exclusion_radius_arcsec,
    source_offset,
    stamp_depth,
)
from .twin_truth import (  # noqa: E402
    compare_with_truth,
    twin_neighbour_offsets,
    twin_true_offsets,
    twin_true_pixel,
)
from .calibration import (  # noqa: E402
    calibration_summary,
    estimator_outlier_demo,
    inject_point_eclipse,
    injection_recovery,
    load_calibration,
    null_calibration,
    significance_methods_table,
)
from .plots_offsets import (  # noqa: E402
    plot_null_calibration,
    plot_per_transit_vectors,
    plot_sector_per_transit,
    plot_sensitivity_curve,
    plot_sky_offsets,
)
