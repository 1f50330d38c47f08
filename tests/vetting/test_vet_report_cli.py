"""Issue 31: the text report an astronomer pastes, the one-page figure, and the command's faults (each test here
fails on the code before the issue). A held-out-like star: another TIC, one sector, one long-period transit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from spoc_files import sector_start_btjd, write_spoc_sector

from toi5807.__main__ import main

TIC, RA, DEC, SECTOR = 99887766, 201.3, -45.7, 30
T0 = sector_start_btjd(SECTOR) + 4.0
EPH = ("--period", "83.9", "--t0", f"{T0:.5f}", "--duration", "10")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def star(tmp_path_factory) -> Path:
    """One sector of a star that is not TOI-5807: an 83.9-day planet, one 10-hour transit, NaN-time cadences."""
    folder = tmp_path_factory.mktemp("heldout")
    write_spoc_sector(folder, tic_id=TIC, ra_deg=RA, dec_deg=DEC, sector=SECTOR, n_cadences=6000,
                      transit=(83.9, T0, 10.0, 3000.0), seed=3)
    return folder


@pytest.fixture(scope="module")
def record(star) -> dict:
    """The ``vet --json`` record of the held-out star (run once)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["vet", "--source", "local", "--path", str(star), *EPH, "--json"]) == 0
    return json.loads(buf.getvalue())


