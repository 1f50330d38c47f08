"""V08 at empty epochs of a stamp's own pixels: the per-target check of each significance method."""

from __future__ import annotations

import numpy as np
import pytest
import toi5807 as sh
from toi5807.centroid.empty_epochs import NOMINAL_FAR_3SIGMA, empty_epoch_null
from toi5807.twin.synthetic import make_synthetic_stamp


def test_white_noise_stamp_is_calibrated_for_the_analytic_method():
    """No pointing wander: cadences are independent, so even the analytic σ is right at empty epochs."""
    stamp, tp = make_synthetic_stamp(n_in=40, n_out=1200, noise=30.0, seed=3)
    null = empty_epoch_null(stamp, tp, n_epochs=12, methods=("analytic",))
    k, n = null.false_alarms("analytic")
    assert n == 12 and k <= 1
    assert 0.3 < null.rates()["analytic"]["median_sigma"] < 2.5
    assert all(0.0 < p < 1.0 for p in null.phases)
    d = null.to_dict()
    assert d["nominal_far_3sigma"] == pytest.approx(NOMINAL_FAR_3SIGMA) and d["simulated"] is False


def test_bad_arguments_are_named():
    stamp, tp = make_synthetic_stamp()
    with pytest.raises(ValueError, match="n_epochs"):
        empty_epoch_null(stamp, tp, n_epochs=1)
    with pytest.raises(ValueError, match="methods: unknown"):
        empty_epoch_null(stamp, tp, methods=("guess",))


@pytest.mark.real_data
def test_real_sector83_independent_cadence_methods_cry_wolf_the_empirical_one_does_not():
    """On the real s83 pixels the analytic σ is ≥ 3 at nearly every empty epoch; the empirical one rarely."""
    ds = sh.load_dataset()
    eph = sh.Ephemeris(period_days=14.2423724, t0_btjd=3540.26317, duration_hours=4.046)
    null = empty_epoch_null(ds.tpf_by_sector[83], eph, n_epochs=20, methods=("analytic", "empirical"))
    analytic, empirical = null.false_alarms("analytic"), null.false_alarms("empirical")
    assert analytic[0] >= 18 and analytic[1] == 20
    assert empirical[0] <= 3 and empirical[1] == 20
    assert 0.6 < np.nanmedian(null.sigmas["empirical"]) < 2.0
    assert "empty epochs of sector 83" in repr(null)
    assert "real pixels" in sh.empty_epoch_table(null).title
