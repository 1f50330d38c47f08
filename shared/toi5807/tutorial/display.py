"""Reader-facing output without pandas: small tables (HTML in Jupyter, a markdown table as text) and notes.

:func:`table` rounds numbers for reading (3 significant digits by default) and never prints ``nan`` or
``null``: a missing value shows as "—". :class:`Note` is a sentence that displays as itself, used where
a step has nothing to measure (e.g. no target pixel files).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..report import Note, html_table, round_sig

__all__ = ["Note", "Table", "table", "MISSING"]

#: How a missing value (None, NaN) is shown in a table.
MISSING = "—"


def _cell(value: Any, sig: int) -> str:
    if value is None:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        r = round_sig(float(value), sig)
        if r is None:
            return MISSING
        if r == 0 or 1e-4 <= abs(r) < 1e7:
            return np.format_float_positional(r, trim="-")
        return f"{r:.{sig}g}"
    if isinstance(value, (tuple, list, np.ndarray)):
        return "(" + ", ".join(_cell(v, sig) for v in value) + ")"
    return str(value)


class Table:
    """Rows of formatted cells with a header: ``_repr_html_`` in Jupyter, a markdown table as text.

    Attributes
    ----------
    columns : tuple of str
    rows : tuple of tuple of str
        Formatted cells (rounded, "—" for missing values).
    title : str
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
        self.columns = tuple(str(c) for c in columns)
        self.rows = tuple(tuple(r) for r in rows)
        self.title = title

    def __len__(self) -> int:
        return len(self.rows)

    def _repr_html_(self) -> str:
        return html_table(self.rows, header=self.columns, caption=self.title)

    def __repr__(self) -> str:
        widths = [max([len(c)] + [len(r[i]) for r in self.rows]) for i, c in enumerate(self.columns)]
        line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
        out = [self.title, ""] if self.title else []
        out += [line(self.columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in self.rows]
        return "\n".join(out)

    __str__ = __repr__


#: Columns whose numbers are times or sky positions keep a fixed number of decimals whatever ``sig`` says:
#: a mid-transit time to 1e-5 d (0.9 s), a coordinate to 1e-6 degrees (0.004″). Matched in the column name.
FIXED_DECIMALS = (("BTJD", 5), ("(deg)", 6), ("RA", 6), ("Dec", 6))


def _decimals(column: str) -> int | None:
    words = str(column).replace("(", " (").split()
    for key, n in FIXED_DECIMALS:
        if key in str(column) if key.startswith("(") or key == "BTJD" else key in words:
            return n
    return None


def _fixed(value: Any, decimals: int | None, sig: int) -> str:
    if decimals is not None and isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return f"{float(value):.{decimals}f}" if np.isfinite(value) else MISSING
    if decimals is not None and isinstance(value, (tuple, list, np.ndarray)):
        return "(" + ", ".join(_fixed(v, decimals, sig) for v in value) + ")"
    return _cell(value, sig)


def table(rows: Any, columns: Sequence[str] | None = None, *, index: str | None = None, sig: int = 3,
          title: str = "") -> Table:
    """A small table for reader-facing cells, numbers rounded to ``sig`` significant digits.

    Parameters
    ----------
    rows : sequence of mappings, sequence of sequences, or mapping label -> mapping
        One row each. A mapping of mappings puts its keys in a first column named ``index``.
    columns : sequence of str, optional
        Column order (default: keys in first-seen order; required for rows given as sequences).
    index : str, optional
        Name of the first column for a mapping of mappings (default ``""``).
    sig : int, default 3
        Significant digits of ordinary numbers. Times (a column named with "BTJD") keep 5 decimals and sky
        coordinates ("RA", "Dec", "(deg)") 6 decimals (:data:`FIXED_DECIMALS`): a table never rounds them away.
    title : str, optional
        Caption.

    Returns
    -------
    Table
        Shown as an HTML table in Jupyter and as a markdown table in text (``print``, the stored
        notebook output).
    """
    if isinstance(sig, bool) or not isinstance(sig, int) or sig < 1:
        raise ValueError(f"sig: expected a positive int, got {sig!r}")
    if isinstance(rows, Mapping):
        name = index or ""
        rows = [{name: k, **dict(v)} for k, v in rows.items()]
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        if columns is None:
            columns = list(dict.fromkeys(k for r in rows for k in r))
        cells = [[_fixed(r.get(c), _decimals(c), sig) for c in columns] for r in rows]
    else:
        if columns is None:
            raise ValueError("columns: required when rows are sequences")
        dec = [_decimals(c) for c in columns]
        cells = [[_fixed(v, d, sig) for v, d in zip(r, dec)] for r in rows]
        bad = [i for i, r in enumerate(cells) if len(r) != len(columns)]
        if bad:
            raise ValueError(f"rows: row {bad[0]} has {len(cells[bad[0]])} cells, expected {len(columns)}")
    return Table(columns or [], cells, title)
