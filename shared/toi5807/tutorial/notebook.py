"""Notebook set-up and figure saving: the tutorial style, reproducible inline PNGs, repo-relative paths.
"""

from __future__ import annotations

from typing import Any

from ..data.paths import repo_relative

__all__ = ["setup_notebook", "save_plot"]


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


def save_plot(fig, step_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """Save ``fig`` (see :func:`toi5807.plots.save_figure`) and report where, repo-relative.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    step_id : str
        Notebook step folder, e.g. ``"03_phase_folded_transit_plot"``.
    name : str
        PNG file name.
    **extra
        Further entries of the returned mapping (e.g. ``sector_plotted=83``).

    Returns
    -------
    dict
        ``run_plot_path`` and ``docs_plot_path`` (forward slashes, relative to the repository root) plus ``extra``.
    """
    from ..plots import save_figure

    run_path, docs_path = save_figure(fig, step_id, name)
    return {"run_plot_path": repo_relative(run_path), "docs_plot_path": repo_relative(docs_path), **extra}
