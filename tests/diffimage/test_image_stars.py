"""Stars found in an out-of-transit image: the fit's analytic Jacobian, a known scene, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from astropy.wcs import WCS
from toi5807.diffimage.stars import IMAGE_STAR_ORIGIN, _FlexScene, _model, _Scene, catalogue_from_image
from toi5807.pixels.prf import PRFParams, prf_1d, prf_1d_derivatives, render_cube

RA, DEC = 150.0, -30.0


def _wcs(centre=(5.0, 6.0)) -> WCS:
    """A TAN WCS, 21″ pixels, ``RA, DEC`` at pixel ``centre`` (0-based x, y)."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [RA, DEC]
    w.wcs.crpix = [centre[0] + 1.0, centre[1] + 1.0]
    w.wcs.cdelt = [-21.0 / 3600.0, 21.0 / 3600.0]
    return w


def _central_difference(f, p: np.ndarray) -> np.ndarray:
    """Jacobian of ``f`` at ``p`` by central differences, step ≈ (machine ε)^(1/3) of each parameter's size."""
    h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(p))
    cols = [(f(p + h[i] * e) - f(p - h[i] * e)) / (2.0 * h[i]) for i, e in enumerate(np.eye(p.size))]
    return np.stack(cols, axis=1)


def test_prf_1d_derivatives_value_is_prf_1d():
    c = np.array([[0.3, 4.7], [-1.2, 9.9]])
    value, _, _ = prf_1d_derivatives(c, np.array([[0.8], [2.5]]), 11)
    np.testing.assert_array_equal(value[0], prf_1d(c[0], 0.8, 11))
    np.testing.assert_array_equal(value[1], prf_1d(c[1], 2.5, 11))


