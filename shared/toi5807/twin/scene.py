"""The digital twin's pixel scene: sources and rendering with the PRF of :mod:`toi5807.pixels.prf` (SIMULATION).

Everything here describes the *simulated* TOI-5807 twin, not real TESS data.
The point-response function (PRF) is the sum of two pixel-integrated circular
or elliptical Gaussians (a core and broad wings); integrating over each pixel
uses the error function, so the model is exact for that analytic PSF and
separable in column and row. Pixel coordinates are 0-based pixel centres of the
13 x 11 stamp: ``col`` (x) runs over the 11 columns, ``row`` (y) over the 13 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pixels.prf import PRFParams, flux_weighted_centroid, prf_1d, render_cube

__all__ = [
    "STAMP_SHAPE",
    "PRFParams",
    "Source",
    "Scene",
    "prf_1d",
    "render_image",
    "render_cube",
    "flux_weighted_centroid",
]

#: Stamp shape (rows, columns) of every twin target-pixel file.
STAMP_SHAPE: tuple[int, int] = (13, 11)

@dataclass(frozen=True)
class Source:
    """A star of the simulated scene.

    Parameters
    ----------
    col, row : float
        Position of the star, 0-based stamp pixel coordinates (pixels).
    flux : float
        Total out-of-transit flux of the star, e-/s (summed over all pixels, also off-stamp).
    """

    col: float
    row: float
    flux: float


@dataclass(frozen=True)
class Scene:
    """The simulated scene of one sector (SIMULATION).

    Parameters
    ----------
    prf : PRFParams
    target : Source
    neighbours : tuple of Source
        Faint field stars; ``neighbours[beb_index]`` is the star that eclipses
        in the ``background_eb`` scenario (present, constant, in all scenarios).
    background : float
        Flat residual background per pixel after the pipeline's background subtraction, e-/s.
    beb_index : int
        Index into ``neighbours`` of the potential background eclipsing binary.
    """

    prf: PRFParams
    target: Source
    neighbours: tuple[Source, ...]
    background: float
    beb_index: int

    @property
    def sources(self) -> tuple[Source, ...]:
        """Target first, then the neighbours."""
        return (self.target, *self.neighbours)


def render_image(scene: Scene, dcol: float = 0.0, drow: float = 0.0,
                 shape: tuple[int, int] = STAMP_SHAPE) -> np.ndarray:
    """Noise-free out-of-transit image of a scene (SIMULATION), e-/s per pixel.

    Parameters
    ----------
    scene : Scene
    dcol, drow : float
        Pointing offset applied to all stars, pixels.
    """
    src = scene.sources
    cols = np.array([[s.col + dcol for s in src]])
    rows = np.array([[s.row + drow for s in src]])
    flux = np.array([[s.flux for s in src]])
    return render_cube(cols, rows, flux, scene.prf, shape)[0] + scene.background
