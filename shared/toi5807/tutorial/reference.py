"""The reference tutorial's V09, run through tess-vetter when it is installed (an optional extra, never required).

The reference tool's V09 ("difference image localization") measures a transit depth in every pixel's own light
curve — a per-pixel depth map in ppm of that pixel's flux — and reports the pixel of the largest depth, the depth
at the target's pixel, their ratio and distance, and flags when the map cannot be trusted. :func:`reference_v09`
runs it on one stamp; without tess-vetter it returns a :class:`Note` saying so. This package never imports
tess-vetter anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report import Note, json_safe
from .display import Table, table

__all__ = ["ReferenceV09", "reference_v09", "reference_v09_table"]

_METRICS = ("max_depth_pixel", "max_depth_ppm", "target_pixel", "target_depth_ppm", "concentration_ratio",
            "distance_to_target_pixels", "localization_reliable", "n_cadences")


@dataclass(frozen=True)
class ReferenceV09:
    """tess-vetter's V09 metrics for one sector (pixels are (row, column) of the stamp, 0-based).

    Attributes
    ----------
    sector : int
    version : str
        tess-vetter's version.
    metrics : dict
        ``max_depth_pixel``, ``max_depth_ppm`` (ppm of that pixel's own flux), ``target_pixel``,
        ``target_depth_ppm``, ``concentration_ratio`` (target depth / largest depth),
        ``distance_to_target_pixels``, ``localization_reliable``, ``n_cadences``.
    flags : tuple of str
        The tool's warnings (``DIFFIMG_MAX_AT_EDGE``, ``DIFFIMG_TARGET_DEPTH_NONPOSITIVE``, ``DIFFIMG_UNRELIABLE`` …).
    simulated : bool
    """

    sector: int
    version: str
    metrics: dict
    flags: tuple
    simulated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return json_safe({"sector": self.sector, "tool": f"tess-vetter {self.version}", "metrics": self.metrics,
                          "flags": list(self.flags), "simulated": self.simulated})

    def __repr__(self) -> str:
        m = self.metrics
        return (f"ReferenceV09(sector {self.sector}: largest depth at pixel {m.get('max_depth_pixel')}, "
                f"target pixel {m.get('target_pixel')}, reliable {m.get('localization_reliable')}"
                + (", SIMULATED)" if self.simulated else ")"))


def reference_v09(stamp: Any, candidate: Any) -> ReferenceV09 | Note:
    """Run tess-vetter's V09 (per-pixel depth map) on one stamp, at the target's pixel from the stamp's WCS.

    Parameters
    ----------
    stamp : TPFStamp or None
        The sector's stamp; only quality-0 cadences are passed on (as the reference tutorial does).
    candidate : Candidate
        Ephemeris (days, BTJD, hours) and depth (ppm).

    Returns
    -------
    ReferenceV09, or a Note when there is no stamp or tess-vetter is not installed.
    """
    if stamp is None:
        return Note("no target pixel files: the reference tool's V09 needs them")
    try:
        import tess_vetter
        from tess_vetter.api.pixel import difference_image_localization
        from tess_vetter.api.types import Candidate, Ephemeris, TPFStamp
    except ImportError:
        return Note("tess-vetter is not installed (pip install -e \".[bench]\"): the reference tool's V09 is "
                    "described in prose only")
    from ..data.geometry import stamp_target

    good = np.asarray(stamp.quality) == 0
    ra, dec, _ = stamp_target(stamp)
    col, row = stamp.wcs.world_to_pixel_values(ra, dec)
    eph = candidate.ephemeris
    res = difference_image_localization(
        TPFStamp(time=np.asarray(stamp.time)[good], flux=np.asarray(stamp.flux)[good]),
        Candidate(ephemeris=Ephemeris(eph.period_days, eph.t0_btjd, eph.duration_hours),
                  depth_ppm=float(candidate.depth_ppm)),
        target_rc=(int(round(float(row))), int(round(float(col)))))
    details = dict(res.details)
    return ReferenceV09(sector=int(stamp.sector), version=str(getattr(tess_vetter, "__version__", "?")),
                        metrics={k: details.get(k) for k in _METRICS},
                        flags=tuple(details.get("warnings", ())), simulated=bool(stamp.simulated))


def reference_v09_table(result: ReferenceV09 | Note) -> Table | Note:
    """The reference V09's metrics as a table (a Note passes through)."""
    if not isinstance(result, ReferenceV09):
        return result
    m = result.metrics
    rows = [("largest per-pixel depth (ppm of that pixel)", m["max_depth_ppm"]),
            ("  at pixel (row, column)", m["max_depth_pixel"]),
            ("depth at the target's pixel (ppm)", m["target_depth_ppm"]),
            ("  target pixel (row, column)", m["target_pixel"]),
            ("concentration (target / largest)", m["concentration_ratio"]),
            ("distance between the two (pixels)", m["distance_to_target_pixels"]),
            ("localization reliable", m["localization_reliable"]),
            ("flags", ", ".join(result.flags) or "none")]
    title = f"Reference V09 (tess-vetter {result.version}), sector {result.sector}"
    return table(rows, ["metric", "value"], title=title + (" — SIMULATED" if result.simulated else ""))
