"""Stable, human-readable JSON for notebook outputs.

Floats are rounded to a stated number of significant digits so printed results
are identical across machines; NaN and infinities become ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["round_sig", "json_safe", "dumps", "print_json", "DEFAULT_SIG"]

#: Significant digits used by the tutorial's printed JSON.
DEFAULT_SIG = 4


def round_sig(x: float, sig: int = DEFAULT_SIG) -> float | None:
    """Round ``x`` to ``sig`` significant digits; NaN/inf → None."""
    x = float(x)
    if not math.isfinite(x):
        return None
    if x == 0.0:
        return 0.0
    return float(f"{x:.{sig}g}")


def json_safe(obj: Any, sig: int | None = DEFAULT_SIG) -> Any:
    """Convert numpy types, tuples and dataclass-like results into plain JSON values.

    Parameters
    ----------
    obj : any
        Mappings, sequences, numpy arrays/scalars, objects with ``to_dict()``.
    sig : int or None
        Significant digits for floats (None keeps full precision; NaN/inf still → None).
    """
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        obj = obj.to_dict()
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v, sig) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, sig) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v, sig) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        if sig is None:
            return float(obj) if math.isfinite(obj) else None
        return round_sig(obj, sig)
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot express {type(obj).__name__} as JSON")


def dumps(obj: Any, sig: int | None = DEFAULT_SIG) -> str:
    """Sorted, indented JSON of :func:`json_safe` ``(obj, sig)``."""
    return json.dumps(json_safe(obj, sig), indent=2, sort_keys=True, allow_nan=False)


def print_json(obj: Any, sig: int | None = DEFAULT_SIG) -> None:
    """Print :func:`dumps` ``(obj, sig)`` (the tutorial's way of showing results)."""
    print(dumps(obj, sig))
