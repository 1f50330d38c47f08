"""Pixel vetting in one call: V08 per sector, difference-image localization, and a verdict that can fail.

:func:`vet_pixels` runs, for every sector of a dataset, the seed's V08
centroid-shift check (:func:`toi5807.centroid.check.run_v08`, the first simple look)
and the difference-image localization (:func:`toi5807.diffimage.localize.localize_sector`),
combines the sectors on the sky (:func:`toi5807.diffimage.joint.combine_localizations`)
and ranks the catalogue stars as hosts of the dip.

The verdict rule (per sector with that sector's fit, and for the combination)
-----------------------------------------------------------------------------
With ``σ_target`` the 2-dof likelihood-ratio significance of the source
offset from the target (``sigma = sqrt(-2 ln p)``, so 3σ ⇔ p = 1.11 %,
Bryson et al. 2013) and, for every other catalogue star bright enough to
produce the dip (flux ≥ the fitted flux loss), ``σ_star`` the same test with
the source placed on that star:

* **WARN** — the data cannot tell: no usable transit or fit (not converged,
  no WCS), no significant dip in the difference image (amplitude < 3σ), or,
  combined, the sectors disagree (χ² between sectors at p < 1.11 %; with the
  self-calibration, p from fake ephemerides applied to all sectors at once);
* **FAIL** — ``σ_target ≥ 3`` and a neighbour explains the position
  (``σ_star < 3``): the dip comes from that star;
* **WARN** — ``σ_target ≥ 3`` but no catalogue star explains it (a source
  not in the catalogue), or ``σ_target < 3`` and a neighbour is also
  consistent (``σ_star < 3``): target and neighbour cannot be told apart;
* **PASS** — ``σ_target < 3`` and every other star that could produce the
  dip is excluded (``σ_star ≥ 3``).

The dataset verdict is the combined one. Anything computed from the twin is
marked ``simulated``.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.catalogue import Catalogue, query_gaia_catalogue
from ..data.geometry import DEFAULT_TARGET_NOTE, stamp_target
from ..pixels.inputs import is_dataset, stamps_by_sector
from ..lightcurve import TransitParams, coerce_transit_params
from ..report import Explained, fmt, json_safe
from ..pixels.blas import one_blas_thread
from ..centroid.check import run_v08
from ..diffimage.joint import CombinedLocalization, combine_localizations, rank_hosts
from ..diffimage.localize import SectorLocalization, localize_sector
from ..aperture import run_v10, v10_record
from .rule import sector_with_v10
from .fakenull import calibrate_sectors
from .selfcal import (calibrated_inputs, combined_calibrated_inputs, combined_no_dip_reason, no_dip_reason,
                      outside_dip_test)

__all__ = ["PixelVetResult", "SectorVet", "vet_pixels", "localization_verdict", "VERDICT_SIGMA"]

#: Threshold of every test of the verdict, σ (p = 1.11 % in 2 dof).
VERDICT_SIGMA: float = 3.0


def localization_verdict(offset_sigma: float, hosts: Any, amplitude_snr: float, *, usable: bool = True,
                         why_unusable: str = "", p_between: float = math.nan) -> tuple[str, str]:
    """The verdict rule of this module (see its docstring) → (verdict, reason)."""
    if not usable:
        return "WARN", why_unusable or "no usable localization"
    if not amplitude_snr >= VERDICT_SIGMA:
        return "WARN", f"no significant dip in the difference image ({amplitude_snr:.1f}σ < {VERDICT_SIGMA:g}σ)"
    if math.isfinite(p_between) and -2.0 * math.log(max(p_between, 1e-300)) >= VERDICT_SIGMA ** 2:
        return "WARN", f"sectors disagree on the source position (χ² between sectors p = {p_between:.2g})"
    others = [h for h in hosts if h["label"] != "target" and h["could_produce_depth"]]
    close = [h for h in others if h["sigma"] < VERDICT_SIGMA]
    if offset_sigma >= VERDICT_SIGMA:
        if close:
            h = close[0]
            return "FAIL", (f"source {offset_sigma:.1f}σ from the target, consistent with {h['label']} "
                            f"({h['separation_arcsec']:.0f}″ away, {h['sigma']:.1f}σ)")
        return "WARN", f"source {offset_sigma:.1f}σ from the target but on no catalogue star"
    if close:
        h = close[0]
        return "WARN", (f"source consistent with the target ({offset_sigma:.1f}σ) and with {h['label']} "
                        f"({h['separation_arcsec']:.0f}″, {h['sigma']:.1f}σ): cannot tell them apart")
    return "PASS", (f"source consistent with the target ({offset_sigma:.1f}σ); every other catalogue star that "
                    "could produce the dip excluded at ≥ 3σ, and no dip elsewhere in the stamp beyond what empty "
                    "epochs show" if others else
                    f"source consistent with the target ({offset_sigma:.1f}σ); no other catalogue star could "
                    "produce the dip")


@dataclass(frozen=True, eq=False)
class SectorVet:
    """One sector of :func:`vet_pixels`: the V08 check, the localization, the hosts and the verdict."""

    sector: int
    verdict: str
    reason: str
    localization: SectorLocalization
    hosts: tuple[dict, ...]
    v08_metrics: dict
    calibration: dict = field(default_factory=dict)
    v10: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The per-sector keys of :meth:`PixelVetResult.to_dict`."""
        loc = self.localization
        f = loc.fit
        return json_safe({
            "verdict": self.verdict, "reason": self.reason, "n_transits": loc.n_transits,
            "v08_metrics": dict(self.v08_metrics),
            "source_ra_deg": loc.source_ra_deg, "source_dec_deg": loc.source_dec_deg,
            "source_offset_arcsec": float(np.hypot(*loc.offset_arcsec)),
            "source_offset_sigma": f.offset_sigma,
            "source_offset_east_north_arcsec": loc.offset_arcsec,
            "source_covariance_arcsec2": loc.covariance_arcsec2,
            "source_offset_from_catalogue_position_east_north_arcsec": loc.offset_from_catalogue_arcsec,
            "amplitude_e_per_s": f.amplitude, "amplitude_err_e_per_s": f.amplitude_err,
            "most_likely_host": self.hosts[0]["label"] if self.hosts else None,
            "transits": [t.to_dict() for t in loc.transits], "status": loc.status,
            "calibration": self.calibration or None, "v10": self.v10 or None, "with_v10": sector_with_v10(self),
        }, sig=None)


