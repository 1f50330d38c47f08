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

Never on a nominal statistic (issue 28)
---------------------------------------
Every test above is read against fake epochs of the same pixels (:mod:`toi5807.vetting.selfcal`: fakes across
each sector's data, :func:`toi5807.lightcurve.fake_epochs`; a sector with too few pooled with the sectors whose
noise agrees, :mod:`toi5807.vetting.pooling`). A PASS or FAIL that would rest on a test that could not be
calibrated is WARN "cannot calibrate: N independent fakes" (:func:`toi5807.vetting.verdict.calibration_gate`);
``tests`` in the JSON lists every test each verdict read, calibrated or nominal and why, with its fake counts.
``self_calibrate=False`` keeps the nominal verdict (and says so: ``all_tests_calibrated`` is false).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.catalogue import Catalogue
from ..data.geometry import DEFAULT_TARGET_NOTE, WCS_TARGET_NOTE
from ..report import Explained, fmt, json_safe
from ..pixels.blas import one_blas_thread
from ..centroid.check import run_v08
from ..diffimage.joint import CombinedLocalization, combine_localizations, rank_hosts
from ..diffimage.localize import SectorLocalization, localize_sector
from ..aperture import run_v10, v10_record
from .rule import combine_checks, sector_with_v10, v10_dataset_vote
from .fakenull import calibrate_sectors
from .inputs import _candidate, _catalogue, _inputs, _without_pixels, is_toi5807, vet_target  # noqa: F401
from .selfcal import (calibrated_inputs, combined_calibrated_inputs, combined_no_dip_reason, no_dip_reason, outside_dip,
                      outside_dip_test)
from .pooling import pooled_nulls
from .verdict import (VERDICT_SIGMA, combined_tests, gated_decision, localization_decision, localization_verdict,
                      sector_tests)

__all__ = ["PixelVetResult", "SectorVet", "vet_pixels", "localization_verdict", "VERDICT_SIGMA"]

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
    tests: tuple = ()
    v10: dict = field(default_factory=dict)
    named_host: str | None = None  # the star the (calibrated) verdict names, for the one rule (vetting.rule)

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
            "calibration": self.calibration or None, "tests": [dict(t) for t in self.tests],
            "v10": self.v10 or None, "with_v10": sector_with_v10(self),
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
        The stamps' target: ``tic_id``, ``ra_deg``, ``dec_deg``, ``origin`` ("file", "wcs": the WCS reference of a stamp without RA_OBJ/DEC_OBJ, or "default").
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
    tests: tuple = ()
    checks: dict = field(default_factory=dict)

    @property
    def all_tests_calibrated(self) -> bool:
        """Every test the combined verdict and every sector's verdict read was calibrated on fake epochs."""
        every = list(self.tests) + [t for v in self.sectors.values() for t in v.tests]
        return bool(every) and all(t["calibrated"] for t in every)

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
                "tests": [dict(t) for t in self.tests],
            }, "all_tests_calibrated": self.all_tests_calibrated,
            "catalogue": self.catalogue.to_dict() if self.catalogue else None,
            "sectors_without_pixels": {str(s): why for s, why in sorted(self.without_pixels.items())},
            "runtime_s": self.runtime_s, "notes": list(self.notes), "definitions": DEFINITIONS,
            "calibration": self.calibration or None, "checks": dict(self.checks) or None,
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
    "tests": "every test the verdict read: name, σ, calibrated on fake epochs of the same pixels or nominal "
             "(why_nominal), fakes and independent fakes behind it, extrapolated beyond the counted fakes; a "
             "PASS or FAIL never rests on a nominal test (it becomes WARN 'cannot calibrate')",
    "all_tests_calibrated": "every test of the combined and of every sector's verdict was calibrated",
}


