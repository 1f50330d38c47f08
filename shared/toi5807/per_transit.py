"""Per-transit centroid shifts: does the light move the same way at every transit?

V08 (:mod:`toi5807.centroid`) compares all in-transit cadences of a sector
with all out-of-transit ones. :func:`per_transit_shifts` instead measures the
shift of every transit epoch against a *local* out-of-transit baseline
(optionally detrended for slow pointing drift) and combines the epochs
(:func:`toi5807.sky.combine_offsets`, in pixels — one sector has one roll):
a real blend shifts the same way at every transit, so its mean is significant
and the epochs agree (small consistency χ²), while pointing jitter does not
(Bryson et al. 2013, arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).
Significances use the V08 convention ``sigma = sqrt(-2 ln p)``
(:func:`toi5807.centroid_significance.sigma_from_log_p`).

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import centroid_significance as _sig
from .centroid import (
    CentroidShiftConfig,
    _coerce_params,
    _quality_ok,
    _validate_cube,
    _validate_time,
    flux_weighted_centroids,
)
from .report import json_safe
from .sky import CombinedOffset, combine_offsets

__all__ = [
    "EpochShift",
    "PerTransitShifts",
    "per_transit_shifts",
]


@dataclass(frozen=True)
class EpochShift:
    """Centroid shift of one transit epoch against its local out-of-transit baseline.

    Attributes
    ----------
    epoch : int
        Transit number from the ephemeris T0.
    mid_time_btjd : float
        Predicted mid-transit, BTJD.
    n_in, n_baseline : int
        Cadences in the in-transit window and in the local baseline.
    shift_vector_pixels : (float, float)
        (dx, dy) = in − baseline, pixels (NaN when not usable).
    shift_covariance_pixels : 2×2 tuple
        pixels², from the per-cadence scatter of both groups.
    significance_sigma : float
        ``sqrt(χ²)`` of the shift against zero (2 dof).
    usable : bool
    flag : str or None
        ``too_few_in_transit`` or ``too_few_baseline`` when not usable.
    """

    epoch: int
    mid_time_btjd: float
    n_in: int
    n_baseline: int
    shift_vector_pixels: tuple[float, float] = (math.nan, math.nan)
    shift_covariance_pixels: tuple[tuple[float, float], tuple[float, float]] = (
        (math.nan, math.nan), (math.nan, math.nan))
    significance_sigma: float = math.nan
    usable: bool = False
    flag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)


@dataclass(frozen=True)
class PerTransitShifts:
    """Per-epoch shifts of one sector and the tests across epochs.

    Attributes
    ----------
    epochs : tuple of EpochShift
    combined : CombinedOffset
        Weighted mean of the usable epoch vectors (pixels): its χ² against zero
        and the consistency χ² of the epochs about it (dof = 2(n − 1)).
    baseline_durations : float
        The local baseline reaches |Δt| ≤ ``baseline_durations``·D.
    detrend : str
    """

    epochs: tuple[EpochShift, ...]
    combined: CombinedOffset
    baseline_durations: float
    detrend: str

    @property
    def n_usable(self) -> int:
        """Number of usable epochs."""
        return sum(e.usable for e in self.epochs)

    def summary(self) -> dict[str, Any]:
        """Compact numbers: per-epoch shift (milli-pixels) and σ, weighted mean, its σ, consistency p."""
        c = self.combined
        return json_safe({
            "epochs": {str(e.epoch): {"shift_mpx": [1e3 * v for v in e.shift_vector_pixels],
                                      "sigma": e.significance_sigma} if e.usable else {"flag": e.flag}
                       for e in self.epochs},
            "mean_shift_mpx": [1e3 * v for v in c.mean], "mean_sigma": c.significance_sigma,
            "consistency_chi2": c.consistency_chi2, "consistency_dof": c.consistency_dof,
            "consistency_p_value": c.consistency_p_value,
        }, sig=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({"epochs": [e.to_dict() for e in self.epochs], "combined": self.combined.to_dict(),
                          "baseline_durations": self.baseline_durations, "detrend": self.detrend,
                          "n_usable": self.n_usable}, sig=None)


def _detrend_linear(c: np.ndarray, dt: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Subtract a straight line in Δt fitted (least squares) to the baseline cadences."""
    a = np.vstack([np.ones(base.sum()), dt[base]]).T
    coef, *_ = np.linalg.lstsq(a, c[base], rcond=None)
    return c - (coef[0] + coef[1] * dt)


