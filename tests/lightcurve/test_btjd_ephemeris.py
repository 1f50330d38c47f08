"""Every ephemeris t0 and every in-memory time array is BTJD; a dip-less window says whether the units look wrong."""

from __future__ import annotations

import numpy as np
import pytest

import toi5807 as sh
from toi5807.lightcurve import (
    Ephemeris,
    TransitParams,
    coerce_transit_params,
    no_transit_hint,
    transit_window_masks,
)

T0 = 3540.26317  # BTJD
HINT = "subtract 2457000 to get BTJD"


@pytest.mark.parametrize("make", [
    lambda t0: Ephemeris(14.24, t0, 4.046),
    lambda t0: TransitParams(14.24, t0, 4.046),
    lambda t0: coerce_transit_params(period_days=14.24, t0_btjd=t0, duration_hours=4.046),
    lambda t0: coerce_transit_params({"period_days": 14.24, "t0_btjd": t0, "duration_hours": 4.046}),
])
def test_bjd_t0_is_refused_with_the_hint(make):
    with pytest.raises(ValueError, match=rf"2460540\.26317 — this looks like a Julian Date.*{HINT} \(3540\.26317\)"):
        make(T0 + 2457000.0)
    with pytest.raises(ValueError, match="not a plausible BTJD"):
        make(1e12)
    with pytest.raises(ValueError, match="this looks like an MJD; BTJD = MJD − 56999.5"):
        make(T0 + 56999.5)
    assert make(T0) is not None


def test_run_v08_with_a_bjd_t0_is_refused():
    stamp, _ = sh.twin.make_synthetic_stamp(n_in=10, n_out=40, shape=(5, 5),
                                       transit_params=TransitParams(3.0, 2000.5, 2.0))
    with pytest.raises(ValueError, match=HINT):
        sh.run_v08(stamp, period=3.0, t0=2000.5 + 2457000.0, duration_hours=2.0)


def test_raw_time_arrays_in_jd_are_refused():
    t = T0 + np.arange(5) * 0.01
    with pytest.raises(ValueError, match=rf"time: times span .*look like Julian Dates.*{HINT}"):
        transit_window_masks(t + 2457000.0, TransitParams(14.24, T0, 4.046))
    inside, _ = transit_window_masks(t, TransitParams(14.24, T0, 4.046))
    assert inside.all()


# ------------------------------------------------------------------------------------ no_transit_hint
TIME = 3540.0 + np.arange(0.0, 25.0, 2.0 / 1440.0)  # one 25-day sector at 2-minute cadence


def test_hint_is_empty_when_cadences_are_in_transit():
    assert no_transit_hint(TIME, TransitParams(14.24, 3541.0, 4.046)) == ""


def test_hint_says_the_period_looks_like_hours():
    hint = no_transit_hint(TIME, TransitParams(341.76, 3500.0, 4.046))  # 14.24 d × 24
    assert "the period looks like hours: as 14.24 days" in hint and "cadences fall in transit" in hint
    assert "period 341.76 d" in hint


def test_hint_says_the_duration_looks_like_days():
    t = 3540.0 + np.arange(1200) / 48.0  # 30-minute cadence
    hint = no_transit_hint(t, TransitParams(14.0, 3540.0 + 10.5 / 48.0, 0.3))  # mid-transits between cadences
    assert "the duration looks like days: as 7.2 hours, 28 cadences fall in transit" in hint


def test_hint_names_a_gap_and_data_that_miss_every_transit():
    gappy = TIME[(TIME < 3550.0) | (TIME > 3553.0)]
    assert "falls in gaps" not in no_transit_hint(TIME, TransitParams(100.0, 3551.0, 4.0))
    assert "1 predicted mid-transit(s) inside the data span (first BTJD 3551.000) all fall in gaps" in \
        no_transit_hint(gappy, TransitParams(100.0, 3551.0, 4.0))
    far = no_transit_hint(TIME[:100], TransitParams(14.24, 3550.0, 4.046))
    assert "neither the period as hours nor the duration as days helps" in far and "outside the data" in far
    assert no_transit_hint(np.array([np.nan]), TransitParams(14.24, T0, 4.046)).startswith("no cadence has a time")
