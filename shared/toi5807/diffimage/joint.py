"""Sectors together: one sky position of the source, its test against the target, and the host ranking.

:func:`combine_localizations` fits one sky offset ``u`` (east, north; arcsec)
jointly to every usable sector's profiled χ² (``Σ χ²_s(J_s⁻¹ u)``, through
each stamp's WCS Jacobian), with its covariance from the Hessian, the 2-dof
likelihood-ratio test against the target (``u = 0``), and the consistency of
the sectors ``χ²_between = Σ [χ²_s(u*) − χ²_s,min]`` with ``2(n − 1)`` dof
(Twicken et al. 2018, PASP 130, 064502, do the same with a robust mean).
Catalogue stars are ranked by ``Δχ²`` of the source placed on each
(:func:`rank_hosts`); the relative probability is ``exp(−Δχ²/2)`` normalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.catalogue import Catalogue
from ..report import json_safe
from ..pixels.blas import one_blas_thread
from ..pixels.combine import combine_offsets
from .localize import _M2, _NAN2, _T2
from .prf_fit import quadratic_refine
from .stars import soften_delta_chi2, star_position_errors_px
from ..pixels.pvalues import chi2_logsf, p_from_log_p, sigma_from_log_p

__all__ = ["CombinedLocalization", "combine_localizations", "rank_hosts", "error_ellipse", "host_name",
           "IMAGE_ONLY_CAVEAT"]

#: What a host found only in the stamp's own image is called with (see :func:`host_name`).
IMAGE_ONLY_CAVEAT = "found in the image only, not a catalogue star"


def host_name(host: dict) -> str:
    """A host's label for prose: ``"image star 5 — found in the image only, not a catalogue star"`` when the
    star was found only in the stamp's image (``host["found_in_image"]``), else the label."""
    return f"{host['label']} — {IMAGE_ONLY_CAVEAT}" if host.get("found_in_image") else str(host["label"])


@dataclass(frozen=True)
class CombinedLocalization:
    """Joint sky localization over sectors (see :func:`combine_localizations`).

    Attributes
    ----------
    sectors_used : tuple of int
    offset_arcsec, covariance_arcsec2
        Source offset from the target (east, north) and covariance.
    error_ellipse_arcsec : (float, float, float)
        1σ semi-major and semi-minor axes (arcsec) and position angle of the major axis (deg east of north).
    source_ra_deg, source_dec_deg : float
    delta_chi2_target, offset_sigma : float
        Likelihood-ratio test of "source at the target", 2 dof; ``sqrt(-2 ln p)``.
    chi2_between_sectors, dof_between_sectors, p_between_sectors : float, int, float
    hosts : tuple of dict
        Catalogue stars ranked by Δχ² (``label``, ``offset_arcsec``, ``separation_arcsec``,
        ``delta_chi2``, ``sigma``, ``relative_probability``, ``could_produce_depth``, ``found_in_image``: the
        star is only a detection in the stamp's image; name it with :func:`host_name`).
    exclusion_radius_arcsec : float
        Largest distance from the target of the 3σ (Δχ² = 9) region of the source position.
    flags : tuple of str
    """

    sectors_used: tuple[int, ...] = ()
    offset_arcsec: tuple[float, float] = (math.nan, math.nan)
    covariance_arcsec2: tuple[tuple[float, float], tuple[float, float]] = _NAN2
    error_ellipse_arcsec: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    source_ra_deg: float = math.nan
    source_dec_deg: float = math.nan
    delta_chi2_target: float = math.nan
    offset_sigma: float = math.nan
    chi2_between_sectors: float = math.nan
    dof_between_sectors: int = 0
    p_between_sectors: float = math.nan
    hosts: tuple[dict, ...] = ()
    exclusion_radius_arcsec: float = math.nan
    flags: tuple[str, ...] = ()

    @property
    def most_likely_host(self) -> dict | None:
        """The best-ranked catalogue star, or None."""
        return self.hosts[0] if self.hosts else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["hosts"] = [dict(h) for h in self.hosts]
        return json_safe(out, sig=None)


