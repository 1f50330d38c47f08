"""vet-batch: the target table's validation, error rows, resumability, the results table and the command line."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from astropy.table import Table

from spoc_files import write_spoc_sector, write_spoc_tpf
from toi5807.__main__ import main
from toi5807.batch import read_targets, run_batch
from toi5807.batch.targets import safe_label
from toi5807.batch.worker import summary_row

EPH = (3.1, 1870.3, 3.0)


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    """Two small synthetic stars (different TICs), a truncated TPF, and the target table."""
    root = tmp_path_factory.mktemp("batch")
    write_spoc_sector(root / "star_a", tic_id=11111111, ra_deg=150.1, dec_deg=-30.2, sector=20, n_cadences=4000,
                      transit=(*EPH, 3000.0), seed=1)
    write_spoc_tpf(root / "star_b", tic_id=22222222, ra_deg=80.5, dec_deg=10.0, sector=21, n_cadences=4000,
                   transit=(3.1, 1899.0, 3.0, 3000.0), seed=2)
    full = write_spoc_tpf(root / "tmp", tic_id=33333333, ra_deg=10.0, dec_deg=5.0, sector=20, n_cadences=500)
    (root / "broken").mkdir()
    data = full.path.read_bytes()
    (root / "broken" / full.path.name).write_bytes(data[: len(data) // 2])
    shutil.rmtree(root / "tmp")
    (root / "targets.csv").write_text(
        "# a comment line\n"
        "label,path,period_days,t0_btjd,duration_hours,tic_id\n"
        f"Star A/1,star_a,{EPH[0]},{EPH[1]},{EPH[2]},11111111\n"
        "star b,star_b,3.1,1899.0,3.0,\n"
        "broken one,broken,3.0,1870.0,2.0,\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def first_run(batch_dir):
    targets = read_targets(batch_dir / "targets.csv")
    out = batch_dir / "out"
    summary = run_batch(targets, out, workers=1, processes=False, progress=False, figures=True)
    return targets, out, summary, (out / "results.ecsv").read_bytes()


def test_failures_are_rows_and_the_others_are_vetted(first_run):
    targets, out, summary, _ = first_run
    assert [t.name for t in targets] == ["Star_A_1", "star_b", "broken_one"]
    assert summary.n_targets == 3 and summary.n_errors == 1 and summary.n_vetted == 3
    table = Table.read(out / "results.ecsv")
    assert list(table["label"]) == ["Star A/1", "star b", "broken one"]
    err = str(table["error"][2])
    assert "broken one" in err and "tess" in err and "_tp.fits" in err  # names the target and the file
    assert not np.ma.is_masked(table["verdict"][0]) and table["verdict"][0] in ("PASS", "WARN", "FAIL")
    assert table["tic_id"][0] == 11111111 and table["tic_id"][1] == 22222222
    assert str(table["source_offset"].unit) == "arcsec" and str(table["runtime"].unit) == "s"
    d = json.loads((out / "Star_A_1.json").read_text())
    assert d["verdict"] == table["verdict"][0] and d["batch"]["label"] == "Star A/1"
    assert {f["name"] for f in d["input"]["files"]} == set(p.name for p in (out.parent / "star_a").iterdir())
    assert (out / "Star_A_1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "broken_one.json").exists()


def test_rerun_reuses_unchanged_rows_and_recomputes_changed_ones(first_run, batch_dir):
    targets, out, _, first_bytes = first_run
    again = run_batch(targets, out, workers=1, processes=False, progress=False)
    assert (again.n_vetted, again.n_reused) == (0, 3)
    assert (out / "results.ecsv").read_bytes() == first_bytes  # same results, byte for byte
    moved = [t if t.name != "star_b" else type(t)(**{**t.to_dict(), "t0_btjd": 1899.0 + 3.1}) for t in targets]
    third = run_batch(moved, out, workers=1, processes=False, progress=False, figures=False)
    assert (third.n_vetted, third.n_reused) == (1, 2)  # only the row whose ephemeris changed
    run_batch(targets, out, workers=1, processes=False, progress=False)  # restore for the other tests


def test_summary_row_reads_calibration_and_v10():
    d = {"verdict": "PASS", "reason": "r", "target": {"tic_id": 5}, "calibration": {"used": True},
         "combined": {"offset_from_target_arcsec": None},
         "sectors": {"9": {"source_offset_arcsec": 3.0, "source_offset_sigma": 1.5, "v10": {"verdict": "WARN"},
                           "v08_metrics": {"centroid_shift_pixels": 0.002, "significance_sigma": 0.7}}}}
    row = summary_row(d)
    assert (row["source_offset"], row["source_offset_sigma"], row["calibrated"]) == (3.0, 1.5, True)
    assert row["v10"] == "s9 WARN" and row["v08"] == "s9 2.0 mpx 0.70σ"
    assert summary_row({**d, "all_tests_calibrated": False})["calibrated"] is False


@pytest.mark.parametrize("text, message", [
    ("label,path,period_days,t0_btjd\nA,x,1,2\n", "missing column(s) duration_hours"),
    ("label,path,period_days,t0_btjd,duration_hours\nA,x,-1,3500,2\n", "row 2, column period_days"),
    ("label,path,period_days,t0_btjd,duration_hours\nA,x,3,2460540.3,2\n", "row 2, column t0_btjd"),
    ("label,path,period_days,t0_btjd,duration_hours\nA,x,3,3500,40\n", "row 2, column duration_hours"),
    ("label,path,period_days,t0_btjd,duration_hours\nA,,3,3500,2\n", "row 2, column path"),
    ("label,path,period_days,t0_btjd,duration_hours,tic_id\nA,x,3,3500,2,abc\n", "row 2, column tic_id"),
    ("label,path,period_days,t0_btjd,duration_hours\nA/1,x,3,3500,2\nA 1,y,3,3500,2\n", "row 3, column label"),
    ("label,path,period_days,t0_btjd,duration_hours\nA,x,3\n", "row 2: 3 cells"),
])
def test_bad_tables_name_row_and_column(tmp_path, text, message):
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_targets(p)


def test_labels_are_file_name_safe():
    assert safe_label("TOI 5807.01/s83") == "TOI_5807.01_s83"
    assert safe_label("../../etc") == "_.._etc"
    assert safe_label("") == "target"


def test_command_line_exit_statuses(first_run, batch_dir, tmp_path, capsys):
    targets, out, _, _ = first_run
    assert main(["vet-batch", str(batch_dir / "targets.csv"), "--out", str(out), "--workers", "1"]) == 1  # error row
    assert "broken one: ERROR" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("label,path\n", encoding="utf-8")
    assert main(["vet-batch", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "missing column(s)" in capsys.readouterr().err
