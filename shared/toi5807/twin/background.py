"""The twin's sky background and its imperfect subtraction (SIMULATION).

What the detector sees on top of the stars is a sky level (zodiacal light plus unresolved stars) and
scattered light from the Earth and Moon, which ramps up towards the ends of each orbit and varies across the
stamp. The pipeline estimates one background level per cadence and subtracts it from every pixel; the
estimate misses a fraction of the scattered light and carries a slow error of its own. What is left in the
``FLUX`` column is therefore not zero and varies in time and across the stamp: the twin subtracts its estimate
from a background it simulated, so any pull of the centroid by a background error comes out of the
simulation. The subtracted estimate is written to ``FLUX_BKG``.

The pipeline estimates the sky from the stamp's faintest pixels, which also hold the wings of the stars' images;
it takes ``star_light_share`` of that light for sky and subtracts it from every pixel, so the faint pixels sit
near zero and some go negative, as in the real file (real s83: the 20 faintest pixels at a median 5.3 e-/s, 14 %
of their values below zero; the twin without this term: 23 e-/s and none). ``star_light_share`` = 0.75 was
fitted to the real s83 TPF's faint-pixel level (see ``benchmarks/twin_vs_reference.py``); the estimate uses the
noise-free image's light in those pixels (constant in time), so the flux-wander calibration is untouched.

Amplitudes come from the spec's ``noise_model.background`` block (fitted to the real sector-83 pixels with
the pointing model, see :mod:`toi5807.twin.pointing`); the static part of the residual is the scene's
``background`` (fitted to the real out-of-transit images).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

from .cadence import CadenceGrid

__all__ = ["BackgroundModel", "Background", "background_model", "simulate_background"]


@dataclass(frozen=True)
class BackgroundModel:
    """Amplitudes of the background model (e-/s per pixel, days).

    Attributes
    ----------
    scattered_e_per_s : float
        Scattered light at the end of an orbit (it rises as ``exp((t − t_end)/scattered_tau_days)``).
    scattered_tau_days : float
    gradient_per_pixel : float
        Fractional change of the scattered light per pixel across the stamp (random direction).
    missed_fraction : float
        Fraction of the scattered light the pipeline's estimate misses (0–1).
    estimate_error_e_per_s : float
        1σ slow error of the pipeline's estimate (Ornstein–Uhlenbeck, ``estimate_tau_days``).
    estimate_tau_days : float
    star_light_share : float
        Share (0–1) of the stars' light in the background pixels that the estimate takes for sky and
        subtracts from every pixel (default 0).
    """

    scattered_e_per_s: float
    scattered_tau_days: float
    gradient_per_pixel: float
    missed_fraction: float
    estimate_error_e_per_s: float
    estimate_tau_days: float
    star_light_share: float = 0.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"noise_model.background.{name}: expected a finite value >= 0, got {value!r}")
        for name in ("missed_fraction", "star_light_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"noise_model.background.{name}: expected 0..1, got {getattr(self, name)}")
        for name in ("scattered_tau_days", "estimate_tau_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"noise_model.background.{name}: expected > 0 days, got {getattr(self, name)}")


@dataclass(frozen=True, eq=False)
class Background:
    """One sector's simulated background (SIMULATION).

    Attributes
    ----------
    scattered : ndarray, shape (n,)
        Scattered light at the stamp centre, e-/s per pixel.
    pattern : ndarray, shape (n_rows, n_cols)
        Spatial shape of the scattered light (1 at the centre; the gradient).
    estimate_offset : ndarray, shape (n,)
        What the pipeline's per-cadence estimate adds on top of the sky level, e-/s per pixel:
        ``(1 − missed_fraction)·scattered + slow error``.
    """

    scattered: np.ndarray
    pattern: np.ndarray
    estimate_offset: np.ndarray

    def residual(self) -> np.ndarray:
        """Background left in the pixels after subtraction beyond the static residual, e-/s, shape (n, rows, cols)."""
        return self.scattered[:, None, None] * self.pattern[None] - self.estimate_offset[:, None, None]


def background_model(spec: Mapping[str, Any]) -> BackgroundModel:
    """The :class:`BackgroundModel` of the spec's ``noise_model.background`` block."""
    return BackgroundModel(**{k: float(v) for k, v in spec["noise_model"]["background"].items()})


def simulate_background(grid: CadenceGrid, model: BackgroundModel, shape: tuple[int, int],
                        rng: np.random.Generator) -> Background:
    """Draw one sector's scattered light, its spatial gradient and the pipeline estimate's error (SIMULATION).

    Parameters
    ----------
    grid : CadenceGrid
    model : BackgroundModel
    shape : (int, int)
        (n_rows, n_cols) of the stamp.
    rng : numpy.random.Generator
        Seeded by the caller.

    Returns
    -------
    Background
    """
    seg = np.asarray(grid.orbit)
    n_seg = int(seg.max()) + 1
    last = np.array([grid.time[seg == k].max() for k in range(n_seg)])
    scattered = model.scattered_e_per_s * np.exp((grid.time - last[seg]) / model.scattered_tau_days)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    rows, cols = np.indices(shape, dtype=np.float64)
    rows -= (shape[0] - 1) / 2.0
    cols -= (shape[1] - 1) / 2.0
    pattern = 1.0 + model.gradient_per_pixel * (np.cos(angle) * cols + np.sin(angle) * rows)
    dt = np.median(np.diff(grid.time))
    rho = float(np.exp(-dt / model.estimate_tau_days))
    innov = rng.normal(0.0, model.estimate_error_e_per_s * np.sqrt(1.0 - rho * rho), grid.time.size)
    error = lfilter([1.0], [1.0, -rho], innov)
    offset = (1.0 - model.missed_fraction) * scattered + error
    for arr in (scattered, pattern, offset):
        arr.setflags(write=False)
    return Background(scattered=scattered, pattern=pattern, estimate_offset=offset)
