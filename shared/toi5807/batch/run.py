"""A resumable batch on dask.distributed: every target a task, one results table, failures as rows.

:func:`run_batch` hashes each target's input files and ephemeris (:func:`~toi5807.batch.targets.target_key`),
reuses the rows of an earlier ``results.ecsv`` in the same folder whose key (files, ephemeris, ``tic_id``,
package version, network) is unchanged and whose JSON is still there, and sends the others to a Dask cluster:
a ``LocalCluster`` of ``workers`` processes with one thread each (and one BLAS thread), or an existing scheduler
(``scheduler="tcp://host:port"``). Results are collected as they complete (a tqdm bar; ``TQDM_DISABLE=1``
silences it) and written atomically to ``results.ecsv`` in target order.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.files import atomic_write_bytes
from .record import input_files
from .targets import Target, target_key
from .worker import vet_target

__all__ = ["run_batch", "BatchSummary", "RESULTS_NAME", "COLUMNS"]

RESULTS_NAME = "results.ecsv"
#: Columns of ``results.ecsv``: name → (kind, unit, description).
COLUMNS: dict[str, tuple[str, str | None, str]] = {
    "label": ("str", None, "target label as given"),
    "name": ("str", None, "label as a file name (DIR/<name>.json, .png)"),
    "tic_id": ("int", None, "TIC ID (from the files, else the table)"),
    "period_days": ("float", "d", "orbital period"),
    "t0_btjd": ("float", "d", "mid-transit time, BTJD (BJD - 2457000)"),
    "duration_hours": ("float", "h", "transit duration"),
    "verdict": ("str", None, "PASS / WARN / FAIL; empty for an error row"),
    "reason": ("str", None, "why"),
    "source_offset": ("float", "arcsec", "fitted source position from the target (combined over sectors)"),
    "source_offset_sigma": ("float", None, "that offset in units of its nominal uncertainty (sigma)"),
    "source_offset_sigma_calibrated": ("float", None, "the offset's significance against the target's own empty "
                                                      "epochs (sigma), when calibrated"),
    "calibrated": ("bool", None, "the verdict's statistics were calibrated on the target's own pixels"),
    "v08": ("str", None, "V08 centroid shift per sector: milli-pixels and sigma"),
    "v08_max_sigma": ("float", None, "largest V08 significance over sectors (sigma)"),
    "v10": ("str", None, "V10 verdict per sector, when the vetting gives one"),
    "n_sectors": ("int", None, "sectors with pixels vetted"),
    "error": ("str", None, "empty when vetted; else the target, its folder and the reason"),
    "runtime": ("float", "s", "wall time of this target's vetting"),
    "input_sha256": ("str", None, "input files as name=sha256, separated by ';'"),
    "input_key": ("str", None, "SHA-256 of files, ephemeris, tic_id, version: a rerun reuses equal keys"),
    "json": ("str", None, "the vet --json record, in DIR"),
    "png": ("str", None, "the summary figure, in DIR"),
    "version": ("str", None, "toi5807 version that vetted it"),
}


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did.

    Attributes
    ----------
    table_path : Path
        ``DIR/results.ecsv``.
    n_targets, n_vetted, n_reused, n_errors : int
        Targets; vetted in this run; taken from the earlier table; error rows (this run or reused).
    runtime_s : float
        Wall time of the whole run, s.
    verdicts : dict
        ``{"PASS": n, "WARN": n, "FAIL": n}`` over the rows.
    rows : list of dict
        The rows, in target order.
    """

    table_path: Path
    n_targets: int
    n_vetted: int
    n_reused: int
    n_errors: int
    runtime_s: float
    verdicts: dict[str, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (without the rows)."""
        return {"table": str(self.table_path), "n_targets": self.n_targets, "n_vetted": self.n_vetted,
                "n_reused": self.n_reused, "n_errors": self.n_errors, "runtime_s": self.runtime_s,
                "verdicts": dict(self.verdicts)}

    def __repr__(self) -> str:
        v = ", ".join(f"{k} {n}" for k, n in self.verdicts.items())
        return (f"BatchSummary({self.n_targets} targets: {v}, {self.n_errors} errors; {self.n_vetted} vetted, "
                f"{self.n_reused} reused, {self.runtime_s:.1f} s)")


def _to_table(rows: list[dict[str, Any]]):
    from astropy.table import MaskedColumn, Table

    cols = []
    for name, (kind, unit, desc) in COLUMNS.items():
        values = [r.get(name) for r in rows]
        if kind == "str":
            cols.append(MaskedColumn([str(v or "") for v in values], name=name, dtype=str, description=desc))
            continue
        mask = np.array([v is None or (isinstance(v, float) and not np.isfinite(v)) for v in values], dtype=bool)
        dtype = {"int": np.int64, "float": np.float64, "bool": bool}[kind]
        fill = {"int": 0, "float": 0.0, "bool": False}[kind]
        data = np.array([fill if m else v for v, m in zip(values, mask)], dtype=dtype)
        cols.append(MaskedColumn(data, mask=mask, name=name, unit=unit, description=desc))
    return Table(cols, meta={"comments": ["toi5807 vet-batch results: one row per target"]})


def _write_table(rows: list[dict[str, Any]], path: Path) -> None:
    buf = io.StringIO()
    _to_table(rows).write(buf, format="ascii.ecsv")
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def read_results(path: str | Path) -> dict[str, dict[str, Any]]:
    """The rows of a ``results.ecsv`` by target ``name`` (masked values as None); ``{}`` when unreadable."""
    from astropy.table import Table

    try:
        table = Table.read(str(path), format="ascii.ecsv")
    except Exception:  # noqa: BLE001 - a damaged or old table is recomputed, not trusted
        return {}
    if set(COLUMNS) - set(table.colnames):  # written by an older layout: recompute
        return {}
    out = {}
    for rec in table:
        row = {}
        for name in table.colnames:
            v = rec[name]
            row[name] = None if np.ma.is_masked(v) else (v.item() if hasattr(v, "item") else v)
        out[str(row.get("name"))] = row
    return out


def _base_row(t: Target, files: list[dict[str, Any]], key: str, version: str) -> dict[str, Any]:
    return {"label": t.label, "name": t.name, "tic_id": t.tic_id, "period_days": t.period_days,
            "t0_btjd": t.t0_btjd, "duration_hours": t.duration_hours, "input_key": key, "version": version,
            "input_sha256": ";".join(f"{f['name']}={f['sha256']}" for f in files)}


def _reusable(old: dict[str, Any] | None, key: str, out: Path) -> bool:
    if old is None or old.get("input_key") != key:
        return False
    return bool(old.get("error")) or bool(old.get("json")) and (out / str(old["json"])).is_file()


def _client(workers: int, scheduler: str | None, processes: bool):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    kw: dict[str, Any] = {"n_workers": workers, "threads_per_worker": 1, "processes": processes,
                          "dashboard_address": None}
    if processes:  # loopback only; one BLAS thread per worker process (also set inside every task)
        kw.update(host="127.0.0.1", env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                                         "MKL_NUM_THREADS": "1"})
    cluster = LocalCluster(**kw)
    return Client(cluster), cluster


def run_batch(targets: list[Target], out_dir: str | Path, *, workers: int = 2, scheduler: str | None = None,
              processes: bool = True, network: bool = False, force: bool = False, figures: bool = True,
              progress: bool = True) -> BatchSummary:
    """Vet every target on a Dask cluster; write ``DIR/results.ecsv``, ``DIR/<name>.json`` and ``.png``.

    Parameters
    ----------
    targets : list of Target
        From :func:`~toi5807.batch.targets.read_targets`.
    out_dir : str or Path
        Output folder (made if absent); an earlier run's table there is reused where inputs are unchanged.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); its workers must import ``toi5807``.
    processes : bool
        Local cluster of processes (default) or of threads in this process (tests).
    network, force, figures, progress : bool
        Allow MAST/Gaia queries; recompute every row; write the figures; show a progress bar.

    Returns
    -------
    BatchSummary
    """
    from .. import __version__

    if workers < 1:
        raise ValueError(f"workers: expected at least 1 worker, got {workers}")
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    old = {} if force else read_results(out / RESULTS_NAME)
    rows: dict[str, dict[str, Any]] = {}
    todo: list[tuple[Target, list[dict[str, Any]]]] = []
    n_reused = 0
    for t in targets:
        try:
            files = input_files(t.path) if t.path else []
            if t.path and not files:
                raise ValueError(f"{t.path}: no data files in the folder (expected *.fits, *.fits.gz, *.csv)")
        except (OSError, ValueError) as exc:
            row = _base_row(t, [], "", __version__)
            row.update(error=f"{t.label} ({t.path}): {type(exc).__name__}: {' '.join(str(exc).split())}"[:600],
                       runtime_s=0.0)
            rows[t.name] = row
            continue
        key = target_key(t, files, __version__, network)
        if _reusable(old.get(t.name), key, out):
            rows[t.name] = {**old[t.name], "label": t.label}
            n_reused += 1
            continue
        rows[t.name] = _base_row(t, files, key, __version__)
        todo.append((t, files))
    if todo:
        for name, result in _compute(todo, out, workers, scheduler, processes, network, figures, progress).items():
            rows[name].update(result)
    ordered = [rows[t.name] for t in targets]
    for r in ordered:
        if "runtime_s" in r:
            r["runtime"] = r.pop("runtime_s")
    _write_table(ordered, out / RESULTS_NAME)
    verdicts = {v: sum(1 for r in ordered if r.get("verdict") == v and not r.get("error"))
                for v in ("PASS", "WARN", "FAIL")}
    return BatchSummary(table_path=out / RESULTS_NAME, n_targets=len(targets), n_vetted=len(todo),
                        n_reused=n_reused, n_errors=sum(1 for r in ordered if r.get("error")),
                        runtime_s=time.perf_counter() - t_start, verdicts=verdicts, rows=ordered)


def _compute(todo, out: Path, workers: int, scheduler: str | None, processes: bool, network: bool, figures: bool,
             progress: bool) -> dict[str, dict[str, Any]]:
    from distributed import as_completed
    from tqdm.auto import tqdm

    client, cluster = _client(workers, scheduler, processes)
    done: dict[str, dict[str, Any]] = {}
    try:
        futures = {}
        for t, files in todo:
            fut = client.submit(vet_target, t.to_dict(), files, str(out.resolve()), network, figures,
                                key=f"vet-{t.name}-{time.time_ns()}", pure=False)
            futures[fut] = (t, files)
        for fut in tqdm(as_completed(futures), total=len(futures), desc="vet-batch", unit="target",
                        disable=not progress or None):
            t, files = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker lost or killed: the row says so
                result = {"error": f"{t.label} ({t.path}): {type(exc).__name__}: {exc}"[:600], "runtime_s": 0.0}
            result.pop("traceback", None)
            done[t.name] = result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return done
