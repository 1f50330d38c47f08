"""One target of a batch, as a Dask task: load its files, vet its pixels, write its JSON and figure, return a row.

:func:`vet_target` never raises for a bad target: any failure becomes an error row naming the target, its
folder and the reason (the readers' messages name the file). It runs with one BLAS thread
(:func:`toi5807.pixels.blas.single_blas_thread`), so N workers use N cores.
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from ..data.files import atomic_write_bytes
from .record import vet_record

__all__ = ["vet_target", "summary_row", "EPHEMERIS_TABLE"]

EPHEMERIS_TABLE = "target table (period_days, t0_btjd, duration_hours)"


def _fmt(v: Any, f: str) -> str:
    return "—" if v is None else format(v, f)


def summary_row(d: dict[str, Any]) -> dict[str, Any]:
    """The results-table fields of one ``vet --json`` record.

    Returns
    -------
    dict
        ``tic_id``, ``verdict``, ``reason``, ``source_offset`` (arcsec) and ``source_offset_sigma`` (the combined
        position when there is one, else the first localized sector's; None when none),
        ``source_offset_sigma_calibrated`` (against the target's own empty epochs, when calibrated), ``calibrated``
        (``all_tests_calibrated`` if the record has it, else ``calibration.used``), ``v08`` (per sector
        "s83 1.16σ"), ``v08_max_sigma``, ``v10`` (per sector verdicts, "" when no sector has a V10 entry),
        ``n_sectors``.
    """
    sectors = d.get("sectors") or {}
    comb = d.get("combined") or {}
    offset, sigma = comb.get("offset_from_target_arcsec"), comb.get("offset_sigma")
    if offset is None:
        for s in sorted(sectors, key=int):
            if sectors[s].get("source_offset_arcsec") is not None:
                offset, sigma = sectors[s]["source_offset_arcsec"], sectors[s].get("source_offset_sigma")
                break
    cal = d["all_tests_calibrated"] if "all_tests_calibrated" in d else (d.get("calibration") or {}).get("used")
    v08, v08_sig, v10 = [], [], []
    for s in sorted(sectors, key=int):
        m = sectors[s].get("v08_metrics") or {}
        sig = m.get("significance_sigma")
        shift = m.get("centroid_shift_pixels")
        v08.append(f"s{s} {_fmt(None if shift is None else 1e3 * shift, '.1f')} mpx {_fmt(sig, '.2f')}σ")
        if sig is not None:
            v08_sig.append(sig)
        if sectors[s].get("v10") is not None:
            v = sectors[s]["v10"]
            v10.append(f"s{s} {v.get('verdict', '?') if isinstance(v, dict) else v}")
    cal_offset = ((d.get("calibration") or {}).get("offset") or {}).get("sigma")
    return {"tic_id": (d.get("target") or {}).get("tic_id"), "verdict": d.get("verdict"), "reason": d.get("reason"),
            "source_offset": offset, "source_offset_sigma": sigma, "source_offset_sigma_calibrated": cal_offset,
            "calibrated": None if cal is None else bool(cal), "v08": "; ".join(v08),
            "v08_max_sigma": max(v08_sig) if v08_sig else None, "v10": "; ".join(v10), "n_sectors": len(sectors)}


def _figure(result: Any, dataset: Any, record: dict[str, Any], path: Path) -> None:
    """The one-page summary (:func:`~toi5807.plots.plot_vet_summary_page`) of a target, as ``path`` (PNG)."""
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plots import figure_png_bytes, plot_vet_summary_page, write_png

    fig = plot_vet_summary_page(result, dataset, record)
    if hasattr(fig, "savefig"):
        write_png(figure_png_bytes(fig), path)
        plt.close(fig)


def vet_target(target: dict[str, Any], files: list[dict[str, Any]], out_dir: str, network: bool = False,
               figure: bool = True) -> dict[str, Any]:
    """Vet one target (a :class:`~toi5807.batch.targets.Target` as a dict); write ``<name>.json`` and ``.png``.

    Parameters
    ----------
    target : dict
        ``Target.to_dict()``.
    files : list of dict
        Its input files with their SHA-256 (:func:`~toi5807.batch.record.input_files`).
    out_dir : str
        The batch's output folder.
    network : bool
        Download by ``tic_id`` when the target has no folder; Gaia neighbours.
    figure : bool
        Write the summary figure.

    Returns
    -------
    dict
        The row: :func:`summary_row` fields plus ``error`` ("" when vetted), ``runtime_s``, ``json``, ``png``.
    """
    from ..pixels.blas import single_blas_thread

    t_start = time.perf_counter()
    out = Path(out_dir)
    row: dict[str, Any] = {"error": "", "json": "", "png": ""}
    where = target["path"] or f"TIC {target['tic_id']} (download)"
    try:
        with single_blas_thread():
            row.update(_vet(target, files, out, network, figure))
    except Exception as exc:  # noqa: BLE001 - a failed target is a row, not a stop
        text = " ".join(str(exc).split()) or type(exc).__name__
        row["error"] = f"{target['label']} ({where}): {type(exc).__name__}: {text}"[:600]
        row["traceback"] = traceback.format_exc(limit=3)[-1500:]
    row["runtime_s"] = time.perf_counter() - t_start
    return row


def _vet(target: dict[str, Any], files: list[dict[str, Any]], out: Path, network: bool, figure: bool) -> dict:
    from ..data.local import load_local_dir
    from ..vetting.vet import vet_pixels

    folder = target["path"]
    if folder is None:
        from ..data.mast import download_products

        folder = str(download_products(target["tic_id"], out / "downloads" / target["name"]))
        from .record import input_files

        files = input_files(folder)
    ds = load_local_dir(folder)
    tics = {st.tic_id for st in (*ds.tpf_by_sector.values(), *ds.lc_by_sector.values()) if st.tic_id is not None}
    if target["tic_id"] is not None and tics and target["tic_id"] not in tics:
        raise ValueError(f"tic_id {target['tic_id']} in the target table, but the files are of TIC "
                         f"{', '.join(map(str, sorted(tics)))}")
    res = vet_pixels(ds, (target["period_days"], target["t0_btjd"], target["duration_hours"]), network=network)
    d = vet_record(res, ds, source="local", path=folder, ephemeris_origin=EPHEMERIS_TABLE, files=files)
    d["batch"] = {"label": target["label"], "row": target["row"], "tic_id_given": target["tic_id"]}
    jpath = out / f"{target['name']}.json"
    atomic_write_bytes(jpath, (json.dumps(d, indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8"))
    row = summary_row(d)
    if row["tic_id"] is None:
        row["tic_id"] = target["tic_id"]
    row["json"] = jpath.name
    if figure:
        ppath = out / f"{target['name']}.png"
        _figure(res, ds, d, ppath)
        row["png"] = ppath.name if ppath.is_file() else ""
    return row
