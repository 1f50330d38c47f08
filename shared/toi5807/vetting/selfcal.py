"""Self-calibration of the localization tests on the target's own pixels, from fake epochs.

On the real sector-83 pixels the nominal tests of :mod:`toi5807.diffimage.prf_fit` are over-confident: at
transit-free epochs the dip amplitude came out ≥ 3σ in ≈ 19 % of cases (nominal 0.13 %). Part is the free
position's look-elsewhere effect (the fit takes the largest dip anywhere within the fit radius), part is pixel
noise that the per-pixel variance does not describe. Both are measured here the same way as the real epoch is
analysed: the whole localization (:func:`toi5807.diffimage.localize.localize_sector`, free position included) is
run with the candidate's T0 shifted by fake offsets that keep every window clear of the real transits. Each fake
epoch gives the same statistics as the real one:

* ``z`` — the dip amplitude over its error (the maximum over trial positions, as for the real epoch);
* ``Δχ²`` — the likelihood-ratio statistic of "source at the target" vs free (also used for catalogue stars).

With only ≈ 16 independent fake epochs per sector (P = 14.24 d, windows ≈ 5 durations) a counted tail fraction
cannot go below ``1/(n+1)`` (≈ 3–6 %), so the null's **scale and shape** are fitted to the fakes and the p-values
beyond the counted range are *extrapolated* from that fit (flagged ``extrapolated``):

* amplitude: ``z`` ~ Normal(μ, s) with μ, s the mean and standard deviation of the fakes' ``z``;
* offset / stars: ``Δχ²/k`` ~ χ²(ν) with ``k`` (variance inflation) and ``ν`` (effective degrees of freedom,
  clipped to [1, 6]) matched to the fakes' mean and variance (``kν = mean``, ``2k²ν = var``).

Every significance is then reported as ``sigma = sqrt(−2 ln p)`` (the 2-dof convention of the verdict: 3σ ⇔
p = 1.11 %); the amplitude uses the one-sided Gaussian equivalent (3σ ⇔ p = 0.135 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.pvalues import sigma_from_log_p
from ..report import json_safe

__all__ = ["NullCalibration", "CalibratedTest", "fake_epoch_offsets", "calibrate_sector", "combine_calibrations",
           "calibrated_inputs", "combined_calibrated_inputs", "recalibrated_hosts", "outside_dip", "outside_dip_test",
           "FAKE_STEP_DURATIONS", "FAKE_CLEARANCE_DURATIONS", "MIN_NULL_FAKES"]

#: Fake T0 offsets are laid every this many transit durations (windows half overlap: ≈ 2 fakes per independent one).
FAKE_STEP_DURATIONS: float = 2.5
#: Every fake mid-time stays at least this many durations from a real mid-transit (local windows reach 2.5).
FAKE_CLEARANCE_DURATIONS: float = 3.5
#: Fewest usable fake epochs for a calibration; fewer → nominal tests kept and flagged.
MIN_NULL_FAKES: int = 8


@dataclass(frozen=True)
class CalibratedTest:
    """One test calibrated on fake epochs.

    Attributes
    ----------
    statistic : float
        The real epoch's value (``z`` or ``Δχ²``).
    n_null, n_exceed : int
        Fake epochs used and how many reached the real value.
    p_counted, p_floor : float
        ``(1 + n_exceed) / (1 + n_null)`` and its floor ``1 / (1 + n_null)``.
    p_model : float
        From the fitted null (scale and shape): the p-value the verdict uses.
    extrapolated : bool
        ``n_exceed == 0``: ``p_model`` lies below the counted floor, extrapolated from the fit.
    sigma : float
        ``sqrt(−2 ln p_model)`` (2-dof convention) or the one-sided Gaussian equivalent for the amplitude.
    nominal_sigma : float
        The uncalibrated significance, for comparison.
    """

    statistic: float
    n_null: int
    n_exceed: int
    p_counted: float
    p_floor: float
    p_model: float
    extrapolated: bool
    sigma: float
    nominal_sigma: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)


@dataclass(frozen=True)
class NullCalibration:
    """The fake-epoch null of one sector (see module docstring).

    Attributes
    ----------
    sector : int
    offsets_days : tuple of float
        T0 offsets of the usable fake epochs, days.
    amplitude_z, delta_chi2 : tuple of float
        The fakes' statistics.
    z_mean, z_std : float
        Fitted amplitude null (Normal).
    chi2_scale, chi2_dof : float
        Fitted Δχ² null: ``Δχ²/chi2_scale ~ χ²(chi2_dof)``.
    flags : tuple of str
    """

    sector: int
    offsets_days: tuple[float, ...] = ()
    amplitude_z: tuple[float, ...] = ()
    delta_chi2: tuple[float, ...] = ()
    z_mean: float = 0.0
    z_std: float = 1.0
    chi2_scale: float = 1.0
    chi2_dof: float = 2.0
    flags: tuple[str, ...] = field(default=())
    outside_z: tuple[float, ...] = ()

    @property
    def n_null(self) -> int:
        """Usable fake epochs."""
        return len(self.amplitude_z)

    @property
    def calibrated(self) -> bool:
        """Enough fake epochs to fit the null."""
        return self.n_null >= MIN_NULL_FAKES

    def amplitude_test(self, z: float) -> CalibratedTest:
        """The dip amplitude ``z`` = amplitude / error against the fakes (one-sided)."""
        from scipy.stats import norm

        null = np.asarray(self.amplitude_z, dtype=float)
        n_ex = int(np.sum(null >= z)) if math.isfinite(z) else 0
        zz = (z - self.z_mean) / self.z_std if math.isfinite(z) else math.nan
        p = float(norm.sf(zz)) if math.isfinite(zz) else math.nan
        sig = float(norm.isf(max(p, 1e-300))) if math.isfinite(p) else math.nan
        return self._test(z, n_ex, p, sig, z)

    def offset_test(self, delta_chi2: float, nominal_sigma: float = math.nan) -> CalibratedTest:
        """A likelihood-ratio ``Δχ²`` (offset from the target, or from a catalogue star) against the fakes."""
        from scipy.stats import chi2

        null = np.asarray(self.delta_chi2, dtype=float)
        d = max(float(delta_chi2), 0.0) if math.isfinite(delta_chi2) else math.nan
        n_ex = int(np.sum(null >= d)) if math.isfinite(d) else 0
        logp = float(chi2.logsf(d / self.chi2_scale, self.chi2_dof)) if math.isfinite(d) else math.nan
        if math.isfinite(d) and not math.isfinite(logp):  # far tail: log Q(a, x) ≈ (a − 1) ln x − x − ln Γ(a)
            a, x = 0.5 * self.chi2_dof, 0.5 * d / self.chi2_scale
            logp = (a - 1.0) * math.log(x) - x - math.lgamma(a)
        p = math.exp(logp) if math.isfinite(logp) else math.nan
        sig = sigma_from_log_p(logp) if math.isfinite(logp) else math.nan
        return self._test(d, n_ex, p, sig, nominal_sigma)

    def _test(self, stat: float, n_ex: int, p: float, sig: float, nominal: float) -> CalibratedTest:
        n = self.n_null
        return CalibratedTest(float(stat), n, n_ex, (1 + n_ex) / (1 + n), 1.0 / (1 + n), p,
                              bool(n_ex == 0), float(sig), float(nominal))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(n_null=self.n_null, calibrated=self.calibrated, p_floor=1.0 / (1 + self.n_null))
        return json_safe(out, sig=None)


def fake_epoch_offsets(transit_params: Any, *, step_durations: float = FAKE_STEP_DURATIONS,
                       clearance_durations: float = FAKE_CLEARANCE_DURATIONS) -> np.ndarray:
    """T0 offsets (days) of fake epochs that keep every window clear of the real transits.

    Offsets ``k · step`` within ``(clearance, P − clearance)`` durations, so the fake mid-times (and their
    2.5-duration local windows) never reach a real in-transit cadence.
    """
    tp = coerce_transit_params(transit_params)
    if not (step_durations > 0 and clearance_durations >= 0):
        raise ValueError(f"step_durations={step_durations!r}, clearance_durations={clearance_durations!r}: "
                         "expected step > 0 and clearance ≥ 0 (transit durations)")
    d = tp.duration_days
    k = np.arange(1, int(tp.period / (step_durations * d)) + 1)
    off = k * step_durations * d
    return off[(off >= clearance_durations * d) & (off <= tp.period - clearance_durations * d)]


def _fit_null(z: np.ndarray, dchi: np.ndarray) -> tuple[float, float, float, float]:
    mu, s = float(np.mean(z)), float(np.std(z, ddof=1))
    s = s if s > 0 else 1.0
    m, v = float(np.mean(dchi)), float(np.var(dchi, ddof=1))
    if not (m > 0 and v > 0):
        return mu, s, 1.0, 2.0
    nu = float(np.clip(2.0 * m * m / v, 1.0, 6.0))
    return mu, s, max(m / nu, 1e-6), nu


def calibrate_sector(stamp: Any, transit_params: Any, *, offsets_days: np.ndarray | None = None,
                     target_radec: tuple[float, float] | None = None, max_iterations: int = 12) -> NullCalibration:
    """The fake-epoch null of one sector's localization (see module docstring).

    Parameters
    ----------
    stamp : TPFStamp
    transit_params : TransitParams or Candidate
    offsets_days : ndarray, optional
        T0 offsets of the fakes, days (default :func:`fake_epoch_offsets`).
    target_radec : (float, float), optional
    max_iterations : int

    Returns
    -------
    NullCalibration
        Flag ``too_few_fake_epochs_N`` (nominal null kept) when fewer than :data:`MIN_NULL_FAKES` fakes fit.
    """
    from ..diffimage.localize import localize_sector

    tp = coerce_transit_params(transit_params)
    offs = fake_epoch_offsets(tp) if offsets_days is None else np.asarray(offsets_days, dtype=float)
    used, zs, ds, outs = [], [], [], []
    for o in offs:  # one localization per fake epoch (≈ 0.04 s each): the exact statistic of the real epoch
        loc = localize_sector(stamp, TransitParams(tp.period, tp.t0 + float(o), tp.duration),
                              target_radec=target_radec, max_iterations=max_iterations)
        f = loc.fit
        if loc.status != "ok" or not (f.amplitude_err > 0) or not math.isfinite(f.delta_chi2_target):
            continue
        used.append(float(o))
        zs.append(float(f.amplitude / f.amplitude_err))
        ds.append(float(f.delta_chi2_target))
        outs.append(outside_dip(loc)[0])
    sector = int(getattr(stamp, "sector", 0))
    if len(zs) < MIN_NULL_FAKES:
        return NullCalibration(sector, tuple(used), tuple(zs), tuple(ds),
                               flags=(f"too_few_fake_epochs_{len(zs)}",), outside_z=tuple(outs))
    mu, s, k, nu = _fit_null(np.array(zs), np.array(ds))
    return NullCalibration(sector, tuple(used), tuple(zs), tuple(ds), mu, s, k, nu, outside_z=tuple(outs))


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
    """One null pooled over sectors (for the combined tests): the fakes of every calibrated sector together."""
    good = [c for c in cals if c.calibrated]
    if not good:
        return NullCalibration(-1, flags=("no_calibrated_sector",))
    z = np.concatenate([c.amplitude_z for c in good])
    d = np.concatenate([c.delta_chi2 for c in good])
    mu, s, k, nu = _fit_null(z, d)
    return NullCalibration(-1, tuple(np.concatenate([c.offsets_days for c in good])), tuple(z), tuple(d),
                           mu, s, k, nu, flags=(f"pooled_{len(good)}_sectors",))


def recalibrated_hosts(hosts: Any, null: NullCalibration) -> tuple[dict, ...]:
    """Hosts with ``sigma`` from the fake-epoch null of their Δχ² (the nominal one kept as ``nominal_sigma``)."""
    out = []
    for h in hosts:
        t = null.offset_test(h["delta_chi2"], h["sigma"])
        out.append({**h, "sigma": t.sigma, "nominal_sigma": h["sigma"], "p_model": t.p_model,
                    "p_counted": t.p_counted, "extrapolated": t.extrapolated})
    return tuple(out)


def calibrated_inputs(null: NullCalibration | None, offset_sigma: float, delta_chi2: float, hosts: Any,
                       snr: float) -> tuple[float, Any, float, dict]:
    """The verdict's inputs of one sector from its fake-epoch null (unchanged, flagged, when not calibrated)."""
    if null is None:
        return offset_sigma, hosts, snr, {}
    if not null.calibrated:
        return offset_sigma, hosts, snr, {"null": null.to_dict(), "used": False}
    amp, off = null.amplitude_test(snr), null.offset_test(delta_chi2, offset_sigma)
    return off.sigma, recalibrated_hosts(hosts, null), amp.sigma, {
        "used": True, "amplitude": amp.to_dict(), "offset": off.to_dict(), "null": null.to_dict()}


def combined_calibrated_inputs(nulls: list, combined: Any, snr: float,
                                use: list) -> tuple[float, Any, float, dict]:
    """The combined verdict's inputs from the sectors' nulls pooled (the amplitude: calibrated z's summed)."""
    pooled = combine_calibrations(nulls) if nulls else None
    if pooled is None or not pooled.calibrated:
        return combined.offset_sigma, combined.hosts, snr, ({"null": pooled.to_dict(), "used": False}
                                                            if pooled is not None else {})
    zc = [s.calibration["amplitude"]["sigma"] for s in use if s.calibration.get("used")]
    snr_c = float(np.sum(zc) / math.sqrt(len(zc))) if zc else snr
    off = pooled.offset_test(combined.delta_chi2_target, combined.offset_sigma)
    return off.sigma, recalibrated_hosts(combined.hosts, pooled), snr_c, {
        "used": True, "amplitude_sigma": snr_c, "offset": off.to_dict(), "null": pooled.to_dict()}
