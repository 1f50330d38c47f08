"""Which cadences count: the TESS quality bitmask and the cadence-count thresholds both pixel checks use."""

from __future__ import annotations

import numpy as np

from ..data.validate import clip

__all__ = ["DEFAULT_QUALITY_BITMASK", "WARN_IN_TRANSIT_CADENCES", "WARN_OUT_TRANSIT_CADENCES",
           "resolve_quality_bitmask"]


#: lightkurve's ``TessQualityFlags.DEFAULT_BITMASK`` (hard-coded: importing lightkurve is slow).
DEFAULT_QUALITY_BITMASK = 17087


_NAMED_BITMASKS = {"none": 0, "default": DEFAULT_QUALITY_BITMASK, "hard": 24319, "hardest": 65535}


#: Cadence counts below which confidence is reduced (design note §4.3).
WARN_IN_TRANSIT_CADENCES = 10


WARN_OUT_TRANSIT_CADENCES = 50


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
