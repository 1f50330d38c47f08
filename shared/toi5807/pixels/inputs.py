"""What the pixel checks accept as input: one stamp, several, or a Dataset — coerced in one place.

:func:`stamps_by_sector` is what :func:`toi5807.centroid.check.run_v08` and
:func:`toi5807.vetting.vet.vet_pixels` both use to turn their input into ``{sector: TPFStamp or None}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data.model import TPFStamp, from_lightkurve_tpf

__all__ = ["ACCEPTED_INPUTS", "as_stamp", "is_collection", "is_dataset", "stamps_by_sector", "usable_frames", "kept"]

#: What the pixel checks accept, for error messages.
ACCEPTED_INPUTS = ("a Dataset, a TPFStamp, a lightkurve TessTargetPixelFile, or a list, tuple, {sector: stamp} "
                   "mapping or lightkurve TargetPixelFileCollection of them")


def as_stamp(tpf: Any, name: str = "tpf") -> TPFStamp:
    """One stamp: a :class:`TPFStamp` as is, a lightkurve TPF converted; else ``TypeError`` naming the type."""
    if isinstance(tpf, TPFStamp):
        return tpf
    if hasattr(tpf, "flux") and hasattr(tpf, "pipeline_mask") and hasattr(tpf, "time"):
        return from_lightkurve_tpf(tpf)
    raise TypeError(f"{name}: expected {ACCEPTED_INPUTS}; got {type(tpf).__name__}")


def is_dataset(obj: Any) -> bool:
    """A :class:`~toi5807.data.model.Dataset` (or anything with ``tpf_by_sector`` and ``lc_by_sector``)."""
    return hasattr(obj, "tpf_by_sector") and hasattr(obj, "lc_by_sector")


def is_collection(tpf: Any) -> bool:
    """A list/tuple/mapping of stamps or a lightkurve ``TargetPixelFileCollection`` (not one stamp, not an array)."""
    if any(c.__name__ == "Collection" for c in type(tpf).__mro__):  # lightkurve's (forwards member attributes)
        return True
    if tpf is None or isinstance(tpf, (TPFStamp, np.ndarray, str, bytes)) or hasattr(tpf, "pipeline_mask"):
        return False
    return isinstance(tpf, (list, tuple, Mapping)) or (hasattr(tpf, "__iter__") and hasattr(tpf, "__len__"))


def stamps_by_sector(inputs: Any, name: str = "tpf", *, allow_none: bool = True) -> dict[int, TPFStamp | None]:
    """``{sector: stamp or None}`` (ascending sectors) from any input the pixel checks take.

    Parameters
    ----------
    inputs : Dataset, TPFStamp, lightkurve TPF, or a list / tuple / mapping / TargetPixelFileCollection of them
        A Dataset gives every sector it has (light curve or stamp); a sector without a stamp maps to None.
    name : str
        The parameter's name, for error messages.
    allow_none : bool
        Whether ``None`` is accepted (as "no stamp": ``{}``).

    Raises
    ------
    TypeError
        Anything else (a str, a number, ``None`` when not allowed): names the type and lists what is accepted.
    ValueError
        A sector given twice, or a mapping key that disagrees with its stamp's sector.
    """
    if inputs is None:
        if allow_none:
            return {}
        raise TypeError(f"{name}: expected {ACCEPTED_INPUTS}; got None")
    if is_dataset(inputs):
        return {s: inputs.tpf_by_sector.get(s) for s in sorted({*inputs.lc_by_sector, *inputs.tpf_by_sector})}
    if not is_collection(inputs):
        st = as_stamp(inputs, name)
        return {int(st.sector): st}
    out: dict[int, TPFStamp | None] = {}
    if isinstance(inputs, Mapping):
        for key, item in inputs.items():
            stamp = None if item is None else as_stamp(item, f"{name}[{key!r}]")
            if stamp is not None and stamp.sector != int(key):
                raise ValueError(f"{name}[{key!r}]: holds a stamp of sector {stamp.sector}")
            out[int(key)] = stamp
        return dict(sorted(out.items()))
    for i, item in enumerate(inputs):
        stamp = as_stamp(item, f"{name}[{i}]")
        if stamp.sector in out:
            raise ValueError(f"{name}[{i}]: sector {stamp.sector} appears twice; give one stamp per sector")
        out[stamp.sector] = stamp
    return dict(sorted(out.items()))


def usable_frames(flux: Any) -> tuple[np.ndarray, int, np.ndarray]:
    """Which frames of a cube both checks keep: those finite on every usable pixel.

    A pixel is usable when it is finite in at least half the frames and not zero in all of them; a frame is
    dropped (one by one, not the sector) when any usable pixel is non-finite in it.

    Parameters
    ----------
    flux : ndarray, shape (n_time, n_rows, n_cols)
        e-/s.

    Returns
    -------
    (ndarray of bool, int, ndarray of bool)
        Frames kept (n_time,), the number dropped, and the usable-pixel mask (n_rows, n_cols).
    """
    f = np.asarray(flux)
    if f.dtype.kind != "f":
        f = f.astype(float)
    n = f.shape[0]
    if n and np.isfinite(f).all():  # the common case: every pixel finite in every frame; the not-all-zero test
        good = np.any(f != 0, axis=0) if np.any(f[0] == 0) else np.ones(f.shape[1:], dtype=bool)
        return np.ones(n, dtype=bool), 0, good
    fin = np.isfinite(f)
    n_fin = np.count_nonzero(fin, axis=0)
    # "not zero in every frame": a non-zero first frame settles it for most pixels; only the rest are scanned
    nonzero = fin[0] & (f[0] != 0) if n else np.zeros(f.shape[1:], dtype=bool)
    rest = ~nonzero
    if n and rest.any():
        nonzero[rest] = np.any(fin[:, rest] & (f[:, rest] != 0), axis=0)
    good = (n_fin >= 0.5 * n) & nonzero
    if not good.any():
        keep = np.zeros(n, dtype=bool)
    elif n_fin[good].min() == n:  # every usable pixel finite in every frame: the common case
        keep = np.ones(n, dtype=bool)
    else:
        keep = np.all(fin[:, good], axis=1)
    return keep, int(n - np.count_nonzero(keep)), good


def kept(values: Any, keep: np.ndarray) -> Any:
    """``values[keep]`` along the first axis, or ``values`` itself (no copy; ``None`` stays ``None``) when every
    frame is kept — the usual case, where a boolean index would copy the whole cube for nothing."""
    if values is None or bool(np.all(keep)):
        return values
    return values[keep]
