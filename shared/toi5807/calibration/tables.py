"""Reading the calibration results, and small twin experiments for the notebooks.

:func:`load_calibration` reads the committed JSON of ``python -m toi5807
calibrate`` (refusing a file of an older layout, which must be rebuilt);
:func:`calibration_summary` gives its headline numbers;
:func:`significance_methods_table` and :func:`estimator_outlier_demo` run V08
variants side by side on one dataset.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..lightcurve import coerce_transit_params, transit_window_masks
from ..report import json_safe
from ..centroid.config import CentroidShiftConfig
from ..centroid.shift import compute_centroid_shift
from ..centroid.significance import SIGNIFICANCE_METHODS
from .injection import INJECTION_SCHEMA_VERSION
from .null import default_switch_decision

__all__ = [
    "CALIBRATION_STEP",
    "NULL_FILE",
    "INJECTION_FILE",
    "LOCALIZATION_FILE",
    "CALIBRATION_SCHEMA_VERSIONS",
    "load_calibration",
    "calibration_summary",
    "significance_methods_table",
    "estimator_outlier_demo",
]


#: Folder name (under ``artifacts/<slug>/``) of the cached results.
CALIBRATION_STEP: str = "calibration"


NULL_FILE: str = "null_calibration.json"


INJECTION_FILE: str = "injection_recovery.json"


#: ``schema_version`` each cached file must carry (a file without the key is version 1).
#: File of the difference-image localization calibration (``python -m toi5807 vet --calibrate-twin``).
LOCALIZATION_FILE: str = "localization_calibration.json"

CALIBRATION_SCHEMA_VERSIONS: dict[str, int] = {NULL_FILE: 1, INJECTION_FILE: INJECTION_SCHEMA_VERSION,
                                               LOCALIZATION_FILE: 1}


def load_calibration(name: str = NULL_FILE, *, root: str | Path | None = None) -> dict[str, Any]:
    """Read a cached calibration result (committed copy under ``artifacts/``).

    Parameters
    ----------
    name : str
        :data:`NULL_FILE`, :data:`INJECTION_FILE` or :data:`LOCALIZATION_FILE`.

    Raises
    ------
    FileNotFoundError
        With the command that creates it.
    ValueError
        When the file's ``schema_version`` is not :data:`CALIBRATION_SCHEMA_VERSIONS` ``[name]`` (a cache
        written by an older package, e.g. injection separations in pixels): rebuild it, it is not converted.
    """
    from ..data.paths import TUTORIAL_SLUG, repo_root

    if name not in CALIBRATION_SCHEMA_VERSIONS:
        raise ValueError(f"name: expected one of {sorted(CALIBRATION_SCHEMA_VERSIONS)}, got {str(name)[:200]!r}")
    command = "python -m toi5807 " + ("vet --calibrate-twin" if name == LOCALIZATION_FILE else "calibrate")
    path = repo_root(root) / "artifacts" / TUTORIAL_SLUG / CALIBRATION_STEP / name
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} not found under artifacts/: run `{command}` first")
    data = json.loads(path.read_text(encoding="utf-8"))
    found, expected = data.get("schema_version", 1), CALIBRATION_SCHEMA_VERSIONS[name]
    if found != expected:
        raise ValueError(f"{path.name}: stale calibration cache with schema_version {str(found)[:200]}, expected "
                         f"{expected}: rebuild it with `{command}`")
    return data


# ---------------------------------------------------------------------------------------------
# small twin experiments for the notebooks
# ---------------------------------------------------------------------------------------------
def significance_methods_table(ds: Any, candidate: Any, *, config: CentroidShiftConfig | None = None) -> dict[str, Any]:
    """V08 σ of every significance method in every sector (same shift, different null models).

    Parameters
    ----------
    ds : Dataset or mapping sector -> TPFStamp
    candidate : Candidate, Ephemeris or TransitParams
    config : CentroidShiftConfig, optional

    Returns
    -------
    dict
        ``{sector: {"shift_mpx": ..., method: σ, ...}}`` (sector keys as strings).
    """
    cfg = config if config is not None else CentroidShiftConfig()
    tp = coerce_transit_params(candidate)
    out: dict[str, Any] = {}
    for s, st in sorted(getattr(ds, "tpf_by_sector", ds).items()):
        row: dict[str, Any] = {}
        for m in SIGNIFICANCE_METHODS:
            r = compute_centroid_shift(st.flux, st.time, tp, config=dataclasses.replace(cfg, significance_method=m),
                                       quality=st.quality, wcs=getattr(st, "wcs", None))
            row[m] = r.significance_sigma
            row["shift_mpx"] = r.centroid_shift_pixels * 1e3
        out[str(s)] = row
    return json_safe(out, sig=None)


def estimator_outlier_demo(stamp: Any, candidate: Any, *, fraction: float = 0.05, amplitude_e_per_s: float = 3000.0,
                           seed: int = 0) -> dict[str, Any]:
    """How mean, median and Huber centroids react to cosmic-ray-like outliers in transit.

    A fraction of the in-transit cadences get one bright pixel hit at the
    stamp's corner (``amplitude_e_per_s``), which drags the flux-weighted
    centroid of those cadences; the shift is then measured with each estimator
    (analytic σ). Seeded with ``numpy.random.default_rng(seed)``.

    Returns
    -------
    dict
        ``{"clean": {method: {"shift_mpx", "sigma"}}, "with_outliers": {...}, "n_hit": int,
        "significance_method": "analytic"}`` — the fast per-cadence σ, which reacts to the estimator alone.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction: expected 0 < fraction < 1, got {fraction}")
    tp = coerce_transit_params(candidate)
    rng = np.random.default_rng(seed)
    in_w, _ = transit_window_masks(stamp.time, tp)
    idx = np.flatnonzero(in_w)
    hit = rng.choice(idx, size=max(1, int(round(fraction * idx.size))), replace=False)
    dirty = np.array(stamp.flux, dtype=float)
    dirty[hit, 0, 0] += amplitude_e_per_s
    out: dict[str, Any] = {"n_hit": int(hit.size), "n_in_transit": int(idx.size), "significance_method": "analytic"}
    for label, cube in (("clean", stamp.flux), ("with_outliers", dirty)):
        out[label] = {}
        for m in ("mean", "median", "huber"):
            r = compute_centroid_shift(cube, stamp.time, tp, quality=stamp.quality, centroid_method=m,
                                       significance_method="analytic", wcs=getattr(stamp, "wcs", None))
            out[label][m] = {"shift_mpx": r.centroid_shift_pixels * 1e3, "sigma": r.significance_sigma,
                             "n_outliers_rejected": r.n_outliers_rejected}
    return json_safe(out, sig=None)


def calibration_summary(null: Mapping[str, Any], injection: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Headline numbers of the cached studies: FAR at 3σ per method (with 99 % CI), KS p, sensitivity.

    Parameters
    ----------
    null : mapping
        ``null_calibration.json``.
    injection : mapping, optional
        ``injection_recovery.json``.
    """
    out: dict[str, Any] = {
        "n_trials": {m: c["n_trials"] for m, c in null["methods"].items()},
        "far_3sigma_percent": {m: 100 * c["far_3sigma"] for m, c in null["methods"].items()},
        "far_ci99_percent": {m: [100 * v for v in c["far_ci99"]] for m, c in null["methods"].items()},
        "ks_p_value": {m: c["ks_p_value"] for m, c in null["methods"].items()},
        "nominal_far_3sigma_percent": 100 * null["nominal_far_3sigma"],
        "default_switch": default_switch_decision(null),
        "sectors": null["sectors"], "seeds": null["seeds"],
    }
    if injection is not None:
        out["sensitivity"] = {
            "separations_arcsec": list(injection["separations_arcsec"]),
            "detection_per_sector": injection["detection_per_sector"],
            "detection_combined": injection["detection_combined"],
            "method": injection["method"], "depth_ppm": injection["depth_ppm"],
        }
    return out
