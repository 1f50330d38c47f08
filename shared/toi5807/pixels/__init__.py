"""What both pixel checks share: quality mask, per-cadence centroids, robust locations, p-values, the PRF.

Also the noise statistics of a stamp, pixel scales from the WCS, sky combination of offsets and the BLAS guard.
Order: target, report, data → lightcurve → pixels → centroid | diffimage → vetting → twin → calibration → plots
→ tutorial → command line. May import target, report, data and lightcurve only.
"""

from .blas import one_blas_thread
from .combine import CombinedOffset, combine_offsets
from .inject import inject_eclipsing_source
from .prf import PRFParams, flux_weighted_centroid, render_cube
from .pvalues import p_from_log_p, sigma_from_log_p
from .quality import DEFAULT_QUALITY_BITMASK, resolve_quality_bitmask
from .scale import NOMINAL_PIXEL_SCALE_ARCSEC, pixel_scale_at
from .series import cadence_confidence, detect_saturation, flux_weighted_centroids
from .stamp_noise import StampNoise, compare_stamp_noise, stamp_noise

__all__ = [
    "one_blas_thread", "CombinedOffset", "combine_offsets", "inject_eclipsing_source", "PRFParams", "flux_weighted_centroid", "render_cube",
    "p_from_log_p", "sigma_from_log_p", "DEFAULT_QUALITY_BITMASK", "resolve_quality_bitmask",
    "NOMINAL_PIXEL_SCALE_ARCSEC", "pixel_scale_at", "cadence_confidence", "detect_saturation",
    "flux_weighted_centroids", "StampNoise", "compare_stamp_noise", "stamp_noise",
]
