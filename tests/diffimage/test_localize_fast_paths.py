"""The fast paths of pixel vetting give the numbers of the straightforward computations they replace."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import CubicSpline
from toi5807 import target
from toi5807.lightcurve import TransitParams, local_windows
from toi5807.twin import simulate_sector
from toi5807.pixels.blas import single_blas_thread
from toi5807.calibration.localization import stamp_from_simulation
from toi5807.diffimage.images import _slice_sums
from toi5807.diffimage.window_source import range_summer
from toi5807.diffimage.localize import localize_sector
from toi5807.pixels.location import group_median
from toi5807.diffimage.prf_cells import MovedImage, identity_coefficients
from toi5807.diffimage.prf_fit import ProfileChi2

TP = TransitParams(target.PERIOD_DAYS, target.T0_BTJD, target.DURATION_HOURS)


def _lexsort_median(values, labels, n_groups):
    """The one-sort group median the padded-rows version replaced."""
    v = values[np.lexsort((values, labels))]
    counts = np.bincount(labels, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    med = np.full(n_groups, np.nan)
    ok = counts > 0
    med[ok] = 0.5 * (v[starts[ok] + (counts[ok] - 1) // 2] + v[starts[ok] + counts[ok] // 2])
    return med


@pytest.mark.parametrize("case", ["plain", "nan_and_ties", "one_huge_group", "empty_groups"])
def test_group_median_is_the_per_group_median(case):
    rng = np.random.default_rng(3)
    n, g = 2000, 40
    values = rng.normal(size=n) * 50.0
    labels = rng.integers(0, g, n)
    if case == "nan_and_ties":
        values = np.round(values)
        values[rng.random(n) < 0.05] = np.nan
    elif case == "one_huge_group":  # very unequal groups: the lexsort path
        labels[: n - 30] = 7
    elif case == "empty_groups":
        labels = 2 * rng.integers(0, g // 2, n)
    got = group_median(values, labels, g)
    np.testing.assert_array_equal(got, _lexsort_median(values, labels, g))
    for k in np.flatnonzero(np.bincount(labels, minlength=g))[:5]:  # and it is the median, NaN sorting last
        v = np.sort(values[labels == k])
        assert np.array_equal(got[k], 0.5 * (v[(v.size - 1) // 2] + v[v.size // 2]), equal_nan=True)
    assert np.all(np.isnan(got[np.bincount(labels, minlength=g) == 0]))


@pytest.mark.parametrize("shape", [(4, 5), (11, 11), (13, 11)])
def test_moved_image_is_the_tensor_product_of_scipy_cubic_splines(shape):
    """The per-cell polynomial of the moved image = the not-a-knot bicubic interpolant evaluated by scipy
    (rows then columns, positions clipped to the stamp), at random, integer, far-away and edge offsets."""
    ny, nx = shape
    rng = np.random.default_rng(ny * nx)
    image = rng.normal(100.0, 30.0, shape)
    mask = rng.random(shape) < 0.7
    mask[0, 0] = mask[-1, -1] = True
    off = np.concatenate([rng.uniform(-ny - 3, ny + 3, (300, 2)), np.round(rng.uniform(-6, 6, (40, 2))),
                          [[0.0, 0.0], [1e6, -1e6], [-(nx - 1), ny - 1], [0.5, -(ny - 1)]]])
    got = MovedImage(image, mask).values(off)
    ys = np.clip(np.arange(ny)[None, :] - off[:, 1:2], 0, ny - 1)  # (k, ny)
    xs = np.clip(np.arange(nx)[None, :] - off[:, 0:1], 0, nx - 1)
    wy = CubicSpline(np.arange(ny, dtype=float), np.eye(ny))(ys)  # (k, ny, ny)
    wx = CubicSpline(np.arange(nx, dtype=float), np.eye(nx))(xs)
    expected = np.einsum("kri,ij,kcj->krc", wy, image, wx)[:, mask]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-11 * np.abs(image).max())
    assert identity_coefficients(ny).shape == (ny - 1, 4, ny)
    with pytest.raises(ValueError, match="4×4"):
        MovedImage(image[:3], mask[:3])


def test_range_sums_at_the_end_points_match_slices():
    rng = np.random.default_rng(1)
    x = rng.normal(100.0, 5.0, (500, 7))
    r1 = np.sort(rng.integers(0, 501, (40, 2)), axis=1)
    r2 = np.array([[0, 10], [5, 5], [37, 480], [499, 500], [0, 500]])
    sums = range_summer(np.ascontiguousarray(x.T), [r1, r2])
    for r in (r1, r2):
        np.testing.assert_allclose(sums(r), _slice_sums(x, r), rtol=1e-12, atol=1e-9)
    assert range_summer(np.zeros((7, 0)), [np.array([[0, 0]])])(np.array([[0, 0]])).shape == (1, 7)


def test_selected_windows_equal_windows_laid_alone():
    t = np.arange(0.0, 12.0, 2.0 / 1440.0)
    q = np.zeros(t.size, dtype=np.int32)
    q[np.argmin(np.abs(t - 5.9))] = 32
    d = target.DURATION_HOURS / 24.0
    centres = np.array([2.0, 5.0, 6.0, 9.0, 11.9])
    every = local_windows(t, centres, d, quality=q)
    pick = np.array([1, 3, 4])
    alone = local_windows(t, centres[pick], d, quality=q)
    sel = every.select(pick)
    for name in ("centres", "in_range", "before_range", "after_range", "baseline_days", "status"):
        np.testing.assert_array_equal(getattr(sel, name), getattr(alone, name))
    assert sel.reason == alone.reason
    assert list(every.select(every.usable).status) == [s for s in every.status if s in ("ok", "shortened")]


@pytest.fixture(scope="module")
def beb83_loc():
    return localize_sector(stamp_from_simulation(simulate_sector(83, seed=7, scenario="background_eb")), TP)


def test_profile_with_image_equals_a_fresh_profile(beb83_loc):
    d = beb83_loc.diff
    norm = float(np.nansum(d.oot_image))
    base = beb83_loc.profile
    pts = np.random.default_rng(0).uniform(-4.0, 4.0, (30, 2))
    pts[3] = np.nan  # a non-finite offset: a large χ², not an exception
    for k in np.flatnonzero(d.usable):
        fresh = ProfileChi2(d.spline, norm, d.templates, d.images[k], d.sigma[k], d.fit_mask,
                            focus=(d.focus_weights, d.focus_response))
        shared = base.with_image(d.images[k], d.sigma[k])
        c1, s1, _ = fresh.solve(pts)
        c2, s2, _ = shared.solve(pts)
        np.testing.assert_array_equal(c1, c2)
        np.testing.assert_array_equal(s1, s2)
        assert c1[3] > 1e29 and np.all(c1[np.arange(30) != 3] < 1e29)
    assert shared.d is not base.d  # the sector image's profile is untouched
    c0 = base(np.zeros((1, 2)))
    assert np.isfinite(c0[0])


def test_one_blas_thread_inside_and_restored_after():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    a = np.random.default_rng(0).normal(size=(3000, 60))
    b = np.random.default_rng(1).normal(size=(60, 5))
    with single_blas_thread():
        inside = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        prod_one = a @ b
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert inside and all(n == 1 for n in inside)
    assert after == before
    np.testing.assert_array_equal(prod_one, a @ b)  # same numbers, only the time changes


def _usable_frames_direct(flux):
    """The straightforward usable-frame rule (finite in ≥ half the frames, not zero in all; frames finite on those)."""
    f = np.asarray(flux, dtype=float)
    fin = np.isfinite(f)
    share = fin.sum(axis=0) / max(f.shape[0], 1)
    good = (share >= 0.5) & np.any(fin & (f != 0), axis=0) & (f.shape[0] > 0)
    keep = np.all(fin[:, good], axis=1) if good.any() else np.zeros(f.shape[0], dtype=bool)
    return keep, int(f.shape[0] - np.count_nonzero(keep)), good


def test_usable_frames_fast_path_equals_the_direct_rule():
    from toi5807.pixels.inputs import usable_frames

    rng = np.random.default_rng(2)
    clean = rng.normal(100.0, 1.0, (400, 5, 4))
    quirky = clean.copy()
    quirky[5, 2, 3] = np.nan  # one bad frame on a usable pixel
    quirky[:, 0, 0] = 0.0  # a dead pixel
    quirky[0, 1, 1], quirky[1:, 1, 1] = np.nan, 0.0  # NaN first frame, zero after: not usable
    quirky[:300, 4, 2] = np.nan  # finite in fewer than half the frames
    quirky[7, 3, 3] = np.inf
    for cube in (clean, quirky, np.full((20, 3, 3), np.nan), np.zeros((0, 3, 3)), clean.astype(np.float32),
                 np.ones((10, 2, 2), dtype=int)):
        got, want = usable_frames(cube), _usable_frames_direct(cube)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1] == want[1]
        np.testing.assert_array_equal(got[2], want[2])
    assert usable_frames(quirky)[1] == 2 and not usable_frames(quirky)[2][1, 1]


@pytest.mark.parametrize("dead_pixel", [False, True])
def test_difference_images_of_every_frame_read_the_cube_without_writing_it(dead_pixel):
    # every frame good and in order: the cube is read in place (no copy), so a dead pixel's zeros must go into a
    # copy, never into the caller's array; the images are those of the same cube passed as a copy
    from toi5807.diffimage.images import difference_images

    sim = simulate_sector(83, seed=2)
    stamp = stamp_from_simulation(sim)
    flux = np.array(stamp.flux, dtype=np.float64)
    if dead_pixel:
        flux[:, 0, 0] = np.nan
    before = flux.copy()
    res = difference_images(flux, stamp.time, TP, target_pixel=(5.0, 6.0))
    np.testing.assert_array_equal(flux, before)  # NaNs compare equal with assert_array_equal
    again = difference_images(flux.copy(), stamp.time, TP, target_pixel=(5.0, 6.0))
    np.testing.assert_array_equal(res.images, again.images)
