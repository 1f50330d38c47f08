"""run_v08 takes the inputs people have: lightkurve TPFs, lists, collections, datasets, keyword ephemerides."""

from __future__ import annotations

import numpy as np
import pytest
from toi5807 import target
from toi5807.lightcurve import Ephemeris, TransitParams, make_candidate
from toi5807.centroid import run_v08

KW = dict(period=target.PERIOD_DAYS, t0=target.T0_BTJD, duration_hours=target.DURATION_HOURS)


@pytest.fixture(scope="module")
def twin_files(tmp_path_factory):
    """Two sectors of the twin as SPOC-style FITS, read by lightkurve (all cadences) and by the package."""
    import lightkurve as lk
    from toi5807.data import read_tpf_fits
    from toi5807.twin import write_twin_fits

    out = tmp_path_factory.mktemp("twin")
    names = write_twin_fits(out, seed=0, scenario="planet", sectors=[82, 83])
    lk_tpfs = {s: lk.read(str(out / n["tpf"]), quality_bitmask="none") for s, n in names.items()}
    stamps = {s: read_tpf_fits(out / n["tpf"]) for s, n in names.items()}
    return lk_tpfs, stamps


def _same(a, b):
    assert a.status == b.status and a.verdict == b.verdict and a.flags == b.flags
    assert a.metrics == b.metrics and a.simulated == b.simulated


def test_list_collection_mapping_and_keywords_give_the_single_stamp_numbers(twin_files):
    import lightkurve as lk

    lk_tpfs, stamps = twin_files
    cand = make_candidate(256.0)
    single = {s: run_v08(st, cand) for s, st in stamps.items()}
    assert all(r.status == "ok" and r.simulated for r in single.values())
    for s in stamps:
        _same(run_v08(lk_tpfs[s], cand), single[s])  # a lightkurve TPF, read with every cadence
    collection = lk.TargetPixelFileCollection([lk_tpfs[83], lk_tpfs[82]])
    for several in (collection, [stamps[83], stamps[82]], tuple(stamps.values()), dict(stamps)):
        got = run_v08(several, cand)
        assert list(got) == [82, 83], type(several).__name__
        for s in got:
            _same(got[s], single[s])
    for ephemeris in (dict(KW), cand.ephemeris, TransitParams(*KW.values()),
                      {"period_days": KW["period"], "t0_btjd": KW["t0"], "duration_days": KW["duration_hours"] / 24}):
        _same(run_v08(stamps[83], ephemeris), single[83])
    _same(run_v08(stamps[83], **KW), single[83])
    by_keywords = run_v08(list(stamps.values()), **KW)
    for s in stamps:
        _same(by_keywords[s], single[s])


def test_dataset_gives_missing_sectors_as_skipped(twin_files):
    from toi5807.data import Dataset, LightCurve

    _, stamps = twin_files
    lcs = {s: LightCurve(time=np.array([1.0, 2.0]), flux=np.ones(2), flux_err=np.ones(2), quality=np.zeros(2, int),
                         sector=s) for s in (55, 82, 83)}
    got = run_v08(Dataset(lc_by_sector=lcs, tpf_by_sector={83: stamps[83]}), **KW)
    assert list(got) == [55, 82, 83]
    assert got[55].flags == got[82].flags == ("MISSING_TPF",) and got[83].status == "ok"


def test_bad_inputs_are_named(twin_files):
    _, stamps = twin_files
    with pytest.raises(ValueError, match=r"tpf\[1\]: sector 83 appears twice"):
        run_v08([stamps[83], stamps[83]], **KW)
    with pytest.raises(TypeError, match=r"tpf\[0\]: expected .*TPFStamp"):
        run_v08([np.zeros((3, 3, 3))], **KW)
    with pytest.raises(TypeError, match="keywords \\['t0_btjd'\\] missing"):
        run_v08(stamps[83], period=14.0, duration_hours=4.0)
    with pytest.raises(TypeError, match="not both"):
        run_v08(stamps[83], make_candidate(256.0), **KW)
    with pytest.raises(ValueError, match="duration_hours: expected the transit duration in hours"):
        run_v08(stamps[83], period=KW["period"], t0=KW["t0"], duration_hours=4.0 * 24)  # 4 days given as hours
    with pytest.raises(TypeError, match="candidate: expected a Candidate, Ephemeris, TransitParams, a mapping"):
        run_v08(stamps[83], [14.2, 3540.3, 4.0])


def test_duration_rule_in_hours():
    from astropy import units as u
    from toi5807.lightcurve import (
        MAX_DUTY_CYCLE,
        MIN_DURATION_HOURS,
        coerce_transit_params,
    )

    p = target.PERIOD_DAYS
    assert coerce_transit_params(period_days=p, t0_btjd=1.0, duration_hours=MAX_DUTY_CYCLE * 24 * p).duration == pytest.approx(
        MAX_DUTY_CYCLE * 24 * p)
    assert coerce_transit_params(period_days=p, t0_btjd=1.0, duration_hours=MIN_DURATION_HOURS).duration == MIN_DURATION_HOURS
    with pytest.raises(ValueError, match=r"hours.*got 96 \(96 h = 4 days is 28 % of the orbit\)"):
        coerce_transit_params(period_days=p, t0_btjd=1.0, duration_hours=96.0)
    with pytest.raises(ValueError, match=r"if 0.1686 is in days, pass 4.05 hours"):
        Ephemeris(p, 1.0, 0.1686)  # a duration in days where hours are expected
    # quantities (e.g. lightkurve's BLS results, in days) are converted; a 4-day one is still rejected
    assert coerce_transit_params(period_days=p * u.day, t0_btjd=1.0, duration_hours=0.1686 * u.day).duration == pytest.approx(
        4.0464)
    with pytest.raises(ValueError, match="duration_hours"):
        coerce_transit_params(period_days=p, t0_btjd=1.0, duration_hours=4 * u.day)
    with pytest.raises(ValueError, match="unknown ephemeris keys \\['durration'\\]"):
        coerce_transit_params({"period": p, "t0": 1.0, "durration": 4.0})
