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


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """Folder with the real TOI-5807 CSVs and reference images; skips when not provided."""
    value = os.environ.get(REAL_DATA_ENV)
    if not value:
        pytest.skip(f"{REAL_DATA_ENV} is not set: real TOI-5807 reference data not available")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"{REAL_DATA_ENV}={value} is not a folder")
    return path


@pytest.fixture(scope="session")
def real_tpf_dir() -> Path:
    """Folder holding only the real sector-83 target pixel file (``sector83_tpf.fits``); skips when not provided."""
    value = os.environ.get(REAL_TPF_ENV)
    if not value:
        pytest.skip(f"{REAL_TPF_ENV} is not set: the real TOI-5807 target pixel file is not available")
    path = Path(value)
    if not (path / "sector83_tpf.fits").is_file():
        pytest.skip(f"{REAL_TPF_ENV}={value} holds no sector83_tpf.fits")
    return path


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """Point the package cache at a fresh temporary folder."""
    root = tmp_path / "cache"
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(root))
    return root