def per_transit_shifts(
    flux: Any,
    time: Any,
    transit_params: Any,
    *,
    quality: Any = None,
    config: CentroidShiftConfig | None = None,
    baseline_durations: float = 3.0,
    detrend: str = "linear",
) -> PerTransitShifts:
    """Shift vector of every transit epoch against a local out-of-transit baseline.

    Per epoch (mid-time ``T0 + n·P``) with Δt the time from that mid-time and
    D the duration: in-transit cadences ``|Δt| ≤ k_in·D/2`` (as V08), local
    baseline ``D/2 + k_buffer·D < |Δt| ≤ baseline_durations·D``. With
    ``detrend="linear"`` a straight line in Δt fitted to the baseline is
    removed from both groups (slow pointing drift); each group is MAD-clipped
    and located with ``config.centroid_method``; the covariance is the sum of
    the groups' covariances from per-cadence scatter
    (:func:`toi5807.centroid_significance.analytic_covariance`). Epochs with
    fewer than ``config.min_in_transit_cadences`` (at least 3) in-transit or
    ``config.min_out_transit_cadences`` (at least 3) baseline cadences are
    returned with ``usable=False`` and a flag.

    The epoch vectors are then combined (:func:`combine_offsets`, pixels —
    valid because one sector has one roll): a blend shifts the same way at
    every transit (consistency χ² small, mean significant), jitter does not
    (Bryson et al. 2013, arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).

    Parameters
    ----------
    flux : array_like, shape (n_time, n_rows, n_cols)
        Pixel fluxes, e-/s.
    time : array_like, shape (n_time,)
        BTJD, days.
    transit_params : TransitParams or Candidate
    quality : array_like of int, optional
        SPOC quality flags (``config.quality_bitmask`` applies).
    config : CentroidShiftConfig, optional
    baseline_durations : float
        Outer edge of the local baseline, in transit durations (> D/2 + k_buffer·D).
    detrend : {"linear", "none"}

    Returns
    -------
    PerTransitShifts
    """
    cfg = config if config is not None else CentroidShiftConfig()
    if not isinstance(cfg, CentroidShiftConfig):
        raise TypeError(f"config: expected CentroidShiftConfig or None, got {type(cfg).__name__}")
    if detrend not in ("linear", "none"):
        raise ValueError(f"detrend: expected 'linear' or 'none', got {detrend!r}")
    tp = _coerce_params(transit_params)
    cube = _validate_cube(flux)
    t = _validate_time(time, cube.shape[0])
    d = tp.duration_days
    h_in, h_buf = cfg.k_in * d / 2.0, d / 2.0 + cfg.k_buffer * d
    if isinstance(baseline_durations, bool) or not isinstance(baseline_durations, (int, float)):
        raise TypeError(f"baseline_durations: expected a number, got {type(baseline_durations).__name__}")
    if not baseline_durations * d > h_buf:
        raise ValueError(f"baseline_durations: expected > {h_buf / d:g} durations (the buffer edge), "
                         f"got {baseline_durations}")
    ok = _quality_ok(quality, t.size, cfg.quality_bitmask) & np.isfinite(t)
    with np.errstate(invalid="ignore"):
        epoch_f = np.round((t - tp.t0) / tp.period)
        dt = t - (tp.t0 + epoch_f * tp.period)
    near = ok & (np.abs(dt) <= baseline_durations * d)
    idx = np.flatnonzero(near)
    cx, cy = flux_weighted_centroids(cube[idx])
    good = np.isfinite(cx) & np.isfinite(cy)
    idx, cx, cy = idx[good], cx[good], cy[good]
    ep, dts = epoch_f[idx].astype(np.int64), dt[idx]
    min_in = max(cfg.min_in_transit_cadences, 3)
    min_out = max(cfg.min_out_transit_cadences, 3)
    epochs: list[EpochShift] = []
    order = np.argsort(ep, kind="stable")
    uniq, starts = np.unique(ep[order], return_index=True)
    for e, sl in zip(uniq, np.split(order, starts[1:])):
        x, y, tt = cx[sl], cy[sl], dts[sl]
        ins = np.abs(tt) <= h_in
        base = np.abs(tt) > h_buf
        mid = float(tp.t0 + e * tp.period)
        n_in, n_b = int(ins.sum()), int(base.sum())
        if n_in < min_in or n_b < min_out:
            epochs.append(EpochShift(epoch=int(e), mid_time_btjd=mid, n_in=n_in, n_baseline=n_b,
                                     flag="too_few_in_transit" if n_in < min_in else "too_few_baseline"))
            continue
        if detrend == "linear":
            x, y = _detrend_linear(x, tt, base), _detrend_linear(y, tt, base)
        loc, covs = [], []
        for grp in (ins, base):
            gx, gy = x[grp], y[grp]
            if cfg.centroid_method != "mean":
                keep = _sig.mad_clip(gx, gy, cfg.outlier_sigma)
                gx, gy = gx[keep], gy[keep]
            loc.append([float(_sig.location_estimate(gx, cfg.centroid_method)),
                        float(_sig.location_estimate(gy, cfg.centroid_method))])
            covs.append(_sig.analytic_covariance(gx, gy, cfg.centroid_method))
        vec = np.subtract(loc[0], loc[1])
        cov = covs[0] + covs[1]
        _, sig, _ = _sig.chi2_2dof_significance(vec, cov)
        epochs.append(EpochShift(epoch=int(e), mid_time_btjd=mid, n_in=n_in, n_baseline=n_b,
                                 shift_vector_pixels=(float(vec[0]), float(vec[1])),
                                 shift_covariance_pixels=((float(cov[0, 0]), float(cov[0, 1])),
                                                          (float(cov[1, 0]), float(cov[1, 1]))),
                                 significance_sigma=float(sig), usable=True))
    use = [e for e in epochs if e.usable]
    combined = combine_offsets([e.shift_vector_pixels for e in use], [e.shift_covariance_pixels for e in use],
                               [f"epoch {e.epoch}" for e in use])
    return PerTransitShifts(epochs=tuple(epochs), combined=combined, baseline_durations=float(baseline_durations),
                            detrend=detrend)
