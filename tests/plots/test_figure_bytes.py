"""The PNG of a figure is the same every time it is rendered: the notebooks' inline figures and ``regenerate``."""

from __future__ import annotations

import numpy as np



def test_a_constrained_layout_figure_renders_to_the_same_bytes_twice(plt):
    """Each constrained-layout pass starts from the last one's positions: the old code's second render of the same
    figure (a colour bar, a legend outside, a suptitle) moved the panels and changed the PNG."""
    from toi5807.plots import figure_png_bytes

    fig, axes = plt.subplots(1, 3, figsize=(9, 3), layout="constrained")
    for i, ax in enumerate(axes):
        im = ax.imshow(np.arange(30.0).reshape(5, 6) * (i + 1))
        fig.colorbar(im, ax=ax, label="e-/s")
        ax.set_title(f"panel {i}: a long title that wraps the layout")
    axes[0].plot([0, 5], [0, 4], label="line")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.3, 1))
    fig.suptitle("three panels")
    first = figure_png_bytes(fig)
    assert figure_png_bytes(fig) == first == figure_png_bytes(axes[1])
