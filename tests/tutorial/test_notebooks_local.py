"""Every notebook runs top to bottom on a folder of light curves only (the real TOI-5807 CSVs).

The pixel steps must then say, in one sentence, that they need target pixel files — never crash, never
print a NaN or describe a missing number as a result. The CSVs come from the shipped tutorial dataset
(the ``real_data_dir`` fixture); each notebook is executed in memory, nothing is written back.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from toi5807.tutorial.runner import cell_text_output

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NO_PIXELS = "no target pixel files"


def _as_local(nb, folder: Path):
    """The notebook with its first code cell switched to ``SOURCE = "local"`` on ``folder``."""
    first = next(c for c in nb.cells if c.cell_type == "code")
    stored = re.search(r'^SOURCE = "(\w+)"', first.source, re.M)
    assert stored and "LOCAL_PATH = None" in first.source
    first.source = first.source.replace(stored.group(0), 'SOURCE = "local"').replace(
        "LOCAL_PATH = None", f"LOCAL_PATH = {str(folder)!r}")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    return nb


@pytest.mark.real_data
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_light_curves_only(path, real_data_dir):
    from nbclient import NotebookClient

    nb = _as_local(nbformat.read(path, as_version=4), real_data_dir)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    texts = [cell_text_output(c) for c in nb.cells if c.cell_type == "code"]
    printed = "\n".join(texts)
    assert not re.search(r"\bnan\b", printed, flags=re.IGNORECASE), printed[:2000]
    uses_pixels = any(k in "".join(c.source for c in nb.cells if c.cell_type == "code")
                      for k in ("run_v08", "vet_pixels", "analyze_v08_offsets", "latest_stamp"))
    if uses_pixels:
        assert NO_PIXELS in printed, f"{path.name}: a pixel step should say it has no target pixel files"
