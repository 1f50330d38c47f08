"""The notebook runner finds its own repository's notebooks and writes ordinary files (issue 14)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat
from toi5807.tutorial.runner import execute_notebook, find_notebooks

REPO = Path(__file__).resolve().parents[2]


def test_a_decoy_notebooks_folder_above_the_working_directory_is_never_run(tmp_path, monkeypatch):
    decoy = tmp_path / "decoy"
    (decoy / "shared" / "toi5807").mkdir(parents=True)
    (decoy / "pyproject.toml").write_text("[project]\nname = 'decoy'\n")
    (decoy / "notebooks").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), decoy / "notebooks" / "00_evil.ipynb")
    (decoy / "work").mkdir()
    monkeypatch.chdir(decoy / "work")
    found = find_notebooks()
    assert found and all(p.parent == REPO / "notebooks" for p in found)
    assert "00_evil.ipynb" not in [p.name for p in found]


def test_regenerated_notebook_is_group_and_world_readable(tmp_path):
    path = tmp_path / "demo.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, path)
    os.chmod(path, 0o644)
    old = os.umask(0o022)
    try:
        execute_notebook(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
