"""Repository paths: the root, plot folders, and repo-relative path strings for printing."""

from __future__ import annotations

from pathlib import Path

__all__ = ["repo_root", "package_repo_root", "artifact_dirs", "repo_relative", "TUTORIAL_SLUG"]

#: Folder name of this tutorial under ``artifacts/`` and ``persistent_cache/``.
TUTORIAL_SLUG = "tutorial_toi-5807-incremental"


def _is_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "shared" / "toi5807").is_dir()


def package_repo_root() -> Path | None:
    """The repository this package was installed from (editable install of a clone), or None.

    Found from the package's own location, never from the working directory: a ``notebooks/`` or
    ``pyproject.toml`` in some folder above the working directory is never mistaken for it.
    """
    root = Path(__file__).resolve().parents[3]
    return root if _is_root(root) else None


def repo_root(start: str | Path | None = None) -> Path:
    """The repository root: the nearest folder holding ``pyproject.toml`` and ``shared/toi5807``.

    Searches upward from ``start`` (default: the working directory, which is
    ``notebooks/`` inside a notebook kernel), then falls back to the folder the
    package was installed from (editable install). Code that must act on the
    package's *own* repository whatever the working directory (the notebook
    runner, the cache) uses :func:`package_repo_root` instead.

    Raises
    ------
    FileNotFoundError
        When neither place is inside a clone of the repository.
    """
    here = Path.cwd() if start is None else Path(start)
    for candidate in (here.resolve(), *here.resolve().parents):
        if _is_root(candidate):
            return candidate
    own = package_repo_root()
    if own is not None:
        return own
    raise FileNotFoundError(f"no toi5807 repository found above {here} (expected pyproject.toml and shared/toi5807)")


def artifact_dirs(step_id: str, root: str | Path | None = None) -> tuple[Path, Path]:
    """Run-copy and committed folders for a tutorial step's figures (both created).

    Parameters
    ----------
    step_id : str
        E.g. ``"11_v08_centroid_shift"``.

    Returns
    -------
    (Path, Path)
        ``persistent_cache/<slug>/<step_id>/`` and ``artifacts/<slug>/<step_id>/``.
    """
    if not step_id or "/" in step_id or step_id.startswith("."):
        raise ValueError(f"step_id: expected a plain folder name like '11_v08_centroid_shift', got {step_id!r}")
    base = repo_root(root)
    run_dir = base / "persistent_cache" / TUTORIAL_SLUG / step_id
    docs_dir = base / "artifacts" / TUTORIAL_SLUG / step_id
    run_dir.mkdir(parents=True, exist_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    return run_dir, docs_dir


def repo_relative(path: str | Path, root: str | Path | None = None) -> str:
    """``path`` relative to the repository root, with forward slashes (stable across machines)."""
    return Path(path).resolve().relative_to(repo_root(root)).as_posix()
