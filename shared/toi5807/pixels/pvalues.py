"""The package's one significance convention, and the tests that feed it.

Every method turns a 2-D shift vector (pixels) into a p-value under "no shift"
and reports ``significance_sigma = sqrt(-2 ln p)``. For a 2-D Gaussian shift
vector this is the Mahalanobis distance, i.e. the chi-squared statistic with
two degrees of freedom used by Bryson et al. (2013, arXiv:1303.0052), so a
">3σ" offset arises by chance 1.11 % of the time. p-values are kept in log
space so none underflows. Hotelling's T² (Hotelling 1931) covers covariances
estimated from a finite number of null vectors.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "clopper_pearson",
    "p_from_log_p",
    "sigma_from_log_p",
    "chi2_logsf",
    "chi2_2dof_significance",
    "hotelling_significance",
    "mahalanobis_many",
    "zero_mean_hotelling_log_p",
    "zero_mean_lawley_hotelling_log_p",
]


def p_from_log_p(log_p: float) -> float:
    """p-value from its natural log: 0 for ``-inf`` (underflow), NaN for NaN, else ``exp(log_p)``."""
    return math.exp(log_p) if math.isfinite(log_p) else (0.0 if log_p == -math.inf else math.nan)


def sigma_from_log_p(log_p: float) -> float:
    """The package's one significance convention: ``sigma = sqrt(-2 ln p)`` from ``ln p``.

    For a 2-D Gaussian vector this is the Mahalanobis distance (the χ², 2 dof,
    of Bryson et al. 2013, arXiv:1303.0052). Every V08 method, the per-transit
    test and the sector combination report their significance through it.

    Parameters
    ----------
    log_p : float
        Natural log of a p-value.

    Returns
    -------
    float
        ``inf`` for ``log_p = -inf`` (p underflowed to 0), NaN for NaN,
        0 for ``log_p >= 0`` (p ≥ 1), else ``sqrt(-2 log_p)``.
    """
    log_p = float(log_p)
    if math.isnan(log_p):
        return math.nan
    if log_p == -math.inf:
        return math.inf
    if log_p >= 0.0:
        return 0.0
    return math.sqrt(-2.0 * log_p)


def chi2_logsf(chi2: float, dof: int) -> float:
    """Natural log of the χ² survival function (no underflow; NaN for non-finite input).

    Parameters
    ----------
    chi2 : float
        χ² statistic.
    dof : int
        Degrees of freedom (> 0).
    """
    from scipy.stats import chi2 as _chi2

    if not math.isfinite(chi2) or dof <= 0:
        return math.nan
    if dof == 2:
        return -0.5 * chi2
    return float(_chi2.logsf(chi2, dof))


def chi2_2dof_significance(shift: np.ndarray, cov: np.ndarray) -> tuple[float, float, bool]:
    """Mahalanobis-distance significance of a 2-D shift (Bryson et al. 2013).

    Parameters
    ----------
    shift : ndarray, shape (2,)
        Shift vector, pixels.
    cov : ndarray, shape (2, 2)
        Its covariance under "no shift", pixels².

    Returns
    -------
    log_p : float
        ``-d²/2`` — the exact log survival function of χ²(2 dof); no underflow.
    sigma : float
        ``d = sqrt(-2 log_p)``; ``inf`` when the shift lies outside the support
        of a singular covariance.
    degenerate : bool
        True when the covariance was singular (pseudo-inverse used).
    """
    shift = np.asarray(shift, dtype=float)
    cov = np.asarray(cov, dtype=float)
    if not (np.all(np.isfinite(shift)) and np.all(np.isfinite(cov))):
        return math.nan, math.nan, False
    norm = float(np.hypot(*shift))
    if norm == 0.0:
        return 0.0, 0.0, False
    evals, evecs = np.linalg.eigh(0.5 * (cov + cov.T))
    tol = max(float(np.max(np.abs(evals))), 0.0) * 1e-12
    proj = evecs.T @ shift
    d2 = 0.0
    degenerate = False
    for lam, p in zip(evals, proj):
        if lam > tol and lam > 0:
            d2 += p * p / lam
        else:
            degenerate = True
            if abs(p) > 1e-12 * norm:
                return -math.inf, math.inf, True
    log_p = -0.5 * d2
    return log_p, sigma_from_log_p(log_p), degenerate


def hotelling_significance(shift: np.ndarray, fakes: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Hotelling T² p-value of one new 2-D vector against ``n`` null samples.

    If the observed shift and the fake-ephemeris shifts ``x_1..x_n`` are iid
    N(μ, Σ) in p = 2 dimensions, ``T² = n/(n+1) (x − x̄)ᵀ S⁻¹ (x − x̄)`` and
    ``T² (n − p) / (p (n − 1)) ~ F(p, n − p)``. For p = 2 the F survival
    function is exactly ``(1 + 2F/m)^(-m/2)`` with m = n − 2, evaluated in log
    space so no p-value underflows.

    Returns
    -------
    log_p, sigma : float
    cov : ndarray, shape (2, 2)
        Sample covariance ``S`` of the fakes (pixels²).
    """
    fakes = np.asarray(fakes, dtype=float)
    n = fakes.shape[0]
    mean = fakes.mean(axis=0)
    cov = np.cov(fakes, rowvar=False, ddof=1)
    diff = np.asarray(shift, dtype=float) - mean
    log_p_chi, d, _ = chi2_2dof_significance(diff, cov)
    if not np.isfinite(d):
        return log_p_chi, d, cov
    t2 = d * d * n / (n + 1.0)
    m = n - 2.0
    fstat = t2 * m / (2.0 * (n - 1.0))
    log_p = -0.5 * m * math.log1p(2.0 * fstat / m)
    return log_p, sigma_from_log_p(log_p), cov


