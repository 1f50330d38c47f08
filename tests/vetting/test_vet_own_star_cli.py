"""End to end, as a user would: another star's SPOC-layout folder vetted by the command line, and the report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from spoc_files import write_spoc_sector

from toi5807 import __version__
from toi5807.__main__ import main

TIC, RA, DEC = 12345678, 150.1, -30.2
EPH = (3.1, None, 3.0)  # period days, t0 (set from the sector start), duration hours


@pytest.fixture(scope="module")
def star_folder(tmp_path_factory):
    """Two sectors of a non-TOI-5807 star, 11×11 stamps, NaN-time cadences, a 3000-ppm transit on the target."""
    folder = tmp_path_factory.mktemp("tic12345678")
    files = {}
    for sector in (20, 21):
        files[sector] = write_spoc_sector(folder, tic_id=TIC, ra_deg=RA, dec_deg=DEC, sector=sector, n_cadences=6000,
                                          transit=(3.1, 1870.3, 3.0, 3000.0),
                                          seed=sector)
    return folder, files


def _run(capsys, *args):
    code = main(["vet", "--source", "local", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_other_star_is_vetted_on_its_own_target_and_the_json_is_a_record(star_folder, capsys):
    folder, files = star_folder
    t0 = 1870.3
    code, out, err = _run(capsys, "--path", str(folder), "--period", "3.1", "--t0", str(t0), "--duration", "3.0",
                          "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["target"]["tic_id"] == TIC and d["target"]["origin"] == "file"
    assert d["target"]["ra_deg"] == pytest.approx(RA, abs=1e-9) and d["target"]["dec_deg"] == pytest.approx(DEC, abs=1e-9)
    assert d["candidate"]["t0_btjd"] == t0 and d["toi5807_version"] == __version__
    assert d["ephemeris_origin"].startswith("command line")
    assert sorted(d["sectors_vetted"]) == [20, 21]
    names = {f["name"] for f in d["input"]["files"]}
    assert {f.path.name for s in files.values() for f in s.values()} <= names
    assert all(len(f["sha256"]) == 64 for f in d["input"]["files"])
    # the untimed cadences SPOC writes were dropped and counted, not refused
    assert all(int(n) > 0 for n in d["input"]["dataset"]["dropped_nan_time_cadences"].values())
    # a transit on the target: never FAIL, the combined source within 3σ of the target
    assert d["verdict"] != "FAIL"
    assert d["combined"]["offset_sigma"] < 3.0
    for v in d["sectors"].values():
        src = (v["source_ra_deg"], v["source_dec_deg"])
        sep = 3600 * math.hypot((src[0] - RA) * math.cos(math.radians(DEC)), src[1] - DEC)
        assert sep < 10.0, f"source {sep:.1f}″ from the file's target"


def test_without_an_ephemeris_the_cli_says_what_is_missing(star_folder, capsys):
    folder, _ = star_folder
    code, out, err = _run(capsys, "--path", str(folder))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--period" in err and "--t0" in err and "--duration" in err


def test_text_report_names_target_ephemeris_and_exclusion_radius(star_folder, capsys):
    folder, _ = star_folder
    code, out, _ = _run(capsys, "--path", str(folder), "--period", "3.1", "--t0", "1870.3", "--duration", "3.0")
    assert code == 0
    assert f"TIC {TIC}" in out and "RA 150.1000000°" in out and "T0 = 1870.30000 BTJD" in out
    assert "3σ exclusion radius" in out and f"toi5807 {__version__}" in out
    assert "V08 centroid shift" in out and "milli-px" in out  # the notebooks' unit


def test_one_sector_has_no_combined_line_and_fail_on_sets_the_exit_status(star_folder, capsys):
    folder, _ = star_folder
    code, out, _ = _run(capsys, "--path", str(folder), "--period", "3.1", "--t0", "1870.3", "--duration", "3.0",
                        "--sectors", "20")
    assert code == 0 and "combined (" not in out and "(0 dof)" not in out


def test_background_eb_twin_json_places_the_source_on_the_eclipsing_star(capsys):
    """Before: 4 significant digits put RA 308.6 (~94″ off); the JSON must place the source within 3″ per sector."""
    from toi5807.twin import twin_catalogue

    code = main(["vet", "--source", "twin", "--scenario", "background_eb", "--json", "--fail-on", "fail"])
    d = json.loads(capsys.readouterr().out)
    assert code == 1 and d["verdict"] == "FAIL"  # --fail-on fail: a script can act on it
    host = next(s for s in twin_catalogue().stars if s.label == "background EB host")
    for v in d["sectors"].values():
        sep = 3600 * math.hypot((v["source_ra_deg"] - host.ra_deg) * math.cos(math.radians(host.dec_deg)),
                                v["source_dec_deg"] - host.dec_deg)
        assert sep < 3.0
    ell = d["combined"]["error_ellipse"]
    assert set(ell) >= {"semi_major_arcsec", "semi_minor_arcsec", "position_angle_deg"}
    assert "source_offset_east_north_arcsec" in d["definitions"]
    assert np.isfinite(ell["semi_major_arcsec"]) and ell["semi_major_arcsec"] >= ell["semi_minor_arcsec"]


@pytest.mark.real_data
def test_real_sector83_as_a_stamp_and_as_a_lightkurve_tpf_is_localized(real_tpf_dir):
    import lightkurve as lk
    import toi5807 as sh

    eph = sh.Ephemeris(period_days=14.2423724, t0_btjd=3540.26317, duration_hours=4.046)
    path = real_tpf_dir / "sector83_tpf.fits"
    for given in (sh.read_tpf_fits(path), lk.read(str(path), quality_bitmask="none")):
        vet = sh.vet_pixels(given, eph)
        loc = vet.sectors[83].localization
        assert loc.usable and vet.verdict == "PASS" and vet.target["origin"] == "file"
        assert vet.combined.offset_sigma < 3.0


@pytest.mark.real_data
def test_a_deep_eclipse_in_a_stamp_corner_is_never_passed():
    """The fit searches 4 px around the target; a 3000 e-/s eclipse in a far corner used to come out PASS."""
    import dataclasses

    import toi5807 as sh

    st = sh.load_dataset().tpf_by_sector[83]
    eph = sh.Ephemeris(period_days=14.2423724, t0_btjd=3540.26317, duration_hours=4.046)
    assert sh.vet_pixels(st, eph).verdict == "PASS"  # the real transit, no corner eclipse
    dt = (st.time - eph.t0_btjd + 0.5 * eph.period_days) % eph.period_days - 0.5 * eph.period_days
    flux = st.flux.copy()
    flux[np.abs(dt) <= eph.duration_hours / 48.0, 0:2, 0:2] -= 750.0  # 3000 e-/s over four corner pixels
    vet = sh.vet_pixels(dataclasses.replace(st, flux=flux), eph)
    assert vet.verdict != "PASS" and "outside the region the position fit searched" in vet.reason
    assert "column 0" in vet.sectors[83].reason or "column 1" in vet.sectors[83].reason
