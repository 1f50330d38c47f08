"""V08, the centroid-shift check, and what builds on it: per-transit shifts, sky combination, source offset.

Pipeline of one sector: :mod:`series` (per-cadence centroids) → windows (:mod:`toi5807.lightcurve`) →
:mod:`location` → :mod:`significance` → :mod:`shift` → verdict (:mod:`check`). Beyond it: :mod:`per_transit`,
:mod:`combine`, :mod:`source_offset`, :mod:`offsets`, difference-image localization (:mod:`diffimage` →
:mod:`prf_fit` → :mod:`localize` → :mod:`joint` → :mod:`vet`) and the :mod:`calibration` studies on the twin.
May import target, report, data, lightcurve and twin — never plots or tutorial.
"""

from .check import V08_METRIC_KEYS, CheckResult, run_v08, v08_verdict
from .combine import CombinedOffset, combine_offsets
from .config import (
    DEFAULT_QUALITY_BITMASK,
    CentroidShiftConfig,
    resolve_quality_bitmask,
)
from .joint import CombinedLocalization, combine_localizations
from .localize import SectorLocalization, localize_sector
from .offsets import (
    SectorOffsets,
    V08OffsetAnalysis,
    analyze_sector,
    analyze_v08_offsets,
    compare_with_truth,
)
from .per_transit import EpochShift, PerTransitShifts, per_transit_shifts
from .pvalues import p_from_log_p, sigma_from_log_p
from .series import cadence_confidence, detect_saturation, flux_weighted_centroids
from .shift import (
    CentroidImages,
    CentroidResult,
    compute_centroid_shift,
    compute_centroid_shift_with_images,
)
from .source_offset import (
    SourceOffset,
    StampDepth,
    exclusion_radius_arcsec,
    source_offset,
    stamp_depth,
)
from .stamp_noise import StampNoise, compare_stamp_noise, stamp_noise
from .stars import catalogue_from_image
from .vet import PixelVetResult, localization_verdict, vet_pixels

__all__ = [
    "StampNoise", "compare_stamp_noise", "stamp_noise",
    "V08_METRIC_KEYS", "CheckResult", "run_v08", "v08_verdict", "CombinedOffset", "combine_offsets",
    "DEFAULT_QUALITY_BITMASK", "CentroidShiftConfig", "resolve_quality_bitmask", "SectorOffsets",
    "V08OffsetAnalysis", "analyze_sector", "analyze_v08_offsets", "compare_with_truth", "EpochShift",
    "PerTransitShifts", "per_transit_shifts", "p_from_log_p", "sigma_from_log_p", "cadence_confidence",
    "detect_saturation", "flux_weighted_centroids", "CentroidImages", "CentroidResult", "compute_centroid_shift",
    "compute_centroid_shift_with_images", "SourceOffset", "StampDepth", "exclusion_radius_arcsec",
    "source_offset", "stamp_depth", "CombinedLocalization", "SectorLocalization", "combine_localizations",
    "localize_sector", "catalogue_from_image", "PixelVetResult", "localization_verdict", "vet_pixels",
]
