"""The verdict rule of :func:`toi5807.vetting.vet.vet_pixels`, the list of tests it reads, and the rule that a
PASS or FAIL rests only on tests calibrated on the pixels it judges.

Each sector, and the sectors combined, read these tests (``tests`` of the JSON, one dict each):

* ``"dip"`` — the dip amplitude in the difference image (one-sided σ; 3σ ⇔ p = 0.135 %);
* ``"offset_from_target"`` — "the source is at the target" (2-dof σ; 3σ ⇔ p = 1.11 %);
* ``"star <label>"`` — "the source is on that catalogue star", for every star bright enough to make the dip;
* ``"between_sectors"`` — the sectors agree on the position (combined, with two sectors or more);
* ``"outside_dip"`` — no loss of light outside the searched region beyond every fake epoch's (per sector; its
  ``sigma`` is the strongest per-pixel z there, which blocks a PASS at ≥ 5 above every fake).

A test is *calibrated* when its null comes from enough independent fake epochs of the same pixels
(:mod:`toi5807.vetting.selfcal`; at least :data:`~toi5807.vetting.nulls.MIN_NULL_FAKES`). The real TESS pixels
show the nominal statistics to be over-confident (real sector 83: a nominal dip ≥ 3σ at 44 of 200 empty
epochs), so :func:`calibration_gate` turns a PASS or FAIL that would rest on a nominal test into WARN
("cannot calibrate: …"), naming the tests and how many independent fakes there were.
"""

from __future__ import annotations

import math
from typing import Any

from ..diffimage.joint import host_name

__all__ = ["VERDICT_SIGMA", "localization_verdict", "localization_decision", "gated_decision", "verdict_entry",
           "sector_tests", "combined_tests", "calibration_gate"]

#: Threshold of every test of the verdict, σ (p = 1.11 % in 2 dof).
VERDICT_SIGMA: float = 3.0


def localization_decision(offset_sigma: float, hosts: Any, amplitude_snr: float, *, usable: bool = True,
                          why_unusable: str = "", p_between: float = math.nan) -> tuple[str, str, str | None]:
    """:func:`localization_verdict` and the neighbour the verdict names: the label of the star it calls
    consistent with the source (a FAIL's host, or the star a WARN cannot tell from the target), else None
    ("on no catalogue star", no significant dip, sectors disagreeing, a PASS)."""
    if not usable:
        return "WARN", why_unusable or "no usable localization", None
    if not amplitude_snr >= VERDICT_SIGMA:
        return "WARN", f"no significant dip in the difference image ({amplitude_snr:.1f}σ < {VERDICT_SIGMA:g}σ)", None
    if math.isfinite(p_between) and -2.0 * math.log(max(p_between, 1e-300)) >= VERDICT_SIGMA ** 2:
        return "WARN", f"sectors disagree on the source position (χ² between sectors p = {p_between:.2g})", None
    others = [h for h in hosts if h["label"] != "target" and h["could_produce_depth"]]
    close = [h for h in others if h["sigma"] < VERDICT_SIGMA]
    if offset_sigma >= VERDICT_SIGMA:
        if close:
            h = close[0]
            return "FAIL", (f"source {offset_sigma:.1f}σ from the target, consistent with {host_name(h)} "
                            f"({h['separation_arcsec']:.0f}″ away, {h['sigma']:.1f}σ)"), h["label"]
        return "WARN", f"source {offset_sigma:.1f}σ from the target but on no catalogue star", None
    if close:
        h = close[0]
        return "WARN", (f"source consistent with the target ({offset_sigma:.1f}σ) and with {host_name(h)} "
                        f"({h['separation_arcsec']:.0f}″, {h['sigma']:.1f}σ): cannot tell them apart"), h["label"]
    return "PASS", (f"source consistent with the target ({offset_sigma:.1f}σ); every other catalogue star that "
                    "could produce the dip excluded at ≥ 3σ, and no dip elsewhere in the stamp beyond what empty "
                    "epochs show" if others else
                    f"source consistent with the target ({offset_sigma:.1f}σ); no other catalogue star could "
                    "produce the dip"), None


