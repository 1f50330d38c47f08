"""The knobs of the V08 check: thresholds, estimator and significance method, windows, quality bitmask.

Defaults follow the V08 design note (§5) and window policy v1; the default
significance method is ``empirical`` (see :mod:`toi5807.calibration`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.validate import check_int, check_real, clip
from ..report import json_safe
from ..pixels.location import LOCATION_METHODS
from ..pixels.quality import (
    DEFAULT_QUALITY_BITMASK,
    WARN_IN_TRANSIT_CADENCES,
    WARN_OUT_TRANSIT_CADENCES,
    cadence_seconds,
    cadences_for,
    resolve_quality_bitmask,
)
from .significance import SIGNIFICANCE_METHODS

__all__ = [
    "DEFAULT_QUALITY_BITMASK",
    "WARN_IN_TRANSIT_CADENCES",
    "WARN_OUT_TRANSIT_CADENCES",
    "FAKE_MIN_COVERAGE",
    "MAX_RESAMPLES",
    "CentroidShiftConfig",
    "resolve_quality_bitmask",
]


#: Most bootstrap resamples / permutations a configuration may ask for (memory and time grow with it;
#: 10,000 already resolve p-values of 1e-4).
MAX_RESAMPLES = 100_000


#: Empirical significance: a fake ephemeris counts only if its in-window holds at least this fraction of the
#: real in-transit cadence count. Fakes that fall into data gaps or miss an epoch average fewer cadences and
#: fewer independent pointing states than the real window, inflate the null spread and make the method
#: conservative (0/800 false alarms at 3 sigma on the twin without this cut).
FAKE_MIN_COVERAGE = 0.8


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
        Resamples (bootstrap) or relabellings (permutation), 2 … 100,000.
    min_in_transit_cadences, min_out_transit_cadences : int
        Below these counts no significance is computed and confidence drops (§4.3).
    pixel_scale_arcsec : float or None
        Arcsec per pixel. None (default): taken from the stamp's WCS where the shift is measured
        (:mod:`toi5807.pixels.scale`); a positive number overrides the WCS.
    saturation_threshold : float
        Pixel flux (e-/s) above which saturation is suspected (§4.4).
    outlier_sigma : float
        MAD clip of per-cadence centroids, robust σ (``inf`` disables).
    k_in, k_buffer : float
        In-transit |Δt| ≤ k_in·D/2; out-of-transit |Δt| > D/2 + k_buffer·D. The windows may not
        overlap: k_in ≤ 1 + 2·k_buffer.
    quality_bitmask : int or str
        Cadences with ``quality & bitmask != 0`` are dropped; names as lightkurve.
    seed : int
        Seed of every random draw (Python or numpy int).

    Thresholds: FAIL ones may not be below the WARN ones. Every value is checked on construction
    (``TypeError``/``ValueError`` naming the knob, the value and what was expected).
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
    pixel_scale_arcsec: float | None = None
    saturation_threshold: float = 150000.0
    outlier_sigma: float = 3.0
    k_in: float = 1.0
    k_buffer: float = 0.5
    quality_bitmask: int | str = DEFAULT_QUALITY_BITMASK
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("fail_shift_pixels", "fail_sigma", "warn_shift_pixels", "warn_sigma", "k_buffer"):
            check_real(getattr(self, name), name, 0.0)
        for name in ("saturation_threshold", "k_in"):
            check_real(getattr(self, name), name, 0.0, low_open=True)
        if self.pixel_scale_arcsec is not None:  # None: from the stamp's WCS
            check_real(self.pixel_scale_arcsec, "pixel_scale_arcsec", 0.0, low_open=True)
        check_real(self.outlier_sigma, "outlier_sigma", 0.0, low_open=True, allow_inf=True)
        for fail, warn in (("fail_shift_pixels", "warn_shift_pixels"), ("fail_sigma", "warn_sigma")):
            if getattr(self, fail) < getattr(self, warn):
                raise ValueError(f"{fail}: {getattr(self, fail)} is below {warn}={getattr(self, warn)}; "
                                 "expected the FAIL threshold >= the WARN threshold")
        if self.k_in > 1.0 + 2.0 * self.k_buffer:
            raise ValueError(f"k_in: {self.k_in} makes the in-transit window (|dt| <= k_in*D/2) overlap the "
                             f"out-of-transit one (|dt| > D/2 + k_buffer*D); expected k_in <= 1 + 2*k_buffer = "
                             f"{1.0 + 2.0 * self.k_buffer:g}")
        if self.centroid_method not in LOCATION_METHODS:
            raise ValueError(f"centroid_method: expected one of {LOCATION_METHODS}, got {clip(self.centroid_method)}")
        if self.significance_method not in SIGNIFICANCE_METHODS:
            raise ValueError(
                f"significance_method: expected one of {SIGNIFICANCE_METHODS}, got {clip(self.significance_method)}"
            )
        for name, low, high in (("n_bootstrap", 2, MAX_RESAMPLES), ("min_in_transit_cadences", 0, None),
                                ("min_out_transit_cadences", 0, None), ("seed", 0, 2**63 - 1)):
            object.__setattr__(self, name, check_int(getattr(self, name), name, low, high))  # numpy ints → int
        resolve_quality_bitmask(self.quality_bitmask)

    def min_counts(self, cadence_s: float) -> tuple[int, int]:
        """(in-transit, out-of-transit) minimum cadence counts for data of ``cadence_s`` seconds: the 2-minute
        counts as the same durations (:func:`~toi5807.pixels.quality.cadences_for`)."""
        return (cadences_for(self.min_in_transit_cadences, cadence_s),
                cadences_for(self.min_out_transit_cadences, cadence_s))

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
