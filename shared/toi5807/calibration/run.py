"""The ``python -m toi5807 calibrate`` command: run both studies and cache their JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import target as _target
from ..data.cache import atomic_write_bytes
from ..data.paths import artifact_dirs, repo_relative
from ..report import json_safe
from ..twin.spec import spec_hash
from ..centroid.config import CentroidShiftConfig
from .injection import injection_recovery
from .null import default_switch_decision, null_calibration
from .tables import CALIBRATION_STEP, INJECTION_FILE, NULL_FILE

__all__ = ["run_calibration"]


# ---------------------------------------------------------------------------------------------
# the `calibrate` command
# ---------------------------------------------------------------------------------------------
def _write_json(obj: Any, paths: Iterable[Path]) -> None:
    text = json.dumps(json_safe(obj, sig=6), indent=2, sort_keys=True, allow_nan=False) + "\n"
    for p in paths:
        atomic_write_bytes(Path(p), text.encode("utf-8"))


def run_calibration(*, quick: bool = False, n_seeds: int | None = None, sectors: Iterable[int] | None = None,
                    n_injection_seeds: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Run both studies and cache their JSON (the ``python -m toi5807 calibrate`` command).

    Full run: 200 null seeds (1000–1199) × all four sectors; injection seeds
    2000–2004 × 8 separations (5–60″) × 4 position angles × four sectors. ``quick``:
    10 null seeds × 1 sector, 1 injection seed × 3 separations (10, 30, 60″) × 2 PAs, written
    only to the run folder (``persistent_cache/``) with a ``quick_`` prefix.

    Returns
    -------
    dict
        Repo-relative paths written, runtimes and the default-switch decision.
    """
    secs = list(_target.SECTORS) if sectors is None else [int(s) for s in sectors]
    if quick:
        n_null, secs_null, n_inj = n_seeds or 10, secs[-1:], n_injection_seeds or 1
        seps, pas = (10.0, 30.0, 60.0), (0.0, 90.0)
    else:
        n_null, secs_null, n_inj = n_seeds or 200, secs, n_injection_seeds or 5
        seps, pas = (5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0), (0.0, 90.0, 180.0, 270.0)
    run_dir, docs_dir = artifact_dirs(CALIBRATION_STEP)
    prefix = "quick_" if quick else ""
    dirs = (run_dir,) if quick else (run_dir, docs_dir)
    null = null_calibration(range(1000, 1000 + n_null), secs_null, progress=progress)
    decision = default_switch_decision(null)
    null_d = null.to_dict()
    null_d["default_switch"] = decision
    null_d["package_default_method"] = CentroidShiftConfig().significance_method
    null_d["twin_spec_hash"] = spec_hash()
    _write_json(null_d, [d / f"{prefix}{NULL_FILE}" for d in dirs])
    inj = injection_recovery(range(2000, 2000 + n_inj), secs, seps, pas,
                             config=CentroidShiftConfig(significance_method="empirical"), progress=progress)
    inj_d = inj.to_dict()
    inj_d["twin_spec_hash"] = spec_hash()
    _write_json(inj_d, [d / f"{prefix}{INJECTION_FILE}" for d in dirs])
    return {
        "written": [repo_relative(d / f"{prefix}{f}") for d in dirs for f in (NULL_FILE, INJECTION_FILE)],
        "null_runtime_s": round(null.runtime_s, 1), "injection_runtime_s": round(inj.runtime_s, 1),
        "default_switch": decision,
    }
