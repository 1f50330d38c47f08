"""Difference-image localization on the REAL sector-83 TPF (the ``real_tpf_dir`` fixture: the shipped tutorial dataset).

Asserts relations only (verdict, significance bounds, amplitude vs the expected depth), never stored values.
"""

from __future__ import annotations

import json

import pytest
from toi5807.data.model import Dataset
from toi5807.data.readers import read_tpf_fits
from toi5807.vetting.vet import vet_pixels

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real_s83(real_tpf_dir):
    return read_tpf_fits(real_tpf_dir / "sector83_tpf.fits")


def test_real_sector83_source_on_target(real_s83):
    r = vet_pixels(Dataset({}, {83: real_s83}, source="local"))
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["simulated"] is False
    assert r.verdict == "PASS", r.reason
    s = d["sectors"]["83"]
    assert s["n_transits"] >= 1 and s["source_offset_sigma"] < 3.0
    assert d["combined"]["most_likely_host"] == "target"
    # the dip is seen in the pixels, at roughly the 256 ppm the light curve shows on the target's flux
    flux = r.catalogue.target.flux_e_per_s
    assert s["amplitude_e_per_s"] > 3 * s["amplitude_err_e_per_s"]
    assert 0.3 < s["amplitude_e_per_s"] / (256e-6 * flux) < 3.0
    # no catalogue offline: stars were found in the image, and the notes say so
    assert r.catalogue.origin.startswith("PSF fit") and any("incomplete" in n for n in d["notes"])
    # the local baselines leave a pointing dipole far below the whole-sector wander
    tr = [t for t in s["transits"] if t["fit"]]
    assert all(abs(v) < 5e-3 for t in tr for v in t["fit"]["pointing_px"])