def mahalanobis_many(vecs: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Mahalanobis distances of the rows of ``vecs`` (pseudo-inverse for a singular ``cov``)."""
    if not np.all(np.isfinite(cov)):
        return np.full(vecs.shape[0], np.nan)
    inv = np.linalg.pinv(cov)
    return np.sqrt(np.maximum(np.einsum("bi,ij,bj->b", vecs, inv, vecs), 0.0))


def zero_mean_hotelling_log_p(t2: float, n: int) -> float:
    """ln p of ``T² = xᵀ S⁻¹ x`` with S the second moment about zero of n null 2-D vectors.

    If x and the n null vectors are iid N(0, Σ), ``n S ~ Wishart(n, Σ)`` and
    ``T² (n − 1) / (2 n) ~ F(2, n − 1)`` (Hotelling 1931); the F(2, m) survival
    function is ``(1 + 2F/m)^(-m/2)``, so ``ln p = −(n − 1)/2 · ln(1 + T²/n)``
    (→ ``−T²/2``, the χ² value, as n → ∞).
    """
    if not math.isfinite(t2):
        return -math.inf if t2 == math.inf else math.nan
    return -0.5 * (n - 1.0) * math.log1p(max(t2, 0.0) / n)


def zero_mean_lawley_hotelling_log_p(chi2: float, n_inputs: int, n: int) -> float:
    """ln p of the epochs' consistency χ² when their covariance comes from n null vectors.

    ``χ² = n·tr(H E⁻¹)`` with ``H ~ Wishart(q, Σ)`` (q = n_inputs − 1, the
    residuals about the weighted mean) and ``E = n S ~ Wishart(n, Σ)``: the
    Lawley–Hotelling trace, referred to its usual F approximation (as R's
    ``summary.manova``; exact for q = 1, where it equals
    :func:`zero_mean_hotelling_log_p`).
    """
    from scipy.stats import f as _f

    q = n_inputs - 1
    if q < 1 or not math.isfinite(chi2):
        return math.nan
    if q == 1:
        return zero_mean_hotelling_log_p(chi2, n)
    u = max(chi2, 0.0) / n
    p, s = 2, min(2, q)
    tmp1 = (abs(p - q) - 1) + s + 1
    tmp2 = 2.0 * (s * (n - p - 1) / 2.0 + 1.0)
    fstat = tmp2 * u / (s * s * tmp1)
    return float(_f.logsf(fstat, s * tmp1, tmp2))


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
