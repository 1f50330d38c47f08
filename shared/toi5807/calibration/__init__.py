"""Calibration of both pixel checks on the digital twin (SIMULATION): null false-alarm rates and injection–recovery.

:mod:`null` (transit-free twins), :mod:`injection` (eclipses injected on point sources), :mod:`tables`
(reading the cached JSON, small experiments), :mod:`localization` and :mod:`run` (the commands).
Order: ... vetting → twin → calibration → plots ...; may import every layer up to the twin — never plots or above.
"""

from .injection import (
    INJECTION_SCHEMA_VERSION,
    InjectionRecovery,
    inject_point_eclipse,
    injection_recovery,
)
from .null import (
    MethodCalibration,
    NullCalibration,
    clopper_pearson,
    default_switch_decision,
    null_calibration,
)
from .run import run_calibration
from .tables import (
    CALIBRATION_SCHEMA_VERSIONS,
    INJECTION_FILE,
    LOCALIZATION_FILE,
    NULL_FILE,
    calibration_summary,
    estimator_outlier_demo,
    load_calibration,
    significance_methods_table,
)

__all__ = [
    "InjectionRecovery", "inject_point_eclipse", "injection_recovery", "MethodCalibration", "NullCalibration",
    "clopper_pearson", "default_switch_decision", "null_calibration", "run_calibration", "calibration_summary",
    "estimator_outlier_demo", "load_calibration", "significance_methods_table", "NULL_FILE", "INJECTION_FILE", "LOCALIZATION_FILE",
    "INJECTION_SCHEMA_VERSION", "CALIBRATION_SCHEMA_VERSIONS",
]
