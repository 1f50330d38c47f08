"""The twin's pointing model: how the scene moves and breathes on the detector, cadence by cadence (SIMULATION).

Every star of the stamp moves together by the offsets built here; the PSF width is scaled by the
breathing factor. Each part has a physical origin and an amplitude from the spec's ``noise_model.pointing``
block, fitted to the real sector-83 pixels by ``tools/calibrate_twin_noise.py``; ``settle_px``, ``drift_px`` and
``orbit_offset_px`` were refitted to the real s83 TPF, see ``benchmarks/twin_vs_reference.py`` (the spec's
``noise_model.refit`` says how):

* **white jitter** — reaction-wheel and guiding noise averaged over the 2-min cadence: independent per cadence;
* **correlated jitter** — the slower part of the same attitude-control noise: an Ornstein–Uhlenbeck process
  (time constant of hours);
* **orbit drift** — differential velocity aberration and thermal flexure change the plate solution smoothly
  over each 13.7-day orbit: first- and second-order Legendre terms in orbit time with a random mix;
* **settling** — after each data downlink the spacecraft re-points and re-thermalises: an exponential
  relaxation, large at the start of an orbit, smaller after the mid-orbit downlink. Its fitted amplitude is now
  0: its 29–58-mpx transients made the twin's per-cadence centroids fall beyond 3 robust σ at 1.7 % of the
  cadences (mean of seeds 0–3; real s83: 0.006 %), which the real series does not show;
* **jumps** — momentum dumps (short flagged runs in the real cadence grid) move the pointing by a little,
  the rare long flagged interruptions inside a data segment by a lot (one such jump of ≈20 mpx is seen in the
  real sector-83 pixels);
* **orbit offset** — after each orbit-start downlink the spacecraft re-acquires its guide stars and holds a
  slightly different attitude for the whole orbit: a constant offset per orbit (the real sector-83 column
  centroid sits 37 mpx apart in its two orbits, the row 16 mpx; ``orbit_offset_px`` = (20, 10) mpx gives a
  mean of 28/15 mpx over seeds 0–5, with the drift rescaled to keep the 6-h wander). With a 14.24-d period
  the two transits of a sector fall in different orbits, so this offset is what a whole-sector in/out centroid
  comparison sees between them. A sector with one orbit per segment (sector 55) gets one offset per segment;
* **breathing** — focus changes with the same thermal history: the PSF width relaxes after each downlink and
  drifts over the orbit (a fraction of a per cent).

Segments are the cadence grid's data segments; a sector with four segments has two orbits (segments 0 and 2
start an orbit, 1 and 3 follow a mid-orbit downlink), a sector with two segments has one orbit per segment.
All draws come from the generator passed in (seeded by the caller). Vectorised: the correlated jitter is a
linear filter, everything else closed-form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.signal import lfilter

from .cadence import QUALITY_MANUAL_EXCLUDE, CadenceGrid

__all__ = ["PointingModel", "Pointing", "pointing_model", "simulate_pointing", "COMPONENTS"]

#: Names of the pointing components, in the order they are summed.
COMPONENTS = ("white", "correlated", "drift", "settling", "jumps", "orbit offset")
#: Long flagged runs inside a segment (cadences) that count as a large pointing interruption.
_LONG_EXCLUSION_CADENCES = 10


@dataclass(frozen=True)
class PointingModel:
    """Amplitudes of the pointing model (pixels per axis as (column, row), times in days).

    Attributes
    ----------
    white_px : (float, float)
        1σ white jitter per cadence.
    correlated_px : (float, float)
        1σ of the Ornstein–Uhlenbeck jitter; ``correlated_tau_days`` its time constant.
    drift_px : (float, float)
        Amplitude of the per-orbit drift (Legendre P1/P2 mix of unit norm).
    settle_px : (float, float)
        Amplitude of the exponential settling at an orbit start; ``settle_mid_fraction`` of it after a
        mid-orbit downlink; ``settle_tau_days`` its time constant.
    dump_jump_px, long_jump_px : float
        1σ per axis of the jump at a momentum dump and at a long flagged interruption inside a segment.
    breathing : float
        Amplitude of the relative PSF-width change (settling and orbit drift share the thermal shapes).
    orbit_offset_px : (float, float)
        1σ of the constant offset of each orbit (default none).
    """

    white_px: tuple[float, float]
    correlated_px: tuple[float, float]
    correlated_tau_days: float
    drift_px: tuple[float, float]
    settle_px: tuple[float, float]
    settle_mid_fraction: float
    settle_tau_days: float
    dump_jump_px: float
    long_jump_px: float
    breathing: float
    orbit_offset_px: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            vals = np.atleast_1d(np.asarray(value, dtype=float))
            if not np.all(np.isfinite(vals)) or np.any(vals < 0):
                raise ValueError(f"noise_model.pointing.{name}: expected finite values >= 0, got {value!r}")
        for name in ("correlated_tau_days", "settle_tau_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"noise_model.pointing.{name}: expected > 0 days, got {getattr(self, name)}")


@dataclass(frozen=True, eq=False)
class Pointing:
    """One sector's simulated pointing (SIMULATION).

    Attributes
    ----------
    dcol, drow : ndarray, shape (n,)
        Offset of the whole scene, pixels.
    width_scale : ndarray, shape (n,)
        Factor on every PSF width (1 = nominal focus).
    components : mapping name -> ndarray, shape (2, n)
        The parts of (dcol, drow), pixels, in :data:`COMPONENTS` order; they sum to (dcol, drow).
    """

    dcol: np.ndarray
    drow: np.ndarray
    width_scale: np.ndarray
    components: Mapping[str, np.ndarray] = field(repr=False)


def pointing_model(spec: Mapping[str, Any]) -> PointingModel:
    """The :class:`PointingModel` of the spec's ``noise_model.pointing`` block."""
    block = dict(spec["noise_model"]["pointing"])
    pairs = ("white_px", "correlated_px", "drift_px", "settle_px", "orbit_offset_px")
    return PointingModel(**{k: (tuple(float(x) for x in v) if k in pairs else float(v)) for k, v in block.items()})


