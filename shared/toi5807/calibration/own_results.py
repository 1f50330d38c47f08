"""The result of :func:`toi5807.calibration.own_pixels.calibrate_own_pixels`: per sector, empty-epoch false alarms
and injection–recovery on the user's own pixels, as dataclasses with JSON-safe dicts and rows for people."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..pixels.pvalues import clopper_pearson
from ..report import Explained, fmt, json_safe
from ..vetting.vet import VERDICT_SIGMA

__all__ = ["OwnPixelCalibration", "SectorOwnCalibration", "OWN_DEFINITIONS", "CI_LEVEL", "VERDICTS"]

#: Confidence level of every interval here.
CI_LEVEL: float = 0.95
VERDICTS = ("PASS", "WARN", "FAIL")

OWN_DEFINITIONS = {
    "empty_epochs": "the candidate's T0 moved by fake offsets (days) whose windows stay clear of the real transits; "
                    "each judged as vet_pixels judges a sector. WARN is the right answer there (no dip); PASS and "
                    "FAIL are false alarms",
    "significant_dip": "calibrated dip amplitude ≥ 3σ (one-sided Gaussian equivalent of the fake-epoch null), the "
                       "verdict's own detection test (counted whether or not the position fit converged)",
    "detection": "injected trials with a significant dip, over the injected trials",
    "localized": "detected trials whose position fit converged inside the searched region (a usable "
                 "localization); a source at the edge of the region is detected but not localized (WARN)",
    "position_error_arcsec": "|found source offset − injected offset| on the sky, arcsec, over the localized "
                             "trials; both measured from the target's out-of-transit light centre",
    "exclusion_radius_arcsec": "the vet_pixels 3σ exclusion radius of the real data: a PASS of a source injected "
                               "inside it is expected, outside it is a false PASS",
    "not_injectable": "trials whose source puts no light in the pipeline aperture (off the stamp): not counted",
    "nominal_median_error_arcsec": "median radial error the fit's covariance predicts, √(ln 4 · tr C / 2) (exact "
                                   "for a round error), median over the detected trials",
    "aperture_depth_ppm": "injected eclipse depth as the pipeline aperture (the light curve) sees it, ppm",
    "position_angle_deg": "of the injected source from the target, degrees east of north",
    "intervals": f"Clopper–Pearson, {CI_LEVEL:.0%} confidence",
    "method": "localize_sector + the per-sector verdict rule of vet_pixels (calibrated_inputs, localization_verdict, "
              "outside_dip_test) with the catalogue of a vet_pixels run; each test's fake-epoch null leaves out the "
              "fakes that share its cadences",
}


def _rate(k: int, n: int) -> dict[str, Any]:
    return {"k": int(k), "n": int(n), "fraction": k / n if n else None,
            "ci": list(clopper_pearson(int(k), int(n), CI_LEVEL)) if n else None}


@dataclass(frozen=True)
class SectorOwnCalibration:
    """One sector's calibration on its own pixels (see module docstring).

    Attributes
    ----------
    sector : int
    simulated : bool
    pixel_scale_arcsec : float
        √|det J| of the stamp's WCS at the target, arcsec per pixel.
    empty : tuple of dict
        Per empty epoch: ``offset_days``, ``verdict``, ``amplitude_sigma`` (calibrated), ``usable``, ``reason``.
    trials : tuple of dict
        Per injection: ``separation_arcsec``, ``position_angle_deg``, ``aperture_depth_ppm``, ``offset_days``,
        ``status`` ("ok" or "not_injectable"), ``detected``, ``verdict``, ``error_arcsec``, …
    n_fakes : int
        Fake epochs with a usable null statistic.
    flags : tuple of str
    """

    sector: int
    simulated: bool
    pixel_scale_arcsec: float
    empty: tuple[dict, ...]
    trials: tuple[dict, ...]
    n_fakes: int
    flags: tuple[str, ...] = field(default=())

    def false_alarms(self) -> dict[str, Any]:
        """Empty-epoch verdict counts (PASS + WARN + FAIL = n) and rates with intervals."""
        v = [e["verdict"] for e in self.empty]
        n = len(v)
        dips = sum(bool(e["significant_dip"]) for e in self.empty)
        return {"n": n, "counts": {k: v.count(k) for k in VERDICTS}, "rates": {k: _rate(v.count(k), n) for k in VERDICTS},
                "significant_dip": _rate(dips, n), "nominal_dip_fraction": 0.5 * math.erfc(VERDICT_SIGMA / math.sqrt(2))}

    def cells(self) -> list[dict[str, Any]]:
        """Injection–recovery per (depth, separation): detection, position error, verdict counts."""
        out = []
        keys = sorted({(t["aperture_depth_ppm"], t["separation_arcsec"]) for t in self.trials})
        for depth, sep in keys:
            ts = [t for t in self.trials if t["aperture_depth_ppm"] == depth and t["separation_arcsec"] == sep]
            ok = [t for t in ts if t["status"] == "ok"]
            det = [t for t in ok if t["detected"]]
            loc = [t for t in det if t["usable"]]
            err = np.array([t["error_arcsec"] for t in loc], dtype=float)
            nom = np.array([t["nominal_error_arcsec"] for t in loc], dtype=float)
            err, nom = err[np.isfinite(err)], nom[np.isfinite(nom)]
            verdicts = [t["verdict"] for t in ok]
            out.append({
                "aperture_depth_ppm": depth, "separation_arcsec": sep,
                "separation_px": sep / self.pixel_scale_arcsec, "n_trials": len(ts), "n_injected": len(ok),
                "n_not_injectable": len(ts) - len(ok), "detection": _rate(len(det), len(ok)),
                "localized": _rate(len(loc), len(ok)),
                "median_error_arcsec": float(np.median(err)) if err.size else None,
                "p90_error_arcsec": float(np.percentile(err, 90)) if err.size else None,
                "nominal_median_error_arcsec": float(np.median(nom)) if nom.size else None,
                "verdict_counts": {k: verdicts.count(k) for k in VERDICTS},
                "pass": _rate(verdicts.count("PASS"), len(ok)),
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({"sector": self.sector, "simulated": self.simulated,
                          "pixel_scale_arcsec": self.pixel_scale_arcsec, "n_fakes": self.n_fakes,
                          "flags": list(self.flags), "false_alarms": self.false_alarms(),
                          "injection_recovery": self.cells(), "empty_epochs": list(self.empty),
                          "trials": list(self.trials)}, sig=None)


@dataclass(frozen=True, repr=False)
class OwnPixelCalibration(Explained):
    """Result of :func:`calibrate_own_pixels`: per sector, empty-epoch false alarms and injection–recovery.

    Attributes
    ----------
    simulated : bool
        Any stamp simulated (then everything is labelled SIMULATED).
    label : str
        ``"real pixels"`` or ``"SIMULATED pixels"``.
    candidate, target : dict
        As in :class:`~toi5807.vetting.vet.PixelVetResult`.
    parameters : dict
        ``n_empty``, ``separations_arcsec``, ``depths_ppm``, ``n_angles``, ``seed``.
    sectors : dict of int → SectorOwnCalibration
    runtime_s : float
        Wall time of the run, seconds (printed by the CLI; kept out of ``to_dict`` and the repr, which are
        deterministic).
    exclusion_radius_arcsec : float
        The ``vet_pixels`` 3σ exclusion radius of the data (NaN when none).
    notes : tuple of str

    Plot it with :func:`toi5807.plots.plot_own_calibration` (``result.plot(fig=)``).
    """

    simulated: bool
    label: str
    candidate: dict
    target: dict
    parameters: dict
    sectors: dict
    runtime_s: float
    exclusion_radius_arcsec: float = math.nan
    notes: tuple[str, ...] = field(default=())

    def false_passes(self) -> dict[str, Any]:
        """Injected neighbours that PASS, all and beyond the exclusion radius (where a PASS is wrong), per sector."""
        r = self.exclusion_radius_arcsec
        out = {}
        for s, sc in self.sectors.items():
            ok = [t for t in sc.trials if t["status"] == "ok"]
            far = [t for t in ok if math.isfinite(r) and t["separation_arcsec"] > r]
            out[s] = {"all": _rate(sum(t["verdict"] == "PASS" for t in ok), len(ok)),
                      "beyond_exclusion_radius": _rate(sum(t["verdict"] == "PASS" for t in far), len(far))}
        return out

    def table(self) -> list[dict[str, Any]]:
        """Rows for people: one per sector × (depth, separation), with the sector's false alarms repeated."""
        rows = []
        for s, sc in self.sectors.items():
            fa = sc.false_alarms()
            for c in sc.cells():
                d = c["detection"]
                rows.append({"sector": s, "pixels": self.label, "depth_ppm": round(c["aperture_depth_ppm"], 1),
                             "separation_arcsec": round(c["separation_arcsec"], 1),
                             "separation_px": round(c["separation_px"], 2),
                             "detected": f"{d['k']}/{d['n']}", "localized": f"{c['localized']['k']}/{d['n']}",
                             "median_error_arcsec": c["median_error_arcsec"],
                             "p90_error_arcsec": c["p90_error_arcsec"], "PASS": c["verdict_counts"]["PASS"],
                             "WARN": c["verdict_counts"]["WARN"], "FAIL": c["verdict_counts"]["FAIL"],
                             "empty_epochs_PASS_WARN_FAIL": "/".join(str(fa["counts"][k]) for k in VERDICTS)})
        return rows

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        rows = []
        for s, sc in self.sectors.items():
            fa = sc.false_alarms()
            cells = sc.cells()
            fp = self.false_passes()[s]
            rows.append((f"sector {s}", f"{fa['n']} empty epochs: " + ", ".join(
                f"{fa['counts'][k]} {k}" for k in VERDICTS) + f"; {fp['all']['n']} injections, {fp['all']['k']} PASS "
                f"({fp['beyond_exclusion_radius']['k']} of {fp['beyond_exclusion_radius']['n']} beyond the "
                f"{fmt(self.exclusion_radius_arcsec, '.0f', '″')} exclusion radius)"))
        return (f"calibration on {self.label}: {len(self.sectors)} sector(s)",
                rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None), with the definitions of its keys."""
        return json_safe({"simulated": self.simulated, "label": self.label, "candidate": dict(self.candidate),
                          "target": dict(self.target), "parameters": dict(self.parameters),
                          "sectors": {str(s): v.to_dict() for s, v in self.sectors.items()},
                          "table": self.table(), "notes": list(self.notes),
                          "exclusion_radius_arcsec": self.exclusion_radius_arcsec,
                          "injected_neighbours_passed": {str(k): v for k, v in self.false_passes().items()},
                          "definitions": OWN_DEFINITIONS}, sig=None)
