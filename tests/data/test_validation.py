"""Bad input at the boundary (issue 14, B10–B12, B16): readers, converters and load_dataset.

Every case is a reproduction of something today's main accepted silently or failed on with a bare
exception. Errors must be ``ValueError``/``TypeError`` naming the file or parameter, quoting the bad value
(≤ 200 characters) and saying what was expected; no message is longer than 2,000 characters.
"""

from __future__ import annotations

import gc
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import toi5807 as sh
from astropy.io import fits
from toi5807.data.readers import read_lc_csv, read_lc_fits, read_tpf_fits

MAX_MESSAGE = 2000


@pytest.fixture(scope="module")
def twin_files():
    """One sector of the twin's FITS files (light curve and TPF), from the package cache."""
    from toi5807.twin.source import twin_directory

    d = twin_directory(seed=0, scenario="planet")
    return next(d.glob("*s0082*_lc.fits")), next(d.glob("*s0082*_tp.fits"))


def _copy_with(src: Path, dst: Path, edit) -> Path:
    with fits.open(src) as h:
        hl = fits.HDUList([x.copy() for x in h])
    edit(hl)
    hl.writeto(dst, overwrite=True)
    return dst


def _csv(path: Path, rows: list[str], header: str = "time_btjd,flux,flux_err,quality") -> Path:
    path.write_text("# sector: 55\n" + header + "\n" + "\n".join(rows) + "\n")
    return path


def _rows(n=20, t0=2800.0, flux="1.0"):
    return [f"{t0 + i * 0.0014:.6f},{flux},0.001,0" for i in range(n)]


# --------------------------------------------------------------------------------------- B10
def test_b10_tpf_without_flux_err_is_read_with_none(tmp_path, twin_files):
    def drop_err(hl):
        cols = [c for c in hl[1].columns if c.name != "FLUX_ERR"]
        hl[1] = fits.BinTableHDU.from_columns(cols, header=hl[1].header)

    stamp = read_tpf_fits(_copy_with(twin_files[1], tmp_path / "x_tp.fits", drop_err))
    assert stamp.flux_err is None and "FLUX_ERR" in stamp.provenance["missing"]


def test_b10_converters_name_what_they_expected():
    with pytest.raises(TypeError, match="lc: expected a lightkurve LightCurve, got object"):
        sh.from_lightkurve_lc(object())
    with pytest.raises(TypeError, match="tpf: expected a lightkurve TessTargetPixelFile, got object"):
        sh.from_lightkurve_tpf(object())


def test_b10_model_errors_from_a_file_name_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"^sector55_pdcsap\.csv: time: 1 repeated time stamp"):
        read_lc_csv(_csv(tmp_path / "sector55_pdcsap.csv", ["2800.0,1,0.001,0", "2800.0,1,0.001,0"]))


@pytest.mark.parametrize("case", ["tpf-as-lc", "tpf-without-quality"])
def test_b10_files_are_closed_on_every_failure(tmp_path, twin_files, case):
    """A file lightkurve fails on (or reads as the wrong kind) is closed: no ResourceWarning."""
    if case == "tpf-as-lc":
        path, reader, pattern = shutil.copy(twin_files[1], tmp_path / "x_lc.fits"), read_lc_fits, "expected a TESS light"
    else:
        def drop_quality(hl):
            hl[1] = fits.BinTableHDU.from_columns([c for c in hl[1].columns if c.name != "QUALITY"],
                                                  header=hl[1].header)
        path = _copy_with(twin_files[1], tmp_path / "x_tp.fits", drop_quality)
        reader, pattern = read_lc_fits, "not a readable TESS light-curve FITS file"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match=pattern):
            reader(path)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


