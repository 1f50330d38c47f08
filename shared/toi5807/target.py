"""Fixed facts about the planet candidate TOI-5807.01 (TIC 188646744).

Everything the tutorial treats as a stable input lives here: identifiers, the
transit ephemeris, stellar parameters, sky position and the TESS sectors with
2-minute data. Values are those of the TOI catalogue / TIC entry used by the
original tutorial; they are constants, never recomputed.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "TIC_ID",
    "TOI_LABEL",
    "PERIOD_DAYS",
    "T0_BTJD",
    "DURATION_HOURS",
    "STELLAR_RADIUS_RSUN",
    "STELLAR_MASS_MSUN",
    "STELLAR_TEFF_K",
    "STELLAR_LOGG_CGS",
    "RA_DEG",
    "DEC_DEG",
    "SECTORS",
    "STELLAR",
    "context",
    "print_context",
]

TIC_ID: int = 188646744
TOI_LABEL: str = "TOI-5807.01"

#: Orbital period in days.
PERIOD_DAYS: float = 14.2423724
#: Reference mid-transit time in BTJD (BJD - 2457000, TDB).
T0_BTJD: float = 3540.26317
#: Total transit duration (first to fourth contact) in hours.
DURATION_HOURS: float = 4.046

#: Stellar radius in solar radii.
STELLAR_RADIUS_RSUN: float = 1.65
#: Stellar mass in solar masses.
STELLAR_MASS_MSUN: float = 1.47
#: Effective temperature in kelvin.
STELLAR_TEFF_K: float = 6816.0
#: Surface gravity, log10(g / cm s^-2).
STELLAR_LOGG_CGS: float = 4.17

#: ICRS right ascension in degrees.
RA_DEG: float = 308.5672083333333
#: ICRS declination in degrees.
DEC_DEG: float = 43.36068888888889

#: TESS sectors with 2-minute SPOC data used by the tutorial.
SECTORS: tuple[int, ...] = (55, 75, 82, 83)

#: Stellar parameters as one mapping (radius/mass in solar units, Teff in K, logg in cgs).
STELLAR: dict[str, float] = {
    "radius_rsun": STELLAR_RADIUS_RSUN,
    "mass_msun": STELLAR_MASS_MSUN,
    "teff_k": STELLAR_TEFF_K,
    "logg_cgs": STELLAR_LOGG_CGS,
}


def context() -> dict[str, Any]:
    """Return the target facts as a JSON-safe mapping.

    Returns
    -------
    dict
        Keys ``tic_id``, ``toi``, ``ephemeris`` (period in days, T0 in BTJD,
        duration in hours), ``stellar`` (R☉, M☉, K, cgs), ``coordinates``
        (ICRS degrees) and ``sectors``.
    """
    return {
        "tic_id": TIC_ID,
        "toi": TOI_LABEL,
        "ephemeris": {
            "period_days": PERIOD_DAYS,
            "t0_btjd": T0_BTJD,
            "duration_hours": DURATION_HOURS,
        },
        "stellar": dict(STELLAR),
        "coordinates": {"ra_deg": RA_DEG, "dec_deg": DEC_DEG},
        "sectors": list(SECTORS),
    }


def print_context(network: bool = False) -> dict[str, Any]:
    """Print the target facts as sorted, indented JSON and return them.

    Parameters
    ----------
    network : bool, default False
        Whether the tutorial may use the network (MAST). Only reported; nothing
        here touches the network.

    Returns
    -------
    dict
        The printed mapping (``context()`` plus ``network``).
    """
    ctx = context()
    ctx["network"] = bool(network)
    print(json.dumps(ctx, indent=2, sort_keys=True))
    return ctx
