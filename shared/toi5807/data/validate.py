"""Input validation at the package boundary: one function per input kind.

Each returns the validated value or raises ``TypeError`` (wrong kind) or
``ValueError`` (wrong shape or value) with a message naming the parameter or
file (``name``), the bad value (:func:`clip`: at most 200 characters) and what
was expected. No message is longer than :data:`MAX_MESSAGE` characters
(:func:`cap`), however large the input that caused it.

Used by the readers, the data model, ``load_dataset`` and the V08 configuration.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_QUOTE", "MAX_MESSAGE", "BTJD_RANGE", "MAX_ABS_BTJD", "MAX_ABS_FLUX", "MAX_SECTOR",
    "clip", "cap", "check_cube", "check_time", "check_btjd", "check_t0_btjd", "btjd_hint", "check_flux",
    "check_quality",
    "check_sector", "header_int", "check_path", "check_bool", "check_int", "check_real", "check_one_star",
    "SAME_STAR_ARCSEC",
]

#: Longest quotation of a bad value in a message, characters.
MAX_QUOTE = 200
#: Longest error or warning message the package produces, characters.
MAX_MESSAGE = 2000
#: Plausible TESS times, BTJD = BJD_TDB − 2457000 (days): launch (2018, BTJD ≈ 1325) to beyond 2040.
BTJD_RANGE = (1000.0, 10000.0)
#: Largest |time| (BTJD days) accepted anywhere in memory (data-model times, raw time arrays, ephemeris t0):
#: BTJD −10000 … 10000 is BJD 2447000 … 2467000 (1987 … 2042). Larger values are JD/BJD (≈ 2.46e6), MJD
#: (≈ 6e4), BJD − 2450000 (≈ 1e4) or corrupt. File times must lie in the narrower :data:`BTJD_RANGE`.
MAX_ABS_BTJD = BTJD_RANGE[1]
#: Largest plausible |flux|: pixel or aperture fluxes of TESS stars stay below ≈1e9 e-/s; larger values are corrupt.
MAX_ABS_FLUX = 1e12
#: Largest sector number the file names (``s%04d``) can hold.
MAX_SECTOR = 9999


def _plain(value: Any) -> Any:
    """numpy scalars (also inside tuples and lists) as Python numbers: messages show ``3559.81``, not
    ``np.float64(3559.81)``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)) and len(value) <= 50:
        return type(value)(_plain(v) for v in value)
    return value


