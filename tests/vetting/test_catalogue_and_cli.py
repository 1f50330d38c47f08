"""The Gaia catalogue's JSON cache (no network: the query is replaced) and the command line for any star."""

from __future__ import annotations

import json
import math
import sys
import types

import pytest

from toi5807.__main__ import main
from toi5807.data import catalogue as catmod


def test_offline_gaia_is_skipped_with_the_reason():
    cat, why = catmod.query_gaia_catalogue(150.0, -30.0, network=False)
    assert cat is None and why == "no network requested: Gaia query skipped"


def test_gaia_answer_cached_as_json_and_read_back(isolated_cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "astroquery.gaia", types.ModuleType("astroquery.gaia"))  # never imported
    calls = []
    rows = [("2", 150.0 + 30 / 3600, -30.0, 13.1), ("1", 150.0 + 1e-5, -30.0, 11.1)]
    monkeypatch.setattr(catmod, "_gaia_rows", lambda ra, dec, r: calls.append((ra, dec, r)) or rows)
    first, why = catmod.query_gaia_catalogue(150.0, -30.0, network=True)
    again, _ = catmod.query_gaia_catalogue(150.0, -30.0, network=True)
    assert why == "ok" and calls == [(150.0, -30.0, 150.0)]  # the second answer came from the cache
    assert first == again and first.origin == "Gaia DR3"
    assert [s.label for s in first.stars] == ["target", "Gaia DR3 2"] and math.isclose(first.target.tmag, 11.0)
    entry = catmod.gaia_cache_dir(150.0, -30.0, 150.0)
    assert entry.is_relative_to(isolated_cache) and json.loads((entry / catmod.GAIA_FILE).read_text())["stars"]
    assert not list(entry.rglob("*.pkl")) and not list(entry.rglob("*.pickle"))


def test_cli_errors_are_one_line_with_exit_2(tmp_path, capsys, monkeypatch):
    cases = [(["vet", "--quick"], "--quick only goes with --calibrate"),
             (["vet", "--source", "local", "--path", str(tmp_path / "nope")], f"no such folder, {tmp_path / 'nope'}"),
             (["vet", "--period", "3"], "missing --t0 BTJD, --duration HOURS"),
             (["calibrate", "--quick", "--seeds", "-3"], "--seeds must be a positive number of seeds, got -3"),
             (["calibrate", "--sectors", "99"], "got 99")]
    for argv, text in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith(f"toi5807 {argv[0]}: ") and text in err and err.count("\n") == 1, err
    f = tmp_path / "a_file"
    f.write_text("x")
    monkeypatch.setenv("TOI5807_CACHE_DIR", str(f))
    assert main(["vet", "--source", "twin", "--sectors", "83"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("toi5807 vet: ") and err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises((FileExistsError, NotADirectoryError)):
        main(["--debug", "vet", "--source", "twin", "--sectors", "83"])


def test_help_documents_exit_statuses(capsys):
    for argv in (["--help"], ["vet", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "exit status: 0 ran" in out and "2 usage or input error" in out
    with pytest.raises(SystemExit):
        main(["vet", "--help"])
    assert "--fail-on" in capsys.readouterr().out


def test_cli_json_full_precision_and_provenance(capsys):
    from toi5807 import __version__, target

    assert main(["vet", "--source", "twin", "--sectors", "83", "--json", "--fail-on", "fail"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["candidate"]["t0_btjd"] == target.T0_BTJD and d["candidate"]["period_days"] == target.PERIOD_DAYS
    assert d["target"]["ra_deg"] == target.RA_DEG and d["target"]["dec_deg"] == target.DEC_DEG
    assert d["target"]["tic_id"] == target.TIC_ID and d["target"]["origin"] in ("file", "default")
    assert d["toi5807_version"] == __version__ and d["sectors_vetted"] == [83]
    assert d["input"]["source"] == "twin" and d["input"]["path"] is None and d["input"]["files"] == []
    assert d["input"]["dataset"]["simulated"] is True and "TOI-5807" in d["ephemeris_origin"]
