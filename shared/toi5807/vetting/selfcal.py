"""Self-calibration of the localization tests on the target's own pixels, from fake epochs.

On the real sector-83 pixels the nominal tests of :mod:`toi5807.diffimage.prf_fit` are over-confident: at
transit-free epochs the dip amplitude came out ≥ 3σ in ≈ 19 % of cases (nominal 0.13 %). Part is the free
position's look-elsewhere effect (the fit takes the largest dip anywhere within the fit radius), part is pixel
noise that the per-pixel variance does not describe. Both are measured on the same pixels with the candidate's
T0 shifted by fake offsets that keep every window clear of the real transits (:mod:`toi5807.vetting.fakenull`):
each fake epoch's *sector* difference image is built from cumulative sums (:mod:`toi5807.diffimage.fakes`), and
every image — the real epoch's included, like for like — gets the same fixed-template linear fit on a grid of
trial positions (:mod:`toi5807.diffimage.gridfit`). Each gives

* ``z`` — the dip amplitude over its error, the maximum over trial positions (look-elsewhere included);
* ``Δχ²`` — the likelihood-ratio statistic of "source at the target" vs free, and the same with the source on
  each catalogue star (each star its own null);
* with several sectors, the fake ephemeris applied to all of them at once: the joint offset test and the
  between-sector ``χ²`` (:class:`JointNull`).

Fakes are laid every 1.0 duration (≈ 70 per sector on the real s83 pixels, all in ≈ 0.05 s); their windows
(5 durations wide) overlap, so only ≈ ``n · 1.0 / 5`` are independent, and the counted tail fraction cannot go
below ``p_floor = 1/(n_independent + 1)``. Beyond the counted range the p-values are *extrapolated* from a fit of
the null's scale and shape (flagged ``extrapolated``):

* amplitude: ``z`` (a maximum over positions) ~ Gumbel with the fakes' mean μ and standard deviation s (the
  extreme-value law: the real s83 fakes are right-skewed, skewness 2.1, and a Normal fit put 0.13 % beyond
  μ + 3s where 1.4 % of them lie; the Gumbel puts 1.2 %);
* offset / stars / between sectors: ``Δχ²/k`` ~ χ²(ν) with ``k`` (variance inflation) and ``ν`` (effective
  degrees of freedom, clipped to [1, 6]) matched to the fakes' mean and variance (``kν = mean``, ``2k²ν = var``).

Every significance is then reported as ``sigma = sqrt(−2 ln p)`` (the 2-dof convention of the verdict: 3σ ⇔
p = 1.11 %); the amplitude uses the one-sided Gaussian equivalent (3σ ⇔ p = 0.135 %). The nonlinear fit keeps
giving the reported position and the nominal numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lightcurve import coerce_transit_params
from .nulls import (FAKE_STEP_DURATIONS, MIN_NULL_FAKES, WINDOW_SPAN_DURATIONS, CalibratedTest, JointNull,
                    NullCalibration, _fit_chi2, _fit_null, chi2_test, n_independent_fakes)

__all__ = ["NullCalibration", "JointNull", "CalibratedTest", "fake_epoch_offsets", "n_independent_fakes",
           "calibrate_sector", "combine_calibrations", "calibrated_inputs", "combined_calibrated_inputs",
           "recalibrated_hosts", "outside_dip", "outside_dip_test", "no_dip_reason", "combined_no_dip_reason",
           "FAKE_STEP_DURATIONS",
           "FAKE_CLEARANCE_DURATIONS", "WINDOW_SPAN_DURATIONS", "MIN_NULL_FAKES"]

#: Every fake mid-time stays at least this many durations from a real mid-transit (local windows reach 2.5).
FAKE_CLEARANCE_DURATIONS: float = 3.5


def fake_epoch_offsets(transit_params: Any, *, step_durations: float = 2.5,
                       clearance_durations: float = FAKE_CLEARANCE_DURATIONS) -> np.ndarray:
    """T0 offsets (days) of fake epochs that keep every window clear of the real transits.

    Offsets ``k · step`` within ``(clearance, P − clearance)`` durations, so the fake mid-times (and their
    2.5-duration local windows) never reach a real in-transit cadence. The default step, 2.5 durations (windows
    half overlap), suits studies that localize every fake in full (e.g. :mod:`toi5807.calibration.own_pixels`);
    the self-calibration's cheap fakes are laid every :data:`FAKE_STEP_DURATIONS` (1.0).
    """
    tp = coerce_transit_params(transit_params)
    if not (step_durations > 0 and clearance_durations >= 0):
        raise ValueError(f"step_durations={step_durations!r}, clearance_durations={clearance_durations!r}: "
                         "expected step > 0 and clearance ≥ 0 (transit durations)")
    d = tp.duration_days
    k = np.arange(1, int(tp.period / (step_durations * d)) + 1)
    off = k * step_durations * d
    return off[(off >= clearance_durations * d - 1e-9) & (off <= tp.period - clearance_durations * d)]


def calibrate_sector(stamp: Any, transit_params: Any, **kwargs: Any) -> NullCalibration:
    """The fake-epoch null of one sector (:func:`toi5807.vetting.fakenull.calibrate_sector`)."""
    from .fakenull import calibrate_sector as _calibrate

    return _calibrate(stamp, transit_params, **kwargs)


def outside_dip(loc: Any) -> tuple[float, tuple[int, int] | None]:
    """The strongest loss of light *outside* the region the position fit searches: the largest z = (out − in) / σ
    of the sector's mean difference image over the stamp's pixels beyond the fit mask, and that pixel (column,
    row). NaN and None without a difference image. The fit alone never looks there (issue: a deep eclipse in a
    stamp corner was PASSed); :func:`outside_dip_test` reads it against the same statistic at the fake epochs."""
    d = getattr(loc, "diff", None)
    if d is None or not np.any(getattr(d, "usable", [])):
        return math.nan, None
    img, err = d.sector_image()
    z = np.where(~d.fit_mask & np.isfinite(img) & (err > 0), img / np.where(err > 0, err, 1.0), -np.inf)
    if not np.isfinite(z).any():
        return math.nan, None
    r, c = np.unravel_index(int(np.argmax(z)), z.shape)
    return float(z[r, c]), (int(c), int(r))


#: A dip outside the fit region counts when it beats every fake epoch's and is at least this many σ per pixel.
OUTSIDE_MIN_Z = 5.0


def outside_dip_test(loc: Any, null: NullCalibration | None) -> str | None:
    """The reason a verdict cannot PASS because of light lost outside the searched region, or None."""
    z, where = outside_dip(loc)
    if not math.isfinite(z) or z < OUTSIDE_MIN_Z:
        return None
    fakes = np.asarray(null.outside_z if null is not None else (), dtype=float)
    fakes = fakes[np.isfinite(fakes)]
    if fakes.size and z <= fakes.max():
        return None
    beat = f"above all {fakes.size} fake epochs (max {fakes.max():.1f})" if fakes.size else "no fake epochs to compare"
    return (f"a dip outside the region the position fit searched, at pixel (column {where[0]}, row {where[1]}): "
            f"z = {z:.1f} per pixel, {beat}; its source is not tested")


def combine_calibrations(cals: list[NullCalibration]) -> NullCalibration:
    """One null pooled over sectors (the combined tests without a calibrated joint null): the fakes of every
    sector whose noise agrees with the sector with the most independent fakes
    (:func:`toi5807.vetting.pooling.noise_agrees`), calibrated or not alone; calibrated when their independent
    fakes add up to :data:`MIN_NULL_FAKES`."""
    from .pooling import noise_agrees

    have = [c for c in cals if c is not None and c.n_null]
    if not have:
        return NullCalibration(-1, flags=("no_calibrated_sector",))
    ref = max(have, key=lambda c: c.n_indep)
    good = [ref] + [c for c in have if c is not ref and noise_agrees(ref, c)]
    z = np.concatenate([c.amplitude_z for c in good])
    d = np.concatenate([c.delta_chi2 for c in good])
    mu, s, k, nu = _fit_null(z, d)
    return NullCalibration(-1, tuple(np.concatenate([c.offsets_days for c in good])), tuple(z), tuple(d),
                           mu, s, k, nu, flags=(f"pooled_{len(good)}_of_{len(have)}_sectors",),
                           n_independent=sum(c.n_indep for c in good))


def recalibrated_hosts(hosts: Any, null: Any) -> tuple[dict, ...]:
    """Hosts with ``sigma`` from the fake-epoch null of their Δχ² (the nominal one kept as ``nominal_sigma``).

    The statistic is the null's own (the grid Δχ² of the real epoch, ``null.observed["stars"]``) when it has
    one for the star, else the host's nominal ``delta_chi2``."""
    stars = getattr(null, "observed", {}).get("stars", {})
    out = []
    for h in hosts:
        t = null.star_test(h["label"], stars.get(h["label"], h["delta_chi2"]), h["sigma"])
        out.append({**h, "sigma": t.sigma, "nominal_sigma": h["sigma"], "p_model": t.p_model,
                    "p_counted": t.p_counted, "extrapolated": t.extrapolated})
    return tuple(out)


