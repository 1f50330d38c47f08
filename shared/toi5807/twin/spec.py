"""The twin's specification: numbers derived from the real data (``twin_spec.json``) and its hash.

``twin_spec.json`` is written by ``tools/derive_twin_spec.py`` from the real
light curves and reference images: cadence grids, noise levels, fitted scene
parameters — numbers only, never flux values. Everything the twin simulates
starts from it (SIMULATION inputs).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["GENERATOR_VERSION", "load_spec", "spec_hash"]


#: Version of the simulator; part of :func:`spec_hash` (bump on any change of the generated numbers).
GENERATOR_VERSION: str = "2.1.0"


@lru_cache(maxsize=1)
def _spec_text() -> str:
    return resources.files("toi5807.twin").joinpath("twin_spec.json").read_text(encoding="utf-8")


def load_spec() -> dict[str, Any]:
    """The twin spec (``toi5807/twin/twin_spec.json``) as a fresh dict (SIMULATION inputs)."""
    return json.loads(_spec_text())


def spec_hash() -> str:
    """SHA-256 (hex) of the spec JSON and :data:`GENERATOR_VERSION`: identifies the simulated data."""
    h = hashlib.sha256(_spec_text().encode("utf-8"))
    h.update(b"\0generator=" + GENERATOR_VERSION.encode("ascii"))
    return h.hexdigest()


def _sector_spec(sector: Any) -> dict[str, Any]:
    if isinstance(sector, bool) or not isinstance(sector, (int, np.integer)):
        raise TypeError(f"sector: expected an int, got {type(sector).__name__}")
    spec = load_spec()["sectors"]
    if str(int(sector)) not in spec:
        raise ValueError(f"sector: unknown sector {sector}; the twin simulates {sorted(int(s) for s in spec)}")
    return spec[str(int(sector))]


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected a non-negative int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    return int(seed)


def _rng(seed: int, sector: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, sector, stream])
