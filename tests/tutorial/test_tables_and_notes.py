"""Reader-facing helpers: pandas-free tables, and one clear sentence (never nulls) when there are no pixels."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import toi5807 as sh

NO_PIXELS = "no target pixel files for sectors 55, 75, 82, 83: V08 needs them"


def test_table_rounds_and_never_prints_nan():
    t = sh.table([{"sector": 83, "shift": 0.00054321, "sigma": math.nan, "n": 16841, "ok": True, "v": (1.23456, None)},
                  {"sector": 82, "shift": 123456789.0, "sigma": 2.0, "n": 3, "ok": False, "v": None}],
                 title="V08 <demo>")
    text = repr(t)
    assert text.splitlines()[2:4] == [
        "| sector | shift    | sigma | n     | ok  | v         |",
        "|--------|----------|-------|-------|-----|-----------|",
    ]
    assert "| 83     | 0.000543 | —     | 16841 | yes | (1.23, —) |" in text
    assert "1.23e+08" in text and "nan" not in text.lower()
    html = t._repr_html_()
    assert "<th>sector</th>" in html and "V08 &lt;demo&gt;" in html and "<td>0.000543</td>" in html
    assert len(t) == 2 and str(t) == text
    with pytest.raises(ValueError, match="row 0 has 1 cells, expected 2"):
        sh.table([[1]], ["a", "b"])
    keyed = sh.table({"55": {"depth": 256.04}}, index="sector")
    assert keyed.columns == ("sector", "depth") and keyed.rows == (("55", "256"),)


def _lc_only_dataset():
    lcs = {s: sh.LightCurve(time=np.linspace(3540.0 + 30 * i, 3560.0 + 30 * i, 2000), flux=np.ones(2000),
                            flux_err=np.full(2000, 1e-4), quality=np.zeros(2000, int), sector=s)
           for i, s in enumerate((55, 75, 82, 83))}
    return sh.Dataset(lc_by_sector=lcs, source="local")


def _check_no_pixel_helpers(ds):
    cand = sh.make_candidate(256.0)
    assert sh.no_pixels_note(ds) == NO_PIXELS and repr(sh.no_pixels_note(ds)) == NO_PIXELS
    results = sh.run_v08_by_sector(ds, cand)
    analysis = sh.analyze_v08_offsets(ds, cand)
    for got in (sh.no_pixels_note(results), sh.v08_table(results), sh.plot_centroid_shift(results, dataset=ds),
                sh.plot_v08_summary(results), sh.latest_stamp(ds)):
        assert isinstance(got, sh.Note) and got == NO_PIXELS
    for got in (sh.offsets_table(analysis), sh.offsets_summary_table(analysis), sh.per_transit_table(analysis),
                sh.plot_sky_offsets(analysis), sh.plot_per_transit(ds, analysis)):
        assert isinstance(got, sh.Note) and "no target pixel files" in got and "V08 needs them" in got
    reading = sh.v08_interpretation(results, ds)
    assert reading.startswith("- No target pixel files for sectors 55, 75, 82, 83: V08 needs them.")
    assert not re.search(r"null|\bnan\b|None|consistent with zero|PASS", reading), reading
    assert sh.save_plot(sh.plot_centroid_shift(results, dataset=ds), "11_v08_centroid_shift", "x.png") == {"skipped": NO_PIXELS}


def test_light_curves_without_pixels_give_one_sentence(plt_closed):
    _check_no_pixel_helpers(_lc_only_dataset())


@pytest.mark.real_data
def test_real_light_curves_without_pixels_give_one_sentence(real_data_dir, plt_closed):
    ds = sh.load_dataset("local", path=real_data_dir)
    assert not ds.tpf_by_sector and not ds.simulated
    _check_no_pixel_helpers(ds)


@pytest.fixture
def plt_closed():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_tables_keep_the_digits_of_times_and_coordinates():
    """A 3-significant-digit table rounded 3568.75 to 3570 (6 h off) and RA 308.61 to 309 (0.4°)."""
    t = sh.table([{"mid-transit (BTJD)": 3568.751234, "RA (deg)": 308.6123456, "Dec (deg)": 12.3, "σ": 1.23456}])
    assert t.rows[0] == ("3568.75123", "308.612346", "12.300000", "1.23")


def test_stitched_light_curve_repr_is_short():
    import numpy as np

    n = 20000
    st = sh.lightcurve.StitchedLightCurve(np.linspace(3500, 3520, n), np.ones(n), np.ones(n), np.zeros(n, int),
                                          np.full(n, 83))
    text = repr(st)
    assert text.startswith("StitchedLightCurve(20000 cadences, sectors [83]") and len(text) < 120
