"""Every public plot function: ``ax=``/``fig=``, returns what it drew, writes no file, marks simulated data."""

from __future__ import annotations

import types

import pytest
from plot_inputs import artifact_hashes, small_injection




def _calls(twin):
    """name -> (call taking ax= or fig=, "ax" or "fig", made from simulated data?)."""
    import toi5807 as sh
    from toi5807 import plots, tutorial

    st, cand, res, an = twin["stamps"], twin["candidate"], twin["results"], twin["analysis"]
    ds = types.SimpleNamespace(tpf_by_sector=st)
    sec = an.sectors[-1]
    null, injection = sh.load_calibration("null_calibration.json"), small_injection()
    vet = twin["vet"]
    return {
        "plot_centroid_shift": (lambda **k: plots.plot_centroid_shift(res[83], **k), "ax", True),
        "plot_phase_folded": (lambda **k: plots.plot_phase_folded(twin["stitched"], cand, **k), "ax", True),
        "plot_per_transit_vectors": (lambda **k: plots.plot_per_transit_vectors(
            sec.out_of_transit_mean_image, sec.per_transit, sec.out_of_transit_centroid, **k), "ax", True),
        "plot_sector_offsets": (lambda **k: plots.plot_sector_offsets(sec, **k), "ax", True),
        "plot_per_transit": (lambda **k: plots.plot_per_transit(st, an, 83, **k), "ax", True),
        "plot_sensitivity_curve": (lambda **k: plots.plot_sensitivity_curve(injection, **k), "ax", True),
        "plot_transit_windows": (lambda **k: plots.plot_transit_windows(cand, **k), "ax", False),
        "plot_null_calibration": (lambda **k: plots.plot_null_calibration(null, **k), "fig", True),
        "plot_sky_offsets": (lambda **k: plots.plot_sky_offsets(an, **k), "fig", True),
        "plot_v08_summary": (lambda **k: plots.plot_v08_summary(res, **k), "fig", True),
        "plot_diffimage": (lambda **k: plots.plot_diffimage(vet.sectors[83], catalogue=vet.catalogue, **k), "ax", True),
        "plot_diffimages": (lambda **k: plots.plot_diffimages(vet, **k), "fig", True),
        "plot_pointing": (lambda **k: plots.plot_pointing(twin["sim83"], **k), "fig", True),
        "plot_own_calibration": (lambda **k: plots.plot_own_calibration(twin["own"], **k), "fig", True),
        "plot_vet_summary_page": (lambda **k: plots.plot_vet_summary_page(vet, sh.Dataset({}, st, source="twin"),
                                                                          **k), "fig", True),
        "plot_aperture_dependence": (lambda **k: plots.plot_aperture_dependence(
            sh.run_v10(st[83], cand, catalogue=vet.catalogue), **k), "ax", True),
        "plot_centroid_shift(mapping)": (lambda **k: plots.plot_centroid_shift(res, dataset=ds, **k), "ax", True),
        "plot_v08_summary(mapping)": (lambda **k: plots.plot_v08_summary(res, **k), "fig", True),
    }


#: Multi-panel figures that draw one panel for these inputs (the twin planet has no source offset to draw).
ONE_PANEL_HERE = {"plot_sky_offsets"}


def _marked(obj) -> bool:
    fig = getattr(obj, "figure", None) or obj
    texts = list(fig.texts) + [t for a in fig.axes for t in a.texts]
    return any(t.get_gid() == "simulated-mark" and "SIMULATED" in t.get_text() for t in texts)


def test_every_public_plot_function_is_covered(twin):
    from toi5807 import plots, tutorial

    public = {n for n in plots.__all__ if n.startswith("plot_")}
    assert public == {k.split("(")[0] for k in _calls(twin)}, "add the new plot function to _calls(): it must take ax=/fig= too"
    assert {f.__name__ for f in plots.PLOT_FUNCTIONS} == public
    assert not [n for n in tutorial.__all__ if n.startswith("plot_")], "figures live in the plots layer only"


def test_plot_functions_take_ax_or_fig_return_it_and_write_nothing(twin, plt):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    before = artifact_hashes()
    assert before, "artifacts/ should hold the committed plots"
    for name, (call, kind, simulated) in _calls(twin).items():
        made = call()
        if kind == "ax":
            assert isinstance(made, Axes), name
            fig, ax = plt.subplots()
            assert call(ax=ax) is ax, f"{name} must draw in the ax it is given and return it"
            assert ax.has_data() or ax.texts or ax.patches, name
        else:
            assert isinstance(made, Figure), name
            fig = plt.figure()
            assert call(fig=fig) is fig, f"{name} must draw in the fig it is given and return it"
            assert len(fig.axes) >= (1 if name in ONE_PANEL_HERE else 2), name
            grid, (cell, other) = plt.subplots(1, 2)
            sub = call(ax=cell)  # a multi-panel figure fills one cell of the user's grid
            assert sub.figure is grid and cell not in grid.axes and other in grid.axes and sub.axes, name
        assert _marked(made) is simulated and _marked(ax if kind == "ax" else fig) is simulated, (
            f"{name}: figures of simulated data carry the SIMULATED mark, others do not")
        plt.close("all")
    assert artifact_hashes() == before, "a plot function wrote into artifacts/"


