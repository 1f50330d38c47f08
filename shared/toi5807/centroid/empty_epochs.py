"""V08 at empty epochs of the target's own pixels: how often does each significance method cry wolf here?

The twin calibration (:mod:`toi5807.calibration`) counts false alarms on hundreds of simulated transit-free sectors.
This module asks the same question of the *real* stamp being judged: the candidate's windows are laid at phases
where there is no transit (``t0`` moved by a fraction of the period, away from the real transits), and V08 is run
there with every significance method. A calibrated method claims "≥ 3σ" at 1.11 % of such epochs (χ² with 2
degrees of freedom). One sector holds only a few independent phases (the windows of neighbouring phases overlap),
so the counts are small: they show gross miscalibration (a method at 3σ half of the time), not percent-level
accuracy, and the interval says so.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.pvalues import clopper_pearson
from ..report import Explained, fmt, json_safe
from .config import CentroidShiftConfig
from .shift import compute_centroid_shift
from .significance import SIGNIFICANCE_METHODS

__all__ = ["EmptyEpochNull", "empty_epoch_null", "NOMINAL_FAR_3SIGMA"]

#: Chance of σ ≥ 3 for a two-component Gaussian shift: exp(−9/2).
NOMINAL_FAR_3SIGMA = math.exp(-4.5)


@dataclass(frozen=True, repr=False)
class EmptyEpochNull(Explained):
    """V08's significances at empty epochs of one stamp, per method.

    Attributes
    ----------
    sector : int
    phases : tuple of float
        Offsets of the fake mid-transit times from the real ephemeris, in units of the period.
    sigmas : dict method -> tuple of float
        V08 σ at each empty epoch (NaN where a method could not compute one).
    n_independent : int
        Phases whose in-transit windows do not overlap each other: the effective number of trials.
    simulated : bool
        True when the stamp is simulated.
    """

    sector: int
    phases: tuple[float, ...]
    sigmas: dict[str, tuple[float, ...]]
    n_independent: int
    simulated: bool = False

    def false_alarms(self, method: str, threshold: float = 3.0) -> tuple[int, int]:
        """(epochs with σ ≥ ``threshold``, epochs with a σ) for ``method``."""
        s = np.asarray(self.sigmas[method], dtype=float)
        s = s[np.isfinite(s)]
        return int(np.sum(s >= threshold)), int(s.size)

    def rates(self) -> dict[str, dict[str, Any]]:
        """Per method: false alarms at 3σ, the trials, the rate, its 99 % interval and the median σ."""
        out = {}
        for m, values in self.sigmas.items():
            k, n = self.false_alarms(m)
            s = np.asarray(values, dtype=float)
            out[m] = {"false_alarms_3sigma": k, "n_epochs": n, "far_3sigma": k / n if n else None,
                      "far_ci99": clopper_pearson(k, n) if n else None,
                      "median_sigma": float(np.nanmedian(s)) if np.isfinite(s).any() else None}
        return out

    def to_dict(self) -> dict[str, Any]:
        return json_safe({"sector": self.sector, "phases": self.phases, "n_independent": self.n_independent,
                          "nominal_far_3sigma": NOMINAL_FAR_3SIGMA, "methods": self.rates(),
                          "sigmas": self.sigmas, "simulated": self.simulated}, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        rows = [(m, f"{r['false_alarms_3sigma']}/{r['n_epochs']} epochs ≥ 3σ, median {fmt(r['median_sigma'], '.2f', 'σ')}")
                for m, r in self.rates().items()]
        return (f"V08 at {len(self.phases)} empty epochs of sector {self.sector} "
                f"({self.n_independent} independent)", rows)


def _phases(tp: TransitParams, n: int, guard_durations: float) -> np.ndarray:
    """``n`` phase offsets spread over the orbit, each at least ``guard_durations`` durations (plus the
    out-of-transit buffer) from the real transit."""
    guard = min(0.45, (guard_durations + 1.0) * tp.duration / 24.0 / tp.period)
    return np.linspace(guard, 1.0 - guard, n)


def empty_epoch_null(stamp: Any, candidate: Any, *, n_epochs: int = 40, methods: tuple[str, ...] | None = None,
                     config: CentroidShiftConfig | None = None, guard_durations: float = 2.0) -> EmptyEpochNull:
    """Run V08 at ``n_epochs`` empty epochs of ``stamp`` with each significance method.

    Parameters
    ----------
    stamp : TPFStamp
        The target's pixels (flux e-/s, time BTJD).
    candidate : Candidate, Ephemeris, TransitParams or mapping
        The real ephemeris (period days, t0 BTJD, duration hours); the empty epochs keep its period and duration.
    n_epochs : int
        Number of fake mid-transit phases, spread evenly between the real transits.
    methods : tuple of str, optional
        Significance methods (default: every one of :data:`~toi5807.centroid.significance.SIGNIFICANCE_METHODS`).
    config : CentroidShiftConfig, optional
        Everything but the significance method (which each run sets).
    guard_durations : float
        Keep the fake in-transit windows this many durations (beyond V08's one-duration buffer) from the real ones.

    Returns
    -------
    EmptyEpochNull
    """
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, (int, np.integer)) or n_epochs < 2:
        raise ValueError(f"n_epochs: expected an int ≥ 2, got {n_epochs!r}")
    tp = coerce_transit_params(candidate, name="candidate")
    cfg = config if config is not None else CentroidShiftConfig()
    methods = tuple(SIGNIFICANCE_METHODS) if methods is None else tuple(methods)
    unknown = [m for m in methods if m not in SIGNIFICANCE_METHODS]
    if unknown:
        raise ValueError(f"methods: unknown {unknown}; expected some of {list(SIGNIFICANCE_METHODS)}")
    phases = _phases(tp, int(n_epochs), float(guard_durations))
    sigmas: dict[str, list[float]] = {m: [] for m in methods}
    for m in methods:  # one V08 run per method and phase: the engine is vectorised over cadences
        mcfg = dataclasses.replace(cfg, significance_method=m)
        for ph in phases:
            fake = TransitParams(tp.period, tp.t0 + float(ph) * tp.period, tp.duration)
            r = compute_centroid_shift(stamp.flux, stamp.time, fake, config=mcfg, quality=stamp.quality,
                                       wcs=getattr(stamp, "wcs", None))
            sigmas[m].append(float(r.significance_sigma))
    # phases closer than one in-transit window (a duration) share cadences: count the independent ones
    step = (phases[1] - phases[0]) * tp.period * 24.0 / tp.duration if len(phases) > 1 else math.inf
    n_ind = int(len(phases) if step >= 1.0 else max(1, math.floor(len(phases) * step)))
    return EmptyEpochNull(int(stamp.sector), tuple(float(p) for p in phases),
                          {m: tuple(v) for m, v in sigmas.items()}, n_ind, bool(getattr(stamp, "simulated", False)))
