"""How the three pixel checks combine: V08 (centroid shift), the difference images, V10 (aperture dependence).

The rule, per sector and for the sectors combined
-------------------------------------------------
The difference-image localization (:func:`toi5807.vetting.vet.localization_verdict`) is the primary verdict: it
places the source on the sky and is calibrated on fake epochs of the same pixels. The two other checks can only
make it more cautious, or — V10 — confirm a named host:

* a check that **cannot judge** (no pixels, too few epochs to calibrate, no significant dip: V10's
  ``votes = False``; V08 skipped) does not vote;
* **V10 FAIL** (calibrated; the target excluded and a named neighbour fits the depths): a difference-image
  PASS becomes WARN ("the checks disagree"); a WARN becomes FAIL only when the difference images name that same
  star (consistent with the source, not excluded: two checks name it); a FAIL stays FAIL;
* **V10 PASS** (calibrated; the target fits, every other star that could make the dip excluded): never raises
  a verdict, but a difference-image FAIL becomes WARN ("the checks disagree");
* **V10 WARN** (it cannot tell the target from a named star): never changes the verdict — in particular a
  V10 WARN never turns a PASS into a FAIL; its reason is appended;
* **V08 FAIL** (a calibrated centroid shift): a PASS becomes WARN; V08 never FAILs on its own (the whole-sector
  shift cannot see a faint blend and is moved by pointing wander; it cannot place a source).

The sectors combined: V10's vote is FAIL when at least half of its voting sectors FAIL on the same host and none
PASSes, PASS when every voting sector PASSes, WARN otherwise, and no vote without voting sectors
(:func:`v10_dataset_vote`). Each outcome says which checks voted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["combine_checks", "v10_dataset_vote", "sector_with_v10"]


def v10_dataset_vote(records: dict[Any, dict]) -> dict | None:
    """V10's vote over sectors from its per-sector records (:func:`toi5807.aperture.v10_record`), or None."""
    voting = {s: r for s, r in records.items() if r and r.get("votes")}
    if not voting:
        return None
    fails = Counter(r.get("most_likely_host") for r in voting.values() if r["verdict"] == "FAIL")
    passes = [s for s, r in voting.items() if r["verdict"] == "PASS"]
    host, n = fails.most_common(1)[0] if fails else (None, 0)
    if n and 2 * n >= len(voting) and not passes:
        return {"verdict": "FAIL", "most_likely_host": host, "votes": True,
                "reason": f"V10 FAIL on {host} in {n} of {len(voting)} voting sectors"}
    if len(voting) == 1:  # one voting sector: its own verdict and reason
        (s, r), = voting.items()
        return {"verdict": r["verdict"], "most_likely_host": r.get("most_likely_host"), "votes": True,
                "reason": f"sector {s}: {r.get('reason', '')}"}
    if len(passes) == len(voting):
        return {"verdict": "PASS", "most_likely_host": "target", "votes": True,
                "reason": f"V10 PASS in every voting sector ({len(voting)})"}
    hosts = {r.get("most_likely_host") for r in voting.values()}
    if all(r["verdict"] == "WARN" for r in voting.values()):  # nowhere can V10 tell the target from a neighbour
        return {"verdict": "WARN", "most_likely_host": hosts.pop() if len(hosts) == 1 else None, "votes": True,
                "reason": f"V10 WARN in every voting sector ({', '.join(map(str, sorted(voting)))}): it cannot tell "
                          "the target from every neighbour"}
    return {"verdict": "WARN", "most_likely_host": host, "votes": True,
            "reason": f"V10 mixed over {len(voting)} voting sectors ("
                      + ", ".join(f"{s}: {r['verdict']}" for s, r in sorted(voting.items())) + ")"}


def combine_checks(diffimage_verdict: str, diffimage_reason: str, *, v10: dict | None = None,
                   v08_verdict: str | None = None, diffimage_host: str | None = None) -> dict[str, Any]:
    """The rule of this module's docstring → ``{"verdict", "reason", "voted"}``.

    Parameters
    ----------
    diffimage_verdict, diffimage_reason : str
        The difference-image verdict (PASS/WARN/FAIL) and its reason.
    v10 : dict, optional
        A V10 record (:func:`toi5807.aperture.v10_record`) or :func:`v10_dataset_vote`; None or ``votes`` false →
        no vote.
    v08_verdict : str, optional
        V08's verdict; None when V08 was skipped.
    diffimage_host : str, optional
        The neighbour the difference-image verdict names (:func:`toi5807.vetting.verdict.localization_decision`,
        after the calibration gate: consistent with the source, named on calibrated tests); None when it names
        none (e.g. "on no catalogue star", or a verdict the gate made WARN).
    """
    verdict, reasons, voted = diffimage_verdict, [diffimage_reason], ["difference images"]
    if v10 and v10.get("votes"):
        voted.append("V10")
        host, v = v10.get("most_likely_host"), v10.get("verdict")
        if v == "FAIL":
            if verdict == "PASS":
                verdict = "WARN"
                reasons.append(f"but V10 says the depths fit {host}: the checks disagree")
            elif verdict == "WARN" and host is not None and host == diffimage_host:
                verdict = "FAIL"
                reasons.append(f"V10 names the same host ({host})")
            else:
                reasons.append(f"V10: {v10.get('reason', '')}")
        elif v == "PASS" and verdict == "FAIL":
            verdict = "WARN"
            reasons.append("but V10 finds the depths fit the target: the checks disagree")
        else:
            reasons.append(f"V10 {v}: {v10.get('reason', '')}")
    if v08_verdict is not None:
        voted.append("V08")
        if v08_verdict == "FAIL" and verdict == "PASS":
            verdict = "WARN"
            reasons.append("but the V08 centroid shift is significant")
    return {"verdict": verdict, "reason": "; ".join(r for r in reasons if r), "voted": voted}


def sector_with_v10(sector: Any) -> dict[str, Any]:
    """:func:`combine_checks` of one :class:`~toi5807.vetting.vet.SectorVet`: its difference-image verdict and its
    V10 record (V08 does not vote there: the sector's verdict already stands on the calibrated localization)."""
    return combine_checks(sector.verdict, sector.reason, v10=getattr(sector, "v10", None),
                          diffimage_host=getattr(sector, "named_host", None))
