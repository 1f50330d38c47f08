"""The null models of the self-calibration (:mod:`toi5807.vetting.selfcal`): fake-epoch statistics, their
fitted scale and shape, and the calibrated tests (counted with a floor, fitted model p, extrapolated flag).

Overlapping fakes are correlated: counts are scaled to the independent ones (:func:`n_independent_fakes`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pixels.pvalues import sigma_from_log_p
from ..report import json_safe

__all__ = ["CalibratedTest", "NullCalibration", "JointNull", "chi2_test", "star_test", "n_independent_fakes",
           "FAKE_STEP_DURATIONS", "WINDOW_SPAN_DURATIONS", "MIN_NULL_FAKES"]

#: Fake T0 offsets are laid every this many transit durations: 2.5× denser than the windows' half-overlap of the
#: slow calibration (cheap fakes), not denser still: at 0.5 durations (windows 90 % shared) the twin's nulls came
#: out the same (between-sector χ² null mean 8.9 vs 9.4, same observed statistics) at 1.5× the cost.
FAKE_STEP_DURATIONS: float = 1.0
#: Full width of a fake's windows (baseline to baseline), durations: fakes this far apart share no cadence.
WINDOW_SPAN_DURATIONS: float = 5.0
#: Fewest *independent* fake epochs for a calibration; fewer → nominal tests kept and flagged.
MIN_NULL_FAKES: int = 8


def n_independent_fakes(n: int, step_durations: float = FAKE_STEP_DURATIONS) -> int:
    """Independent fakes among ``n`` laid every ``step_durations``: ``n · step / WINDOW_SPAN_DURATIONS`` (≤ n)."""
    return int(min(n, math.floor(n * min(step_durations, WINDOW_SPAN_DURATIONS) / WINDOW_SPAN_DURATIONS)))


@dataclass(frozen=True)
class CalibratedTest:
    """One test calibrated on fake epochs.

    Attributes
    ----------
    statistic : float
        The real epoch's value (``z`` or ``Δχ²``, the grid statistic of the fakes).
    n_null, n_exceed : int
        Fake epochs used and how many reached the real value.
    p_counted, p_floor : float
        ``(1 + n_exceed · n_independent / n_null) / (1 + n_independent)`` and its floor ``1 / (1 + n_independent)``
        (overlapping fakes are correlated: the count is scaled to the independent ones).
    p_model : float
        From the fitted null (scale and shape): the p-value the verdict uses.
    extrapolated : bool
        ``n_exceed == 0``: ``p_model`` lies below the counted floor, extrapolated from the fit.
    sigma : float
        ``sqrt(−2 ln p_model)`` (2-dof convention) or the one-sided Gaussian equivalent for the amplitude.
    nominal_sigma : float
        The uncalibrated significance (the nonlinear fit's), for comparison.
    n_independent : int
        Independent fakes among ``n_null``.
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
    n_independent: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)


def _counted(stat: float, null: np.ndarray, n_ind: int | None, p: float, sig: float,
             nominal: float) -> CalibratedTest:
    n = int(null.size)
    ni = n if n_ind is None else int(n_ind)
    n_ex = int(np.sum(null >= stat)) if math.isfinite(stat) else 0
    pc = (1.0 + n_ex * ni / max(n, 1)) / (1.0 + ni)
    return CalibratedTest(float(stat), n, n_ex, min(pc, 1.0), 1.0 / (1 + ni), p, bool(n_ex == 0), float(sig),
                          float(nominal), ni)


def gumbel_sf(x: float, mean: float, std: float) -> float:
    """Survival function of the Gumbel (maximum) law with the given mean and standard deviation."""
    beta = max(float(std), 1e-12) * math.sqrt(6.0) / math.pi
    loc = float(mean) - 0.5772156649015329 * beta
    return float(-math.expm1(-math.exp(-(float(x) - loc) / beta))) if (x - loc) / beta > -50 else 1.0


def sigma_one_sided(p: float) -> float:
    """The one-sided Gaussian equivalent of a p-value (3σ ⇔ p = 0.135 %); NaN for NaN."""
    from scipy.stats import norm

    return float(norm.isf(max(p, 1e-300))) if math.isfinite(p) else math.nan


