"""The knobs of the V08 check: thresholds, estimator and significance method, windows, quality bitmask.

Defaults follow the V08 design note (§5) and window policy v1; the default
significance method is ``empirical`` (see :mod:`toi5807.v08.calibration`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report import json_safe
from .location import LOCATION_METHODS
from .significance import SIGNIFICANCE_METHODS

__all__ = [
    "DEFAULT_QUALITY_BITMASK",
    "WARN_IN_TRANSIT_CADENCES",
    "WARN_OUT_TRANSIT_CADENCES",
    "FAKE_MIN_COVERAGE",
    "CentroidShiftConfig",
    "resolve_quality_bitmask",
]


#: lightkurve's ``TessQualityFlags.DEFAULT_BITMASK`` (hard-coded: importing lightkurve is slow).
DEFAULT_QUALITY_BITMASK = 17087


_NAMED_BITMASKS = {"none": 0, "default": DEFAULT_QUALITY_BITMASK, "hard": 24319, "hardest": 65535}


#: Cadence counts below which confidence is reduced (design note §4.3).
WARN_IN_TRANSIT_CADENCES = 10


WARN_OUT_TRANSIT_CADENCES = 50


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    return value


#: Empirical significance: a fake ephemeris counts only if its in-window holds at least this fraction of the
#: real in-transit cadence count. Fakes that fall into data gaps or miss an epoch average fewer cadences and
#: fewer independent pointing states than the real window, inflate the null spread and make the method
#: conservative (0/800 false alarms at 3 sigma on the twin without this cut).
FAKE_MIN_COVERAGE = 0.8


def resolve_quality_bitmask(value: int | str) -> int:
    """Turn ``"none"|"default"|"hard"|"hardest"`` or a non-negative int into a bitmask int."""
    if isinstance(value, str):
        key = value.lower()
        if key not in _NAMED_BITMASKS:
            raise ValueError(f"quality_bitmask: expected one of {sorted(_NAMED_BITMASKS)} or an int, got {value!r}")
        return _NAMED_BITMASKS[key]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise TypeError(f"quality_bitmask: expected a non-negative int or a name, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class CentroidShiftConfig:
    """Knobs of the V08 check (defaults: design note §5 and window policy v1).

    Parameters
    ----------
    fail_shift_pixels, fail_sigma : float
        FAIL when shift ≥ ``fail_shift_pixels`` (pixels) **and** σ ≥ ``fail_sigma``.
    warn_shift_pixels, warn_sigma : float
        WARN when shift ≥ ``warn_shift_pixels`` **or** σ ≥ ``warn_sigma``.
    centroid_method : {"median", "mean", "huber"}
        Aggregation of per-cadence centroids; ``mean`` is legacy v1 (pooled frame, no clipping).
    significance_method : {"bootstrap", "analytic", "permutation", "empirical"}
    n_bootstrap : int
        Resamples (bootstrap) or relabellings (permutation).
    min_in_transit_cadences, min_out_transit_cadences : int
        Below these counts no significance is computed and confidence drops (§4.3).
    pixel_scale_arcsec : float
        Arcsec per pixel (TESS: 21.0).
    saturation_threshold : float
        Pixel flux (e-/s) above which saturation is suspected (§4.4).
    outlier_sigma : float
        MAD clip of per-cadence centroids, robust σ (``inf`` disables).
    k_in, k_buffer : float
        In-transit |Δt| ≤ k_in·D/2; out-of-transit |Δt| > D/2 + k_buffer·D.
    quality_bitmask : int or str
        Cadences with ``quality & bitmask != 0`` are dropped; names as lightkurve.
    seed : int
        Seed of every random draw.
    """

    fail_shift_pixels: float = 1.0
    fail_sigma: float = 5.0
    warn_shift_pixels: float = 0.5
    warn_sigma: float = 3.0
    centroid_method: str = "median"
    significance_method: str = "empirical"
    n_bootstrap: int = 1000
    min_in_transit_cadences: int = 5
    min_out_transit_cadences: int = 20
    pixel_scale_arcsec: float = 21.0
    saturation_threshold: float = 150000.0
    outlier_sigma: float = 3.0
    k_in: float = 1.0
    k_buffer: float = 0.5
    quality_bitmask: int | str = DEFAULT_QUALITY_BITMASK
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("fail_shift_pixels", "fail_sigma", "warn_shift_pixels", "warn_sigma", "k_buffer"):
            if _real(name, getattr(self, name)) < 0:
                raise ValueError(f"{name}: expected >= 0, got {getattr(self, name)}")
        for name in ("pixel_scale_arcsec", "saturation_threshold", "k_in"):
            if _real(name, getattr(self, name)) <= 0:
                raise ValueError(f"{name}: expected > 0, got {getattr(self, name)}")
        if isinstance(self.outlier_sigma, bool) or not isinstance(self.outlier_sigma, (int, float)):
            raise TypeError(f"outlier_sigma: expected a number, got {type(self.outlier_sigma).__name__}")
        if not self.outlier_sigma > 0:
            raise ValueError(f"outlier_sigma: expected > 0 (inf disables clipping), got {self.outlier_sigma}")
        if self.centroid_method not in LOCATION_METHODS:
            raise ValueError(f"centroid_method: expected one of {LOCATION_METHODS}, got {self.centroid_method!r}")
        if self.significance_method not in SIGNIFICANCE_METHODS:
            raise ValueError(
                f"significance_method: expected one of {SIGNIFICANCE_METHODS}, got {self.significance_method!r}"
            )
        for name, low in (("n_bootstrap", 2), ("min_in_transit_cadences", 0), ("min_out_transit_cadences", 0), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
            if value < low:
                raise ValueError(f"{name}: expected >= {low}, got {value}")
        resolve_quality_bitmask(self.quality_bitmask)

    @classmethod
    def legacy(cls, **kwargs: Any) -> "CentroidShiftConfig":
        """v1 behaviour (design note §8.4): pooled-mean centroid, analytic σ, no minimum counts."""
        base = dict(centroid_method="mean", significance_method="analytic", min_in_transit_cadences=0,
                    min_out_transit_cadences=0)
        base.update(kwargs)
        return cls(**base)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping of every knob."""
        return _json_safe(dataclasses.asdict(self))


def _json_safe(value: Any) -> Any:
    """JSON-safe Python at full precision: NaN/inf → None, tuples/arrays → lists."""
    return json_safe(value, sig=None)