def _segments(grid: CadenceGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cadence: time since its segment started (days), orbit time in [-1, 1], and whether its segment
    starts an orbit."""
    seg = np.asarray(grid.orbit)
    n_seg = int(seg.max()) + 1
    first = np.array([grid.time[seg == k].min() for k in range(n_seg)])
    last = np.array([grid.time[seg == k].max() for k in range(n_seg)])
    per_orbit = 2 if n_seg >= 4 else 1
    orbit = seg // per_orbit
    o_first = np.array([first[k * per_orbit] for k in range(int(orbit.max()) + 1)])
    o_last = np.array([last[min(k * per_orbit + per_orbit - 1, n_seg - 1)] for k in range(int(orbit.max()) + 1)])
    u = 2.0 * (grid.time - o_first[orbit]) / (o_last - o_first)[orbit] - 1.0
    return grid.time - first[seg], u, (seg % per_orbit) == 0


def _jump_starts(grid: CadenceGrid) -> tuple[np.ndarray, np.ndarray]:
    """Cadence indices where a momentum dump ends (small jump) and where a long flagged run inside a segment
    ends (large jump)."""
    q = np.asarray(grid.quality)
    excluded = (q & QUALITY_MANUAL_EXCLUDE) != 0
    start = np.flatnonzero(np.diff(excluded.astype(np.int8)) == 1) + 1
    stop = np.flatnonzero(np.diff(excluded.astype(np.int8)) == -1) + 1
    if excluded[0]:
        start = np.concatenate([[0], start])
    stop = stop[stop > start[0]] if start.size else stop
    runs = [(a, b) for a, b in zip(start, stop) if b - a >= _LONG_EXCLUSION_CADENCES
            and grid.orbit[a] == grid.orbit[min(b, q.size - 1)]]
    return np.flatnonzero(grid.dump), np.array([b for _, b in runs], dtype=np.int64)


def simulate_pointing(grid: CadenceGrid, model: PointingModel, rng: np.random.Generator) -> Pointing:
    """Draw one sector's pointing offsets and PSF breathing from ``model`` (SIMULATION).

    Parameters
    ----------
    grid : CadenceGrid
        The sector's cadences (times in BTJD days; segments, dumps and flagged runs).
    model : PointingModel
    rng : numpy.random.Generator
        Seeded by the caller; the draw order is fixed, so a seed gives one pointing history.

    Returns
    -------
    Pointing
    """
    n = grid.time.size
    seg = np.asarray(grid.orbit)
    n_seg = int(seg.max()) + 1
    since, u, orbit_start = _segments(grid)
    dumps, long_runs = _jump_starts(grid)
    p1, p2 = u, 1.5 * u * u - 0.5
    dt = np.median(np.diff(grid.time))
    rho = float(np.exp(-dt / model.correlated_tau_days))
    settle_shape = np.exp(-since / model.settle_tau_days) * np.where(orbit_start, 1.0, model.settle_mid_fraction)
    parts = {name: np.zeros((2, n)) for name in COMPONENTS}
    n_orbits = int(np.ceil(n_seg / (2 if n_seg >= 4 else 1)))
    for axis in range(2):
        parts["white"][axis] = rng.normal(0.0, model.white_px[axis], n)
        innov = rng.normal(0.0, model.correlated_px[axis] * np.sqrt(1.0 - rho * rho), n)
        parts["correlated"][axis] = lfilter([1.0], [1.0, -rho], innov)
        phase = rng.uniform(0.0, 2.0 * np.pi, n_orbits)
        orbit = np.minimum((seg // (2 if n_seg >= 4 else 1)), n_orbits - 1)
        parts["drift"][axis] = model.drift_px[axis] * (np.cos(phase)[orbit] * p1 + np.sin(phase)[orbit] * p2)
        amp = rng.uniform(0.5, 1.0, n_seg) * rng.choice([-1.0, 1.0], n_seg) * model.settle_px[axis]
        parts["settling"][axis] = amp[seg] * settle_shape
        steps = np.zeros(n)
        steps[dumps] = rng.normal(0.0, model.dump_jump_px, dumps.size)
        steps[long_runs] = rng.normal(0.0, model.long_jump_px, long_runs.size)
        walk = np.cumsum(steps)
        first = np.searchsorted(seg, np.arange(n_seg))  # jumps accumulate within a segment only
        parts["jumps"][axis] = walk - np.concatenate([[0.0], walk])[first][seg]
    b_sign = rng.choice([-1.0, 1.0], 2)
    width = 1.0 + model.breathing * (b_sign[0] * settle_shape + 0.5 * b_sign[1] * p1)
    orbit = np.minimum((seg // (2 if n_seg >= 4 else 1)), n_orbits - 1)
    for axis in range(2):  # drawn last: a model without orbit offsets keeps every other draw
        parts["orbit offset"][axis] = rng.normal(0.0, model.orbit_offset_px[axis], n_orbits)[orbit]
    dcol = sum(parts[name][0] for name in COMPONENTS)
    drow = sum(parts[name][1] for name in COMPONENTS)
    for arr in (dcol, drow, width, *parts.values()):
        arr.setflags(write=False)
    return Pointing(dcol=dcol, drow=drow, width_scale=width, components=parts)