def _ellipse_dict(ellipse: Any) -> dict[str, Any]:
    major, minor, pa = ellipse
    return {"semi_major_arcsec": major, "semi_minor_arcsec": minor, "position_angle_deg": pa,
            "position_angle_convention": "major axis, degrees east of north"}


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
        (:mod:`toi5807.vetting.selfcal`; a PASS/FAIL on a test that cannot be calibrated becomes WARN); False
        keeps the nominal tests and the nominal verdict.

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
    if tgt["origin"] in ("default", "wcs") and stamps:
        notes.append(DEFAULT_TARGET_NOTE if tgt["origin"] == "default" else WCS_TARGET_NOTE)
    locs, v08, v08_verdicts, nulls, joint = [], {}, {}, {}, None
    for sector, stamp in stamps.items():
        chk = run_v08(stamp, tp)
        v08[sector], v08_verdicts[sector] = dict(chk.metrics), chk.verdict
        locs.append(localize_sector(stamp, tp, max_iterations=max_iterations))
    cat_notes: list[str] = []
    if catalogue is None:
        catalogue, cat_notes = _catalogue(dataset, stamps, locs, network, tgt) if stamps else (None, [])
    if self_calibrate and locs:  # fake epochs of every sector at once, the catalogue stars each with its own null
        nulls, joint = calibrate_sectors(locs, tp, catalogue)
    own_nulls = pooled_nulls(nulls)  # a sector with too few fakes borrows those of sectors whose noise agrees
    combined = combine_localizations(locs, catalogue, target_radec=(tgt["ra_deg"], tgt["dec_deg"]))
    v10 = {s: v10_record(run_v10(st, tp, catalogue=catalogue)) for s, st in stamps.items()}  # V10, same stars
    sectors, outside_reasons, c_tests = {}, [], []
    for loc in locs:
        f = loc.fit
        hosts = (rank_hosts(loc.chi2_sky, f.chi2 / f.chi2_scale, catalogue, f.amplitude, best_arcsec=loc.offset_arcsec,
                            pixel_scale_arcsec=loc.pixel_scale_arcsec)
                 if loc.usable and catalogue is not None else ())
        snr = f.amplitude / f.amplitude_err if f.amplitude_err > 0 else math.nan
        off_sigma, hosts, snr, cal = calibrated_inputs(own_nulls.get(loc.sector), f.offset_sigma,
                                                        f.delta_chi2_target, hosts, snr)
        verdict, reason, named = localization_decision(off_sigma, hosts, snr, usable=loc.usable,
                                                       why_unusable=no_dip_reason(loc, cal, snr, VERDICT_SIGMA))
        outside = outside_dip_test(loc, own_nulls.get(loc.sector))
        if outside:  # the fit searched near the target only: never PASS past a dip it did not look at
            outside_reasons.append(f"sector {loc.sector}: {outside}")
            verdict, reason = ("WARN", outside) if verdict == "PASS" else (verdict, f"{reason}; also {outside}")
        tests = sector_tests(own_nulls.get(loc.sector), cal, snr, off_sigma, hosts, outside_dip(loc)[0], self_calibrate,
                             loc.usable)
        if self_calibrate and loc.usable:  # never PASS or FAIL on a nominal statistic
            verdict, reason, named = gated_decision(verdict, reason, named, tests)
        sectors[loc.sector] = SectorVet(loc.sector, verdict, reason, loc, hosts, v08[loc.sector], cal, tuple(tests),
                                        v10[loc.sector], named)
    named = None  # the dataset's own, below
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
        verdict, reason, named = localization_decision(off_sigma, c_hosts, snr, usable=bool(use),
                                                       why_unusable=combined_no_dip_reason(sectors),
                                                       p_between=p_between)
        raw = [nulls[s.sector] for s in use if nulls.get(s.sector) is not None]
        c_tests = combined_tests(comb_cal, snr, off_sigma, c_hosts, use, len(use), p_between, self_calibrate,
                                 (sum(n.n_null for n in raw), sum(n.n_indep for n in raw)),
                                 joint.n_independent if joint is not None else 0)
        if self_calibrate and use:
            verdict, reason, named = gated_decision(verdict, reason, named, c_tests)
    if outside_reasons and verdict == "PASS":
        verdict, reason = "WARN", "; ".join(outside_reasons)
    checks = {"verdict_difference_images": verdict, "v10": v10_dataset_vote({s: v.v10 for s, v in sectors.items()}),
              "v08": "FAIL" if "FAIL" in v08_verdicts.values() else None}
    if stamps and catalogue is not None:  # the one rule (vetting.rule): V10 and V08 read beside the localization
        checks.update(combine_checks(verdict, reason, v10=checks["v10"], v08_verdict=checks["v08"],
                                     diffimage_host=named))
        verdict, reason = checks["verdict"], checks["reason"]
    return PixelVetResult(verdict=verdict, reason=reason, simulated=bool(getattr(dataset, "simulated", False)),
                          sectors=sectors, combined=combined, catalogue=catalogue, candidate=cand,
                          runtime_s=_time.perf_counter() - t0, notes=tuple(notes + cat_notes), target=tgt,
                          without_pixels=_without_pixels(dataset, lcs, stamps),
                          calibration=comb_cal if stamps and catalogue is not None else {}, tests=tuple(c_tests),
                          checks=checks)