# --------------------------------------------------------------------------------------- B11
@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        (["2800.0,1,0.001,4294967297", "2800.1,1,0.001,0"], r"quality: values .* do not fit .*32-bit"),
        (["2800.0,1,0.001,-1", "2800.1,1,0.001,0"], r"quality: values -1"),
        (["2800.0,1,0.001,0", "2800.0,1,0.001,0"], r"repeated time stamp"),
        (["2460000.0,1,0.001,0", "2460000.1,1,0.001,0"], r"time_btjd: .*look like Julian Dates; BTJD = BJD − 2457000"),
        (["60000.0,1,0.001,0", "60000.1,1,0.001,0"], r"look like MJD"),
        (["2800.0,1e308,0.001,0", "2800.1,1,0.001,0"], r"flux: 1 value\(s\) infinite or beyond"),
        (["2800.0,inf,0.001,0", "2800.1,1,0.001,0"], r"flux: 1 value\(s\) infinite"),
        (["2800.0,1,inf,0", "2800.1,1,0.001,0"], r"flux_err: 1 value\(s\) infinite"),
    ],
    ids=["quality-overflow", "quality-negative", "duplicate-time", "jd", "mjd", "flux-1e308", "flux-inf", "err-inf"],
)
def test_b11_silently_wrong_csv_values_are_refused(tmp_path, rows, pattern):
    with pytest.raises(ValueError, match=r"sector55_pdcsap\.csv: .*" + pattern):
        read_lc_csv(_csv(tmp_path / "sector55_pdcsap.csv", rows))


def test_b11_duplicate_time_stamps_cannot_shrink_the_depth_error():
    """Duplicated cadences are an error everywhere a time series enters (model and V08 engine alike)."""
    from toi5807.centroid.source_offset import stamp_depth

    t = 2800.0 + np.arange(200) * 0.01
    t[100] = t[99]
    with pytest.raises(ValueError, match="time: 1 repeated time stamp"):
        stamp_depth(np.ones((200, 3, 3)), t, sh.lightcurve.TransitParams(period=1.0, t0=2800.5, duration=2.0))
    with pytest.raises(ValueError, match="time: 1 repeated time stamp"):
        sh.TPFStamp(time=t, flux=np.ones((200, 3, 3)), sector=55)


@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [(55.7, ValueError, r"SECTOR: expected an integer, got 55\.7"),
     (2**62, ValueError, r"sector: expected a positive TESS sector number \(1 … 9999\)"),
     ("x" * 100_000, ValueError, r"SECTOR: expected an integer, got 'x+… \(100000 characters\)")],
    ids=["fractional", "overflow", "huge-string"],
)
def test_b11_b12_bad_sector_keyword(tmp_path, twin_files, value, error, pattern):
    def edit(hl):
        hl[0].header["SECTOR"] = value

    path = _copy_with(twin_files[1], tmp_path / "bad_tp.fits", edit)
    with pytest.raises(error, match=r"^bad_tp\.fits: " + pattern) as info:
        read_tpf_fits(path)
    assert len(str(info.value)) <= MAX_MESSAGE


def test_b11_sector_numbers_are_bounded():
    with pytest.raises(ValueError, match=r"sectors: expected a positive TESS sector number"):
        sh.load_dataset("twin", sectors=[2**40])
    with pytest.raises(TypeError, match="sector: expected an int, got float 55.7"):
        sh.LightCurve(time=[2800.0], flux=[1.0], flux_err=[1.0], quality=[0], sector=55.7)


@pytest.mark.parametrize("value", ["false", "False", 0, None, "yes"])
def test_b11_network_must_be_a_bool(value):
    with pytest.raises(TypeError, match=r"network: expected True or False, got"):
        sh.load_dataset("mast", network=value)


@pytest.mark.parametrize("path", ["", "   "])
def test_b11_empty_path_is_not_the_working_directory(path, tmp_path, monkeypatch):
    (tmp_path / "sector55_pdcsap.csv").write_text("time_btjd,flux,flux_err,quality\n2800.0,1,0.001,0\n")
    monkeypatch.chdir(tmp_path)  # the working folder holds a valid light curve: "" must still be refused
    with pytest.raises(ValueError, match=r"path: expected a folder path, got '\s*' \(an empty path"):
        sh.load_dataset("local", path=path)


