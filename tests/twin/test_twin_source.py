"""The twin source: the simulated twin through the verified FITS cache."""

from __future__ import annotations

import numpy as np
import pytest
import toi5807 as sh
from toi5807.twin import source as twin_source


def test_twin_is_labelled_simulated():
    ds = sh.load_dataset("twin")
    assert ds.summary() == {
        "source": "twin", "simulated": True, "scenario": "planet", "seed": 0,
        "sectors_lc": [55, 75, 82, 83], "sectors_tpf": [55, 75, 82, 83],
    }
    for sector, stamp in ds.tpf_by_sector.items():
        assert stamp.shape[1:] == (13, 11)
        assert stamp.wcs is not None and stamp.aperture_mask.any()
        assert len(ds.lc_by_sector[sector]) > 15000


def test_cache_key_separates_seed_and_scenario():
    keys = {twin_source.twin_cache_key(seed, sc) for seed in (0, 1) for sc in ("planet", "background_eb")}
    assert len(keys) == 4
    assert twin_source.twin_cache_key(0, "planet") == twin_source.twin_cache_key(0, "planet")


def test_sector_subset_and_bad_arguments():
    ds = sh.load_dataset("twin", sectors=[83])
    assert ds.sectors == (83,) and tuple(ds.tpf_by_sector) == (83,)
    with pytest.raises(ValueError, match=r"simulates sectors \[55, 75, 82, 83\] only, got \[12\]"):
        sh.load_dataset("twin", sectors=[12])
    with pytest.raises(ValueError, match="scenario: expected one of"):
        sh.load_dataset("twin", scenario="eclipsing")


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_twin_file_is_reported_and_regenerated(isolated_cache, damage):
    first = sh.load_dataset("twin", sectors=[82])
    directory = twin_source.twin_directory()
    victim = next(directory.glob("*s0082*tp.fits"))
    data = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 3])
        message = r"s0082.*_tp\.fits: size .* \(truncated or altered\); regenerating"
    else:
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x80
        victim.write_bytes(bytes(flipped))
        message = r"s0082.*_tp\.fits: SHA-256 checksum mismatch \(corrupted\); regenerating"
    with pytest.warns(sh.data.CacheWarning, match=message):
        again = sh.load_dataset("twin", sectors=[82])
    assert victim.read_bytes() == data  # regenerated deterministically, byte for byte
    np.testing.assert_array_equal(again.tpf_by_sector[82].flux, first.tpf_by_sector[82].flux)


def test_run_v08_accepts_a_lightkurve_tpf():
    """Users can pass lightkurve's own TessTargetPixelFile; it matches the package's TPFStamp path."""
    import lightkurve as lk

    tpf_path = next(twin_source.twin_directory().glob("*s0083*tp.fits"))
    lk_tpf = lk.read(str(tpf_path), quality_bitmask="none")
    try:
        via_lk = sh.run_v08(lk_tpf, sh.make_candidate(256.0))
    finally:
        lk_tpf.hdu.close()
    via_stamp = sh.run_v08(sh.load_dataset("twin", sectors=[83]).tpf_by_sector[83], sh.make_candidate(256.0))
    assert via_lk.status == "ok" and via_lk.metrics == via_stamp.metrics
    assert via_lk.details["sector"] == 83
