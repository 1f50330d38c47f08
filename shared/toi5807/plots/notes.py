"""What a pixel figure (or table) says instead of drawing when there is nothing to measure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..report import Note

__all__ = ["no_pixels_note", "flag_words", "FLAG_WORDS"]

#: What a V08 flag means, in the words a figure shows (the flag names are for programs).
FLAG_WORDS = {
    "MISSING_TPF": "no pixels",
    "NO_USABLE_PIXELS": "no usable pixels",
    "NO_IN_TRANSIT_CADENCES": "no in-transit cadences",
    "NO_OUT_OF_TRANSIT_CADENCES": "no out-of-transit cadences",
    "LOW_N_IN_TRANSIT": "few in-transit cadences",
    "LOW_N_OUT_TRANSIT": "few out-of-transit cadences",
    "SATURATION_RISK": "saturation risk",
    "DEGENERATE_SIGNIFICANCE": "no significance",
    "WCS_UNUSABLE": "unusable WCS",
}


def flag_words(flags: Any) -> str:
    """Flags as words for a figure: ``["MISSING_TPF"]`` → ``"no pixels"``; unknown flags lower-cased, with
    spaces for underscores; ``"no result"`` when there are none."""
    words = [FLAG_WORDS.get(str(f), str(f).replace("_", " ").lower()) for f in (flags or ())]
    return ", ".join(dict.fromkeys(words)) or "no result"


def _sectors(values: Any) -> str:
    return ", ".join(str(s) for s in values)


def _sector_word(values: Any) -> str:
    """``"sector 55"`` or ``"sectors 55, 75"``."""
    values = list(values)
    return ("sector " if len(values) == 1 else "sectors ") + _sectors(values)


def no_pixels_note(data: Any) -> Note | None:
    """The sentence a pixel step shows when it has nothing to measure, or None when it has.

    Parameters
    ----------
    data : Dataset, mapping sector -> CheckResult, V08OffsetAnalysis or PixelVetResult
        A dataset without any target pixel file, V08 results none of which ran, or an offset analysis or
        pixel vetting without sectors give a :class:`Note`; anything with at least one measured sector gives
        None.

    Returns
    -------
    Note or None
    """
    if hasattr(data, "tpf_by_sector") and hasattr(data, "lc_by_sector"):
        if data.tpf_by_sector:
            return None
        return Note(f"no target pixel files for {_sector_word(data.lc_by_sector) if data.lc_by_sector else 'any sector'}"
                    ": V08 needs them")
    if hasattr(data, "combined_source_offset"):
        return None if data.sectors else Note("no target pixel files for any sector: V08 needs them")
    if hasattr(data, "combined") and hasattr(data, "verdict"):  # a PixelVetResult
        return None if data.sectors else Note("no target pixel files for any sector: the difference images need "
                                              f"them (verdict {data.verdict}: {data.reason})")
    if isinstance(data, Mapping):
        if any(getattr(r, "status", None) == "ok" for r in data.values()):
            return None
        missing = [s for s, r in sorted(data.items()) if "MISSING_TPF" in getattr(r, "flags", ())]
        other = {s: ", ".join(r.flags) or "no result" for s, r in sorted(data.items()) if s not in missing}
        parts = [f"no target pixel file{'s' if len(missing) > 1 else ''} for {_sector_word(missing)}: V08 needs "
                 f"{'them' if len(missing) > 1 else 'it'}"] if missing else []
        parts += [f"sector {s}: nothing measured ({why})" for s, why in other.items()]
        return Note("; ".join(parts) or "no sectors: V08 needs target pixel files")
    raise TypeError(f"data: expected a Dataset, a mapping sector -> CheckResult or a V08OffsetAnalysis, "
                    f"got {type(data).__name__}")
