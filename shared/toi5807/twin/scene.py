"""The digital twin's pixel scene: PRF model, sources, rendering and WCS (SIMULATION).

Everything here describes the *simulated* TOI-5807 twin, not real TESS data.
The point-response function (PRF) is the sum of two pixel-integrated circular
or elliptical Gaussians (a core and broad wings); integrating over each pixel
uses the error function, so the model is exact for that analytic PSF and
separable in column and row. Pixel coordinates are 0-based pixel centres of the
13 x 11 stamp: ``col`` (x) runs over the 11 columns, ``row`` (y) over the 13 rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erf

__all__ = [
    "STAMP_SHAPE",
    "PIXEL_SCALE_ARCSEC",
    "PRFParams",
    "Source",
    "Scene",
    "prf_1d",
    "render_image",
    "render_cube",
    "flux_weighted_centroid",
    "make_wcs",
    "wcs_keywords",
    "scene_from_spec",
]

#: Stamp shape (rows, columns) of every twin target-pixel file.
STAMP_SHAPE: tuple[int, int] = (13, 11)
#: TESS plate scale, arcsec per pixel.
PIXEL_SCALE_ARCSEC: float = 21.0

_SQRT2 = np.sqrt(2.0)


@dataclass(frozen=True)
class PRFParams:
    """Two-Gaussian pixel-response function of the twin (SIMULATION).

    Parameters
    ----------
    sigma_core_col, sigma_core_row : float
        Core Gaussian widths along columns / rows, pixels.
    sigma_wing : float
        Wing Gaussian width (circular), pixels.
    wing_fraction : float
        Fraction of a star's flux in the wing component, 0..1.
    """

    sigma_core_col: float
    sigma_core_row: float
    sigma_wing: float
    wing_fraction: float

    def __post_init__(self) -> None:
        for name in ("sigma_core_col", "sigma_core_row", "sigma_wing"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name}: expected a positive width in pixels, got {getattr(self, name)}")
        if not 0.0 <= float(self.wing_fraction) <= 1.0:
            raise ValueError(f"wing_fraction: expected 0..1, got {self.wing_fraction}")


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


def prf_1d(centre: np.ndarray, sigma: float, n_pix: int) -> np.ndarray:
    """Fraction of a 1-D Gaussian falling in each pixel.

    Parameters
    ----------
    centre : array_like, shape (...,)
        Gaussian centres, pixels (0-based pixel-centre coordinates).
    sigma : float
        Gaussian width, pixels.
    n_pix : int
        Number of pixels; pixel ``p`` spans ``[p - 0.5, p + 0.5]``.

    Returns
    -------
    ndarray, shape (..., n_pix)
    """
    c = np.asarray(centre, dtype=np.float64)[..., None]
    edges = np.arange(n_pix + 1, dtype=np.float64) - 0.5
    cdf = erf((edges - c) / (_SQRT2 * sigma))
    return 0.5 * np.diff(cdf, axis=-1)


def _components(prf: PRFParams) -> tuple[tuple[float, float, float], ...]:
    """(weight, sigma_col, sigma_row) of each Gaussian component."""
    w = float(prf.wing_fraction)
    return ((1.0 - w, prf.sigma_core_col, prf.sigma_core_row), (w, prf.sigma_wing, prf.sigma_wing))


def render_cube(cols: np.ndarray, rows: np.ndarray, fluxes: np.ndarray, prf: PRFParams,
                shape: tuple[int, int] = STAMP_SHAPE) -> np.ndarray:
    """Pixel-integrated images of point sources at many epochs (no background, no noise).

    Parameters
    ----------
    cols, rows : ndarray, shape (n_time, n_src)
        Source positions per epoch, pixels.
    fluxes : ndarray, shape (n_time, n_src)
        Source fluxes per epoch, e-/s.
    prf : PRFParams
    shape : (int, int)
        (n_rows, n_cols) of the stamp.

    Returns
    -------
    ndarray, shape (n_time, n_rows, n_cols), e-/s per pixel
    """
    cols = np.atleast_2d(cols)
    rows = np.atleast_2d(rows)
    fluxes = np.atleast_2d(fluxes)
    n_rows, n_cols = shape
    cube = np.zeros((cols.shape[0], n_rows, n_cols))
    for weight, s_col, s_row in _components(prf):
        if weight == 0.0:
            continue
        gx = prf_1d(cols, s_col, n_cols) * (weight * fluxes)[..., None]  # (t, s, c)
        gy = prf_1d(rows, s_row, n_rows)  # (t, s, r)
        cube += np.einsum("tsr,tsc->trc", gy, gx, optimize=True)
    return cube


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


def flux_weighted_centroid(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flux-weighted centroid over the whole stamp, negative pixels clipped to 0.

    Parameters
    ----------
    images : ndarray, shape (..., n_rows, n_cols)
        Pixel fluxes, e-/s.

    Returns
    -------
    col, row : ndarray, shape (...)
        Centroid column (x) and row (y), 0-based pixel-centre coordinates, pixels.
    """
    w = np.clip(np.asarray(images, dtype=np.float64), 0.0, None)
    n_rows, n_cols = w.shape[-2:]
    total = w.sum(axis=(-2, -1))
    col = (w.sum(axis=-2) * np.arange(n_cols)).sum(axis=-1) / total
    row = (w.sum(axis=-1) * np.arange(n_rows)).sum(axis=-1) / total
    return col, row


