"""Real SPOC products as SPOC writes them: identity from the headers, cadences without a time dropped and counted."""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy.io import fits
from spoc_files import sector_start_btjd, spoc_file_name, write_spoc_lc, write_spoc_sector, write_spoc_tpf

import toi5807 as sh
from toi5807.data.readers import read_lc_fits, read_tpf_fits

STAR = dict(tic_id=12345678, ra_deg=150.1, dec_deg=-30.2)
N, EVERY = 1000, 7  # 142 cadences (every 7th) without a time
N_NAN = N // EVERY


@pytest.fixture(scope="module")
def spoc_dir(tmp_path_factory):
    """Sector 10 (TPF + light curve, NaN-time cadences) and sector 11 (TPF only, every cadence timed)."""
    d = tmp_path_factory.mktemp("spoc")
    files = write_spoc_sector(d, **STAR, sector=10, n_cadences=N, nan_time_every=EVERY, camera=2, ccd=3)
    files["tpf11"] = write_spoc_tpf(d, **STAR, sector=11, n_cadences=400, nan_time_every=None, camera=2, ccd=4)
    return d, files


def test_files_are_named_and_opened_as_spoc_products(spoc_dir):
    import lightkurve as lk

    d, files = spoc_dir
    name = spoc_file_name("tp", 10, 12345678)
    assert files["tpf"].path.name == name and name.endswith("-s0010-0000000012345678-0280-s_tp.fits")
    assert files["lc"].path.name == name.replace("_tp.fits", "_lc.fits")
    tpf = lk.read(files["tpf"], quality_bitmask="none")
    assert isinstance(tpf, lk.TessTargetPixelFile) and tpf.shape == (N, 11, 11)
    with fits.open(files["tpf"]) as hl:
        h0, h1 = hl[0].header, hl[1].header
        assert (h0["TICID"], h0["SECTOR"], h0["CAMERA"], h0["CCD"], h0["TELESCOP"]) == (12345678, 10, 2, 3, "TESS")
        assert (h1["1CTYP5"], h1["2CTYP5"], h1["TDIM5"]) == ("RA---TAN", "DEC--TAN", "(11,11)")
        assert hl[2].name == "APERTURE" and np.any(hl[2].data & 2)
        q = hl[1].data["QUALITY"][np.isnan(hl[1].data["TIME"])]
        assert q.size == N_NAN and set(np.unique(q)) == {8, 136}
    # the WCS puts RA_OBJ/DEC_OBJ on the target's pixel
    ra, dec = tpf.wcs.pixel_to_world_values(files["tpf"].target_col, files["tpf"].target_row)
    assert float(ra) == pytest.approx(150.1, abs=1e-9) and float(dec) == pytest.approx(-30.2, abs=1e-9)
    assert isinstance(lk.read(files["lc"]), lk.TessLightCurve)


def test_tpf_identity_and_untimed_cadences_from_the_file(spoc_dir):
    _, files = spoc_dir
    stamp = read_tpf_fits(files["tpf"])
    assert (stamp.tic_id, stamp.ra_deg, stamp.dec_deg, stamp.camera, stamp.ccd) == (12345678, 150.1, -30.2, 2, 3)
    assert (stamp.column, stamp.row) == (1000, 500)
    assert stamp.shape == (N - N_NAN, 11, 11) and stamp.provenance["dropped_nan_time"] == N_NAN == 142
    assert np.all(np.isfinite(stamp.time)) and np.all(np.diff(stamp.time) > 0)
    assert not np.isin(stamp.quality, (8, 136)).any()  # the untimed cadences, not others, were dropped
    assert "CROWDSAP" not in stamp.provenance.get("missing", ())  # SPOC keeps it in the table's header


def test_lightkurve_objects_zero_filled_times_are_recognised(spoc_dir):
    """lightkurve shows a TPF's NaN TIME as 0.0 (quality_bitmask='none'); the raw column says it is missing."""
    import lightkurve as lk

    _, files = spoc_dir
    tpf = lk.read(files["tpf"], quality_bitmask="none")
    assert np.count_nonzero(tpf.time.value == 0.0) == N_NAN
    stamp = sh.from_lightkurve_tpf(tpf)
    assert len(stamp.time) == N - N_NAN and stamp.provenance["dropped_nan_time"] == N_NAN
    assert (stamp.tic_id, stamp.ra_deg, stamp.dec_deg, stamp.camera, stamp.ccd) == (12345678, 150.1, -30.2, 2, 3)
    lc = sh.from_lightkurve_lc(lk.read(files["lc"], quality_bitmask="none"))
    assert lc.tic_id == 12345678 and len(lc) == N - N_NAN


def test_light_curve_untimed_cadences_counted_when_the_bitmask_keeps_them(spoc_dir):
    _, files = spoc_dir
    every = read_lc_fits(files["lc"], quality_bitmask="none")
    assert len(every) == N - N_NAN and every.provenance["dropped_nan_time"] == N_NAN and every.tic_id == 12345678
    default = read_lc_fits(files["lc"])  # quality 8 / 136 is in the default bitmask: dropped for that, not counted
    assert len(default) == N - N_NAN and default.provenance["dropped_nan_time"] == 0


