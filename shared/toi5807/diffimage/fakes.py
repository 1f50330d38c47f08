"""Sector difference images at fake mid-times, all at once, from cumulative sums of the good cadences.

A fake epoch is the candidate's ephemeris with T0 shifted by an offset: every real transit's window
(:func:`toi5807.lightcurve.windows.local_windows`, the same geometry and breaks) is laid at ``mid + offset``,
its difference image is ``mean(out) − mean(in)`` minus the focus and second-order pointing terms measured at
those cadences (:mod:`toi5807.diffimage.images`), and the transits are combined as the real sector image is
(inverse variance: weights ``1/(1/n_in + 1/n_out)`` per transit, the per-pixel noise shared). Every window mean
is two lookups in a cumulative sum of the cube (pixels and pointing products side by side) taken at the windows'
end points only (one pass of segment sums), so hundreds of fake epochs cost a few milliseconds; nothing is
refitted (the out-of-transit image, templates and per-pixel noise are the real epoch's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lightcurve import local_windows
from .images import DifferenceImages
from .window_source import range_summer

__all__ = ["FakeSectorImages", "fake_sector_images"]


@dataclass(frozen=True, eq=False)
class FakeSectorImages:
    """Sector difference images at fake epochs (see :func:`fake_sector_images`).

    Attributes
    ----------
    offsets_days : ndarray (f,)
        T0 offsets of the usable fakes, days.
    images : ndarray (f, rows, cols)
        Sector difference images, e-/s (NaN where a pixel is not finite).
    scale : ndarray (f,)
        ``1 / Σ_transits 1/(1/n_in + 1/n_out)``: each image's per-pixel variance is ``scale · sigma_unit²``.
    sigma : ndarray (f, rows, cols)
        Per-pixel 1σ, e-/s.
    n_transits : ndarray of int (f,)
        Transits combined in each fake.
    """

    offsets_days: np.ndarray
    images: np.ndarray
    scale: np.ndarray
    sigma: np.ndarray
    n_transits: np.ndarray


def fake_sector_images(diff: DifferenceImages, offsets_days: np.ndarray,
                       epoch_mids: np.ndarray | None = None) -> FakeSectorImages:
    """The sector difference image at every fake T0 offset (the real transits' windows, shifted).

    Parameters
    ----------
    diff : DifferenceImages
        From :func:`toi5807.diffimage.images.difference_images` (needs its ``source``).
    offsets_days : array_like (f,)
        T0 offsets, days (choose them so the windows stay clear of the real transits).
    epoch_mids : array_like, optional
        The ephemeris' mid-times to shift, BTJD (default: the sector's real transits, ``diff.mid_times``). Give
        every epoch whose shifted copy can reach the data (:class:`toi5807.lightcurve.FakeEpochs.epoch_mids`) so
        fakes cover the whole sector, also before a single transit; copies outside the data are unusable windows
        and drop out.

    Returns
    -------
    FakeSectorImages
        Fakes without any usable transit window are left out.
    """
    src = diff.source
    if src is None:
        raise ValueError("diff: expected DifferenceImages with a source (from difference_images), got source=None")
    off = np.atleast_1d(np.asarray(offsets_days, dtype=float))
    ny, nx = diff.oot_image.shape
    mids = np.asarray(diff.mid_times if epoch_mids is None else epoch_mids, dtype=float).ravel()
    if not (off.size and mids.size and src.time.size):
        e = np.zeros(0)
        return FakeSectorImages(e, np.zeros((0, ny, nx)), e, np.zeros((0, ny, nx)), np.zeros(0, dtype=int))
    centres = (off[:, None] + mids[None, :]).ravel()  # fake-major, transit-minor
    win = local_windows(src.time, centres, src.duration_days, dump_times=src.dump_times)
    sums = range_summer(src.columns, [win.in_range, win.before_range, win.after_range])

    n_in = (win.in_range[:, 1] - win.in_range[:, 0]).astype(float)
    n_out = ((win.before_range[:, 1] - win.before_range[:, 0])
             + (win.after_range[:, 1] - win.after_range[:, 0])).astype(float)
    ok = win.usable & (n_in > 0) & (n_out > 0)
    n_in, n_out = np.where(ok, n_in, 1.0), np.where(ok, n_out, 1.0)
    raw = (sums(win.before_range) + sums(win.after_range)) / n_out[:, None] - sums(win.in_range) / n_in[:, None]
    npix = src.values.shape[1]
    img = raw[:, :npix] - raw[:, npix + 2:] @ src.fixed  # focus and second-order pointing (as the real images)
    fm = diff.fit_mask.ravel()
    ok &= np.all(np.isfinite(img[:, fm]), axis=1)
    w = np.where(ok, 1.0 / (1.0 / n_in + 1.0 / n_out), 0.0).reshape(off.size, mids.size)
    img = np.where(ok[:, None], img, 0.0).reshape(off.size, mids.size, npix)
    wsum = w.sum(axis=1)
    keep = wsum > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        sector = np.einsum("ft,ftp->fp", w, img)[keep] / wsum[keep, None]
    scale = 1.0 / wsum[keep]
    sigma = np.sqrt(scale)[:, None, None] * src.sigma_unit[None]
    return FakeSectorImages(off[keep], sector.reshape(-1, ny, nx), scale, sigma,
                            (w[keep] > 0).sum(axis=1).astype(int))