@pytest.mark.parametrize("shape", [(13, 11), (9, 12)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_is_the_finite_difference_one(shape, seed):
    rng = np.random.default_rng(seed)
    n = 3
    n_rows, n_cols = shape
    stars = np.column_stack([rng.uniform(-1.0, n_cols, n), rng.uniform(-1.0, n_rows, n), rng.uniform(1e3, 2e5, n)])
    p = np.concatenate([[rng.uniform(0.4, 1.8), rng.uniform(0.4, 1.8), rng.uniform(0.9, 3.5),
                         rng.uniform(0.02, 0.85), rng.uniform(-20.0, 20.0)], stars.ravel()])
    scene = _Scene(n, shape)
    reference = _model(p, n, shape)
    np.testing.assert_allclose(scene.model(p), reference, rtol=1e-12, atol=1e-12 * np.abs(reference).max())
    jac = scene.jacobian(p)
    assert jac.shape == (n_rows * n_cols, 5 + 3 * n)
    numeric = _central_difference(lambda q: _model(q, n, shape).ravel(), p)
    scale = np.abs(numeric).max(axis=0)
    # background column: a unit slope read off a model of ~1e5 e-/s, so the finite difference carries ~1e-8 round-off
    assert np.all(np.abs(jac - numeric).max(axis=0) <= 1e-6 * scale)
    np.testing.assert_array_equal(jac[:, 4], 1.0)


def test_jacobian_of_the_wing_fraction_outside_its_clip_is_zero():
    p = np.array([0.7, 0.8, 2.0, 1.2, 3.0, 5.0, 6.0, 1e4])
    assert np.all(_Scene(1, (13, 11)).jacobian(p)[:, 3] == 0.0)


def _flex_reference(q: np.ndarray, n: int, shape: tuple[int, int]) -> np.ndarray:
    """The flexible model of the star tests rendered by the twin's own renderer (an independent code path)."""
    prf = PRFParams(q[0], q[1], q[2], q[3], wing_dcol=q[4], wing_drow=q[5], halo_fraction=q[6], sigma_halo=q[7])
    s = q[9:].reshape(n, 3)
    return render_cube(s[None, :, 0], s[None, :, 1], s[None, :, 2], prf, shape)[0] + q[8]


@pytest.mark.parametrize("shape", [(13, 11), (9, 12)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flexible_jacobian_is_the_finite_difference_one(shape, seed):
    rng = np.random.default_rng(seed)
    n = 3
    n_rows, n_cols = shape
    stars = np.column_stack([rng.uniform(-1.0, n_cols, n), rng.uniform(-1.0, n_rows, n), rng.uniform(1e3, 2e5, n)])
    q = np.concatenate([[rng.uniform(0.4, 2.5), rng.uniform(0.4, 2.5), rng.uniform(0.7, 4.5), rng.uniform(0.05, 0.6),
                         rng.uniform(-1.4, 1.4), rng.uniform(-1.4, 1.4), rng.uniform(0.01, 0.3), rng.uniform(1.6, 7.5),
                         rng.uniform(-20.0, 20.0)], stars.ravel()])
    scene = _FlexScene(n, shape)
    reference = _flex_reference(q, n, shape)
    np.testing.assert_allclose(scene.model(q), reference, rtol=1e-12, atol=1e-12 * np.abs(reference).max())
    jac = scene.jacobian(q)
    assert jac.shape == (9 + 3 * n, n_rows * n_cols)
    numeric = _central_difference(lambda v: _flex_reference(v, n, shape).ravel(), q).T
    scale = np.abs(numeric).max(axis=1)
    assert np.all(np.abs(jac - numeric).max(axis=1) <= 1e-6 * scale)
    np.testing.assert_array_equal(jac[8], 1.0)


def test_three_known_stars_come_back():
    shape = (13, 11)
    prf = PRFParams(0.8, 0.7, 1.9, 0.15)
    truth = np.array([[5.13, 6.08, 2.0e5], [2.4, 3.3, 2.0e4], [8.2, 9.6, 8.0e3]])  # col, row, e-/s; target first
    clean = render_cube(truth[None, :, 0], truth[None, :, 1], truth[None, :, 2], prf, shape)[0] + 12.0
    noise = np.sqrt(clean)
    image = clean + noise * np.random.default_rng(5).standard_normal(shape)
    wcs = _wcs()
    target_radec = tuple(float(v) for v in wcs.pixel_to_world_values(5.0, 6.0))  # the catalogue is 0.15 px off
    cat = catalogue_from_image(image, wcs, target_radec, noise=noise)
    assert cat.origin == IMAGE_STAR_ORIGIN
    assert [s.label for s in cat.stars] == ["target", "image star 1", "image star 2"]
    assert (cat.stars[0].ra_deg, cat.stars[0].dec_deg) == target_radec
    m = re.search(r"target fitted at pixel \(([-\d.]+), ([-\d.]+)\)", " ".join(cat.notes))
    assert m is not None
    found = [(float(m.group(1)), float(m.group(2)))]
    for s in cat.stars[1:]:
        found.append(tuple(float(v) for v in wcs.world_to_pixel_values(s.ra_deg, s.dec_deg)))
    found = np.array(found)
    order = [int(np.argmin(np.hypot(*(found[1:] - t[:2]).T))) + 1 for t in truth[1:]]
    assert sorted(order) == [1, 2]
    found = found[[0] + order]
    assert np.abs(found - truth[:, :2]).max() < 0.05  # the target's position is printed to 0.01 px
    fluxes = np.array([cat.stars[i].flux_e_per_s for i in [0] + order])
    np.testing.assert_allclose(fluxes, truth[:, 2], rtol=0.05)


def test_target_off_the_wcs_raises():
    image = np.full((13, 11), 100.0)
    with pytest.raises(ValueError, match="does not map to a finite pixel"):
        catalogue_from_image(image, _wcs(), (RA + 180.0, -DEC))


def test_host_ranking_allows_for_the_position_error_of_stars_found_in_the_image():
    """The nominal host test softens an image star's Δχ² by its 0.1-px position error, as the calibrated one does;
    the target (at its catalogue position) and catalogue stars from elsewhere keep theirs."""
    from toi5807.data.catalogue import Catalogue, Star
    from toi5807.diffimage.joint import rank_hosts
    from toi5807.diffimage.stars import IMAGE_STAR_POSITION_ERROR_PX

    stars = (Star("target", RA, DEC, flux_e_per_s=1e5), Star("image star 1", RA, DEC + 30.0 / 3600.0, flux_e_per_s=1e4))
    sigma_src = 2.0  # arcsec per axis: χ²(u) = |u − best|² / σ²
    best = np.array([0.5, 0.0])

    def chi2(u):
        return np.sum((np.atleast_2d(u) - best) ** 2, axis=1) / sigma_src ** 2

    def dchi(origin, **kw):
        hosts = rank_hosts(chi2, 0.0, Catalogue(stars, origin=origin), 10.0, **kw)
        return {h["label"]: h["delta_chi2"] for h in hosts}

    plain = dchi(IMAGE_STAR_ORIGIN)
    soft = dchi(IMAGE_STAR_ORIGIN, best_arcsec=best, pixel_scale_arcsec=21.0)
    other = dchi("Gaia DR3", best_arcsec=best, pixel_scale_arcsec=21.0)
    d2 = 0.5 ** 2 + 30.0 ** 2
    s2 = (IMAGE_STAR_POSITION_ERROR_PX * 21.0) ** 2
    assert plain["image star 1"] == pytest.approx(d2 / sigma_src ** 2, rel=1e-6)
    assert soft["image star 1"] == pytest.approx(d2 / (sigma_src ** 2 + s2), rel=1e-6)  # the errors add in quadrature
    assert soft["target"] == plain["target"] == other["target"] and other["image star 1"] == plain["image star 1"]