def _fit_chi2(dchi: np.ndarray) -> tuple[float, float]:
    """``(k, ν)`` with ``Δχ²/k ~ χ²(ν)`` matched to the mean and variance (ν clipped to [1, 6])."""
    d = np.asarray(dchi, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return 1.0, 2.0
    m, v = float(np.mean(d)), float(np.var(d, ddof=1))
    if not (m > 0 and v > 0):
        return 1.0, 2.0
    nu = float(np.clip(2.0 * m * m / v, 1.0, 6.0))
    return max(m / nu, 1e-6), nu


def _fit_null(z: np.ndarray, dchi: np.ndarray) -> tuple[float, float, float, float]:
    mu, s = float(np.mean(z)), float(np.std(z, ddof=1))
    return (mu, s if s > 0 else 1.0, *_fit_chi2(dchi))


def chi2_test(null: Any, delta_chi2: float, k: float, nu: float, n_ind: int | None,
              nominal_sigma: float = math.nan) -> CalibratedTest:
    """A ``Δχ²`` against fakes ``null`` with the fitted ``Δχ²/k ~ χ²(ν)`` (far tail by its asymptotic form)."""
    from scipy.stats import chi2

    arr = np.asarray(null, dtype=float)
    d = max(float(delta_chi2), 0.0) if math.isfinite(delta_chi2) else math.nan
    logp = float(chi2.logsf(d / k, nu)) if math.isfinite(d) else math.nan
    if math.isfinite(d) and not math.isfinite(logp):  # far tail: log Q(a, x) ≈ (a − 1) ln x − x − ln Γ(a)
        a, x = 0.5 * nu, 0.5 * d / k
        logp = (a - 1.0) * math.log(x) - x - math.lgamma(a)
    p = math.exp(logp) if math.isfinite(logp) else math.nan
    sig = sigma_from_log_p(logp) if math.isfinite(logp) else math.nan
    return _counted(d, arr, n_ind, p, sig, nominal_sigma)


def star_test(own: Any, target: Any, target_fit: tuple[float, float], delta_chi2: float, n_ind: int | None,
              nominal_sigma: float = math.nan) -> CalibratedTest:
    """A catalogue star's ``Δχ²`` against its own fakes and against the target's, keeping the larger p.

    Empty fakes calibrate the noise, not the PRF-model and catalogue-position errors of a bright source that *is*
    on the star (those grow with the signal); a star's own null can be narrower than the target's (on the
    single-sector BEB twin with the stars found in the image, the host 2″ from the fitted position came out
    3.6σ against its own fakes, 1.8σ against the target's). A star is excluded only when both say so."""
    t_tgt = chi2_test(target, delta_chi2, *target_fit, n_ind, nominal_sigma)
    if own is None:
        return t_tgt
    t_own = chi2_test(own, delta_chi2, *_fit_chi2(np.asarray(own)), n_ind, nominal_sigma)
    return t_own if t_own.p_model >= t_tgt.p_model else t_tgt


@dataclass(frozen=True)
class NullCalibration:
    """The fake-epoch null of one sector (see module docstring).

    Attributes
    ----------
    sector : int
    offsets_days : tuple of float
        T0 offsets of the usable fake epochs, days.
    amplitude_z, delta_chi2 : tuple of float
        The fakes' grid statistics (``z`` max over positions, of the empty fakes; ``Δχ²`` of the source at the
        target, of the fakes with the observed dip injected there).
    z_mean, z_std : float
        The fakes' mean and standard deviation of ``z``: the amplitude null (Gumbel law with these moments).
    chi2_scale, chi2_dof : float
        Fitted Δχ² null: ``Δχ²/chi2_scale ~ χ²(chi2_dof)``.
    flags : tuple of str
    outside_z : tuple of float
        The fakes' strongest per-pixel dip outside the fit region (:func:`outside_dip`).
    n_independent : int or None
        Independent fakes (None: all of them).
    star_labels, star_delta_chi2 : tuple
        Catalogue stars and, for each, the fakes' ``Δχ²`` of the source placed on it.
    observed : dict
        The real epoch's grid statistics (``z``, ``delta_chi2_target``, ``stars``: label → Δχ²).
    delta_chi2_empty : tuple of float
        The empty fakes' ``Δχ²`` at the target (look-elsewhere noise, for reference). ``delta_chi2`` and
        ``star_delta_chi2`` are the fakes' with the observed dip injected at the target (at the star), when
        made by :mod:`toi5807.vetting.fakenull`.
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
    n_independent: int | None = None
    star_labels: tuple[str, ...] = ()
    star_delta_chi2: tuple[tuple[float, ...], ...] = ()
    observed: dict = field(default_factory=dict)
    delta_chi2_empty: tuple[float, ...] = ()

    @property
    def n_null(self) -> int:
        """Usable fake epochs."""
        return len(self.amplitude_z)

    @property
    def n_indep(self) -> int:
        """Independent fake epochs."""
        return self.n_null if self.n_independent is None else int(self.n_independent)

    @property
    def calibrated(self) -> bool:
        """Enough independent fake epochs to fit the null."""
        return self.n_indep >= MIN_NULL_FAKES

    def amplitude_test(self, z: float, nominal: float = math.nan) -> CalibratedTest:
        """The dip amplitude ``z`` = amplitude / error against the fakes (one-sided).

        ``z`` is a maximum over trial positions, so its null is modelled by the extreme-value (Gumbel) law with
        the fakes' mean and standard deviation (scale ``β = s·√6/π``, location ``μ − 0.5772 β``): on the real
        s83 fakes (skewness 2.1) 1.4 % lie beyond ``μ + 3s``, where a Normal puts 0.13 % and the Gumbel 1.2 %."""
        p = gumbel_sf(z, self.z_mean, self.z_std) if math.isfinite(z) else math.nan
        sig = sigma_one_sided(p)
        return _counted(float(z), np.asarray(self.amplitude_z, dtype=float), self.n_independent, p, sig,
                        z if math.isnan(nominal) else nominal)

    def offset_test(self, delta_chi2: float, nominal_sigma: float = math.nan) -> CalibratedTest:
        """A likelihood-ratio ``Δχ²`` of the source at the target against the fakes."""
        return chi2_test(self.delta_chi2, delta_chi2, self.chi2_scale, self.chi2_dof, self.n_independent,
                         nominal_sigma)

    def star_test(self, label: str, delta_chi2: float, nominal_sigma: float = math.nan) -> CalibratedTest:
        """The ``Δχ²`` of the source on catalogue star ``label``: against that star's own fakes and the target's,
        the larger p kept (see :func:`star_test`)."""
        own = (self.star_delta_chi2[self.star_labels.index(label)] if label in self.star_labels else None)
        return star_test(own, self.delta_chi2, (self.chi2_scale, self.chi2_dof), delta_chi2, self.n_independent,
                         nominal_sigma)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["star_delta_chi2"] = {lab: list(v) for lab, v in zip(self.star_labels, self.star_delta_chi2)}
        out.update(n_null=self.n_null, calibrated=self.calibrated, p_floor=1.0 / (1 + self.n_indep),
                   n_independent=self.n_indep)
        return json_safe(out, sig=None)


@dataclass(frozen=True)
class JointNull:
    """Fake ephemerides applied to all sectors at once: the combined tests' null (see module docstring).

    Attributes
    ----------
    sectors : tuple of int
    offsets_days : tuple of tuple of float
        Per joint fake, the T0 offset used in each sector (order of ``sectors``), days.
    delta_chi2 : tuple of float
        Joint ``Δχ²`` of the source at the target (all sectors' χ² summed on one sky grid), of the fakes with
        each sector's observed dip injected at the target (:func:`toi5807.vetting.batches.injected_batch`).
    between : tuple of float
        ``χ²`` between sectors: ``Σ_s [χ²_s(u*) − χ²_s,min]`` (empty with one sector).
    star_labels, star_delta_chi2 : tuple
        Joint ``Δχ²`` of the source on each catalogue star (the dip injected on that star; softened by the
        star's position error, :func:`toi5807.vetting.batches.soften`). The between-sector null is the empty
        fakes'.
    n_independent : int
    observed : dict
        The real epoch's ``delta_chi2_target``, ``between`` and ``stars`` (label → Δχ²).
    flags : tuple of str
    """

    sectors: tuple[int, ...] = ()
    offsets_days: tuple[tuple[float, ...], ...] = ()
    delta_chi2: tuple[float, ...] = ()
    between: tuple[float, ...] = ()
    star_labels: tuple[str, ...] = ()
    star_delta_chi2: tuple[tuple[float, ...], ...] = ()
    n_independent: int = 0
    observed: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def n_null(self) -> int:
        """Fake ephemerides used."""
        return len(self.delta_chi2)

    @property
    def calibrated(self) -> bool:
        """Enough independent fakes."""
        return self.n_independent >= MIN_NULL_FAKES

    def offset_test(self, delta_chi2: float, nominal_sigma: float = math.nan) -> CalibratedTest:
        """Joint ``Δχ²`` of the source at the target against the fakes."""
        return chi2_test(self.delta_chi2, delta_chi2, *_fit_chi2(np.asarray(self.delta_chi2)), self.n_independent,
                         nominal_sigma)

    def between_test(self, chi2_between: float, nominal_p: float = math.nan) -> CalibratedTest | None:
        """The between-sector ``χ²`` against the fakes (None with one sector)."""
        if not self.between:
            return None
        nominal = sigma_from_log_p(math.log(nominal_p)) if nominal_p > 0 else math.nan
        return chi2_test(self.between, chi2_between, *_fit_chi2(np.asarray(self.between)), self.n_independent,
                         nominal)

    def star_test(self, label: str, delta_chi2: float, nominal_sigma: float = math.nan) -> CalibratedTest:
        """Joint ``Δχ²`` of the source on catalogue star ``label`` (its own fakes and the target's, larger p)."""
        own = (self.star_delta_chi2[self.star_labels.index(label)] if label in self.star_labels else None)
        return star_test(own, self.delta_chi2, _fit_chi2(np.asarray(self.delta_chi2)), delta_chi2,
                         self.n_independent, nominal_sigma)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["star_delta_chi2"] = {lab: list(v) for lab, v in zip(self.star_labels, self.star_delta_chi2)}
        out.update(n_null=self.n_null, calibrated=self.calibrated, p_floor=1.0 / (1 + self.n_independent))
        return json_safe(out, sig=None)
