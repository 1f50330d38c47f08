"""How restless is a stamp? Pointing and flux statistics out of transit — one definition for twin and real data.

The digital twin is judged against the real sector-83 pixels with these numbers (tests, the benchmark and
the notebook all call :func:`stamp_noise`), and a user can compute them for any TPF:

* **centroid scatter** — per cadence, per axis: ``1.4826·MAD`` of the first differences of consecutive
  cadences ÷ √2 (milli-pixels); slow motion cancels in a difference, so this is the white part;
* **centroid wander** — per axis, at 30-minute, 6-hour and 1-day bins: the standard deviation of the bin
  means of the flux-weighted centroid (milli-pixels); this is what pointing drift does to a whole-sector
  centroid comparison;
* **stamp-sum and aperture-sum flux wander** — the same for the sum of all pixels and of the pipeline
  aperture, normalised by their medians (ppm): background errors, focus and light moving across the
  aperture edge;
* **centroid spread** — per axis, ``1.4826·MAD`` of the out-of-transit centroid *values* (milli-pixels): the
  whole distribution a per-cadence median and a 3-MAD outlier cut see (tess-vetter's default V08 takes the
  median of these values in and out of transit and bootstraps it as if cadences were independent);
* **centroid outliers** — the share of out-of-transit cadences more than 3 robust σ (``1.4826·MAD``) from the
  median on either axis (per cent): what such a cut throws away (pointing transients after downlinks);
* **centroid offset across the orbit gap** — per axis, the absolute difference of the median centroid before
  and after the downlink gap (a pause > 0.1 d) nearest the middle of the sector (milli-pixels). A sector's orbits are ≈ 13.7 d long and
  TOI-5807.01's period is 14.24 d, so its transits of one sector fall in different orbits: this offset is
  what separates the in-transit centroids of one transit from those of the next;
* **faint pixels** — the 20 pixels faintest in the out-of-transit median image: the median of their
  per-cadence robust σ (first differences, as the centroid scatter; e-/s), the share of their values below
  zero (per cent; negative pixels are clipped by the centroid) and the median of their median levels (e-/s).

The centroid is the whole-stamp flux-weighted one with negative and non-finite pixels given zero weight
(:func:`~toi5807.pixels.series.flux_weighted_centroids`, tess-vetter's definition as well). The faint-pixel
numbers describe what that clipping acts on; they do not drive the centroid of this bright target (its 20
faintest pixels hold ≈ 10⁻³ of the stamp's flux): ``benchmarks/twin_vs_reference.py`` adds 2.8 times the real
faint-pixel noise to the twin's faint pixels, or ±30 e-/s of background to every pixel, and tess-vetter's
uncertainty moves by ≤ 11 % (seed 0), while the slow pointing — the centroid spread and the offset between
orbits — sets it.

Cadences used: finite time and centroid, quality passing the default bitmask, and out of transit by the V08
windows (more than half a duration plus half a duration of buffer from mid-transit). Bins are laid from the
first used cadence; a bin counts when it holds at least half of its possible cadences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import target
from ..lightcurve import TransitParams, coerce_transit_params, transit_window_masks
from ..report import json_safe
from .quality import DEFAULT_QUALITY_BITMASK
from .series import _quality_ok, flux_weighted_centroids

__all__ = ["BIN_HOURS", "STATISTICS", "N_FAINT_PIXELS", "StampNoise", "stamp_noise", "compare_stamp_noise"]

#: Bin widths of the wander statistics, hours.
BIN_HOURS: tuple[float, ...] = (0.5, 6.0, 24.0)
#: The statistics compared between twin and real data, in table order (name, unit).
STATISTICS: tuple[tuple[str, str], ...] = (
    ("centroid scatter, column", "mpx"), ("centroid scatter, row", "mpx"),
    *((f"centroid wander {h:g} h, {ax}", "mpx") for h in BIN_HOURS for ax in ("column", "row")),
    *((f"stamp-sum flux wander {h:g} h", "ppm") for h in BIN_HOURS),
    *((f"aperture-sum flux wander {h:g} h", "ppm") for h in BIN_HOURS),
    ("centroid spread, column", "mpx"), ("centroid spread, row", "mpx"), ("centroid outliers", "%"),
    ("centroid offset across the orbit gap, column", "mpx"), ("centroid offset across the orbit gap, row", "mpx"),
    ("faint-pixel sigma", "e-/s"), ("faint-pixel negative share", "%"), ("faint-pixel level", "e-/s"),
)
#: Pixels counted as faint (the faintest of the out-of-transit median image).
N_FAINT_PIXELS: int = 20
_MAD = 1.482602218505602
#: A pause in the data longer than this (days) is a downlink gap; the one nearest mid-sector splits the orbits.
_ORBIT_GAP_DAYS = 0.1
_CADENCE_DAYS = 2.0 / 1440.0


@dataclass(frozen=True)
class StampNoise:
    """Out-of-transit pointing and flux statistics of one stamp (see the module docstring).

    Attributes
    ----------
    sector : int
    simulated : bool
    n_cadences : int
        Out-of-transit cadences used.
    aperture_pixels : int
        Pixels of the aperture whose sum is measured (0 without an aperture).
    values : dict
        Statistic name (:data:`STATISTICS`) -> value (mpx, ppm, per cent or e-/s as :data:`STATISTICS` says;
        NaN when undefined).
    """

    sector: int
    simulated: bool
    n_cadences: int
    aperture_pixels: int
    values: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        v = self.values
        label = " (SIMULATED)" if self.simulated else ""
        return (f"StampNoise(sector {self.sector}{label}: centroid scatter "
                f"{v['centroid scatter, column']:.2f}/{v['centroid scatter, row']:.2f} mpx, 6-h wander "
                f"{v['centroid wander 6 h, column']:.1f}/{v['centroid wander 6 h, row']:.1f} mpx, flux wander "
                f"{v['stamp-sum flux wander 6 h']:.0f} ppm stamp / {v['aperture-sum flux wander 6 h']:.0f} ppm "
                f"aperture of {self.aperture_pixels} px, spread {v['centroid spread, column']:.1f}/"
                f"{v['centroid spread, row']:.1f} mpx, orbit-gap offset "
                f"{v['centroid offset across the orbit gap, column']:.1f}/"
                f"{v['centroid offset across the orbit gap, row']:.1f} mpx, faint-pixel σ "
                f"{v['faint-pixel sigma']:.2f} e-/s)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({"sector": self.sector, "simulated": self.simulated, "n_cadences": self.n_cadences,
                          "aperture_pixels": self.aperture_pixels, "values": self.values}, sig=None)



def _binned_std(t: np.ndarray, values: np.ndarray, hours: float) -> float:
    """Standard deviation of the means of bins of ``hours`` that hold at least half their cadences."""
    width = hours / 24.0
    idx = np.floor((t - t[0]) / width).astype(np.int64)
    n = np.bincount(idx)
    mean = np.bincount(idx, weights=values) / np.maximum(n, 1)
    full = n >= 0.5 * width / _CADENCE_DAYS
    return float(np.std(mean[full], ddof=1)) if np.count_nonzero(full) >= 2 else math.nan


def _robust_sigma(x: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """``1.4826·MAD`` along ``axis``."""
    return _MAD * np.median(np.abs(x - np.median(x, axis=axis, keepdims=True)), axis=axis)


def _centroid_distribution(tt: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> dict[str, float]:
    """Spread, 3-MAD outlier share and offset across the largest gap of the used centroid values."""
    out: dict[str, float] = {}
    if tt.size < 3:
        return out
    far = np.zeros(tt.size, dtype=bool)
    gaps = np.flatnonzero(np.diff(tt) > _ORBIT_GAP_DAYS)
    if not gaps.size:
        return out
    gap = int(gaps[np.argmin(np.abs(tt[gaps] - 0.5 * (tt[0] + tt[-1])))]) + 1
    for name, c in (("column", cx), ("row", cy)):
        s = float(_robust_sigma(c))
        out[f"centroid spread, {name}"] = 1e3 * s
        far |= np.abs(c - np.median(c)) > 3.0 * s
        out[f"centroid offset across the orbit gap, {name}"] = 1e3 * abs(float(np.median(c[gap:]) - np.median(c[:gap])))
    out["centroid outliers"] = 100.0 * float(np.mean(far))
    return out


def _faint_pixels(cube: np.ndarray, consecutive: np.ndarray) -> dict[str, float]:
    """Robust σ, negative share and level of the :data:`N_FAINT_PIXELS` faintest pixels (e-/s, per cent)."""
    flat = cube.reshape(cube.shape[0], -1)
    fin = np.all(np.isfinite(flat), axis=0)
    if cube.shape[0] < 3 or np.count_nonzero(fin) < N_FAINT_PIXELS or not np.any(consecutive):
        return {}
    level = np.median(flat[:, fin], axis=0)
    pick = np.flatnonzero(fin)[np.argsort(level)[:N_FAINT_PIXELS]]
    f = flat[:, pick]
    d = np.diff(f, axis=0)[consecutive]
    return {"faint-pixel sigma": float(np.median(_robust_sigma(d, axis=0)) / math.sqrt(2.0)),
            "faint-pixel negative share": 100.0 * float(np.mean(f < 0.0)),
            "faint-pixel level": float(np.median(np.median(f, axis=0)))}


def stamp_noise(stamp: Any, candidate: Any = None, *, quality_bitmask: int = DEFAULT_QUALITY_BITMASK) -> StampNoise:
    """Out-of-transit pointing and flux statistics of a stamp (one definition for twin and real data).

    Parameters
    ----------
    stamp : TPFStamp
        Flux in e-/s, time in BTJD; ``aperture_mask`` for the aperture-sum statistic.
    candidate : Candidate, Ephemeris or TransitParams, optional
        Whose transits are masked (default: TOI-5807.01's catalogue ephemeris).
    quality_bitmask : int
        Cadences with ``quality & bitmask`` are dropped.

    Returns
    -------
    StampNoise
    """
    tp = (TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS) if candidate is None
          else coerce_transit_params(candidate))
    t = np.asarray(stamp.time, dtype=np.float64)
    flux = np.asarray(stamp.flux, dtype=np.float64)
    _, oot = transit_window_masks(t, tp)
    cx, cy = flux_weighted_centroids(flux)
    use = oot & np.isfinite(t) & np.isfinite(cx) & np.isfinite(cy) & _quality_ok(stamp.quality, t.size, quality_bitmask)
    idx = np.flatnonzero(use)
    tt = t[idx]
    consecutive = np.diff(tt) < 1.5 * _CADENCE_DAYS
    values: dict[str, float] = {}
    for name, c in (("column", cx), ("row", cy)):
        d = np.diff(c[idx])[consecutive]
        values[f"centroid scatter, {name}"] = 1e3 * (float(1.482602218505602 * np.median(np.abs(d - np.median(d)))
                                                          / math.sqrt(2.0)) if d.size else math.nan)
    stamp_sum = np.nansum(flux[idx], axis=(1, 2))
    ap = getattr(stamp, "aperture_mask", None)
    ap_sum = np.nansum(flux[idx][:, ap], axis=1) if ap is not None and np.any(ap) else None
    for h in BIN_HOURS:
        for name, c in (("column", cx), ("row", cy)):
            values[f"centroid wander {h:g} h, {name}"] = 1e3 * _binned_std(tt, c[idx], h) if idx.size else math.nan
        values[f"stamp-sum flux wander {h:g} h"] = (1e6 * _binned_std(tt, stamp_sum / np.median(stamp_sum), h)
                                                    if idx.size else math.nan)
        values[f"aperture-sum flux wander {h:g} h"] = (1e6 * _binned_std(tt, ap_sum / np.median(ap_sum), h)
                                                       if ap_sum is not None and idx.size else math.nan)
    values.update(_centroid_distribution(tt, cx[idx], cy[idx]))
    values.update(_faint_pixels(flux[idx], consecutive))
    return StampNoise(sector=int(getattr(stamp, "sector", 0)), simulated=bool(getattr(stamp, "simulated", False)),
                      n_cadences=int(idx.size), aperture_pixels=int(np.count_nonzero(ap)) if ap is not None else 0,
                      values={k: values.get(k, math.nan) for k, _ in STATISTICS})


def compare_stamp_noise(twin: StampNoise, real: StampNoise) -> list[dict[str, Any]]:
    """Side-by-side rows ``{statistic, unit, twin, real, ratio}`` (ratio = twin / real; NaN when undefined)."""
    rows = []
    for name, unit in STATISTICS:
        a, b = twin.values.get(name, math.nan), real.values.get(name, math.nan)
        ratio = a / b if (math.isfinite(a) and math.isfinite(b) and b > 0) else math.nan
        rows.append({"statistic": name, "unit": unit, "twin": a, "real": b, "ratio": ratio})
    return rows
