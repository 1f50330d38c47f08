"""Arcsec axes of the plots come from the stamps' WCS (via the results), never from a fixed 21″ per pixel."""

from __future__ import annotations

import numpy as np
import pytest
from plot_inputs import small_injection, twin_data



def _arcsec_axis(fig):
    fig.canvas.draw()  # a secondary axis takes its limits at draw time
    ax1 = fig.axes[0]
    (sec,) = ax1.child_axes
    return ax1, sec


def test_sensitivity_curve_is_drawn_in_arcsec(plt):
    from toi5807.plots import plot_sensitivity_curve

    inj = small_injection()
    ax = plot_sensitivity_curve(inj)
    xs = {tuple(line.get_xdata()) for line in ax.get_lines() if len(line.get_xdata()) == 2}
    assert (20.0, 45.0) in xs  # the separations themselves, not separations × 21
    label = ax.get_xlabel()
    assert "arcsec" in label and "a pixel spans 19.8″–20.6″" in label and "21″ = 1 px" not in label
    assert plot_sensitivity_curve(inj.to_dict()).get_xlabel() == label  # the cached JSON draws the same


def test_v08_summary_arcsec_axis_uses_the_results_pixel_scale(plt):
    from toi5807.plots import plot_v08_summary
    from toi5807.tutorial import v08_sector_summary

    results = twin_data()["results"]
    scales = [r.details["pixel_scale_arcsec"] for r in results.values()]
    assert all(abs(s - 21.0) > 0.2 for s in scales)  # tess-point geometry, not the nominal scale
    mean = float(np.mean(scales))
    ax1, sec = _arcsec_axis(plot_v08_summary(results))
    # the axis says its unit; the title under it says which scale (a long side label squeezed the panels)
    assert sec.get_ylabel() == "shift (milli-arcsec)"
    assert f"mean pixel scale, {mean:.1f}″/px" in ax1.get_title() and "nominal" not in ax1.get_title()
    lo, hi = ax1.get_ylim()
    assert sec.get_ylim() == pytest.approx((lo * mean, hi * mean), rel=1e-9)
    # the printed summary (metrics only) gives nearly the same axis from arcsec ÷ pixels (the scale along each
    # shift: the twin's WCS, like the real one, is not exactly isotropic)
    _, sec2 = _arcsec_axis(plot_v08_summary(v08_sector_summary(results)))
    assert sec2.get_ylim() == pytest.approx(sec.get_ylim(), rel=0.02)
    # one stamp: its own scale; an explicit scale: that one, said so
    one = {83: results[83]}
    ax3, _ = _arcsec_axis(plot_v08_summary(one))
    assert f"this stamp's pixel scale, {results[83].details['pixel_scale_arcsec']:.1f}″/px" in ax3.get_title()
    ax4, _ = _arcsec_axis(plot_v08_summary(one, pixel_scale_arcsec=20.0))
    assert "given 20.0″/px" in ax4.get_title()
    with pytest.raises(ValueError, match="pixel_scale_arcsec"):
        plot_v08_summary(one, pixel_scale_arcsec=-1.0)


def test_v08_summary_says_when_the_scale_is_nominal_and_omits_an_unknown_one(plt):
    from toi5807.plots import plot_v08_summary
    from toi5807.twin.synthetic import make_synthetic_stamp
    from toi5807.centroid import run_v08

    stamp, tp = make_synthetic_stamp(shift_pixels=(0.05, 0.0))  # no WCS
    res = run_v08(stamp, tp)
    ax1, _ = _arcsec_axis(plot_v08_summary({1: res}))
    assert "21.0″/px, nominal: no WCS" in ax1.get_title()
    bare = {1: {"status": "ok", "flags": [], "metrics": {"centroid_shift_pixels": 0.01, "significance_sigma": 1.0}}}
    assert plot_v08_summary(bare).axes[0].child_axes == []  # no scale known: no arcsec axis
