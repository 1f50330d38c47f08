"""Packaging and offline hygiene: dependency lists agree, Quickstart shape, silent offline import."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
from conftest import REPO_ROOT

_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*((?:[<>=!~]=?|==)\s*[0-9][^\s#;]*)?")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    extras = data["project"]["optional-dependencies"]
    reqs = list(data["project"]["dependencies"]) + list(extras["test"]) + list(extras["notebook"])
    out = {}
    for req in reqs:
        m = _REQ.match(req)
        out[_normalise(m.group(1))] = (m.group(2) or "").replace(" ", "")
    return out


def _environment_requirements() -> dict[str, str]:
    out = {}
    text = (REPO_ROOT / "environment.yml").read_text().split("\ndependencies:\n", 1)[1]
    for line in text.splitlines():
        line = line.split("  #", 1)[0].rstrip()
        m = re.match(r"^(?:  |      )- ([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*([<>=!~].*)?$", line)  # conda and pip: lists
        if m and m.group(1) not in {"python", "pip"}:
            out[_normalise(m.group(1))] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def _quickstart_lines() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("\n## Quickstart\n", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    return [ln for ln in block.splitlines() if ln.strip()]


def test_readme_quickstart_is_two_lines():
    lines = _quickstart_lines()
    assert len(lines) == 2
    assert "venv" in lines[0] and 'pip install -e ".[test]"' in lines[0]
    assert lines[0].rstrip().endswith("-m toi5807 regenerate")
    assert "pytest" in lines[1]


def test_ci_runs_the_readme_lines():
    awk = subprocess.run(
        ["bash", "-c", "awk '/^## Quickstart/{q=1; next} q && /^```/{if (f) exit; f=1; next} q && f && NF' README.md"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    assert awk.stdout.splitlines() == _quickstart_lines()
    assert "quickstart" in (REPO_ROOT / ".ci" / "run").read_text()


_NO_NETWORK = (
    "import socket\n"
    "def _blocked(*a, **k):\n"
    "    raise AssertionError('network access during import')\n"
    "socket.socket.connect = _blocked\n"
    "socket.create_connection = _blocked\n"
    "socket.getaddrinfo = _blocked\n"
)


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT)


def test_import_is_silent_lazy_and_offline():
    proc = _run(_NO_NETWORK + "import sys, toi5807\n"
                "assert 'lightkurve' not in sys.modules and 'matplotlib' not in sys.modules\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_lightkurve_import_after_toi5807_is_silent():
    proc = _run(_NO_NETWORK + "import toi5807, lightkurve\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_import_leaves_the_astropy_configuration_alone():
    """Importing toi5807 neither sets ASTROPY_CONFIG_DIR nor changes astropy's options; offline_astropy() does, then restores."""
    proc = _run(
        "import os\n"
        "os.environ.pop('ASTROPY_CONFIG_DIR', None)\n"
        "from astropy.utils import iers, data\n"
        "before = (iers.conf.auto_download, iers.conf.auto_max_age, data.conf.allow_internet)\n"
        "import toi5807, toi5807.plots, toi5807.tutorial\n"
        "after = (iers.conf.auto_download, iers.conf.auto_max_age, data.conf.allow_internet)\n"
        "with toi5807.offline_astropy():\n"
        "    inside = (iers.conf.auto_download, iers.conf.auto_max_age, data.conf.allow_internet)\n"
        "restored = (iers.conf.auto_download, iers.conf.auto_max_age, data.conf.allow_internet)\n"
        "print('ASTROPY_CONFIG_DIR' in os.environ, before == after == restored, inside, before)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(maxsplit=2)[:2] == ["False", "True"], proc.stdout
    assert "(False, None, False)" in proc.stdout, proc.stdout


def test_package_reads_fits_with_astropy_offline(tmp_path, monkeypatch):
    """The package's own lightkurve/astropy reading runs inside offline_astropy (and only there)."""
    import lightkurve as lk
    import numpy as np
    from astropy.io import fits
    from astropy.utils import data, iers
    from toi5807.data import readers

    seen = []
    before = (iers.conf.auto_download, data.conf.allow_internet)

    def fake_read(path, quality_bitmask=None):
        seen.append((iers.conf.auto_download, data.conf.allow_internet))
        raise OSError("not a TESS file")

    monkeypatch.setattr(lk, "read", fake_read)
    cols = [fits.Column(name, "D", array=np.zeros(3)) for name in ("TIME", "FLUX", "QUALITY")]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols)]).writeto(tmp_path / "x_tp.fits")
    with pytest.raises(ValueError, match="x_tp.fits"):
        readers.read_tpf_fits(tmp_path / "x_tp.fits")
    assert seen == [(False, False)]
    assert (iers.conf.auto_download, data.conf.allow_internet) == before
