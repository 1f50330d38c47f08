"""Calibration of difference-image localization on the digital twin (SIMULATION).

Four studies, on the twin's public API (:func:`toi5807.twin.simulate_sector`):

* **false alarms** — planet twins over many seeds, judged by :func:`~toi5807.vet_pixels` exactly as real data
  are (self-calibrated at fake epochs of each twin): how often the source is placed ≥ 3σ from the target, per
  sector and combined (nominal 1.11 % for a 2-dof test, Bryson et al. 2013, arXiv:1303.0052), with
  Clopper–Pearson intervals, the same for the nominal (uncalibrated) σ, and the planet twin's 3σ **exclusion
  radius**;
* **background EB** — the ``background_eb`` twin: position error per sector
  and combined against the truth, the verdict and the most likely host;
* **injection–recovery** — an eclipsing point source injected into
  ``no_transit`` twins (:func:`~toi5807.calibration.injection.inject_point_eclipse`)
  at separations 0–60″ and a few aperture depths: detection fraction (combined
  offset ≥ 3σ from the target) and position error;
* **Cramér–Rao bound** — every fit's ``crb_px`` (the bound for the fitted model
  with the measured per-pixel noise) against the scatter actually reached.

``simulate`` can be replaced by another generator with the same signature
(e.g. a stress variant in ``benchmarks/``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .. import target as _target
from ..data.cache import atomic_write_bytes
from ..data.geometry import sky_jacobian
from ..data.model import Dataset, TPFStamp
from ..data.paths import artifact_dirs, repo_relative
from ..lightcurve import TransitParams
from ..report import json_safe
from ..twin import simulate_sector, twin_catalogue, twin_true_offsets
from ..twin.spec import spec_hash
from ..diffimage.joint import combine_localizations
from ..diffimage.localize import localize_sector
from ..vetting.vet import localization_verdict, rank_hosts, vet_pixels
from .injection import inject_point_eclipse
from .null import _tqdm_switch, clopper_pearson
from .tables import CALIBRATION_STEP, LOCALIZATION_FILE

__all__ = ["LOCALIZATION_FILE", "stamp_from_simulation", "localization_calibration",
           "run_localization_calibration"]

_NOMINAL_FAR = math.exp(-4.5)  # p of a 3σ 2-dof offset


def stamp_from_simulation(sim: Any, flux: np.ndarray | None = None) -> TPFStamp:
    """A :class:`TPFStamp` (SIMULATED) from a simulated sector, optionally with replaced pixel fluxes."""
    return TPFStamp(time=sim.time, flux=sim.flux if flux is None else flux, flux_err=sim.flux_err,
                    quality=sim.quality, wcs=sim.wcs, aperture_mask=sim.aperture_mask, sector=sim.sector,
                    provenance={"simulated": True, "scenario": sim.scenario, "seed": sim.seed})


def _tp() -> TransitParams:
    return TransitParams(_target.PERIOD_DAYS, _target.T0_BTJD, _target.DURATION_HOURS)


def _run(stamps: list[TPFStamp], catalogue: Any) -> tuple[list, Any, str, dict]:
    """The verdict exactly as :func:`~toi5807.vet_pixels` gives it (self-calibrated at fake epochs), with the
    localizations and the combined fit behind it, and the calibrated offset σ per sector and combined."""
    res = vet_pixels(Dataset({}, {s.sector: s for s in stamps}, source="twin"), _tp(), catalogue=catalogue)
    locs = [res.sectors[s.sector].localization for s in stamps]
    cal = {sv.localization.sector: (sv.calibration.get("offset") or {}).get("sigma", math.nan)
           for sv in res.sectors.values() if sv.calibration.get("used")}
    cal["combined"] = (res.calibration.get("offset") or {}).get("sigma", math.nan) if res.calibration.get("used") \
        else math.nan
    return locs, res.combined, res.verdict, cal


def _crb_arcsec(loc: Any) -> float:
    """Per-axis RMS Cramér–Rao bound of one sector fit, arcsec."""
    c = loc.jacobian @ np.array(loc.fit.crb_px) @ loc.jacobian.T
    return float(math.sqrt(max(np.trace(c), 0.0) / 2.0))


def _rate(k: int, n: int) -> dict[str, Any]:
    lo, hi = clopper_pearson(k, n)
    return {"n": n, "k": k, "rate": k / n if n else math.nan, "ci95": [lo, hi], "nominal": _NOMINAL_FAR}


def localization_calibration(*, planet_seeds: Iterable[int], beb_seeds: Iterable[int],
                             injection_seeds: Iterable[int], separations_arcsec: Iterable[float],
                             depths_ppm: Iterable[float], position_angles_deg: Iterable[float] = (0.0, 120.0, 240.0),
                             sectors: Iterable[int] | None = None,
                             simulate: Callable[..., Any] = simulate_sector, progress: bool = True) -> dict[str, Any]:
    """Run the four studies of this module (see its docstring); returns a JSON-safe dict (SIMULATION).

    Parameters
    ----------
    planet_seeds, beb_seeds, injection_seeds : iterable of int
    separations_arcsec, depths_ppm : iterable of float
        Injection grid: distance from the target (arcsec) and aperture depth (ppm).
    position_angles_deg : iterable of float
        Directions of the injections, degrees east of north.
    sectors : iterable of int, optional
        Default: all four.
    simulate : callable
        ``simulate(sector, seed=, scenario=)`` → SimulatedSector.
    progress : bool
    """
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    secs = list(_target.SECTORS) if sectors is None else [int(s) for s in sectors]
    cat = twin_catalogue()
    sw = _tqdm_switch(progress)
    # --- planet: false alarms, exclusion radius, CRB
    p_sec, p_comb, p_err, p_crb, p_excl, p_verd, c_sec, c_comb = [], [], [], [], [], [], [], []
    for seed in tqdm(list(planet_seeds), desc="planet twins", **sw):
        locs, comb, verdict, cal = _run([stamp_from_simulation(simulate(s, seed=seed, scenario="planet"))
                                         for s in secs], cat)
        c_comb.append(cal.pop("combined"))
        c_sec += list(cal.values())
        for loc in locs:
            if loc.usable:
                p_sec.append(loc.fit.offset_sigma)
                p_err.append(float(np.hypot(*loc.offset_arcsec)))
                p_crb.append(_crb_arcsec(loc))
        p_comb.append(comb.offset_sigma)
        p_excl.append(comb.exclusion_radius_arcsec)
        p_verd.append(verdict)
    # --- background EB: position error against the truth
    truth = twin_true_offsets(secs)
    b_err, b_crb, b_comb, b_verd, b_host = [], [], [], [], []
    for seed in tqdm(list(beb_seeds), desc="background-EB twins", **sw):
        locs, comb, verdict, _ = _run([stamp_from_simulation(simulate(s, seed=seed, scenario="background_eb"))
                                       for s in secs], cat)
        for loc in locs:
            if loc.usable:
                b_err.append(float(np.hypot(*np.subtract(loc.offset_arcsec, truth[loc.sector].vector_arcsec))))
                b_crb.append(_crb_arcsec(loc))
        ref = np.mean([truth[s].vector_arcsec for s in secs], axis=0)
        b_comb.append(float(np.hypot(*np.subtract(comb.offset_arcsec, ref))))
        b_verd.append(verdict)
        b_host.append(comb.most_likely_host["label"] if comb.hosts else None)
    # --- injection–recovery on no-transit twins
    seps, depths, pas = list(separations_arcsec), list(depths_ppm), list(position_angles_deg)
    rows = {(r, d): {"detected": 0, "fail": 0, "n": 0, "err_sector": [], "err_combined": []}
            for r in seps for d in depths}
    tp = _tp()
    for seed in tqdm(list(injection_seeds), desc="injections", **sw):
        sims = [simulate(s, seed=seed, scenario="no_transit") for s in secs]
        jac = {s.sector: sky_jacobian(s.wcs, s.target_col, s.target_row) for s in sims}
        for r in seps:
            for pa in pas:
                u = r * np.array([math.sin(math.radians(pa)), math.cos(math.radians(pa))])
                for dep in depths:
                    stamps = []
                    for sim in sims:
                        pix = np.array([sim.target_col, sim.target_row]) + np.linalg.solve(jac[sim.sector], u)
                        idx, deficit, _ = inject_point_eclipse(sim, pix, dep)
                        flux = np.array(sim.flux)
                        flux[idx] -= deficit
                        stamps.append(stamp_from_simulation(sim, flux))
                    locs = [localize_sector(s, tp) for s in stamps]
                    comb = combine_localizations(locs, None)
                    row = rows[(r, dep)]
                    row["n"] += 1
                    row["detected"] += bool(comb.offset_sigma >= 3.0)
                    row["err_combined"].append(float(np.hypot(*np.subtract(comb.offset_arcsec, u))))
                    row["err_sector"] += [float(np.hypot(*np.subtract(s.offset_arcsec, u))) for s in locs if s.usable]
                    hosts = rank_hosts(_comb_chi2(locs), _chi2min(locs, comb), _two_star_catalogue(cat, u), 0.0) \
                        if comb.sectors_used else ()
                    v, _ = localization_verdict(comb.offset_sigma, hosts, 10.0, usable=bool(comb.sectors_used),
                                                p_between=comb.p_between_sectors)
                    row["fail"] += v == "FAIL"
    table = [{"separation_arcsec": r, "depth_ppm": d, "n": v["n"], "detection_fraction": v["detected"] / v["n"],
              "fail_fraction": v["fail"] / v["n"], "median_error_sector_arcsec": _med(v["err_sector"]),
              "median_error_combined_arcsec": _med(v["err_combined"])}
             for (r, d), v in rows.items() if v["n"]]
    n_p = len(p_sec)
    return json_safe({
        "simulated": True, "sectors": secs, "twin_spec_hash": spec_hash(),
        "planet": {"false_alarm_sector": _rate(int(np.sum(np.array(c_sec) >= 3.0)), len(c_sec)),
                   "false_alarm_combined": _rate(int(np.sum(np.array(c_comb) >= 3.0)), len(c_comb)),
                   "nominal_false_alarm_sector": _rate(int(np.sum(np.array(p_sec) >= 3.0)), n_p),
                   "nominal_false_alarm_combined": _rate(int(np.sum(np.array(p_comb) >= 3.0)), len(p_comb)),
                   "verdicts": {v: p_verd.count(v) for v in ("PASS", "WARN", "FAIL")},
                   "rms_offset_sector_arcsec": _rms(p_err), "median_crb_sector_arcsec": _med(p_crb),
                   "exclusion_radius_arcsec_median": _med(p_excl)},
        "background_eb": {"median_error_sector_arcsec": _med(b_err), "rms_error_sector_arcsec": _rms(b_err),
                          "median_crb_sector_arcsec": _med(b_crb), "median_error_combined_arcsec": _med(b_comb),
                          "verdicts": {v: b_verd.count(v) for v in ("PASS", "WARN", "FAIL")},
                          "most_likely_hosts": {h: b_host.count(h) for h in sorted(set(map(str, b_host)))},
                          "true_host": _true_host()},
        "injection_recovery": table, "runtime_s": time.perf_counter() - t_start,
    }, sig=None)


def _true_host() -> str:
    """SIMULATION TRUTH: the name of the twin's eclipsing catalogue star."""
    from ..twin.geometry import catalogue_from_spec
    from ..twin.spec import load_spec

    return next(s.name for s in catalogue_from_spec(load_spec()) if s.eclipsing)


