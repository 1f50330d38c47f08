"""The ``"twin"`` dataset source: the simulated twin's FITS files through the verified cache.

Registers ``"twin"`` with :func:`toi5807.data.sources.register_source`; the
files are written by :mod:`toi5807.twin.fits` into ``persistent_cache/twin/<key>/``
and read back by the same reader as any local folder
(:func:`toi5807.data.local.load_local_dir`). **A simulation, not real TESS data.**
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from .. import target
from ..data.cache import cache_root, cached_directory, load_verified
from ..data.local import load_local_dir
from ..data.model import Dataset
from ..data.sources import LoadRequest, register_source

__all__ = ["twin_cache_key", "twin_directory"]


# ---------------------------------------------------------------------------------------------
# the digital twin (simulation) through the verified FITS cache
# ---------------------------------------------------------------------------------------------
def twin_cache_key(seed: int, scenario: str) -> str:
    """Deterministic cache key of a twin dataset: spec + generator version + seed + scenario."""
    from .spec import GENERATOR_VERSION, spec_hash

    payload = json.dumps({"spec": spec_hash(), "version": GENERATOR_VERSION,
                          "seed": int(seed), "scenario": scenario}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _twin_entry(seed: int, scenario: str):
    """Cache folder, builder, manifest metadata and expected file names of one twin dataset (a SIMULATION)."""
    from .fits import twin_file_names, write_twin_fits
    from .simulate import SCENARIOS
    from .spec import GENERATOR_VERSION

    if scenario not in SCENARIOS:
        raise ValueError(f"scenario: expected one of {list(SCENARIOS)}, got {scenario!r}")
    directory = cache_root() / "twin" / twin_cache_key(seed, scenario)

    def build(tmp: Path) -> None:
        write_twin_fits(tmp, seed=seed, scenario=scenario, sectors=target.SECTORS)

    metadata = {"seed": seed, "scenario": scenario, "generator_version": GENERATOR_VERSION}
    expected = sorted(name for s in target.SECTORS for name in twin_file_names(s).values())
    return directory, build, metadata, expected


def twin_directory(seed: int = 0, scenario: str = "planet") -> Path:
    """Verified cache folder with the twin's FITS files, generated if needed.

    The twin is a SIMULATION of TOI-5807 (see :mod:`toi5807.twin`).
    """
    directory, build, metadata, expected = _twin_entry(seed, scenario)
    return cached_directory(directory, build, expected=expected, metadata=metadata)[0]


def _load_twin(req: LoadRequest) -> Dataset:
    unknown = sorted(set(req.sectors) - set(target.SECTORS))
    if unknown:
        raise ValueError(f"sectors: the twin simulates sectors {list(target.SECTORS)} only, got {unknown}")
    directory, build, metadata, expected = _twin_entry(req.seed, req.scenario)
    meta = {"simulated": True, "scenario": req.scenario, "seed": req.seed}
    from .truth import twin_catalogue

    ds = load_verified(
        directory, build,
        lambda d: load_local_dir(d, list(req.sectors), source="twin", meta=meta, files=expected),
        expected=expected, metadata=metadata,
    )
    return dataclasses.replace(ds, catalogue=twin_catalogue(scenario=req.scenario))


register_source("twin", _load_twin)
