"""Calibration of V08 on the digital twin: null false-alarm rates and injection–recovery (SIMULATION).

Two studies, both on array-level twin stamps from :func:`toi5807.twin.simulate_sector`
(no FITS), with the twin's correlated pointing jitter:

* :func:`null_calibration` — ``scenario="no_transit"`` stamps (no signal at
  all): the p-value of every significance method, the false-alarm rate at the
  nominal 3σ (``p < exp(-4.5) = 1.11 %`` for the 2-dof convention
  ``sigma = sqrt(-2 ln p)``) with its Clopper–Pearson 99 % interval, and a KS
  test of uniform p-values. Also the per-transit local-baseline test of
  :func:`toi5807.per_transit.per_transit_shifts` (``"per_transit"``).
* :func:`injection_recovery` — the same null stamps with an eclipse injected on
  a point source at a given sky separation and position angle from the target,
  rendered with the twin's PRF and jitter, scaled so that the pipeline
  aperture sees the twin's transit depth (256 ppm) like ``background_eb``;
  detection = V08 σ ≥ 3 per sector and for the sky combination of all sectors
  (:func:`toi5807.sky.combine_offsets`). Detection probability vs
  separation is the sensitivity curve.

Bryson et al. (2013, arXiv:1303.0052); Twicken et al. (2018, PASP 130, 064502).
``python -m toi5807 calibrate`` runs both and caches JSON under
``artifacts/tutorial_toi-5807-incremental/calibration/``. Every draw is seeded:
the twin's noise by ``(seed, sector)``, V08's resampling by ``seed``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time as _time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Iterable

import numpy as np

from . import target as _target
from .centroid import CentroidShiftConfig, TransitParams, compute_centroid_shift
from .centroid_significance import SIGNIFICANCE_METHODS
from .per_transit import per_transit_shifts
from .report import json_safe
from .sky import combine_offsets, sky_jacobian, vector_to_sky

__all__ = [
    "NOMINAL_FAR_3SIGMA",
    "CALIBRATION_STEP",
    "NULL_FILE",
    "INJECTION_FILE",
    "MethodCalibration",
    "NullCalibration",
    "InjectionRecovery",
    "clopper_pearson",
    "null_calibration",
    "injection_recovery",
    "inject_point_eclipse",
    "run_calibration",
    "load_calibration",
    "default_switch_decision",
    "significance_methods_table",
    "estimator_outlier_demo",
    "calibration_summary",
]

#: P(χ²₂ ≥ 9) = exp(-4.5): chance of a "≥3σ" shift under the null, 2-D Gaussian.
NOMINAL_FAR_3SIGMA: float = math.exp(-4.5)
#: Folder name (under ``artifacts/<slug>/``) of the cached results.
CALIBRATION_STEP: str = "calibration"
NULL_FILE: str = "null_calibration.json"
INJECTION_FILE: str = "injection_recovery.json"
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


def clopper_pearson(k: int, n: int, level: float = 0.99) -> tuple[float, float]:
    """Exact (Clopper–Pearson) binomial interval of a rate k/n.

    Parameters
    ----------
    k, n : int
        Successes and trials (0 ≤ k ≤ n, n > 0).
    level : float
        Confidence level.

    Returns
    -------
    (float, float)
    """
    from scipy.stats import beta

    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"clopper_pearson: expected 0 <= k <= n and n > 0, got k={k}, n={n}")
    a = 1.0 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def _binomial_count_interval(n: int, p: float, level: float = 0.99) -> tuple[int, int]:
    """Central interval of the number of successes of Binomial(n, p)."""
    from scipy.stats import binom

    a = 1.0 - level
    return int(binom.ppf(a / 2, n, p)), int(binom.ppf(1 - a / 2, n, p))


@dataclass(frozen=True)
class MethodCalibration:
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


@dataclass(frozen=True)
class NullCalibration:
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
    """

    methods: dict[str, MethodCalibration]
    seeds: tuple[int, int]
    sectors: tuple[int, ...]
    n_permutations: int
    sigma: dict[str, list[float]]
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (σ rounded to 4 significant digits, NaN → None)."""
        return {
            "study": "null_calibration", "scenario": "no_transit", "nominal_far_3sigma": NOMINAL_FAR_3SIGMA,
            "seeds": list(self.seeds), "sectors": list(self.sectors), "n_permutations": self.n_permutations,
            "methods": {m: c.to_dict() for m, c in self.methods.items()},
            "sigma": {m: json_safe(v, sig=4) for m, v in self.sigma.items()},
        }  # runtime_s is printed by the calibrate command, not stored: the cached results stay reproducible


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

    from .twin import simulate_sector

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
                                       quality=sim.quality)
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


# ---------------------------------------------------------------------------------------------
# injection–recovery
# ---------------------------------------------------------------------------------------------
def _shape(time: np.ndarray) -> np.ndarray:
    """Twin transit shape normalised to a mean of 1 over |Δt| ≤ D/2 (as the twin's signal)."""
    from .twin import time_from_mid, transit_deficit

    d = _target.DURATION_HOURS / 24.0
    dt = time_from_mid(time, _target.PERIOD_DAYS, _target.T0_BTJD)
    grid = np.linspace(-0.5, 0.5, 4001) * d
    norm = float(np.mean(transit_deficit(grid, p=0.02, duration_days=d)))
    return transit_deficit(dt, p=0.02, duration_days=d) / norm


def inject_point_eclipse(sim: Any, source_pixel: Any, depth_ppm: float = 256.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Eclipse deficit of a point source on a twin stamp, scaled to an aperture dip of ``depth_ppm``.

    The deficit ``A·shape(t)·PRF(source + jitter)`` uses the twin's PRF
    (:mod:`toi5807.twin_scene`) and the sector's simulated pointing offsets
    (``pos_corr1/2``). ``A`` (e-/s) makes the pipeline-aperture light curve
    dip by ``depth_ppm`` (mean over the transit window), like the twin's
    ``background_eb`` scenario (SIMULATION).

    Parameters
    ----------
    sim : SimulatedSector
    source_pixel : array_like, shape (2,)
        (column, row) of the eclipsing source, stamp pixels.
    depth_ppm : float
        Aperture depth, ppm.

    Returns
    -------
    rows : ndarray of int
        Cadence indices that carry a deficit.
    deficit : ndarray, shape (len(rows), n_rows, n_cols)
        e-/s to subtract from ``sim.flux[rows]``.
    stamp_depth : float
        Mean in-window fractional drop of the whole noise-free stamp (dimensionless).
    """
    from . import twin
    from .twin_scene import render_cube, render_image, scene_from_spec

    col, row = (float(v) for v in np.asarray(source_pixel, dtype=float).reshape(2))
    if not (math.isfinite(col) and math.isfinite(row)):
        raise ValueError(f"source_pixel: expected finite pixel coordinates, got {source_pixel!r}")
    if not depth_ppm > 0:
        raise ValueError(f"depth_ppm: expected > 0, got {depth_ppm}")
    scene = scene_from_spec(twin.load_spec()["sectors"][str(sim.sector)])
    image0 = render_image(scene)
    unit = render_cube(np.array([[col]]), np.array([[row]]), np.array([[1.0]]), scene.prf)[0]
    ap = np.asarray(sim.aperture_mask, dtype=bool)
    frac_ap = float(unit[ap].sum())
    if frac_ap <= 1e-6:
        raise ValueError(f"source at ({col:.2f}, {row:.2f}) puts no light in the aperture: no dip to scale")
    amp = depth_ppm * 1e-6 * float(image0[ap].sum()) / frac_ap
    shape = _shape(sim.time)
    rows = np.flatnonzero(shape > 0)
    cols = col + np.asarray(sim.pos_corr1)[rows, None]
    rws = row + np.asarray(sim.pos_corr2)[rows, None]
    deficit = render_cube(cols, rws, (amp * shape[rows])[:, None], scene.prf)
    in_win = np.abs(twin.time_from_mid(sim.time, _target.PERIOD_DAYS, _target.T0_BTJD)) <= _target.DURATION_HOURS / 48
    stamp_depth = amp * float(unit.sum()) * float(np.mean(shape[in_win])) / float(image0.sum())
    return rows, deficit, stamp_depth


@dataclass(frozen=True)
class InjectionRecovery:
    """Outcome of :func:`injection_recovery`.

    Attributes
    ----------
    separations_px : tuple of float
        Sky separation of the injected source from the target, TESS pixels (× 21 arcsec).
    position_angles_deg : tuple of float
        East of north.
    seeds, sectors : tuple of int
    method : str
        Significance method of the detections.
    depth_ppm : float
    detection_per_sector : dict
        separation -> fraction of (seed, PA, sector) injections with σ ≥ 3.
    detection_combined : dict
        separation -> fraction of (seed, PA) injections whose sky-combined shift has σ ≥ 3.
    n_per_sector, n_combined : int
        Injections per separation.
    ci99_per_sector, ci99_combined : dict
        separation -> Clopper–Pearson 99 % interval.
    median_stamp_depth_ppm : dict
        separation -> median fractional stamp depth of the injected eclipse, ppm.
    median_sigma_combined : dict
    runtime_s : float
    """

    separations_px: tuple[float, ...]
    position_angles_deg: tuple[float, ...]
    seeds: tuple[int, ...]
    sectors: tuple[int, ...]
    method: str
    depth_ppm: float
    detection_per_sector: dict[str, float]
    detection_combined: dict[str, float]
    n_per_sector: int
    n_combined: int
    ci99_per_sector: dict[str, tuple[float, float]]
    ci99_combined: dict[str, tuple[float, float]]
    median_stamp_depth_ppm: dict[str, float]
    median_sigma_combined: dict[str, float]
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = json_safe(dataclasses.asdict(self), sig=None)
        out.pop("runtime_s")  # printed by the calibrate command, not stored: the cached results stay reproducible
        out["study"] = "injection_recovery"
        out["pixel_scale_arcsec"] = 21.0
        return out


def _sep_key(r: float) -> str:
    return f"{r:g}"


def injection_recovery(
    seeds: Iterable[int],
    sectors: Iterable[int],
    separations_px: Iterable[float] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0),
    position_angles_deg: Iterable[float] = (0.0, 90.0, 180.0, 270.0),
    *,
    depth_ppm: float = 256.0,
    config: CentroidShiftConfig | None = None,
    progress: bool = True,
) -> InjectionRecovery:
    """Detection probability of an eclipsing source vs its separation from the target (SIMULATION).

    For every seed and sector a ``no_transit`` twin is simulated once; for each
    (separation, position angle) on the sky the source's pixel position comes
    from the sector's WCS (the same sky position in every sector), the eclipse
    is injected (:func:`inject_point_eclipse`), V08 runs with ``config``'s
    significance method (default: the package default), and the sectors' sky
    shift vectors are combined (:func:`toi5807.sky.combine_offsets`).

    Parameters
    ----------
    seeds, sectors : iterable of int
    separations_px : iterable of float
        Sky separations, TESS pixels (21 arcsec each).
    position_angles_deg : iterable of float
        East of north.
    depth_ppm : float
        Aperture dip of every injection, ppm.
    config : CentroidShiftConfig, optional
    progress : bool
        tqdm progress bar (silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    InjectionRecovery
    """
    from tqdm import tqdm

    from .twin import simulate_sector

    cfg = config if config is not None else CentroidShiftConfig()
    seeds, sectors = [int(s) for s in seeds], [int(s) for s in sectors]
    seps, pas = [float(r) for r in separations_px], [float(a) for a in position_angles_deg]
    if not (seeds and sectors and seps and pas):
        raise ValueError("seeds, sectors, separations_px, position_angles_deg: expected non-empty")
    if any(not r > 0 for r in seps):
        raise ValueError(f"separations_px: expected > 0 pixels, got {seps}")
    tp = _tp()
    start = _time.perf_counter()
    n_sep, n_pa, n_sec = len(seps), len(pas), len(sectors)
    sigma = np.full((len(seeds), n_sep, n_pa, n_sec), np.nan)
    vec = np.full((len(seeds), n_sep, n_pa, n_sec, 2), np.nan)
    cov = np.full((len(seeds), n_sep, n_pa, n_sec, 2, 2), np.nan)
    sdepth = np.full((n_sep, n_pa, n_sec), np.nan)
    jobs = [(i, seed, k, sector) for i, seed in enumerate(seeds) for k, sector in enumerate(sectors)]
    bar = tqdm(total=len(jobs) * n_sep * n_pa, desc="injection-recovery", mininterval=2.0, **_tqdm_switch(progress))
    for i, seed, k, sector in jobs:
        sim = simulate_sector(sector, seed=seed, scenario="no_transit")
        tpix = np.array(sim.wcs.world_to_pixel_values(_target.RA_DEG, _target.DEC_DEG), dtype=float)
        jinv = np.linalg.inv(sky_jacobian(sim.wcs, *tpix))  # pixels per arcsec
        flux = np.array(sim.flux)  # writable copy, modified in place and restored exactly
        run_cfg = dataclasses.replace(cfg, seed=seed)
        for a, r in enumerate(seps):
            for b, pa in enumerate(pas):
                th = math.radians(pa)
                sky = 21.0 * r * np.array([math.sin(th), math.cos(th)])  # (east, north) arcsec
                src = tpix + jinv @ sky
                rows, deficit, sd = inject_point_eclipse(sim, src, depth_ppm)
                sdepth[a, b, k] = sd
                saved = flux[rows].copy()
                flux[rows] -= deficit
                try:
                    res = compute_centroid_shift(flux, sim.time, tp, config=run_cfg, quality=sim.quality)
                finally:
                    flux[rows] = saved
                sigma[i, a, b, k] = res.significance_sigma
                if np.all(np.isfinite(res.shift_covariance_pixels)):
                    sv = vector_to_sky(res.shift_vector_pixels, res.shift_covariance_pixels, sim.wcs,
                                       res.out_of_transit_centroid)
                    vec[i, a, b, k] = sv.vector_arcsec
                    cov[i, a, b, k] = sv.covariance_arcsec2
                bar.update(1)
    bar.close()
    det_sec, det_comb, ci_sec, ci_comb, med_depth, med_sig = {}, {}, {}, {}, {}, {}
    for a, r in enumerate(seps):
        key = _sep_key(r)
        s = sigma[:, a].ravel()
        k_sec = int(np.count_nonzero(s >= 3.0))
        det_sec[key] = k_sec / s.size
        ci_sec[key] = clopper_pearson(k_sec, s.size)
        comb = [combine_offsets(vec[i, a, b], cov[i, a, b]).significance_sigma
                for i in range(len(seeds)) for b in range(n_pa)]
        comb = np.asarray(comb, dtype=float)
        k_c = int(np.count_nonzero(comb >= 3.0))
        det_comb[key] = k_c / comb.size
        ci_comb[key] = clopper_pearson(k_c, comb.size)
        med_depth[key] = float(np.median(sdepth[a])) * 1e6
        med_sig[key] = float(np.median(comb))
    return InjectionRecovery(
        separations_px=tuple(seps), position_angles_deg=tuple(pas), seeds=tuple(seeds), sectors=tuple(sectors),
        method=cfg.significance_method, depth_ppm=float(depth_ppm), detection_per_sector=det_sec,
        detection_combined=det_comb, n_per_sector=len(seeds) * n_pa * n_sec, n_combined=len(seeds) * n_pa,
        ci99_per_sector=ci_sec, ci99_combined=ci_comb, median_stamp_depth_ppm=med_depth,
        median_sigma_combined=med_sig, runtime_s=_time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# the `calibrate` command
# ---------------------------------------------------------------------------------------------
def _write_json(obj: Any, paths: Iterable[Path]) -> None:
    from .cache import atomic_write_bytes

    text = json.dumps(json_safe(obj, sig=6), indent=2, sort_keys=True, allow_nan=False) + "\n"
    for p in paths:
        atomic_write_bytes(Path(p), text.encode("utf-8"))


def run_calibration(*, quick: bool = False, n_seeds: int | None = None, sectors: Iterable[int] | None = None,
                    n_injection_seeds: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Run both studies and cache their JSON (the ``python -m toi5807 calibrate`` command).

    Full run: 200 null seeds (1000–1199) × all four sectors; injection seeds
    2000–2004 × 8 separations × 4 position angles × four sectors. ``quick``:
    10 null seeds × 1 sector, 1 injection seed × 3 separations × 2 PAs, written
    only to the run folder (``persistent_cache/``) with a ``quick_`` prefix.

    Returns
    -------
    dict
        Repo-relative paths written, runtimes and the default-switch decision.
    """
    from . import twin
    from .paths import artifact_dirs, repo_relative

    secs = list(_target.SECTORS) if sectors is None else [int(s) for s in sectors]
    if quick:
        n_null, secs_null, n_inj = n_seeds or 10, secs[-1:], n_injection_seeds or 1
        seps, pas = (0.5, 1.5, 3.0), (0.0, 90.0)
    else:
        n_null, secs_null, n_inj = n_seeds or 200, secs, n_injection_seeds or 5
        seps, pas = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0), (0.0, 90.0, 180.0, 270.0)
    run_dir, docs_dir = artifact_dirs(CALIBRATION_STEP)
    prefix = "quick_" if quick else ""
    dirs = (run_dir,) if quick else (run_dir, docs_dir)
    null = null_calibration(range(1000, 1000 + n_null), secs_null, progress=progress)
    decision = default_switch_decision(null)
    null_d = null.to_dict()
    null_d["default_switch"] = decision
    null_d["package_default_method"] = CentroidShiftConfig().significance_method
    null_d["twin_spec_hash"] = twin.spec_hash()
    _write_json(null_d, [d / f"{prefix}{NULL_FILE}" for d in dirs])
    inj = injection_recovery(range(2000, 2000 + n_inj), secs, seps, pas,
                             config=CentroidShiftConfig(significance_method="empirical"), progress=progress)
    inj_d = inj.to_dict()
    inj_d["twin_spec_hash"] = twin.spec_hash()
    _write_json(inj_d, [d / f"{prefix}{INJECTION_FILE}" for d in dirs])
    return {
        "written": [repo_relative(d / f"{prefix}{f}") for d in dirs for f in (NULL_FILE, INJECTION_FILE)],
        "null_runtime_s": round(null.runtime_s, 1), "injection_runtime_s": round(inj.runtime_s, 1),
        "default_switch": decision,
    }


def load_calibration(name: str = NULL_FILE, *, root: str | Path | None = None) -> dict[str, Any]:
    """Read a cached calibration result (committed copy under ``artifacts/``).

    Parameters
    ----------
    name : str
        :data:`NULL_FILE` or :data:`INJECTION_FILE`.

    Raises
    ------
    FileNotFoundError
        With the command that creates it.
    """
    from .paths import TUTORIAL_SLUG, repo_root

    if name not in (NULL_FILE, INJECTION_FILE):
        raise ValueError(f"name: expected {NULL_FILE!r} or {INJECTION_FILE!r}, got {name!r}")
    path = repo_root(root) / "artifacts" / TUTORIAL_SLUG / CALIBRATION_STEP / name
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} not found under artifacts/: run `python -m toi5807 calibrate` first")
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# small twin experiments for the notebooks
# ---------------------------------------------------------------------------------------------
def significance_methods_table(ds: Any, candidate: Any, *, config: CentroidShiftConfig | None = None) -> dict[str, Any]:
    """V08 σ of every significance method in every sector (same shift, different null models).

    Parameters
    ----------
    ds : Dataset or mapping sector -> TPFStamp
    candidate : Candidate, Ephemeris or TransitParams
    config : CentroidShiftConfig, optional

    Returns
    -------
    dict
        ``{sector: {"shift_mpx": ..., method: σ, ...}}`` (sector keys as strings).
    """
    from .centroid import _coerce_params

    cfg = config if config is not None else CentroidShiftConfig()
    tp = _coerce_params(candidate)
    out: dict[str, Any] = {}
    for s, st in sorted(getattr(ds, "tpf_by_sector", ds).items()):
        row: dict[str, Any] = {}
        for m in SIGNIFICANCE_METHODS:
            r = compute_centroid_shift(st.flux, st.time, tp, config=dataclasses.replace(cfg, significance_method=m),
                                       quality=st.quality)
            row[m] = r.significance_sigma
            row["shift_mpx"] = r.centroid_shift_pixels * 1e3
        out[str(s)] = row
    return json_safe(out, sig=None)


def estimator_outlier_demo(stamp: Any, candidate: Any, *, fraction: float = 0.05, amplitude_e_per_s: float = 3000.0,
                           seed: int = 0) -> dict[str, Any]:
    """How mean, median and Huber centroids react to cosmic-ray-like outliers in transit.

    A fraction of the in-transit cadences get one bright pixel hit at the
    stamp's corner (``amplitude_e_per_s``), which drags the flux-weighted
    centroid of those cadences; the shift is then measured with each estimator
    (analytic σ). Seeded with ``numpy.random.default_rng(seed)``.

    Returns
    -------
    dict
        ``{"clean": {method: {"shift_mpx", "sigma"}}, "with_outliers": {...}, "n_hit": int}``.
    """
    from .centroid import _coerce_params, transit_window_masks

    if not 0 < fraction < 1:
        raise ValueError(f"fraction: expected 0 < fraction < 1, got {fraction}")
    tp = _coerce_params(candidate)
    rng = np.random.default_rng(seed)
    in_w, _ = transit_window_masks(stamp.time, tp)
    idx = np.flatnonzero(in_w)
    hit = rng.choice(idx, size=max(1, int(round(fraction * idx.size))), replace=False)
    dirty = np.array(stamp.flux, dtype=float)
    dirty[hit, 0, 0] += amplitude_e_per_s
    out: dict[str, Any] = {"n_hit": int(hit.size), "n_in_transit": int(idx.size)}
    for label, cube in (("clean", stamp.flux), ("with_outliers", dirty)):
        out[label] = {}
        for m in ("mean", "median", "huber"):
            r = compute_centroid_shift(cube, stamp.time, tp, quality=stamp.quality, centroid_method=m,
                                       significance_method="analytic")
            out[label][m] = {"shift_mpx": r.centroid_shift_pixels * 1e3, "sigma": r.significance_sigma,
                             "n_outliers_rejected": r.n_outliers_rejected}
    return json_safe(out, sig=None)


def calibration_summary(null: Mapping[str, Any], injection: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Headline numbers of the cached studies: FAR at 3σ per method (with 99 % CI), KS p, sensitivity.

    Parameters
    ----------
    null : mapping
        ``null_calibration.json``.
    injection : mapping, optional
        ``injection_recovery.json``.
    """
    out: dict[str, Any] = {
        "n_trials": {m: c["n_trials"] for m, c in null["methods"].items()},
        "far_3sigma_percent": {m: 100 * c["far_3sigma"] for m, c in null["methods"].items()},
        "far_ci99_percent": {m: [100 * v for v in c["far_ci99"]] for m, c in null["methods"].items()},
        "ks_p_value": {m: c["ks_p_value"] for m, c in null["methods"].items()},
        "nominal_far_3sigma_percent": 100 * null["nominal_far_3sigma"],
        "default_switch": default_switch_decision(null),
        "sectors": null["sectors"], "seeds": null["seeds"],
    }
    if injection is not None:
        out["sensitivity"] = {
            "separations_arcsec": [21.0 * r for r in injection["separations_px"]],
            "detection_per_sector": injection["detection_per_sector"],
            "detection_combined": injection["detection_combined"],
            "method": injection["method"], "depth_ppm": injection["depth_ppm"],
        }
    return out
