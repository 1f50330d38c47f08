"""Calibration on the user's own pixels: empty-epoch false alarms and injection–recovery in the stamps being judged.

The twin studies (:mod:`toi5807.calibration.null`, :mod:`~toi5807.calibration.localization`) say how the checks
behave on *simulated* TESS sectors. This module asks the same questions of the real stamps of a dataset, per sector:

* **Empty epochs** — the candidate's T0 moved to fake offsets whose windows stay clear of the real transits
  (:func:`toi5807.vetting.selfcal.fake_epoch_offsets`); at each the sector is localized and judged exactly as
  :func:`toi5807.vet_pixels` judges a sector. A correct answer there is WARN (no significant dip); PASS or FAIL is a
  false alarm, and so is a significant dip (calibrated amplitude ≥ 3σ).
* **Injection–recovery** — an eclipsing point source added to the real pixels
  (:func:`toi5807.pixels.inject.inject_eclipsing_source`, its image the stamp's own out-of-transit PRF) at given
  separations × aperture depths × seeded position angles, eclipsing at a fake epoch between the real transits;
  then localized and judged. Detected = the calibrated dip amplitude ≥ 3σ (the verdict's own test); position
  error = |found − injected| on the sky, arcsec. An injected neighbour must never PASS: how often it does is counted.

What is run per trial (and why it is the same verdict as :func:`~toi5807.vet_pixels`)
---------------------------------------------------------------------------------------
A full ``vet_pixels`` per trial would rerun V08 and the star search every time. The pieces that decide a sector's verdict are run instead: one
:func:`~toi5807.diffimage.localize.localize_sector` per fake epoch of the stamp (reused by every trial), one per
trial, and :func:`~toi5807.vetting.vet.localization_verdict` fed through
:func:`~toi5807.vetting.selfcal.calibrated_inputs` and :func:`~toi5807.vetting.selfcal.outside_dip_test` with the
catalogue of a ``vet_pixels`` run — the per-sector rule of ``vet_pixels``, unchanged. V08 is not part of the
verdict and is not rerun. The fake-epoch null of each test leaves out the fakes within
:data:`~toi5807.vetting.selfcal.FAKE_CLEARANCE_DURATIONS` durations of the tested epoch (those share its cadences),
as the real epoch's null never contains its own neighbours. An injected eclipse touches only its own cadences, so
the remaining fakes of the injected stamp are those of the original one. Each judged epoch gets the null
``vet_pixels`` itself uses (:func:`~toi5807.vetting.fakenull.calibrate_sectors` on its localization and those
fakes: the position tests with the observed dip injected at the target and at each star); when that null cannot be
made (too few fakes clear of the epoch), the nominal tests are kept and flagged, as in ``vet_pixels``.
"""

from __future__ import annotations

import math
import time as _time
from typing import Any

import numpy as np

from ..data.geometry import sky_jacobian, target_pixel
from ..diffimage.joint import rank_hosts
from ..diffimage.localize import localize_sector
from ..lightcurve import TransitParams
from ..pixels.inject import inject_eclipsing_source
from ..pixels.inputs import stamps_by_sector
from ..vetting.selfcal import (FAKE_CLEARANCE_DURATIONS, MIN_NULL_FAKES, NullCalibration, calibrated_inputs,
                               fake_epoch_offsets, outside_dip, outside_dip_test)
from ..vetting.verdict import calibration_gate, sector_tests
from ..vetting.nulls import FAKE_STEP_DURATIONS as NULL_STEP_DURATIONS
from ..vetting.vet import VERDICT_SIGMA, PixelVetResult, localization_verdict, vet_pixels
from .null import _tqdm_switch
from .own_results import OWN_DEFINITIONS, OwnPixelCalibration, SectorOwnCalibration

__all__ = ["OwnPixelCalibration", "SectorOwnCalibration", "calibrate_own_pixels", "DEFAULT_SEPARATIONS_PX",
           "DEFAULT_DEPTH_FACTORS", "OWN_DEFINITIONS"]