def test_local_folder_summary_counts_dropped_cadences_per_sector(spoc_dir):
    d, _ = spoc_dir
    ds = sh.load_dataset("local", path=d)
    assert ds.sectors == (10, 11) and tuple(ds.tpf_by_sector) == (10, 11)
    summary = ds.summary()
    assert summary["dropped_nan_time_cadences"] == {"10": N_NAN}  # sector 11 has none: not listed
    json.dumps(summary, allow_nan=False)
    assert ds.lc_by_sector[11].tic_id == 12345678  # aperture photometry keeps the stamp's identity
    assert ds.tpf_by_sector[11].ccd == 4


def test_repeated_finite_times_are_still_refused(tmp_path):
    f = write_spoc_tpf(tmp_path, **STAR, sector=10, n_cadences=50, nan_time_every=10)
    with fits.open(f, mode="update") as hl:
        hl[1].data["TIME"][5] = hl[1].data["TIME"][4]
    with pytest.raises(ValueError, match=rf"^{f.path.name}: time: 1 repeated time stamp"):
        read_tpf_fits(f)


def test_header_without_identity_gives_none(tmp_path):
    f = write_spoc_tpf(tmp_path / "x_tp.fits", **STAR, sector=10, n_cadences=30)
    with fits.open(f, mode="update") as hl:
        for key in ("TICID", "RA_OBJ", "DEC_OBJ", "CAMERA", "CCD"):
            del hl[0].header[key]
    stamp = read_tpf_fits(f)
    assert (stamp.tic_id, stamp.ra_deg, stamp.dec_deg, stamp.camera, stamp.ccd) == (None,) * 5
    assert {"CAMERA", "CCD"} <= set(stamp.provenance["missing"])


# ----------------------------------------------------------------------------- the strict in-memory model
def test_in_memory_model_refuses_nan_and_julian_times():
    t = sector_start_btjd(10) + np.arange(3) * 0.01
    with pytest.raises(ValueError, match=r"time: 1 NaN time\(s\) \(first at index 1\)"):
        sh.TPFStamp(time=np.array([t[0], np.nan, t[2]]), flux=np.ones((3, 2, 2)), sector=10)
    with pytest.raises(ValueError, match="look like Julian Dates.*subtract 2457000 to get BTJD"):
        sh.TPFStamp(time=t + 2457000.0, flux=np.ones((3, 2, 2)), sector=10)
    with pytest.raises(ValueError, match="look like MJDs; BTJD = MJD − 56999.5"):
        sh.LightCurve(time=t + 56999.5, flux=np.ones(3), flux_err=np.ones(3), quality=np.zeros(3), sector=10)
    with pytest.raises(ValueError, match="not a plausible BTJD"):
        sh.LightCurve(time=t + 1e12, flux=np.ones(3), flux_err=np.ones(3), quality=np.zeros(3), sector=10)


# ----------------------------------------------------------------------------- one star per folder
def test_tpf_and_light_curve_of_different_stars_are_refused(tmp_path):
    a = write_spoc_tpf(tmp_path, **STAR, sector=10, n_cadences=40)
    b = write_spoc_lc(tmp_path, **{**STAR, "tic_id": 87654321}, sector=10, n_cadences=40)
    with pytest.raises(ValueError) as err:
        sh.load_dataset("local", path=tmp_path)
    text = str(err.value)
    assert a.path.name in text and b.path.name in text and "TIC 12345678" in text and "TIC 87654321" in text
    assert "different stars" in text


def test_folder_of_several_stars_is_refused(tmp_path):
    a = write_spoc_tpf(tmp_path, **STAR, sector=10, n_cadences=40)
    b = write_spoc_tpf(tmp_path, **{**STAR, "tic_id": 87654321}, sector=11, n_cadences=40)
    with pytest.raises(ValueError, match="2 different stars") as err:
        sh.load_dataset("local", path=tmp_path)
    assert f"TIC 12345678: ['{a.path.name}']" in str(err.value) and f"TIC 87654321: ['{b.path.name}']" in str(err.value)


def test_injected_transit_keeps_its_depth_in_pdcsap(tmp_path):
    """Known truth: a 5000-ppm box transit of the target comes back from the PDCSAP light curve within 4σ."""
    t0 = sector_start_btjd(10) + 0.8
    write_spoc_sector(tmp_path, **STAR, sector=10, n_cadences=6000, transit=(2.0, t0, 3.0, 5000.0))
    ds = sh.load_dataset("local", path=tmp_path)
    depth, err = sh.estimate_depth_ppm(sh.stitch_pdcsap(ds), sh.Ephemeris(2.0, t0, 3.0))
    assert 30.0 < err < 200.0 and abs(depth - 5000.0) < 4.0 * err


# ----------------------------------------------------------------------------- the real files
@pytest.mark.real_data
def test_real_files_say_whose_they_are(real_data_dir, real_tpf_dir):
    from toi5807 import target

    stamp = read_tpf_fits(real_tpf_dir / "sector83_tpf.fits")
    assert stamp.tic_id == target.TIC_ID and stamp.provenance["dropped_nan_time"] >= 0
    assert abs(stamp.ra_deg - target.RA_DEG) < 1e-3 and abs(stamp.dec_deg - target.DEC_DEG) < 1e-3
    ds = sh.load_dataset("local", path=real_data_dir)
    assert {lc.tic_id for lc in ds.lc_by_sector.values()} == {target.TIC_ID}
