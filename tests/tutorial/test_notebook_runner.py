"""The notebook runner behind `python -m toi5807 regenerate`."""

from __future__ import annotations

import nbformat
import pytest
from toi5807.tutorial.runner import (
    EXPECTED_SUMMARY,
    STABLE_METADATA,
    NotebookFailure,
    execute_notebook,
    expected_block,
)


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "x"}, "language_info": {"version": "3.11.99"}}
    nbformat.write(nb, path)
    return path


def test_executes_syncs_expected_output_and_is_reproducible(tmp_path):
    path = _notebook(
        tmp_path / "demo.ipynb",
        nbformat.v4.new_code_cell("import os\nprint(sorted({'b': 2, 'a': os.path.basename(os.getcwd())}.items()))"),
        nbformat.v4.new_markdown_cell(EXPECTED_SUMMARY + "\n\nstale text\n</details>"),
        nbformat.v4.new_code_cell("1 + 1"),
        nbformat.v4.new_markdown_cell(EXPECTED_SUMMARY),
    )
    execute_notebook(path)
    first = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata == STABLE_METADATA
    # the kernel ran in the notebook's folder, and the documentation block now shows the real output
    assert nb.cells[1].source == expected_block(f"[('a', '{tmp_path.name}'), ('b', 2)]")
    assert nb.cells[3].source == expected_block("2")
    assert all("execution" not in c.metadata and "id" not in c for c in nb.cells)
    execute_notebook(path)
    assert path.read_bytes() == first


def test_failure_quotes_the_cell_and_leaves_the_file(tmp_path):
    path = _notebook(
        tmp_path / "broken.ipynb",
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("y = x +\\\n    undefined_name"),
    )
    before = path.read_bytes()
    with pytest.raises(NotebookFailure) as info:
        execute_notebook(path)
    failure = info.value
    assert failure.cell_index == 1 and "undefined_name" in failure.source
    assert "NameError" in failure.error
    assert "    | y = x +" in str(failure)
    assert path.read_bytes() == before
