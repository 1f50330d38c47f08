"""Light-curve layer: ephemerides and candidates, transit windows, stitching and the transit depth.

May import only :mod:`toi5807.target`, :mod:`toi5807.report` and :mod:`toi5807.data`. The one definition of
the transit windows used by every step lives in :mod:`toi5807.lightcurve.windows`.
Order: target, report, data → lightcurve → pixels → centroid | diffimage → vetting → twin → calibration → plots → tutorial.
"""

from .ephemeris import (
    MAX_DUTY_CYCLE,
    MIN_DURATION_HOURS,
    Candidate,
    Ephemeris,
    TransitParams,
    check_ephemeris,
    coerce_transit_params,
)
from .fake_epochs import FakeEpochs, autocorrelation_independent, fake_epochs, independent_count
from .stitch import (
    DepthEstimate,
    StitchedLightCurve,
    estimate_depth_ppm,
    estimate_planet_radius_earth,
    make_candidate,
    stitch_pdcsap,
)
from .resolve import EphemerisRequired, is_toi5807, resolve_ephemeris, star_identity
from .star import StellarParameters, stellar_parameters
from .windows import (
    LocalWindows,
    local_windows,
    no_transit_hint,
    phase,
    time_from_midtransit,
    transit_masks,
    transit_window_masks,
)

__all__ = [
    "MAX_DUTY_CYCLE", "MIN_DURATION_HOURS", "Candidate", "Ephemeris", "TransitParams", "check_ephemeris", "coerce_transit_params", "DepthEstimate",
    "StitchedLightCurve", "estimate_depth_ppm", "estimate_planet_radius_earth", "make_candidate", "stitch_pdcsap",
    "phase", "time_from_midtransit", "transit_masks", "transit_window_masks", "LocalWindows", "local_windows",
    "no_transit_hint", "EphemerisRequired", "is_toi5807", "resolve_ephemeris", "star_identity",
    "StellarParameters", "stellar_parameters", "FakeEpochs", "fake_epochs", "independent_count",
    "autocorrelation_independent",
]
