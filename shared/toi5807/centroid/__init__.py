"""The centroid-shift check (V08): does the flux-weighted centroid move in transit, and how significant is it?

One sector: per-cadence centroids (:mod:`toi5807.pixels.series`) → windows → :mod:`shift` (location and
:mod:`significance`) → verdict (:mod:`check`); beyond it :mod:`per_transit`, :mod:`offsets`, :mod:`source_offset`.
Order: ... lightcurve → pixels → centroid | diffimage → vetting ...; may import target, report, data, lightcurve
and pixels — never diffimage, vetting, twin or above.
"""

from .check import V08_METRIC_KEYS, CheckResult, run_v08, v08_verdict
from .config import CentroidShiftConfig
from .empty_epochs import EmptyEpochNull, empty_epoch_null
from .offsets import SectorOffsets, V08OffsetAnalysis, analyze_sector, analyze_v08_offsets, compare_with_truth
from .per_transit import EpochShift, PerTransitShifts, per_transit_shifts
from .shift import CentroidImages, CentroidResult, compute_centroid_shift, compute_centroid_shift_with_images
from .source_offset import SourceOffset, StampDepth, exclusion_radius_arcsec, source_offset, stamp_depth

__all__ = [
    "V08_METRIC_KEYS", "CheckResult", "run_v08", "v08_verdict", "CentroidShiftConfig", "EmptyEpochNull",
    "empty_epoch_null", "SectorOffsets",
    "V08OffsetAnalysis", "analyze_sector", "analyze_v08_offsets", "compare_with_truth", "EpochShift",
    "PerTransitShifts", "per_transit_shifts", "CentroidImages", "CentroidResult", "compute_centroid_shift",
    "compute_centroid_shift_with_images", "SourceOffset", "StampDepth", "exclusion_radius_arcsec", "source_offset",
    "stamp_depth",
]
