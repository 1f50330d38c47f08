"""Shared test fixtures: quiet progress bars, headless plots, the real data (shipped; reference images optional)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Only for the reference images (``oot_reference_images_s82_s83.json``), which do not ship with the package.
REAL_DATA_ENV = "TOI5807_REAL_DATA_DIR"
REFERENCE_IMAGES = "oot_reference_images_s82_s83.json"


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory) -> Path:
    """Folder with the real TOI-5807 light curves ``sector{55,75,82,83}_pdcsap.csv`` (only those), decompressed
    and checksum-verified from the tutorial dataset shipped in the package."""
    from toi5807.data.tutorial import extract_tutorial_files

    folder = tmp_path_factory.mktemp("real_light_curves")
    extract_tutorial_files(folder, kinds=("lc",))
    return folder


@pytest.fixture(scope="session")
def real_tpf_dir(tmp_path_factory) -> Path:
    """Folder holding only the real sector-83 target pixel file ``sector83_tpf.fits``, from the shipped dataset."""
    from toi5807.data.tutorial import extract_tutorial_files

    folder = tmp_path_factory.mktemp("real_pixels")
    extract_tutorial_files(folder, kinds=("tpf",))
    return folder


@pytest.fixture(scope="session")
def real_reference_images() -> Path:
    """The real out-of-transit reference images (``$TOI5807_REAL_DATA_DIR/oot_reference_images_s82_s83.json``,
    not shipped); skips when not provided."""
    value = os.environ.get(REAL_DATA_ENV)
    if not value:
        pytest.skip(f"{REAL_DATA_ENV} is not set: the real reference images ({REFERENCE_IMAGES}) are not available")
    path = Path(value) / REFERENCE_IMAGES
    if not path.is_file():
        pytest.skip(f"{REAL_DATA_ENV}={value} holds no {REFERENCE_IMAGES}")
    return path


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """Point the package cache at a fresh temporary folder."""
    root = tmp_path / "cache"
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(root))
    return root


@pytest.fixture
def plt():
    """pyplot on the Agg backend; every figure closed after the test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def twin():
    """The twin's vetting inputs of the figure tests (``tests/plots/plot_inputs.py``), built once per module."""
    from plot_inputs import twin_data

    return twin_data()
