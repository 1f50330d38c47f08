"""V10, aperture dependence: which star's light fits the transit depth seen in many apertures at once.

Aperture masks and their per-cadence sums (:mod:`masks`), the reference tool's measurement (:mod:`reference`),
depths at the transits and at fake epochs (:mod:`depths`), each star's share of each aperture and the host fit
(:mod:`hosts`), the check and its verdict (:mod:`check`). Order: ... centroid | diffimage → aperture → vetting;
may import target, report, data, lightcurve, pixels and diffimage (its star search) — never vetting or above.
"""

from .analysis import image_catalogue
from .check import ApertureResult, V10_METRIC_KEYS, run_v10, v10_record, v10_verdict

__all__ = ["ApertureResult", "V10_METRIC_KEYS", "image_catalogue", "run_v10", "v10_record", "v10_verdict"]
