"""The target table of a batch: one row per star, validated with errors that name the row and the column.

A CSV file with a header line and the columns ``label,path,period_days,t0_btjd,duration_hours`` (any order,
more columns allowed and ignored) and optionally ``tic_id``; ``#`` lines are comments. ``path`` is a folder of
that star's files (SPOC TPFs and light curves, 20-second files, TESScut cutouts, gzipped or not), relative to
the CSV's folder unless absolute; it may be empty when ``tic_id`` is given and the run may use the network
(the files are then downloaded from MAST). Labels must be unique, also once made file-name safe.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Target", "TARGET_COLUMNS", "OPTIONAL_COLUMNS", "read_targets", "safe_label", "target_key"]

TARGET_COLUMNS = ("label", "path", "period_days", "t0_btjd", "duration_hours")
OPTIONAL_COLUMNS = ("tic_id",)
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_label(label: str) -> str:
    """``label`` as a file-name stem: runs of other characters than ``A-Z a-z 0-9 . _ + -`` become ``_``, no
    leading dot, at most 100 characters (``"TOI 5807.01/s83"`` → ``"TOI_5807.01_s83"``)."""
    out = _UNSAFE.sub("_", label.strip()).lstrip(".")[:100]
    return out or "target"


@dataclass(frozen=True)
class Target:
    """One row of the target table.

    Attributes
    ----------
    row : int
        Line number in the CSV (1 = the header line).
    label, name : str
        The label as given, and as a file-name stem (:func:`safe_label`).
    path : str or None
        Absolute folder of the star's files (None: download by ``tic_id``).
    period_days, t0_btjd, duration_hours : float
        Ephemeris: days, BTJD, hours.
    tic_id : int or None
    """

    row: int
    label: str
    name: str
    path: str | None
    period_days: float
    t0_btjd: float
    duration_hours: float
    tic_id: int | None = None

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return {k: getattr(self, k) for k in ("row", "label", "name", "path", "period_days", "t0_btjd",
                                              "duration_hours", "tic_id")}


def _number(text: str, where: str, column: str, *, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}, column {column}: expected a number, got {text[:40]!r}") from None
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{where}, column {column}: expected a {'positive ' if positive else ''}finite number, "
                         f"got {text[:40]!r}")
    return value


def _row(values: dict[str, str], line: int, base: Path, csv_name: str, network: bool) -> Target:
    where = f"{csv_name} row {line}"
    label = (values.get("label") or "").strip()
    if not label:
        raise ValueError(f"{where}, column label: empty; every target needs a label")
    period = _number(values["period_days"].strip(), where, "period_days", positive=True)
    t0 = _number(values["t0_btjd"].strip(), where, "t0_btjd", positive=False)
    if not -1000.0 < t0 < 10000.0:
        raise ValueError(f"{where}, column t0_btjd: {t0} is not a BTJD (BJD − 2457000; a Julian date such as "
                         "2460540.3 is 3540.3 BTJD)")
    duration = _number(values["duration_hours"].strip(), where, "duration_hours", positive=True)
    if duration > 0.2 * period * 24.0:
        raise ValueError(f"{where}, column duration_hours: {duration} h is over 20 % of the {period}-day period; "
                         "expected hours (not days)")
    tic_text = (values.get("tic_id") or "").strip()
    tic = None
    if tic_text:
        if not tic_text.isdigit() or int(tic_text) <= 0:
            raise ValueError(f"{where}, column tic_id: expected a positive integer, got {tic_text[:40]!r}")
        tic = int(tic_text)
    path_text = (values.get("path") or "").strip()
    if path_text:
        folder = Path(path_text).expanduser()
        folder = folder if folder.is_absolute() else base / folder
        path = str(folder.resolve())
    elif tic is None or not network:
        raise ValueError(f"{where}, column path: empty; give a folder of the star's files"
                         + ("" if network else " (or a tic_id and --network to download them)"))
    else:
        path = None
    return Target(row=line, label=label, name=safe_label(label), path=path, period_days=period, t0_btjd=t0,
                  duration_hours=duration, tic_id=tic)


def read_targets(csv_path: str | Path, *, network: bool = False) -> list[Target]:
    """Read and validate a target table (module docstring).

    Parameters
    ----------
    csv_path : str or Path
    network : bool
        Whether rows without a ``path`` may be downloaded by ``tic_id``.

    Returns
    -------
    list of Target
        In file order. A bad file, header, value or a repeated label → ``ValueError`` naming the row and column.
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise ValueError(f"{csv_path.name}: no such file (expected a CSV with columns {','.join(TARGET_COLUMNS)})")
    try:
        lines = csv_path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{csv_path.name}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not numbered:
        raise ValueError(f"{csv_path.name}: empty (expected a header line {','.join(TARGET_COLUMNS)} and rows)")
    reader = csv.reader([ln for _, ln in numbered])
    header = [h.strip() for h in next(reader)]
    missing = [c for c in TARGET_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{csv_path.name} row {numbered[0][0]} (header): missing column(s) {', '.join(missing)}; "
                         f"expected {','.join(TARGET_COLUMNS)}[,tic_id], got {','.join(header)[:200]}")
    if len(set(header)) != len(header):
        raise ValueError(f"{csv_path.name} row {numbered[0][0]} (header): a column is named twice")
    targets: list[Target] = []
    seen: dict[str, int] = {}
    for (line, _), cells in zip(numbered[1:], reader):
        if len(cells) != len(header):
            raise ValueError(f"{csv_path.name} row {line}: {len(cells)} cells, the header names {len(header)}")
        t = _row(dict(zip(header, cells)), line, csv_path.resolve().parent, csv_path.name, network)
        if t.name in seen:
            raise ValueError(f"{csv_path.name} row {line}, column label: {t.label!r} repeats the label of row "
                             f"{seen[t.name]} (as a file name: {t.name})")
        seen[t.name] = line
        targets.append(t)
    if not targets:
        raise ValueError(f"{csv_path.name}: a header but no targets")
    return targets


def target_key(target: Target, files: list[dict], version: str, network: bool) -> str:
    """SHA-256 of what decides a target's result: its input files' hashes, the ephemeris, ``tic_id``, the package
    version and whether the network was used. A rerun recomputes a target only when this changes."""
    blob = {"files": [[f["name"], f["sha256"]] for f in files], "period_days": repr(target.period_days),
            "t0_btjd": repr(target.t0_btjd), "duration_hours": repr(target.duration_hours),
            "tic_id": target.tic_id, "version": version, "network": bool(network)}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()
