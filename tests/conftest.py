"""Shared test fixtures: quiet progress bars, headless plots, optional real data (light curves and pixels)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA_ENV = "TOI5807_REAL_DATA_DIR"
REAL_TPF_ENV = "TOI5807_REAL_TPF_DIR"


def _env_folder(env: str, what: str, must_hold: str | None = None) -> Path:
    """The folder named by ``$env``; skips (with the reason) when unset, not a folder or lacking ``must_hold``."""
    value = os.environ.get(env)
    if not value:
        pytest.skip(f"{env} is not set: {what} not available")
    path = Path(value)
    if not path.is_dir() or (must_hold is not None and not (path / must_hold).is_file()):
        pytest.skip(f"{env}={value} is not a folder" + (f" holding {must_hold}" if must_hold else ""))
    return path


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """Folder with the real TOI-5807 CSVs and reference images; skips when not provided."""
    return _env_folder(REAL_DATA_ENV, "real TOI-5807 reference data")


@pytest.fixture(scope="session")
def real_tpf_dir() -> Path:
    """Folder holding only the real sector-83 target pixel file (``sector83_tpf.fits``); skips when not provided."""
    return _env_folder(REAL_TPF_ENV, "the real TOI-5807 target pixel file", "sector83_tpf.fits")


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """Point the package cache at a fresh temporary folder."""
    root = tmp_path / "cache"
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(root))
    return root
