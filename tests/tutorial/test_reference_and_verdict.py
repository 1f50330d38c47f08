"""Step 12's reference V09 (optional tess-vetter) and step 14's table of the pixel checks."""

from __future__ import annotations

import sys

import pytest

import toi5807 as sh
from toi5807.tutorial import calibration_floor_note, pixel_checks_table, reference_v09, reference_v09_table


class _Vet:
    """A stand-in for a PixelVetResult: only ``to_dict()`` is read."""

    def __init__(self, d):
        self._d = d

    def to_dict(self):
        return self._d


SECTOR = {"verdict": "PASS", "v08_metrics": {"centroid_shift_pixels": 0.017, "significance_sigma": 1.16},
          "source_offset_arcsec": 6.8, "source_offset_sigma": 2.0, "most_likely_host": "target",
          "calibration": {"offset": {"sigma": 1.57}, "amplitude": {"n_null": 69, "n_independent": 13}}}


def test_reference_v09_without_tess_vetter_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "tess_vetter", None)  # import fails as if not installed
    stamp = sh.load_dataset().tpf_by_sector[83]
    note = reference_v09(stamp, sh.make_candidate(256.0))
    assert isinstance(note, sh.Note) and "tess-vetter is not installed" in str(note)
    assert reference_v09_table(note) is note
    assert "no target pixel files" in str(reference_v09(None, sh.make_candidate(256.0)))


def test_reference_v09_flags_the_real_sector_83_unreliable():
    pytest.importorskip("tess_vetter")
    res = reference_v09(sh.load_dataset().tpf_by_sector[83], sh.make_candidate(256.0))
    assert res.metrics["localization_reliable"] is False and "DIFFIMG_UNRELIABLE" in res.flags
    assert res.to_dict()["simulated"] is False and res.sector == 83


def test_pixel_checks_table_shows_v10_when_the_result_carries_it():
    without = str(pixel_checks_table(_Vet({"sectors": {"83": SECTOR}, "simulated": False})))
    assert "| 83 " in without and "| 1.57 " in without and "| —   |" in without
    with_v10 = dict(SECTOR, v10={"verdict": "PASS", "significance_sigma": 0.8})
    assert "PASS (0.8σ)" in str(pixel_checks_table(_Vet({"sectors": {"83": with_v10}, "simulated": True})))
    assert "no target pixel files" in str(pixel_checks_table(_Vet({"sectors": {}})))


def test_calibration_floor_is_read_from_the_result():
    note = str(calibration_floor_note(_Vet({"sectors": {"83": SECTOR}})))
    assert note == "sector 83: 69 empty epochs, ≈ 13 independent — a counted p-value cannot go below 1/14 = 0.071"