def localization_verdict(offset_sigma: float, hosts: Any, amplitude_snr: float, *, usable: bool = True,
                         why_unusable: str = "", p_between: float = math.nan) -> tuple[str, str]:
    """The verdict rule of :mod:`toi5807.vetting.vet` (see its docstring) → (verdict, reason)."""
    return localization_decision(offset_sigma, hosts, amplitude_snr, usable=usable, why_unusable=why_unusable,
                                 p_between=p_between)[:2]


def _num(v: Any) -> float | None:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def verdict_entry(name: str, sigma: Any, calibrated: bool, n_fakes: Any = None, n_independent: Any = None,
               extrapolated: bool = False, why_nominal: str | None = None) -> dict[str, Any]:
    """One test of the verdict in the fixed JSON schema (``why_nominal`` None when calibrated)."""
    return {"name": str(name), "sigma": _num(sigma), "calibrated": bool(calibrated),
            "n_fakes": int(n_fakes) if n_fakes is not None else None,
            "n_independent_fakes": int(n_independent) if n_independent is not None else None,
            "extrapolated": bool(extrapolated and calibrated),
            "why_nominal": None if calibrated else (why_nominal or "not calibrated")}


def _why(null: Any, self_calibrate: bool) -> str:
    from .nulls import MIN_NULL_FAKES

    if not self_calibrate:
        return "self-calibration off (self_calibrate=False)"
    if null is None:
        return "cannot calibrate: no fake epochs (no usable localization)"
    flags = [f for f in getattr(null, "flags", ()) if f.startswith("not_calibrated")]
    if flags and not null.n_null:
        return "cannot calibrate: " + flags[0].replace("not_calibrated_", "").replace("_", " ")
    pooled = [f for f in getattr(null, "flags", ()) if f.startswith("pooling_reached_")]
    more = (f"; pooled with the other sectors whose noise agrees: {pooled[0].split('_')[2]}" if pooled else "")
    return (f"cannot calibrate: {null.n_indep} independent fakes of {null.n_null} (need {MIN_NULL_FAKES}{more}) — "
            "too few transit-free stretches of the transit's duration in the data")


def sector_tests(null: Any, cal: dict, sigma_dip: float, sigma_offset: float, hosts: Any,
                 outside_z: float = math.nan, self_calibrate: bool = True,
                 usable: bool = True) -> list[dict[str, Any]]:
    """The tests one sector's verdict reads, each calibrated or nominal (``cal`` from
    :func:`toi5807.vetting.selfcal.calibrated_inputs`; ``hosts`` as ranked, recalibrated when ``cal['used']``).

    Without a usable localization the verdict is WARN and reads no test, except the calibrated dip when it
    says "no significant dip" (listed then)."""
    used = bool(cal.get("used"))
    if not usable:
        return [verdict_entry("dip", sigma_dip, True, null.n_null, null.n_indep,
                           (cal.get("amplitude") or {}).get("extrapolated", False))] if used and null else []
    n, ni = (null.n_null, null.n_indep) if null is not None else (None, None)
    why = None if used else _why(null, self_calibrate)
    amp, off = (cal.get("amplitude") or {}), (cal.get("offset") or {})
    out = [verdict_entry("dip", sigma_dip, used, n, ni, amp.get("extrapolated", False), why),
           verdict_entry("offset_from_target", sigma_offset, used, n, ni, off.get("extrapolated", False), why)]
    out += [verdict_entry(f"star {h['label']}", h["sigma"], used, n, ni, h.get("extrapolated", False), why)
            for h in hosts if h["label"] != "target" and h.get("could_produce_depth")]
    out.append(verdict_entry("outside_dip", outside_z, used, len(getattr(null, "outside_z", ()) or ()) or n, ni,
                          False, why))
    return out


