"""Null calibration of V08 on transit-free twins: false-alarm rate of each significance method (SIMULATION).

``scenario="no_transit"`` stamps (no signal at all) from
:func:`toi5807.twin.simulate.simulate_sector`: the p-value of every significance
method, the false-alarm rate at the nominal 3σ (``p < exp(-4.5) = 1.11 %`` for
the 2-dof convention ``sigma = sqrt(-2 ln p)``) with its Clopper–Pearson 99 %
interval, and a KS test of uniform p-values. Also the per-transit
local-baseline test of :func:`toi5807.centroid.per_transit.per_transit_shifts`
(``"per_transit"``).

Bryson et al. (2013, arXiv:1303.0052); Twicken et al. (2018, PASP 130, 064502).
Every draw is seeded: the twin's noise by ``(seed, sector)``, V08's resampling by ``seed``.
"""

from __future__ import annotations

import dataclasses
import math
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target as _target
from ..lightcurve import TransitParams
from ..report import Explained, fmt, json_safe
from ..twin.simulate import simulate_sector
from ..centroid.config import CentroidShiftConfig
from ..pixels.pvalues import clopper_pearson
from ..centroid.per_transit import per_transit_shifts
from ..centroid.shift import compute_centroid_shift
from ..centroid.significance import SIGNIFICANCE_METHODS

__all__ = [
    "NOMINAL_FAR_3SIGMA",
    "NULL_METHODS",
    "MethodCalibration",
    "NullCalibration",
    "clopper_pearson",
    "null_calibration",
    "default_switch_decision",
]


#: P(χ²₂ ≥ 9) = exp(-4.5): chance of a "≥3σ" shift under the null, 2-D Gaussian.
NOMINAL_FAR_3SIGMA: float = math.exp(-4.5)


#: Methods of the null study: V08's four plus the per-transit local-baseline test.
NULL_METHODS: tuple[str, ...] = (*SIGNIFICANCE_METHODS, "per_transit")


_HIST_BINS = 20


def _tp() -> TransitParams:
    return TransitParams(_target.PERIOD_DAYS, _target.T0_BTJD, _target.DURATION_HOURS)


def _tqdm_switch(progress: bool) -> dict[str, bool]:
    """tqdm keyword arguments: ``disable=True`` only when ``progress`` is False.

    An explicit ``disable=False`` would override tqdm's ``TQDM_DISABLE=1``
    environment switch, so with ``progress=True`` ``disable`` is left unset and
    the environment decides.
    """
    return {} if progress else {"disable": True}


def _binomial_count_interval(n: int, p: float, level: float = 0.99) -> tuple[int, int]:
    """Central interval of the number of successes of Binomial(n, p)."""
    from scipy.stats import binom

    a = 1.0 - level
    return int(binom.ppf(a / 2, n, p)), int(binom.ppf(1 - a / 2, n, p))


