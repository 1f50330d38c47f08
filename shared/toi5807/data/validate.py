"""Input validation at the package boundary: one function per input kind.

Each returns the validated value or raises ``TypeError`` (wrong kind) or
``ValueError`` (wrong shape or value) with a message naming the parameter,
what it got and what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_cube", "check_time"]


def check_cube(flux: Any) -> np.ndarray:
    """A flux cube (n_time, n_rows, n_cols) of real numbers as float64 (no copy when already float64)."""
    arr = np.asarray(flux)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise TypeError(f"flux: expected a real numeric array (float or int), got dtype {arr.dtype}")
    if arr.ndim != 3:
        raise ValueError(f"flux: expected a 3-D cube (n_time, n_rows, n_cols), got shape {arr.shape}")
    if arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"flux: stamp must have at least one row and one column, got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


def check_time(time: Any, n: int | None = None) -> np.ndarray:
    """A 1-D array of times (BTJD days) as float64, of length ``n`` when given."""
    arr = np.asarray(time)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise TypeError(f"time: expected a real numeric array of BTJD days, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"time: expected a 1-D array, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"time: expected length {n} to match the flux cube's first axis, got {arr.shape[0]}")
    return arr.astype(np.float64, copy=False)
