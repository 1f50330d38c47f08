"""Where the twin's stars fall on each sector's stamp: the sector's sky geometry and one sky catalogue (SIMULATION).

Each sector's geometry comes from ``tess-point`` (Burke et al. 2020, ASCL 2003.001), evaluated offline by
``tools/derive_twin_spec.py`` and stored in the spec: camera, CCD, the target's CCD position and the local
linear map of the detector around the target (arcsec per pixel, east = ΔRA·cos Dec and north = ΔDec for +1
column and +1 row). From it :func:`sector_wcs` builds the stamp's gnomonic (TAN) WCS with the target at its
reference pixel, as SPOC writes it. The stars of the stamp form ONE catalogue of sky offsets from the target
(:func:`catalogue_from_spec`); :func:`star_pixels` projects it into any sector through that sector's WCS, so
sectors 55 and 75 show the same stars where the real stamps would.

Coordinates: stamp pixels, 0-based, x = column, y = row, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from .scene import PRFParams, Scene, Source

__all__ = [
    "CatalogueStar",
    "catalogue_from_spec",
    "arcsec_per_pixel",
    "offsets_to_radec",
    "sector_wcs",
    "wcs_keywords",
    "star_pixels",
    "sector_scene",
    "tess_point_geometry",
]

_ARCSEC = 1.0 / 3600.0


@dataclass(frozen=True)
class CatalogueStar:
    """A star of the twin's sky catalogue (SIMULATION).

    Attributes
    ----------
    name : str
    east_arcsec, north_arcsec : float
        Offset from the target on the sky, arcsec (east = ΔRA·cos Dec).
    flux_ratio : float
        Flux relative to the target's in the same sector (TESS band).
    eclipsing : bool
        The star that eclipses in the ``background_eb`` scenario.
    """

    name: str
    east_arcsec: float
    north_arcsec: float
    flux_ratio: float
    eclipsing: bool = False

    @property
    def delta_tmag(self) -> float:
        """TESS magnitude difference to the target (positive = fainter)."""
        return float(-2.5 * np.log10(self.flux_ratio))

    @property
    def separation_arcsec(self) -> float:
        """Distance from the target, arcsec."""
        return float(np.hypot(self.east_arcsec, self.north_arcsec))


def catalogue_from_spec(spec: Mapping[str, Any]) -> tuple[CatalogueStar, ...]:
    """The neighbours of the spec's ``catalogue`` block (the target itself is not listed), BEB host last."""
    stars = [CatalogueStar(str(s["name"]), float(s["east_arcsec"]), float(s["north_arcsec"]),
                           float(s["flux_ratio"]), bool(s.get("eclipsing", False)))
             for s in spec["catalogue"]["stars"]]
    if sum(s.eclipsing for s in stars) != 1:
        raise ValueError("twin spec: the catalogue must mark exactly one eclipsing star")
    return tuple(sorted(stars, key=lambda s: s.eclipsing))


def arcsec_per_pixel(geometry: Mapping[str, Any]) -> np.ndarray:
    """Local 2×2 map (arcsec per pixel; rows east, north; columns x, y) of a sector's spec geometry."""
    jac = np.asarray(geometry["arcsec_per_pixel"], dtype=np.float64)
    if jac.shape != (2, 2) or not np.all(np.isfinite(jac)) or abs(np.linalg.det(jac)) < 1.0:
        raise ValueError(f"twin spec geometry: arcsec_per_pixel must be a finite 2×2 map, got {jac.tolist()}")
    return jac


def offsets_to_radec(east_arcsec: Any, north_arcsec: Any, ra0: float = target.RA_DEG,
                     dec0: float = target.DEC_DEG) -> tuple[np.ndarray, np.ndarray]:
    """RA/Dec (degrees) of tangent-plane offsets (arcsec) around (``ra0``, ``dec0``): the gnomonic inverse."""
    xi = np.radians(np.asarray(east_arcsec, dtype=np.float64) * _ARCSEC)
    eta = np.radians(np.asarray(north_arcsec, dtype=np.float64) * _ARCSEC)
    d0, a0 = np.radians(dec0), np.radians(ra0)
    den = np.cos(d0) - eta * np.sin(d0)
    ra = a0 + np.arctan2(xi, den)
    dec = np.arctan2(np.sin(d0) + eta * np.cos(d0), np.hypot(xi, den))
    return np.degrees(ra) % 360.0, np.degrees(dec)


def wcs_keywords(geometry: Mapping[str, Any], target_col: float, target_row: float,
                 columns: tuple[int, ...] = (4, 5, 6, 7, 8)) -> dict[str, Any]:
    """SPOC-style per-column TAN WCS keywords of a twin TPF table (SIMULATION).

    The reference pixel is the target's position (``CRPIX`` 1-based), the reference value its catalogue
    RA/Dec; ``CDELT = (−s, +s)`` with s the mean pixel scale and ``PC = CD / CDELT``, as in SPOC files.
    """
    cd = arcsec_per_pixel(geometry) * _ARCSEC  # deg per pixel; row 1 = RA axis (east), row 2 = Dec
    s = float(np.sqrt(abs(np.linalg.det(cd))))
    pc = cd / np.array([[-s], [s]])
    out: dict[str, Any] = {}
    for n in columns:
        out.update({
            f"1CTYP{n}": "RA---TAN", f"2CTYP{n}": "DEC--TAN",
            f"1CRPX{n}": float(target_col) + 1.0, f"2CRPX{n}": float(target_row) + 1.0,
            f"1CRVL{n}": float(target.RA_DEG), f"2CRVL{n}": float(target.DEC_DEG),
            f"1CUNI{n}": "deg", f"2CUNI{n}": "deg",
            f"1CDLT{n}": -s, f"2CDLT{n}": s,
            f"11PC{n}": float(pc[0, 0]), f"12PC{n}": float(pc[0, 1]),
            f"21PC{n}": float(pc[1, 0]), f"22PC{n}": float(pc[1, 1]),
        })
    return out


