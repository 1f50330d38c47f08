"""Byte-reproducible PNGs: fixed dpi, no ``bbox_inches`` cropping, no ``Software``/date metadata.

Saving the same figure twice (with the same library versions) gives identical files. The committed
copies under ``artifacts/`` are rewritten only while the notebooks are regenerated
(``python -m toi5807 regenerate`` sets :data:`REGENERATE_ENV`) or when asked explicitly, so exploring
a notebook never overwrites the pre-rendered plots.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from ..data.cache import atomic_write_bytes
from ..data.paths import artifact_dirs
from .style import _PNG_METADATA, SAVE_DPI

__all__ = ["REGENERATE_ENV", "figure_png_bytes", "regenerating", "save_figure", "write_png"]

#: Environment variable set by ``python -m toi5807 regenerate`` (inherited by the notebook kernels).
REGENERATE_ENV = "TOI5807_REGENERATE"


def regenerating() -> bool:
    """True while ``python -m toi5807 regenerate`` runs the notebooks (:data:`REGENERATE_ENV` is ``"1"``)."""
    return os.environ.get(REGENERATE_ENV, "") == "1"


# ---------------------------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------------------------
def _figure(obj):
    """A Figure itself, or the Figure of an Axes."""
    if hasattr(obj, "savefig"):
        return obj
    fig = getattr(obj, "figure", None)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig: expected a matplotlib Figure or Axes, got {type(obj).__name__}")
    return fig


def _settle_layout(figure) -> None:
    """Run the figure's layout engine (constrained or tight layout) twice, then freeze the result.

    Each pass of constrained layout starts from the positions the previous one left, so rendering the same
    Figure again would move its panels by a fraction of a pixel and change the PNG. Two passes settle it (as
    one ``savefig`` after one draw always did, so unchanged figures keep their bytes); the positions are then
    kept (the engine is replaced by matplotlib's placeholder), and every later render gives identical bytes.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = figure.get_layout_engine()
    figure.draw_without_rendering()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    figure.draw_without_rendering()
    figure.set_layout_engine("none")


def figure_png_bytes(fig, dpi: int = SAVE_DPI) -> bytes:
    """Render ``fig`` (a Figure or one of its Axes) to PNG bytes reproducibly (fixed dpi, no metadata).

    The figure's layout is settled and then frozen (:func:`_settle_layout`), so calling this twice on the
    same Figure gives the same bytes.
    """
    buf = io.BytesIO()
    figure = _figure(fig)
    _settle_layout(figure)
    figure.savefig(buf, format="png", dpi=dpi, metadata=dict(_PNG_METADATA), facecolor="white")
    return buf.getvalue()


def _png_name(name: str) -> str:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name: expected a plain file name like 'V08_centroid_shift.png', got {name!r}")
    return name if name.lower().endswith(".png") else f"{name}.png"


def write_png(data: bytes, path: str | Path) -> Path:
    """Write PNG bytes atomically, only when they differ from the file there; return the path."""
    path = Path(path)
    if not (path.is_file() and path.read_bytes() == data):
        atomic_write_bytes(path, data)
    return path


def save_figure(fig, step_id: str, name: str, *, root: str | Path | None = None,
                committed: bool = True) -> tuple[Path, Path]:
    """Save ``fig`` as a PNG in a step's run folder and (unless ``committed=False``) its committed folder.

    The figure is rendered once and the same bytes are written, only when they differ from what is
    there (so an unchanged figure leaves the file, and ``git status``, untouched).

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    step_id : str
        Notebook step, e.g. ``"11_v08_centroid_shift"``.
    name : str
        File name; ``.png`` is appended when missing.
    root : str or Path, optional
        Repository root (default: found from the working directory).
    committed : bool, default True
        Also write the committed copy under ``artifacts/``.

    Returns
    -------
    (Path, Path)
        ``persistent_cache/tutorial_toi-5807-incremental/<step>/<name>`` (run copy, git-ignored) and
        ``artifacts/tutorial_toi-5807-incremental/<step>/<name>`` (committed copy; written only when
        ``committed``).
    """
    fname = _png_name(name)
    data = figure_png_bytes(fig)
    run_dir, docs_dir = artifact_dirs(step_id, root)
    paths = (run_dir / fname, docs_dir / fname)
    for path in paths if committed else paths[:1]:
        write_png(data, path)
    return paths