def combined_tests(cal: dict, sigma_dip: float, sigma_offset: float, hosts: Any, sector_vets: list,
                   n_sectors: int, p_between: float = math.nan, self_calibrate: bool = True,
                   own_counts: tuple[int, int] | None = None, joint_independent: int = 0) -> list[dict[str, Any]]:
    """The tests the combined verdict reads. The dip is calibrated when every usable sector's is; the position
    tests when the joint (or pooled) null is; the between-sector test only from the joint null. Without a usable
    sector the combined verdict is WARN and reads no test (empty list).

    ``own_counts``: the sectors' own fakes and independent fakes, summed (sectors pooled with each other would
    count the same fakes twice); ``joint_independent``: the joint null's independent fakes."""
    from .nulls import MIN_NULL_FAKES

    if not sector_vets:
        return []

    used = bool(cal.get("used"))
    null = cal.get("null") or {}
    n = null.get("n_null")
    ni = null.get("n_independent")
    why = None if used else ("self-calibration off (self_calibrate=False)" if not self_calibrate else
                             f"cannot calibrate: {ni if ni is not None else 0} independent joint fakes "
                             f"(need {MIN_NULL_FAKES})")
    dips = [next(t for t in s.tests if t["name"] == "dip") for s in sector_vets if s.tests]
    dip_cal = bool(dips) and all(t["calibrated"] for t in dips)
    dip_n, dip_ni = own_counts if own_counts is not None else (sum(t["n_fakes"] or 0 for t in dips),
                                                               sum(t["n_independent_fakes"] or 0 for t in dips))
    dip_n, dip_ni = (dip_n, dip_ni) if dip_cal else (None, None)
    dip_why = None if dip_cal else "; ".join(f"sector {s.sector}: {t['why_nominal']}" for s, t in
                                             zip(sector_vets, dips) if not t["calibrated"]) or "no usable sector"
    off = cal.get("offset") or {}
    out = [verdict_entry("dip", sigma_dip, dip_cal, dip_n, dip_ni, any(t["extrapolated"] for t in dips), dip_why),
           verdict_entry("offset_from_target", sigma_offset, used, n, ni, off.get("extrapolated", False), why)]
    out += [verdict_entry(f"star {h['label']}", h["sigma"], used, n, ni, h.get("extrapolated", False), why)
            for h in hosts if h["label"] != "target" and h.get("could_produce_depth")]
    if n_sectors > 1:
        btw = cal.get("between_sectors") or {}
        ok = bool(used and btw)
        sig = btw.get("sigma") if btw else (math.sqrt(-2.0 * math.log(p_between)) if p_between > 0 else None)
        out.append(verdict_entry("between_sectors", sig, ok, n if ok else None, ni if ok else joint_independent,
                                 btw.get("extrapolated", False),
                                 None if ok else (why or f"cannot calibrate: {joint_independent} independent joint "
                                                  f"fakes (need {MIN_NULL_FAKES}); pooled sectors calibrate the "
                                                  "position tests, not the between-sector χ²")))
    return out


def calibration_gate(verdict: str, reason: str, tests: list[dict[str, Any]]) -> tuple[str, str]:
    """A PASS or FAIL that rests on a nominal test becomes WARN "cannot calibrate: …"; WARN keeps its reason
    (with the nominal tests named, so it does not read as a calibrated "no dip")."""
    nominal = [t for t in tests if not t["calibrated"]]
    if not nominal:
        return verdict, reason
    names = ", ".join(t["name"] for t in nominal[:4]) + (f" and {len(nominal) - 4} more" if len(nominal) > 4 else "")
    why = nominal[0]["why_nominal"] or "not calibrated"
    if verdict in ("PASS", "FAIL"):
        return "WARN", f"{why}; nominal tests ({names}) would have said {verdict}: {reason}"
    if "cannot calibrate" in why and "cannot calibrate" not in reason:
        return verdict, f"{why}; nominal: {reason}"
    return verdict, reason


def gated_decision(verdict: str, reason: str, named: str | None,
                   tests: list[dict[str, Any]]) -> tuple[str, str, str | None]:
    """:func:`calibration_gate` of a :func:`localization_decision`: a decision the gate changes names no star
    any more (a star named on nominal tests is not named; V10 cannot then turn the WARN into a FAIL on it)."""
    gated = calibration_gate(verdict, reason, tests)
    return (*gated, named if gated == (verdict, reason) else None)