def sector_wcs(geometry: Mapping[str, Any], target_col: float, target_row: float):
    """Celestial WCS (astropy, 0-based pixels) of a twin stamp, from :func:`wcs_keywords`."""
    from astropy.wcs import WCS

    kw = wcs_keywords(geometry, target_col, target_row, columns=(5,))
    hdr = {"CTYPE1": kw["1CTYP5"], "CTYPE2": kw["2CTYP5"], "CRPIX1": kw["1CRPX5"], "CRPIX2": kw["2CRPX5"],
           "CRVAL1": kw["1CRVL5"], "CRVAL2": kw["2CRVL5"], "CUNIT1": "deg", "CUNIT2": "deg",
           "CDELT1": kw["1CDLT5"], "CDELT2": kw["2CDLT5"], "PC1_1": kw["11PC5"], "PC1_2": kw["12PC5"],
           "PC2_1": kw["21PC5"], "PC2_2": kw["22PC5"]}
    return WCS(hdr)


def star_pixels(wcs: Any, stars: tuple[CatalogueStar, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Stamp pixels (column, row) of catalogue stars through a sector's WCS."""
    ra, dec = offsets_to_radec([s.east_arcsec for s in stars], [s.north_arcsec for s in stars])
    x, y = wcs.world_to_pixel_values(ra, dec)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def sector_scene(spec: Mapping[str, Any], sector: int) -> tuple[Scene, Any]:
    """One sector's :class:`~toi5807.twin.scene.Scene` and WCS: the catalogue projected through the sector's
    geometry, the sector's PRF, target and static background residual (SIMULATION).

    Parameters
    ----------
    spec : mapping
        The twin spec (:func:`toi5807.twin.spec.load_spec`).
    sector : int

    Returns
    -------
    (Scene, astropy.wcs.WCS)
        The scene's neighbours are the catalogue stars (BEB host last, ``beb_index``); fluxes are the
        catalogue flux ratios times the sector's target flux.
    """
    sspec = spec["sectors"][str(int(sector))]
    sc = sspec["scene"]
    prf = PRFParams(**{k: float(v) for k, v in sc["prf"].items()})
    tgt = Source(**{k: float(sc["target"][k]) for k in ("col", "row", "flux")})
    wcs = sector_wcs(sspec["geometry"], tgt.col, tgt.row)
    stars = catalogue_from_spec(spec)
    x, y = star_pixels(wcs, stars)
    neighbours = tuple(Source(float(a), float(b), tgt.flux * s.flux_ratio) for a, b, s in zip(x, y, stars))
    beb = next(i for i, s in enumerate(stars) if s.eclipsing)
    return Scene(prf=prf, target=tgt, neighbours=neighbours, background=float(sc["background"]), beb_index=beb), wcs


# ---------------------------------------------------------------- geometry (tess-point)
def tess_point_geometry(sector: int, step_arcsec: float = 60.0) -> dict[str, Any]:
    """Camera, CCD, the target's CCD position and the local arcsec-per-pixel map, from tess-point (offline).

    Used by ``tools/derive_twin_spec.py`` to write the spec's geometry, and by the tests to check it;
    needs the ``tess-point`` package (pure Python, no network).

    Nine sky positions within ``step_arcsec`` of the target are projected onto the detector; a linear fit of
    (column, row) to (east, north) gives the map (residual < 0.002 px), inverted to arcsec per pixel.
    """
    from tess_stars2px import (
        tess_stars2px_function_entry,  # optional dependency (tess-point)
    )

    e = step_arcsec * np.array([0, 1, -1, 0, 0, 1, -1, 1, -1], dtype=float)
    n = step_arcsec * np.array([0, 0, 0, 1, -1, 1, -1, -1, 1], dtype=float)
    ra = target.RA_DEG + e / 3600.0 / np.cos(np.radians(target.DEC_DEG))
    dec = target.DEC_DEG + n / 3600.0
    out = tess_stars2px_function_entry(np.arange(e.size), ra, dec, trySector=sector)
    ids, cam, ccd, col, row = out[0], out[4], out[5], out[6], out[7]
    if ids.size != e.size or len(set(cam)) != 1 or len(set(ccd)) != 1:
        raise ValueError(f"sector {sector}: tess-point does not put the target on one CCD")
    order = np.argsort(ids)
    a = np.column_stack([np.ones(e.size), e, n])
    cc, *_ = np.linalg.lstsq(a, col[order], rcond=None)
    rc, *_ = np.linalg.lstsq(a, row[order], rcond=None)
    resid = max(np.abs(a @ cc - col[order]).max(), np.abs(a @ rc - row[order]).max())
    if resid > 0.01:
        raise ValueError(f"sector {sector}: the detector map is not linear near the target ({resid:.3f} px)")
    jac = np.linalg.inv(np.array([[cc[1], cc[2]], [rc[1], rc[2]]]))
    return {"camera": int(cam[0]), "ccd": int(ccd[0]), "target_ccd_column": float(cc[0]),
            "target_ccd_row": float(rc[0]), "arcsec_per_pixel": [[float(v) for v in r] for r in jac],
            "source": "tess-point"}
