"""The twin's cadence grids: every real 2-minute cadence of each orbit, with SPOC-like quality flags (SIMULATION).

Cadences missing from the real light curve carry SPOC quality bits 32
(momentum dump, short runs) or 128 (manual exclude), so that after
lightkurve's default bitmask the times equal the real light curve's times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import _sector_spec

__all__ = ["CadenceGrid", "cadence_grid", "QUALITY_DESAT", "QUALITY_MANUAL_EXCLUDE"]


QUALITY_DESAT: int = 32


QUALITY_MANUAL_EXCLUDE: int = 128


# ------------------------------------------------------------------ cadence grid
@dataclass(frozen=True, eq=False)
class CadenceGrid:
    """Cadences of one simulated sector (all 2-minute cadences inside the orbits).

    Attributes
    ----------
    index : ndarray of int64
        Cadence index from the sector's first real cadence.
    time : ndarray
        Mid-cadence time, BTJD (days).
    quality : ndarray of int32
        SPOC quality bits (32 = momentum dump, 128 = manual exclude; 0 = good).
    orbit : ndarray of int32
        Orbit (data segment) number, 0-based.
    dump : ndarray of bool
        True at the first cadence of each simulated momentum dump.
    """

    index: np.ndarray
    time: np.ndarray
    quality: np.ndarray
    orbit: np.ndarray
    dump: np.ndarray


def cadence_grid(sector: int) -> CadenceGrid:
    """The simulated cadence grid of a sector, from the spec (SIMULATION of the real grid).

    Parameters
    ----------
    sector : int

    Returns
    -------
    CadenceGrid
    """
    cad = _sector_spec(sector)["cadence"]
    idx_parts, time_parts, orb_parts = [], [], []
    for k, ((a, b), coef) in enumerate(zip(cad["orbits"], cad["orbit_time_poly_coef"])):
        idx = np.arange(a, b + 1, dtype=np.int64)
        poly = np.polynomial.Polynomial(coef, domain=[a, b], window=[-1, 1])
        idx_parts.append(idx)
        time_parts.append(poly(idx.astype(np.float64)))
        orb_parts.append(np.full(idx.size, k, dtype=np.int32))
    index = np.concatenate(idx_parts)
    quality = np.zeros(index.size, dtype=np.int32)
    dump = np.zeros(index.size, dtype=bool)
    # missing runs lie inside orbits: map their cadence index to the array position
    runs = np.asarray(cad["missing_runs"], dtype=np.int64).reshape(-1, 2)
    if runs.size:
        starts = np.searchsorted(index, runs[:, 0])
        lengths = runs[:, 1]
        is_dump = lengths <= int(cad["dump_max_cadences"])
        flag = np.where(is_dump, QUALITY_DESAT, QUALITY_MANUAL_EXCLUDE).astype(np.int32)
        pos = np.repeat(starts, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
        quality[pos] = np.repeat(flag, lengths)
        dump[starts[is_dump]] = True
    for arr in (index, quality, dump):
        arr.setflags(write=False)
    orbit = np.concatenate(orb_parts)
    time = np.concatenate(time_parts)
    orbit.setflags(write=False)
    time.setflags(write=False)
    return CadenceGrid(index=index, time=time, quality=quality, orbit=orbit, dump=dump)
