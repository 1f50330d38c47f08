"""The V08 centroid shift of one stamp: a straight pipeline from cube to significance.

stamp → per-cadence centroid series (:mod:`~toi5807.pixels.series`) → in/out window masks
(:func:`toi5807.lightcurve.transit_window_masks`) → robust location of each group (:mod:`~toi5807.pixels.location`)
→ significance of the shift vector (:mod:`~toi5807.centroid.significance`) → :class:`CentroidResult`; the verdict is
:func:`toi5807.centroid.check.run_v08`'s. The "v2" check of the V08 design note: one vectorised pass, robust
aggregation (median or Huber, MAD clip), minimum-cadence gating, saturation detection, four significance methods
with one p-value convention. A centroid shift is not a source offset (Bryson et al. 2013, arXiv:1303.0052).
Coordinates are stamp pixels: x = column, y = row, pixel (0, 0) at the centre of the stamp's first pixel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.validate import check_cube, check_time
from ..lightcurve import coerce_transit_params, transit_window_masks
from ..report import Explained, fmt
from .config import FAKE_MIN_COVERAGE, CentroidShiftConfig, _json_safe, cadence_seconds
from .fakes import fake_ephemeris_shifts
from ..pixels.location import analytic_covariance, location_estimate, mad_clip
from ..pixels.pvalues import p_from_log_p
from ..pixels.scale import pixel_scale_at, vector_length_arcsec
from ..pixels.series import _cube_pass, _quality_ok, cadence_confidence, detect_saturation
from .significance import CentroidGroup, Significance, shift_significance

__all__ = [
    "CentroidResult",
    "CentroidImages",
    "compute_centroid_shift",
    "compute_centroid_shift_with_images",
]


_NAN2 = (math.nan, math.nan)
_NAN22 = ((math.nan, math.nan), (math.nan, math.nan))


@dataclass(frozen=True, repr=False)
class CentroidResult(Explained):
    """Outcome of :func:`compute_centroid_shift` (fields of design note §6 plus extras).

    Centroids are (x, y) = (column, row) in stamp pixels; shifts in pixels unless
    named ``_arcsec`` (on the sky through the stamp's WCS); NaN where undefined (serialised as ``null``).

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
    centroid_shift_arcsec, shift_arcsec : float
        |J · shift| with J the WCS Jacobian at the out-of-transit centroid (arcsec; :mod:`~toi5807.pixels.scale`).
    pixel_scale_arcsec : float
        Arcsec per pixel there: the WCS's, the config's override, or 21 flagged ``pixel_scale_nominal_no_wcs``.
    shift_covariance_pixels : 2×2 tuple
        Covariance of the shift vector (pixels²) from the significance method.
    shift_uncertainty_pixels : float
        1σ uncertainty along the shift direction (pixels).
    shift_ci_lower_pixels, shift_ci_upper_pixels : float
        95 % percentile interval of |shift| (bootstrap only).
    confidence : float
        How much data the verdict stands on, from the cadence counts alone (not part of σ; design note §4.3,
        :func:`toi5807.pixels.cadence_confidence`): at most 0.85 (≥ 20 in-transit cadences), × 0.8 if saturated.
    warnings : tuple of str
    simulated : bool
        Set by the stamp-level callers (:func:`toi5807.run_v08`); arrays alone cannot tell.
    """

    centroid_shift_pixels: float = math.nan
    significance_sigma: float = math.nan
    in_transit_centroid: tuple[float, float] = _NAN2
    out_of_transit_centroid: tuple[float, float] = _NAN2
    n_in_transit_cadences: int = 0
    n_out_transit_cadences: int = 0
    shift_arcsec: float = math.nan
    centroid_shift_arcsec: float = math.nan
    pixel_scale_arcsec: float = math.nan
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
    simulated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict, one key per quantity (NaN/inf → None); the design note's aliases
        (:data:`RESULT_ALIASES`) stay attributes only."""
        return _json_safe({f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                           if f.name not in RESULT_ALIASES})

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        mpx = 1e3 * self.centroid_shift_pixels
        return (f"centroid shift {fmt(mpx, '.3g', 'milli-px')} at {fmt(self.significance_sigma, '.2f', 'σ')}", [
            ("shift", f"{fmt(mpx, '.3g')} ± {fmt(1e3 * self.shift_uncertainty_pixels, '.2g', 'milli-px')} "
                      f"({fmt(self.centroid_shift_arcsec, '.3g', 'arcsec')})"),
            ("significance", f"{fmt(self.significance_sigma, '.2f', 'σ')}, p = {fmt(self.p_value, '.2g')} "
                             f"({self.significance_method}, {self.centroid_method} centroids)"),
            ("cadences", f"{self.n_in_transit_cadences} in transit, {self.n_out_of_transit_cadences} out"),
            ("warnings", ", ".join(self.warnings) or "none")])


#: Fields of :class:`CentroidResult` that repeat another under the design note's older names.
RESULT_ALIASES = frozenset({"n_in_transit", "n_out_of_transit", "n_out_transit_cadences", "shift_arcsec"})


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


def _tuple2(a: np.ndarray) -> tuple[float, float]:
    return (float(a[0]), float(a[1]))


def _tuple22(a: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    return (_tuple2(a[0]), _tuple2(a[1]))


def _config(config: Any, seed: int | None, overrides: dict[str, Any]) -> CentroidShiftConfig:
    """The configuration of one call: ``config`` (default ``CentroidShiftConfig()``), then overrides, then seed."""
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
    return cfg


def _windows_and_images(cube: np.ndarray, series: dict[str, Any], base: np.ndarray, in_win: np.ndarray,
                        out_win: np.ndarray) -> CentroidImages:
    """Cadences with a usable centroid in each window, and the mean image of each window (e-/s)."""
    usable = base & (series["n_finite"] > 0) & np.isfinite(series["cx"]) & np.isfinite(series["cy"])
    in_mask, out_mask = usable & in_win, usable & out_win
    # group sums were accumulated before the centroid-validity test; redo them only if an
    # excluded cadence (finite pixels but no positive flux) contributed to them
    if np.any(base & (in_win | out_win) & ~usable & (series["n_finite"] > 0)):
        both = in_mask | out_mask
        again = _cube_pass(cube[both], (in_mask[both], out_mask[both]))
        sums, counts = again["sums"], again["counts"]
    else:
        sums, counts = series["sums"], series["counts"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return CentroidImages(
            in_transit_mean=np.where(counts[0] > 0, sums[0] / counts[0], np.nan),
            out_of_transit_mean=np.where(counts[1] > 0, sums[1] / counts[1], np.nan),
            in_mask=in_mask,
            out_mask=out_mask,
        )


def _quality_gates(series: dict[str, Any], images: CentroidImages, cfg: CentroidShiftConfig,
                   cadence_s: float) -> tuple[dict[str, Any], list[str]]:
    """Cadence counts, saturation and confidence (design note §4.3–4.4): the result fields every outcome has."""
    n_in, n_out = int(images.in_mask.sum()), int(images.out_mask.sum())
    used = images.in_mask | images.out_mask
    max_flux = float(np.max(series["max"][used])) if np.any(used) else math.nan
    sat, frac = detect_saturation(max_flux, cfg.saturation_threshold)
    confidence, warnings = cadence_confidence(n_in, n_out, cfg.min_in_transit_cadences,
                                              cfg.min_out_transit_cadences, cadence_s)
    if sat:
        warnings.append("saturation_risk")
        confidence *= 0.8
    common = dict(
        n_in_transit_cadences=n_in, n_out_transit_cadences=n_out, n_in_transit=n_in, n_out_of_transit=n_out,
        n_out_of_transit_cadences=n_out,
        centroid_method=cfg.centroid_method, significance_method=cfg.significance_method,
        n_bootstrap=cfg.n_bootstrap if cfg.significance_method in ("bootstrap", "permutation") else 0,
        saturation_risk=sat, max_flux_fraction=frac, confidence=float(confidence), n_cadences_used=int(used.sum()),
        seed=int(cfg.seed),
    )
    return common, warnings


def _group(series: dict[str, np.ndarray], mask: np.ndarray, cfg: CentroidShiftConfig) -> tuple[CentroidGroup, int]:
    """The window's per-cadence centroids after the MAD clip (none for the v1 ``mean``), and how many were clipped."""
    cx, cy, w = series["cx"][mask], series["cy"][mask], series["total"][mask]
    if cfg.centroid_method == "mean":  # v1: pooled frame, no clipping
        return CentroidGroup(cx, cy, w), 0
    keep = mad_clip(cx, cy, cfg.outlier_sigma)
    return CentroidGroup(cx[keep], cy[keep], w[keep]), int(np.count_nonzero(~keep))


def _locate(group: CentroidGroup, method: str) -> np.ndarray:
    """(x, y) location of a group, pixels."""
    return np.array([location_estimate(group.cx, method, group.w), location_estimate(group.cy, method, group.w)])


def _significance(cfg: CentroidShiftConfig, shift: np.ndarray, inside: CentroidGroup, outside: CentroidGroup,
                  c_out: np.ndarray, series: dict[str, Any], images: CentroidImages, t: np.ndarray,
                  tp: Any) -> Significance:
    """:func:`shift_significance` with the empirical null laid on this stamp's out-of-transit cadences."""
    n_in = int(images.in_mask.sum())

    def fakes() -> tuple[int, np.ndarray]:
        return fake_ephemeris_shifts(
            series["cx"], series["cy"], series["total"], images.out_mask, t, tp.period, tp.t0, tp.duration_days,
            baseline=c_out, k_in=cfg.k_in, k_buffer=cfg.k_buffer,
            # a fake window must sample the light as well as the real one does (same epochs, few gaps)
            min_in=max(cfg.min_counts(cadence_seconds(t))[0], math.ceil(FAKE_MIN_COVERAGE * n_in)),
            method=cfg.centroid_method, outlier_sigma=cfg.outlier_sigma,
        )

    return shift_significance(cfg.significance_method, shift, inside, outside, location=cfg.centroid_method,
                              n_resamples=cfg.n_bootstrap, seed=cfg.seed, fake_shifts=fakes)


def compute_centroid_shift_with_images(
    flux: Any,
    time: Any,
    transit_params: Any,
    *,
    config: CentroidShiftConfig | None = None,
    quality: Any = None,
    seed: int | None = None,
    wcs: Any = None,
    **overrides: Any,
) -> tuple[CentroidResult, CentroidImages]:
    """:func:`compute_centroid_shift` plus the in/out-of-transit mean images (for plots)."""
    cfg = _config(config, seed, overrides)
    tp = coerce_transit_params(transit_params)
    cube = check_cube(flux)
    t = check_time(time, cube.shape[0])

    # 1. windows and the centroid series (one pass over the cube, also summing each window's image)
    base = _quality_ok(quality, t.size, cfg.quality_bitmask) & np.isfinite(t)
    in_win, out_win = transit_window_masks(t, tp, cfg.k_in, cfg.k_buffer)
    series = _cube_pass(cube, (base & in_win, base & out_win))
    images = _windows_and_images(cube, series, base, in_win, out_win)

    # 2. data-quality gates
    common, warnings = _quality_gates(series, images, cfg, cadence_s := cadence_seconds(t[base]))  # counts as durations
    n_in, n_out = common["n_in_transit_cadences"], common["n_out_transit_cadences"]
    centre = ((cube.shape[2] - 1) / 2.0, (cube.shape[1] - 1) / 2.0)  # where the scale is taken without a centroid
    if n_in == 0 or n_out == 0:
        warnings.append("no_in_transit_cadences" if n_in == 0 else "no_out_of_transit_cadences")
        scale, scale_warnings = pixel_scale_at(wcs, *centre, override=cfg.pixel_scale_arcsec)
        return CentroidResult(warnings=tuple(warnings) + scale_warnings, pixel_scale_arcsec=scale, **common), images

    # 3. location of each window and the shift; the pixel scale where it is measured
    inside, rej_in = _group(series, images.in_mask, cfg)
    outside, rej_out = _group(series, images.out_mask, cfg)
    c_in, c_out = _locate(inside, cfg.centroid_method), _locate(outside, cfg.centroid_method)
    shift = c_in - c_out
    at = c_out if np.all(np.isfinite(c_out)) else centre
    scale, scale_warnings = pixel_scale_at(wcs, *at, override=cfg.pixel_scale_arcsec)
    warnings.extend(scale_warnings)

    # 4. significance (not computed below the minimum cadence counts)
    lo_in, lo_out = cfg.min_counts(cadence_s)  # the 2-minute counts as durations at this cadence
    gated = n_in < max(lo_in, 2) or n_out < max(lo_out, 2)
    if gated or inside.size < 2 or outside.size < 2:
        warnings.append("significance_not_computed_insufficient_cadences")
        sig = Significance(cfg.significance_method, np.full((2, 2), np.nan), math.nan, math.nan, _NAN2,
                           analytic_covariance(inside.cx, inside.cy, cfg.centroid_method),
                           analytic_covariance(outside.cx, outside.cy, cfg.centroid_method))
    else:
        sig = _significance(cfg, shift, inside, outside, c_out, series, images, t, tp)
        warnings.extend(sig.warnings)

    # 5. the result
    mag, arcsec = float(np.hypot(*shift)), vector_length_arcsec(shift, c_out, wcs, cfg.pixel_scale_arcsec)
    result = CentroidResult(
        centroid_shift_pixels=mag,
        significance_sigma=float(sig.sigma),
        in_transit_centroid=_tuple2(c_in),
        out_of_transit_centroid=_tuple2(c_out),
        shift_arcsec=arcsec,
        centroid_shift_arcsec=arcsec,
        pixel_scale_arcsec=scale,
        shift_uncertainty_pixels=sig.uncertainty_along(shift),
        shift_ci_lower_pixels=sig.ci[0],
        shift_ci_upper_pixels=sig.ci[1],
        in_transit_centroid_se=_tuple2(np.sqrt(np.diag(sig.in_cov))),
        out_of_transit_centroid_se=_tuple2(np.sqrt(np.diag(sig.out_cov))),
        in_transit_centroid_cov=_tuple22(sig.in_cov),
        out_of_transit_centroid_cov=_tuple22(sig.out_cov),
        warnings=tuple(warnings),
        p_value=p_from_log_p(sig.log_p),
        log_p_value=float(sig.log_p),
        n_outliers_rejected=rej_in + rej_out,
        shift_vector_pixels=_tuple2(shift),
        shift_covariance_pixels=_tuple22(sig.covariance),
        n_fake_ephemerides=sig.n_fakes,
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
    wcs: Any = None,
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
    wcs : astropy.wcs.WCS, optional
        The stamp's celestial WCS (0-based pixels): the arcsec shift and ``pixel_scale_arcsec`` come from it
        (unless ``config.pixel_scale_arcsec`` is set); without it the nominal 21″ is used and flagged.
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
        flux, time, transit_params, config=config, quality=quality, seed=seed, wcs=wcs, **overrides
    )[0]