@dataclass(frozen=True, eq=False, repr=False)
class PixelVetResult(Explained):
    """Result of :func:`vet_pixels`.

    Attributes
    ----------
    verdict : {"PASS", "WARN", "FAIL"}
    reason : str
    simulated : bool
    sectors : dict of int → SectorVet
    combined : CombinedLocalization
    catalogue : Catalogue or None
    candidate : dict
        Period (days), T0 (BTJD), duration (hours), depth (ppm, NaN when not measured).
    runtime_s : float
    notes : tuple of str
    target : dict
        The stamps' target: ``tic_id``, ``ra_deg``, ``dec_deg``, ``origin`` ("file" or "default").
    without_pixels : dict of int → str
        Sectors with a light curve but no target pixel file, and why (they are not vetted, and say so).

    Plot it with :func:`toi5807.plots.plot_diffimages` (every sector's difference image on the sky).
    """

    verdict: str
    reason: str
    simulated: bool
    sectors: dict
    combined: CombinedLocalization
    catalogue: Catalogue | None
    candidate: dict
    runtime_s: float
    notes: tuple[str, ...] = field(default=())
    target: dict = field(default_factory=dict)
    without_pixels: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        c = self.combined
        host = c.most_likely_host
        rows = [("sectors", ", ".join(f"{s} {v.verdict}" for s, v in self.sectors.items()) or "none with pixels"),
                ("source (sectors combined)", f"{fmt(float(np.hypot(*c.offset_arcsec)), '.3g', '″')} from the target "
                 f"({fmt(c.offset_sigma, '.2g', 'σ')})"),
                ("most likely host", f"{host['label']} ({fmt(host['separation_arcsec'], '.3g', '″')} from the target)"
                 if host else "none"),
                ("3σ exclusion radius", fmt(c.exclusion_radius_arcsec, ".3g", "″"))]
        rows += [(f"sector {s}", f"{v.verdict}: source {fmt(float(np.hypot(*v.localization.offset_arcsec)), '.3g', '″')}"
                  f" from the target ({fmt(v.localization.fit.offset_sigma, '.2g', 'σ')})")
                 for s, v in self.sectors.items()]
        return f"pixel vetting: {self.verdict} — {self.reason}", rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping with the keys of issue 12 item 5 (NaN → None)."""
        c = self.combined
        host = c.most_likely_host
        return json_safe({
            "verdict": self.verdict, "reason": self.reason, "simulated": self.simulated,
            "target": dict(self.target), "candidate": self.candidate,
            "sectors": {str(s): v.to_dict() for s, v in self.sectors.items()},
            "combined": {
                "source_ra_deg": c.source_ra_deg, "source_dec_deg": c.source_dec_deg,
                "error_ellipse": _ellipse_dict(c.error_ellipse_arcsec),
                "offset_from_target_arcsec": float(np.hypot(*c.offset_arcsec)),
                "offset_east_north_arcsec": c.offset_arcsec, "covariance_arcsec2": c.covariance_arcsec2,
                "offset_sigma": c.offset_sigma, "chi2_between_sectors": c.chi2_between_sectors,
                "dof_between_sectors": c.dof_between_sectors, "p_between_sectors": c.p_between_sectors,
                "p_between_sectors_calibrated": (self.calibration.get("between_sectors") or {}).get("p_model"),
                "most_likely_host": host["label"] if host else None,
                "host_separation_arcsec": host["separation_arcsec"] if host else None,
                "hosts": [dict(h) for h in c.hosts], "exclusion_radius_arcsec": c.exclusion_radius_arcsec,
                "sectors_used": list(c.sectors_used), "flags": list(c.flags),
            },
            "catalogue": self.catalogue.to_dict() if self.catalogue else None,
            "sectors_without_pixels": {str(s): why for s, why in sorted(self.without_pixels.items())},
            "runtime_s": self.runtime_s, "notes": list(self.notes), "definitions": DEFINITIONS,
            "calibration": self.calibration or None,
        }, sig=None)

#: What the less obvious keys of :meth:`PixelVetResult.to_dict` measure, shipped inside the dict itself.
DEFINITIONS = {
    "source_offset_east_north_arcsec": "fitted source position minus the target's position in the out-of-transit "
                                       "image (a PRF fit to the same stamp), arcsec east (ΔRA·cos Dec) and north",
    "source_offset_from_catalogue_position_east_north_arcsec": "fitted source position minus the target's catalogue "
                                       "position (RA_OBJ/DEC_OBJ through the stamp's WCS), arcsec east and north; "
                                       "differs from the first by the WCS's error at the target",
    "error_ellipse": "1σ ellipse of the combined source position: semi-axes in arcsec, position angle of the major "
                     "axis in degrees east of north (0 = north, 90 = east)",
    "v08_metrics": "the centroid-shift check (V08) of the sector, the reference tutorial's metric names",
    "offset_sigma": "likelihood-ratio test of the source at the target, σ = √(−2 ln p) with 2 degrees of freedom",
}


def _ellipse_dict(ellipse: Any) -> dict[str, Any]:
    major, minor, pa = ellipse
    return {"semi_major_arcsec": major, "semi_minor_arcsec": minor, "position_angle_deg": pa,
            "position_angle_convention": "major axis, degrees east of north"}


#: TOI-5807's TIC ID; a stamp of another star needs an explicit candidate.
_TOI5807_TIC = 188646744  # = toi5807.target.TIC_ID
_SAME_STAR_ARCSEC = 60.0


def _inputs(dataset: Any) -> tuple[dict, Any]:
    """``({sector: stamp}, light-curve holder or None)`` from anything :func:`run_v08` takes (TypeError else)."""
    stamps = stamps_by_sector(dataset, "dataset", allow_none=False)
    return {s: st for s, st in stamps.items() if st is not None}, (dataset if is_dataset(dataset) else None)


def vet_target(stamps: dict) -> dict[str, Any]:
    """The vetted star: TIC ID, ICRS degrees and where they came from (``"file"`` or ``"default"``)."""
    from .. import target

    for st in stamps.values():
        ra, dec, origin = stamp_target(st)
        if origin == "file":
            return {"tic_id": st.tic_id, "ra_deg": ra, "dec_deg": dec, "origin": "file"}
    tic = next((st.tic_id for st in stamps.values() if st.tic_id is not None), None)
    return {"tic_id": tic if tic is not None else target.TIC_ID,
            "ra_deg": target.RA_DEG, "dec_deg": target.DEC_DEG, "origin": "default"}


def is_toi5807(tgt: dict) -> bool:
    """Whether the vetted star is TOI-5807: its TIC ID (when given) and its position within 1′."""
    from .. import target

    if tgt.get("tic_id") is not None and int(tgt["tic_id"]) != _TOI5807_TIC:
        return False
    dra = ((tgt["ra_deg"] - target.RA_DEG + 180.0) % 360.0) - 180.0
    sep = math.hypot(dra * math.cos(math.radians(target.DEC_DEG)), tgt["dec_deg"] - target.DEC_DEG) * 3600.0
    return sep <= _SAME_STAR_ARCSEC


def _candidate(lcs: Any, candidate: Any, tgt: dict) -> tuple[TransitParams, dict, list[str]]:
    from .. import target
    from ..lightcurve import Ephemeris, estimate_depth_ppm, stitch_pdcsap

    notes = []
    if candidate is None:
        if not is_toi5807(tgt):
            raise ValueError(f"candidate: the data are of TIC {tgt.get('tic_id')} at RA {tgt['ra_deg']:.6f}°, "
                             f"Dec {tgt['dec_deg']:.6f}°, not TOI-5807: pass candidate= (period_days, t0_btjd, "
                             "duration_hours), e.g. candidate=(3.0, 3500.5, 3.0)")
        eph = Ephemeris(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
        tp = TransitParams(eph.period_days, eph.t0_btjd, eph.duration_hours)
        notes.append("ephemeris: TOI-5807.01's catalogue values (no candidate given)")
    elif isinstance(candidate, (tuple, list)) and len(candidate) == 3:
        tp = coerce_transit_params(None, period_days=candidate[0], t0_btjd=candidate[1], duration_hours=candidate[2],
                                   name="candidate")
    else:
        tp = coerce_transit_params(candidate)
    depth = float(getattr(candidate, "depth_ppm", math.nan))
    if not math.isfinite(depth) and lcs is not None and getattr(lcs, "lc_by_sector", None):
        try:
            eph = Ephemeris(tp.period, tp.t0, tp.duration)
            depth = float(estimate_depth_ppm(stitch_pdcsap(lcs), eph).depth_ppm)
        except (ValueError, KeyError, TypeError) as exc:
            notes.append(f"depth not measured from the light curve ({exc})"[:200])
    elif not math.isfinite(depth):
        notes.append("depth not measured: no light curves given (the stamps alone are vetted)")
    return tp, {"period_days": tp.period, "t0_btjd": tp.t0, "duration_hours": tp.duration, "depth_ppm": depth}, notes


def _catalogue(dataset: Any, stamps: dict, locs: list[SectorLocalization], network: bool,
               tgt: dict) -> tuple[Catalogue | None, list[str]]:
    from ..diffimage.stars import catalogue_from_image

    if getattr(dataset, "catalogue", None) is not None:
        return dataset.catalogue, [f"catalogue: the {len(dataset.catalogue.stars)} stars that came with the dataset"]
    cat, why = query_gaia_catalogue(tgt["ra_deg"], tgt["dec_deg"], network=network)
    if cat is not None:
        return cat, []
    for loc in locs:
        stamp = stamps.get(loc.sector)
        if loc.usable and loc.diff is not None and loc.diff.spline is not None:
            noise = loc.diff.sigma[0] if loc.diff.sigma.size else None
            cat = catalogue_from_image(loc.diff.oot_image, stamp.wcs, stamp_target(stamp)[:2], noise=noise)
            return cat, [why, f"catalogue: stars found in the sector {loc.sector} out-of-transit image "
                              "(incomplete: faint or close neighbours are missed)"]
    return None, [why, "no catalogue: no stamp with an out-of-transit image and a WCS"]


@one_blas_thread
def vet_pixels(dataset: Any, candidate: Any = None, *, catalogue: Catalogue | None = None,
               network: bool = False, max_iterations: int = 12, self_calibrate: bool = True) -> PixelVetResult:
    """Where does the dip come from? V08 + difference-image localization of every sector, and a verdict.

    Parameters
    ----------
    dataset : Dataset, TPFStamp, lightkurve TPF, or a list / dict / TargetPixelFileCollection of them
        Whatever :func:`toi5807.centroid.check.run_v08` takes; its stamps are vetted. Anything else → TypeError.
    candidate : Candidate, Ephemeris, TransitParams, mapping or (period_days, t0_btjd, duration_hours), optional
        Default: TOI-5807.01's catalogue ephemeris — only when the data are TOI-5807's (else ValueError). The
        depth is measured from a Dataset's light curves; without them it stays unknown (NaN) and a note says so.
    catalogue : Catalogue, optional
        Stars to rank as hosts (default: the twin's for simulated data; Gaia with ``network=True`` and
        astroquery; else the stars found in the out-of-transit image).
    network : bool
        Allow the optional Gaia query.
    max_iterations : int
        Refinement iterations of each fit (a tiny number makes fits fail to converge: a test of that path).
    self_calibrate : bool
        Base every significance of the verdict on the fake-epoch null of the same pixels
        (:mod:`toi5807.vetting.selfcal`); False keeps the nominal tests.

    Returns
    -------
    PixelVetResult
        The verdict rule is in this module's docstring. Never raises for
        scientific "cannot judge" cases (no stamp, no WCS, no out-of-transit
        data, NaN frames, non-converged fits): those give ``WARN`` with the reason.
    """
    t0 = _time.perf_counter()
    stamps, lcs = _inputs(dataset)
    tgt = vet_target(stamps)
    tp, cand, notes = _candidate(lcs, candidate, tgt)
    if tgt["origin"] == "default" and stamps:
        notes.append(DEFAULT_TARGET_NOTE)
    locs, v08, nulls, joint = [], {}, {}, None
    for sector, stamp in stamps.items():
        chk = run_v08(stamp, tp)
        v08[sector] = dict(chk.metrics)
        locs.append(localize_sector(stamp, tp, max_iterations=max_iterations))
    cat_notes: list[str] = []
    if catalogue is None:
        catalogue, cat_notes = _catalogue(dataset, stamps, locs, network, tgt) if stamps else (None, [])
    if self_calibrate and locs:  # fake epochs of every sector at once, the catalogue stars each with its own null
        nulls, joint = calibrate_sectors(locs, tp, catalogue)
    combined = combine_localizations(locs, catalogue, target_radec=(tgt["ra_deg"], tgt["dec_deg"]))
    v10 = {s: v10_record(run_v10(st, tp, catalogue=catalogue)) for s, st in stamps.items()}  # V10, same stars
    sectors, outside_reasons = {}, []
    for loc in locs:
        f = loc.fit
        hosts = (rank_hosts(loc.chi2_sky, f.chi2 / f.chi2_scale, catalogue, f.amplitude, best_arcsec=loc.offset_arcsec,
                            pixel_scale_arcsec=loc.pixel_scale_arcsec)
                 if loc.usable and catalogue is not None else ())
        snr = f.amplitude / f.amplitude_err if f.amplitude_err > 0 else math.nan
        off_sigma, hosts, snr, cal = calibrated_inputs(nulls.get(loc.sector), f.offset_sigma,
                                                        f.delta_chi2_target, hosts, snr)
        verdict, reason = localization_verdict(off_sigma, hosts, snr, usable=loc.usable,
                                               why_unusable=no_dip_reason(loc, cal, snr, VERDICT_SIGMA))
        outside = outside_dip_test(loc, nulls.get(loc.sector))
        if outside:  # the fit searched near the target only: never PASS past a dip it did not look at
            outside_reasons.append(f"sector {loc.sector}: {outside}")
            verdict, reason = ("WARN", outside) if verdict == "PASS" else (verdict, f"{reason}; also {outside}")
        sectors[loc.sector] = SectorVet(loc.sector, verdict, reason, loc, hosts, v08[loc.sector], cal, v10[loc.sector])
    if not stamps:
        verdict, reason = "WARN", "no target-pixel stamps in the dataset"
    elif catalogue is None and any(s.localization.usable for s in sectors.values()):
        verdict, reason = "WARN", "no catalogue of stars to test the source against"
    else:
        use = [s for s in sectors.values() if s.localization.usable]
        amp = np.array([s.localization.fit.amplitude for s in use])
        err = np.array([s.localization.fit.amplitude_err for s in use])
        snr = float(np.sum(amp / err ** 2) / math.sqrt(np.sum(1.0 / err ** 2))) if use else math.nan
        off_sigma, c_hosts, snr, comb_cal, p_between = combined_calibrated_inputs(
            [nulls[s.localization.sector] for s in use if s.localization.sector in nulls], combined, snr, use, joint)
        verdict, reason = localization_verdict(off_sigma, c_hosts, snr, usable=bool(use),
                                               why_unusable=combined_no_dip_reason(sectors),
                                               p_between=p_between)
    if outside_reasons and verdict == "PASS":
        verdict, reason = "WARN", "; ".join(outside_reasons)
    return PixelVetResult(verdict=verdict, reason=reason, simulated=bool(getattr(dataset, "simulated", False)),
                          sectors=sectors, combined=combined, catalogue=catalogue, candidate=cand,
                          runtime_s=_time.perf_counter() - t0, notes=tuple(notes + cat_notes), target=tgt,
                          without_pixels=_without_pixels(dataset, lcs, stamps),
                          calibration=comb_cal if stamps and catalogue is not None else {})


def _without_pixels(dataset: Any, lcs: Any, stamps: Any) -> dict[int, str]:
    """Sectors with a light curve but no stamp, with the dataset's own reason when it gives one."""
    summary = dataset.summary() if hasattr(dataset, "summary") else {}
    said = {int(k): v for k, v in dict(summary.get("pixels_unavailable", {}) or {}).items()}
    have = getattr(lcs, "lc_by_sector", None) or {}
    return {int(s): said.get(int(s), "no target pixel file in the dataset") for s in sorted(have)
            if int(s) not in stamps}

