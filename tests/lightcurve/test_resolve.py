"""The one ephemeris guard: TOI-5807.01's ephemeris only on TOI-5807's data (fault reproduction of issue #27:
another star's files were stitched and measured with P = 14.24 d, without a word)."""

from __future__ import annotations

import numpy as np
import pytest

import toi5807 as sh
from toi5807.lightcurve import EphemerisRequired, resolve_ephemeris, star_identity, stellar_parameters
from spoc_files import write_spoc_sector

OTHER = dict(tic_id=123456789, ra_deg=120.5, dec_deg=-30.25)
TRANSIT = (1.9, 1435.5, 3.0, 3000.0)  # days, BTJD, hours, ppm


@pytest.fixture(scope="module")
def other_star(tmp_path_factory):
    folder = tmp_path_factory.mktemp("other_star")
    write_spoc_sector(folder, **OTHER, sector=5, n_cadences=1500, transit=TRANSIT, nan_time_every=None)
    return folder, sh.load_dataset("local", path=folder)


def test_another_star_without_ephemeris_is_refused_everywhere(other_star):
    folder, ds = other_star
    assert star_identity(ds)["tic_id"] == 123456789
    for call in (lambda: resolve_ephemeris(ds), lambda: sh.estimate_depth_ppm(sh.stitch_pdcsap(ds)),
                 lambda: sh.make_candidate(100.0, data=ds), lambda: sh.make_candidate(100.0, data=sh.stitch_pdcsap(ds))):
        with pytest.raises(EphemerisRequired, match="TIC 123456789.*PERIOD_DAYS.*T0_BTJD.*DURATION_HOURS"):
            call()
    with pytest.raises(ValueError, match="TIC 123456789.*pass candidate="):
        sh.vet_pixels(ds)


def test_another_star_with_its_ephemeris_measures_its_own_depth(other_star):
    folder, ds = other_star
    eph = resolve_ephemeris(ds, *TRANSIT[:3])
    depth = sh.estimate_depth_ppm(sh.stitch_pdcsap(ds), eph)
    assert abs(depth.depth_ppm - 3000.0) < 5 * depth.depth_err_ppm
    assert sh.make_candidate(depth.depth_ppm, eph, data=ds).ephemeris.period_days == 1.9
    star = stellar_parameters(ds, folder)
    assert (star.tic_id, star.radius_rsun, star.teff_k) == (123456789, 1.0, 5800.0)
    assert "headers" in star.origin
    assert stellar_parameters(ds).radius_rsun is None  # not TOI-5807's 1.65 R☉


def test_partial_ephemeris_names_what_is_missing():
    with pytest.raises(ValueError, match="missing t0_btjd, duration_hours"):
        resolve_ephemeris({"tic_id": 1}, 3.0)


def test_toi5807_data_get_its_ephemeris():
    ds = sh.load_dataset()
    assert resolve_ephemeris(ds) == sh.Ephemeris(sh.target.PERIOD_DAYS, sh.target.T0_BTJD, sh.target.DURATION_HOURS)
    assert stellar_parameters(ds).radius_rsun == sh.STELLAR_RADIUS_RSUN
    # a nameless star is not TOI-5807
    with pytest.raises(EphemerisRequired, match="a star no file names"):
        resolve_ephemeris({"tic_id": None, "ra_deg": None, "dec_deg": None})
    # TOI-5807's TIC at another position is not TOI-5807
    with pytest.raises(EphemerisRequired):
        resolve_ephemeris({"tic_id": sh.TIC_ID, "ra_deg": 10.0, "dec_deg": 0.0})
    assert np.isfinite(sh.estimate_depth_ppm(sh.stitch_pdcsap(ds)).depth_ppm)
