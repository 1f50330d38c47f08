"""V08 offsets of a whole dataset: every sector's shift, source offset and per-transit test, combined.

The orchestration of the V08 extension (Bryson et al. 2013, arXiv:1303.0052;
Twicken et al. 2018, PASP 130, 064502): :func:`analyze_sector` runs, for one
stamp, the V08 shift (:mod:`toi5807.centroid.shift`) and puts it on the sky
(:mod:`toi5807.data.geometry`), measures the stamp depth and the implied source offset
(:mod:`toi5807.centroid.source_offset`) and the per-transit shifts
(:mod:`toi5807.centroid.per_transit`); :func:`analyze_v08_offsets` does so for every
sector of a :class:`~toi5807.data.model.Dataset`, combines the sectors on the
sky and gives the exclusion radius of the combined source offset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.geometry import SkyVector, stamp_target, vector_to_sky
from ..data.validate import check_real
from ..lightcurve import TransitParams, coerce_transit_params
from ..report import Explained, fmt, json_safe, with_simulated
from ..pixels.combine import CombinedOffset, combine_offsets
from .config import CentroidShiftConfig
from .per_transit import PerTransitShifts, per_transit_shifts
from ..pixels.scale import NOMINAL_PIXEL_SCALE_ARCSEC, stamps_pixel_scale
from .shift import compute_centroid_shift_with_images
from .source_offset import (
    SourceOffset,
    StampDepth,
    exclusion_radius_arcsec,
    source_offset,
    stamp_depth,
)

__all__ = [
    "SectorOffsets",
    "V08OffsetAnalysis",
    "analyze_sector",
    "analyze_v08_offsets",
    "compare_with_truth",
]

#: Significance method :func:`analyze_v08_offsets` uses by default: the one whose false-alarm rate holds with
#: correlated jitter (see :mod:`toi5807.calibration`).
OFFSET_SIGNIFICANCE_METHOD = "empirical"


@dataclass(frozen=True, repr=False)
class SectorOffsets(Explained):
    """Everything :func:`analyze_v08_offsets` measures in one sector.

    Attributes
    ----------
    sector : int
    significance_method : str
    v08_sigma : float
        V08 significance of the sector (σ, V08 convention).
    shift_sky : SkyVector or None
        V08 shift vector and covariance on the sky (arcsec), linearised at the out-of-transit centroid.
    out_of_transit_centroid : (float, float)
        pixels.
    depth : StampDepth
    source : SourceOffset
    per_transit : PerTransitShifts
    out_of_transit_mean_image : ndarray, shape (n_rows, n_cols)
        Mean out-of-transit stamp (e-/s) from the same pass over the cube, for plots; not in ``to_dict``.
    simulated : bool
        The stamp's label (the digital twin is simulated).

    ``.plot(ax=None)`` draws the per-transit vectors on the stamp (:func:`toi5807.plots.plot_per_transit_vectors`).
    """

    sector: int
    significance_method: str
    v08_sigma: float
    shift_sky: SkyVector | None
    out_of_transit_centroid: tuple[float, float]
    depth: StampDepth
    source: SourceOffset
    per_transit: PerTransitShifts
    out_of_transit_mean_image: np.ndarray | None = field(default=None, repr=False, compare=False)
    simulated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None), without the mean image."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__
                          if k != "out_of_transit_mean_image"}, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        sky, src = self.shift_sky, self.source.offset_sky
        return f"sector {self.sector}: V08 shift at {fmt(self.v08_sigma, '.2f', 'σ')} ({self.significance_method})", [
            ("shift on the sky", fmt(None if sky is None else 1e3 * sky.norm_arcsec, ".3g", "milli-arcsec")),
            ("stamp depth", f"{fmt(self.depth.depth_ppm, '.3g')} ± {fmt(self.depth.depth_err_ppm, '.2g', 'ppm')}"),
            ("source offset", fmt(None if src is None else src.norm_arcsec, ".3g", "arcsec")
             + (f" ({', '.join(self.source.flags)})" if self.source.flags else "")),
            ("per-transit mean", f"{fmt(self.per_transit.combined.significance_sigma, '.2f', 'σ')} over "
                                 f"{self.per_transit.n_usable} transits")]


@dataclass(frozen=True, repr=False)
class V08OffsetAnalysis(Explained):
    """Multi-sector sky offsets, combined shift, source offset and exclusion radius.

    Attributes
    ----------
    sectors : tuple of SectorOffsets
    combined_shift : CombinedOffset
        Weighted mean of the per-sector V08 shifts on the sky, arcsec.
    combined_source_offset : CombinedOffset
        Weighted mean of the per-sector source offsets from the target, arcsec.
    exclusion_radius_arcsec : float
        :func:`exclusion_radius_arcsec` of ``combined_source_offset`` (3σ).
    pixel_scale_arcsec : float
        Arcsec per pixel for :attr:`exclusion_radius_pixels`: the mean of the analysed stamps' WCS scales at
        the target (:func:`toi5807.pixels.scale.stamps_pixel_scale`), the config's override, or the nominal 21
        flagged ``pixel_scale_nominal_no_wcs``.
    flags : tuple of str
    simulated : bool
        True when any sector's stamp was simulated.

    ``.plot(fig=None)`` draws both sky panels (:func:`toi5807.plots.plot_sky_offsets`).
    """

    sectors: tuple[SectorOffsets, ...]
    combined_shift: CombinedOffset
    combined_source_offset: CombinedOffset
    exclusion_radius_arcsec: float
    pixel_scale_arcsec: float = NOMINAL_PIXEL_SCALE_ARCSEC
    flags: tuple[str, ...] = field(default=())
    simulated: bool = False

    @property
    def exclusion_radius_pixels(self) -> float:
        """Exclusion radius in the stamps' pixels (÷ ``pixel_scale_arcsec``)."""
        return self.exclusion_radius_arcsec / self.pixel_scale_arcsec

    def summary(self) -> dict[str, Any]:
        """The headline numbers (arcsec, σ, p) for printing."""
        cs, co = self.combined_shift, self.combined_source_offset
        return json_safe({
            "sectors": [s.sector for s in self.sectors],
            "significance_method": self.sectors[0].significance_method if self.sectors else None,
            "combined_shift_arcsec": cs.mean, "combined_shift_uncertainty_arcsec": cs.uncertainty,
            "combined_shift_sigma": cs.significance_sigma, "combined_shift_p_value": cs.p_value,
            "sector_consistency_p_value": cs.consistency_p_value,
            "source_offset_arcsec": co.mean, "source_offset_uncertainty_arcsec": co.uncertainty,
            "source_offset_distance_arcsec": co.norm, "source_offset_sigma_from_target": co.significance_sigma,
            "source_offset_consistency_p_value": co.consistency_p_value,
            "exclusion_radius_3sigma_arcsec": self.exclusion_radius_arcsec,
            "exclusion_radius_3sigma_pixels": self.exclusion_radius_pixels,
            "flags": list(self.flags),
        }, sig=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["exclusion_radius_pixels"] = self.exclusion_radius_pixels
        return json_safe(out, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        cs, co = self.combined_shift, self.combined_source_offset
        if not self.sectors:
            return "V08 offsets: no sector with a target pixel file", [("flags", ", ".join(self.flags) or "none")]
        r = self.exclusion_radius_arcsec
        return (f"V08 offsets of sectors {', '.join(str(s.sector) for s in self.sectors)}: combined shift "
                f"{fmt(cs.significance_sigma, '.2f', 'σ')}, 3σ exclusion radius {fmt(r, '.3g', 'arcsec')}", [
                    ("combined shift", f"{fmt(1e3 * cs.norm, '.3g', 'milli-arcsec')}, p = {fmt(cs.p_value, '.2g')}"),
                    ("source offset", f"{fmt(co.norm, '.3g', 'arcsec')} from the target, "
                                      f"{fmt(co.significance_sigma, '.2f', 'σ')}"),
                    ("exclusion radius (3σ)", f"{fmt(r, '.3g', 'arcsec')} = {fmt(self.exclusion_radius_pixels, '.2g', 'px')}"),
                    ("flags", ", ".join(self.flags) or "none")])


def analyze_sector(stamp: Any, candidate: Any, *, config: CentroidShiftConfig | None = None,
                   baseline_durations: float = 3.0) -> SectorOffsets:
    """V08 shift, its sky vector, stamp depth, source offset and per-transit shifts of one stamp.

    Parameters
    ----------
    stamp : TPFStamp
        Needs ``wcs`` for the sky quantities (otherwise they are None, flagged ``no_wcs``).
    candidate : Candidate, Ephemeris or TransitParams
    config : CentroidShiftConfig, optional
    baseline_durations : float
        Local baseline of :func:`per_transit_shifts`.

    Returns
    -------
    SectorOffsets
    """
    cfg = config if config is not None else CentroidShiftConfig()
    tp = candidate if isinstance(candidate, TransitParams) else coerce_transit_params(candidate)
    wcs = getattr(stamp, "wcs", None)
    res, images = compute_centroid_shift_with_images(stamp.flux, stamp.time, tp, config=cfg, quality=stamp.quality,
                                                     wcs=wcs)
    c_out = res.out_of_transit_centroid
    shift_sky = None
    if wcs is not None and np.all(np.isfinite(c_out)) and np.all(np.isfinite(res.shift_covariance_pixels)):
        shift_sky = vector_to_sky(res.shift_vector_pixels, res.shift_covariance_pixels, wcs, c_out,
                                  label=f"sector {stamp.sector}")
    depth = stamp_depth(stamp.flux, stamp.time, tp, quality=stamp.quality, config=cfg)
    src = source_offset(res.shift_vector_pixels, res.shift_covariance_pixels, c_out, depth.depth, depth.depth_err,
                        wcs=wcs, target_radec=stamp_target(stamp)[:2], label=f"sector {stamp.sector}")
    pt = per_transit_shifts(stamp.flux, stamp.time, tp, quality=stamp.quality, config=cfg,
                            baseline_durations=baseline_durations)
    return with_simulated(
        SectorOffsets(sector=int(stamp.sector), significance_method=res.significance_method,
                      v08_sigma=float(res.significance_sigma), shift_sky=shift_sky,
                      out_of_transit_centroid=tuple(float(v) for v in c_out), depth=depth, source=src,
                      per_transit=pt, out_of_transit_mean_image=images.out_of_transit_mean),
        getattr(stamp, "simulated", False))


def analyze_v08_offsets(ds: Any, candidate: Any, *, config: CentroidShiftConfig | None = None,
                        baseline_durations: float = 3.0, nsigma: float = 3.0) -> V08OffsetAnalysis:
    """Per-sector sky offsets and their combination, source offset and exclusion radius.

    Uses each sector's V08 shift vector and covariance from ``config``'s
    significance method (use one whose false-alarm rate is calibrated — see
    :mod:`toi5807.calibration`), converts them to the sky with that sector's
    WCS, combines the sectors (:func:`combine_offsets`) and does the same for
    the source offsets (:func:`source_offset`). Sectors without a stamp or WCS
    are skipped; source offsets whose stamp depth is not significant are left
    out of the combination (flagged). Bryson et al. (2013, arXiv:1303.0052);
    Twicken et al. (2018, PASP 130, 064502).

    Parameters
    ----------
    ds : Dataset or mapping sector -> TPFStamp
    candidate : Candidate, Ephemeris or TransitParams
    config : CentroidShiftConfig, optional
        Default: ``CentroidShiftConfig(significance_method="empirical")``
        (:data:`OFFSET_SIGNIFICANCE_METHOD`), whatever the package default.
    baseline_durations : float
    nsigma : float
        Level of the exclusion radius (3; > 0).

    Returns
    -------
    V08OffsetAnalysis
    """
    nsigma = check_real(nsigma, "nsigma", 0.0, low_open=True)  # before any work: a bad level fails at once
    stamps = getattr(ds, "tpf_by_sector", ds)
    if not hasattr(stamps, "items"):
        raise TypeError(f"ds: expected a Dataset or a mapping sector -> TPFStamp, got {type(ds).__name__}")
    cfg = config if config is not None else CentroidShiftConfig(significance_method=OFFSET_SIGNIFICANCE_METHOD)
    sectors = tuple(analyze_sector(st, candidate, config=cfg, baseline_durations=baseline_durations)
                    for _, st in sorted(stamps.items()) if st is not None)
    flags: list[str] = []
    shifts = [s.shift_sky for s in sectors if s.shift_sky is not None]
    comb_shift = combine_offsets([v.vector_arcsec for v in shifts], [v.covariance_arcsec2 for v in shifts],
                                 [v.label for v in shifts], unit="arcsec")
    srcs = [s.source for s in sectors if s.source.usable]
    if len(srcs) < len([s for s in sectors if s.source.defined]):
        flags.append("some_sectors_without_significant_depth")
    comb_src = combine_offsets([s.offset_sky.vector_arcsec for s in srcs],
                               [s.offset_sky.covariance_arcsec2 for s in srcs], [s.label for s in srcs], unit="arcsec")
    if comb_src.n_used == 0:
        flags.append("source_offset_undefined")
    r_excl = exclusion_radius_arcsec(comb_src.covariance, nsigma) if comb_src.n_used else math.nan
    scale, scale_flags = stamps_pixel_scale((st for st in stamps.values() if st is not None), cfg.pixel_scale_arcsec)
    flags.extend(scale_flags)
    sim = any(s.simulated for s in sectors)  # the sectors keep their own labels
    return V08OffsetAnalysis(sectors=sectors, combined_shift=with_simulated(comb_shift, sim),
                             combined_source_offset=with_simulated(comb_src, sim), exclusion_radius_arcsec=r_excl,
                             pixel_scale_arcsec=scale, flags=tuple(flags), simulated=sim)


def compare_with_truth(analysis: V08OffsetAnalysis, truths: Any) -> dict[str, Any]:
    """SIMULATION TRUTH comparison of the combined source offset (twin only; real data have no truth).

    Exists only because the digital twin is a SIMULATION whose true source
    positions are known (:func:`twin_true_offsets`).

    The combination estimates ``(Σ Wᵢ)⁻¹ Σ Wᵢ tᵢ`` with Wᵢ the inverse
    covariances of the sectors' source offsets and tᵢ each sector's true
    offset — the true position itself when the source sits at one sky position
    in every sector.

    Parameters
    ----------
    analysis : V08OffsetAnalysis
    truths : mapping sector -> SkyVector
        From :func:`twin_true_offsets`.

    Returns
    -------
    dict
        ``true_offset_arcsec`` (weighted), ``estimate_arcsec``, ``difference_arcsec``,
        ``mahalanobis_sigma`` (2-D, with the combined covariance), ``angle_deg``
        between estimated and true directions, ``true_distance_arcsec``,
        ``true_offsets_by_sector_arcsec``.
    """
    if not isinstance(analysis, V08OffsetAnalysis):
        raise TypeError(f"analysis: expected V08OffsetAnalysis, got {type(analysis).__name__}")
    used = [s for s in analysis.sectors if s.source.usable and s.sector in truths]
    comb = analysis.combined_source_offset
    if not used or comb.n_used == 0:
        return json_safe({"mahalanobis_sigma": math.nan, "angle_deg": math.nan, "flags": ["no_usable_sectors"]},
                         sig=None)
    w = np.array([np.linalg.inv(np.asarray(s.source.offset_sky.covariance_arcsec2)) for s in used])
    t = np.array([truths[s.sector].vector_arcsec for s in used])
    cov = np.asarray(comb.covariance)
    true = cov @ np.einsum("nij,nj->i", w, t)
    est = np.asarray(comb.mean)
    diff = est - true
    norms = float(np.hypot(*est) * np.hypot(*true))
    cosang = float(est @ true) / norms if norms > 0 else math.nan
    return json_safe({
        "true_offset_arcsec": true, "estimate_arcsec": est, "difference_arcsec": diff,
        "mahalanobis_sigma": math.sqrt(float(diff @ np.linalg.solve(cov, diff))),
        "angle_deg": math.degrees(math.acos(max(-1.0, min(1.0, cosang)))) if math.isfinite(cosang) else math.nan,
        "true_distance_arcsec": float(np.hypot(*true)), "estimate_distance_arcsec": float(np.hypot(*est)),
        "true_offsets_by_sector_arcsec": {str(k): v.vector_arcsec for k, v in sorted(truths.items())},
    }, sig=None)
