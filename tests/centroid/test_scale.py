"""Pixel↔arcsec through the stamp's WCS (toi5807.pixels.scale): shifts, results and offset analyses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toi5807 import target
from toi5807.data.geometry import sky_jacobian, wcs_orientation
from toi5807.data.model import TPFStamp
from toi5807.lightcurve import transit_window_masks
from toi5807.twin.synthetic import make_synthetic_stamp
from toi5807.centroid import CentroidShiftConfig, compute_centroid_shift, run_v08
from toi5807.centroid.offsets import analyze_v08_offsets
from toi5807.pixels.scale import (
    NOMINAL_PIXEL_SCALE_ARCSEC,
    NOMINAL_SCALE_WARNING,
    pixel_scale_at,
    stamps_pixel_scale,
    vector_length_arcsec,
)

SCALE, ANGLE = 19.8, 49.0  # arcsec per pixel; +column direction, degrees from east towards north


def odd_wcs(crpix=(6.0, 6.0), scale=SCALE, angle_deg=ANGLE):
    """An astropy TAN WCS at TOI-5807: ``scale``″/px, +column ``angle_deg`` from east, the parity of a mirror image
    (east = +column at angle 0, unlike the usual east-left sky image). ``crpix`` is 0-based (column, row)."""
    from astropy.wcs import WCS

    th = math.radians(angle_deg)
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [target.RA_DEG, target.DEC_DEG]
    w.wcs.crpix = [crpix[0] + 1.0, crpix[1] + 1.0]
    w.wcs.cd = scale / 3600.0 * np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    return w


@pytest.fixture(scope="module")
def shifted():
    """A synthetic stamp (11 × 11, star at the centre) whose centroid moves (0.5, 0.3) px in transit."""
    return make_synthetic_stamp(n_in=40, n_out=300, shift_pixels=(0.5, 0.3), seed=4)


def test_the_test_wcs_has_the_intended_geometry():
    o = wcs_orientation(odd_wcs(), 6.0, 6.0)  # at the reference pixel
    assert o["pixel_scale_arcsec"] == pytest.approx(SCALE, rel=1e-9)
    assert o["handedness"] == 1.0 and o["column_angle_deg"] == pytest.approx(ANGLE, abs=1e-6)


def test_shift_in_arcsec_is_the_length_of_the_sky_vector(shifted):
    stamp, tp = shifted
    wcs = odd_wcs()
    r = compute_centroid_shift(stamp.flux, stamp.time, tp, significance_method="analytic", wcs=wcs)
    sky = sky_jacobian(wcs, *r.out_of_transit_centroid) @ np.asarray(r.shift_vector_pixels)
    assert r.centroid_shift_arcsec == pytest.approx(float(np.hypot(*sky)), rel=1e-9)
    assert r.shift_arcsec == r.centroid_shift_arcsec
    assert r.pixel_scale_arcsec == pytest.approx(SCALE, rel=1e-6)
    assert r.centroid_shift_arcsec == pytest.approx(SCALE * r.centroid_shift_pixels, rel=1e-5)  # not × 21
    assert NOMINAL_SCALE_WARNING not in r.warnings
    assert r.to_dict()["pixel_scale_arcsec"] == pytest.approx(SCALE, rel=1e-6)


def test_without_a_wcs_the_nominal_scale_is_used_and_flagged(shifted):
    stamp, tp = shifted
    r = compute_centroid_shift(stamp.flux, stamp.time, tp, significance_method="analytic")
    assert r.pixel_scale_arcsec == NOMINAL_PIXEL_SCALE_ARCSEC == 21.0
    assert r.centroid_shift_arcsec == pytest.approx(21.0 * r.centroid_shift_pixels, rel=1e-12)
    assert r.warnings.count(NOMINAL_SCALE_WARNING) == 1
    # an explicit scale is a user override: it wins over the WCS and is not flagged
    over = compute_centroid_shift(stamp.flux, stamp.time, tp, significance_method="analytic", wcs=odd_wcs(),
                                  pixel_scale_arcsec=20.5)
    assert over.pixel_scale_arcsec == 20.5 and NOMINAL_SCALE_WARNING not in over.warnings
    assert over.centroid_shift_arcsec == pytest.approx(20.5 * over.centroid_shift_pixels, rel=1e-12)
    # the shift itself and its significance do not depend on the scale
    assert (over.shift_vector_pixels, over.significance_sigma) == (r.shift_vector_pixels, r.significance_sigma)


def test_a_result_without_cadences_still_says_which_scale(shifted):
    stamp, tp = shifted
    in_win, _ = transit_window_masks(stamp.time, tp)
    quality = np.where(in_win, 32, 0)  # every in-transit cadence flagged (Desat): no in-transit centroid
    r = compute_centroid_shift(stamp.flux, stamp.time, tp, quality=quality, wcs=odd_wcs())
    assert "no_in_transit_cadences" in r.warnings and math.isnan(r.centroid_shift_arcsec)
    assert r.pixel_scale_arcsec == pytest.approx(SCALE, rel=1e-6)


@pytest.mark.parametrize("value, exc", [(0.0, ValueError), (-21.0, ValueError), (math.nan, ValueError),
                                        ("21", TypeError), (True, TypeError)])
def test_config_scale_is_none_or_positive(value, exc):
    assert CentroidShiftConfig().pixel_scale_arcsec is None
    assert CentroidShiftConfig(pixel_scale_arcsec=20.0).pixel_scale_arcsec == 20.0
    with pytest.raises(exc, match="pixel_scale_arcsec"):
        CentroidShiftConfig(pixel_scale_arcsec=value)


def test_run_v08_and_the_offset_analysis_take_the_stamps_wcs(shifted):
    stamp, tp = shifted
    with_wcs = TPFStamp(time=stamp.time, flux=stamp.flux, sector=83, wcs=odd_wcs(), aperture_mask=stamp.aperture_mask)
    res = run_v08(with_wcs, tp)
    assert res.details["pixel_scale_arcsec"] == pytest.approx(SCALE, rel=1e-6)
    assert res.metrics["centroid_shift_arcsec"] == pytest.approx(SCALE * res.metrics["centroid_shift_pixels"], rel=1e-5)
    assert NOMINAL_SCALE_WARNING not in res.warnings
    # two sectors at different scales: the analysis' scale is their mean at the target
    other = TPFStamp(time=stamp.time, flux=stamp.flux, sector=82, wcs=odd_wcs(scale=20.6, angle_deg=-23.0),
                     aperture_mask=stamp.aperture_mask)
    an = analyze_v08_offsets({82: other, 83: with_wcs}, tp)
    assert an.pixel_scale_arcsec == pytest.approx((20.6 + SCALE) / 2, rel=1e-6)
    assert NOMINAL_SCALE_WARNING not in an.flags
    bare = analyze_v08_offsets({83: stamp}, tp)  # no WCS: nominal, and flagged
    assert bare.pixel_scale_arcsec == 21.0 and NOMINAL_SCALE_WARNING in bare.flags
    assert bare.to_dict()["pixel_scale_arcsec"] == 21.0


def test_scale_helpers():
    wcs = odd_wcs()
    assert pixel_scale_at(None, 1.0, 2.0) == (21.0, (NOMINAL_SCALE_WARNING,))
    assert pixel_scale_at(wcs, 1.0, 2.0, override=20.0) == (20.0, ())
    assert pixel_scale_at(wcs, 6.0, 6.0)[0] == pytest.approx(SCALE, rel=1e-9)
    assert math.isnan(vector_length_arcsec((math.nan, 0.0), (5.0, 5.0), wcs))
    assert vector_length_arcsec((0.3, -0.4), (5.0, 5.0)) == pytest.approx(0.5 * 21.0)
    assert stamps_pixel_scale([], override=None) == (21.0, (NOMINAL_SCALE_WARNING,))
