"""Data model validation: shapes, dtypes, immutability, JSON-safe summaries."""

from __future__ import annotations

import json

import numpy as np
import pytest
import toi5807 as sh


def lc(n=10, sector=55, **over):
    kw = dict(time=np.arange(n, dtype=float), flux=np.ones(n), flux_err=np.full(n, 1e-3),
              quality=np.zeros(n, dtype=np.int32), sector=sector)
    kw.update(over)
    return sh.LightCurve(**kw)


def stamp(n=6, rows=3, cols=4, sector=55, **over):
    kw = dict(time=np.arange(n, dtype=float), flux=np.ones((n, rows, cols)), sector=sector)
    kw.update(over)
    return sh.TPFStamp(**kw)


def test_lightcurve_validation():
    with pytest.raises(ValueError, match=r"flux: expected shape \(10,\) to match time, got \(9,\)"):
        lc(flux=np.ones(9))
    with pytest.raises(ValueError, match="time: expected a 1-D array"):
        lc(time=np.ones((10, 1)))
    with pytest.raises(TypeError, match="flux: expected a real numeric array, got dtype object"):
        lc(flux=np.array(["a"] * 10, dtype=object))
    with pytest.raises(TypeError, match="quality: expected an integer array"):
        lc(quality=np.full(10, 0.5))
    with pytest.raises(ValueError, match="sector: expected a positive"):
        lc(sector=0)
    with pytest.raises(TypeError, match="sector: expected an int"):
        lc(sector=55.0)


def test_arrays_are_read_only_copies():
    t = np.arange(10, dtype=float)
    c = lc(time=t)
    t[0] = 99.0
    assert c.time[0] == 0.0
    with pytest.raises(ValueError):
        c.flux[0] = 2.0
    with pytest.raises(AttributeError):
        c.sector = 75  # frozen


def test_tpfstamp_validation():
    s = stamp()
    assert s.shape == (6, 3, 4) and s.quality.dtype == np.int32 and not s.quality.any()
    with pytest.raises(ValueError, match=r"flux: expected a cube \(n_time=6"):
        stamp(flux=np.ones((5, 3, 4)))
    with pytest.raises(ValueError, match="flux: expected a 3-D array"):
        stamp(flux=np.ones((6, 12)))
    with pytest.raises(ValueError, match=r"aperture_mask: expected shape \(3, 4\)"):
        stamp(aperture_mask=np.ones((4, 3), bool))
    with pytest.raises(ValueError, match=r"flux_err: expected shape \(6, 3, 4\)"):
        stamp(flux_err=np.ones((6, 3, 3)))
    with pytest.raises(TypeError, match="wcs: expected an astropy.wcs.WCS"):
        stamp(wcs="not a wcs")
    with pytest.raises(TypeError, match="column: expected an int"):
        stamp(column=1.5)
    assert stamp(aperture_mask=np.eye(3, 4, dtype=int)).aperture_mask.dtype == bool


def test_dataset_checks_and_summary():
    ds = sh.Dataset(lc_by_sector={75: lc(sector=75), 55: lc()}, tpf_by_sector={55: stamp()},
                    source="twin", meta={"simulated": True, "scenario": "planet", "seed": 0})
    assert ds.sectors == (55, 75)
    assert json.loads(json.dumps(ds.summary())) == {
        "source": "twin", "sectors_lc": [55, 75], "sectors_tpf": [55],
        "simulated": True, "scenario": "planet", "seed": 0,
    }
    with pytest.raises(ValueError, match=r"lc_by_sector\[82\]: holds data of sector 55"):
        sh.Dataset(lc_by_sector={82: lc()})
    with pytest.raises(TypeError, match=r"tpf_by_sector\[55\]: expected a TPFStamp"):
        sh.Dataset(lc_by_sector={55: lc()}, tpf_by_sector={55: lc()})
    with pytest.raises(TypeError):
        ds.lc_by_sector[83] = lc(sector=83)  # read-only mapping
