"""Where the data come from: a pluggable registry of dataset sources.

``load_dataset()`` dispatches to a registered source:

- ``"tutorial"`` (default) — the real TOI-5807 data shipped inside the package, offline: the SPOC PDCSAP
  light curves of sectors 55, 75, 82, 83 and the sector-83 target pixel file (:mod:`toi5807.data.tutorial`);
  with ``network=True`` also the other sectors' pixels from MAST.
- ``"twin"`` — the simulated TOI-5807 digital twin, generated offline
  and cached as SPOC-style FITS files (registered by :mod:`toi5807.twin.source`).
  **A simulation, not real TESS data.**
- ``"mast"`` — the real SPOC 2-minute light curves and target pixel files,
  downloaded from MAST with lightkurve into the verified cache (:mod:`toi5807.data.mast`).
- ``"local"`` — a folder of per-sector files the user already has (:mod:`toi5807.data.local`).

All of them end in the same readers (:mod:`toi5807.data.readers`), so the twin, the
archive and a user's folder are read by one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import target
from .model import Dataset
from .validate import check_bool, check_int, check_path, check_sector, clip

__all__ = [
    "LoadRequest",
    "load_dataset",
    "register_source",
    "available_sources",
]


@dataclass(frozen=True)
class LoadRequest:
    """What the caller of :func:`load_dataset` asked for (passed to every source)."""

    path: Path | None
    seed: int
    scenario: str
    sectors: tuple[int, ...]
    network: bool


SourceLoader = Callable[[LoadRequest], Dataset]


_REGISTRY: dict[str, SourceLoader] = {}


def register_source(name: str, loader: SourceLoader) -> None:
    """Register (or replace) a dataset source under ``name``.

    Parameters
    ----------
    name : str
    loader : callable(LoadRequest) -> Dataset
    """
    if not isinstance(name, str) or not name:
        raise TypeError("source name must be a non-empty string")
    if not callable(loader):
        raise TypeError(f"loader for source {name!r} must be callable")
    _REGISTRY[name] = loader


def available_sources() -> tuple[str, ...]:
    """Names of the registered sources."""
    return tuple(sorted(_REGISTRY))


def _sectors_arg(sectors: Iterable[int] | None) -> tuple[int, ...]:
    if sectors is None:
        return target.SECTORS
    if isinstance(sectors, (int, str, bytes, np.integer)) or not isinstance(sectors, Iterable):
        raise TypeError(f"sectors: expected an iterable of ints such as (55, 75), got {clip(sectors)}")
    out = [check_sector(s, "sectors") for s in sectors]
    if not out:
        raise ValueError("sectors: expected at least one sector")
    return tuple(sorted(set(out)))


def load_dataset(
    source: str = "tutorial",
    *,
    path: str | Path | None = None,
    seed: int = 0,
    scenario: str = "planet",
    sectors: Iterable[int] | None = None,
    network: bool = False,
) -> Dataset:
    """Load TOI-5807's light curves and target pixel files from one source.

    Parameters
    ----------
    source : {"tutorial", "twin", "mast", "local"}, default "tutorial"
        ``"tutorial"`` is the real TOI-5807 data shipped with the package (offline: light curves of
        55/75/82/83, pixels of 83 only; ``network=True`` adds the other sectors' pixels from MAST);
        ``"twin"`` is a deterministic SIMULATION of TOI-5807 that works offline;
        ``"mast"`` downloads the real data (needs ``network=True`` unless cached);
        ``"local"`` reads the folder given by ``path``.
    path : str or Path, optional
        Folder for ``source="local"`` (non-empty; ``"."`` for the working folder).
    seed : int, default 0
        Twin only: seed of the noise and pointing-jitter draws (``"tutorial"`` refuses any other value).
    scenario : {"planet", "background_eb", "no_transit"}, default "planet"
        Twin only: where the transit signal is (``"tutorial"`` refuses any other value).
    sectors : iterable of int, optional
        Sectors to load (default: 55, 75, 82, 83).
    network : bool, default False
        Allow network access (MAST downloads; for ``"tutorial"``, the pixels it does not ship).
        Only ``True``/``False``: a string such as ``"false"`` is refused, not read as true.

    Returns
    -------
    Dataset
    """
    if not isinstance(source, str) or source not in _REGISTRY:
        raise ValueError(f"unknown source {clip(source)}; expected one of {list(available_sources())}")
    if not isinstance(scenario, str):
        raise TypeError(f"scenario: expected a string such as 'planet', got {type(scenario).__name__}")
    request = LoadRequest(
        path=None if path is None else check_path(path, "path"),
        seed=check_int(seed, "seed", 0, 2**63 - 1),
        scenario=scenario,
        sectors=_sectors_arg(sectors),
        network=check_bool(network, "network"),
    )
    return _REGISTRY[source](request)
