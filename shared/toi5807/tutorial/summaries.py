"""Notebook-facing summaries: what was loaded, the stitched light curve, the candidate, V08 per sector.

Everything printed is stable across machines: sorted keys, rounded floats (see
:mod:`toi5807.report`) and no paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "tpf_inventory",
    "stitched_summary",
    "candidate_report",
    "run_v08_by_sector",
    "v08_sector_summary",
    "latest_v08_sector",
]


def tpf_inventory(ds: Any) -> dict[str, Any]:
    """Which sectors have a light curve, which a target pixel file, and which TPFs are missing.

    Returns
    -------
    dict
        ``source``, ``sectors_lc``, ``sectors_tpf``, ``missing_tpf`` and ``stamp_shapes``
        (``{sector: [n_cadences, n_rows, n_cols]}``).
    """
    return {
        "source": ds.source,
        "sectors_lc": list(ds.lc_by_sector),
        "sectors_tpf": list(ds.tpf_by_sector),
        "missing_tpf": [s for s in ds.lc_by_sector if s not in ds.tpf_by_sector],
        "stamp_shapes": {str(s): list(t.shape) for s, t in ds.tpf_by_sector.items()},
    }


def stitched_summary(lc: Any) -> dict[str, Any]:
    """Size and coverage of a stitched light curve (cadence counts, time span in BTJD days).

    Returns
    -------
    dict
        ``n_cadences``, ``n_good`` (finite flux, quality 0), ``cadences_per_sector``,
        ``time_start_btjd``, ``time_end_btjd``.
    """
    good = np.isfinite(lc.flux) & (lc.quality == 0)
    sectors, counts = np.unique(lc.sector, return_counts=True)
    return {
        "n_cadences": len(lc),
        "n_good": int(good.sum()),
        "cadences_per_sector": {str(s): int(n) for s, n in zip(sectors.tolist(), counts.tolist())},
        "time_start_btjd": float(lc.time[0]) if len(lc) else None,
        "time_end_btjd": float(lc.time[-1]) if len(lc) else None,
    }


def candidate_report(candidate: Any, sig: int = 4) -> dict[str, Any]:
    """A candidate for printing: the catalogue ephemeris exactly, the measured depth rounded.

    Print it with ``print_json(..., sig=None)``: the ephemeris values are constants
    (rounding a period to 4 digits would misplace later transits by hours), while
    the depth is a measurement, rounded here to ``sig`` significant digits so the
    output is identical across machines.

    Returns
    -------
    dict
        ``ephemeris`` (period days, t0 BTJD, duration hours) and ``depth_ppm``.
    """
    from ..report import round_sig

    return {"ephemeris": candidate.ephemeris.to_dict(), "depth_ppm": round_sig(candidate.depth_ppm, sig)}


def run_v08_by_sector(ds: Any, candidate: Any, config: Any = None) -> dict[int, Any]:
    """Run V08 on every sector with a light curve.

    Sectors without a target pixel file come back skipped with the flag
    ``MISSING_TPF`` (that is what :func:`toi5807.centroid.check.run_v08` does with ``tpf=None``).

    Parameters
    ----------
    ds : Dataset
    candidate : Candidate
    config : CentroidShiftConfig, optional

    Returns
    -------
    dict
        sector (int, ascending) -> :class:`toi5807.centroid.CheckResult`.
    """
    from ..centroid import run_v08

    return {s: run_v08(ds.tpf_by_sector.get(s), candidate, config=config) for s in sorted(ds.lc_by_sector)}


def v08_sector_summary(results: Mapping[int, Any]) -> dict[str, dict[str, Any]]:
    """The step-11 per-sector summary ``{sector: {status, flags, metrics}}``.

    Skipped sectors appear as ``{"status": "skipped", "flags": [...], "metrics": {}}``
    (e.g. ``["MISSING_TPF"]``). Keys are sector numbers as strings (JSON keys).
    """
    return {
        str(s): {"status": r.status, "flags": list(r.flags), "metrics": dict(r.metrics) if r.status == "ok" else {}}
        for s, r in sorted(results.items())
    }


def latest_v08_sector(results: Mapping[int, Any]) -> int:
    """The latest sector with a completed V08 result.

    Raises
    ------
    ValueError
        When no sector has one (e.g. no target pixel files at all).
    """
    done = [s for s, r in results.items() if r.status == "ok"]
    if not done:
        flags = {s: list(r.flags) for s, r in results.items()}
        raise ValueError(f"no sector has a V08 result to plot (flags per sector: {flags})")
    return max(done)