def _comb_chi2(locs: list) -> Callable[[np.ndarray], np.ndarray]:
    use = [s for s in locs if s.usable]
    return lambda u: np.sum([s.chi2_sky(np.atleast_2d(u)) for s in use], axis=0)


def _chi2min(locs: list, comb: Any) -> float:
    return float(_comb_chi2(locs)(np.array(comb.offset_arcsec))[0])


def _two_star_catalogue(cat: Any, u: np.ndarray) -> Any:
    """The target plus one star at the injected offset ``u`` (arcsec), for the verdict of an injection."""
    from ..data.catalogue import Catalogue, Star

    t = cat.target
    ra = t.ra_deg + u[0] / 3600.0 / math.cos(math.radians(t.dec_deg))
    return Catalogue((t, Star("injected", ra, t.dec_deg + u[1] / 3600.0)), origin="injection (SIMULATION)",
                     simulated=True)


def _med(x: list) -> float:
    return float(np.median(x)) if len(x) else math.nan


def _rms(x: list) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else math.nan


def run_localization_calibration(*, quick: bool = False, progress: bool = True) -> dict[str, Any]:
    """Run :func:`localization_calibration` and cache its JSON (``python -m toi5807 vet --calibrate-twin``).

    Full run: 100 planet seeds (3000–3099), 10 background-EB seeds (3100–3109) and 3
    injection seeds (3200–3202) × separations 0, 5, 10, 21, 30, 45, 60″ × 3 position angles ×
    depths 256 and 512 ppm, all four sectors; written to the run and docs folders. ``quick``:
    2 + 1 + 1 seeds, two sectors, separations 0 and 45″, one angle, 256 ppm; run folder only,
    ``quick_`` prefix.
    """
    if quick:
        kw = dict(planet_seeds=range(3000, 3002), beb_seeds=range(3100, 3101), injection_seeds=range(3200, 3201),
                  separations_arcsec=(0.0, 45.0), depths_ppm=(256.0,), position_angles_deg=(0.0,),
                  sectors=_target.SECTORS[-2:])
    else:
        kw = dict(planet_seeds=range(3000, 3100), beb_seeds=range(3100, 3110), injection_seeds=range(3200, 3203),
                  separations_arcsec=(0.0, 5.0, 10.0, 21.0, 30.0, 45.0, 60.0), depths_ppm=(256.0, 512.0))
    out = localization_calibration(progress=progress, **kw)
    run_dir, docs_dir = artifact_dirs(CALIBRATION_STEP)
    prefix = "quick_" if quick else ""
    dirs = (run_dir,) if quick else (run_dir, docs_dir)
    text = json_safe(out, sig=6)
    import json

    data = (json.dumps(text, indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
    paths = [Path(d) / f"{prefix}{LOCALIZATION_FILE}" for d in dirs]
    for p in paths:
        atomic_write_bytes(p, data)
    return {"written": [repo_relative(p) for p in paths], "runtime_s": round(out["runtime_s"], 1),
            "planet": out["planet"], "background_eb": out["background_eb"]}
