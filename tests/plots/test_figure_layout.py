"""Figures that fit: labels that do not pile up, panels that are not empty, marks that cover nothing."""

from __future__ import annotations

from plot_inputs import twin_data



def test_close_catalogue_stars_share_one_label():
    from toi5807.plots.diffimage import _group_label

    assert _group_label(["image star 4", "image star 5"]) == "image stars 4, 5"
    assert _group_label(["neighbour 1"]) == "neighbour 1"
    assert _group_label(["target", "neighbour 2"]) == "target, neighbour 2"


def test_sky_offsets_without_source_positions_draw_one_panel_saying_why(plt):
    from toi5807.plots import plot_sky_offsets

    an = twin_data()["analysis"]
    assert not any(s.source.usable for s in an.sectors)  # the planet twin: stamp depths below 3σ
    fig = plot_sky_offsets(an)
    assert len(fig.axes) == 1
    assert any("no transit-source offset" in t.get_text() for t in fig.axes[0].texts)


def test_one_sector_difference_image_has_no_combined_marker(plt):
    import dataclasses

    from toi5807.plots import plot_diffimages

    vet = twin_data()["vet"]
    one = dataclasses.replace(vet, sectors={83: vet.sectors[83]})
    labels = [t.get_text() for a in plot_diffimages(one).axes for t in (a.get_legend().get_texts()
                                                                        if a.get_legend() else [])]
    assert labels and not any("combined" in lab for lab in labels)
    labels4 = [t.get_text() for a in plot_diffimages(vet).axes for t in (a.get_legend().get_texts()
                                                                         if a.get_legend() else [])]
    assert any("combined" in lab for lab in labels4)


def test_simulated_footer_sits_below_the_panels(plt):
    from toi5807.plots import plot_v08_summary

    fig = plot_v08_summary(twin_data()["results"])
    fig.canvas.draw()
    mark = next(t for t in fig.texts if t.get_gid() == "simulated-mark")
    box = mark.get_window_extent()
    for ax in fig.axes:
        tight = ax.get_tightbbox()
        assert box.y1 <= tight.y0 + 1 or box.x1 < tight.x0, "the SIMULATED footer overlaps a panel"


def test_planet_twin_has_no_background_eb_host():
    import toi5807 as sh

    labels = [s.label for s in sh.twin_catalogue(scenario="planet").stars]
    assert "background EB host" not in labels and "neighbour 5" in labels
    assert "background EB host" in [s.label for s in sh.twin_catalogue(scenario="background_eb").stars]
