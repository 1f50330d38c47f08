"""Step 14's reading of the pixel checks side by side: V08, the difference images (V09) and V10 per sector.

Everything comes from one :func:`~toi5807.vetting.vet_pixels` result (its ``to_dict()``), so the table can only
show what the verdict used. A sector's V10 (aperture dependence) appears when the result carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..report import Note
from .display import Table, table

__all__ = ["pixel_checks_table", "v10_summary", "calibration_floor_note"]


def v10_summary(v10: Any) -> str | None:
    """One cell of text for a sector's V10 entry (``to_dict()["sectors"][s].get("v10")``); None when absent."""
    if v10 is None:
        return None
    if not isinstance(v10, Mapping):
        return str(v10)[:80]
    head = v10.get("verdict") or v10.get("status") or ""
    sigma = v10.get("significance_sigma", v10.get("sigma"))
    return f"{head} ({sigma:.3g}σ)" if isinstance(sigma, (int, float)) and head else (head or "see to_dict()")


def pixel_checks_table(vet: Any) -> Table | Note:
    """Per sector: V08's shift and σ, the difference-image source offset with its nominal and calibrated σ, the
    most likely host, V10 when present, and the sector's verdict (a Note when no sector had pixels)."""
    d = vet.to_dict()
    sectors = d.get("sectors") or {}
    if not sectors:
        return Note("no target pixel files: the pixel checks need them")
    rows = []
    for s, sd in sectors.items():
        v08 = sd.get("v08_metrics") or {}
        cal = ((sd.get("calibration") or {}).get("offset") or {})
        shift = v08.get("centroid_shift_pixels")
        rows.append({
            "sector": s,
            "V08 shift (milli-px)": None if shift is None else 1e3 * shift,
            "V08 σ": v08.get("significance_sigma"),
            "source offset (″)": sd.get("source_offset_arcsec"),
            "offset σ nominal": sd.get("source_offset_sigma"),
            "offset σ calibrated": cal.get("sigma"),
            "most likely host": sd.get("most_likely_host"),
            "V10": v10_summary(sd.get("v10")) or "—",
            "verdict": sd.get("verdict"),
        })
    title = "The pixel checks of every sector" + (" (SIMULATED data)" if d.get("simulated") else "")
    return table(rows, title=title)


def calibration_floor_note(vet: Any) -> Note:
    """How many empty epochs each sector's calibration used, how many are independent, and the smallest counted
    p-value that allows, 1/(independent + 1) — read from the result, so the prose need not repeat numbers."""
    d = vet.to_dict()
    parts = []
    for s, sd in (d.get("sectors") or {}).items():
        amp = ((sd.get("calibration") or {}).get("amplitude") or {})
        n, k = amp.get("n_null"), amp.get("n_independent")
        if n and k:
            parts.append(f"sector {s}: {n} empty epochs, ≈ {k} independent — a counted p-value cannot go below "
                         f"1/{k + 1} = {1.0 / (k + 1):.3f}")
    return Note("; ".join(parts) if parts else "no calibration at empty epochs (no sector was localized)")
