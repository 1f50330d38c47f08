"""The twin's pointing model: how the scene moves on the detector, cadence by cadence (SIMULATION).

Every star of the stamp moves together by the offsets returned here.
"""

from __future__ import annotations

import numpy as np

from .cadence import CadenceGrid

__all__ = ["pointing_jitter", "JITTER_WHITE_PX", "JITTER_WALK_STEP_PX", "JITTER_DUMP_JUMP_PX", "JITTER_DRIFT_PX"]


#: Pointing jitter, pixels: white per cadence (1σ), random-walk step per cadence (1σ), jump at a momentum dump
#: (1σ), slow per-orbit drift (largest linear-term amplitude; drawn in [0.5, 1]x, quadratic term half of that).
JITTER_WHITE_PX: float = 0.003


JITTER_WALK_STEP_PX: float = 0.00002


JITTER_DUMP_JUMP_PX: float = 0.001


JITTER_DRIFT_PX: float = 0.0025


# ------------------------------------------------------------------ pointing jitter
def pointing_jitter(grid: CadenceGrid, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simulated pointing offsets (column, row) per cadence, pixels.

    White jitter + a random walk restarted at each momentum dump and orbit start
    + a jump at each of them + a slow linear + quadratic drift over each orbit
    (bounded amplitude, random sign). Orders of magnitude: 3 mpx white, ~1 mpx
    walk/jumps, 3-8 mpx drift range per orbit.

    Parameters
    ----------
    grid : CadenceGrid
    rng : numpy.random.Generator

    Returns
    -------
    dcol, drow : ndarray, pixels
    """
    n = grid.time.size
    start = grid.dump.copy()
    start[0] = True
    start[1:] |= grid.orbit[1:] != grid.orbit[:-1]
    seg = np.cumsum(start) - 1
    seg_first = np.flatnonzero(start)[seg]
    n_orb = int(grid.orbit.max()) + 1
    omin = np.array([grid.time[grid.orbit == k].min() for k in range(n_orb)])
    omax = np.array([grid.time[grid.orbit == k].max() for k in range(n_orb)])
    u = 2.0 * (grid.time - omin[grid.orbit]) / (omax - omin)[grid.orbit] - 1.0
    out = []
    for _axis in range(2):
        white = rng.normal(0.0, JITTER_WHITE_PX, n)
        walk = np.cumsum(rng.normal(0.0, JITTER_WALK_STEP_PX, n))
        walk -= walk[seg_first]
        jumps = rng.normal(0.0, JITTER_DUMP_JUMP_PX, seg[-1] + 1)[seg]
        # bounded drift amplitudes (random size and sign): no rare huge drifts from Gaussian tails
        coef = rng.uniform(0.5, 1.0, (n_orb, 2)) * rng.choice([-1.0, 1.0], (n_orb, 2)) * JITTER_DRIFT_PX
        coef[:, 1] *= 0.5
        drift = coef[grid.orbit, 0] * u + coef[grid.orbit, 1] * (u * u - 1.0 / 3.0)
        out.append(white + walk + jumps + drift)
    return out[0], out[1]
