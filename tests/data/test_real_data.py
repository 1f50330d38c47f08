"""The real-data path on the actual SPOC PDCSAP light curves of TOI-5807 (shipped dataset, read as a folder)."""

from __future__ import annotations

import numpy as np
import pytest
import toi5807 as sh

pytestmark = pytest.mark.real_data


def _header_value(path, key):
    for line in path.read_text().splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# {key}:' line")


@pytest.fixture(scope="module")
def real_ds(real_data_dir):
    return sh.load_dataset("local", path=real_data_dir)


def test_four_sectors_with_header_counts(real_ds, real_data_dir):
    assert real_ds.sectors == (55, 75, 82, 83)
    assert real_ds.tpf_by_sector == {}
    for sector, lc in real_ds.lc_by_sector.items():
        csv = real_data_dir / f"sector{sector}_pdcsap.csv"
        assert len(lc) == int(_header_value(csv, "n_points"))
        assert lc.time[0] == pytest.approx(float(_header_value(csv, "time_start_btjd")), abs=1e-9)
        assert np.all(np.diff(lc.time) > 0)


def test_stitched_is_sorted_and_normalised(real_ds):
    st = sh.stitch_pdcsap(real_ds)
    assert len(st) == sum(len(lc) for lc in real_ds.lc_by_sector.values())
    assert np.all(np.diff(st.time) > 0)
    assert np.median(st.flux) == pytest.approx(1.0, abs=1e-4)
    assert sorted(set(st.sector.tolist())) == [55, 75, 82, 83]


def test_depth_matches_independent_numpy(real_ds, real_data_dir):
    # Independent computation straight from the CSVs with plain numpy (no package code).
    times, fluxes = [], []
    for sector in (55, 75, 82, 83):
        data = np.loadtxt(real_data_dir / f"sector{sector}_pdcsap.csv", delimiter=",", comments="#", skiprows=13)
        t, f, q = data[:, 0], data[:, 1], data[:, 3]
        times.append(t)
        fluxes.append(f / np.median(f[(q == 0) & np.isfinite(f)]))
    t = np.concatenate(times)
    f = np.concatenate(fluxes)
    period, t0, dur = 14.2423724, 3540.26317, 4.046 / 24.0
    ph = np.mod((t - t0) / period + 0.5, 1.0) - 0.5
    dt = np.abs(ph * period)
    f_in, f_out = f[np.abs(ph) < 0.5 * dur / period], f[dt > 1.5 * dur]
    depth = (np.median(f_out) - np.median(f_in)) * 1e6
    err = np.sqrt(np.var(f_in) / f_in.size + np.var(f_out) / f_out.size) * 1e6

    est = sh.estimate_depth_ppm(sh.stitch_pdcsap(real_ds))
    assert est.depth_ppm == pytest.approx(depth, abs=1e-6)
    assert est.depth_err_ppm == pytest.approx(err, rel=1e-9)
    assert (est.n_in, est.n_out) == (f_in.size, f_out.size)
    # The published TOI depth is a few hundred ppm; a gross ephemeris error would give ~0.
    assert 200 < est.depth_ppm < 320
    assert est.depth_ppm / est.depth_err_ppm > 20