#: Default separations, pixels (× the stamp's pixel scale → arcsec).
DEFAULT_SEPARATIONS_PX: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
#: Default depths, × the candidate's light-curve depth.
DEFAULT_DEPTH_FACTORS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
#: Default depths when the light-curve depth is unknown, ppm.
FALLBACK_DEPTHS_PPM: tuple[float, ...] = (250.0, 500.0, 1000.0, 2000.0)
def _selfcal_null(loc: Any, epoch_tp: TransitParams, fake_offsets: list[float], offset: float, clear_days: float,
                  period: float, catalogue: Any) -> NullCalibration:
    """The null ``vet_pixels`` would use for ``loc`` (its fake epochs, ``fake_offsets`` days from the real T0 laid
    every :data:`NULL_STEP_DURATIONS` as ``vet_pixels`` lays them, fitted on the grid, the position tests with the
    observed dip injected: :func:`~toi5807.vetting.fakenull.calibrate_sectors`), from the fakes clear of the epoch at
    ``offset`` (days from the real T0). When it cannot be made, an uncalibrated null flagged with the reason: the
    verdict then keeps the nominal tests, as ``vet_pixels`` does."""
    from ..vetting.fakenull import calibrate_sectors

    rel = np.array([o - offset for o in fake_offsets
                    if abs((o - offset + 0.5 * period) % period - 0.5 * period) >= clear_days])
    sector = int(getattr(loc, "sector", 0))
    if rel.size < MIN_NULL_FAKES or loc.status != "ok":
        why = f"too_few_fake_epochs_{rel.size}" if rel.size < MIN_NULL_FAKES else "no_localization"
        return NullCalibration(sector, flags=(why,))
    nulls, _ = calibrate_sectors([loc], epoch_tp, catalogue, offsets_days=rel, step_durations=NULL_STEP_DURATIONS)
    null = nulls.get(sector)
    return null if null is not None else NullCalibration(sector, flags=("no_calibration",))


def _judge(loc: Any, null: NullCalibration, catalogue: Any) -> dict[str, Any]:
    """The per-sector verdict of :func:`~toi5807.vet_pixels` for one localization, and the calibrated amplitude."""
    f = loc.fit
    hosts = (rank_hosts(loc.chi2_sky, f.chi2 / f.chi2_scale, catalogue, f.amplitude)
             if loc.usable and catalogue is not None else ())
    snr = f.amplitude / f.amplitude_err if f.amplitude_err > 0 else math.nan
    off_sigma, hosts, snr, cal = calibrated_inputs(null, f.offset_sigma, f.delta_chi2_target, hosts, snr)
    verdict, reason = localization_verdict(off_sigma, hosts, snr, usable=loc.usable,
                                           why_unusable=loc.reason or loc.status)
    outside = outside_dip_test(loc, null)
    if outside:
        verdict, reason = ("WARN", outside) if verdict == "PASS" else (verdict, f"{reason}; also {outside}")
    if loc.usable:  # as vet_pixels: never PASS or FAIL on a test these fakes could not calibrate
        tests = sector_tests(null, cal, snr, off_sigma, hosts, outside_dip(loc)[0], True, loc.usable)
        verdict, reason = calibration_gate(verdict, reason, tests)
    if catalogue is None and loc.usable:
        verdict, reason = "WARN", "no catalogue of stars to test the source against"
    return {"verdict": verdict, "reason": reason[:240], "amplitude_sigma": float(snr), "usable": bool(loc.usable),
            "significant_dip": bool(math.isfinite(snr) and snr >= VERDICT_SIGMA)}


def _check_list(value: Any, name: str, low: float, high: float, expected: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in np.atleast_1d(np.asarray(value, dtype=float)))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {expected}, got {str(value)[:100]!r}") from None
    if not vals or not all(math.isfinite(v) and low < v <= high for v in vals):
        raise ValueError(f"{name}: expected {expected}, got {str(value)[:100]!r}")
    return tuple(sorted(set(vals)))


def _check_count(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}: expected an integer ≥ {low}, got {value!r}")
    return int(value)


def _pixel_scale(stamp: Any) -> float:
    return float(math.sqrt(abs(np.linalg.det(sky_jacobian(stamp.wcs, *target_pixel(stamp))))))


