"""Stable, human-readable output: JSON for notebook outputs, and results that explain themselves.

Floats are rounded to a stated number of significant digits so printed results
are identical across machines; NaN and infinities become ``null``. The
:class:`Explained` mixin gives every result class a short ``repr``, an HTML
table for Jupyter and ``.plot()``; :func:`with_simulated` carries the
"simulated" label through nested results.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["round_sig", "json_safe", "dumps", "print_json", "DEFAULT_SIG", "fmt", "html_table", "Explained",
           "register_plot", "with_simulated"]

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


#: Keys whose numbers are times or sky coordinates: rounding them to ``sig`` significant digits would move a
#: mid-transit by hours (3540.26317 → 3540) or a star by a tenth of a degree (308.6123 → 308.6). Their floats
#: keep a fixed number of decimals instead: 1e-7 d (0.01 s) for BTJD times and periods, 1e-8 degrees for
#: coordinates.
_FIXED_DECIMALS = ((re.compile(r"(^|_)(btjd|t0|time|times|epoch|mid_transit|midtransit|period)(_|$)"), 7),
                   (re.compile(r"(^|_)(ra|dec)(_deg)?($|_)|_deg$|^(ra|dec)$"), 8))


def _decimals_for(key: str) -> int | None:
    k = str(key).lower()
    for pattern, decimals in _FIXED_DECIMALS:
        if pattern.search(k) and not k.endswith(("_arcsec", "_sigma", "_hours", "_pixels", "_ppm", "_count")):
            return decimals
    return None


def _fixed_decimals(obj: Any, decimals: int) -> Any:
    """Floats of ``obj`` (nested) rounded to ``decimals`` decimal places; the rest as :func:`json_safe`."""
    if isinstance(obj, (float, np.floating)) and not isinstance(obj, bool):
        return round(float(obj), decimals) if math.isfinite(obj) else None
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_fixed_decimals(v, decimals) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    return json_safe(obj, None)


def json_safe(obj: Any, sig: int | None = DEFAULT_SIG) -> Any:
    """Convert numpy types, tuples and dataclass-like results into plain JSON values.

    Parameters
    ----------
    obj : any
        Mappings, sequences, numpy arrays/scalars, objects with ``to_dict()``.
    sig : int or None
        Significant digits for floats (None keeps full precision; NaN/inf still → None). Values under keys
        naming a time or period (``*_btjd``, ``t0``, ``epoch``, ``period_days``...) or a sky coordinate (``ra``,
        ``dec``, ``*_deg``) are never rounded to ``sig``: they keep 7 decimals of a day and 8 of a degree.
    """
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        obj = obj.to_dict()
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            decimals = _decimals_for(k) if sig is not None else None
            out[str(k)] = _fixed_decimals(v, decimals) if decimals is not None and not isinstance(v, Mapping) \
                else json_safe(v, sig)
        return out
    if isinstance(obj, (list, tuple)):
        if all(type(v) is float for v in obj):  # plain floats (e.g. a result's tuples): no per-element dispatch
            return [v if math.isfinite(v) else None for v in obj] if sig is None else [round_sig(v, sig) for v in obj]
        return [json_safe(v, sig) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.ndim == 1 and obj.dtype.kind in "biuf":  # the common case, without the per-element dispatch
            if obj.dtype.kind == "f":
                vals = obj.tolist()
                return ([v if math.isfinite(v) else None for v in vals] if sig is None
                        else [round_sig(v, sig) for v in vals])
            return obj.tolist() if obj.dtype.kind != "b" else [bool(v) for v in obj]
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


# ---------------------------------------------------------------------------------------------
# results that explain themselves: short repr, HTML table, .plot(), the "simulated" label
# ---------------------------------------------------------------------------------------------
def fmt(x: Any, spec: str = ".3g", unit: str = "") -> str:
    """``x`` formatted with ``spec`` and a unit; ``"n/a"`` for None, NaN and infinities (never "nan")."""
    if x is None or (isinstance(x, (float, np.floating)) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, (tuple, list, np.ndarray)):
        return "(" + ", ".join(fmt(v, spec) for v in x) + ")" + (f" {unit}" if unit else "")
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    text = format(x, spec) if isinstance(x, (int, float, np.integer, np.floating)) else str(x)
    return text + unit if unit in ("σ", "°", "%", "″") else (f"{text} {unit}" if unit else text)


def html_table(rows: Any, *, header: Any = None, caption: str = "") -> str:
    """A small HTML table (escaped) from rows of already formatted cells."""
    esc = html.escape
    out = ["<table>"]
    if caption:
        out.append(f"<caption style=\"text-align:left\">{esc(caption)}</caption>")
    if header:
        out.append("<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = list(row)
        if header is None and len(cells) == 2:  # label / value
            out.append(f"<tr><th style=\"text-align:left\">{esc(str(cells[0]))}</th><td>{esc(str(cells[1]))}</td></tr>")
        else:
            out.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


class Note(str):
    """A sentence shown as itself (no quotes) when it is the last expression of a notebook cell.

    What a plot or table returns instead of a figure when it has nothing to draw (e.g. no target pixel files).
    """

    def __repr__(self) -> str:
        return str(self)


#: Plot function of each result class, filled in by :mod:`toi5807.plots` (the layer above).
_PLOTTERS: dict[type, Callable[..., Any]] = {}


def register_plot(cls: type, func: Callable[..., Any]) -> None:
    """Make ``cls(...).plot(**kw)`` call ``func(result, **kw)``.

    Result classes live below the plotting layer and may not import it; :mod:`toi5807.plots` registers
    its functions here when it is imported (which ``import toi5807`` always does).
    """
    _PLOTTERS[cls] = func


class Explained:
    """Mixin of the result dataclasses: a 1–5 line ``repr``, an HTML table in Jupyter, ``.plot()``.

    A subclass implements :meth:`_display` returning a headline and ``(label, value)`` rows, values
    already formatted with their units (see :func:`fmt`). ``repr`` shows the headline and the first
    four rows; ``_repr_html_`` shows all rows. Declare the dataclass with ``repr=False`` so this
    ``repr`` is used.
    """

    def _display(self) -> tuple[str, list[tuple[str, str]]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _headline(self) -> str:
        head, _ = self._display()
        return head + (" — SIMULATED" if getattr(self, "simulated", False) else "")

    def __repr__(self) -> str:
        _, rows = self._display()
        return "\n".join([self._headline()] + [f"  {k}: {v}" for k, v in rows[:4]])

    def _repr_html_(self) -> str:
        _, rows = self._display()
        return html_table(rows, caption=self._headline())

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        """Draw this result with its function from :mod:`toi5807.plots`; returns the Axes (or Figure).

        Keywords are those of that function (e.g. ``ax=`` or ``fig=``).
        """
        for cls in type(self).__mro__:
            if cls in _PLOTTERS:
                return _PLOTTERS[cls](self, *args, **kwargs)
        raise TypeError(f"{type(self).__name__} has no plot (import toi5807.plots to register one)")


def with_simulated(obj: Any, simulated: bool) -> Any:
    """``obj`` with every ``simulated`` field (nested dataclasses, tuples, dicts included) set to ``simulated``.

    The array-level functions cannot know where their arrays came from; the functions that take a stamp
    (:func:`toi5807.run_v08`, :func:`toi5807.centroid.analyze_v08_offsets`) label their results with the
    stamp's :attr:`~toi5807.data.model.TPFStamp.simulated` through this. Unchanged parts are returned as is.
    """
    flag = bool(simulated)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            value = getattr(obj, f.name)
            new = flag if f.name == "simulated" else with_simulated(value, flag)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    if isinstance(obj, tuple) and obj and not isinstance(obj[0], (int, float, str)):
        new = tuple(with_simulated(v, flag) for v in obj)
        return new if any(a is not b for a, b in zip(new, obj)) else obj
    if isinstance(obj, dict):
        new = {k: (flag if k == "simulated" and isinstance(v, bool) else with_simulated(v, flag))
               for k, v in obj.items()}
        return new if any(new[k] is not obj[k] for k in obj) else obj
    return obj
