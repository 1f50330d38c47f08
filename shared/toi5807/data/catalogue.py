"""Catalogue stars of a stamp: which stars could be the source of a dip.

A :class:`Star` is a label, a sky position (ICRS degrees) and a brightness
(TESS magnitude and/or flux in e-/s); a :class:`Catalogue` is the stars of one
stamp, the target first. Catalogues come from the twin's scene
(:func:`toi5807.twin.truth.twin_catalogue`, a SIMULATION), from stars found by
PSF-fitting a real out-of-transit image
(:func:`toi5807.diffimage.stars.catalogue_from_image`), or — with a network and
``astroquery`` — from Gaia (:func:`query_gaia_catalogue`, optional). Offsets
use the sky frame of :mod:`toi5807.data.geometry`: east = ΔRA·cosDec, north = ΔDec, arcsec.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..report import json_safe

__all__ = ["Star", "Catalogue", "tmag_to_flux", "query_gaia_catalogue", "catalogue_from_dict", "gaia_cache_dir"]

#: TESS zero point: a Tmag = 10 star gives ≈15 000 e-/s (Vanderspek et al. 2018, TESS Instrument Handbook).
_TMAG10_E_PER_S = 15000.0


def tmag_to_flux(tmag: float) -> float:
    """Approximate TESS count rate of a star, e-/s, from its TESS magnitude."""
    return _TMAG10_E_PER_S * 10.0 ** (-0.4 * (float(tmag) - 10.0))


@dataclass(frozen=True)
class Star:
    """One catalogue star.

    Parameters
    ----------
    label : str
    ra_deg, dec_deg : float
        ICRS, degrees.
    tmag : float, optional
        TESS magnitude (NaN when unknown).
    flux_e_per_s : float, optional
        Count rate, e-/s (from ``tmag`` when not given).
    found_in_image : bool, optional
        Found only by PSF-fitting the stamp's own image (:func:`toi5807.diffimage.stars.catalogue_from_image`),
        not a catalogue star: it may be a piece of a brighter star's image.
    """

    label: str
    ra_deg: float
    dec_deg: float
    tmag: float = math.nan
    flux_e_per_s: float = math.nan
    found_in_image: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label:
            raise TypeError(f"label: expected a non-empty str, got {self.label!r}"[:200])
        for name in ("ra_deg", "dec_deg"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
                raise ValueError(f"{name}: expected a finite number of degrees, got {v!r}"[:200])
            object.__setattr__(self, name, float(v))
        if not -90.0 <= self.dec_deg <= 90.0:
            raise ValueError(f"dec_deg: expected −90..90 degrees, got {self.dec_deg}")
        object.__setattr__(self, "tmag", float(self.tmag))
        flux = float(self.flux_e_per_s)
        if not math.isfinite(flux) and math.isfinite(self.tmag):
            flux = tmag_to_flux(self.tmag)
        object.__setattr__(self, "flux_e_per_s", flux)

    def offset_arcsec(self, ra_deg: float, dec_deg: float) -> tuple[float, float]:
        """(east, north) offset of this star from (ra_deg, dec_deg), arcsec (tangent-plane approximation)."""
        dra = ((self.ra_deg - ra_deg + 180.0) % 360.0) - 180.0
        return (dra * math.cos(math.radians(dec_deg)) * 3600.0, (self.dec_deg - dec_deg) * 3600.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__}, sig=None)


@dataclass(frozen=True)
class Catalogue:
    """The stars of one stamp, the target first.

    Parameters
    ----------
    stars : tuple of Star
        ``stars[0]`` is the target.
    origin : str
        Where they come from (``"twin scene (SIMULATION)"``, ``"PSF fit of the out-of-transit image"``, ``"Gaia DR3"``).
    simulated : bool
    notes : tuple of str
    """

    stars: tuple[Star, ...]
    origin: str = ""
    simulated: bool = False
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        stars = tuple(self.stars)
        if not stars or not all(isinstance(s, Star) for s in stars):
            raise TypeError("stars: expected a non-empty sequence of Star, the target first")
        object.__setattr__(self, "stars", stars)

    @property
    def target(self) -> Star:
        """The target (first star)."""
        return self.stars[0]

    def __len__(self) -> int:
        return len(self.stars)

    def offsets_arcsec(self) -> np.ndarray:
        """(east, north) offset of every star from the target, arcsec, shape (n, 2)."""
        t = self.target
        return np.array([s.offset_arcsec(t.ra_deg, t.dec_deg) for s in self.stars])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return json_safe({"origin": self.origin, "simulated": self.simulated, "notes": list(self.notes),
                          "stars": [s.to_dict() for s in self.stars]}, sig=None)


def catalogue_from_dict(d: dict[str, Any]) -> Catalogue:
    """The inverse of :meth:`Catalogue.to_dict` (None → NaN for unknown magnitudes and fluxes)."""
    nan = lambda v: math.nan if v is None else float(v)  # noqa: E731
    stars = tuple(Star(str(x["label"]), float(x["ra_deg"]), float(x["dec_deg"]), tmag=nan(x.get("tmag")),
                       flux_e_per_s=nan(x.get("flux_e_per_s")), found_in_image=bool(x.get("found_in_image", False)))
                  for x in d["stars"])
    return Catalogue(stars, origin=str(d.get("origin", "")), simulated=bool(d.get("simulated", False)),
                     notes=tuple(d.get("notes", ())))


GAIA_FILE = "gaia_dr3.json"


def gaia_cache_dir(ra_deg: float, dec_deg: float, radius_arcsec: float) -> Any:
    """The verified cache entry (a folder under the package cache) of one Gaia cone: position to 1e-6°."""
    from .cache import cache_root

    return cache_root() / "gaia_dr3" / f"ra{ra_deg:.6f}_dec{dec_deg:+.6f}_r{radius_arcsec:g}"


def _gaia_rows(ra_deg: float, dec_deg: float, radius_arcsec: float) -> list[tuple[str, float, float, float]]:
    """(source_id, ra, dec, G_RP) of the Gaia DR3 cone (astroquery; raises on any failure)."""
    from astroquery.gaia import Gaia  # type: ignore[import-not-found]

    q = (f"SELECT source_id, ra, dec, phot_rp_mean_mag FROM gaiadr3.gaia_source WHERE "
         f"CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {ra_deg}, {dec_deg}, {radius_arcsec / 3600.0}))=1")
    rows = Gaia.launch_job(q).get_results()  # pragma: no cover - needs a network
    return [(str(r["source_id"]), float(r["ra"]), float(r["dec"]), float(r["phot_rp_mean_mag"]))
            for r in rows]  # pragma: no cover


def _gaia_catalogue(rows: Any, ra_deg: float, dec_deg: float) -> Catalogue:
    # Tmag ≈ G_RP − 0.1 is close enough to rank neighbours by brightness (Stassun et al. 2019, AJ 158, 138)
    stars = [Star(f"Gaia DR3 {sid}", ra, dec, tmag=rp - 0.1) for sid, ra, dec, rp in rows]
    stars.sort(key=lambda s: math.hypot(*s.offset_arcsec(ra_deg, dec_deg)))
    notes = [f"Gaia DR3 cone around RA {ra_deg:.7f}°, Dec {dec_deg:.7f}° (the file's target)"]
    if stars and math.hypot(*stars[0].offset_arcsec(ra_deg, dec_deg)) <= 5.0:  # the target's own Gaia entry
        notes.append(f"target = {stars[0].label}")
        tmag, stars = stars[0].tmag, stars[1:]
    else:
        tmag = math.nan
        notes.append("no Gaia DR3 star within 5″ of the target")
    return Catalogue((Star("target", ra_deg, dec_deg, tmag=tmag), *stars), origin="Gaia DR3", notes=tuple(notes))


def query_gaia_catalogue(ra_deg: float, dec_deg: float, radius_arcsec: float = 150.0, *,
                         network: bool = False) -> tuple[Catalogue | None, str]:
    """Gaia DR3 neighbours of a position through ``astroquery`` (optional; needs a network).

    Returns ``(None, reason)`` without a network, without ``astroquery`` or on
    any query error — never raises for those — so callers fall back to the
    stars found in the image.

    Parameters
    ----------
    ra_deg, dec_deg : float
        Target, ICRS degrees (the target becomes ``stars[0]``).
    radius_arcsec : float
    network : bool
        Must be True to try the archive at all.

    Returns
    -------
    (Catalogue or None, str)
        The catalogue and ``"ok"``, or None and why not. Answers are cached as JSON (never pickled) in a
        verified entry of the package cache (:func:`gaia_cache_dir`), read again on the next call.
    """
    if not network:
        return None, "no network requested: Gaia query skipped"
    try:
        import astroquery.gaia  # noqa: F401  # type: ignore[import-not-found]
    except ImportError:
        return None, "astroquery not installed: Gaia query skipped"
    import json

    from .cache import load_verified

    def build(tmp: Any) -> None:
        rows = _gaia_rows(ra_deg, dec_deg, radius_arcsec)
        (tmp / GAIA_FILE).write_text(json.dumps(_gaia_catalogue(rows, ra_deg, dec_deg).to_dict(), allow_nan=False))

    try:
        cat = load_verified(gaia_cache_dir(ra_deg, dec_deg, radius_arcsec), build,
                            lambda d: catalogue_from_dict(json.loads((d / GAIA_FILE).read_text())),
                            expected=[GAIA_FILE], metadata={"ra_deg": ra_deg, "dec_deg": dec_deg,
                                                            "radius_arcsec": radius_arcsec})
    except Exception as exc:  # noqa: BLE001 - any archive or cache failure means "no catalogue"
        return None, f"Gaia query failed ({type(exc).__name__}): {exc}"[:200]
    return cat, "ok"
