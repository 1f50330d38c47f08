"""Per-transit centroid shifts: does the light move the same way at every transit?

V08 (:mod:`toi5807.centroid.shift`) compares all in-transit cadences of a sector
with all out-of-transit ones. :func:`per_transit_shifts` instead measures the
shift of every transit epoch against a *local* out-of-transit baseline
(optionally detrended for slow pointing drift) and combines the epochs
(:func:`toi5807.pixels.combine.combine_offsets`, in pixels — one sector has one roll):
a real blend shifts the same way at every transit, so its mean is significant
and the epochs agree (small consistency χ²), while pointing jitter does not
(Bryson et al. 2013, arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).
Significances use the V08 convention ``sigma = sqrt(-2 ln p)``
(:func:`toi5807.pixels.pvalues.sigma_from_log_p`).

Each epoch's covariance is by default *empirical*: the same per-epoch
estimator applied at fake epochs between the transits (correlated pointing
jitter included), with Hotelling-type p-values for the small number of fakes;
the per-cadence-scatter ("analytic") covariance, which assumes independent
cadences and is over-confident on the twin, is kept for comparison.

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.validate import check_cube, check_time
from ..lightcurve import coerce_transit_params
from ..report import Explained, fmt, json_safe
from ..pixels.combine import CombinedOffset, combine_offsets
from .config import FAKE_MIN_COVERAGE, CentroidShiftConfig
from .data_edges import edge_flags
from .epoch_windows import _fake_labels, _window_vectors
from ..pixels.pvalues import (
    chi2_2dof_significance,
    p_from_log_p,
    sigma_from_log_p,
    zero_mean_hotelling_log_p,
    zero_mean_lawley_hotelling_log_p,
)
from ..pixels.series import _quality_ok, flux_weighted_centroids
from ..pixels.quality import cadence_seconds

__all__ = [
    "COVARIANCE_METHODS",
    "MIN_FAKE_EPOCHS",
    "EpochShift",
    "PerTransitShifts",
    "per_transit_shifts",
]


COVARIANCE_METHODS: tuple[str, ...] = ("empirical", "analytic")


#: Fewest usable fake epochs for the empirical covariance. Below ~10 the 2×2 sample covariance is too noisy
#: (relative σ of a variance ≥ sqrt(2/n) ≈ 45 %) and its Hotelling F(2, n − 1) tail caps the reachable
#: significance (n = 6: a χ² of 700 is only 4.9σ), so the analytic covariance is used instead (flagged).
MIN_FAKE_EPOCHS = 10


@dataclass(frozen=True, repr=False)
class EpochShift(Explained):
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
        pixels²: the sector's fake-epoch null covariance (``covariance_method``
        "empirical") or the per-cadence scatter of both groups ("analytic").
    significance_sigma : float
        ``sqrt(-2 ln p)`` of the shift against zero: ``sqrt(χ²)`` (2 dof) for
        the analytic covariance, Hotelling T² with n fakes for the empirical one.
    usable : bool
    flag : str or None
        ``too_few_in_transit`` or ``too_few_baseline`` when not usable.
    simulated : bool
    edge_flags : tuple of str
        ``orbit_start`` / ``straddles_gap`` (:func:`toi5807.centroid.data_edges.edge_flags`) of its ±W window.
    in_combined : bool
        Whether the combined test uses it (usable, and no edge flag unless ``data_edges="keep"``).
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
    simulated: bool = False
    edge_flags: tuple[str, ...] = ()
    in_combined: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        head = f"transit {self.epoch} at BTJD {self.mid_time_btjd:.3f}"
        rows = [("cadences", f"{self.n_in} in transit, {self.n_baseline} in the local baseline")]
        if self.edge_flags:
            rows.append(("window", ", ".join(self.edge_flags) + ("" if self.in_combined else ": left out of the combined test")))
        if not self.usable:
            return f"{head}: not usable ({self.flag})", rows
        mpx = tuple(1e3 * v for v in self.shift_vector_pixels)
        return (f"{head}: shift {fmt(float(np.hypot(*mpx)), '.3g', 'milli-px')} at "
                f"{fmt(self.significance_sigma, '.2f', 'σ')}", [("shift (dx, dy)", fmt(mpx, ".3g", "milli-px"))] + rows)


@dataclass(frozen=True, repr=False)
class PerTransitShifts(Explained):
    """Per-epoch shifts of one sector and the tests across epochs.

    Attributes
    ----------
    epochs : tuple of EpochShift
    combined : CombinedOffset
        Weighted mean of the usable epoch vectors (pixels): its χ² against zero
        and the consistency χ² of the epochs about it (dof = 2(n − 1)). With
        the empirical covariance the p-values and σ are Hotelling-corrected for
        the n fakes (flag ``p_values_hotelling_corrected``); ``chi2`` and
        ``consistency_chi2`` stay the plain statistics.
    baseline_durations : float
        The local baseline reaches |Δt| ≤ ``baseline_durations``·D.
    detrend : str
    covariance : str
        Requested per-epoch covariance, ``"empirical"`` or ``"analytic"``.
    covariance_method : str
        The one used (``"analytic"`` after a fallback).
    n_fakes : int
        Usable fake epochs (0 when none were laid or for ``"analytic"``).
    null_covariance_pixels : 2×2 tuple
        Second moment about zero of the fake-epoch vectors, pixels² (NaN when unused).
    flags : tuple of str
        ``empirical_too_few_fakes_fell_back_to_analytic`` when fewer than
        :data:`MIN_FAKE_EPOCHS` fakes were usable; ``epochs_at_orbit_start_or_gap_left_out`` when edge-flagged
        epochs were left out of the combined test (``every_usable_epoch_at_orbit_start_or_gap`` when none was left).
    simulated : bool
    """

    epochs: tuple[EpochShift, ...]
    combined: CombinedOffset
    baseline_durations: float
    detrend: str
    covariance: str = "analytic"
    covariance_method: str = "analytic"
    n_fakes: int = 0
    null_covariance_pixels: tuple[tuple[float, float], tuple[float, float]] = (
        (math.nan, math.nan), (math.nan, math.nan))
    flags: tuple[str, ...] = ()
    simulated: bool = False

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
            "covariance_method": self.covariance_method, "n_fakes": self.n_fakes, "flags": list(self.flags),
        }, sig=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({"epochs": [e.to_dict() for e in self.epochs], "combined": self.combined.to_dict(),
                          "baseline_durations": self.baseline_durations, "detrend": self.detrend,
                          "covariance": self.covariance, "covariance_method": self.covariance_method,
                          "n_fakes": self.n_fakes, "null_covariance_pixels": self.null_covariance_pixels,
                          "flags": list(self.flags), "n_usable": self.n_usable, "simulated": self.simulated},
                         sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        c = self.combined
        if not c.n_used:
            return f"per-transit shifts: no usable transit of {len(self.epochs)}", [
                ("flags", ", ".join(self.flags) or "none")]
        sig = ", ".join(f"{e.epoch}: {e.significance_sigma:.1f}σ" for e in self.epochs if e.usable)
        return (f"per-transit shifts: {self.n_usable} of {len(self.epochs)} transits; weighted mean "
                f"{fmt(1e3 * c.norm, '.3g', 'milli-px')} at {fmt(c.significance_sigma, '.2f', 'σ')}", [
                    ("epochs agree", f"consistency p = {fmt(c.consistency_p_value, '.2g')} ({c.consistency_dof} dof)"),
                    ("per transit", sig),
                    ("covariance", f"{self.covariance_method} ({self.n_fakes} fake epochs)"),
                    ("flags", ", ".join(self.flags) or "none")])


def per_transit_shifts(
    flux: Any,
    time: Any,
    transit_params: Any,
    *,
    quality: Any = None,
    config: CentroidShiftConfig | None = None,
    baseline_durations: float = 3.0,
    detrend: str = "linear",
    covariance: str = "empirical",
    data_edges: str = "discount",
) -> PerTransitShifts:
    """Shift vector of every transit epoch against a local out-of-transit baseline.

    Per epoch (mid-time ``T0 + n·P``) with Δt the time from that mid-time and
    D the duration: in-transit cadences ``|Δt| ≤ k_in·D/2`` (as V08), local
    baseline ``D/2 + k_buffer·D < |Δt| ≤ baseline_durations·D``. With
    ``detrend="linear"`` a straight line in Δt fitted to the baseline is
    removed from both groups (slow pointing drift); each group is MAD-clipped
    and located with ``config.centroid_method``. Epochs with fewer than
    ``config.min_in_transit_cadences`` (at least 3; 2-minute counts, as durations) in-transit or
    ``config.min_out_transit_cadences`` (at least 3) baseline cadences are
    returned with ``usable=False`` and a flag.

    Covariance of an epoch vector:

    * ``"analytic"`` — sum of the groups' covariances from per-cadence scatter
      (:func:`toi5807.pixels.location.analytic_covariance`). It assumes
      independent cadences and is over-confident under correlated pointing
      jitter (4 % false alarms at 3σ on the no-transit twin, 1.11 % nominal).
    * ``"empirical"`` (default) — the same estimator (:func:`_window_vectors`:
      same in-window, buffer, baseline, detrend, clipping and location) is
      applied to fake epochs centred at ``T0 + n·P + j·2W`` (``W =
      baseline_durations·D``, j ≥ 1), whose ±W windows overlap neither each
      other nor any real epoch's ±W span (so no transit light enters them).
      A fake counts if its in-window and baseline hold at least
      :data:`~toi5807.centroid.config.FAKE_MIN_COVERAGE` (80 %) of the median usable
      real epoch's cadence counts (as V08's empirical null). The null
      covariance is the second moment of the n fake vectors **about zero**,
      ``S = Σ vᵢvᵢᵀ / n``: local differencing with a symmetric baseline has
      zero expectation under the null, so no mean is estimated (n rather than
      n − 1 degrees of freedom), and any residual bias of the estimator is
      counted as noise instead of being subtracted away (conservative).
      Every real epoch gets ``S`` scaled by ``max(1, ñ_in / n_in)`` (ñ_in the
      median fake in-window count): an epoch with a partial window is not
      treated as better measured than the fakes. With fewer than
      :data:`MIN_FAKE_EPOCHS` usable fakes the analytic covariance is used and
      flagged ``empirical_too_few_fakes_fell_back_to_analytic``.

    The epoch vectors are combined (:func:`combine_offsets`, pixels — valid
    because one sector has one roll): a blend shifts the same way at every
    transit (consistency χ² small, mean significant), jitter does not
    (Bryson et al. 2013, arXiv:1303.0052; Twicken et al. 2018, PASP 130,
    064502). With the empirical covariance the χ² statistics are kept but
    their p-values (and σ = sqrt(−2 ln p)) account for S being estimated from
    n fakes: per-epoch and mean tests as Hotelling T² about zero,
    ``T²(n − 1)/(2n) ~ F(2, n − 1)`` (exact for Gaussian noise, also for the
    weighted mean since all epochs share S up to known factors); the
    consistency χ² as a Lawley–Hotelling trace with its F approximation.
    Without this correction a 3σ χ² with n = 20 fakes is really a 2.7σ event.

    Data edges (:mod:`toi5807.centroid.data_edges`): an epoch whose ±W window overlaps the first 3 days of an
    orbit or a data gap is flagged (``EpochShift.edge_flags``); with ``data_edges="discount"`` (default) it keeps
    its own test but is left out of the combined one (the null stays that of all fakes: conservative). Real
    sector 83, empty epochs: combined ≥ 3σ at 37 of 199 offsets kept, 0 of 135 discounted.

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
    covariance : {"empirical", "analytic"}
        Per-epoch covariance (see above).
    data_edges : {"discount", "keep"}
        Leave epochs at orbit starts and gaps out of the combined test (see above), or keep them (flags only).

    Returns
    -------
    PerTransitShifts
    """
    cfg = config if config is not None else CentroidShiftConfig()
    if not isinstance(cfg, CentroidShiftConfig):
        raise TypeError(f"config: expected CentroidShiftConfig or None, got {type(cfg).__name__}")
    if detrend not in ("linear", "none"):
        raise ValueError(f"detrend: expected 'linear' or 'none', got {detrend!r}")
    if not isinstance(covariance, str):
        raise TypeError(f"covariance: expected a string, got {type(covariance).__name__}")
    if covariance not in COVARIANCE_METHODS:
        raise ValueError(f"covariance: expected one of {COVARIANCE_METHODS}, got {covariance!r}")
    if data_edges not in ("discount", "keep"):
        raise ValueError(f"data_edges: expected 'discount' or 'keep', got {data_edges!r}"[:200])
    discount = data_edges == "discount"
    tp = coerce_transit_params(transit_params)
    cube = check_cube(flux)
    t = check_time(time, cube.shape[0])
    d = tp.duration_days
    h_in, h_buf = cfg.k_in * d / 2.0, d / 2.0 + cfg.k_buffer * d
    if isinstance(baseline_durations, bool) or not isinstance(baseline_durations, (int, float)):
        raise TypeError(f"baseline_durations: expected a number, got {type(baseline_durations).__name__}")
    if not baseline_durations * d > h_buf:
        raise ValueError(f"baseline_durations: expected > {h_buf / d:g} durations (the buffer edge), "
                         f"got {baseline_durations}")
    half_span = baseline_durations * d
    ok = _quality_ok(quality, t.size, cfg.quality_bitmask) & np.isfinite(t)
    with np.errstate(invalid="ignore"):
        epoch_f = np.round((t - tp.t0) / tp.period)
        dt = t - (tp.t0 + epoch_f * tp.period)
    near = ok & (np.abs(dt) <= half_span)
    if covariance == "empirical":
        with np.errstate(invalid="ignore"):
            in_fake, f_lab, f_dt, _ = _fake_labels(t, tp.period, tp.t0, half_span)
        in_fake &= ok
    else:
        in_fake = np.zeros(t.size, dtype=bool)
    idx = np.flatnonzero(near | in_fake)
    cx_all, cy_all = np.full(t.size, np.nan), np.full(t.size, np.nan)
    cx_all[idx], cy_all[idx] = flux_weighted_centroids(cube[idx])
    fin = np.isfinite(cx_all) & np.isfinite(cy_all)

    min_in, min_out = (max(n, 3) for n in cfg.min_counts(cadence_seconds(t[ok])))  # 2-min counts as durations
    r = np.flatnonzero(near & fin)
    uniq, n_in, n_b, vecs, acovs = _window_vectors(cx_all[r], cy_all[r], dt[r], epoch_f[r].astype(np.int64),
                                                   h_in, h_buf, detrend, cfg, min_in, min_out)
    usable = np.all(np.isfinite(vecs), axis=1)

    e_flags = edge_flags(tp.t0 + uniq * tp.period, half_span, t[ok])
    method, n_fakes, flags = "analytic", 0, []
    null_cov = np.full((2, 2), np.nan)
    covs = acovs
    if covariance == "empirical" and np.any(usable):
        f = np.flatnonzero(in_fake & fin)
        f_min_in = max(min_in, math.ceil(FAKE_MIN_COVERAGE * float(np.median(n_in[usable]))))
        f_min_out = max(min_out, math.ceil(FAKE_MIN_COVERAGE * float(np.median(n_b[usable]))))
        _, fn_in, _, fvecs, _ = _window_vectors(cx_all[f], cy_all[f], f_dt[f], f_lab[f], h_in, h_buf, detrend,
                                                 cfg, f_min_in, f_min_out)
        fok = np.all(np.isfinite(fvecs), axis=1)
        n_fakes = int(fok.sum())
        if n_fakes >= MIN_FAKE_EPOCHS:
            fv = fvecs[fok]
            null_cov = fv.T @ fv / n_fakes  # second moment about zero (see docstring)
            scale = np.maximum(1.0, float(np.median(fn_in[fok])) / np.maximum(n_in, 1))
            covs = scale[:, None, None] * null_cov[None, :, :]
            method = "empirical"
        else:
            flags.append("empirical_too_few_fakes_fell_back_to_analytic")

    epochs: list[EpochShift] = []
    for k, e in enumerate(uniq):
        mid = float(tp.t0 + e * tp.period)
        if not usable[k]:
            epochs.append(EpochShift(epoch=int(e), mid_time_btjd=mid, n_in=int(n_in[k]), n_baseline=int(n_b[k]),
                                     flag="too_few_in_transit" if n_in[k] < min_in else "too_few_baseline",
                                     edge_flags=e_flags[k]))
            continue
        vec, cov = vecs[k], covs[k]
        log_p, sig, _ = chi2_2dof_significance(vec, cov)
        if method == "empirical":
            sig = sigma_from_log_p(zero_mean_hotelling_log_p(-2.0 * log_p, n_fakes))
        epochs.append(EpochShift(epoch=int(e), mid_time_btjd=mid, n_in=int(n_in[k]), n_baseline=int(n_b[k]),
                                 shift_vector_pixels=(float(vec[0]), float(vec[1])),
                                 shift_covariance_pixels=((float(cov[0, 0]), float(cov[0, 1])),
                                                          (float(cov[1, 0]), float(cov[1, 1]))),
                                 significance_sigma=float(sig), usable=True, edge_flags=e_flags[k],
                                 in_combined=not (discount and e_flags[k])))
    use = [e for e in epochs if e.in_combined]
    if any(e.usable and not e.in_combined for e in epochs):
        flags.append("epochs_at_orbit_start_or_gap_left_out" if use else "every_usable_epoch_at_orbit_start_or_gap")
    combined = combine_offsets([e.shift_vector_pixels for e in use], [e.shift_covariance_pixels for e in use],
                               [f"epoch {e.epoch}" for e in use], unit="px")
    if method == "empirical" and combined.n_used > 0:
        log_p = zero_mean_hotelling_log_p(combined.chi2, n_fakes)
        clog_p = (zero_mean_lawley_hotelling_log_p(combined.consistency_chi2, combined.n_used, n_fakes)
                  if combined.consistency_dof > 0 else math.nan)
        combined = dataclasses.replace(
            combined, log_p_value=log_p, p_value=p_from_log_p(log_p), significance_sigma=sigma_from_log_p(log_p),
            consistency_p_value=p_from_log_p(clog_p), consistency_sigma=sigma_from_log_p(clog_p),
            flags=(*combined.flags, "p_values_hotelling_corrected"))
    return PerTransitShifts(epochs=tuple(epochs), combined=combined, baseline_durations=float(baseline_durations),
                            detrend=detrend, covariance=covariance, covariance_method=method, n_fakes=n_fakes,
                            null_covariance_pixels=((float(null_cov[0, 0]), float(null_cov[0, 1])),
                                                    (float(null_cov[1, 0]), float(null_cov[1, 1]))),
                            flags=tuple(flags))
