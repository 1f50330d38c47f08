"""Execute the tutorial notebooks in place with stable, reproducible stored outputs.

Used by ``python -m toi5807 regenerate``. Each notebook runs in a fresh kernel
whose working directory is the notebook's folder (as under nbval); volatile
metadata (execution timestamps, interpreter patch versions) is not stored, so
running twice leaves the files byte-identical. Notebooks are found in the repository
this package belongs to, and rewritten atomically with ordinary permissions (0644 under
the usual umask).
"""

from __future__ import annotations

import fnmatch
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..data.cache import atomic_write_bytes
from ..data.paths import package_repo_root

__all__ = [
    "NotebookFailure",
    "find_notebooks",
    "execute_notebook",
    "regenerate",
    "cell_text_output",
    "sync_expected_outputs",
    "EXPECTED_SUMMARY",
    "STABLE_METADATA",
]

#: Opening of the markdown block that documents the output of the code cell before it.
EXPECTED_SUMMARY = "<details><summary><b>Expected Output</b></summary>"

#: Notebook-level metadata written to every executed notebook.
STABLE_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}


@dataclass(frozen=True)
class NotebookFailure(Exception):
    """A cell raised while a notebook was executed."""

    notebook: str
    cell_index: int
    source: str
    error: str

    def __str__(self) -> str:
        quoted = "\n".join(f"    | {line}" for line in self.source.splitlines())
        return f"{self.notebook}: cell {self.cell_index} failed:\n{quoted}\n{self.error}"


def find_notebooks(pattern: str | None = None, root: Path | None = None) -> list[Path]:
    """Notebooks under ``notebooks/`` in step order, optionally filtered by a glob on the file name.

    The folder is that of the repository this package belongs to (or of ``root``), never one found by
    walking up from the working directory: a ``notebooks/`` folder above the repository is not executed.

    Raises
    ------
    FileNotFoundError
        When the package is not installed from a clone of the repository and no ``root`` is given.
    """
    base = Path(root) if root is not None else package_repo_root()
    if base is None:
        raise FileNotFoundError("regenerate runs the notebooks of the repository toi5807 is installed from; this "
                                "installation is not a clone (pip install -e . from the repository)")
    folder = base / "notebooks"
    books = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if pattern:
        books = [p for p in books if fnmatch.fnmatch(p.name, pattern)]
    return books


def cell_text_output(cell) -> str:
    """The text a reader sees under a code cell: stdout streams and plain-text results, in order."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data") and "image/png" not in out.get("data", {}):
            text = out.get("data", {}).get("text/plain")
            if text:
                parts.append((text if isinstance(text, str) else "".join(text)) + "\n")
    return "".join(parts).rstrip("\n")


def expected_block(text: str) -> str:
    """Markdown ``Expected Output`` block holding ``text`` verbatim."""
    return f"{EXPECTED_SUMMARY}\n\n```text\n{text}\n```\n\n</details>"


def sync_expected_outputs(nb) -> int:
    """Rewrite every ``Expected Output`` block with the stored output of the code cell before it.

    Returns the number of blocks written.
    """
    count = 0
    for prev, cell in zip(nb.cells, nb.cells[1:]):
        if cell.cell_type == "markdown" and cell.source.startswith(EXPECTED_SUMMARY) and prev.cell_type == "code":
            cell.source = expected_block(cell_text_output(prev))
            count += 1
    return count


def _stabilise(nb) -> None:
    nb.metadata = dict(STABLE_METADATA)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        cell.pop("id", None)
    nb.nbformat, nb.nbformat_minor = 4, 4


def execute_notebook(path: Path, timeout: int = 1200) -> None:
    """Execute one notebook and rewrite it with its new outputs.

    Raises
    ------
    NotebookFailure
        If a cell errors; the file is then left untouched.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    # The kernel's own stderr (ipykernel start-up notices) would interleave with the progress lines:
    # keep it in a temporary file and show it only if the notebook fails.
    with tempfile.TemporaryFile(mode="w+") as kernel_log:
        try:
            client.execute(stderr=kernel_log)
        except CellExecutionError as exc:
            failure = _failure(nb, path, exc)
        except Exception as exc:  # noqa: BLE001 - kernel died / timed out: report with its log
            kernel_log.seek(0)
            tail = "\n".join(kernel_log.read().splitlines()[-20:])
            raise NotebookFailure(path.name, -1, "", f"{type(exc).__name__}: {exc}\nkernel log:\n{tail}") from None
        else:
            failure = None
    if failure is not None:
        raise failure
    _stabilise(nb)
    sync_expected_outputs(nb)
    text = nbformat.writes(nb, version=4)
    atomic_write_bytes(path, (text if text.endswith("\n") else text + "\n").encode("utf-8"))


def _failure(nb, path: Path, exc: Exception) -> NotebookFailure:
    """The failing code cell (index, source, error line) of a notebook nbclient stopped on."""
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        o.get("output_type") == "error" for o in c.get("outputs", []))), -1)
    if index < 0:
        return NotebookFailure(path.name, -1, "", str(exc).splitlines()[-1] if str(exc) else type(exc).__name__)
    err = next(f"{o['ename']}: {o['evalue']}" for o in nb.cells[index].outputs if o.get("output_type") == "error")
    return NotebookFailure(path.name, index, nb.cells[index].source, err)


def regenerate(pattern: str | None = None) -> int:
    """Execute the notebooks in order, rewriting outputs and artifacts; return a process exit code."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    books = find_notebooks(pattern)
    if not books:
        print(f"regenerate: no notebooks match {pattern!r}" if pattern else "regenerate: no notebooks found")
        return 1 if pattern else 0
    total = time.perf_counter()
    for i, path in enumerate(books, 1):
        start = time.perf_counter()
        print(f"[{i}/{len(books)}] {path.name} ...", end=" ", flush=True)
        try:
            execute_notebook(path)
        except NotebookFailure as failure:
            print("FAILED")
            print(failure, file=sys.stderr)
            return 1
        print(f"ok ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"regenerate: {len(books)} notebook(s) in {time.perf_counter() - total:.1f} s")
    return 0