@dataclass(frozen=True, repr=False)
class MethodCalibration(Explained):
    """Null behaviour of one significance method.

    Attributes
    ----------
    method : str
    n_trials : int
        Sector-trials with a finite p-value.
    n_false_alarms : int
        Trials with σ ≥ 3 (p ≤ 1.11 %).
    far_3sigma : float
        ``n_false_alarms / n_trials``.
    far_ci99 : (float, float)
        Clopper–Pearson 99 % interval of the rate.
    far_ratio_to_nominal : float
        ``far_3sigma / 1.11 %``.
    expected_count_ci99 : (int, int)
        99 % central interval of the count if the method were calibrated (Binomial(n, 1.11 %)).
    calibrated_at_3sigma : bool
        The count lies inside ``expected_count_ci99``.
    within_half_to_1p5_nominal : bool
        0.5 ≤ ``far_ratio_to_nominal`` ≤ 1.5 (the criterion of the default switch).
    ks_p_value : float
        Kolmogorov–Smirnov p-value of the p-values against Uniform(0, 1).
    p_hist_counts : tuple of int
        Histogram of p-values, 20 equal bins on [0, 1].
    median_sigma : float
    simulated : bool
        Always True: calibration trials run on simulated no-transit twins.
    """

    method: str
    n_trials: int
    n_false_alarms: int
    far_3sigma: float
    far_ci99: tuple[float, float]
    far_ratio_to_nominal: float
    expected_count_ci99: tuple[int, int]
    calibrated_at_3sigma: bool
    within_half_to_1p5_nominal: bool
    ks_p_value: float
    p_hist_counts: tuple[int, ...]
    median_sigma: float
    simulated: bool = True

    @classmethod
    def from_sigmas(cls, method: str, sigma: Iterable[float]) -> "MethodCalibration":
        """Summarise per-trial significances (σ, V08 convention; NaN trials dropped)."""
        from scipy.stats import kstest

        s = np.asarray(list(sigma), dtype=float)
        s = s[np.isfinite(s) | (s == np.inf)]
        n = int(s.size)
        if n == 0:
            raise ValueError(f"{method}: no finite significance in the null trials")
        p = np.exp(-0.5 * np.minimum(s, 1e3) ** 2)
        k = int(np.count_nonzero(s >= 3.0))
        far = k / n
        lo_c, hi_c = _binomial_count_interval(n, NOMINAL_FAR_3SIGMA)
        ratio = far / NOMINAL_FAR_3SIGMA
        hist = np.histogram(p, bins=_HIST_BINS, range=(0.0, 1.0))[0]
        return cls(method=method, n_trials=n, n_false_alarms=k, far_3sigma=far, far_ci99=clopper_pearson(k, n),
                   far_ratio_to_nominal=ratio, expected_count_ci99=(lo_c, hi_c),
                   calibrated_at_3sigma=bool(lo_c <= k <= hi_c), within_half_to_1p5_nominal=bool(0.5 <= ratio <= 1.5),
                   ks_p_value=float(kstest(p, "uniform").pvalue), p_hist_counts=tuple(int(c) for c in hist),
                   median_sigma=float(np.median(s)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe(dataclasses.asdict(self), sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        lo, hi = self.far_ci99
        return (f"{self.method}: {self.n_false_alarms}/{self.n_trials} false alarms at 3σ "
                f"({fmt(self.far_ratio_to_nominal, '.2g')} × nominal)", [
                    ("false-alarm rate", f"{fmt(100 * self.far_3sigma, '.2g')} % (99 % CI {fmt(100 * lo, '.2g')}–"
                                         f"{fmt(100 * hi, '.2g')} %; nominal {100 * NOMINAL_FAR_3SIGMA:.2f} %)"),
                    ("calibrated at 3σ", fmt(self.calibrated_at_3sigma)),
                    ("KS p-value (uniform p)", fmt(self.ks_p_value, ".2g")),
                    ("median σ", fmt(self.median_sigma, ".2f", "σ"))])


@dataclass(frozen=True, repr=False)
class NullCalibration(Explained):
    """Outcome of :func:`null_calibration`.

    Attributes
    ----------
    methods : dict str -> MethodCalibration
    seeds : (int, int)
        First and last seed (consecutive).
    sectors : tuple of int
    n_permutations : int
        Relabellings of the permutation method (its p-value floor is 1/(N + 1)).
    sigma : dict str -> list of float
        Per-trial σ of each method, trial order (seed-major, then sector).
    runtime_s : float
    simulated : bool
        Always True (SIMULATION).

    ``.plot(fig=None)`` draws :func:`toi5807.plots.plot_null_calibration`.
    """

    methods: dict[str, MethodCalibration]
    seeds: tuple[int, int]
    sectors: tuple[int, ...]
    n_permutations: int
    sigma: dict[str, list[float]]
    runtime_s: float
    simulated: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (σ rounded to 4 significant digits, NaN → None)."""
        return {
            "study": "null_calibration", "scenario": "no_transit", "nominal_far_3sigma": NOMINAL_FAR_3SIGMA,
            "seeds": list(self.seeds), "sectors": list(self.sectors), "n_permutations": self.n_permutations,
            "methods": {m: c.to_dict() for m, c in self.methods.items()},
            "sigma": {m: json_safe(v, sig=4) for m, v in self.sigma.items()}, "simulated": self.simulated,
        }  # runtime_s is printed by the calibrate command, not stored: the cached results stay reproducible

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        n = self.seeds[1] - self.seeds[0] + 1
        return (f"null calibration: {n} seeds × sectors {', '.join(map(str, self.sectors))} (no-transit twins)",
                [(m, f"{c.n_false_alarms}/{c.n_trials} at 3σ ({fmt(c.far_ratio_to_nominal, '.2g')} × nominal), "
                     f"KS p = {fmt(c.ks_p_value, '.2g')}") for m, c in self.methods.items()])


def null_calibration(seeds: Iterable[int], sectors: Iterable[int], *, methods: Iterable[str] = NULL_METHODS,
                     n_permutations: int = 200, config: CentroidShiftConfig | None = None,
                     progress: bool = True) -> NullCalibration:
    """False-alarm rates of the significance methods on ``no_transit`` twins (SIMULATION).

    Parameters
    ----------
    seeds : iterable of int
        Twin seeds (noise and jitter; also the V08 resampling seed).
    sectors : iterable of int
        Twin sectors per seed.
    methods : iterable of str
        Any of ``analytic, bootstrap, permutation, empirical, per_transit``.
    n_permutations : int
        ``n_bootstrap`` of the permutation method (bootstrap keeps ``config.n_bootstrap``).
    config : CentroidShiftConfig, optional
        Base configuration (default ``CentroidShiftConfig()``).
    progress : bool
        tqdm progress bar (silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    NullCalibration
    """
    from tqdm import tqdm

    seeds, sectors, methods = [int(s) for s in seeds], [int(s) for s in sectors], list(methods)
    bad = [m for m in methods if m not in NULL_METHODS]
    if bad or not methods:
        raise ValueError(f"methods: expected a non-empty subset of {NULL_METHODS}, got {methods}")
    if not seeds or not sectors:
        raise ValueError("seeds, sectors: expected at least one of each")
    cfg = config if config is not None else CentroidShiftConfig()
    tp = _tp()
    sig: dict[str, list[float]] = {m: [] for m in methods}
    start = _time.perf_counter()
    jobs = [(seed, sector) for seed in seeds for sector in sectors]
    for seed, sector in tqdm(jobs, desc="null calibration", mininterval=2.0, **_tqdm_switch(progress)):
        sim = simulate_sector(sector, seed=seed, scenario="no_transit")
        for m in methods:
            if m == "per_transit":
                pt = per_transit_shifts(sim.flux, sim.time, tp, quality=sim.quality, config=cfg)
                sig[m].append(pt.combined.significance_sigma)
                continue
            over = {"significance_method": m, "seed": seed}
            if m == "permutation":
                over["n_bootstrap"] = int(n_permutations)
            r = compute_centroid_shift(sim.flux, sim.time, tp, config=dataclasses.replace(cfg, **over),
                                       quality=sim.quality, wcs=sim.wcs)
            sig[m].append(float(r.significance_sigma))
    cals = {m: MethodCalibration.from_sigmas(m, v) for m, v in sig.items()}
    return NullCalibration(methods=cals, seeds=(min(seeds), max(seeds)), sectors=tuple(sectors),
                           n_permutations=int(n_permutations), sigma=sig, runtime_s=_time.perf_counter() - start)


def default_switch_decision(null: Any, design_note_default: str = "bootstrap") -> dict[str, Any]:
    """Which significance method should be V08's default, from the null calibration.

    The tutorial's rule: switch from the design note's default to ``empirical`` when the former's 3σ
    false-alarm rate is outside 0.5–1.5× nominal while ``empirical``'s is inside. The package also makes
    ``empirical`` the default when the design-note default is *over*-confident and ``empirical`` errs on the
    conservative side (rate below the band): a check that flags most transit-free sectors is of no use, a
    slightly cautious one is.

    Parameters
    ----------
    null : NullCalibration or its ``to_dict()``
    design_note_default : str
        The design note's v2 default (``"bootstrap"``).

    Returns
    -------
    dict
        Both 3σ false-alarm rates and their ratios to nominal, ``rule_met`` (the literal rule),
        ``package_default`` (what ``CentroidShiftConfig()`` uses now) and ``reason``.
    """
    d = null.to_dict() if hasattr(null, "to_dict") else null
    cur, emp = d["methods"][design_note_default], d["methods"]["empirical"]
    rule_met = (not cur["within_half_to_1p5_nominal"]) and emp["within_half_to_1p5_nominal"]
    over = cur["far_ratio_to_nominal"] > 1.5
    cautious = emp["far_ratio_to_nominal"] < 0.5
    if rule_met:
        reason = "rule met: the design-note default is miscalibrated and empirical is calibrated"
    elif over and cautious:
        reason = ("design-note default over-confident; empirical conservative (below the band): "
                  "the conservative method is the default")
    else:
        reason = "rule not met"
    return {
        "design_note_default": design_note_default,
        "design_note_default_far_3sigma": cur["far_3sigma"],
        "design_note_default_ratio": cur["far_ratio_to_nominal"],
        "empirical_far_3sigma": emp["far_3sigma"],
        "empirical_ratio": emp["far_ratio_to_nominal"],
        "nominal_far_3sigma": NOMINAL_FAR_3SIGMA,
        "rule_met": bool(rule_met),
        "package_default": CentroidShiftConfig().significance_method,
        "reason": reason,
    }
