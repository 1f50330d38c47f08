"""Issue 31's data-layer and API faults, each reproduced (every test here fails on the code before the issue)."""

from __future__ import annotations

import dataclasses
import shutil
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from spoc_files import sector_start_btjd, write_spoc_sector, write_spoc_tpf

import toi5807 as sh

TIC, RA, DEC, SECTOR = 99887766, 201.3, -45.7, 30
T0 = sector_start_btjd(SECTOR) + 4.0
EPH = sh.Ephemeris(period_days=83.9, t0_btjd=T0, duration_hours=10.0)


@pytest.fixture(scope="module")
def star(tmp_path_factory):
    """One sector of another star (not TOI-5807): one 10-hour transit of an 83.9-day planet."""
    folder = tmp_path_factory.mktemp("star31")
    write_spoc_sector(folder, tic_id=TIC, ra_deg=RA, dec_deg=DEC, sector=SECTOR, n_cadences=3000,
                      transit=(83.9, T0, 10.0, 3000.0), seed=3)
    return folder


def _copy_edit(src, dst, edit):
    shutil.copytree(src, dst)
    for p in dst.iterdir():
        with fits.open(p, mode="update") as h:
            edit(p.name, h)
    return dst


def test_a_file_without_ticid_is_still_judged_by_its_position(tmp_path):
    """Fault 5: one file lacked TICID, and two stars 117° apart were merged into one dataset and vetted PASS."""
    a = write_spoc_tpf(tmp_path, tic_id=111, ra_deg=10.0, dec_deg=5.0, sector=20, n_cadences=400)
    b = write_spoc_tpf(tmp_path, tic_id=222, ra_deg=150.0, dec_deg=-60.0, sector=21, n_cadences=400)
    with fits.open(b.path, mode="update") as h:
        del h[0].header["TICID"]
    with pytest.raises(ValueError, match="different stars") as exc:
        sh.load_dataset("local", path=tmp_path)
    assert a.path.name in str(exc.value) and b.path.name in str(exc.value) and "117.2°" in str(exc.value)
    # the data model refuses the same mix however it is assembled
    sa, sb = sh.read_tpf_fits(a.path), sh.read_tpf_fits(b.path)
    with pytest.raises(ValueError, match="different stars"):
        sh.Dataset(lc_by_sector={}, tpf_by_sector={20: sa, 21: sb})


def test_the_same_star_within_an_arcminute_is_one_star(tmp_path):
    write_spoc_tpf(tmp_path, tic_id=111, ra_deg=10.0, dec_deg=5.0, sector=20, n_cadences=400)
    write_spoc_tpf(tmp_path, tic_id=111, ra_deg=10.0 + 5.0 / 3600, dec_deg=5.0, sector=21, n_cadences=400)
    ds = sh.load_dataset("local", path=tmp_path)
    from toi5807.data.convert import dataset_products

    assert dataset_products(ds)["20"]["tpf"]["procver"] == "spoc-5.0.99-20240101"


def test_a_stamp_without_ra_obj_uses_its_own_target_not_toi5807s(star, tmp_path):
    """Fault 7: RA_OBJ/DEC_OBJ missing on another star's file → the messages showed TOI-5807's coordinates."""
    def drop(name, h):
        for key in ("RA_OBJ", "DEC_OBJ"):
            del h[0].header[key]

    folder = _copy_edit(star, tmp_path / "nopos", drop)
    vet = sh.vet_pixels(sh.load_dataset("local", path=folder), EPH)
    assert vet.target["origin"] == "wcs"
    assert vet.target["ra_deg"] == pytest.approx(RA, abs=1e-6) and vet.target["dec_deg"] == pytest.approx(DEC)
    text = repr(vet.to_dict())
    assert "308.56" not in text and any("WCS reference" in n for n in vet.notes)


def test_all_nan_flux_err_is_ignored_with_a_note_and_no_numpy_warning(star, tmp_path):
    """Fault 9: an all-NaN FLUX_ERR leaked numpy's 'All-NaN slice encountered'."""
    def nan_err(name, h):
        if name.endswith("tp.fits"):
            h[1].data["FLUX_ERR"][:] = np.nan

    folder = _copy_edit(star, tmp_path / "nanerr", nan_err)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = sh.load_dataset("local", path=folder)
        vet = sh.vet_pixels(ds, EPH)
    assert not [w for w in caught if "All-NaN" in str(w.message)]
    assert ds.tpf_by_sector[SECTOR].flux_err is None
    assert "FLUX_ERR is NaN everywhere" in ds.summary()["data_notes"][0]
    assert vet.verdict in ("PASS", "WARN", "FAIL")


def test_t0_as_a_day_quantity_and_clear_messages_for_arrays():
    """Fault 8: t0_btjd=1454.68*u.day was refused ('convertible to btjd'); an array period said '[83.89 2.] d'."""
    from toi5807.lightcurve.ephemeris import coerce_transit_params

    tp = coerce_transit_params(period_days=83.89, t0_btjd=1454.68 * u.day, duration_hours=10)
    assert tp.t0 == pytest.approx(1454.68)
    for period in (np.array([83.89, 2.0]) * u.day, np.array([83.89, 2.0])):
        with pytest.raises(ValueError) as exc:
            coerce_transit_params(period_days=period, t0_btjd=1454.68, duration_hours=10)
        assert str(exc.value).startswith("period: expected a single number (a period in days), got 2 values "
                                          "[83.89, 2]")
    with pytest.raises(ValueError, match="t0: expected a mid-transit time in BTJD"):
        coerce_transit_params(period_days=83.89, t0_btjd=1454.68 * u.m, duration_hours=10)


def test_a_t0_half_a_period_off_is_named(star):
    """Fault 12: a t0 half a period off was blamed on the period ('the period looks like hours')."""
    from toi5807.lightcurve.windows import no_transit_hint

    st = sh.load_dataset("local", path=star).tpf_by_sector[SECTOR]
    hint = no_transit_hint(st.time, sh.Ephemeris(period_days=83.9, t0_btjd=T0 + 41.95, duration_hours=10.0))
    assert "t0 looks half a period off" in hint and f"= {T0:.5f} BTJD" in hint
    assert hint.index("half a period off") < hint.find("looks like hours") or "looks like hours" not in hint


def test_small_stamps_say_they_are_too_small(star):
    """Fault 11: a 1-px-wide stamp said 'no out-of-transit image'; a 1×1 stamp's V08 read '0 milli-px at 0.00σ'
    (and a 3 × 3 stamp crashed the PRF spline)."""
    st = sh.load_dataset("local", path=star).tpf_by_sector[SECTOR]
    for rows, cols in ((slice(None), slice(5, 6)), (slice(4, 7), slice(4, 7))):
        small = dataclasses.replace(st, flux=st.flux[:, rows, cols], flux_err=st.flux_err[:, rows, cols],
                                    aperture_mask=st.aperture_mask[rows, cols])
        vet = sh.vet_pixels(small, EPH)
        assert vet.verdict == "WARN" and "stamp too small" in vet.reason
    one = dataclasses.replace(st, flux=st.flux[:, 5:6, 5:6], flux_err=st.flux_err[:, 5:6, 5:6],
                              aperture_mask=st.aperture_mask[5:6, 5:6], wcs=None)
    r = sh.run_v08(one, EPH)
    assert r.verdict == "WARN" and "0.00σ" not in repr(r) and "significance undefined" in repr(r)
