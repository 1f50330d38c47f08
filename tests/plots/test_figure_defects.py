"""Each figure defect of issue #27, reproduced as an assertion: these fail on the figures before the fix."""

from __future__ import annotations

import types

import numpy as np
from plot_inputs import small_injection




def _texts(fig):
    """Every text a reader sees: figure and axes texts, titles, axis labels, tick labels, legend entries."""
    fig.canvas.draw()
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes + [c for a in fig.axes for c in a.child_axes]:
        out += [t.get_text() for t in ax.texts] + [ax.title.get_text(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    for leg in fig.legends:
        out += [t.get_text() for t in leg.get_texts()]
    return out


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 - 1 and b.x0 < a.x1 - 1 and a.y0 < b.y1 - 1 and b.y0 < a.y1 - 1


def test_log_axes_have_no_zero_tick_and_methods_come_in_the_order_of_the_text(plt):
    """Old: a symlog axis labelled "0", methods in alphabetical order, analytic and permutation both blue."""
    import toi5807 as sh
    from matplotlib.colors import to_hex

    fig = sh.plots.plot_null_calibration(sh.load_calibration("null_calibration.json"))
    fig.canvas.draw()
    bars = fig.axes[-1]
    assert bars.get_yscale() == "log"
    labels = [t.get_text() for t in bars.get_yticklabels() if t.get_text()]
    assert labels and not [lab for lab in labels if lab.strip("$\\mathdefault{}") in ("0", "0.0")]
    assert [t.get_text().split("\n")[0] for t in bars.get_xticklabels()] == [
        "analytic", "bootstrap", "permutation", "empirical", "per-transit"]
    colours = [to_hex(p.get_facecolor()) for p in bars.patches[:5]]
    assert len(set(colours)) == 5 and "#56b4e9" not in colours  # no sky blue beside the blue


def test_v08_stamp_arrow_above_markers_legend_off_the_stamp_and_a_compass(twin, plt):
    from matplotlib.patches import FancyArrowPatch

    from toi5807.data.geometry import target_pixel
    from toi5807.plots import plot_centroid_shift

    stamps = twin["stamps"]
    ax = plot_centroid_shift(twin["results"], sector=83, dataset=types.SimpleNamespace(tpf_by_sector=stamps))
    ax.figure.canvas.draw()
    arrow = next(p for p in ax.patches if p.get_gid() == "shift-arrow")
    markers = [ln for ln in ax.lines if ln.get_gid() == "centroid-marker"]
    assert len(markers) == 2 and all(arrow.get_zorder() > m.get_zorder() for m in markers)
    assert not _overlap(ax.get_legend().get_window_extent(), ax.get_window_extent())
    # the compass: N and E, pointing where the WCS says (north = towards larger Dec)
    compass = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "compass"]
    names = [t.get_text() for t in ax.texts if t.get_gid() == "compass"]
    assert names == ["N", "E"] and len(compass) == 2
    wcs = stamps[83].wcs
    x, y = target_pixel(stamps[83])
    ra, dec = wcs.pixel_to_world_values(x, y)
    north = np.subtract(wcs.world_to_pixel_values(ra, dec + 1e-3), (x, y))
    (a, b) = compass[0]._posA_posB
    drawn = np.subtract(b, a)
    assert np.dot(drawn, north) / np.hypot(*drawn) / np.hypot(*north) > 0.999
    assert any(t.get_gid() == "scale-bar" for t in ax.texts)


def test_v08_summary_names_skipped_sectors_in_words_without_empty_columns(twin, plt):
    from toi5807.centroid import CheckResult
    from toi5807.plots import plot_v08_summary

    results = {55: CheckResult(status="skipped", flags=("MISSING_TPF",)), **twin["results"]}
    fig = plot_v08_summary(results)
    texts = _texts(fig)
    assert not [t for t in texts if "MISSING_TPF" in t or "_" in t.replace("n_in", "")]
    assert "not measured (no pixels): S55" in fig.axes[1].get_xlabel()
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["S82", "S83"]


def test_sky_offsets_show_every_sector_and_say_which_sigma_is_which(twin, plt):
    from toi5807.plots import plot_sky_offsets

    fig = plot_sky_offsets(twin["analysis"])
    a1 = fig.axes[0]
    dots = [ln for ln in a1.lines if ln.get_marker() == "o" and len(ln.get_xdata())]
    diamond = next(ln for ln in a1.lines if ln.get_marker() == "D")
    assert len(dots) == 2 and diamond.get_markerfacecolor() == "none"
    assert all(d.get_zorder() > diamond.get_zorder() for d in dots)
    legend = [t.get_text() for t in a1.get_legend().get_texts()]
    assert sum("calibrated" in t for t in legend) == 2 and sum("nominal" in t for t in legend) == 1
    assert any("1σ solid, 3σ dashed" in t for t in legend)


def test_difference_images_share_one_colour_scale_and_keep_labels_off_the_inset(twin, plt):
    from toi5807.plots import plot_diffimages
    from toi5807.plots.save import figure_png_bytes

    fig = plot_diffimages(twin["vet"])
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(fig.axes) - len(panels) == 1  # one colour bar
    meshes = [m for a in panels for m in a.collections if m.get_gid() == "difference-image"]
    assert len(meshes) == 2 and len({m.get_clim() for m in meshes}) == 1
    png = figure_png_bytes(fig)
    assert int.from_bytes(png[16:20], "big") >= 1200  # two panels, readable (was 1152 for four)
    fig.canvas.draw()
    for ax in panels:
        target = next(ln for ln in ax.lines if ln.get_gid() == "target-marker")
        fitted = [ln for ln in ax.lines if ln.get_gid() == "fitted-source"]
        assert all(f.get_zorder() > target.get_zorder() for f in fitted)
        for inset in ax.child_axes:
            assert not inset.get_xticklabels() and not inset.get_yticklabels() and not inset.get_title()
            box = inset.get_window_extent()
            assert not _overlap(box, ax.title.get_window_extent())
            for label in (t for t in ax.texts if t.get_gid() == "star-label"):
                assert not _overlap(label.get_window_extent(), box), label.get_text()
        labels = [t.get_window_extent() for t in ax.texts if t.get_gid() == "star-label"]
        assert labels and not [(i, j) for i in range(len(labels)) for j in range(i) if _overlap(labels[i], labels[j])]


def test_one_sector_difference_image_is_readable(twin, plt):
    import dataclasses

    from toi5807.plots import plot_diffimages
    from toi5807.plots.save import figure_png_bytes

    vet = twin["vet"]
    png = figure_png_bytes(plot_diffimages(dataclasses.replace(vet, sectors={83: vet.sectors[83]})))
    assert int.from_bytes(png[16:20], "big") >= 850  # was 576


def test_twin_pointing_legend_omits_zero_parts_and_repeats_no_colour(twin, plt):
    from matplotlib.colors import to_hex

    from toi5807.plots import plot_pointing

    sim = twin["sim83"]
    fig = plot_pointing(sim)
    legend = fig.axes[0].get_legend()
    names = [t.get_text() for t in legend.get_texts()]
    zero = [n for n, v in sim.pointing.components.items() if not np.any(np.asarray(v) != 0)]
    assert zero and not set(zero) & set(names)
    colours = [to_hex(h.get_color()) for h in legend.legend_handles]
    assert len(set(colours)) == len(colours)


def test_per_transit_vectors_carry_a_scale_bar(twin, plt):
    from toi5807.plots import plot_per_transit

    ax = plot_per_transit(twin["stamps"], twin["analysis"], 83)
    bar = [t.get_text() for t in ax.texts if t.get_gid() == "scale-bar"]
    assert len(bar) == 1 and "mpx" in bar[0] and ("″" in bar[0] or "mas" in bar[0])


def test_sensitivity_curve_does_not_draw_another_datasets_radius_across_simulated_curves(plt):
    from toi5807.plots import plot_sensitivity_curve

    ax = plot_sensitivity_curve(small_injection(), exclusion_radius_arcsec=14.0, exclusion_label="real radius")
    vertical = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and len(set(ln.get_xdata())) == 1
                and ln.get_gid() != "exclusion-radius" and tuple(ln.get_ydata()) == (0, 1)]
    assert not vertical
    assert [ln for ln in ax.lines if ln.get_gid() == "exclusion-radius"]
    assert "real radius: 14″" in ax.get_title() and "not on this simulation" in ax.get_title()
    markers = [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert markers and all(m.get_markerfacecolor() == "none" for m in markers)


def test_own_pixel_calibration_draws_no_dotted_lines(twin, plt):
    fig = twin["own"].plot()
    dotted = [ln for ax in fig.axes for ln in ax.lines if ln.get_linestyle() == ":"]
    assert not dotted
