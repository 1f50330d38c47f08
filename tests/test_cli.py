"""The command line: --version, an example in every --help, the console script, regenerate's artifacts flag."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest
import toi5807
from conftest import REPO_ROOT
from toi5807.__main__ import build_parser, main


def test_version_from_python_m_and_metadata():
    proc = subprocess.run([sys.executable, "-m", "toi5807", "--version"], capture_output=True, text=True,
                          cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"toi5807 {toi5807.__version__}"
    assert metadata.version("toi5807") == toi5807.__version__  # pyproject reads the version from the package


def test_console_script_is_installed_and_runs():
    (ep,) = [e for e in metadata.entry_points(group="console_scripts") if e.name == "toi5807"]
    assert ep.load() is main
    script = Path(sysconfig.get_path("scripts")) / "toi5807"
    if not script.exists():  # pragma: no cover - only without `pip install -e .`
        pytest.skip(f"{script} not installed")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"toi5807 {toi5807.__version__}", proc.stderr


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_help_shows_an_example(capsys):
    commands = _subcommands()
    assert {"regenerate", "calibrate"} <= set(commands)
    for argv in [["--help"]] + [[name, "--help"] for name in commands]:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "\nexample:\n  python -m toi5807 " in out, f"{' '.join(argv)} shows no example:\n{out}"


def test_regenerate_lets_the_kernels_write_artifacts(monkeypatch):
    from toi5807.plots import REGENERATE_ENV, regenerating
    from toi5807.tutorial import runner

    seen = []
    monkeypatch.delenv(REGENERATE_ENV, raising=False)
    monkeypatch.setattr(runner, "regenerate", lambda pattern: seen.append((pattern, os.environ.get(REGENERATE_ENV))) or 0)
    assert not regenerating()
    assert main(["regenerate", "--notebook", "11*"]) == 0
    assert seen == [("11*", "1")] and regenerating()


def test_unknown_command_fails_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["vett"])
    assert info.value.code == 2 and "invalid choice: 'vett'" in capsys.readouterr().err
