"""A folder of target pixel files only (issue 11 item 5): light curves by aperture photometry, bad TPFs named.

The real sector-83 TPF tests use the shipped tutorial dataset (``real_tpf_dir``) and assert relations,
never stored values.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import toi5807 as sh
from astropy.io import fits


@pytest.fixture(scope="module")
def twin_tpf():
    from toi5807.twin.source import twin_directory

    return next(twin_directory(seed=0, scenario="planet").glob("*s0082*_tp.fits"))


def _edited(src, dst, edit):
    with fits.open(src) as h:
        hl = fits.HDUList([x.copy() for x in h])
    edit(hl)
    hl.writeto(dst, overwrite=True)
    return dst


def test_tpf_only_folder_builds_its_light_curve_from_the_aperture(tmp_path, twin_tpf):
    shutil.copy(twin_tpf, tmp_path / "sector82_tpf.fits")
    ds = sh.load_dataset("local", path=tmp_path)
    stamp, lc = ds.tpf_by_sector[82], ds.lc_by_sector[82]
    assert ds.sectors == (82,) and len(lc) == stamp.shape[0]
    mask = stamp.aperture_mask
    np.testing.assert_array_equal(lc.flux, stamp.flux[:, mask].sum(axis=1))
    np.testing.assert_allclose(lc.flux_err, np.sqrt((stamp.flux_err[:, mask] ** 2).sum(axis=1)), rtol=1e-12)
    np.testing.assert_array_equal(lc.quality, stamp.quality)
    np.testing.assert_array_equal(lc.time, stamp.time)
    assert lc.simulated and lc.provenance["scenario"] == "planet"  # provenance kept through the photometry
    assert "simple aperture photometry" in lc.provenance["photometry"]
    summary = ds.summary()
    assert summary["aperture_photometry_sectors"] == [82] and summary["simulated"] is True
    assert "PDCSAP" in summary["light_curve_note"]


@pytest.mark.parametrize("case", ["not-a-tpf", "csv-text", "no-aperture", "flat-flux", "aperture-shape",
                                  "sector-mismatch"])
def test_bad_tpf_in_a_tpf_folder_is_named(tmp_path, twin_tpf, case):
    target = tmp_path / "sector82_tpf.fits"
    if case == "not-a-tpf":  # a valid FITS file that is a light curve, not pixels
        shutil.copy(next(twin_tpf.parent.glob("*s0082*_lc.fits")), target)
        pattern = r"no FLUX column in extension 1; expected a SPOC target-pixel file"
    elif case == "csv-text":
        target.write_text("time_btjd,flux,flux_err,quality\n2800.0,1,0.001,0\n")
        pattern = r"not a readable TESS target-pixel FITS file"
    elif case == "no-aperture":
        _edited(twin_tpf, target, lambda hl: hl.pop(2))
        pattern = r"no aperture extension \(HDU 2, APERTURE image\); expected a SPOC target pixel file"
    elif case == "flat-flux":  # FLUX stored as (n_time, n_pixels): a stamp of an unexpected shape
        def flatten(hl):
            cols = []
            for c in hl[1].columns:
                if c.name in ("FLUX", "FLUX_ERR", "RAW_CNTS", "FLUX_BKG", "FLUX_BKG_ERR"):
                    data = hl[1].data[c.name].reshape(len(hl[1].data), -1)
                    c = fits.Column(name=c.name, format=f"{data.shape[1]}{c.format[-1]}", array=data)
                cols.append(c)
            hl[1] = fits.BinTableHDU.from_columns(cols, name="PIXELS")
        _edited(twin_tpf, target, flatten)
        pattern = r"FLUX: expected a cube \(n_time, n_rows, n_cols\), got shape \(\d+, \d+\)"
    elif case == "aperture-shape":
        def shrink(hl):
            hl[2].data = hl[2].data[:, :-1]
        _edited(twin_tpf, target, shrink)
        pattern = r"APERTURE image has shape \(\d+, \d+\); expected the stamp's \(\d+, \d+\)"
    else:
        shutil.copy(twin_tpf, tmp_path / "sector83_tpf.fits")
        target = tmp_path / "sector83_tpf.fits"
        pattern = r"header SECTOR 82 disagrees with the file name \(sector 83\)"
    with pytest.raises(ValueError, match=rf"^{target.name}: .*{pattern}"):
        sh.load_dataset("local", path=tmp_path)


# ----------------------------------------------------------------------------- the real sector-83 pixels
@pytest.fixture(scope="module")
def real_tpf_ds(real_tpf_dir):
    return sh.load_dataset("local", path=real_tpf_dir)


@pytest.mark.real_data
def test_real_tpf_loads_through_source_local(real_tpf_ds):
    ds = real_tpf_ds
    assert ds.sectors == (83,) and tuple(ds.tpf_by_sector) == (83,)
    assert not ds.simulated and ds.summary()["aperture_photometry_sectors"] == [83]
    stamp, lc = ds.tpf_by_sector[83], ds.lc_by_sector[83]
    n, nr, nc = stamp.shape
    assert n > 10_000 and nr > 5 and nc > 5 and stamp.wcs is not None
    assert 10 < stamp.aperture_mask.sum() < nr * nc
    assert (stamp.column, stamp.row) == (None, None)  # the file does not say where the stamp sits
    missing = set(stamp.provenance["missing"])
    assert {"CAMERA", "CCD", "CROWDSAP", "FLFRCSAP", "FLUX_BKG", "POS_CORR1"} <= missing
    assert len(lc) == n and np.all(np.diff(lc.time) > 0)
    good = np.isfinite(lc.flux)
    assert good.mean() > 0.99 and np.all(lc.flux[good] > 0)
    # the aperture sum is most of the stamp's flux and its error is far below the flux (bright star)
    stamp_sum = np.nansum(np.clip(stamp.flux, 0, None), axis=(1, 2))
    assert 0.5 < np.nanmedian(lc.flux / stamp_sum) < 1.0
    assert 0 < np.nanmedian(lc.flux_err / lc.flux) < 1e-3


@pytest.mark.real_data
def test_v08_runs_end_to_end_on_the_real_tpf(real_tpf_ds):
    stamp = real_tpf_ds.tpf_by_sector[83]
    candidate = sh.make_candidate(256.0)  # TOI-5807.01's catalogue ephemeris; V08 needs no depth
    res = sh.run_v08(stamp, candidate)
    assert res.status == "ok" and res.verdict in ("PASS", "WARN", "FAIL")
    m = res.metrics
    assert m["n_in_transit_cadences"] > 50 and m["n_out_of_transit_cadences"] > 20 * m["n_in_transit_cadences"]
    assert np.isfinite(m["significance_sigma"]) and m["shift_uncertainty_pixels"] > 0
    assert m["centroid_shift_pixels"] < 0.5  # a pointing-wander-sized shift (tens of millipixels), not a blend
    assert "DEGENERATE_SIGNIFICANCE" not in res.flags
    assert res.plot_data["stamp_origin"] == {"column": None, "row": None}