def calibrate_own_pixels(dataset: Any, candidate: Any = None, *, n_empty: int | None = None,
                         separations_arcsec: Any = None, depths_ppm: Any = None, n_angles: int = 8, seed: int = 0,
                         vet_result: PixelVetResult | None = None, progress: bool = True) -> OwnPixelCalibration:
    """Empty-epoch false alarms and injection–recovery of the pixel verdict on the dataset's own stamps.

    Parameters
    ----------
    dataset : Dataset, TPFStamp or anything :func:`toi5807.vet_pixels` takes
    candidate : optional
        As for :func:`toi5807.vet_pixels` (default TOI-5807.01's ephemeris, only for TOI-5807's files).
    n_empty : int, optional
        Empty epochs per sector (default: every fake offset of
        :func:`~toi5807.vetting.selfcal.fake_epoch_offsets`, ≈ 30 for P = 14.2 d; fewer are spread evenly).
    separations_arcsec : sequence of float, optional
        Injected sources' distances from the target, arcsec (default :data:`DEFAULT_SEPARATIONS_PX` × the pixel
        scale, 0.5–4 px).
    depths_ppm : sequence of float, optional
        Aperture depths, ppm (default :data:`DEFAULT_DEPTH_FACTORS` × the light-curve depth).
    n_angles : int
        Position angles per separation: evenly spaced, with a seeded random rotation (and a seeded fake epoch
        each), shared by every depth.
    seed : int
    vet_result : PixelVetResult, optional
        A ``vet_pixels`` run of the same dataset and candidate (its candidate, target and catalogue are used);
        run here when not given.
    progress : bool
        tqdm bar (silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    OwnPixelCalibration
    """
    from tqdm import tqdm

    t_start = _time.perf_counter()
    n_angles = _check_count(n_angles, "n_angles", 1)
    seed = _check_count(seed, "seed", 0)
    if n_empty is not None:
        n_empty = _check_count(n_empty, "n_empty", 1)
    seps = None if separations_arcsec is None else _check_list(separations_arcsec, "separations_arcsec", 0.0, 600.0,
                                                               "separations in arcsec, each in (0, 600]")
    depths = None if depths_ppm is None else _check_list(depths_ppm, "depths_ppm", 0.0, 1e6,
                                                         "aperture depths in ppm, each in (0, 1e6]")
    stamps = {s: st for s, st in stamps_by_sector(dataset, "dataset", allow_none=False).items() if st is not None}
    if not stamps:
        raise ValueError("dataset: no target pixel stamps to calibrate on")
    res = vet_result if vet_result is not None else vet_pixels(dataset, candidate)
    if not isinstance(res, PixelVetResult):
        raise TypeError(f"vet_result: expected a PixelVetResult, got {type(res).__name__}")
    cand = res.candidate
    tp = TransitParams(cand["period_days"], cand["t0_btjd"], cand["duration_hours"])
    notes = []
    if depths is None:
        d0 = cand.get("depth_ppm")
        if d0 is not None and math.isfinite(d0) and d0 > 0:
            depths = tuple(round(f * d0, 1) for f in DEFAULT_DEPTH_FACTORS)
            notes.append(f"depths: × {', '.join(f'{f:g}' for f in DEFAULT_DEPTH_FACTORS)} of the light-curve depth "
                         f"({d0:.0f} ppm)")
        else:
            depths = FALLBACK_DEPTHS_PPM
            notes.append("depths: the light-curve depth is unknown; default depths in ppm used")
    offsets = fake_epoch_offsets(tp)  # the empty epochs judged (and where injections eclipse)
    null_offsets = list(fake_epoch_offsets(tp, step_durations=NULL_STEP_DURATIONS))  # each judged epoch's null
    clear = FAKE_CLEARANCE_DURATIONS * tp.duration_days
    simulated = any(bool(getattr(st, "simulated", False)) for st in stamps.values())
    out = {}
    for sector, stamp in stamps.items():
        if stamp.wcs is None or stamp.aperture_mask is None:
            notes.append(f"sector {sector}: no WCS or no pipeline aperture, not calibrated")
            continue
        scale = _pixel_scale(stamp)
        sec_seps = seps if seps is not None else tuple(round(p * scale, 1) for p in DEFAULT_SEPARATIONS_PX)
        rng = np.random.default_rng([seed, int(sector)])
        n_trials = len(sec_seps) * n_angles * len(depths)
        bar = tqdm(total=len(offsets) + n_trials, desc=f"own-pixel calibration s{sector}", mininterval=2.0,
                   **_tqdm_switch(progress))
        fakes, fake_locs = [], {}  # fakes: the offsets (days) whose empty epoch could be localized
        for o in offsets:
            loc = localize_sector(stamp, TransitParams(tp.period, tp.t0 + float(o), tp.duration))
            fake_locs[float(o)] = loc
            f = loc.fit
            if loc.status == "ok" and f.amplitude_err > 0 and math.isfinite(f.delta_chi2_target):
                fakes.append(float(o))
            bar.update(1)
        pick = list(fake_locs)
        if n_empty is not None:
            if n_empty > len(pick):
                bar.close()
                raise ValueError(f"n_empty: expected at most {len(pick)} (the fake epochs that fit between the "
                                 f"transits of sector {sector}), got {n_empty}")
            pick = [pick[i] for i in np.unique(np.round(np.linspace(0, len(pick) - 1, n_empty)).astype(int))]
        empty = []
        for o in pick:
            null = _selfcal_null(fake_locs[o], TransitParams(tp.period, tp.t0 + o, tp.duration), null_offsets, o,
                                 clear, tp.period, res.catalogue)
            empty.append({"offset_days": o, **_judge(fake_locs[o], null, res.catalogue)})
        usable_offsets = [o for o in fakes if fake_locs[o].usable]
        trials = []
        for sep in sec_seps:
            rot = float(rng.uniform(0.0, 360.0))
            for k in range(n_angles):
                pa = (rot + 360.0 * k / n_angles) % 360.0
                o = float(rng.choice(usable_offsets)) if usable_offsets else float(offsets[len(offsets) // 2])
                fake_tp = TransitParams(tp.period, tp.t0 + o, tp.duration)
                east, north = sep * math.sin(math.radians(pa)), sep * math.cos(math.radians(pa))
                for depth in depths:
                    trials.append(_trial(stamp, fake_tp, tp, east, north, sep, pa, depth, o, res.catalogue,
                                         null_offsets, clear))
                    bar.update(1)
        bar.close()
        out[int(sector)] = SectorOwnCalibration(int(sector), bool(getattr(stamp, "simulated", False)), scale,
                                                tuple(empty), tuple(trials), len(fakes),
                                                () if len(fakes) >= MIN_NULL_FAKES else
                                                (f"too_few_fake_epochs_{len(fakes)}",))
    if not out:
        raise ValueError("dataset: no stamp with a WCS and a pipeline aperture to calibrate on")
    params = {"n_empty": n_empty, "separations_arcsec": list(seps) if seps is not None else None,
              "depths_ppm": list(depths), "n_angles": n_angles, "seed": seed,
              "separations_default_px": list(DEFAULT_SEPARATIONS_PX) if seps is None else None}
    return OwnPixelCalibration(simulated, "SIMULATED pixels" if simulated else "real pixels", dict(cand),
                               dict(res.target), params, out, _time.perf_counter() - t_start,
                               float(res.combined.exclusion_radius_arcsec), tuple(notes))


def _trial(stamp: Any, fake_tp: TransitParams, tp: TransitParams, east: float, north: float, sep: float, pa: float,
           depth: float, offset: float, catalogue: Any, fake_offsets: list[float],
           clear_days: float) -> dict[str, Any]:
    """One injection: the source at (east, north) arcsec eclipsing at ``fake_tp``, localized and judged."""
    row = {"separation_arcsec": sep, "position_angle_deg": pa, "aperture_depth_ppm": depth, "offset_days": offset,
           "injected_east_north_arcsec": [east, north]}
    try:
        inj = inject_eclipsing_source(stamp, fake_tp, east_arcsec=east, north_arcsec=north, aperture_depth_ppm=depth,
                                      target_ephemeris=tp)
    except ValueError as exc:  # e.g. the source's light misses the aperture: cannot make that depth
        return {**row, "status": "not_injectable", "reason": str(exc)[:200], "detected": False, "verdict": None,
                "error_arcsec": math.nan, "nominal_error_arcsec": math.nan}
    loc = localize_sector(inj, fake_tp)
    null = _selfcal_null(loc, fake_tp, fake_offsets, offset, clear_days, tp.period, catalogue)
    judged = _judge(loc, null, catalogue)
    found = np.asarray(loc.offset_arcsec, dtype=float)
    err = float(np.hypot(found[0] - east, found[1] - north)) if judged["significant_dip"] and loc.usable else math.nan
    cov = np.asarray(loc.covariance_arcsec2, dtype=float)
    nominal = float(math.sqrt(math.log(4.0) * 0.5 * np.trace(cov))) if np.all(np.isfinite(cov)) else math.nan
    return {**row, "status": "ok", "detected": judged["significant_dip"], **judged, "error_arcsec": err,
            "found_east_north_arcsec": found.tolist(), "nominal_error_arcsec": nominal}
