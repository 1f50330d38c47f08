"""The tutorial notebooks as documents, and the plotting module.

Execution of the notebooks is tested by nbval (``pytest --nbval``, configured in
pyproject.toml); these tests check what nbval does not: documentation blocks
that cannot drift from the outputs, images that exist, the data-source
convention, imports, portable paths and stable metadata. The plotting tests run
the three plot functions on small synthetic inputs and check that saved PNGs
are byte-reproducible.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from toi5807.tutorial.runner import (
    EXPECTED_SUMMARY,
    STABLE_METADATA,
    cell_text_output,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED_NAMES = {
    "00_index.ipynb",
    "01_target_overview.ipynb",
    "02_load_data_and_candidate.ipynb",
    "03_phase_folded_transit_plot.ipynb",
    "10_the_digital_twin.ipynb",
    "11_v08_centroid_shift.ipynb",
    "11b_v08_under_the_hood.ipynb",
    "11c_v08_combined_and_source_offset.ipynb",
    "11d_v08_false_positive_case.ipynb",
    "12_v09_difference_image.ipynb",
    "13_v10_aperture_dependence.ipynb",
    "14_pixel_verdict.ipynb",
}
#: Prose budget of one notebook (markdown words) and of the README front page (issue #27: 14,400 words of prose
#: in 9 notebooks, a 4,100-word README).
MAX_NOTEBOOK_WORDS = 1800
MAX_README_WORDS = 2000
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)")
ABSOLUTE_RE = re.compile(r"(/work\b|/home/|/tmp/|/Users/|[A-Za-z]:\\\\)")
ALLOWED_MODULES = {"toi5807", "matplotlib", "numpy"}


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_all_tutorial_notebooks_present():
    assert EXPECTED_NAMES <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_output_is_shown_twice(path):
    """Outputs are stored under their cells; no markdown block repeats them, and no cell prints a figure's file
    that a markdown image shows again."""
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            assert EXPECTED_SUMMARY not in cell.source, f"{path.name} cell {i}: an Expected Output block"
            assert not IMAGE_RE.search(cell.source), f"{path.name} cell {i}: a stored figure shown again as an image"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_is_lean(path):
    words = sum(len(c.source.split()) for c in _read(path).cells if c.cell_type == "markdown")
    assert words <= MAX_NOTEBOOK_WORDS, f"{path.name}: {words} words of prose (at most {MAX_NOTEBOOK_WORDS})"


def test_readme_is_a_front_page():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.split()) <= MAX_README_WORDS, f"README.md: {len(text.split())} words (at most {MAX_README_WORDS})"
    for link in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (REPO_ROOT / link).is_file(), f"README links to missing {link}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_or_stderr_in_stored_outputs(path):
    for i, cell in enumerate(_read(path).cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} cell {i}: stored error output"
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), (
                f"{path.name} cell {i}: stderr in stored output: {out.get('text', '')[:200]!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_referenced_images_exist(path):
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for ref in IMAGE_RE.findall(cell.source):
            assert not ref.startswith(("http://", "https://", "/")), f"{path.name} cell {i}: non-relative image {ref}"
            target = (path.parent / ref).resolve()
            assert target.is_file(), f"{path.name} cell {i}: image {ref} does not exist"
            assert REPO_ROOT in target.parents, f"{path.name} cell {i}: image {ref} is outside the repository"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_to_other_notebooks_resolve(path):
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for ref in LINK_RE.findall(cell.source):
                assert (path.parent / ref).is_file(), f"{path.name} cell {i}: link to missing notebook {ref}"


def test_index_lists_every_step():
    index = "\n".join(c.source for c in _read(NOTEBOOK_DIR / "00_index.ipynb").cells if c.cell_type == "markdown")
    linked = set(LINK_RE.findall(index))
    assert {p.name for p in NOTEBOOKS} - {"00_index.ipynb"} <= linked


#: The steps about the simulation itself run on the twin; every other step on the real tutorial dataset.
TWIN_STEPS = {"10_the_digital_twin.ipynb", "11d_v08_false_positive_case.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_selects_the_real_data_or_says_why_not(path):
    first = _code_cells(_read(path))[0].source
    source = "twin" if path.name in TWIN_STEPS else "tutorial"
    assert re.search(rf'^SOURCE = "{source}"', first, re.M), f"{path.name}: first code cell must set SOURCE = {source!r}"
    for name in ("SEED", "SCENARIO"):
        assert re.search(rf"^{name} = ", first, re.M), f"{path.name}: first code cell must set {name}"
    assert '"mast"' in first and '"local"' in first, f"{path.name}: say how to switch to mast/local data"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_absolute_paths(path):
    text = path.read_text(encoding="utf-8")
    match = ABSOLUTE_RE.search(text)
    assert match is None, f"{path.name}: absolute path {text[max(0, match.start() - 40):match.end() + 40]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_only_the_package_and_never_sys_path(path):
    for i, cell in enumerate(_code_cells(_read(path))):
        src = cell.source
        assert "sys.path" not in src, f"{path.name} code cell {i}: touches sys.path"
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    assert top in ALLOWED_MODULES, f"{path.name} code cell {i}: imports {alias.name}"
                    if top == "toi5807":
                        assert alias.name == "toi5807" and alias.asname == "sh", (
                            f"{path.name} code cell {i}: import the package as `import toi5807 as sh`")
            elif isinstance(node, ast.ImportFrom):
                pytest.fail(f"{path.name} code cell {i}: `from {node.module} import ...`; use `sh.<name>`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stable_metadata(path):
    nb = _read(path)
    assert dict(nb.metadata) == STABLE_METADATA
    for i, cell in enumerate(nb.cells):
        assert "execution" not in cell.metadata, f"{path.name} cell {i}: execution timing metadata"
        assert "id" not in cell, f"{path.name} cell {i}: random cell id stored"
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n") and "iopub." not in raw and "shell.execute_reply" not in raw


# ---------------------------------------------------------------------------------------------
# plotting on small synthetic inputs
# ---------------------------------------------------------------------------------------------
# (the ``plt`` fixture: tests/conftest.py)


def _synthetic_candidate():
    import toi5807 as sh

    return sh.make_candidate(300.0, sh.Ephemeris(period_days=3.0, t0_btjd=1000.0, duration_hours=3.0))


def _synthetic_lightcurve(candidate):
    from toi5807.lightcurve import StitchedLightCurve, time_from_midtransit

    rng = np.random.default_rng(1)
    time = np.arange(990.0, 1010.0, 2.0 / 1440.0)
    flux = 1.0 + rng.normal(0.0, 3e-4, time.size)
    in_tr = np.abs(time_from_midtransit(time, candidate.ephemeris)) < 0.5 * candidate.ephemeris.duration_days
    flux[in_tr] -= candidate.depth_ppm * 1e-6
    n = time.size
    return StitchedLightCurve(time, flux, np.full(n, 3e-4), np.zeros(n, np.int32), np.full(n, 1, np.int32))


def _synthetic_v08_result():
    from toi5807.centroid import CheckResult

    y, x = np.mgrid[0:9, 0:11]
    image = 1e4 * np.exp(-((x - 5.2) ** 2 + (y - 4.1) ** 2) / 2.0) + 50.0
    cov = [[4e-8, 5e-9], [5e-9, 2e-8]]
    metrics = {"centroid_shift_pixels": 0.0012, "shift_uncertainty_pixels": 0.0002, "significance_sigma": 5.9,
               "centroid_shift_arcsec": 0.0252, "n_in_transit_cadences": 240, "n_out_of_transit_cadences": 18000}
    plot_data = {
        "out_of_transit_mean_image": image.tolist(),
        "in_transit_centroid": [5.2012, 4.1002], "out_of_transit_centroid": [5.2, 4.1],
        "in_transit_centroid_cov": cov, "out_of_transit_centroid_cov": [[1e-9, 0.0], [0.0, 1e-9]],
        "aperture_mask": (np.hypot(x - 5, y - 4) < 2).tolist(), "sector": 83,
    }
    return CheckResult(status="ok", verdict="WARN", metrics=metrics, plot_data=plot_data)


def test_save_figure_is_byte_reproducible(plt, tmp_path):
    from toi5807.plots import figure_png_bytes, save_figure

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "shared" / "toi5807").mkdir(parents=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 0], label="a")
    ax.legend()
    run1, docs1 = save_figure(fig, "99_test_step", "figure", root=tmp_path)
    first = run1.read_bytes()
    run2, docs2 = save_figure(fig, "99_test_step", "figure.png", root=tmp_path)
    assert (run1, docs1) == (run2, docs2)
    assert run1.name == "figure.png"
    assert run1.parent == tmp_path / "persistent_cache" / "tutorial_toi-5807-incremental" / "99_test_step"
    assert docs1.parent == tmp_path / "artifacts" / "tutorial_toi-5807-incremental" / "99_test_step"
    assert first == run2.read_bytes() == docs2.read_bytes() == figure_png_bytes(fig)
    assert b"Software" not in first and b"matplotlib version" not in first
    with pytest.raises(ValueError):
        save_figure(fig, "99_test_step", "../escape.png", root=tmp_path)


def test_plot_phase_folded_runs(plt):
    from toi5807.plots import plot_phase_folded

    cand = _synthetic_candidate()
    ax = plot_phase_folded(_synthetic_lightcurve(cand), cand)
    assert ax.get_xlabel().startswith("time from mid-transit")
    assert any(abs(line.get_ydata()[0] + 300.0) < 1e-9 for line in ax.get_lines() if len(line.get_ydata()) == 2)
    lo, hi = ax.get_xlim()
    assert math.isclose(hi, 9.0) and math.isclose(lo, -9.0)


def test_binned_mean_matches_direct_computation():
    from toi5807.plots.lightcurve import _binned_mean

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 500)
    y = rng.normal(size=500)
    edges = np.linspace(0, 10, 6)
    centres, mean, err = _binned_mean(x, y, edges)
    for k, c in enumerate(centres):
        sel = (x >= c - 1) & (x < c + 1)
        assert math.isclose(mean[k], y[sel].mean(), rel_tol=1e-12)
        assert math.isclose(err[k], y[sel].std(ddof=1) / math.sqrt(sel.sum()), rel_tol=1e-9)


def test_plot_centroid_shift_runs_and_labels_magnification(plt):
    from toi5807.plots import choose_magnification, plot_centroid_shift

    ax = plot_centroid_shift(_synthetic_v08_result(), target_xy=(5.2, 4.1))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(re.fullmatch(r"shift ×\d+ \(in − out\)", t) for t in labels), labels
    assert any("target" in t for t in labels)
    box = "\n".join(t.get_text() for t in ax.texts)
    for word in ("shift", "σ", "n_in = 240", "n_out = 18000", "verdict: WARN", "″"):
        assert word in box
    assert choose_magnification(0.0012, 2e-4, 9) == 1000
    assert choose_magnification(2.0, 0.1, 11) == 1


def test_plot_centroid_shift_skipped_result(plt):
    from toi5807.plots import plot_centroid_shift
    from toi5807.centroid import CheckResult

    ax = plot_centroid_shift(CheckResult(status="skipped", flags=("MISSING_TPF",)))
    assert ax.texts[0].get_text() == "V08 not measured: no pixels"  # words, not the flag's name


def test_plot_v08_summary_runs_with_skipped_sector(plt):
    from toi5807.plots import plot_v08_summary
    from toi5807.tutorial import v08_sector_summary
    from toi5807.centroid import CheckResult

    results = {83: _synthetic_v08_result(), 55: CheckResult(status="skipped", flags=("MISSING_TPF",))}
    fig = plot_v08_summary(results)
    ax1, ax2 = fig.axes[:2]
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["S83"]  # no empty column for the skipped sector
    assert {line.get_ydata()[0] for line in ax2.get_lines() if len(line.get_ydata()) == 2} >= {3.0, 5.0}
    assert "not measured (no pixels): S55" in ax2.get_xlabel() and not ax1.texts
    summary = v08_sector_summary(results)
    assert summary["55"] == {"status": "skipped", "flags": ["MISSING_TPF"], "metrics": {}}
    assert plot_v08_summary(summary).axes  # the printed summary mapping is accepted too