def _vet(capsys, *args):
    code = main(["vet", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_heldout_star_report_says_what_is_calibrated_and_gives_the_numbers(star, capsys, monkeypatch):
    """Before: no calibration status, unlabelled σ, no ± on the offset, no depth, no cadences, no NaN-time count,
    no SPOC version, no run date."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code, out, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH)
    assert code == 0, err
    assert "run 2023-11-14T22:13:20Z" in out  # injectable run date (reproducible)
    assert "pipeline spoc-5.0.99-20240101, data release 99" in out  # PROCVER / DATA_REL of the headers
    assert "position used: file header RA_OBJ/DEC_OBJ" in out and f"TIC {TIC}" in out
    assert "statistics: NOT calibrated" in out and "too few fake epochs" in out
    assert "σ nominal" in out.split("verdict:")[1].splitlines()[0]  # the verdict's σ is labelled
    assert "1σ ellipse" in out and "± " in out
    assert "depth: 30" in out and " ppm" in out  # ≈ 3000 ppm measured from the light curve
    assert "in-transit cadences s30: 294" in out
    assert "dropped cadences without a time (TIME = NaN): 120 in sector 30" in out
    assert "empty epochs: " in out and "fake epochs reach a nominal dip" in out


def test_report_renders_from_the_record_and_every_sigma_is_labelled(record):
    from toi5807.report_text import render_vet_report

    assert render_vet_report(record).splitlines()[0].count(", run 20") == 1
    record = {k: v for k, v in record.items() if k != "run_date_utc"}
    text = render_vet_report(record)
    assert "run " not in text.splitlines()[0]  # no run date in the record: none printed (tests stay deterministic)
    tests = [ln for ln in text.splitlines() if ln.startswith("  test ")]
    assert len(tests) >= 2 and all("nominal (" in ln for ln in tests)  # one transit: every test nominal, labelled
    assert render_vet_report(record) == text  # same record, same text


def test_sectors_in_order_and_the_new_tests_and_v10_when_present(record):
    from toi5807.report_text import render_vet_report

    d = json.loads(json.dumps(record))
    d["sectors_without_pixels"] = {"55": "no pixels", "75": "no pixels", "82": "no pixels"}
    d["sectors"] = {"83": d["sectors"]["30"]}
    d["sectors"]["83"]["v10"] = {"verdict": "PASS", "most_likely_host": "target", "metrics": {},
                                 "reason": "aperture depths agree"}
    d["sectors"]["83"]["tests"] = [{"name": "dip amplitude", "sigma": 3.6, "calibrated": True, "n_fakes": 69,
                                    "n_independent_fakes": 13, "extrapolated": True, "why_nominal": None}]
    d["all_tests_calibrated"] = True
    text = render_vet_report(d)
    heads = [ln.split(":")[0] for ln in text.splitlines() if ln.startswith("sector ")]
    assert heads == ["sector 55", "sector 75", "sector 82", "sector 83"]  # before: 83, 55, 75, 82
    assert "V10: PASS — most likely host target; aperture depths agree" in text
    assert "3.6σ calibrated against 69 fake epochs (13 independent), extrapolated" in text
    assert "statistics: the verdict's σ are calibrated" in text


def test_a_non_detection_prints_no_host_and_no_exclusion_radius(record):
    """Before: a WARN 'no significant dip' still printed a host and a '3σ exclusion radius 241.8″'."""
    from toi5807.report_text import render_vet_report

    d = json.loads(json.dumps(record))
    d["verdict"], d["reason"] = "WARN", "no significant dip in the difference image of any sector; s30: ..."
    d["sectors"]["30"]["reason"] = "no significant dip in the difference image (1.2σ calibrated < 3σ)"
    d["combined"]["exclusion_radius_arcsec"] = 241.8
    text = render_vet_report(d)
    assert "241.8" not in text and "exclusion radius:" not in text and "most likely host" not in text
    assert "host: none (no significant dip" in text and "no exclusion radius" in text


def test_file_names_and_notes_are_terminal_safe(record):
    from toi5807.report_text import render_vet_report, terminal_safe

    d = json.loads(json.dumps(record))
    d["input"]["path"] = "/data/x\x1b[2Jy"
    d["notes"] = ["file a\x1b]0;pwned\x07.fits dropped"]
    text = render_vet_report(d)
    assert "\x1b" not in text and "\x07" not in text and "x\\x1b[2Jy" in text
    assert terminal_safe("a\rb\u202ec\n") == "a\\x0db\\u202ec\n"


def test_error_lines_escape_file_names(tmp_path, capsys):
    """Before: a file named with ``\\033[2J`` was echoed raw in the error and cleared the terminal."""
    (tmp_path / "bad\x1b[2J_tp.fits").write_bytes(b"not fits")
    code, out, err = _vet(capsys, "--source", "local", "--path", str(tmp_path), *EPH)
    assert code == 2 and out == "" and "\x1b" not in err and "bad\\x1b[2J_tp.fits" in err


def test_summary_png_is_written_atomically_and_its_folder_checked_first(star, tmp_path, capsys):
    png = tmp_path / "vet.png"
    code, out, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH, "--summary-png", str(png))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"wrote {png}" in out
    assert not [p for p in tmp_path.iterdir() if p.name != "vet.png"]  # no temporary left behind
    code, out, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH, "--summary-png",
                          str(tmp_path / "missing" / "vet.png"))
    assert code == 2 and "--summary-png: no folder" in err


def test_summary_page_draws_every_panel_and_marks_simulated(record, star):
    import matplotlib.pyplot as plt

    import toi5807 as sh
    from toi5807.plots import plot_vet_summary_page

    ds = sh.load_dataset("local", path=star)
    res = sh.vet_pixels(ds, (83.9, T0, 10.0))
    fig = plot_vet_summary_page(res, ds, record, fig=plt.figure(figsize=(13, 10.5)))
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert f"TIC {TIC}" in texts and "σ NOT calibrated" in texts and "SIMULATED" not in texts
    assert any("Phase-folded" in ax.get_title() for ax in fig.axes)
    assert any(ax.get_title().startswith("V08") for ax in fig.axes)
    plt.close(fig)


# ------------------------------------------------------------------ faults


def test_json_network_offline_writes_only_the_json_on_stdout(star, tmp_path):
    """Fault 1: astroquery's import printed 'Status messages could not be retrieved' on stdout before the JSON."""
    fake = tmp_path / "fake" / "astroquery"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "gaia.py").write_text("print('Status messages could not be retrieved')\n"
                                  "class Gaia:\n    @staticmethod\n    def launch_job(q):\n"
                                  "        raise ConnectionError('no network')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "fake"), str(REPO / "shared")]),
               TOI5807_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-m", "toi5807", "vet", "--source", "local", "--path", str(star), *EPH,
                          "--json", "--network"], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    d = json.loads(run.stdout)  # one valid JSON document, nothing else
    assert any("Gaia query failed" in n for n in d["notes"])
    assert "Status messages could not be retrieved" in run.stderr


def test_closed_or_full_stdout_is_an_error(star, capsys, monkeypatch):
    """Fault 4: with stdout closed (>&-) the command printed nothing and exited 0; a full stdout (/dev/full) is an
    error on stderr too, not a traceback."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "shared"))
    cmd = [sys.executable, "-m", "toi5807", "vet", "--source", "local", "--path", str(star), *EPH]
    closed = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: os.close(1), timeout=300)
    assert closed.returncode == 2 and "standard output is closed" in closed.stderr

    class Full:
        def write(self, text):
            raise OSError(28, "No space left on device")

        def flush(self):
            pass

    import toi5807.cli_vet as cv

    monkeypatch.setattr(cv, "_candidate", lambda args: None)  # the run is not the point: only the writing is
    monkeypatch.setattr(cv, "vet_record", lambda *a, **k: {"verdict": "PASS"})
    monkeypatch.setattr("toi5807.vetting.vet.vet_pixels", lambda *a, **k: None)
    monkeypatch.setattr("toi5807.data.load_dataset", lambda *a, **k: None)
    monkeypatch.setattr(sys, "stdout", Full())
    code = main(["vet", "--source", "local", "--path", str(star), "--json"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write the report to standard output" in err and "No space left" in err


def test_calibration_file_is_never_left_truncated(star, tmp_path, capsys, monkeypatch):
    """Fault 2: the calibration JSON was written in place; a failure while writing left the old file truncated."""
    import toi5807.calibration.own_pixels as own

    class Broken:  # serialising it fails half-way, as a full disk would
        sectors: dict = {}
        label = "x"
        runtime_s = 0.0
        exclusion_radius_arcsec = None

        def to_dict(self):
            return {"a": 1, "z": float("nan")}

    monkeypatch.setattr(own, "calibrate_own_pixels", lambda *a, **k: Broken())
    out = tmp_path / "cal"
    out.mkdir()
    old = out / f"calibration_{TIC}.json"
    old.write_text('{"previous": "run"}')
    code, _, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH, "--calibrate", "--calibrate-out",
                        str(out))
    assert code == 2
    assert old.read_text() == '{"previous": "run"}' and sorted(p.name for p in out.iterdir()) == [old.name]


@pytest.mark.parametrize("given, said", [("", "expected a folder, got ''"), ("FILE", "is a file, expected a folder")])
def test_calibrate_out_is_checked_before_any_work(star, tmp_path, capsys, monkeypatch, given, said):
    """Fault 3: a bad --calibrate-out failed only after the whole vetting and calibration (minutes)."""
    import toi5807.data

    def refuse(*a, **k):
        raise AssertionError("data loaded before the output path was checked")

    monkeypatch.setattr(toi5807.data, "load_dataset", refuse)
    if given == "FILE":
        given = str(tmp_path / "a_file")
        Path(given).write_text("x")
    code, out, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH, "--calibrate", "--calibrate-out",
                          given)
    assert code == 2 and said in err and out == ""


def test_twin_options_are_refused_for_real_data(star, capsys):
    """Fault 10: --scenario and --seed were silently ignored with --source local."""
    for extra in (("--scenario", "background_eb"), ("--seed", "3")):
        code, out, err = _vet(capsys, "--source", "local", "--path", str(star), *EPH, *extra)
        assert code == 2 and "only goes with --source twin" in err and extra[0] in err


def test_path_to_a_file_says_it_is_a_file(star, capsys):
    f = next(star.glob("*tp.fits"))
    code, _, err = _vet(capsys, "--source", "local", "--path", str(f), *EPH)
    assert code == 2 and "is a file; expected a folder" in err and "no such folder" not in err


def test_interrupt_is_one_line_and_exit_130(star, capsys, monkeypatch):
    """Fault 11: Ctrl-C printed a traceback."""
    import toi5807.cli_vet as cv

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cv, "_candidate", interrupted)
    assert main(["vet", "--source", "local", "--path", str(star)]) == 130
    assert capsys.readouterr().err.strip() == "toi5807 vet: interrupted"


def test_messages_plain_floats_warning_format_and_cut_at_a_boundary():
    """Fault 11: np.float64(…) in messages, a code line under every CacheWarning, a cap cutting mid-word."""
    from toi5807.__main__ import _cut, _format_warning, _one_line
    from toi5807.data.cache import CacheWarning
    from toi5807.data.validate import check_time

    with pytest.raises(ValueError) as exc:
        check_time(np.array([2000.0, 2000.5, 2000.5]))
    assert "np.float64" not in str(exc.value) and "first at 2000.5" in str(exc.value)
    assert _one_line(ValueError(f"x {np.float64(1.5)!r}")) == "ValueError: x 1.5"
    line = _format_warning(CacheWarning("cache entry rebuilt"), CacheWarning, "/x/cache.py", 12, "code()")
    assert line == "toi5807: CacheWarning: cache entry rebuilt\n"
    long = "A first sentence that is long enough. " * 8 + "tail words " * 40
    cut = _cut(long)
    assert len(cut) <= 400 and cut.endswith("enough. …")


def test_duration_that_looks_like_days_gets_a_warning(star, capsys):
    """Fault 12: --duration 0.6 (14.4 h typed in days) for P = 83.9 d was taken as 0.6 h without a word."""
    from toi5807.cli_vet import duration_hint

    assert "pass --duration 14.4" in duration_hint(83.9, 0.6)
    assert duration_hint(83.9, 10.0) is None and duration_hint(0.5, 0.6) is None and duration_hint(-3, 1) is None
    code, out, err = _vet(capsys, "--source", "local", "--path", str(star), "--period", "83.9", "--t0", f"{T0}",
                          "--duration", "0.6")
    assert "pass --duration 14.4" in err and "pass --duration 14.4" in out


def test_calibration_counts_are_explained():
    """`vet --calibrate` said '53 empty epochs' where the verdict said its 9 fakes were too few: both counts named."""
    from toi5807.report_text import render_calibration

    c = {"label": "x", "runtime_s": 1.0, "summary": {"30": {"PASS": 0, "WARN": 53, "FAIL": 0}},
         "injected_neighbours_passed": {"30": {"all": {"k": 0, "n": 4}, "beyond_exclusion_radius": {"k": 0, "n": 2}}},
         "exclusion_radius_arcsec": 12.0, "table": [], "json": "a.json", "png": [], "verdict_fakes": {"30": 9}}
    text = render_calibration(c)
    assert "53 empty epochs judged by the whole vet" in text and "s30: 9 fake epochs" in text
    assert "do not calibrate it" in text
