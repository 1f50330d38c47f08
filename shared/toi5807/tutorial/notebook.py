"""Notebook set-up and figure keeping: the tutorial style, reproducible inline PNGs, repo-relative paths.

Figures are saved into the committed ``artifacts/`` only by ``python -m toi5807 regenerate``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..data.paths import repo_relative
from .display import Note

__all__ = ["setup_notebook", "save_plot", "SavedPlot"]


class SavedPlot(dict):
    """What :func:`save_plot` returns: a mapping that a notebook shows as the figure itself, inline.

    Jupyter displays it as this run's PNG (``image/png``, the exact bytes written to ``persistent_cache/``) with
    a short, stable text (``text/plain``: ``figure: name.png (W×H px)``), so the reader sees the figure they
    just made, and a notebook converted elsewhere (``jupyter nbconvert --output-dir``) carries its figures with
    it. nbval compares the text and skips the image. A skipped plot shows its reason.
    """

    def __init__(self, *args: Any, png: bytes | None = None, name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._png = png
        self._name = name

    @property
    def same_as_stored(self) -> bool:
        """True when this run's PNG is byte-identical to the committed copy under ``artifacts/``."""
        return bool(self.get("same_as_stored_figure", False))

    @property
    def png(self) -> bytes | None:
        """This run's PNG bytes (None for a skipped plot)."""
        return self._png

    @property
    def size_px(self) -> tuple[int, int] | None:
        """(width, height) of the PNG in pixels, read from its header (None for a skipped plot)."""
        if not self._png or len(self._png) < 24:
            return None
        return int.from_bytes(self._png[16:20], "big"), int.from_bytes(self._png[20:24], "big")

    def __repr__(self) -> str:
        if "skipped" in self:
            return f"no figure: {self['skipped']}"
        w, h = self.size_px or (0, 0)
        return f"figure: {self._name} ({w}×{h} px)"

    def _repr_png_(self) -> bytes | None:
        return None if "skipped" in self else self._png

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import base64

        bundle = {"text/plain": repr(self)}
        if "skipped" not in self and self._png:
            bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
        return bundle


def setup_notebook() -> None:
    """Apply the tutorial's plot style and make inline notebook figures reproducible.

    Sets matplotlib's rcParams to :data:`toi5807.plots.style.STYLE` and, inside a
    notebook kernel, selects the inline backend and renders inline PNGs without
    ``bbox_inches="tight"`` and without the ``Software`` metadata entry, so the
    image stored in the notebook is as reproducible as the saved artifact.
    Prints nothing.
    """
    import matplotlib

    from ..plots.style import _PNG_METADATA, apply_style

    apply_style()
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook kernel
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return  # a terminal or script: keep the user's backend
    # In a notebook kernel always draw inline, even when MPLBACKEND (e.g. "Agg" from a test run) says otherwise,
    # so the stored figure outputs do not depend on the environment the kernel was started from.
    if "inline" not in str(matplotlib.get_backend()).lower():
        shell.enable_matplotlib("inline")
    import matplotlib.pyplot  # noqa: F401 - importing pyplot activates the inline backend integration
    from matplotlib_inline.config import InlineBackend

    InlineBackend.instance().print_figure_kwargs = {"bbox_inches": None, "metadata": dict(_PNG_METADATA)}


def save_plot(fig, step_id: str, name: str, *, save_to: str | Path | None = None, **extra: Any) -> dict[str, Any]:
    """Keep a notebook figure as a PNG and report where, repo-relative.

    The run copy goes to ``persistent_cache/`` (git-ignored) every time. The committed copy under
    ``artifacts/`` is rewritten only while ``python -m toi5807 regenerate`` runs the notebooks (see
    :func:`toi5807.plots.regenerating`), so running a notebook yourself, or under nbval, never changes
    the pre-rendered plots. The returned mapping, and so the notebook's printed output, is the same
    either way.

    Parameters
    ----------
    fig : matplotlib.figure.Figure, matplotlib.axes.Axes or Note
        What a plot function returned. A :class:`~toi5807.tutorial.display.Note` (nothing to plot, e.g.
        no target pixel files) is reported as ``{"skipped": note}`` and nothing is written.
    step_id : str
        Notebook step folder, e.g. ``"03_phase_folded_transit_plot"``.
    name : str
        PNG file name.
    save_to : str or Path, optional
        Also write the PNG there: a folder (the file keeps ``name``) or a ``.png`` path.
    **extra
        Further entries of the returned mapping (e.g. ``sector_plotted=83``).

    Returns
    -------
    SavedPlot
        A dict that a notebook shows as the figure, inline (this run's PNG, with the text
        ``figure: name.png (W×H px)``): ``run_plot_path`` and ``docs_plot_path`` (forward slashes, relative
        to the repository root; the committed copy's place, rewritten only by ``regenerate``),
        ``same_as_stored_figure`` (this run's PNG is byte-identical to the committed one) plus ``extra``;
        ``{"skipped": note}`` when there was nothing to plot.
    """
    from ..plots import regenerating, save_figure, write_png

    if isinstance(fig, Note):
        return SavedPlot(skipped=str(fig), **extra)
    run_path, docs_path = save_figure(fig, step_id, name, committed=regenerating())
    png = run_path.read_bytes()
    if save_to is not None:
        target = Path(save_to)
        target = target if target.suffix.lower() == ".png" else target / run_path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_png(png, target)
    same = docs_path.is_file() and docs_path.read_bytes() == png
    return SavedPlot(run_plot_path=repo_relative(run_path), docs_plot_path=repo_relative(docs_path),
                     same_as_stored_figure=same, **extra, png=png, name=run_path.name)