def clip(value: Any, limit: int = MAX_QUOTE) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the full length said), for quoting bad input."""
    value = _plain(value)
    if isinstance(value, np.ndarray) and value.size > 20:
        text = f"array(shape={value.shape}, dtype={value.dtype})"
    elif isinstance(value, np.ndarray):
        text = repr(value.tolist())
    else:
        try:
            text = repr(value) if not isinstance(value, str) or len(value) <= 4 * limit else repr(value[: 2 * limit])
        except Exception:  # noqa: BLE001 - a value whose repr fails is still quoted by its type
            text = f"<{type(value).__name__}>"
    if isinstance(value, str) and len(value) > limit:
        return f"{text[:limit]}… ({len(value)} characters)"
    return text if len(text) <= limit else f"{text[:limit]}…"


def cap(message: str, limit: int = MAX_MESSAGE) -> str:
    """A message cut to at most ``limit`` characters (whatever a library put into it)."""
    message = str(message)
    return message if len(message) <= limit else message[: limit - 25] + f"… [{len(message)} chars]"


def _real_array(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {arr.dtype} (floats or ints expected)")
    return arr


def check_cube(flux: Any, name: str = "flux") -> np.ndarray:
    """A flux cube (n_time, n_rows, n_cols) of real numbers as float64 (no copy when already float64)."""
    arr = _real_array(name, flux)
    if arr.ndim != 3:
        raise ValueError(f"{name}: expected a 3-D cube (n_time, n_rows, n_cols), got shape {arr.shape}")
    if arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"{name}: stamp must have at least one row and one column, got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


def btjd_hint(value: float, plural: bool = True) -> str:
    """What a non-BTJD time ``value`` (days) looks like, as " — …" to append to a message ("" if nothing fits).

    JD/BJD (2e6 … 3e6) → subtract 2457000; MJD (5e4 … 1e5) → BTJD = MJD − 56999.5; BJD − 2450000
    (1e4 … 2e4) → subtract 7000.
    """
    these, dates = ("these look like", "Julian Dates") if plural else ("this looks like", "a Julian Date")
    if 2.0e6 < value < 3.0e6:
        return f" — {these} {dates}; BTJD = BJD − 2457000: subtract 2457000 to get BTJD"
    if 5.0e4 < value < 1.0e5:
        return f" — {these} {'MJDs' if plural else 'an MJD'}; BTJD = MJD − 56999.5"
    if 1.0e4 < value < 2.0e4:
        return f" — {these} BJD − 2450000; subtract 7000 to get BTJD (BTJD = BJD − 2457000)"
    return ""


def check_time(time: Any, n: int | None = None, name: str = "time") -> np.ndarray:
    """A 1-D array of distinct BTJD times (days) as float64, of length ``n`` when given.

    NaN marks a cadence without a time and is allowed here (the data model refuses it: readers drop
    those cadences); ±inf, repeated finite time stamps (a repeated cadence would count twice and shrink
    every error bar by up to √2) and finite times beyond ±:data:`MAX_ABS_BTJD` days (JD, MJD: not BTJD,
    with a hint saying what they look like) are not.
    """
    arr = _real_array(name, time)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name}: expected length {n} to match the flux cube's first axis, got {arr.shape[0]}")
    arr = arr.astype(np.float64, copy=False)
    if np.isinf(arr).any():
        raise ValueError(f"{name}: {int(np.isinf(arr).sum())} infinite value(s); expected finite times (NaN for none)")
    fin = np.sort(arr[np.isfinite(arr)])
    if fin.size and (fin[0] < -MAX_ABS_BTJD or fin[-1] > MAX_ABS_BTJD):
        lo, hi = float(fin[0]), float(fin[-1])
        raise ValueError(f"{name}: times span {lo!r}–{hi!r}; expected TESS BTJD days (BJD − 2457000, within "
                         f"±{MAX_ABS_BTJD:g}){btjd_hint(hi) or ' — not a plausible BTJD'}")
    same = fin[1:] == fin[:-1]
    if same.any():
        raise ValueError(f"{name}: {int(same.sum())} repeated time stamp(s) (first at {float(fin[1:][same][0])!r}); "
                         "expected one entry per cadence — remove the duplicated rows")
    return arr


def check_btjd(time: np.ndarray, name: str = "time") -> np.ndarray:
    """Times that are TESS BTJD days (:data:`BTJD_RANGE`), not JD/MJD; NaN allowed, at least one finite value.

    The rule for times read from files; in memory :func:`check_time` refuses what lies beyond
    ±:data:`MAX_ABS_BTJD` with the same hint (:func:`btjd_hint`).
    """
    fin = time[np.isfinite(time)]
    if fin.size == 0:
        raise ValueError(f"{name}: no finite time; expected BTJD days ({BTJD_RANGE[0]:g}–{BTJD_RANGE[1]:g})")
    lo, hi = float(fin.min()), float(fin.max())
    if lo < BTJD_RANGE[0] or hi > BTJD_RANGE[1]:
        raise ValueError(f"{name}: times span {lo!r}–{hi!r}; expected TESS BTJD days "
                         f"({BTJD_RANGE[0]:g}–{BTJD_RANGE[1]:g}){btjd_hint(hi)}")
    return time


def check_t0_btjd(t0: float, name: str = "t0_btjd") -> float:
    """A mid-transit time that is BTJD days: finite and within ±:data:`MAX_ABS_BTJD`, else ``ValueError``
    with :func:`btjd_hint` (a BJD such as 2460540.26 → "subtract 2457000 to get BTJD")."""
    t = float(t0)
    if not math.isfinite(t):
        raise ValueError(f"{name}: expected a finite number, got {t}")
    if abs(t) > MAX_ABS_BTJD:
        hint = btjd_hint(t, plural=False)
        if hint and t > 2.0e6:
            hint += f" ({t - 2457000.0:.10g})"
        raise ValueError(f"{name}: expected a mid-transit time in BTJD days (BJD − 2457000, within "
                         f"±{MAX_ABS_BTJD:g}), got {clip(t)}{hint or ' — not a plausible BTJD'}")
    return t


def check_flux(flux: Any, name: str = "flux", ndim: int | None = None) -> np.ndarray:
    """Fluxes as float64: NaN allowed (missing), no ±inf and no |value| above :data:`MAX_ABS_FLUX`."""
    arr = _real_array(name, flux)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        bad = np.isinf(arr) | (np.abs(arr) > MAX_ABS_FLUX)
    if bad.any():
        first = np.unravel_index(int(np.argmax(bad)), arr.shape)
        raise ValueError(f"{name}: {int(bad.sum())} value(s) infinite or beyond ±{MAX_ABS_FLUX:g} (first "
                         f"{arr[first]!r} at index {tuple(int(i) for i in first)}); expected finite fluxes "
                         "(NaN for a missing value)")
    return arr


def check_quality(quality: Any, n: int, name: str = "quality") -> np.ndarray:
    """SPOC quality bit flags as int32: integers (integral floats accepted) in 0 … 2**31 − 1, shape (n,)."""
    arr = np.asarray(quality)
    integral = arr.dtype.kind in "iub"
    if not integral and arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            integral = bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    if arr.dtype == object or not integral:
        raise TypeError(f"{name}: expected an integer array of quality flags, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},) to match time, got {arr.shape}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > np.iinfo(np.int32).max:
            raise ValueError(f"{name}: values {lo}…{hi} do not fit SPOC's 32-bit quality flags; "
                             f"expected 0 … {np.iinfo(np.int32).max}")
    return arr.astype(np.int32)


def check_sector(sector: Any, name: str = "sector") -> int:
    """A TESS sector number: an int (numpy ints too, not bool) in 1 … :data:`MAX_SECTOR`."""
    if isinstance(sector, (bool, np.bool_)) or not isinstance(sector, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(sector).__name__} {clip(sector)}")
    if not 1 <= sector <= MAX_SECTOR:
        raise ValueError(f"{name}: expected a positive TESS sector number (1 … {MAX_SECTOR}), got {clip(sector)}")
    return int(sector)


def header_int(value: Any, name: str) -> int:
    """An integer header value (an integral float such as 55.0 is accepted, 55.7 is not)."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value) == int(value):
        return int(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer, got {clip(value)}")
    return int(value)


def check_path(path: Any, name: str = "path") -> Path:
    """A non-empty filesystem path (str or os.PathLike). An empty string would silently mean the working folder."""
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a folder path (str or pathlib.Path), got {type(path).__name__} {clip(path)}")
    text = os.fspath(path)
    if not str(text).strip():
        raise ValueError(f"{name}: expected a folder path, got {clip(text)} (an empty path would mean the "
                         "working folder; pass '.' to mean it)")
    return Path(text).expanduser()


def check_bool(value: Any, name: str) -> bool:
    """True or False (numpy bools too); strings such as ``"false"`` are refused, not read as true."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {clip(value)}")
    return bool(value)


def check_int(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    """An int (Python or numpy, not bool) in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {clip(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"{'-inf' if low is None else low} … {'inf' if high is None else high}"
        raise ValueError(f"{name}: expected an int in {span}, got {clip(value)}")
    return int(value)


def check_real(value: Any, name: str, low: float | None = None, high: float | None = None, *,
               low_open: bool = False, allow_inf: bool = False) -> float:
    """A real number (not bool), finite unless ``allow_inf``, ≥ ``low`` (> when ``low_open``) and ≤ ``high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {clip(value)}")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name}: expected a finite number, got {x}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{name}: expected {'>' if low_open else '>='} {low}, got {x}")
    if high is not None and x > high:
        raise ValueError(f"{name}: expected <= {high}, got {x}")
    return x


#: Largest separation (arcsec) between two files' targets (``RA_OBJ``/``DEC_OBJ``) of one dataset: one star.
SAME_STAR_ARCSEC = 60.0


def check_one_star(members: list[tuple[str, int | None, float | None, float | None]], where: str = "dataset") -> None:
    """Refuse files of several stars: by TIC ID where files say it, *and* by position where they say it.

    Parameters
    ----------
    members : list of (label, tic_id, ra_deg, dec_deg)
        One entry per file (label: its name, or "sector N light curve"); None where the file does not say.
    where : str
        The folder or dataset, for the message.

    Raises
    ------
    ValueError
        Two TIC IDs, or two targets more than :data:`SAME_STAR_ARCSEC` apart (a file without ``TICID`` is
        still judged by its position), naming both files and values.
    """
    tics = {}
    for label, tic, _, _ in members:
        if tic is not None:
            tics.setdefault(int(tic), label)
    if len(tics) > 1:
        listed = "; ".join(f"TIC {t}: {clip(lab, 120)}" for t, lab in sorted(tics.items()))
        raise ValueError(cap(f"{where}: the files are of {len(tics)} different stars ({listed}); expected one "
                             "star's files"))
    placed = [(lab, float(ra), float(dec)) for lab, _, ra, dec in members if ra is not None and dec is not None]
    if len(placed) < 2:
        return
    ra = np.radians([p[1] for p in placed])
    dec = np.radians([p[2] for p in placed])
    # angular distance of every file's target from the first one's (haversine)
    h = (np.sin((dec - dec[0]) / 2) ** 2 + np.cos(dec) * np.cos(dec[0]) * np.sin((ra - ra[0]) / 2) ** 2)
    sep = np.degrees(2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))) * 3600.0
    worst = int(np.argmax(sep))
    if sep[worst] > SAME_STAR_ARCSEC:
        a, b = placed[0], placed[worst]
        far = f"{sep[worst] / 3600:.4g}°" if sep[worst] >= 3600 else f"{sep[worst]:.1f}″"
        raise ValueError(cap(
            f"{where}: {clip(a[0], 120)} (RA {a[1]:.5f}°, Dec {a[2]:.5f}°) and {clip(b[0], 120)} (RA {b[1]:.5f}°, "
            f"Dec {b[2]:.5f}°) are {far} apart: the files are of different stars (RA_OBJ/DEC_OBJ differ by more "
            f"than {SAME_STAR_ARCSEC:g}″); expected one star's files"))