def error_ellipse(cov: Any) -> tuple[float, float, float]:
    """1σ semi-major and semi-minor axes and position angle (deg east of north) of a 2×2 (east, north)
    covariance (arcsec² → arcsec); NaNs when the covariance is not finite."""
    cov = np.asarray(cov, dtype=float)
    if not np.all(np.isfinite(cov)):
        return (math.nan, math.nan, math.nan)
    w, v = np.linalg.eigh(0.5 * (cov + cov.T))
    major = v[:, 1]
    return (math.sqrt(max(w[1], 0)), math.sqrt(max(w[0], 0)), math.degrees(math.atan2(major[0], major[1])) % 180.0)


def rank_hosts(chi2: Any, chi2_min: float, catalogue: Catalogue, amplitude: float, *,
               best_arcsec: Any = None, pixel_scale_arcsec: float | None = None) -> tuple[dict, ...]:
    """Rank catalogue stars by how well the source placed on each explains the data.

    Parameters
    ----------
    chi2 : callable
        χ² (scaled) of sky offsets from the target, ``(k, 2)`` arcsec → ``(k,)``.
    chi2_min : float
        Its minimum.
    catalogue : Catalogue
    amplitude : float
        Fitted flux lost in transit, e-/s: a star fainter than that cannot produce the dip
        (its eclipse would have to exceed 100 %).
    best_arcsec : (float, float), optional
        The fitted source offset (arcsec east, north). With ``pixel_scale_arcsec``, each star's ``Δχ²`` allows for
        its own position error (stars found in the image: :func:`~toi5807.diffimage.stars.star_position_errors_px`),
        as the calibrated host tests do (:func:`~toi5807.diffimage.stars.soften_delta_chi2`).
    pixel_scale_arcsec : float, optional
        Arcsec per pixel, to turn those position errors into arcsec.

    Returns
    -------
    tuple of dict
        Best first. ``found_in_image`` marks stars found only in the stamp's own image (prose names them with
        :func:`host_name`: "image star 5 — found in the image only, not a catalogue star").
    """
    offs = catalogue.offsets_arcsec()
    d = np.maximum(np.asarray(chi2(offs), dtype=float) - chi2_min, 0.0)
    sig = star_position_errors_px(catalogue) * (pixel_scale_arcsec or 0.0)
    if best_arcsec is not None and np.all(np.isfinite(best_arcsec)) and np.any(sig > 0):
        d = soften_delta_chi2(d, np.sum((offs - np.asarray(best_arcsec, dtype=float)[None, :]) ** 2, axis=1), sig ** 2)
    rel = np.exp(-0.5 * (d - d.min()))
    rel = rel / rel.sum()
    out = []
    for k in np.argsort(d, kind="stable"):
        s = catalogue.stars[k]
        out.append({"label": s.label, "offset_arcsec": _T2(offs[k]), "separation_arcsec": float(np.hypot(*offs[k])),
                    "delta_chi2": float(d[k]), "sigma": sigma_from_log_p(-0.5 * float(d[k])),
                    "relative_probability": float(rel[k]), "flux_e_per_s": s.flux_e_per_s,
                    "could_produce_depth": bool(not math.isfinite(s.flux_e_per_s) or s.flux_e_per_s >= amplitude),
                    "found_in_image": bool(s.found_in_image)})
    return tuple(out)


def _exclusion_radius(chi2: Any, best: np.ndarray, chi2_min: float, level: float = 9.0) -> float:
    """Largest distance from the target of the region ``χ² − χ²_min ≤ level`` (ray scan, 36 directions)."""
    ang = np.radians(np.arange(0, 360, 10))
    dirs = np.stack([np.sin(ang), np.cos(ang)], axis=1)
    lo, hi = np.zeros(ang.size), np.full(ang.size, 2.0)
    for _ in range(12):  # expand until every ray leaves the region (≤ 8192″)
        out = chi2(best + hi[:, None] * dirs) - chi2_min > level
        if np.all(out):
            break
        hi = np.where(out, hi, hi * 2.0)
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        inside = chi2(best + mid[:, None] * dirs) - chi2_min <= level
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return float(np.max(np.hypot(*(best + hi[:, None] * dirs).T)))


