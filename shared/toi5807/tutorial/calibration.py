"""The calibration studies for reading: false alarms of each significance method and of the localization.

Each helper turns a cached calibration result (JSON written by ``python -m toi5807 calibrate`` or
``python -m toi5807 vet --calibrate-twin``, read with :func:`toi5807.calibration.load_calibration`) into a
:class:`~toi5807.tutorial.display.Table`. Every study ran on simulated twins, and the titles say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .display import Table, table

__all__ = ["null_calibration_table", "localization_calibration_table", "localization_injection_table",
           "estimator_demo_table", "methods_table", "empty_epoch_table"]


def _ratio(rate: float | None, nominal: float) -> float | None:
    return None if rate is None or not nominal else rate / nominal


def null_calibration_table(null: Mapping[str, Any]) -> Table:
    """False alarms at ≥ 3σ of each V08 significance method on transit-free twins (SIMULATED).

    Columns: the rate (%), its 99 % Clopper–Pearson interval (%), the ratio to the nominal 1.11 % (a calibrated
    method is near 1), and the Kolmogorov–Smirnov p-value of the p-values against a uniform distribution (small:
    the method's p-values are not what they claim).
    """
    nominal = float(null["nominal_far_3sigma"])
    rows = [{"method": m + (" (package default)" if m == null.get("package_default_method") else ""),
             "false alarms ≥ 3σ (%)": 100 * c["far_3sigma"], "99 % interval (%)": [100 * v for v in c["far_ci99"]],
             "× nominal": _ratio(c["far_3sigma"], nominal), "uniformity (KS p)": c["ks_p_value"],
             "trials": c["n_trials"]} for m, c in sorted(null["methods"].items())]
    first, last = null["seeds"][0], null["seeds"][-1]
    return table(rows, title=f"V08 on transit-free twins, seeds {first}–{last} × sectors "
                 f"{', '.join(str(s) for s in null['sectors'])} (SIMULATED); nominal {100 * nominal:.2f} %")


def localization_calibration_table(cal: Mapping[str, Any]) -> Table:
    """Headline numbers of the localization calibration (planet and background-EB twins, SIMULATED).

    Rows: false alarms at ≥ 3σ of the source offset per sector and combined (planet twins, with the 95 %
    interval), the planet twins' verdicts and median 3σ exclusion radius, and, for the background-EB twins,
    the verdicts, how often the true host ranks first, and the position errors against the Cramér–Rao bound
    (the smallest error any unbiased fit could reach with this per-pixel noise).
    """
    p, b = cal["planet"], cal["background_eb"]

    def far(f: Mapping[str, Any]) -> str:
        lo, hi = f["ci95"]
        return (f"{100 * f['rate']:.2g} % ({f['k']} of {f['n']}; 95 % interval {100 * lo:.2g}–{100 * hi:.2g} %; "
                f"nominal {100 * f['nominal']:.2f} %)")

    def counts(v: Mapping[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in sorted(v.items()) if n)

    rows = [
        ("planet twins: false alarms per sector (the verdict's calibrated σ)", far(p["false_alarm_sector"])),
        ("planet twins: false alarms, sectors combined", far(p["false_alarm_combined"])),
        *([("planet twins: the same with the nominal σ (not calibrated)",
            f"{p['nominal_false_alarm_sector']['k']} of {p['nominal_false_alarm_sector']['n']} per sector; "
            f"{p['nominal_false_alarm_combined']['k']} of {p['nominal_false_alarm_combined']['n']} combined")]
          if "nominal_false_alarm_sector" in p else []),
        ("planet twins: verdicts", counts(p["verdicts"])),
        ("planet twins: median 3σ exclusion radius (″)", p["exclusion_radius_arcsec_median"]),
        ("planet twins: rms source offset per sector (″)", p["rms_offset_sector_arcsec"]),
        ("background-EB twins: verdicts", counts(b["verdicts"])),
        ("background-EB twins: most likely host", counts(b["most_likely_hosts"]) + f" (true host: {b['true_host']})"),
        ("background-EB twins: median position error per sector / combined (″)",
         [b["median_error_sector_arcsec"], b["median_error_combined_arcsec"]]),
        ("background-EB twins: median Cramér–Rao bound per sector (″)", b["median_crb_sector_arcsec"]),
    ]
    return table(rows, ["quantity", "value"], title="Difference-image localization, calibrated on the twin (SIMULATED)")


def localization_injection_table(cal: Mapping[str, Any]) -> Table:
    """Injection–recovery of eclipsing sources by the localization: detection vs separation and depth (SIMULATED).

    Columns per (separation, depth): the fraction whose fitted source is ≥ 3σ from the target, the
    fraction with verdict FAIL (detected and explained by the injected star), and the median position errors.
    """
    rows = [{"separation (″)": r["separation_arcsec"], "aperture depth (ppm)": r["depth_ppm"],
             "source ≥ 3σ from target": r["detection_fraction"], "FAIL": r["fail_fraction"],
             "position error per sector / combined (″)": [r["median_error_sector_arcsec"],
                                                           r["median_error_combined_arcsec"]],
             "injections": r["n"]} for r in cal["injection_recovery"]]
    return table(rows, title="Eclipsing sources injected into transit-free twins (SIMULATED)")


def estimator_demo_table(demo: Mapping[str, Any]) -> Table:
    """Mean, median and Huber centroids with and without cosmic-ray-like hits
    (:func:`toi5807.calibration.estimator_outlier_demo`).

    Columns per estimator: the shift (milli-pixels) and its significance, clean and with the hits, and the
    cadences the estimator's clip rejected. The σ is the *analytic* one (per-cadence scatter, blind to the
    pointing wander), chosen because it reacts to the estimator alone: compare the rows, not the σ with 3.
    """
    rows = [{"estimator": m, "clean: shift (milli-px)": demo["clean"][m]["shift_mpx"],
             "clean: analytic σ": demo["clean"][m]["sigma"],
             "with hits: shift (milli-px)": demo["with_outliers"][m]["shift_mpx"],
             "with hits: analytic σ": demo["with_outliers"][m]["sigma"],
             "cadences rejected (with hits)": demo["with_outliers"][m]["n_outliers_rejected"]}
            for m in ("mean", "median", "huber")]
    return table(rows, title=f"{demo['n_hit']} of {demo['n_in_transit']} in-transit cadences hit by a bright pixel")


def methods_table(sigmas: Mapping[str, Mapping[str, Any]]) -> Table:
    """The V08 σ of every significance method, per sector (:func:`toi5807.calibration.significance_methods_table`).

    The shift (milli-pixels) is the same in every column; only the null model behind the σ differs. Without any
    sector (no target pixel files) the table is an empty one that says so.
    """
    if not sigmas:
        return table([], ["sector"], title="Same shift, four null models: no sector with target pixels")
    methods = [m for m in ("analytic", "bootstrap", "permutation", "empirical")
               if any(m in row for row in sigmas.values())]
    rows = [{"sector": s, "shift (milli-px)": row.get("shift_mpx"), **{f"{m} σ": row.get(m) for m in methods}}
            for s, row in sorted(sigmas.items())]
    return table(rows, title="Same shift, four null models")


def empty_epoch_table(real: Any, twin: Mapping[str, Any] | None = None) -> Table:
    """V08's false alarms at empty epochs of the target's own pixels, beside the twin calibration's.

    Parameters
    ----------
    real : EmptyEpochNull
        From :func:`toi5807.centroid.empty_epochs.empty_epoch_null` on the real stamp.
    twin : mapping, optional
        ``null_calibration.json`` (:func:`toi5807.calibration.load_calibration`): the SIMULATED rates.

    Where the two disagree, the real pixels win: they are the pixels being judged.
    """
    rates = real.rates()
    rows = []
    for m, r in rates.items():
        row = {"method": m, f"sector {real.sector}: epochs ≥ 3σ": f"{r['false_alarms_3sigma']} of {r['n_epochs']}",
               "rate (%)": None if r["far_3sigma"] is None else 100 * r["far_3sigma"],
               "99 % interval (%)": None if r["far_ci99"] is None else [100 * v for v in r["far_ci99"]],
               "median σ": r["median_sigma"]}
        if twin is not None and m in twin.get("methods", {}):
            row["twin: rate (%) (SIMULATED)"] = 100 * twin["methods"][m]["far_3sigma"]
        rows.append(row)
    origin = "SIMULATED pixels" if real.simulated else "the real pixels"
    return table(rows, title=f"V08 at {len(real.phases)} empty epochs of sector {real.sector} ({origin}); "
                             "a calibrated method: 1.11 % at ≥ 3σ, median σ 1.18")
