"""Byte-reproducible PNGs: fixed dpi, no ``bbox_inches`` cropping, no ``Software``/date metadata.

Saving the same figure twice (with the same library versions) gives identical files.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..data.cache import atomic_write_bytes
from ..data.paths import artifact_dirs
from .style import _PNG_METADATA, SAVE_DPI

__all__ = ["figure_png_bytes", "save_figure"]


# ---------------------------------------------------------------------------------------------
# saving
# ---------------------------------------------------------------------------------------------
def figure_png_bytes(fig, dpi: int = SAVE_DPI) -> bytes:
    """Render ``fig`` to PNG bytes reproducibly (fixed dpi, no software/date metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=dict(_PNG_METADATA), facecolor="white")
    return buf.getvalue()


def _png_name(name: str) -> str:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name: expected a plain file name like 'V08_centroid_shift.png', got {name!r}")
    return name if name.lower().endswith(".png") else f"{name}.png"


def save_figure(fig, step_id: str, name: str, *, root: str | Path | None = None) -> tuple[Path, Path]:
    """Save ``fig`` as a PNG in a step's run folder and its committed artifacts folder.

    The figure is rendered once and the same bytes are written to both places,
    only when they differ from what is there (so an unchanged figure leaves the
    file, and ``git status``, untouched).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    step_id : str
        Notebook step, e.g. ``"11_v08_centroid_shift"``.
    name : str
        File name; ``.png`` is appended when missing.
    root : str or Path, optional
        Repository root (default: found from the working directory).

    Returns
    -------
    (Path, Path)
        ``persistent_cache/tutorial_toi-5807-incremental/<step>/<name>`` (run copy) and
        ``artifacts/tutorial_toi-5807-incremental/<step>/<name>`` (committed copy).
    """
    fname = _png_name(name)
    data = figure_png_bytes(fig)
    run_dir, docs_dir = artifact_dirs(step_id, root)
    paths = (run_dir / fname, docs_dir / fname)
    for path in paths:
        if not (path.is_file() and path.read_bytes() == data):
            atomic_write_bytes(path, data)
    return paths
