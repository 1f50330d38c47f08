"""Which cadences count: the TESS quality bitmask and the cadence-count thresholds both pixel checks use."""

from __future__ import annotations

import numpy as np

from ..data.validate import clip

__all__ = ["DEFAULT_QUALITY_BITMASK", "WARN_IN_TRANSIT_CADENCES", "WARN_OUT_TRANSIT_CADENCES",
           "resolve_quality_bitmask", "REFERENCE_CADENCE_S", "TESS_CADENCES_S", "cadence_seconds", "cadences_for"]


#: lightkurve's ``TessQualityFlags.DEFAULT_BITMASK`` (hard-coded: importing lightkurve is slow).
DEFAULT_QUALITY_BITMASK = 17087


_NAMED_BITMASKS = {"none": 0, "default": DEFAULT_QUALITY_BITMASK, "hard": 24319, "hardest": 65535}


#: Cadence counts below which confidence is reduced (design note §4.3).
WARN_IN_TRANSIT_CADENCES = 10


WARN_OUT_TRANSIT_CADENCES = 50

#: The cadence every count threshold is stated in (SPOC 2-minute data): a threshold of N cadences also means N × 2
#: minutes of data, so 20-second data need 6 N cadences (full-frame images still N: :func:`cadences_for`).
REFERENCE_CADENCE_S = 120.0


#: TESS cadences, s: 20-second and 2-minute target pixels; 200-, 600- and 1800-second full-frame images.
TESS_CADENCES_S = (20.0, 120.0, 200.0, 600.0, 1800.0)


def cadence_seconds(time_btjd: np.ndarray) -> float:
    """The TESS cadence of a time series, s: the median spacing of the finite times (BTJD days) when it is within
    5 % of one of :data:`TESS_CADENCES_S`; else (irregular or synthetic sampling, < 2 times)
    :data:`REFERENCE_CADENCE_S`, so count thresholds stay counts there."""
    t = np.asarray(time_btjd, dtype=np.float64)
    t = t[np.isfinite(t)]
    dt = np.diff(t)
    if np.any(dt < 0):  # times out of order (rare): sort them first
        dt = np.diff(np.sort(t))
    dt = dt[dt > 0]
    if not dt.size:
        return REFERENCE_CADENCE_S
    median = float(np.median(dt)) * 86400.0
    for cadence in TESS_CADENCES_S:
        if abs(median / cadence - 1.0) <= 0.05:
            return cadence
    return REFERENCE_CADENCE_S


def cadences_for(n_reference: int, cadence_s: float) -> int:
    """A count threshold stated in 2-minute cadences, for data of ``cadence_s`` seconds: the stricter of the count
    itself and the same duration (N × 2 minutes) of data.

    Faster data need as much time as 2-minute data (``cadences_for(5, 20) == 30``: 5 cadences of 20 s would be
    100 s of data); slower data still need the count, for the medians and clipping that use the cadences
    (``cadences_for(5, 1800) == 5``). 0 stays 0 (no threshold).
    """
    if n_reference <= 0 or not np.isfinite(cadence_s) or cadence_s <= 0:
        return int(max(n_reference, 0))
    return max(int(n_reference), int(np.ceil(n_reference * REFERENCE_CADENCE_S / cadence_s - 1e-9)))


def resolve_quality_bitmask(value: int | str) -> int:
    """Turn ``"none"|"default"|"hard"|"hardest"`` or a non-negative int into a bitmask int."""
    if isinstance(value, str):
        key = value.lower()
        if key not in _NAMED_BITMASKS:
            raise ValueError(f"quality_bitmask: expected one of {sorted(_NAMED_BITMASKS)} or an int, got {clip(value)}")
        return _NAMED_BITMASKS[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise TypeError(f"quality_bitmask: expected a non-negative int or a name, got {clip(value)}")
    return int(value)
