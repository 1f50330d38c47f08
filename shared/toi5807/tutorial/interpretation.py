"""A plain-text reading of the per-sector V08 numbers, generated from the results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.geometry import sky_jacobian
from .pixels import no_pixels_note

__all__ = ["shift_position_angle_deg", "v08_interpretation"]


def shift_position_angle_deg(result: Any, tpf: Any) -> float | None:
    """Sky direction of a V08 shift: position angle east of north, degrees in [0, 360).

    Uses the local linear map of the stamp's WCS at the out-of-transit
    centroid, so shifts of different sectors (different spacecraft rolls) can be
    compared on the sky. None without a completed result or a WCS.
    """
    wcs = getattr(tpf, "wcs", None)
    pdata = getattr(result, "plot_data", None) or {}
    if wcs is None or getattr(result, "status", None) != "ok":
        return None
    centre = pdata.get("out_of_transit_centroid")
    vec = pdata.get("shift_vector_pixels")
    if centre is None or vec is None or None in centre or None in vec:
        return None
    east, north = sky_jacobian(wcs, float(centre[0]), float(centre[1])) @ np.array([float(vec[0]), float(vec[1])])
    if east == 0.0 and north == 0.0:
        return None
    return math.degrees(math.atan2(east, north)) % 360.0


def _g(x: float, sig: int = 3) -> str:
    return f"{x:.{sig}g}"


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def v08_interpretation(results: Mapping[int, Any], ds: Any = None) -> str:
    """A plain-text reading of the per-sector V08 numbers, generated from the results.

    Covers: which sectors ran or were skipped, the range of shift sizes (milli-pixels
    and arcsec), the sector with the largest significance, the verdicts, the
    shift directions on the sky (when ``ds`` supplies WCSs), and what that means.

    Parameters
    ----------
    results : mapping sector -> CheckResult
    ds : Dataset, optional
        For the sky position angles of the shifts.

    Returns
    -------
    str
        Lines starting with ``- ``; numbers to 3 significant digits.
    """
    ok = {s: r for s, r in sorted(results.items()) if r.status == "ok"}
    skipped = {s: r for s, r in sorted(results.items()) if r.status != "ok"}
    lines = []
    if not ok:
        note = no_pixels_note(results)
        lines.append(f"- {note[:1].upper()}{note[1:]}.")
        lines.append("- No centroid was measured, so V08 gives no reading for this candidate: neither a pass nor a "
                     "warning.")
        return "\n".join(lines)
    skipped_txt = ", ".join(f"{s} ({', '.join(r.flags) or 'no result'})" for s, r in skipped.items()) or "none"
    lines.append(f"- V08 ran on {len(ok)} of {len(results)} sectors; skipped: {skipped_txt}.")
    # a sector whose shift is undefined (null) is not a measurement: it is named, never read as a number
    undefined = [s for s, r in ok.items() if not _finite(r.metrics.get("centroid_shift_pixels"))
                 or not _finite(r.metrics.get("centroid_shift_arcsec"))]
    if undefined:
        lines.append(f"- No shift could be computed in sector(s) {', '.join(map(str, undefined))}; they are left out.")
        ok = {s: r for s, r in ok.items() if s not in undefined}
        if not ok:
            lines.append("- No sector has a measured shift, so V08 gives no reading for this candidate.")
            return "\n".join(lines)

    shift = {s: float(r.metrics["centroid_shift_pixels"]) for s, r in ok.items()}
    arcsec = {s: float(r.metrics["centroid_shift_arcsec"]) for s, r in ok.items()}
    sigma = {s: r.metrics["significance_sigma"] for s, r in ok.items()}
    lo, hi = min(shift.values()), max(shift.values())
    # half a pixel on the sky, through each stamp's own pixel scale
    half = sorted({_g(0.5 * float(r.details["pixel_scale_arcsec"])) for r in ok.values()
                   if _finite(r.details.get("pixel_scale_arcsec"))}, key=float)
    half_text = f" ({half[0]} arcsec)" if len(half) == 1 else (f" ({half[0]}–{half[-1]} arcsec at these stamps' "
                                                                "pixel scales)" if half else "")
    size = (f"{_g(lo * 1e3)} milli-pixels ({_g(min(arcsec.values()))} arcsec)" if len(shift) == 1 else
            f"{_g(lo * 1e3)} to {_g(hi * 1e3)} milli-pixels ({_g(min(arcsec.values()))} to "
            f"{_g(max(arcsec.values()))} arcsec)")
    lines.append(
        f"- Shift size{'s' if len(shift) > 1 else ''}: {size}; the WARN size threshold is 0.5 px"
        f"{half_text}, so the {'largest ' if len(shift) > 1 else ''}shift is {_g(100 * hi / 0.5)}% of it."
    )
    finite = {s: v for s, v in sigma.items() if v is not None and math.isfinite(v)}
    if finite:
        top = max(finite, key=finite.get)
        err = ok[top].metrics["shift_uncertainty_pixels"]
        err_txt = f" ± {_g(err * 1e3)}" if err is not None and math.isfinite(err) else ""
        lines.append(f"- Largest significance: sector {top}, {finite[top]:.2f}σ "
                     f"(shift {_g(shift[top] * 1e3)}{err_txt} milli-pixels).")
    verdicts: dict[str, list[int]] = {"PASS": [], "WARN": [], "FAIL": []}
    for s, r in ok.items():
        verdicts.setdefault(r.verdict, []).append(s)
    lines.append("- Verdicts: " + "; ".join(f"{v} {', '.join(map(str, ss)) or 'none'}" for v, ss in verdicts.items()) + ".")
    at3 = [s for s, v in finite.items() if v >= 3.0]

    pa = {}
    if ds is not None:
        pa = {s: shift_position_angle_deg(r, ds.tpf_by_sector.get(s)) for s, r in ok.items()}
        pa = {s: v for s, v in pa.items() if v is not None}
        if pa:
            lines.append("- Shift direction on the sky (position angle east of north): "
                         + ", ".join(f"sector {s} {v:.0f}°" for s, v in pa.items()) + ".")
    consistent = None
    if len([s for s in at3 if s in pa]) >= 2:
        angles = np.radians([pa[s] for s in at3 if s in pa])
        spread = math.degrees(math.acos(min(1.0, float(np.hypot(np.mean(np.cos(angles)), np.mean(np.sin(angles)))))))
        consistent = spread < 30.0
        lines.append(f"- The ≥3σ sectors ({', '.join(map(str, at3))}) point "
                     + ("in a consistent sky direction" if consistent else "in different sky directions")
                     + f" (circular spread {spread:.0f}°).")

    if verdicts["FAIL"]:
        reading = ("At least one sector FAILS (shift ≥ 1 px at ≥ 5σ): the transit source is probably off the "
                   "target. Locate it with difference imaging before spending more effort on this candidate.")
    elif hi >= 0.5:
        reading = ("A shift of half a pixel or more is large for TESS: inspect that sector's stamp and locate the "
                   "source with difference imaging.")
    elif at3 and consistent:
        reading = ("Shifts at ≥ 3σ repeat across sectors in a consistent sky direction: this is the pattern to "
                   "take seriously. Even tiny shifts (here at most "
                   f"{_g(max(arcsec.values()))} arcsec) can come from a transit on the target diluted by "
                   "neighbours (Bryson et al. 2013) or from a faint eclipsing neighbour; only the source offset "
                   "(difference imaging, V09) tells which.")
    elif at3:
        reading = ("The WARN verdicts come from significance alone: the shifts are detectable but tiny (at most "
                   f"{_g(max(arcsec.values()))} arcsec, far below a pixel), and they do not repeat in one sky "
                   "direction" + (" (or the directions are unknown without a WCS)" if consistent is None else "")
                   + ". A transit on the target also moves the flux-weighted centroid when neighbours add light to "
                   "the stamp (Bryson et al. 2013), so this is not by itself evidence of an off-target source; it "
                   "calls for the source-offset test (difference imaging, V09) rather than a rejection.")
    else:
        reading = ("No sector shows a significant shift (all < 3σ, and all far below 0.5 px): V08 gives no sign "
                   "of an off-target source.")
    lines.append("- Reading: " + reading)
    return "\n".join(lines)
