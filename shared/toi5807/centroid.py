"""V08 centroid-shift engine (array level).

Measures how far the flux-weighted centroid of a target-pixel stamp moves
between in-transit and out-of-transit cadences, and how significant that move
is. This is the "v2" check of the V08 design note: per-cadence centroids
computed in one vectorised pass over the cube, robust aggregation (median or a
Huber M-estimator, with a MAD outlier clip), minimum-cadence gating with
confidence degradation, saturation detection, and four significance methods
sharing one p-value convention (see :mod:`toi5807.centroid_significance`).

A centroid shift is not a source offset (Bryson et al. 2013, arXiv:1303.0052):
a transit on the target also moves the centroid when neighbours contribute
light. Coordinates are stamp pixels: x = column, y = row, pixel (0, 0) at the
centre of the stamp's first pixel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .lightcurve import check_ephemeris
from .report import json_safe

from . import centroid_significance as _sig

__all__ = [
    "DEFAULT_QUALITY_BITMASK",
    "TransitParams",
    "CentroidShiftConfig",
    "CentroidResult",
    "CentroidImages",
    "flux_weighted_centroids",
    "transit_window_masks",
    "cadence_confidence",
    "detect_saturation",
    "resolve_quality_bitmask",
    "compute_centroid_shift",
    "compute_centroid_shift_with_images",
]

#: lightkurve's ``TessQualityFlags.DEFAULT_BITMASK`` (hard-coded: importing lightkurve is slow).
DEFAULT_QUALITY_BITMASK = 17087
_NAMED_BITMASKS = {"none": 0, "default": DEFAULT_QUALITY_BITMASK, "hard": 24319, "hardest": 65535}
#: Cadence counts below which confidence is reduced (design note §4.3).
WARN_IN_TRANSIT_CADENCES = 10
WARN_OUT_TRANSIT_CADENCES = 50
_CHUNK_CADENCES = 4096


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


@dataclass(frozen=True)
class TransitParams:
    """Linear transit ephemeris used to split cadences.

    Parameters
    ----------
    period : float
        Orbital period, days (> 0).
    t0 : float
        A mid-transit time, BTJD.
    duration : float
        Total transit duration, **hours** (0 < duration < 24·period).
    """

    period: float
    t0: float
    duration: float

    def __post_init__(self) -> None:
        values = check_ephemeris(self.period, self.t0, self.duration, names=("period", "t0", "duration"))
        for name, value in zip(("period", "t0", "duration"), values):
            object.__setattr__(self, name, value)

    @property
    def duration_days(self) -> float:
        """Transit duration, days."""
        return self.duration / 24.0

    @classmethod
    def from_candidate(cls, candidate: Any) -> "TransitParams":
        """Build from a :class:`toi5807.Candidate` or :class:`toi5807.Ephemeris`."""
        eph = getattr(candidate, "ephemeris", candidate)
        try:
            return cls(eph.period_days, eph.t0_btjd, eph.duration_hours)
        except AttributeError as exc:
            raise TypeError(
                f"candidate: expected a Candidate or Ephemeris (period_days, t0_btjd, duration_hours), "
                f"got {type(candidate).__name__}"
            ) from exc

    def to_dict(self) -> dict[str, float]:
        """JSON-safe mapping (period days, t0 BTJD, duration hours)."""
        return {"period": self.period, "t0": self.t0, "duration": self.duration}


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
        if self.centroid_method not in _sig.LOCATION_METHODS:
            raise ValueError(f"centroid_method: expected one of {_sig.LOCATION_METHODS}, got {self.centroid_method!r}")
        if self.significance_method not in _sig.SIGNIFICANCE_METHODS:
            raise ValueError(
                f"significance_method: expected one of {_sig.SIGNIFICANCE_METHODS}, got {self.significance_method!r}"
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


_NAN2 = (math.nan, math.nan)
_NAN22 = ((math.nan, math.nan), (math.nan, math.nan))


@dataclass(frozen=True)
class CentroidResult:
    """Outcome of :func:`compute_centroid_shift` (fields of design note §6 plus extras).

    Centroids are (x, y) = (column, row) in stamp pixels; shifts in pixels unless
    named ``_arcsec``; NaN where undefined (serialised as ``null``).

    Attributes
    ----------
    centroid_shift_pixels : float
        |in − out|, pixels.
    significance_sigma : float
        ``sqrt(-2 ln p_value)`` (= Mahalanobis distance for Gaussian errors).
    p_value, log_p_value : float
        Probability under "no shift" of a shift vector at least this extreme, and its natural log.
    shift_vector_pixels : (float, float)
        (dx, dy) = in − out.
    shift_covariance_pixels : 2×2 tuple
        Covariance of the shift vector (pixels²) from the significance method.
    shift_uncertainty_pixels : float
        1σ uncertainty along the shift direction (pixels).
    shift_ci_lower_pixels, shift_ci_upper_pixels : float
        95 % percentile interval of |shift| (bootstrap only).
    confidence : float
        Data-quality confidence in [0, 1] (§4.3, × 0.8 when saturated).
    warnings : tuple of str
    """

    centroid_shift_pixels: float = math.nan
    significance_sigma: float = math.nan
    in_transit_centroid: tuple[float, float] = _NAN2
    out_of_transit_centroid: tuple[float, float] = _NAN2
    n_in_transit_cadences: int = 0
    n_out_transit_cadences: int = 0
    shift_arcsec: float = math.nan
    centroid_shift_arcsec: float = math.nan
    pixel_scale_arcsec: float = 21.0
    n_in_transit: int = 0
    n_out_of_transit: int = 0
    n_out_of_transit_cadences: int = 0
    shift_uncertainty_pixels: float = math.nan
    shift_ci_lower_pixels: float = math.nan
    shift_ci_upper_pixels: float = math.nan
    in_transit_centroid_se: tuple[float, float] = _NAN2
    out_of_transit_centroid_se: tuple[float, float] = _NAN2
    in_transit_centroid_cov: tuple[tuple[float, float], tuple[float, float]] = _NAN22
    out_of_transit_centroid_cov: tuple[tuple[float, float], tuple[float, float]] = _NAN22
    centroid_method: str = "median"
    significance_method: str = "empirical"
    n_bootstrap: int = 0
    saturation_risk: bool = False
    max_flux_fraction: float = math.nan
    warnings: tuple[str, ...] = ()
    p_value: float = math.nan
    log_p_value: float = math.nan
    n_outliers_rejected: int = 0
    confidence: float = 0.0
    shift_vector_pixels: tuple[float, float] = _NAN2
    shift_covariance_pixels: tuple[tuple[float, float], tuple[float, float]] = _NAN22
    n_cadences_used: int = 0
    n_fake_ephemerides: int = 0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field (NaN/inf → None, tuples → lists)."""
        return _json_safe({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


@dataclass(frozen=True, eq=False)
class CentroidImages:
    """Mean stamp images of the cadences used (e-/s; NaN where a pixel was never finite).

    Attributes
    ----------
    in_transit_mean, out_of_transit_mean : ndarray, shape (rows, cols)
    in_mask, out_mask : ndarray of bool, shape (n_time,)
        Cadences used in each group (before the outlier clip).
    """

    in_transit_mean: np.ndarray
    out_of_transit_mean: np.ndarray
    in_mask: np.ndarray
    out_mask: np.ndarray


# ----------------------------------------------------------------------------
# array helpers
# ----------------------------------------------------------------------------


@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def _cube_pass(flux: np.ndarray, groups: tuple[np.ndarray, ...] = ()) -> dict[str, Any]:
    """One chunked, vectorised pass: per-cadence centroids, totals, maxima, group sums.

    Each chunk of 4096 cadences is collapsed to row and column profiles, whose
    first moments give the centroids (plain reductions; no multithreaded BLAS,
    which stalls on busy machines). No per-cadence Python loop.
    """
    n, nr, nc = flux.shape
    npix = nr * nc
    rows = np.arange(nr, dtype=np.float64)
    cols = np.arange(nc, dtype=np.float64)
    cx = np.empty(n)
    cy = np.empty(n)
    tot = np.empty(n)
    ok = np.empty(n, dtype=bool)
    nfin = np.empty(n, dtype=np.int64)
    fmax = np.full(n, -np.inf)
    sums = np.zeros((len(groups), npix))
    cnts = np.zeros((len(groups), npix))
    for s in range(0, n, _CHUNK_CADENCES):
        f = flux[s : s + _CHUNK_CADENCES].reshape(-1, npix)
        m = f.shape[0]
        fin = np.isfinite(f)
        all_finite = bool(fin.all())
        if all_finite:
            w = np.maximum(f, 0.0)
            nfin[s : s + m] = npix
            fmax[s : s + m] = f.max(axis=1) if npix else -np.inf
        else:
            w = np.where(fin, f, 0.0)
            np.maximum(w, 0.0, out=w)
            nfin[s : s + m] = fin.sum(axis=1)
            fmax[s : s + m] = np.max(np.where(fin, f, -np.inf), axis=1)
        peak = float(w.max(initial=0.0))
        scale = 1.0 / peak if peak > 1e150 else 1.0  # keep sums of huge values finite
        if scale != 1.0:
            w *= scale
        w3 = w.reshape(m, nr, nc)
        col_profile = w3.sum(axis=1)  # (m, nc)
        row_profile = w3.sum(axis=2)  # (m, nr)
        total = col_profile.sum(axis=1)
        mom = (total, (col_profile * cols).sum(axis=1), (row_profile * rows).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            cx[s : s + m] = mom[1] / mom[0]
            cy[s : s + m] = mom[2] / mom[0]
        ok[s : s + m] = mom[0] > 0
        tot[s : s + m] = np.minimum(mom[0] / scale, np.finfo(np.float64).max)
        for g, sel in enumerate(groups):
            pick = sel[s : s + m]
            if all_finite:
                sums[g] += np.add.reduce(f, axis=0, where=pick[:, None])
                cnts[g] += np.count_nonzero(pick)
            else:
                both = fin & pick[:, None]
                sums[g] += np.add.reduce(f, axis=0, where=both)
                cnts[g] += both.sum(axis=0)
    bad = ~ok | ~np.isfinite(cx) | ~np.isfinite(cy)
    cx[bad] = np.nan
    cy[bad] = np.nan
    return {
        "cx": cx, "cy": cy, "total": tot, "n_finite": nfin, "max": fmax,
        "sums": [sums[g].reshape(nr, nc) for g in range(len(groups))],
        "counts": [cnts[g].reshape(nr, nc) for g in range(len(groups))],
    }


def _validate_cube(flux: Any) -> np.ndarray:
    arr = np.asarray(flux)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise TypeError(f"flux: expected a real numeric array (float or int), got dtype {arr.dtype}")
    if arr.ndim != 3:
        raise ValueError(f"flux: expected a 3-D cube (n_time, n_rows, n_cols), got shape {arr.shape}")
    if arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"flux: stamp must have at least one row and one column, got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


def _validate_time(time: Any, n: int | None = None) -> np.ndarray:
    arr = np.asarray(time)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise TypeError(f"time: expected a real numeric array of BTJD days, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"time: expected a 1-D array, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"time: expected length {n} to match the flux cube's first axis, got {arr.shape[0]}")
    return arr.astype(np.float64, copy=False)


def _quality_ok(quality: Any, n: int, bitmask: int | str) -> np.ndarray:
    """Cadences passing the quality bitmask (all True without ``quality``); validates ``quality``."""
    if quality is None:
        return np.ones(n, dtype=bool)
    q = np.asarray(quality)
    if q.dtype == object or q.dtype.kind not in "iub" or q.shape != (n,):
        raise TypeError(f"quality: expected an integer array of shape ({n},), got dtype {q.dtype} shape {q.shape}")
    return (q.astype(np.int64) & resolve_quality_bitmask(bitmask)) == 0


def flux_weighted_centroids(flux_cube: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-cadence flux-weighted centroids of a stamp cube, vectorised over cadences.

    Non-finite pixels are ignored and negative fluxes clipped to 0 before
    weighting; a cadence with no positive finite flux gets NaN.

    Parameters
    ----------
    flux_cube : array_like, shape (n_time, n_rows, n_cols)
        Pixel fluxes, e-/s.

    Returns
    -------
    cx, cy : ndarray, shape (n_time,)
        Column (x) and row (y) centroids, stamp pixels.
    """
    out = _cube_pass(_validate_cube(flux_cube))
    return out["cx"], out["cy"]


def transit_window_masks(
    time: Any, transit_params: TransitParams, k_in: float = 1.0, k_buffer: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-of-transit cadence masks (window policy v1).

    With Δt the time from the nearest mid-transit and D the duration (days):
    in-transit ``|Δt| ≤ k_in·D/2``; out-of-transit ``|Δt| > D/2 + k_buffer·D``.
    Non-finite times are in neither.

    Parameters
    ----------
    time : array_like, shape (n,)
        BTJD, days.
    transit_params : TransitParams
    k_in, k_buffer : float

    Returns
    -------
    in_mask, out_mask : ndarray of bool, shape (n,)
    """
    t = _validate_time(time)
    p = transit_params.period
    d = transit_params.duration_days
    with np.errstate(invalid="ignore"):
        dt = np.abs(np.mod(t - transit_params.t0 + 0.5 * p, p) - 0.5 * p)
        in_mask = dt <= k_in * d / 2.0
        out_mask = dt > d / 2.0 + k_buffer * d
    return in_mask, out_mask


def cadence_confidence(n_in: int, n_out: int, min_in: int = 5, min_out: int = 20) -> tuple[float, list[str]]:
    """Data-quality confidence and warnings from cadence counts (design note §4.3).

    Returns
    -------
    confidence : float
        0.2 (n_in < min_in), 0.3 (n_out < min_out), else 0.5 / 0.7 / 0.85 for
        n_in < 10 / < 20 / ≥ 20, times 0.9 when n_out < 50.
    warnings : list of str
    """
    if n_in < min_in:
        return 0.2, ["low_n_in_transit"]
    if n_out < min_out:
        return 0.3, ["low_n_out_transit"]
    warnings: list[str] = []
    if n_in < WARN_IN_TRANSIT_CADENCES:
        warnings.append("marginal_n_in_transit")
        base = 0.5
    elif n_in < 20:
        base = 0.7
    else:
        base = 0.85
    if n_out < WARN_OUT_TRANSIT_CADENCES:
        warnings.append("marginal_n_out_transit")
        base *= 0.9
    return base, warnings


def detect_saturation(max_flux: float, threshold: float = 150000.0) -> tuple[bool, float]:
    """Saturation risk (design note §4.4): (max pixel flux / threshold > 1, that fraction)."""
    frac = max_flux / threshold if np.isfinite(max_flux) else math.nan
    return bool(frac > 1.0), frac


def _tuple2(a: np.ndarray) -> tuple[float, float]:
    return (float(a[0]), float(a[1]))


def _tuple22(a: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    return (_tuple2(a[0]), _tuple2(a[1]))


def _coerce_params(transit_params: Any) -> TransitParams:
    if isinstance(transit_params, TransitParams):
        return transit_params
    if hasattr(transit_params, "ephemeris") or hasattr(transit_params, "period_days"):
        return TransitParams.from_candidate(transit_params)
    raise TypeError(f"transit_params: expected TransitParams or Candidate, got {type(transit_params).__name__}")


def _group(data: dict[str, np.ndarray], mask: np.ndarray, method: str, nsigma: float):
    cx, cy, w = data["cx"][mask], data["cy"][mask], data["total"][mask]
    if method == "mean":  # legacy v1: pooled frame, no clipping
        return cx, cy, w, 0
    keep = _sig.mad_clip(cx, cy, nsigma)
    return cx[keep], cy[keep], w[keep], int(np.count_nonzero(~keep))


def compute_centroid_shift_with_images(
    flux: Any,
    time: Any,
    transit_params: Any,
    *,
    config: CentroidShiftConfig | None = None,
    quality: Any = None,
    seed: int | None = None,
    **overrides: Any,
) -> tuple[CentroidResult, CentroidImages]:
    """:func:`compute_centroid_shift` plus the in/out-of-transit mean images (for plots)."""
    cfg = config if config is not None else CentroidShiftConfig()
    if not isinstance(cfg, CentroidShiftConfig):
        raise TypeError(f"config: expected CentroidShiftConfig or None, got {type(cfg).__name__}")
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(CentroidShiftConfig)}
        if unknown:
            raise TypeError(f"unexpected keyword(s) {sorted(unknown)}: expected CentroidShiftConfig field names")
        cfg = dataclasses.replace(cfg, **overrides)
    if seed is not None:
        cfg = dataclasses.replace(cfg, seed=seed)
    tp = _coerce_params(transit_params)
    cube = _validate_cube(flux)
    n = cube.shape[0]
    t = _validate_time(time, n)
    q_ok = _quality_ok(quality, n, cfg.quality_bitmask)

    in_win, out_win = transit_window_masks(t, tp, cfg.k_in, cfg.k_buffer)
    base = q_ok & np.isfinite(t)
    data = _cube_pass(cube, (base & in_win, base & out_win))
    usable = base & (data["n_finite"] > 0) & np.isfinite(data["cx"]) & np.isfinite(data["cy"])
    in_mask, out_mask = usable & in_win, usable & out_win
    # group means were accumulated before the centroid-validity test; redo them only if an
    # excluded cadence (finite pixels but no positive flux) contributed to the sums
    if np.any(base & (in_win | out_win) & ~usable & (data["n_finite"] > 0)):
        data_img = _cube_pass(cube[(in_mask | out_mask)], (in_mask[in_mask | out_mask], out_mask[in_mask | out_mask]))
        sums, counts = data_img["sums"], data_img["counts"]
    else:
        sums, counts = data["sums"], data["counts"]
    with np.errstate(invalid="ignore", divide="ignore"):
        images = CentroidImages(
            in_transit_mean=np.where(counts[0] > 0, sums[0] / counts[0], np.nan),
            out_of_transit_mean=np.where(counts[1] > 0, sums[1] / counts[1], np.nan),
            in_mask=in_mask,
            out_mask=out_mask,
        )
    n_in, n_out = int(in_mask.sum()), int(out_mask.sum())
    used = in_mask | out_mask
    max_flux = float(np.max(data["max"][used])) if np.any(used) else math.nan
    sat, frac = detect_saturation(max_flux, cfg.saturation_threshold)
    confidence, warnings = cadence_confidence(n_in, n_out, cfg.min_in_transit_cadences, cfg.min_out_transit_cadences)
    if sat:
        warnings.append("saturation_risk")
        confidence *= 0.8
    common = dict(
        n_in_transit_cadences=n_in, n_out_transit_cadences=n_out, n_in_transit=n_in, n_out_of_transit=n_out,
        n_out_of_transit_cadences=n_out, pixel_scale_arcsec=cfg.pixel_scale_arcsec,
        centroid_method=cfg.centroid_method, significance_method=cfg.significance_method,
        n_bootstrap=cfg.n_bootstrap if cfg.significance_method in ("bootstrap", "permutation") else 0,
        saturation_risk=sat, max_flux_fraction=frac, confidence=float(confidence), n_cadences_used=int(used.sum()),
        seed=int(cfg.seed),
    )
    if n_in == 0 or n_out == 0:
        warnings.append("no_in_transit_cadences" if n_in == 0 else "no_out_of_transit_cadences")
        return CentroidResult(warnings=tuple(warnings), **common), images

    method = cfg.centroid_method
    icx, icy, iw, rej_in = _group(data, in_mask, method, cfg.outlier_sigma)
    ocx, ocy, ow, rej_out = _group(data, out_mask, method, cfg.outlier_sigma)
    c_in = np.array([_sig.location_estimate(icx, method, iw), _sig.location_estimate(icy, method, iw)])
    c_out = np.array([_sig.location_estimate(ocx, method, ow), _sig.location_estimate(ocy, method, ow)])
    shift = c_in - c_out
    mag = float(np.hypot(*shift))
    gated = n_in < max(cfg.min_in_transit_cadences, 2) or n_out < max(cfg.min_out_transit_cadences, 2)
    gated = gated or icx.size < 2 or ocx.size < 2
    in_cov = _sig.analytic_covariance(icx, icy, method)
    out_cov = _sig.analytic_covariance(ocx, ocy, method)
    cov = np.full((2, 2), np.nan)
    log_p = sigma = math.nan
    ci = (math.nan, math.nan)
    n_fakes = 0
    if gated:
        warnings.append("significance_not_computed_insufficient_cadences")
    else:
        rng = np.random.default_rng(cfg.seed)
        sm = cfg.significance_method
        if sm == "empirical":
            n_fakes, fake_shifts = _sig.fake_ephemeris_shifts(
                data["cx"], data["cy"], data["total"], out_mask, t, tp.period, tp.t0, tp.duration_days,
                baseline=c_out, k_in=cfg.k_in, k_buffer=cfg.k_buffer,
                # a fake window must sample the light as well as the real one does (same epochs, few gaps)
                min_in=max(cfg.min_in_transit_cadences, math.ceil(FAKE_MIN_COVERAGE * n_in)),
                method=method, outlier_sigma=cfg.outlier_sigma,
            )
            if n_fakes >= 5:
                log_p, sigma, cov = _sig.hotelling_significance(shift, fake_shifts)
            else:
                warnings.append("empirical_too_few_fake_ephemerides_fell_back_to_analytic")
                sm = "analytic"
        if sm == "analytic":
            cov = in_cov + out_cov
            log_p, sigma, degenerate = _sig.chi2_2dof_significance(shift, cov)
            if degenerate:
                warnings.append("degenerate_covariance")
        elif sm == "bootstrap":
            b_in = _sig.bootstrap_locations(icx, icy, iw, method, cfg.n_bootstrap, rng)
            b_out = _sig.bootstrap_locations(ocx, ocy, ow, method, cfg.n_bootstrap, rng)
            in_cov, out_cov = np.cov(b_in, rowvar=False), np.cov(b_out, rowvar=False)
            boot = b_in - b_out
            cov = np.cov(boot, rowvar=False)
            log_p, sigma, degenerate = _sig.chi2_2dof_significance(shift, cov)
            if degenerate:
                warnings.append("degenerate_covariance")
            mags = np.hypot(boot[:, 0], boot[:, 1])
            ci = (float(np.percentile(mags, 2.5)), float(np.percentile(mags, 97.5)))
        elif sm == "permutation":
            pooled = [np.concatenate(p) for p in ((icx, ocx), (icy, ocy), (iw, ow))]
            null = _sig.permutation_shifts(*pooled, icx.size, method, cfg.n_bootstrap, rng)
            cov = np.cov(null, rowvar=False)
            stat_obs = _sig.chi2_2dof_significance(shift, cov)[1]
            stat_null = _sig.mahalanobis_many(null, cov)
            if np.isfinite(stat_obs) or stat_obs == math.inf:
                exceed = int(np.count_nonzero(stat_null >= stat_obs * (1 - 1e-12)))
                log_p = math.log((1 + exceed) / (cfg.n_bootstrap + 1))
                sigma = _sig.sigma_from_log_p(log_p)
    if np.all(np.isfinite(cov)) and mag > 0:
        u = shift / mag
        unc = float(math.sqrt(max(u @ cov @ u, 0.0)))
    elif np.all(np.isfinite(cov)):
        unc = float(math.sqrt(max(np.trace(cov) / 2.0, 0.0)))
    else:
        unc = math.nan
    result = CentroidResult(
        centroid_shift_pixels=mag,
        significance_sigma=float(sigma),
        in_transit_centroid=_tuple2(c_in),
        out_of_transit_centroid=_tuple2(c_out),
        shift_arcsec=mag * cfg.pixel_scale_arcsec,
        centroid_shift_arcsec=mag * cfg.pixel_scale_arcsec,
        shift_uncertainty_pixels=unc,
        shift_ci_lower_pixels=ci[0],
        shift_ci_upper_pixels=ci[1],
        in_transit_centroid_se=_tuple2(np.sqrt(np.diag(in_cov))),
        out_of_transit_centroid_se=_tuple2(np.sqrt(np.diag(out_cov))),
        in_transit_centroid_cov=_tuple22(in_cov),
        out_of_transit_centroid_cov=_tuple22(out_cov),
        warnings=tuple(warnings),
        p_value=math.exp(log_p) if np.isfinite(log_p) else (0.0 if log_p == -math.inf else math.nan),
        log_p_value=float(log_p),
        n_outliers_rejected=rej_in + rej_out,
        shift_vector_pixels=_tuple2(shift),
        shift_covariance_pixels=_tuple22(cov),
        n_fake_ephemerides=n_fakes,
        **common,
    )
    return result, images


def compute_centroid_shift(
    flux: Any,
    time: Any,
    transit_params: Any,
    *,
    config: CentroidShiftConfig | None = None,
    quality: Any = None,
    seed: int | None = None,
    **overrides: Any,
) -> CentroidResult:
    """Centroid shift between in- and out-of-transit cadences and its significance.

    Parameters
    ----------
    flux : array_like, shape (n_time, n_rows, n_cols)
        Pixel fluxes, e-/s (ints are converted to float64).
    time : array_like, shape (n_time,)
        Mid-cadence times, BTJD days (any order).
    transit_params : TransitParams or Candidate
        Period (days), T0 (BTJD), duration (hours).
    config : CentroidShiftConfig, optional
        Defaults to ``CentroidShiftConfig()``.
    quality : array_like of int, shape (n_time,), optional
        SPOC quality flags; cadences with ``quality & config.quality_bitmask`` are dropped.
    seed : int, optional
        Overrides ``config.seed``.
    **overrides
        Any :class:`CentroidShiftConfig` field, e.g. the legacy v1 call of
        design note §8.4 ``centroid_method="mean", significance_method="analytic",
        min_in_transit_cadences=0``.

    Returns
    -------
    CentroidResult

    Raises
    ------
    TypeError, ValueError
        Malformed inputs, with a message naming the argument.

    Notes
    -----
    Cadences used: finite time, passing the quality bitmask, at least one
    finite pixel and positive clipped flux. Per-cadence centroids are
    aggregated per group after a MAD clip at ``outlier_sigma`` (not in legacy
    ``mean`` mode). The p-value of the shift vector under "no shift" gives
    ``significance_sigma = sqrt(-2 ln p)`` for every method (Bryson et al.
    2013, arXiv:1303.0052):

    * ``analytic`` — Gaussian χ²(2) with the covariance from per-cadence scatter;
    * ``bootstrap`` — χ²(2) with the covariance of bootstrapped shift vectors
      (Efron & Tibshirani 1993); also the 95 % percentile interval of |shift|;
    * ``permutation`` — in/out label permutations, p = (1 + #null ≥ obs)/(N + 1),
      so p ≥ 1/(N + 1) and σ ≤ sqrt(2 ln(N + 1)) (3.72 for N = 1000): it cannot
      rank strong shifts;
    * ``empirical`` — Hotelling T² against shifts measured at fake ephemerides,
      which includes correlated pointing jitter.
    """
    return compute_centroid_shift_with_images(
        flux, time, transit_params, config=config, quality=quality, seed=seed, **overrides
    )[0]
