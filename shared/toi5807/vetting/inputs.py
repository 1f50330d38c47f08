"""What :func:`toi5807.vetting.vet.vet_pixels` judges: the stamps of a dataset, the vetted star, the candidate
(ephemeris and depth), the catalogue of stars to test as hosts, and the sectors that have no pixels.
"""

from __future__ import annotations

import math
from typing import Any

from ..data.catalogue import Catalogue, query_gaia_catalogue
from ..data.geometry import stamp_target
from ..diffimage.localize import SectorLocalization
from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.inputs import is_dataset, stamps_by_sector

__all__ = ["vet_target", "is_toi5807"]


def _inputs(dataset: Any) -> tuple[dict, Any]:
    """``({sector: stamp}, light-curve holder or None)`` from anything :func:`run_v08` takes (TypeError else)."""
    stamps = stamps_by_sector(dataset, "dataset", allow_none=False)
    return {s: st for s, st in stamps.items() if st is not None}, (dataset if is_dataset(dataset) else None)


def vet_target(stamps: dict) -> dict[str, Any]:
    """The vetted star: TIC ID, ICRS degrees and where they came from (``"file"``, ``"wcs"`` or ``"default"``)."""
    from .. import target

    for st in stamps.values():
        ra, dec, origin = stamp_target(st)
        if origin in ("file", "wcs"):  # the stamp's own target (from its header, else its WCS reference)
            return {"tic_id": st.tic_id, "ra_deg": ra, "dec_deg": dec, "origin": origin}
    tic = next((st.tic_id for st in stamps.values() if st.tic_id is not None), None)
    return {"tic_id": tic if tic is not None else target.TIC_ID,
            "ra_deg": target.RA_DEG, "dec_deg": target.DEC_DEG, "origin": "default"}


def is_toi5807(tgt: dict) -> bool:
    """Whether the vetted star is TOI-5807 (:func:`toi5807.lightcurve.resolve.is_toi5807`, the one guard)."""
    from ..lightcurve.resolve import is_toi5807 as same_star

    return same_star(tgt)


def _candidate(lcs: Any, candidate: Any, tgt: dict) -> tuple[TransitParams, dict, list[str]]:
    from ..lightcurve import Ephemeris, estimate_depth_ppm, stitch_pdcsap
    from ..lightcurve.resolve import EphemerisRequired, resolve_ephemeris

    notes = []
    if candidate is None:
        try:
            eph = resolve_ephemeris(tgt)  # the one guard: TOI-5807.01's ephemeris on TOI-5807's data only
        except EphemerisRequired as exc:
            raise ValueError(f"candidate: {exc}; pass candidate= (period_days, t0_btjd, duration_hours), "
                             "e.g. candidate=(3.0, 3500.5, 3.0)") from None
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


def _without_pixels(dataset: Any, lcs: Any, stamps: Any) -> dict[int, str]:
    """Sectors with a light curve but no stamp, with the dataset's own reason when it gives one."""
    summary = dataset.summary() if hasattr(dataset, "summary") else {}
    said = {int(k): v for k, v in dict(summary.get("pixels_unavailable", {}) or {}).items()}
    have = getattr(lcs, "lc_by_sector", None) or {}
    return {int(s): said.get(int(s), "no target pixel file in the dataset") for s in sorted(have)
            if int(s) not in stamps}

