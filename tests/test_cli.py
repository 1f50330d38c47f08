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
    # setenv, not delenv: when the variable is absent, delenv records nothing to undo, and the "1" that main()
    # sets would leak into every later test — nbval's kernels then rewrote artifacts/ during the test run
    monkeypatch.setenv(REGENERATE_ENV, "")
    monkeypatch.setattr(runner, "regenerate", lambda pattern: seen.append((pattern, os.environ.get(REGENERATE_ENV))) or 0)
    assert not regenerating()
    assert main(["regenerate", "--notebook", "11*"]) == 0
    assert seen == [("11*", "1")] and regenerating()


def test_the_regenerate_flag_did_not_leak_out_of_the_test_above():
    from toi5807.plots import REGENERATE_ENV

    assert os.environ.get(REGENERATE_ENV, "") != "1"


def test_unknown_command_fails_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["vett"])
    assert info.value.code == 2 and "invalid choice: 'vett'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# vet --calibrate: the verdict calibrated on the vetted pixels, written as JSON and PNG
# ---------------------------------------------------------------------------------------------
SMALL_CAL = ["--calibrate-empty", "3", "--calibrate-angles", "1", "--calibrate-separations", "42",
             "--calibrate-depths", "2000"]


@pytest.mark.real_data
def test_vet_calibrate_writes_json_and_png_of_the_real_pixels(tmp_path, capsys):
    import json

    out_dir = tmp_path / "cal"
    assert main(["vet", "--sectors", "83", "--calibrate", "--calibrate-out", str(out_dir), *SMALL_CAL]) == 0
    out = capsys.readouterr().out
    jpath, ppath = out_dir / "calibration_188646744.json", out_dir / "calibration_188646744.png"
    assert f"wrote {jpath}" in out and f"wrote {ppath}" in out and "calibration on real pixels" in out
    assert ppath.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = jpath.read_text(encoding="utf-8")
    rec = json.loads(text)
    assert text == json.dumps(rec, sort_keys=True, indent=1, allow_nan=False)  # sorted keys, no NaN
    cal = rec["calibration"]
    assert cal["label"] == "real pixels" and rec["vet_verdict"] in ("PASS", "WARN", "FAIL")
    fa = cal["sectors"]["83"]["false_alarms"]
    assert fa["n"] == 3 == sum(fa["counts"].values())
    (cell,) = cal["sectors"]["83"]["injection_recovery"]
    assert cell["n_trials"] == 1 and cell["aperture_depth_ppm"] == 2000.0 and cell["separation_arcsec"] == 42.0
    assert {"table", "definitions"} <= set(cal) and rec["input"]["source"] == "tutorial"


def test_vet_calibrate_on_a_users_folder_records_the_files_hashes(tmp_path, capsys):
    import json

    from spoc_files import write_spoc_sector

    folder = tmp_path / "star"
    folder.mkdir()
    write_spoc_sector(folder, tic_id=12345678, ra_deg=150.1, dec_deg=-30.2, sector=20, n_cadences=6000,
                      transit=(3.1, 1870.3, 3.0, 3000.0), seed=20)
    code = main(["vet", "--source", "local", "--path", str(folder), "--period", "3.1", "--t0", "1870.3",
                 "--duration", "3.0", "--json", "--calibrate", "--calibrate-out", str(tmp_path / "out"), *SMALL_CAL])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    d = json.loads(captured.out)  # --json: stdout stays one JSON document
    where = d["own_pixel_calibration"]
    rec = json.loads((tmp_path / "out" / "calibration_12345678.json").read_text())
    assert where["json"] == str(tmp_path / "out" / "calibration_12345678.json")
    assert rec["input"]["files"] == d["input"]["files"] and len(rec["input"]["files"]) == 2
    assert all(len(f["sha256"]) == 64 for f in rec["input"]["files"])
    assert rec["calibration"]["target"]["tic_id"] == 12345678
    assert (tmp_path / "out" / "calibration_12345678.png").is_file()


@pytest.mark.parametrize("argv, said", [
    (["vet", "--calibrate-empty", "3"], "--calibrate-empty only goes with --calibrate"),
    (["vet", "--calibrate-out", "somewhere"], "--calibrate-out only goes with --calibrate"),
    (["vet", "--calibrate", "--calibrate-angles", "0"], "--calibrate-angles must be a positive number, got 0"),
    (["vet", "--calibrate", "--calibrate-depths", "-20"], "--calibrate-depths must be positive numbers"),
    (["vet", "--calibrate", "--calibrate-twin"], "not both"),
])
def test_vet_calibrate_bad_options_are_one_line_exit_2(argv, said, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
