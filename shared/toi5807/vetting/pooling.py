"""Fake-epoch nulls pooled across sectors where the noise agrees (issue 28: few transits, long durations).

A sector with one long transit holds few independent fakes (25 days at D = 14.4 h: ≈ 6, below
:data:`~toi5807.vetting.nulls.MIN_NULL_FAKES`). Its tests can still be calibrated on the fakes of the *other*
sectors of the same star when their noise agrees: the fakes' statistics are in units of each sector's own
noise (``z`` = amplitude / error; ``Δχ²`` of the observed dip injected at the tested position), so sectors with
the same pointing and pixel-noise behaviour give the same null. Agreement is tested, not assumed: the sector's
fakes against each other sector's by the k-sample Anderson–Darling test on ``z`` and on ``Δχ²`` (both p ≥
:data:`AGREE_P`; overlapping fakes are correlated, which makes the test reject more often, i.e. pool less).
The real epoch is still read with its own sector's statistic; only the null is pooled, and flagged.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .nulls import MIN_NULL_FAKES, NullCalibration, _fit_null

__all__ = ["noise_agrees", "pool_null", "pooled_nulls", "AGREE_P"]

#: Least Anderson–Darling p-value (on ``z`` and on ``Δχ²``) for two sectors' fakes to be pooled.
AGREE_P: float = 0.05


def _ad_p(a: Any, b: Any) -> float:
    from scipy.stats import anderson_ksamp

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 3 or b.size < 3:
        return 0.0
    with warnings.catch_warnings():  # p is capped to [0.001, 0.25] with a warning: the cap is all we need
        warnings.simplefilter("ignore")
        return float(anderson_ksamp([a, b], variant="midrank").pvalue)


def noise_agrees(a: NullCalibration, b: NullCalibration, alpha: float = AGREE_P) -> bool:
    """Whether two sectors' fakes seem drawn from one null (``z`` and ``Δχ²``: Anderson–Darling p ≥ alpha)."""
    return (_ad_p(a.amplitude_z, b.amplitude_z) >= alpha and _ad_p(a.delta_chi2, b.delta_chi2) >= alpha)


def pool_null(own: NullCalibration, others: list[NullCalibration]) -> NullCalibration:
    """``own``'s null with the fakes of ``others`` added (refitted; independent counts summed; flagged).

    The real epoch (``observed``) stays ``own``'s; a star's own fakes are pooled over the sectors that have that
    star."""
    every = [own, *others]
    z = np.concatenate([np.asarray(n.amplitude_z, dtype=float) for n in every])
    d = np.concatenate([np.asarray(n.delta_chi2, dtype=float) for n in every])
    mu, s, k, nu = _fit_null(z, d)
    stars = []
    for i, lab in enumerate(own.star_labels):
        vals = [own.star_delta_chi2[i]] + [n.star_delta_chi2[n.star_labels.index(lab)] for n in others
                                           if lab in n.star_labels]
        stars.append(tuple(float(v) for v in np.concatenate([np.asarray(v, dtype=float) for v in vals])))
    cat = lambda name: tuple(float(v) for n in every for v in getattr(n, name))  # noqa: E731
    flag = f"pooled_with_sectors_{'_'.join(str(n.sector) for n in others)}_(noise agrees)"
    return NullCalibration(own.sector, cat("offsets_days"), tuple(float(v) for v in z), tuple(float(v) for v in d),
                           mu, s, k, nu, flags=(flag, *own.flags), outside_z=cat("outside_z"),
                           n_independent=sum(n.n_indep for n in every), star_labels=own.star_labels,
                           star_delta_chi2=tuple(stars), observed=dict(own.observed),
                           delta_chi2_empty=cat("delta_chi2_empty"))


def pooled_nulls(nulls: dict, alpha: float = AGREE_P) -> dict:
    """Every sector's null, those with too few independent fakes pooled with the agreeing sectors' fakes.

    A sector's own null is kept when it is calibrated, or when even the pooled one would not be (then its flags
    say how many independent fakes the pooling reached)."""
    out = {}
    for s, own in nulls.items():
        if own is None or own.calibrated or not own.n_null:
            out[s] = own
            continue
        others = [n for t, n in nulls.items() if t != s and n is not None and n.n_null]
        if not others:  # nothing to pool with
            out[s] = own
            continue
        agree = [n for n in others if noise_agrees(own, n, alpha)]
        total = own.n_indep + sum(n.n_indep for n in agree)
        if agree and total >= MIN_NULL_FAKES:
            out[s] = pool_null(own, agree)
        else:
            import dataclasses

            out[s] = dataclasses.replace(own, flags=(*own.flags, f"pooling_reached_{total}_independent_"
                                                     f"({len(agree)}_of_{len(others)}_sectors_agreeing)"))
    return out
