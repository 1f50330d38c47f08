"""Transit ephemerides and candidates: the inputs every check takes.

:class:`Ephemeris` (period days, T0 BTJD, duration hours) and :class:`Candidate`
(an ephemeris plus a depth in ppm) are what the tutorial builds in step 02;
:class:`TransitParams` is the same ephemeris under the short field names of the
V08 engine (``period``, ``t0``, ``duration`` in hours). One validator,
:func:`check_ephemeris`, guards all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.validate import check_t0_btjd

__all__ = [
    "check_ephemeris",
    "MAX_DUTY_CYCLE",
    "MIN_DURATION_HOURS",
    "Ephemeris",
    "Candidate",
    "TransitParams",
    "coerce_transit_params",
]


#: Longest transit as a fraction of the period. A body on a circular orbit crosses its star in
#: ``T/P = asin((1 + k) R★ / (a sin i)) / π`` of the orbit (e.g. Winn 2010, arXiv:1001.2010, eq. 14); with
#: ``a ≥ 2 R★`` (closer is inside the star or its Roche limit) and a planet-sized ratio ``k ≤ 0.2`` that is at
#: most ``asin(0.6)/π ≈ 0.205``. A longer "duration" is almost always a value in days where hours were meant.
MAX_DUTY_CYCLE = 0.2

#: Shortest transit duration accepted, hours: fewer than ~7 cadences at TESS's 2-minute cadence per transit,
#: and what a duration in days (e.g. 0.17 for a 4-hour transit) looks like when read as hours.
MIN_DURATION_HOURS = 0.25


def check_ephemeris(
    period: Any, t0: Any, duration_hours: Any, names: tuple[str, str, str] = ("period_days", "t0_btjd", "duration_hours")
) -> tuple[float, float, float]:
    """Validate a linear ephemeris; return (period days, t0 BTJD, duration hours) as floats.

    The duration is in **hours** and must lie in ``[MIN_DURATION_HOURS, MAX_DUTY_CYCLE · 24 · period]``
    (0.25 h to 20 % of the orbit, see :data:`MAX_DUTY_CYCLE`): e.g. a 4-day "duration" (96 h) for
    TOI-5807.01's 14.24-day period is 28 % of the orbit and rejected, as is 0.17 (a duration in days).
    The t0 is BTJD (BJD_TDB − 2457000) within ±``MAX_ABS_BTJD`` (10000) days: a BJD/JD such as
    2460540.26 is refused with "subtract 2457000 to get BTJD", an MJD with its conversion
    (:func:`toi5807.data.validate.check_t0_btjd`).

    Raises ``TypeError`` for non-real values and ``ValueError`` for non-finite values, period ≤ 0, a
    t0 that is not BTJD or a duration outside that range; messages use ``names`` for the three fields
    and say the unit.
    """
    values = []
    for name, value in zip(names, (period, t0, duration_hours)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
        if not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value}")
        values.append(float(value))
    p, t, d = values
    if p <= 0:
        raise ValueError(f"{names[0]}: expected > 0 days, got {p}")
    t = check_t0_btjd(t, names[1])
    longest = MAX_DUTY_CYCLE * 24.0 * p
    if not MIN_DURATION_HOURS <= d <= longest:
        hint = (f"{d:g} h = {d / 24.0:.3g} days is {100 * d / (24.0 * p):.0f} % of the orbit"
                if d > longest else f"if {d:g} is in days, pass {24.0 * d:.3g} hours")
        raise ValueError(
            f"{names[2]}: expected the transit duration in hours, {MIN_DURATION_HOURS:g} h to {longest:.3g} h "
            f"({100 * MAX_DUTY_CYCLE:.0f} % of the {p:g}-day period; no transit lasts longer), got {d:g} ({hint})"
        )
    return p, t, d


@dataclass(frozen=True)
class Ephemeris:
    """A linear transit ephemeris.

    Parameters
    ----------
    period_days : float
        Orbital period, days (> 0).
    t0_btjd : float
        A mid-transit time, BTJD (BJD_TDB − 2457000; a BJD/JD is refused with a hint).
    duration_hours : float
        Total transit duration, hours (0.25 h to 20 % of the period, see :func:`check_ephemeris`).
    """

    period_days: float
    t0_btjd: float
    duration_hours: float

    def __post_init__(self) -> None:
        p, t, d = check_ephemeris(self.period_days, self.t0_btjd, self.duration_hours)
        object.__setattr__(self, "period_days", p)
        object.__setattr__(self, "t0_btjd", t)
        object.__setattr__(self, "duration_hours", d)

    @property
    def duration_days(self) -> float:
        """Transit duration in days."""
        return self.duration_hours / 24.0

    def to_dict(self) -> dict[str, float]:
        """JSON-safe mapping of the three parameters."""
        return {"period_days": self.period_days, "t0_btjd": self.t0_btjd, "duration_hours": self.duration_hours}


@dataclass(frozen=True)
class Candidate:
    """A transit candidate: ephemeris plus depth in ppm."""

    ephemeris: Ephemeris
    depth_ppm: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return {"ephemeris": self.ephemeris.to_dict(), "depth_ppm": float(self.depth_ppm)}

    def __repr__(self) -> str:
        e = self.ephemeris
        return (f"Candidate(period {e.period_days} d, T0 {e.t0_btjd} BTJD, duration {e.duration_hours} h, "
                f"depth {self.depth_ppm:.0f} ppm)")


@dataclass(frozen=True)
class TransitParams:
    """Linear transit ephemeris used to split cadences.

    Parameters
    ----------
    period : float
        Orbital period, days (> 0).
    t0 : float
        A mid-transit time, BTJD (BJD_TDB − 2457000; a BJD/JD is refused with a hint).
    duration : float
        Total transit duration, **hours** (0.25 h to 20 % of the period, see :func:`check_ephemeris`).
    """

    period: float
    t0: float
    duration: float

    def __post_init__(self) -> None:
        values = check_ephemeris(self.period, self.t0, self.duration, names=("period", "t0", "duration"))
        for name, value in zip(("period", "t0", "duration"), values):
            object.__setattr__(self, name, value)

    @property
    def duration_days(self) -> float:
        """Transit duration, days."""
        return self.duration / 24.0

    @classmethod
    def from_candidate(cls, candidate: Any) -> "TransitParams":
        """Build from a :class:`toi5807.Candidate` or :class:`toi5807.Ephemeris`."""
        eph = getattr(candidate, "ephemeris", candidate)
        try:
            return cls(eph.period_days, eph.t0_btjd, eph.duration_hours)
        except AttributeError as exc:
            raise TypeError(
                f"candidate: expected a Candidate or Ephemeris (period_days, t0_btjd, duration_hours), "
                f"got {type(candidate).__name__}"
            ) from exc

    def to_dict(self) -> dict[str, float]:
        """JSON-safe mapping (period days, t0 BTJD, duration hours)."""
        return {"period": self.period, "t0": self.t0, "duration": self.duration}


_KEYS = {
    "period": ("period", "period_days"),
    "t0": ("t0", "t0_btjd", "epoch", "epoch_btjd"),
    "duration_hours": ("duration_hours", "duration"),
}
_IGNORED_KEYS = {"depth", "depth_ppm", "duration_days"}


_WHAT = {"day": "a period in days", "btjd": "a mid-transit time in BTJD (BJD − 2457000, days)",
         "hour": "a duration in hours"}


def _plain(name: str, value: Any, unit: str) -> Any:
    """A number from an astropy ``Quantity`` (converted to ``unit``; a t0 in days is a BTJD time in days) or
    ``Time`` (BTJD); others unchanged. Arrays (several values) are refused with the name and the values."""
    if unit == "btjd" and hasattr(value, "tdb") and hasattr(value, "jd"):
        if np.ndim(value.jd) != 0:
            raise ValueError(f"{name}: expected one {_WHAT[unit]}, got {np.size(value.jd)} times")
        return float(value.tdb.jd) - 2457000.0  # astropy Time (e.g. lightkurve's BLS transit_time)
    shown = np.asarray(getattr(value, "value", value))
    if shown.dtype.kind in "fiu" and shown.ndim > 0:
        listed = ", ".join(f"{float(v):g}" for v in shown.ravel()[:5]) + (", …" if shown.size > 5 else "")
        raise ValueError(f"{name}: expected a single number ({_WHAT[unit]}), got {shown.size} values "
                         f"[{listed}] — pass one value, e.g. the first of an array")
    if hasattr(value, "unit") and hasattr(value, "to_value"):
        target = "day" if unit == "btjd" else unit  # a t0 quantity in days is read as BTJD days
        try:
            return float(value.to_value(target))  # e.g. BLS duration_at_max_power, in days
        except Exception as exc:  # noqa: BLE001 - astropy raises UnitConversionError (a ValueError) and others
            raise ValueError(f"{name}: expected {_WHAT[unit]} (a number or a time quantity), got "
                             f"{str(value)[:200]}") from exc
    return value


def _from_mapping(mapping: Mapping[str, Any], name: str) -> tuple[Any, Any, Any]:
    unknown = sorted(str(k) for k in mapping if k not in {*sum(_KEYS.values(), ()), *_IGNORED_KEYS})
    if unknown:
        raise ValueError(f"{name}: unknown ephemeris keys {unknown}; expected period (days), t0 (BTJD) and "
                         "duration_hours (or duration_days)")
    found = {}
    for field_name, keys in _KEYS.items():
        hits = [k for k in keys if k in mapping]
        if len(hits) > 1:
            raise ValueError(f"{name}: give one of {list(hits)}, not several")
        found[field_name] = mapping[hits[0]] if hits else None
    if "duration_days" in mapping:
        if found["duration_hours"] is not None:
            raise ValueError(f"{name}: give duration_hours or duration_days, not both")
        days = _plain(f"{name}['duration_days']", mapping["duration_days"], "day")
        if isinstance(days, bool) or not isinstance(days, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}['duration_days']: expected a real number, got {type(days).__name__}")
        found["duration_hours"] = 24.0 * float(days)
    missing = [k for k, v in found.items() if v is None]
    if missing:
        raise ValueError(f"{name}: missing {missing}; expected period (days), t0 (BTJD) and duration_hours")
    return found["period"], found["t0"], found["duration_hours"]


def coerce_transit_params(transit_params: Any = None, *, period_days: Any = None, t0_btjd: Any = None,
                          duration_hours: Any = None, name: str = "transit_params") -> TransitParams:
    """The ephemeris people have, as :class:`TransitParams` (period days, t0 BTJD, duration **hours**).

    Parameters
    ----------
    transit_params : TransitParams, Candidate, Ephemeris or mapping, optional
        A mapping holds ``period`` (or ``period_days``), ``t0`` (or ``t0_btjd``/``epoch``) and
        ``duration_hours`` (or ``duration`` in hours, or ``duration_days``); ``depth_ppm`` is ignored.
    period_days, t0_btjd, duration_hours : float, optional
        Instead of ``transit_params``, all three: period in days, mid-transit time in BTJD
        (BJD_TDB − 2457000), duration in hours. astropy quantities are converted (so lightkurve's
        ``bls.duration_at_max_power``, in days, is accepted) and an astropy ``Time`` becomes BTJD.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    TransitParams
        Validated by :func:`check_ephemeris` (a duration of 4 days passed as hours is rejected).

    Raises
    ------
    TypeError
        Nothing usable given, or both an object and keywords.
    ValueError
        Missing or unknown mapping keys, or values outside :func:`check_ephemeris`'s range.
    """
    keywords = {"period_days": period_days, "t0_btjd": t0_btjd, "duration_hours": duration_hours}
    if any(v is not None for v in keywords.values()):
        if transit_params is not None:
            raise TypeError(f"{name}: give an ephemeris object or period_days=, t0_btjd=, duration_hours= keywords, "
                            "not both")
        missing = [k for k, v in keywords.items() if v is None]
        if missing:
            raise TypeError(f"{name}: keywords {missing} missing; give period_days (days), t0_btjd (BTJD) and "
                            "duration_hours (hours)")
        values = (period_days, t0_btjd, duration_hours)
    elif isinstance(transit_params, TransitParams):
        return transit_params
    elif hasattr(transit_params, "ephemeris") or hasattr(transit_params, "period_days"):
        return TransitParams.from_candidate(transit_params)
    elif isinstance(transit_params, Mapping):
        values = _from_mapping(transit_params, name)
    else:
        raise TypeError(
            f"{name}: expected a Candidate, Ephemeris, TransitParams, a mapping or period_days=, t0_btjd=, "
            f"duration_hours= keywords, got {type(transit_params).__name__}"
        )
    p, t, d = (_plain(k, v, u) for k, v, u in zip(("period", "t0", "duration_hours"), values, ("day", "btjd", "hour")))
    p, t, d = check_ephemeris(p, t, d, names=("period", "t0", "duration_hours"))
    return TransitParams(p, t, d)
