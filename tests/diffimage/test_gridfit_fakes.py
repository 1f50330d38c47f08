"""The batched fixed-template grid fit (diffimage/gridfit.py) and the fake-epoch sector images (diffimage/fakes.py)
against the nonlinear fit's own profile, on known images."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vetting"))
from stamps import TP, make_stamp  # noqa: E402

from toi5807.diffimage.fakes import fake_sector_images  # noqa: E402
from toi5807.diffimage.gridfit import grid_statistics, grid_templates, square_grid  # noqa: E402
from toi5807.diffimage.localize import localize_sector  # noqa: E402
from toi5807.diffimage.pointing import oot_spline, spline_derivatives  # noqa: E402
from toi5807.diffimage.prf_fit import ProfileChi2  # noqa: E402


def _profile(seed: int = 0):
    """A Gaussian star (σ = 0.9 px) on a 13×13 stamp and a ProfileChi2 of a noise image."""
    ny = nx = 13
    yy, xx = np.mgrid[0:ny, 0:nx]
    star = 1e4 * np.exp(-0.5 * ((xx - 6.2) ** 2 + (yy - 5.9) ** 2) / 0.9 ** 2) + 30.0
    spl = oot_spline(star)
    tpl, _ = spline_derivatives(spl, (ny, nx))
    mask = np.hypot(xx - 6.2, yy - 5.9) <= 4.0
    su = np.sqrt(star) * 0.05 + 0.5
    rng = np.random.default_rng(seed)
    prof = ProfileChi2(spl, float(star.sum()), tpl, rng.normal(size=(ny, nx)) * su, su, mask)
    return prof, su, mask


def test_batched_linear_fit_equals_the_profile_at_every_grid_point():
    prof, su, mask = _profile()
    rng = np.random.default_rng(1)
    scale = np.array([1.0, 0.37, 2.5])
    images = rng.normal(size=(3, *mask.shape)) * su[None] * np.sqrt(scale)[:, None, None]
    extra = np.array([[1.3, -0.7], [-2.0, 0.5]])
    t = grid_templates(prof, su, extra_px=extra)
    g = grid_statistics(t, images, scale)
    pts = np.concatenate([t.positions_px[::37], extra])
    idx = np.concatenate([np.arange(0, t.n_grid, 37), t.n_grid + np.arange(2)])
    for f in range(3):
        p = prof.with_image(images[f], su * np.sqrt(scale[f]))
        chi, sol, _ = p.solve(pts)
        ok = chi < 1e20
        assert ok.sum() > 10
        chi2_grid = g.chi2_min[f] + g.peak_z2[f] - g.z_grid[f, idx] ** 2
        amp_grid = g.z_grid[f, idx] * np.sqrt(scale[f]) / np.where(t.norm[idx] > 0, t.norm[idx], np.nan)
        assert np.allclose(chi2_grid[ok], chi[ok], rtol=1e-6, atol=1e-6)
        assert np.allclose(amp_grid[ok], sol[ok, 0], rtol=1e-6, atol=1e-6 * np.abs(sol[ok, 0]).max())


def test_injected_dip_is_found_at_its_position_with_the_nonlinear_numbers():
    from toi5807.diffimage.prf_fit import fit_difference_image

    prof, su, mask = _profile()
    truth = np.array([1.23, -0.61])
    rng = np.random.default_rng(5)
    img = 400.0 * prof.prf(truth[None])[0]
    full = np.zeros(mask.shape)
    full[mask] = img
    noisy = full + rng.normal(size=mask.shape) * su
    t = grid_templates(prof, su, extra_px=truth[None])
    g = grid_statistics(t, noisy[None], np.ones(1))
    assert np.hypot(*(g.best_u[0] - truth)) < 0.1  # the noise moves it a little; the 0.4-px grid alone: ≤ 0.28
    fit = fit_difference_image(prof.with_image(noisy, su))
    assert np.hypot(*(g.best_u[0] - np.array(fit.offset_px))) < 0.01
    assert g.delta_chi2_target[0] == pytest.approx(fit.delta_chi2_target, rel=0.02)
    assert g.z[0] == pytest.approx(fit.amplitude / fit.amplitude_err, rel=0.01)
    assert g.delta_chi2_extra[0, 0] < 3.0 < g.delta_chi2_target[0]  # the truth is consistent, the target is not
    # no refinement: the grid point itself (a coarser, still positive estimate)
    g0 = grid_statistics(t, noisy[None], np.ones(1), refine=())
    assert 0 < g0.peak_z2[0] <= g.peak_z2[0] + 1e-9


def test_square_grid_and_bad_parameters():
    u, shape = square_grid(1.0, 0.5)
    assert shape == (7, 7) and u.shape == (49, 2) and np.allclose(u[24], 0.0)
    with pytest.raises(ValueError, match="radius"):
        square_grid(0.0, 0.4)
    prof, su, _ = _profile()
    with pytest.raises(ValueError, match="to_px"):
        grid_templates(prof, su, to_px=np.zeros((2, 2)))


@pytest.fixture(scope="module")
def loc():
    return localize_sector(make_stamp(seed=3, depth=0.01), TP)


def test_fake_at_offset_zero_is_the_real_sector_image(loc):
    d = loc.diff
    img, err = d.sector_image()
    fk = fake_sector_images(d, np.array([0.0, 0.7]))
    assert fk.images.shape[0] == 2 and fk.n_transits[0] == np.sum(d.usable) == 8
    assert fk.n_transits[1] == 7  # the last shifted window runs past the end of the data
    assert np.allclose(fk.images[0][d.fit_mask], img[d.fit_mask], atol=1e-8)
    assert np.allclose(fk.sigma[0], err, rtol=1e-12)
    # a fake 0.7 d away sees no dip: its amplitude on the target PRF is far below the real one
    t = grid_templates(loc.profile, d.source.sigma_unit)
    g = grid_statistics(t, fk.images, fk.scale)
    assert g.z[0] > 10 and abs(g.z[1]) < 5


def test_fake_images_need_the_window_source(loc):
    import dataclasses

    with pytest.raises(ValueError, match="source"):
        fake_sector_images(dataclasses.replace(loc.diff, source=None), np.array([0.5]))


def test_injected_dip_adds_the_observed_amplitude_linearly_at_the_tested_position(loc):
    from toi5807.vetting.batches import injected_batch, sector_batch, soften

    b = sector_batch(loc, np.linspace(0.4, 3.0, 12))
    t = b.templates
    col = int(np.argmin(np.hypot(t.u[:, 0], t.u[:, 1])))
    c = b.stats.z_grid * np.sqrt(b.scale)[:, None]  # the unscaled projections q·y
    at = injected_batch(b, col, "at_position")
    c_at = at.stats.z_grid * np.sqrt(b.scale)[:, None]
    assert np.allclose(at.images[0], b.images[0])  # the real epoch is not touched
    assert np.allclose(c_at[1:, col] - c[1:, col], c[0, col], rtol=1e-9)  # fake + (q·y_real)·q at the target
    # every other position sees the same image through its own template: ⟨q_j, q_col⟩ · c_obs
    assert np.allclose(c_at[1:] - c[1:], c[0, col] * (t.q @ t.q[col])[None, :], atol=1e-8 * abs(c[0, col]))
    fit = injected_batch(b, col)  # default: the real epoch's fitted amplitude (source at its best position)
    near = int(np.argmin(np.sum((t.u - b.stats.best_u[0]) ** 2, axis=1)))
    a = np.sqrt(b.stats.peak_z2[0] * b.scale[0]) / t.norm[near]
    c_fit = fit.stats.z_grid * np.sqrt(b.scale)[:, None]
    assert np.allclose(c_fit[1:, col] - c[1:, col], a * t.norm[col], rtol=1e-9)
    # the dip present at the target: the fakes' Δχ² at the target shrinks to the real epoch's scale of noise
    assert np.median(fit.stats.delta_chi2_target[1:]) < 4.0 and np.median(fit.stats.z[1:]) > 10
    with pytest.raises(ValueError, match="amplitude"):
        injected_batch(b, col, "peak")
    # a star's uncertain position: Δχ² = d²/σ² → d²/(σ² + s²)
    assert np.allclose(soften(np.array([16.0, 4.0]), np.array([4.0, 4.0]), 0.0), [16.0, 4.0])
    assert np.allclose(soften(np.array([16.0]), np.array([4.0]), 0.25), [4.0 / (0.25 + 0.25)])

