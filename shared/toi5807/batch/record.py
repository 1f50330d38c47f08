"""The vetting record of one target: what ``python -m toi5807 vet --json`` prints and ``vet-batch`` writes.

:func:`vet_record` turns a :class:`~toi5807.vetting.vet.PixelVetResult` and its dataset into the JSON-safe record
(the result's ``to_dict()`` plus the package version, where the ephemeris came from, the input files with
their SHA-256 and the dataset summary); :func:`input_files` lists a folder's data files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..data.files import sha256_file

__all__ = ["vet_record", "input_files", "catalogue_position", "DATA_SUFFIXES", "EPHEMERIS_GIVEN",
           "EPHEMERIS_CATALOGUE"]

#: File endings counted as data files of a folder (what the local source may read).
DATA_SUFFIXES = (".fits", ".fits.gz", ".fit", ".csv", ".csv.gz")
EPHEMERIS_GIVEN = "command line (--period, --t0, --duration)"
EPHEMERIS_CATALOGUE = "TOI-5807.01 catalogue (the files are TOI-5807's)"


def input_files(folder: str | os.PathLike | None) -> list[dict[str, Any]]:
    """Name, size (bytes) and SHA-256 of every data file in ``folder``, by name; ``[]`` without a folder.

    Parameters
    ----------
    folder : path or None

    Returns
    -------
    list of dict
        ``{"name", "bytes", "sha256"}`` per regular file ending in one of :data:`DATA_SUFFIXES`.
    """
    if not folder:
        return []
    out = []
    for name in sorted(os.listdir(folder)):
        path = Path(folder) / name
        if path.is_file() and name.lower().endswith(DATA_SUFFIXES):
            out.append({"name": name, "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    return out


def catalogue_position(t: dict) -> dict | None:
    """TOI-5807's catalogue position (step 01) beside the file's, when the files are TOI-5807's (else None)."""
    import math

    from .. import target

    if t.get("tic_id") != target.TIC_ID or t.get("ra_deg") is None or t.get("origin") != "file":
        return None
    dra = (target.RA_DEG - t["ra_deg"]) * math.cos(math.radians(target.DEC_DEG)) * 3600.0
    ddec = (target.DEC_DEG - t["dec_deg"]) * 3600.0
    return {"source": "TOI-5807 catalogue position (toi5807.target, step 01)", "ra_deg": target.RA_DEG,
            "dec_deg": target.DEC_DEG, "separation_arcsec": math.hypot(dra, ddec)}


def vet_record(result: Any, dataset: Any, *, source: str, path: str | os.PathLike | None,
               ephemeris_origin: str, files: list[dict[str, Any]] | None = None,
               run_date: str | None = None) -> dict[str, Any]:
    """The JSON-safe record of one vetting (``vet --json``).

    Parameters
    ----------
    result : PixelVetResult
    dataset : Dataset
        What was vetted (its ``summary()`` goes in ``input.dataset``).
    source : str
        The dataset source (``"local"``, ``"tutorial"`` ...).
    path : path or None
        The input folder (``--path``); its files are listed with their SHA-256 unless ``files`` is given.
    ephemeris_origin : str
        Where the ephemeris came from (:data:`EPHEMERIS_GIVEN`, :data:`EPHEMERIS_CATALOGUE` or a caller's text).
    files : list of dict, optional
        The input files, already hashed (:func:`input_files`).
    run_date : str, optional
        UTC date of the run (ISO 8601), recorded as ``run_date_utc``; omitted when None (reproducible records).

    Returns
    -------
    dict
        ``result.to_dict()`` plus ``toi5807_version``, ``run_date_utc`` (when given), ``ephemeris_origin``,
        ``input`` (source, absolute path, files, dataset summary, the files' data products and pipeline versions),
        ``sectors_vetted``, ``simulated_by_sector`` and, for TOI-5807's files, the catalogue position beside the
        file's (``target.catalogue_position``).
    """
    from .. import __version__
    from ..data.convert import dataset_products

    d = result.to_dict()
    d["toi5807_version"] = __version__
    if run_date:
        d["run_date_utc"] = run_date
    d["ephemeris_origin"] = ephemeris_origin
    d["input"] = {"source": source, "path": os.path.abspath(path) if path else None,
                  "files": input_files(path) if files is None else files, "dataset": dataset.summary(),
                  "products": dataset_products(dataset)}
    d["sectors_vetted"] = sorted(int(k) for k in d["sectors"])
    d["simulated_by_sector"] = {str(s): bool(st.simulated) for s, st in sorted(dataset.tpf_by_sector.items())}
    cp = catalogue_position(d.get("target") or {})
    if cp:
        d["target"]["catalogue_position"] = cp
    return d
