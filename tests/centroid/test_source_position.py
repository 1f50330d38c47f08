"""Tests of toi5807.centroid.source_offset: source position from the centroid shift, exclusion radius."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toi5807.pixels.prf import PRFParams, flux_weighted_centroid, render_cube
from toi5807.centroid.source_offset import exclusion_radius_arcsec, source_offset


def test_exclusion_radius_definition():
    cov = np.array([[4.0, 0.0], [0.0, 1.0]])
    assert exclusion_radius_arcsec(cov) == pytest.approx(6.0)
    assert math.isnan(exclusion_radius_arcsec(np.full((2, 2), np.nan)))


# ------------------------------------------------------------------ source offset physics
def test_source_offset_inverts_the_centroid_shift_exactly():
    prf = PRFParams(0.7, 0.7, 1.7, 0.12)
    cols, rows, fl = np.array([[5.0, 3.2, 7.9]]), np.array([[6.0, 7.5, 4.1]]), np.array([[1e5, 4e3, 2e3]])
    out_img = render_cube(cols, rows, fl, prf)
    dim = fl.copy()
    dim[0, 1] *= 0.9  # source 1 loses 10 %
    in_img = render_cube(cols, rows, dim, prf)
    c_out = np.array(flux_weighted_centroid(out_img[0]))
    c_in = np.array(flux_weighted_centroid(in_img[0]))
    delta = 1.0 - in_img.sum() / out_img.sum()
    # the source's light centroid on the stamp (its PRF is truncated by the edges)
    s_true = np.array(flux_weighted_centroid(render_cube(cols[:, 1:2], rows[:, 1:2], fl[:, 1:2], prf)[0]))
    so = source_offset(c_in - c_out, 1e-8 * np.eye(2), c_out, float(delta), 0.0, target_pixel=(5.0, 6.0))
    assert so.defined and not so.flags
    np.testing.assert_allclose(so.source_pixel, s_true, atol=1e-9)
    np.testing.assert_allclose(so.offset_pixels, s_true - [5.0, 6.0], atol=1e-9)
    # sign: the centroid moves away from the dimming source
    assert np.dot(c_in - c_out, s_true - c_out) < 0


def test_source_offset_degenerate_inputs_are_flagged_not_raised():
    so = source_offset([0.001, 0.0], 1e-8 * np.eye(2), [5, 5], 0.0, 1e-4, target_pixel=(5, 5))
    assert not so.defined and "depth_not_positive" in so.flags and not so.usable
    weak = source_offset([0.001, 0.0], 1e-8 * np.eye(2), [5, 5], 1e-4, 1e-4, target_pixel=(5, 5))
    assert weak.defined and "depth_not_significant" in weak.flags and not weak.usable
    nocov = source_offset([0.001, 0.0], np.full((2, 2), np.nan), [5, 5], 1e-3, 1e-5, target_pixel=(5, 5))
    assert not nocov.defined and "no_shift_covariance" in nocov.flags
    nowcs = source_offset([0.001, 0.0], 1e-8 * np.eye(2), [5, 5], 1e-3, 1e-5)
    assert "no_wcs" in nowcs.flags and nowcs.offset_sky is None
    assert nowcs.to_dict()["usable"] is False
    with pytest.raises(TypeError, match="depth"):
        source_offset([0.0, 0.0], np.eye(2), [0, 0], "big", 0.1)
