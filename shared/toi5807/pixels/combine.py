"""Inverse-covariance-weighted combination of 2-D offsets, with its χ² tests.

:func:`combine_offsets` takes the weighted mean of several vectors (per-sector
sky offsets in arcsec, or one sector's per-transit vectors in pixels) with its
χ² against zero and the χ² of consistency between the inputs, reported in the
V08 convention ``sigma = sqrt(-2 ln p)`` (:mod:`toi5807.pixels.pvalues`; Bryson
et al. 2013, arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report import Explained, fmt, json_safe
from .pvalues import chi2_logsf, p_from_log_p, sigma_from_log_p

__all__ = ["CombinedOffset", "combine_offsets"]


# ---------------------------------------------------------------------------------------------
# combination
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CombinedOffset(Explained):
    """Inverse-covariance-weighted mean of 2-D vectors and its tests.

    Attributes
    ----------
    mean : (float, float)
        ``m = (Σ Cᵢ⁻¹)⁻¹ Σ Cᵢ⁻¹ vᵢ`` (units of the inputs: arcsec or pixels).
    covariance : 2×2 tuple
        ``(Σ Cᵢ⁻¹)⁻¹``.
    uncertainty : (float, float)
        1σ per axis, sqrt of the diagonal.
    chi2, p_value, log_p_value, significance_sigma : float
        ``χ² = mᵀ C⁻¹ m`` (2 dof) against zero; ``sigma = sqrt(-2 ln p)`` (the V08 convention).
    consistency_chi2, consistency_dof, consistency_p_value, consistency_sigma
        ``Σ (vᵢ − m)ᵀ Cᵢ⁻¹ (vᵢ − m)`` with ``2(n − 1)`` dof: do the inputs agree?
    n_used : int
        Inputs with finite vector and positive-definite covariance.
    labels_used : tuple of str
    flags : tuple of str
        ``no_usable_inputs`` or ``single_input`` (no consistency test).
    unit : str
        Unit of the inputs, for display (``"arcsec"`` or ``"px"``).
    simulated : bool
        True when the inputs came from simulated data.
    """

    mean: tuple[float, float] = (math.nan, math.nan)
    covariance: tuple[tuple[float, float], tuple[float, float]] = ((math.nan, math.nan), (math.nan, math.nan))
    uncertainty: tuple[float, float] = (math.nan, math.nan)
    chi2: float = math.nan
    p_value: float = math.nan
    log_p_value: float = math.nan
    significance_sigma: float = math.nan
    consistency_chi2: float = math.nan
    consistency_dof: int = 0
    consistency_p_value: float = math.nan
    consistency_sigma: float = math.nan
    n_used: int = 0
    labels_used: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    unit: str = ""
    simulated: bool = False

    @property
    def norm(self) -> float:
        """|mean| (units of the inputs)."""
        return float(np.hypot(*self.mean))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None), with ``norm``."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["norm"] = self.norm
        return json_safe(out, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        if not self.n_used:
            return "combined offset: no usable inputs", [("flags", ", ".join(self.flags) or "none")]
        u = self.unit
        return (f"combined offset {fmt(self.norm, '.3g', u)} at {fmt(self.significance_sigma, '.2f', 'σ')} "
                f"from zero ({self.n_used} inputs)", [
                    ("mean", fmt(self.mean, ".3g", u)), ("1σ per axis", fmt(self.uncertainty, ".2g", u)),
                    ("against zero", f"χ² = {fmt(self.chi2, '.3g')} (2 dof), p = {fmt(self.p_value, '.2g')}"),
                    ("consistency", f"χ² = {fmt(self.consistency_chi2, '.3g')} ({self.consistency_dof} dof), "
                                    f"p = {fmt(self.consistency_p_value, '.2g')}"),
                    ("inputs", ", ".join(self.labels_used))])


def _posdef(c: np.ndarray) -> bool:
    if not np.all(np.isfinite(c)):
        return False
    return bool(np.all(np.linalg.eigvalsh(0.5 * (c + c.T)) > 0))


def combine_offsets(vectors: Any, covariances: Any, labels: Any = None, *, unit: str = "") -> CombinedOffset:
    """Inverse-covariance-weighted mean of 2-D vectors (e.g. per-sector sky offsets, arcsec).

    Pixel vectors of different sectors must not be combined (the rolls differ):
    convert them with :func:`vector_to_sky` first. Inputs with a non-finite
    vector or a covariance that is not positive definite are skipped.

    Parameters
    ----------
    vectors : array_like, shape (n, 2)
    covariances : array_like, shape (n, 2, 2)
    labels : sequence of str, optional
    unit : str, optional
        Unit of the vectors, shown by ``repr`` (e.g. ``"arcsec"``).

    Returns
    -------
    CombinedOffset
    """
    v = np.asarray(vectors, dtype=float).reshape(-1, 2) if np.size(vectors) else np.zeros((0, 2))
    c = np.asarray(covariances, dtype=float).reshape(-1, 2, 2) if np.size(covariances) else np.zeros((0, 2, 2))
    if v.shape[0] != c.shape[0]:
        raise ValueError(f"vectors/covariances: expected the same count, got {v.shape[0]} and {c.shape[0]}")
    labels = [str(i) for i in range(v.shape[0])] if labels is None else [str(x) for x in labels]
    if len(labels) != v.shape[0]:
        raise ValueError(f"labels: expected {v.shape[0]} labels, got {len(labels)}")
    ok = np.array([np.all(np.isfinite(vi)) and _posdef(ci) for vi, ci in zip(v, c)], dtype=bool)
    if not np.any(ok):
        return CombinedOffset(flags=("no_usable_inputs",), unit=unit)
    v, c = v[ok], c[ok]
    w = np.linalg.inv(c)
    cov = np.linalg.inv(w.sum(axis=0))
    mean = cov @ np.einsum("nij,nj->i", w, v)
    chi2 = float(mean @ np.linalg.solve(cov, mean))
    log_p = -0.5 * chi2
    r = v - mean
    n = v.shape[0]
    cchi2 = float(np.einsum("ni,nij,nj->", r, w, r))
    dof = 2 * (n - 1)
    clogp = chi2_logsf(cchi2, dof) if dof > 0 else math.nan
    t2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
    return CombinedOffset(
        mean=t2(mean), covariance=(t2(cov[0]), t2(cov[1])), uncertainty=t2(np.sqrt(np.diag(cov))),
        chi2=chi2, p_value=p_from_log_p(log_p), log_p_value=log_p, significance_sigma=sigma_from_log_p(log_p),
        consistency_chi2=cchi2 if dof > 0 else math.nan, consistency_dof=dof,
        consistency_p_value=p_from_log_p(clogp), consistency_sigma=sigma_from_log_p(clogp), n_used=n,
        labels_used=tuple(lab for lab, k in zip(labels, ok) if k), flags=() if n > 1 else ("single_input",),
        unit=unit,
    )