def test_real_data_figure_has_no_simulated_mark_and_fig_must_be_empty(twin, plt):
    import dataclasses

    from toi5807.plots import plot_centroid_shift, plot_v08_summary

    real = dataclasses.replace(twin["results"][83], simulated=False)
    assert not _marked(plot_centroid_shift(real))
    fig = plt.figure()
    fig.add_subplot()
    with pytest.raises(ValueError, match="fig: expected an empty Figure"):
        plot_v08_summary(twin["results"], fig=fig)
    with pytest.raises(TypeError, match="ax: expected a matplotlib Axes"):
        plot_centroid_shift(real, ax="left")


def test_result_plot_methods_delegate_to_the_plots_layer(twin, plt):
    import toi5807 as sh
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    an = twin["analysis"]
    assert isinstance(twin["results"][83].plot(), Axes)
    _, ax = plt.subplots()
    assert an.sectors[0].plot(ax=ax) is ax
    assert isinstance(an.plot(), Figure)
    grid, (left, _right) = plt.subplots(1, 2)
    assert twin["vet"].plot(ax=left).figure is grid  # every result's .plot takes ax=
    with pytest.raises(TypeError, match="CombinedOffset has no plot"):
        an.combined_shift.plot()
    assert sh.CheckResult().plot().texts  # a skipped result draws its reason


def test_save_plot_writes_artifacts_only_when_regenerating(twin, plt, tmp_path, monkeypatch):
    import base64

    from toi5807.plots import REGENERATE_ENV, figure_png_bytes
    from toi5807.tutorial import Note, save_plot

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "shared" / "toi5807").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(REGENERATE_ENV, raising=False)
    ax = twin["results"][83].plot()
    docs = tmp_path / "artifacts" / "tutorial_toi-5807-incremental" / "99_step" / "f.png"
    run = tmp_path / "persistent_cache" / "tutorial_toi-5807-incremental" / "99_step" / "f.png"
    quiet = save_plot(ax, "99_step", "f.png", sector_plotted=83)
    assert run.is_file() and not docs.exists()
    monkeypatch.setenv(REGENERATE_ENV, "1")
    loud = save_plot(ax.figure, "99_step", "f.png", sector_plotted=83, save_to=tmp_path / "mine")
    where = {"run_plot_path": "persistent_cache/tutorial_toi-5807-incremental/99_step/f.png",
             "docs_plot_path": "artifacts/tutorial_toi-5807-incremental/99_step/f.png", "sector_plotted": 83}
    assert quiet == {**where, "same_as_stored_figure": False} and loud == {**where, "same_as_stored_figure": True}
    # every figure shows inline, whether or not it is the stored one: its PNG, with a short stable text
    png = figure_png_bytes(ax)
    for saved in (quiet, loud):
        bundle = saved._repr_mimebundle_()
        assert base64.b64decode(bundle["image/png"]) == png == saved._repr_png_()
        w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert bundle["text/plain"] == repr(saved) == f"figure: f.png ({w}×{h} px)"
    assert save_plot(ax, "99_step", "f.png").same_as_stored  # now that the stored copy exists
    assert docs.read_bytes() == run.read_bytes() == (tmp_path / "mine" / "f.png").read_bytes() == figure_png_bytes(ax)
    skipped = save_plot(Note("no target pixel files for sectors 55: V08 needs them"), "99_step", "g.png")
    assert skipped == {"skipped": "no target pixel files for sectors 55: V08 needs them"}
    assert skipped._repr_mimebundle_() == {"text/plain": "no figure: no target pixel files for sectors 55: V08 needs them"}


def test_save_plot_shows_the_figure_inline_and_leaves_artifacts_alone(plt, tmp_path, monkeypatch):
    """Outside ``regenerate`` the figure is displayed from the run copy's bytes; artifacts/ is never written."""
    import base64

    from IPython.core.formatters import DisplayFormatter

    from toi5807.plots import REGENERATE_ENV, figure_png_bytes
    from toi5807.tutorial import save_plot

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "shared" / "toi5807").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(REGENERATE_ENV, "0")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    first = save_plot(fig, "99_step", "line.png")
    again = save_plot(fig, "99_step", "line.png")  # rendering twice gives the same bytes
    data, _ = DisplayFormatter().format(first)  # what a Jupyter kernel would publish
    assert data["text/plain"] == "figure: line.png (480×360 px)" == repr(again)
    assert base64.b64decode(data["image/png"]) == figure_png_bytes(fig) == again.png == first.png
    assert not [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]


@pytest.mark.real_data
def test_real_tpf_results_and_figures_are_not_marked_simulated(plt, real_tpf_dir):
    """The real sector-83 TPF: V08 runs from keywords, the result and its figure never say SIMULATED."""
    from toi5807 import target
    from toi5807.data import read_tpf_fits
    from toi5807.centroid import run_v08

    stamp = read_tpf_fits(real_tpf_dir / "sector83_tpf.fits")
    assert not stamp.simulated
    kw = dict(period=target.PERIOD_DAYS, t0=target.T0_BTJD, duration_hours=target.DURATION_HOURS)
    result = run_v08(stamp, **kw)
    assert result.status == "ok" and result.to_dict()["simulated"] is False
    assert "SIMULATED" not in repr(result) and not _marked(result.plot())
    assert run_v08([stamp], **kw)[stamp.sector].metrics == result.metrics
