"""source="local": the tutorial CSV format, malformed inputs, and a lightkurve FITS round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
import toi5807 as sh

HEADER = "# tic_id: 188646744\n# sector: {sector}\ntime_btjd,flux,flux_err,quality\n"


def write_csv(path, sector=55, n=50, body=None):
    if body is None:
        t = 2800.0 + np.arange(n) * (120.0 / 86400.0)
        rows = [f"{ti:.9f},{1.0 + 1e-4 * i:.9f},0.0002,0" for i, ti in enumerate(t)]
        body = "\n".join(rows) + "\n"
    path.write_text(HEADER.format(sector=sector) + body)
    return path


def test_csv_folder_loads_with_and_without_tpf(tmp_path):
    write_csv(tmp_path / "sector55_pdcsap.csv", 55, n=40)
    write_csv(tmp_path / "sector75_pdcsap.csv", 75, n=60)
    ds = sh.load_dataset("local", path=tmp_path)
    assert ds.sectors == (55, 75)
    assert [len(ds.lc_by_sector[s]) for s in ds.sectors] == [40, 60]
    assert dict(ds.tpf_by_sector) == {}
    summary = ds.summary()
    assert summary == {"source": "local", "sectors_lc": [55, 75], "sectors_tpf": [], "simulated": False}
    json.dumps(summary)  # JSON-safe
    assert str(tmp_path) not in json.dumps(summary)


def test_sector_filter(tmp_path):
    write_csv(tmp_path / "sector55_pdcsap.csv", 55)
    write_csv(tmp_path / "sector75_pdcsap.csv", 75)
    assert sh.load_dataset("local", path=tmp_path, sectors=[75]).sectors == (75,)
    with pytest.raises(ValueError, match=r"no light curve for sector\(s\) \[82\]"):
        sh.load_dataset("local", path=tmp_path, sectors=[75, 82])


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("", r"sector55_pdcsap\.csv: no data rows"),
        ("2800.0,1.0,abc,0\n", r"sector55_pdcsap\.csv: malformed data .*abc"),
        ("2800.0,1.0,0.0002,0\n2800.1,1.0,0\n", r"sector55_pdcsap\.csv: malformed data"),
        ("2800.0,1.0,0.0002,0.5\n", r"quality column must hold integers"),
    ],
    ids=["no-rows", "non-numeric", "mismatched-lengths", "fractional-quality"],
)
def test_malformed_rows(tmp_path, body, pattern):
    write_csv(tmp_path / "sector55_pdcsap.csv", body=body)
    with pytest.raises(ValueError, match=pattern):
        sh.load_dataset("local", path=tmp_path)


def test_missing_column(tmp_path):
    (tmp_path / "sector55_pdcsap.csv").write_text("# sector: 55\ntime_btjd,flux,quality\n2800.0,1.0,0\n")
    with pytest.raises(ValueError, match=r"sector55_pdcsap\.csv: missing column\(s\) \['flux_err'\]"):
        sh.load_dataset("local", path=tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "sector55_pdcsap.csv").write_text("")
    with pytest.raises(ValueError, match=r"sector55_pdcsap\.csv: empty file"):
        sh.load_dataset("local", path=tmp_path)


def test_comment_only_file(tmp_path):
    (tmp_path / "sector55_pdcsap.csv").write_text("# sector: 55\n# nothing else\n")
    with pytest.raises(ValueError, match="empty file"):
        sh.load_dataset("local", path=tmp_path)


def test_missing_folder_and_no_files(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        sh.load_dataset("local", path=tmp_path / "nope")
    with pytest.raises(ValueError, match="no light curves found") as err:
        sh.load_dataset("local", path=tmp_path)
    assert str(tmp_path)[-40:] in str(err.value)  # the folder itself, not only its last name
    with pytest.raises(ValueError, match="needs path="):
        sh.load_dataset("local")


def test_corrupt_fits_is_named(tmp_path):
    write_csv(tmp_path / "sector55_pdcsap.csv", 55)
    (tmp_path / "sector55_tpf.fits").write_bytes(b"SIMPLE  =                    T" + b"\0" * 100)
    with pytest.raises(ValueError, match=r"sector55_tpf\.fits: not a readable TESS target-pixel FITS file"):
        sh.load_dataset("local", path=tmp_path)


def test_unknown_source_and_bad_args(tmp_path):
    with pytest.raises(ValueError, match="unknown source 'nope'"):
        sh.load_dataset("nope")
    with pytest.raises(TypeError, match="sectors"):
        sh.load_dataset("local", path=tmp_path, sectors=55)
    with pytest.raises(ValueError, match="seed"):
        sh.load_dataset("twin", seed=-1)


def test_lightkurve_fits_round_trip(tmp_path):
    lk = pytest.importorskip("lightkurve")
    from astropy.time import Time

    rng = np.random.default_rng(5)
    n = 500
    time = 3533.4 + np.arange(n) * (120.0 / 86400.0)
    flux = 1.0e5 * (1 + 2e-4 * rng.standard_normal(n))
    flux_err = np.full(n, 20.0)
    quality = np.zeros(n, dtype=np.int32)
    quality[[10, 20]] = 32  # reaction-wheel desaturation: removed by the default bitmask
    quality[30] = 2048  # stray light: kept by the default bitmask
    lc = lk.TessLightCurve(time=Time(time, format="btjd", scale="tdb"), flux=flux, flux_err=flux_err)
    lc["quality"] = quality
    lc.meta.update({"MISSION": "TESS", "TELESCOP": "TESS", "SECTOR": 82, "TICID": 188646744, "TARGETID": 188646744, "OBJECT": "TIC 188646744"})
    lc.to_fits(path=str(tmp_path / "roundtrip_lc.fits"), overwrite=True)

    ds = sh.load_dataset("local", path=tmp_path)
    got = ds.lc_by_sector[82]
    keep = (quality & 175) == 0
    assert len(got) == keep.sum() == n - 2
    np.testing.assert_allclose(got.time, time[keep], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.flux, flux[keep], rtol=1e-6)
    np.testing.assert_allclose(got.flux_err, flux_err[keep], rtol=1e-6)
    np.testing.assert_array_equal(got.quality, quality[keep])

    direct = sh.from_lightkurve_lc(lc)
    np.testing.assert_allclose(direct.time, time, atol=1e-9)
    assert direct.sector == 82


def test_twin_files_read_as_local_stay_simulated(isolated_cache):
    """Provenance is never lost: the twin's own FITS read through source='local' are labelled simulated."""
    from toi5807.twin.source import twin_directory

    ds = sh.load_dataset("local", path=twin_directory(seed=0, scenario="background_eb"), sectors=[83])
    assert ds.simulated and ds.summary()["simulated"] is True
    assert ds.summary()["scenario"] == "background_eb" and ds.summary()["seed"] == 0
    assert ds.tpf_by_sector[83].provenance["scenario"] == "background_eb"
    assert ds.lc_by_sector[83].simulated
    assert "SIMULATED" in repr(ds) and len(repr(ds)) < 500
