"""Transit ephemerides and candidates: the inputs every check takes.

:class:`Ephemeris` (period days, T0 BTJD, duration hours) and :class:`Candidate`
(an ephemeris plus a depth in ppm) are what the tutorial builds in step 02;
:class:`TransitParams` is the same ephemeris under the short field names of the
V08 engine (``period``, ``t0``, ``duration`` in hours). One validator,
:func:`check_ephemeris`, guards all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "check_ephemeris",
    "Ephemeris",
    "Candidate",
    "TransitParams",
    "coerce_transit_params",
]


def check_ephemeris(
    period: Any, t0: Any, duration_hours: Any, names: tuple[str, str, str] = ("period_days", "t0_btjd", "duration_hours")
) -> tuple[float, float, float]:
    """Validate a linear ephemeris; return (period days, t0 BTJD, duration hours) as floats.

    Raises ``TypeError`` for non-real values and ``ValueError`` for non-finite values, period ≤ 0 or a
    duration outside (0, 24·period) hours; messages use ``names`` for the three fields.
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
    if not 0 < d < 24.0 * p:
        raise ValueError(f"{names[2]}: expected 0 < duration < 24·period = {24.0 * p:g} h, got {d}")
    return p, t, d


@dataclass(frozen=True)
class Ephemeris:
    """A linear transit ephemeris.

    Parameters
    ----------
    period_days : float
        Orbital period, days (> 0).
    t0_btjd : float
        A mid-transit time, BTJD.
    duration_hours : float
        Total transit duration, hours (0 < duration < 24·period).
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


@dataclass(frozen=True)
class TransitParams:
    """Linear transit ephemeris used to split cadences.

    Parameters
    ----------
    period : float
        Orbital period, days (> 0).
    t0 : float
        A mid-transit time, BTJD.
    duration : float
        Total transit duration, **hours** (0 < duration < 24·period).
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


def coerce_transit_params(transit_params: Any) -> TransitParams:
    if isinstance(transit_params, TransitParams):
        return transit_params
    if hasattr(transit_params, "ephemeris") or hasattr(transit_params, "period_days"):
        return TransitParams.from_candidate(transit_params)
    raise TypeError(f"transit_params: expected TransitParams or Candidate, got {type(transit_params).__name__}")