def test_b11_numpy_seed_is_accepted_bad_seed_refused():
    from toi5807.data.sources import _REGISTRY, LoadRequest

    seen: list[LoadRequest] = []
    _REGISTRY["probe"] = lambda req: seen.append(req) or sh.Dataset(lc_by_sector={})
    try:
        sh.load_dataset("probe", seed=np.int64(7))
        assert seen[0].seed == 7 and type(seen[0].seed) is int
        with pytest.raises(TypeError, match="seed: expected an int, got float"):
            sh.load_dataset("probe", seed=7.0)
        with pytest.raises(ValueError, match="seed: expected an int in 0"):
            sh.load_dataset("probe", seed=-1)
    finally:
        del _REGISTRY["probe"]


def test_b11_fifo_and_dangling_symlink_are_reported_not_skipped(tmp_path):
    _csv(tmp_path / "sector82_pdcsap.csv", _rows())
    os.mkfifo(tmp_path / "sector55_pdcsap.csv")
    with pytest.raises(ValueError, match=r"sector55_pdcsap\.csv: is a FIFO \(named pipe\), not a regular file"):
        sh.load_dataset("local", path=tmp_path)  # returns at once: a FIFO is never opened
    (tmp_path / "sector55_pdcsap.csv").unlink()
    (tmp_path / "sector75_pdcsap.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(ValueError, match=r"sector75_pdcsap\.csv: dangling symbolic link"):
        sh.load_dataset("local", path=tmp_path)


# --------------------------------------------------------------------------------------- B12
def test_b12_no_message_longer_than_2000_characters(tmp_path, twin_files):
    """Huge headers — a FITS file saved under a CSV name, a 200 kB keyword, 3,000 cards — are never quoted whole."""
    header = fits.Header([("SIMPLE", True), ("TELESCOP", "TESS")] + [("HISTORY", "h" * 70)] * 3_000)
    fake_csv = tmp_path / "sector55_pdcsap.csv"
    fake_csv.write_text(header.tostring())  # one 240 kB "line" without a comma

    def edit(hl):
        hl[0].header["TELESCOP"] = "T" * 200_000  # long-string CONTINUE cards
        hl[0].header["SECTOR"] = "S" * 200_000
        for i in range(3_000):
            hl[0].header.add_history(f"card {i} " + "h" * 60)

    huge = _copy_with(twin_files[1], tmp_path / "huge_tp.fits", edit)
    long_line = _csv(tmp_path / "sector56_pdcsap.csv", ["2800.0,1," + "9" * 300_000 + "x,0"])
    messages = []
    for reader, path in ((read_lc_csv, fake_csv), (read_tpf_fits, huge), (read_lc_fits, huge),
                         (read_lc_csv, long_line)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError) as info:
                reader(path)
        assert str(info.value).startswith(path.name + ": ")
        messages += [str(info.value)] + [str(w.message) for w in caught]
    assert max(len(m) for m in messages) <= MAX_MESSAGE, [len(m) for m in messages]


# --------------------------------------------------------------------------------------- B16
def test_b16_a_warning_repeated_by_the_fits_layer_is_forwarded_once_with_a_count(twin_files, monkeypatch):
    """lightkurve/astropy may warn once per bad cadence; the reader passes each cause on once, counted."""
    import lightkurve as lk

    real_read = lk.read

    def noisy_read(path, **kwargs):
        for _ in range(300):  # e.g. one warning per cadence of a bad range
            warnings.warn("cadence oddity: TIME not increasing", lk.LightkurveWarning)
        warnings.warn("another cause", UserWarning)
        return real_read(path, **kwargs)

    monkeypatch.setattr(lk, "read", noisy_read)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_tpf_fits(twin_files[1])
    texts = [str(w.message) for w in caught]
    assert len(texts) == 2, texts
    assert any(t.endswith("cadence oddity: TIME not increasing (×300)") and "_tp.fits: " in t for t in texts)


def test_messages_quote_numbers_not_numpy_reprs():
    """Messages said 'np.float64(3559.81…)' where a person wrote 3559.81."""
    import numpy as np
    from toi5807.data.validate import clip

    assert clip(np.float64(3559.81)) == "3559.81"
    assert clip((np.float64(1.5), np.int64(3))) == "(1.5, 3)"
    with pytest.raises(ValueError) as err:
        sh.Ephemeris(period_days=np.float64(14.24), t0_btjd=np.float64(2460540.26), duration_hours=4.046)
    assert "np.float64" not in str(err.value)