def _cd_matrix(roll_deg: float) -> np.ndarray:
    """CD matrix (deg/pixel) of a TESS-like stamp with the given roll (sky parity flipped)."""
    s = PIXEL_SCALE_ARCSEC / 3600.0
    th = np.deg2rad(roll_deg)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    return rot @ np.diag([-s, s])


def wcs_keywords(ra_deg: float, dec_deg: float, target_col: float, target_row: float,
                 roll_deg: float, columns: tuple[int, ...] = (4, 5, 6, 7, 8)) -> dict[str, Any]:
    """SPOC-style per-column TAN WCS keywords of a twin TPF table (SIMULATION).

    The reference pixel is the target's position, so RA/Dec of the target maps
    exactly onto it. ``CRPIX`` follows the FITS 1-based convention.

    Parameters
    ----------
    ra_deg, dec_deg : float
        Target ICRS coordinates, degrees.
    target_col, target_row : float
        Target position in 0-based stamp pixel coordinates, pixels.
    roll_deg : float
        Rotation of the pixel grid on the sky, degrees.
    columns : tuple of int
        Binary-table column numbers that get the keywords (SPOC: 4 = RAW_CNTS ... 8).

    Returns
    -------
    dict
        Header keyword -> value.
    """
    s = PIXEL_SCALE_ARCSEC / 3600.0
    pc = _cd_matrix(roll_deg) / np.array([[-s], [s]])  # PC_ij = CD_ij / CDELT_i
    out: dict[str, Any] = {}
    for n in columns:
        out.update({
            f"1CTYP{n}": "RA---TAN", f"2CTYP{n}": "DEC--TAN",
            f"1CRPX{n}": float(target_col) + 1.0, f"2CRPX{n}": float(target_row) + 1.0,
            f"1CRVL{n}": float(ra_deg), f"2CRVL{n}": float(dec_deg),
            f"1CUNI{n}": "deg", f"2CUNI{n}": "deg",
            f"1CDLT{n}": -s, f"2CDLT{n}": s,
            f"11PC{n}": float(pc[0, 0]), f"12PC{n}": float(pc[0, 1]),
            f"21PC{n}": float(pc[1, 0]), f"22PC{n}": float(pc[1, 1]),
        })
    return out


def make_wcs(ra_deg: float, dec_deg: float, target_col: float, target_row: float, roll_deg: float):
    """Celestial WCS of a twin stamp (0-based pixels; SIMULATION).

    Parameters are those of :func:`wcs_keywords`.

    Returns
    -------
    astropy.wcs.WCS
    """
    from astropy.wcs import WCS

    kw = wcs_keywords(ra_deg, dec_deg, target_col, target_row, roll_deg, columns=(5,))
    hdr = {
        "CTYPE1": kw["1CTYP5"], "CTYPE2": kw["2CTYP5"], "CRPIX1": kw["1CRPX5"], "CRPIX2": kw["2CRPX5"],
        "CRVAL1": kw["1CRVL5"], "CRVAL2": kw["2CRVL5"], "CUNIT1": "deg", "CUNIT2": "deg",
        "CDELT1": kw["1CDLT5"], "CDELT2": kw["2CDLT5"], "PC1_1": kw["11PC5"], "PC1_2": kw["12PC5"],
        "PC2_1": kw["21PC5"], "PC2_2": kw["22PC5"],
    }
    return WCS(hdr)


def scene_from_spec(sector_spec: Mapping[str, Any]) -> Scene:
    """Build the :class:`Scene` of one sector from its ``twin_spec.json`` entry.

    Parameters
    ----------
    sector_spec : mapping
        One ``sectors[<n>]`` entry with a ``scene`` block.

    Returns
    -------
    Scene
    """
    sc = sector_spec["scene"]
    prf = PRFParams(**{k: float(v) for k, v in sc["prf"].items()})
    target = Source(**{k: float(sc["target"][k]) for k in ("col", "row", "flux")})
    neigh = tuple(Source(**{k: float(n[k]) for k in ("col", "row", "flux")}) for n in sc["neighbours"])
    return Scene(prf=prf, target=target, neighbours=neigh, background=float(sc["background"]),
                 beb_index=int(sc["beb_index"]))
