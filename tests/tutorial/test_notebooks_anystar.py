"""The data steps on another star: papermill runs each with its parameters on SPOC files of a star that is not
TOI-5807 (fault reproduction of issue #27: step 02 stitched another star with TOI-5807's P = 14.24 d and printed
TOI-5807's ephemeris and stellar radius without a word).

Each step must execute, name the star's TIC, print none of TOI-5807's identifiers or ephemeris, and step 02's depth
must be the star's own; without an ephemeris the steps refuse, naming the parameters to set.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from spoc_files import write_spoc_sector
from toi5807.tutorial.runner import cell_text_output

papermill = pytest.importorskip("papermill")

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
DATA_STEPS = ("02_load_data_and_candidate", "03_phase_folded_transit_plot", "11_v08_centroid_shift",
              "12_v09_difference_image", "14_pixel_verdict")
STAR = dict(tic_id=307210830, ra_deg=101.2871, dec_deg=-18.6042)
PERIOD_DAYS, T0_BTJD, DURATION_HOURS, DEPTH_PPM = 1.31, 1435.62, 2.4, 4000.0
#: What TOI-5807's ephemeris and identity look like in any printed output.
TOI5807 = ("188646744", "14.24", "3540.26", "308.567")


@pytest.fixture(scope="module")
def star_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("another_star")
    for sector in (5, 6):
        write_spoc_sector(folder, **STAR, sector=sector, n_cadences=1800, shape=(9, 9), seed=sector,
                          transit=(PERIOD_DAYS, T0_BTJD, DURATION_HOURS, DEPTH_PPM))
    return folder


def _run(name: str, tmp_path: Path, parameters: dict) -> str:
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"), str(out), parameters=parameters,
                               cwd=str(NOTEBOOK_DIR), kernel_name="python3", progress_bar=False,
                               log_output=False, request_save_on_cell_execute=False)
    nb = nbformat.read(out, as_version=4)
    return "\n".join(cell_text_output(c) for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", DATA_STEPS)
def test_data_step_runs_on_another_star(name, star_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(tmp_path / "cache"))
    printed = _run(name, tmp_path, dict(SOURCE="local", LOCAL_PATH=str(star_folder), PERIOD_DAYS=PERIOD_DAYS,
                                        T0_BTJD=T0_BTJD, DURATION_HOURS=DURATION_HOURS))
    assert f"TIC {STAR['tic_id']}" in printed
    leaked = [s for s in TOI5807 if s in printed]
    assert not leaked, f"{name} printed TOI-5807's {leaked}"
    assert not re.search(r"\bnan\b", printed, flags=re.IGNORECASE)
    if name.startswith("02"):
        depth = float(re.search(r"\| depth \(ppm\)\s+\| ([\d.]+)", printed).group(1))
        assert depth == pytest.approx(DEPTH_PPM, rel=0.15)
        assert "| stellar radius (R☉) | 1 " in printed  # RADIUS of the files' headers, not TOI-5807's 1.65


def test_another_star_without_an_ephemeris_is_refused(star_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(papermill.PapermillExecutionError, match="PERIOD_DAYS.*T0_BTJD.*DURATION_HOURS"):
        _run("02_load_data_and_candidate", tmp_path, dict(SOURCE="local", LOCAL_PATH=str(star_folder)))


def test_every_step_has_a_tagged_parameters_cell():
    """The first code cell is papermill's parameters cell, and papermill reads every parameter from it (a comment
    holding a second "=" once hid LOCAL_PATH from papermill's parser)."""
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert "parameters" in first.metadata.get("tags", []), f"{path.name}: first code cell not tagged parameters"
        found = set(papermill.inspect_notebook(str(path)))
        missing = {"SOURCE", "LOCAL_PATH", "NETWORK", "PERIOD_DAYS", "T0_BTJD", "DURATION_HOURS"} - found
        assert not missing, f"{path.name}: papermill does not see the parameters {sorted(missing)}"