def calibrated_inputs(null: NullCalibration | None, offset_sigma: float, delta_chi2: float, hosts: Any,
                       snr: float) -> tuple[float, Any, float, dict]:
    """The verdict's inputs of one sector from its fake-epoch null (unchanged, flagged, when not calibrated).

    The real epoch is read with the fakes' statistic (``null.observed``) when the null carries it."""
    if null is None:
        return offset_sigma, hosts, snr, {}
    if not null.calibrated:
        return offset_sigma, hosts, snr, {"null": null.to_dict(), "used": False}
    obs = null.observed
    amp = null.amplitude_test(obs.get("z", snr), snr)
    off = null.offset_test(obs.get("delta_chi2_target", delta_chi2), offset_sigma)
    return off.sigma, recalibrated_hosts(hosts, null), amp.sigma, {
        "used": True, "amplitude": amp.to_dict(), "offset": off.to_dict(), "null": null.to_dict()}


def combined_calibrated_inputs(nulls: list, combined: Any, snr: float, use: list,
                                joint: JointNull | None = None) -> tuple[float, Any, float, dict, float]:
    """The combined verdict's inputs: offset, hosts and between-sector χ² from the joint null (fake ephemerides
    applied to every sector at once), else from the sectors' nulls pooled; the amplitude: calibrated z's summed.

    Returns ``(offset_sigma, hosts, amplitude_sigma, info, p_between)``; ``p_between`` is the calibrated
    ``p_model`` when the joint null has a between-sector test, else the nominal one."""
    p_nom = combined.p_between_sectors
    zc = [s.calibration["amplitude"]["sigma"] for s in use if s.calibration.get("used")]
    snr_c = float(np.sum(zc) / math.sqrt(len(zc))) if zc else snr
    if joint is not None and joint.calibrated and zc:
        obs = joint.observed
        off = joint.offset_test(obs.get("delta_chi2_target", combined.delta_chi2_target), combined.offset_sigma)
        btw = joint.between_test(obs.get("between", combined.chi2_between_sectors), p_nom)
        info = {"used": True, "amplitude_sigma": snr_c, "offset": off.to_dict(), "null": joint.to_dict(),
                "between_sectors": btw.to_dict() if btw is not None else None, "null_kind": "joint"}
        return off.sigma, recalibrated_hosts(combined.hosts, joint), snr_c, info, (
            btw.p_model if btw is not None else p_nom)
    pooled = combine_calibrations(nulls) if nulls else None
    if pooled is None or not pooled.calibrated:
        return combined.offset_sigma, combined.hosts, snr, ({"null": pooled.to_dict(), "used": False}
                                                            if pooled is not None else {}), p_nom
    off = pooled.offset_test(combined.delta_chi2_target, combined.offset_sigma)
    return off.sigma, recalibrated_hosts(combined.hosts, pooled), snr_c, {
        "used": True, "amplitude_sigma": snr_c, "offset": off.to_dict(), "null": pooled.to_dict(),
        "null_kind": "pooled"}, p_nom


def no_dip_reason(loc: Any, cal: dict, amplitude_sigma: float, threshold: float) -> str:
    """Why a sector without a usable localization cannot be judged: "no significant dip" first when its
    calibrated dip (the grid fit, which needs no converged position) is below ``threshold`` σ."""
    why = loc.reason or loc.status
    if not loc.usable and cal.get("used") and math.isfinite(amplitude_sigma) and amplitude_sigma < threshold:
        return (f"no significant dip in the difference image ({amplitude_sigma:.1f}σ calibrated < {threshold:g}σ; "
                f"the position fit: {why})")
    return why


def combined_no_dip_reason(sectors: dict) -> str:
    """The combined "no usable localization" reason, led by "no significant dip" when every sector says so."""
    text = "no sector gave a usable localization: " + "; ".join(f"s{s}: {v.reason}" for s, v in sectors.items())
    if sectors and all(v.reason.startswith("no significant dip") for v in sectors.values()):
        return "no significant dip in the difference image of any sector; " + text
    return text
