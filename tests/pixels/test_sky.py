"""Tests of toi5807.data.geometry: pixel-to-sky conversion and the inverse-covariance-weighted combination."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toi5807 import target
from toi5807.data.geometry import sky_jacobian, vector_to_sky
from toi5807.twin.geometry import sector_wcs
from toi5807.pixels.combine import combine_offsets


# ------------------------------------------------------------------ sky frame
def make_wcs(ra_deg, dec_deg, col, row, roll_deg, scale=21.0):
    """A TAN WCS at TOI-5807 with a plate scale of ``scale``″/px rotated by ``roll_deg`` (parity flipped)."""
    assert (ra_deg, dec_deg) == (target.RA_DEG, target.DEC_DEG)
    th = np.radians(roll_deg)
    jac = scale * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]) @ np.diag([-1.0, 1.0])
    return sector_wcs({"arcsec_per_pixel": jac.tolist()}, col, row)


def _astropy_offset(wcs, x, y, dx, dy):
    """(east, north) arcsec from pixel (x, y) to (x+dx, y+dy), with astropy's spherical offsets."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    a = wcs.pixel_to_world(x, y)
    b = wcs.pixel_to_world(x + dx, y + dy)
    e, n = a.spherical_offsets_to(SkyCoord(b.ra, b.dec, frame=a.frame))
    return np.array([e.to_value(u.arcsec), n.to_value(u.arcsec)])


@pytest.mark.parametrize("roll", [0.0, 30.0, 131.7, 301.3])
def test_pixel_to_sky_matches_astropy_on_rotated_wcs(roll):
    wcs = make_wcs(target.RA_DEG, target.DEC_DEG, 4.6, 5.8, roll)
    x, y = 6.3, 3.1  # away from the reference pixel
    jac = sky_jacobian(wcs, x, y)
    for v in ([0.05, 0.0], [0.0, 0.05], [0.03, -0.04]):
        want = _astropy_offset(wcs, x, y, *v)
        got = jac @ np.array(v)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    # a rotation (with parity flip) of the 21"/px plate scale
    np.testing.assert_allclose(abs(np.linalg.det(jac)), 21.0**2, rtol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(jac, axis=0), [21.0, 21.0], rtol=1e-4)
    # at the reference pixel the Jacobian is the CD matrix (deg→arcsec); east = +intermediate x
    np.testing.assert_allclose(sky_jacobian(wcs, 4.6, 5.8), wcs.pixel_scale_matrix * 3600.0, rtol=1e-6, atol=1e-9)


def test_vector_to_sky_transforms_covariance_and_keeps_chi2():
    wcs = make_wcs(target.RA_DEG, target.DEC_DEG, 4.6, 5.8, 37.9)
    v = np.array([0.004, -0.002])
    c = np.array([[2e-6, 5e-7], [5e-7, 1e-6]])
    sv = vector_to_sky(v, c, wcs, (4.6, 5.8), label="s")
    jac = np.asarray(sv.jacobian_arcsec_per_pixel)
    np.testing.assert_allclose(sv.vector_arcsec, jac @ v)
    np.testing.assert_allclose(sv.covariance_arcsec2, jac @ c @ jac.T)
    chi_pix = v @ np.linalg.solve(c, v)
    vs, cs = np.asarray(sv.vector_arcsec), np.asarray(sv.covariance_arcsec2)
    assert vs @ np.linalg.solve(cs, vs) == pytest.approx(chi_pix, rel=1e-9)
    assert sv.norm_arcsec == pytest.approx(21.0 * np.hypot(*v), rel=1e-4)
    assert sv.to_dict()["label"] == "s"
    with pytest.raises(ValueError, match="vector_pixels"):
        vector_to_sky([1, 2, 3], c, wcs, (0, 0))
    with pytest.raises(TypeError, match="wcs"):
        sky_jacobian(None, 0, 0)


# ------------------------------------------------------------------ combination
def test_combine_offsets_weighted_mean_and_tests():
    c = np.eye(2)
    comb = combine_offsets([[1.0, 0.0], [3.0, 0.0]], [c, c], ["a", "b"])
    assert comb.mean == pytest.approx((2.0, 0.0))
    np.testing.assert_allclose(comb.covariance, 0.5 * np.eye(2))
    assert comb.chi2 == pytest.approx(8.0)
    assert comb.significance_sigma == pytest.approx(math.sqrt(8.0))
    assert comb.p_value == pytest.approx(math.exp(-4.0))
    assert comb.consistency_chi2 == pytest.approx(2.0) and comb.consistency_dof == 2
    assert comb.consistency_p_value == pytest.approx(math.exp(-1.0))
    # inverse-covariance weighting: a precise input dominates
    comb2 = combine_offsets([[0.0, 0.0], [10.0, 10.0]], [0.01 * c, 100 * c])
    assert abs(comb2.mean[0]) < 0.01
    # unusable inputs are skipped with flags, never an exception
    none = combine_offsets([[np.nan, 0.0]], [c])
    assert none.n_used == 0 and "no_usable_inputs" in none.flags and math.isnan(none.chi2)
    single = combine_offsets([[1.0, 1.0], [1.0, 1.0]], [c, np.zeros((2, 2))])
    assert single.n_used == 1 and "single_input" in single.flags
    with pytest.raises(ValueError, match="same count"):
        combine_offsets([[1.0, 1.0]], [c, c])
