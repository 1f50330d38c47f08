"""The one ephemeris guard: which ephemeris a step uses, and the refusal to use TOI-5807.01's on another star.

Every entry point that needs an ephemeris — the notebooks' first cells, :func:`~toi5807.lightcurve.make_candidate`
when given a dataset, :func:`~toi5807.vetting.vet_pixels` and ``python -m toi5807 vet`` — goes through
:func:`resolve_ephemeris`. TOI-5807.01's catalogue ephemeris is the tutorial's default and is accepted only when
the data are TOI-5807's (its TIC ID, and its position within 1′ when the files give one); for any other star the
three values must be given, and the error says which parameters to set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import target
from ..data.model import Dataset, LightCurve, TPFStamp
from .ephemeris import Ephemeris

__all__ = ["EphemerisRequired", "resolve_ephemeris", "star_identity", "is_toi5807", "SAME_STAR_ARCSEC"]

#: Two positions within this separation (arcsec) are the same star.
SAME_STAR_ARCSEC = 60.0
_NAMES = ("period_days", "t0_btjd", "duration_hours")


class EphemerisRequired(ValueError):
    """The data are not TOI-5807's (or do not say whose they are) and no ephemeris was given."""


def _members(obj: Any) -> list[Any]:
    if isinstance(obj, Dataset):
        return [*obj.tpf_by_sector.values(), *obj.lc_by_sector.values()]
    if isinstance(obj, (LightCurve, TPFStamp)):
        return [obj]
    if isinstance(obj, Mapping):
        return [v for v in obj.values() if isinstance(v, (LightCurve, TPFStamp))]
    if isinstance(obj, (list, tuple)):
        return [v for v in obj if isinstance(v, (LightCurve, TPFStamp))]
    return []


def star_identity(data: Any) -> dict[str, Any]:
    """The star the data are of: ``{"tic_id", "ra_deg", "dec_deg"}`` (each None when no file says).

    Parameters
    ----------
    data : Dataset, LightCurve, TPFStamp, list or mapping of them, or a mapping with ``tic_id``/``ra_deg``/``dec_deg``
        What to identify. A mapping that already holds ``tic_id`` is returned as the identity.

    Raises
    ------
    ValueError
        When the files disagree on the TIC ID (a folder must hold one star's files).
    """
    if isinstance(data, Mapping) and ("tic_id" in data or "ra_deg" in data):
        return {"tic_id": data.get("tic_id"), "ra_deg": data.get("ra_deg"), "dec_deg": data.get("dec_deg")}
    members = _members(data)
    tics = sorted({int(m.tic_id) for m in members if getattr(m, "tic_id", None) is not None})
    if len(tics) > 1:
        raise ValueError(f"the data hold files of several stars (TIC {', '.join(map(str, tics[:5]))}); "
                         "expected one star's files")
    pos = next(((m.ra_deg, m.dec_deg) for m in members
                if isinstance(m, TPFStamp) and m.ra_deg is not None and m.dec_deg is not None), (None, None))
    return {"tic_id": tics[0] if tics else None, "ra_deg": pos[0], "dec_deg": pos[1]}


def is_toi5807(ident: Mapping[str, Any]) -> bool:
    """Whether an identity (:func:`star_identity`) is TOI-5807: its TIC ID, and its position within 1′ when known.

    An identity with neither a TIC ID nor a position is not TOI-5807 (nothing says it is).
    """
    tic, ra, dec = ident.get("tic_id"), ident.get("ra_deg"), ident.get("dec_deg")
    if tic is not None and int(tic) != target.TIC_ID:
        return False
    if ra is None or dec is None:
        return tic is not None
    dra = ((float(ra) - target.RA_DEG + 180.0) % 360.0) - 180.0
    sep = math.hypot(dra * math.cos(math.radians(target.DEC_DEG)), float(dec) - target.DEC_DEG) * 3600.0
    return sep <= SAME_STAR_ARCSEC


def _describe(ident: Mapping[str, Any]) -> str:
    tic = ident.get("tic_id")
    where = (f" at RA {float(ident['ra_deg']):.6f}°, Dec {float(ident['dec_deg']):.6f}°"
             if ident.get("ra_deg") is not None and ident.get("dec_deg") is not None else "")
    return (f"TIC {int(tic)}" if tic is not None else "a star no file names") + where


def resolve_ephemeris(data: Any, period_days: float | None = None, t0_btjd: float | None = None,
                      duration_hours: float | None = None) -> Ephemeris:
    """The ephemeris to use for ``data``: the one given, or TOI-5807.01's when the data are TOI-5807's.

    Parameters
    ----------
    data : Dataset, stamps, light curves, or an identity mapping (see :func:`star_identity`)
        The data the ephemeris will be applied to.
    period_days : float or None
        Orbital period, days.
    t0_btjd : float or None
        A mid-transit time, BTJD (BJD − 2457000), days.
    duration_hours : float or None
        Transit duration, hours.

    Returns
    -------
    Ephemeris
        Given all three: that ephemeris (validated). Given none: TOI-5807.01's catalogue ephemeris, only when the
        data are TOI-5807's.

    Raises
    ------
    EphemerisRequired (a ValueError)
        None given and the data are of another star (or say of no star): the message names the star and the
        parameters to set (``PERIOD_DAYS``, ``T0_BTJD``, ``DURATION_HOURS`` in a notebook).
    ValueError
        Only some of the three given, or values out of range (:class:`Ephemeris`'s checks).
    """
    given = (period_days, t0_btjd, duration_hours)
    if all(v is not None for v in given):
        return Ephemeris(float(period_days), float(t0_btjd), float(duration_hours))
    if any(v is not None for v in given):
        missing = [n for n, v in zip(_NAMES, given) if v is None]
        raise ValueError(f"ephemeris: give all three of period_days, t0_btjd, duration_hours (PERIOD_DAYS, T0_BTJD, "
                         f"DURATION_HOURS in a notebook); missing {', '.join(missing)}")
    ident = star_identity(data)
    if not is_toi5807(ident):
        raise EphemerisRequired(
            f"ephemeris: the data are of {_describe(ident)}, not TOI-5807, and TOI-5807.01's ephemeris does not "
            "apply: set PERIOD_DAYS (days), T0_BTJD (BTJD) and DURATION_HOURS (hours) in the parameters cell "
            "(period_days=, t0_btjd=, duration_hours= in Python)")
    return Ephemeris(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)