@one_blas_thread
def combine_localizations(sectors: Any, catalogue: Catalogue | None = None, *,
                          target_radec: tuple[float, float] | None = None) -> CombinedLocalization:
    """Fit one sky offset to every usable sector, test it against the target and rank the catalogue stars.

    Parameters
    ----------
    sectors : iterable of SectorLocalization
    catalogue : Catalogue, optional
        Stars to rank (target first).
    target_radec : (float, float), optional
        Target ICRS degrees (default: the catalogue's target, else the first sector's stamp target, else
        TOI-5807).

    Returns
    -------
    CombinedLocalization
        Flag ``no_usable_sector`` (and NaN numbers) when no sector could be used.
    """
    from .. import target

    use = [s for s in sectors if s.usable]
    if not use:
        return CombinedLocalization(flags=("no_usable_sector",))
    if target_radec is None:
        own = getattr(use[0], "target_radec", None)
        target_radec = ((catalogue.target.ra_deg, catalogue.target.dec_deg) if catalogue is not None
                        else tuple(own) if own is not None else (target.RA_DEG, target.DEC_DEG))

    def chi2(u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        return np.sum([s.chi2_sky(u) for s in use], axis=0)

    g = combine_offsets([s.offset_arcsec for s in use], [s.covariance_arcsec2 for s in use])
    starts = [np.zeros(2)] + ([np.array(g.mean)] if np.all(np.isfinite(g.mean)) else [])
    starts += [np.array(s.offset_arcsec) for s in use]
    if catalogue is not None:
        starts += list(catalogue.offsets_arcsec())
    starts = np.array(starts, dtype=float)
    order = np.argsort(chi2(starts))[:2]  # refine from the two best starting points only
    step = max(1.0, float(np.sqrt(np.nanmax(np.diag(np.array(g.covariance)))))) if g.n_used else 5.0
    step = step if math.isfinite(step) else 5.0
    u, c_min, _ = min((quadratic_refine(chi2, x0, step, n_iter=16, tol=1e-3) for x0 in starts[order]),
                      key=lambda r: r[1])
    h = max(0.05, 0.01 * float(np.hypot(*u)))
    steps = np.array([[0, 0], [h, 0], [-h, 0], [0, h], [0, -h], [h, h], [h, -h], [-h, h], [-h, -h]])
    v = chi2(u[None, :] + steps)
    hess = np.array([[v[1] - 2 * v[0] + v[2], (v[5] - v[6] - v[7] + v[8]) / 4],
                     [(v[5] - v[6] - v[7] + v[8]) / 4, v[3] - 2 * v[0] + v[4]]]) / h ** 2
    flags = []
    cov = np.full((2, 2), np.nan)
    if np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) > 0):
        cov = 2.0 * np.linalg.inv(hess)
    else:
        flags.append("hessian_not_positive")
    dchi = max(float(chi2(np.zeros(2))[0]) - c_min, 0.0)
    between = float(sum(float(s.chi2_sky(u)[0]) - s.fit.chi2 / s.fit.chi2_scale for s in use))
    dof = 2 * (len(use) - 1)
    p_between = p_from_log_p(chi2_logsf(max(between, 0.0), dof)) if dof > 0 else math.nan
    if dof == 0:
        flags.append("single_sector")
    ra0, dec0 = target_radec
    ra = ra0 + u[0] / 3600.0 / math.cos(math.radians(dec0))
    dec = dec0 + u[1] / 3600.0
    amp = float(np.median([s.fit.amplitude for s in use]))
    scale = float(np.median([s.pixel_scale_arcsec for s in use]))
    hosts = (rank_hosts(chi2, c_min, catalogue, amp, best_arcsec=u, pixel_scale_arcsec=scale)
             if catalogue is not None else ())
    return CombinedLocalization(
        sectors_used=tuple(s.sector for s in use), offset_arcsec=_T2(u), covariance_arcsec2=_M2(cov),
        error_ellipse_arcsec=error_ellipse(cov), source_ra_deg=float(ra), source_dec_deg=float(dec),
        delta_chi2_target=dchi, offset_sigma=sigma_from_log_p(-0.5 * dchi), chi2_between_sectors=between,
        dof_between_sectors=dof, p_between_sectors=p_between, hosts=hosts,
        exclusion_radius_arcsec=_exclusion_radius(chi2, u, c_min), flags=tuple(flags))
