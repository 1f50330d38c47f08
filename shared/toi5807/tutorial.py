"""Notebook-facing helpers: setup, per-sector V08 runs, summaries, plots with saved paths, interpretation.

The notebooks call these so each cell stays short and no logic lives in a
notebook. Everything printed is stable across machines: sorted keys, rounded
floats (see :mod:`toi5807.report`) and paths relative to the repository root.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import target
from .paths import repo_relative
from .sky import sky_jacobian

__all__ = [
    "V08_STEP_ID",
    "setup_notebook",
    "save_plot",
    "target_pixel",
    "tpf_inventory",
    "stitched_summary",
    "candidate_report",
    "run_v08_by_sector",
    "v08_sector_summary",
    "latest_v08_sector",
    "plot_v08_sector",
    "plot_v08_overview",
    "shift_position_angle_deg",
    "v08_interpretation",
]

#: Step id (folder name of its plots) of the V08 notebook.
V08_STEP_ID = "11_v08_centroid_shift"


def setup_notebook() -> None:
    """Apply the tutorial's plot style and make inline notebook figures reproducible.

    Sets matplotlib's rcParams to :data:`toi5807.plotting.STYLE` and, inside a
    notebook kernel, selects the inline backend and renders inline PNGs without
    ``bbox_inches="tight"`` and without the ``Software`` metadata entry, so the
    image stored in the notebook is as reproducible as the saved artifact.
    Prints nothing.
    """
    import matplotlib

    from .plotting import _PNG_METADATA, apply_style

    apply_style()
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook kernel
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return  # a terminal or script: keep the user's backend
    # In a notebook kernel always draw inline, even when MPLBACKEND (e.g. "Agg" from a test run) says otherwise,
    # so the stored figure outputs do not depend on the environment the kernel was started from.
    if "inline" not in str(matplotlib.get_backend()).lower():
        shell.enable_matplotlib("inline")
    import matplotlib.pyplot  # noqa: F401 - importing pyplot activates the inline backend integration
    from matplotlib_inline.config import InlineBackend

    InlineBackend.instance().print_figure_kwargs = {"bbox_inches": None, "metadata": dict(_PNG_METADATA)}


def save_plot(fig, step_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """Save ``fig`` (see :func:`toi5807.plotting.save_figure`) and report where, repo-relative.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    step_id : str
        Notebook step folder, e.g. ``"03_phase_folded_transit_plot"``.
    name : str
        PNG file name.
    **extra
        Further entries of the returned mapping (e.g. ``sector_plotted=83``).

    Returns
    -------
    dict
        ``run_plot_path`` and ``docs_plot_path`` (forward slashes, relative to the repository root) plus ``extra``.
    """
    from .plotting import save_figure

    run_path, docs_path = save_figure(fig, step_id, name)
    return {"run_plot_path": repo_relative(run_path), "docs_plot_path": repo_relative(docs_path), **extra}


def target_pixel(tpf: Any) -> tuple[float, float] | None:
    """TOI-5807's catalogue position in a stamp's pixels, from the stamp's WCS.

    Parameters
    ----------
    tpf : TPFStamp or None

    Returns
    -------
    (float, float) or None
        (x = column, y = row) in stamp pixels ((0, 0) = centre of the first
        pixel); None without a stamp or a WCS.
    """
    wcs = getattr(tpf, "wcs", None)
    if wcs is None:
        return None
    x, y = wcs.world_to_pixel_values(target.RA_DEG, target.DEC_DEG)
    return float(x), float(y)


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
    from .report import round_sig

    return {"ephemeris": candidate.ephemeris.to_dict(), "depth_ppm": round_sig(candidate.depth_ppm, sig)}


def run_v08_by_sector(ds: Any, candidate: Any, config: Any = None) -> dict[int, Any]:
    """Run V08 on every sector with a light curve.

    Sectors without a target pixel file come back skipped with the flag
    ``MISSING_TPF`` (that is what :func:`toi5807.v08.run_v08` does with ``tpf=None``).

    Parameters
    ----------
    ds : Dataset
    candidate : Candidate
    config : CentroidShiftConfig, optional

    Returns
    -------
    dict
        sector (int, ascending) -> :class:`toi5807.v08.CheckResult`.
    """
    from .v08 import run_v08

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


def plot_v08_sector(ds: Any, results: Mapping[int, Any], sector: int | None = None, *,
                    step_id: str = V08_STEP_ID, name: str = "V08_centroid_shift.png") -> dict[str, Any]:
    """Plot one sector's V08 centroid shift on its stamp, save it, and report where.

    Parameters
    ----------
    ds : Dataset
        Supplies the stamp's WCS for the target position.
    results : mapping sector -> CheckResult
        From :func:`run_v08_by_sector`.
    sector : int, optional
        Default: :func:`latest_v08_sector`.
    step_id, name : str
        Where the PNG goes (see :func:`save_plot`).

    Returns
    -------
    dict
        ``sector_plotted``, ``run_plot_path``, ``docs_plot_path`` (repo-relative).
        The figure stays open, for ``plt.show()``.
    """
    from .plotting import plot_centroid_shift

    sector = latest_v08_sector(results) if sector is None else int(sector)
    ax = plot_centroid_shift(results[sector], target_xy=target_pixel(ds.tpf_by_sector.get(sector)))
    return save_plot(ax.figure, step_id, name, sector_plotted=sector)


def plot_v08_overview(results: Mapping[int, Any], *, step_id: str = V08_STEP_ID,
                      name: str = "V08_summary.png") -> dict[str, Any]:
    """Plot the per-sector V08 summary (:func:`toi5807.plotting.plot_v08_summary`), save it, report where.

    Returns
    -------
    dict
        ``sectors_plotted``, ``run_plot_path``, ``docs_plot_path`` (repo-relative).
    """
    from .plotting import plot_v08_summary

    fig = plot_v08_summary(results)
    return save_plot(fig, step_id, name, sectors_plotted=sorted(int(s) for s in results))


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
    skipped_txt = ", ".join(f"{s} ({', '.join(r.flags) or 'no result'})" for s, r in skipped.items()) or "none"
    lines.append(f"- V08 ran on {len(ok)} of {len(results)} sectors; skipped: {skipped_txt}.")
    if not ok:
        lines.append("- No centroid measurement at all: V08 says nothing about this candidate yet.")
        return "\n".join(lines)

    shift = {s: float(r.metrics["centroid_shift_pixels"]) for s, r in ok.items()}
    arcsec = {s: float(r.metrics["centroid_shift_arcsec"]) for s, r in ok.items()}
    sigma = {s: r.metrics["significance_sigma"] for s, r in ok.items()}
    lo, hi = min(shift.values()), max(shift.values())
    lines.append(
        f"- Shift sizes: {_g(lo * 1e3)} to {_g(hi * 1e3)} milli-pixels "
        f"({_g(min(arcsec.values()))} to {_g(max(arcsec.values()))} arcsec); the WARN size threshold is 0.5 px "
        f"(10.5 arcsec), so the largest shift is {_g(100 * hi / 0.5)}% of it."
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
