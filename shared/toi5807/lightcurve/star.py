"""The host star's radius, magnitude and temperature: from the files' headers, else TOI-5807's catalogue facts.

SPOC writes the TIC's stellar parameters into every file's primary header (``RADIUS`` in R☉, ``TESSMAG``,
``TEFF`` in K). :func:`stellar_parameters` reads them from a folder's FITS files; for TOI-5807's own data
(the shipped tutorial dataset has no such keys) it falls back to the catalogue facts of :mod:`toi5807.target`,
and for any other star without them it says the value is unknown — never TOI-5807's number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import target
from ..report import json_safe
from .resolve import is_toi5807, star_identity

__all__ = ["StellarParameters", "stellar_parameters"]

_KEYS = {"radius_rsun": "RADIUS", "tessmag": "TESSMAG", "teff_k": "TEFF"}


@dataclass(frozen=True)
class StellarParameters:
    """Stellar radius (R☉), TESS magnitude and effective temperature (K) of the target, and where they came from.

    Each value is None when no source gives it; ``origin`` says which source was used.
    """

    tic_id: int | None
    radius_rsun: float | None
    tessmag: float | None
    teff_k: float | None
    origin: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (null for unknown values)."""
        return json_safe({"tic_id": self.tic_id, "radius_rsun": self.radius_rsun, "tessmag": self.tessmag,
                          "teff_k": self.teff_k, "origin": self.origin})

    def __repr__(self) -> str:
        def fmt(v: float | None, spec: str) -> str:
            return "unknown" if v is None else format(v, spec)

        tic = f"TIC {self.tic_id}" if self.tic_id is not None else "unnamed star"
        return (f"StellarParameters({tic}: R = {fmt(self.radius_rsun, '.3g')} R☉, Tmag = {fmt(self.tessmag, '.3f')}, "
                f"Teff = {fmt(self.teff_k, '.0f')} K; from {self.origin})")


def _header_values(folder: Path, tic_id: int | None) -> dict[str, float]:
    from astropy.io import fits

    out: dict[str, float] = {}
    for path in sorted(folder.glob("*.fits*")):
        try:
            head = fits.getheader(path, 0)
        except (OSError, ValueError):
            continue
        if tic_id is not None and head.get("TICID") not in (None, tic_id):
            continue
        for name, key in _KEYS.items():
            value = head.get(key)
            if name not in out and isinstance(value, (int, float)) and math.isfinite(float(value)):
                out[name] = float(value)
        if len(out) == len(_KEYS):
            break
    return out


def stellar_parameters(dataset: Any, path: str | Path | None = None) -> StellarParameters:
    """The target's radius, magnitude and temperature.

    Parameters
    ----------
    dataset : Dataset
        The loaded data (its files say which star it is).
    path : str or Path, optional
        The folder the data were read from (``source="local"``); its FITS headers' ``RADIUS``, ``TESSMAG`` and
        ``TEFF`` are used when SPOC wrote them.

    Returns
    -------
    StellarParameters
        From the headers when they give a value; else, for TOI-5807's data only, TOI-5807's catalogue facts
        (``toi5807.target``); else None ("unknown").
    """
    ident = star_identity(dataset)
    tic = ident.get("tic_id")
    found = _header_values(Path(path), tic) if path is not None and Path(path).is_dir() else {}
    if found:
        origin = "the files' headers (RADIUS, TESSMAG, TEFF)"
    elif is_toi5807(ident):
        found = {"radius_rsun": target.STELLAR_RADIUS_RSUN, "teff_k": target.STELLAR_TEFF_K}
        origin = "TOI-5807's catalogue facts (toi5807.target; the shipped files carry no stellar keywords)"
    else:
        origin = "nowhere: the files carry no RADIUS/TESSMAG/TEFF keywords"
    return StellarParameters(tic_id=None if tic is None else int(tic), radius_rsun=found.get("radius_rsun"),
                             tessmag=found.get("tessmag"), teff_k=found.get("teff_k"), origin=origin)
