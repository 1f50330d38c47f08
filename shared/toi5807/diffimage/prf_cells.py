"""The out-of-transit image moved by a sub-pixel offset, as a polynomial of the offset in each pixel cell.

The empirical PRF of :mod:`toi5807.diffimage.prf_fit` is the out-of-transit image ``I`` moved by ``Δ = (dx, dy)``
pixels through its bicubic interpolant, which is a tensor product of 1-D not-a-knot cubic interpolants:
``value(Δ)[r, c] = Wy(r − dy) · I · Wx(c − dx)ᵀ``, with ``W(p)`` the interpolant's weights of the nodes at ``p``
(clipped to the stamp: beyond an edge the value is the edge node's). For every row ``r − dy`` lies in segment
``r − ⌊dy⌋ − 1`` at the same fraction ``s_y = 1 − (dy − ⌊dy⌋)`` (or is clipped, a constant), so within one *cell*
``(⌊dx⌋, ⌊dy⌋)`` the moved image is a bicubic polynomial of ``(s_x, s_y)``::

    value(Δ)[p] = Σ_{a,b=0..3} s_y^a s_x^b M_cell[a, b, p]

:class:`MovedImage` builds the 16 coefficient images of a cell on first use (on the fit pixels only) and evaluates
many offsets as one small matrix product per cell: ≈ 16 multiply-adds per pixel and offset, where the tensor
product costs ≈ 70. Same values as the interpolant (to rounding, ≈ 1e-13 relative); then the cosine taper at the
stamp edge is applied as before (:func:`taper`).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["MovedImage", "identity_coefficients", "taper", "TAPER_WIDTH_PX"]

#: Width of the cosine taper at the stamp edge of the moved out-of-transit image, pixels.
TAPER_WIDTH_PX: float = 1.5


@functools.lru_cache(maxsize=8)
def identity_coefficients(n: int) -> np.ndarray:
    """Coefficients (segments, 4, nodes) of the not-a-knot cubic interpolant of the identity on nodes 0 … n − 1
    (:class:`scipy.interpolate.CubicSpline` ``.c``, segments first: ``c[seg, 0]`` multiplies ``s³``)."""
    from scipy.interpolate import CubicSpline

    c = np.ascontiguousarray(CubicSpline(np.arange(n, dtype=float), np.eye(n)).c.transpose(1, 0, 2))
    c.setflags(write=False)
    return c


def taper(dist: np.ndarray) -> np.ndarray:
    """Cosine taper of a distance inside the stamp edge, pixels: 0 at the edge, 1 beyond :data:`TAPER_WIDTH_PX`."""
    t = np.array(dist, dtype=float)  # a copy, any shape (0-d included)
    np.clip(t, 0.0, TAPER_WIDTH_PX, out=t)
    t *= 1.0 / TAPER_WIDTH_PX
    part = (t > 0.0) & (t < 1.0)  # 0 and 1 are their own tapers: the cosine only where it matters
    t[part] = 0.5 - 0.5 * np.cos(np.pi * t[part])
    return t


@functools.lru_cache(maxsize=512)
def _axis_tables(n: int, cell: int) -> np.ndarray:
    """Weights of the nodes at ``r − (cell + 1 − s)`` for every row ``r`` as powers of ``s``: (4, n, n), entry
    ``[a, r]`` multiplies ``s^a`` (rows beyond an edge: that edge's node, a constant)."""
    coef = identity_coefficients(n)
    out = np.zeros((4, n, n))
    r = np.arange(n)
    seg = r - cell - 1
    inside = (seg >= 0) & (seg <= n - 2)
    for a in range(4):
        out[a, inside] = coef[seg[inside], 3 - a]
    out[0, seg < 0, 0] = 1.0
    out[0, seg > n - 2, n - 1] = 1.0
    out.setflags(write=False)
    return out


class MovedImage:
    """An image (rows, cols) of node values moved by sub-pixel offsets, on the pixels of ``mask``.

    Parameters
    ----------
    image : ndarray (rows, cols)
        Node values of the bicubic not-a-knot interpolant (the interpolant at the pixel centres), e-/s.
    mask : ndarray of bool (rows, cols)
        Pixels on which values are returned (at least 4 rows and 4 columns in the stamp).
    """

    def __init__(self, image: np.ndarray, mask: np.ndarray) -> None:
        self.image = np.asarray(image, dtype=float)
        self.shape = self.image.shape
        ny, nx = self.shape
        if ny < 4 or nx < 4 or mask.shape != self.shape:
            raise ValueError(f"image/mask: expected at least 4×4 pixels of one shape, got {self.shape}, {mask.shape}")
        self._pix_y, self._pix_x = np.nonzero(mask)
        self._cells: dict[int, np.ndarray] = {}
        self._ay: dict[int, np.ndarray] = {}

    def _key(self, iy: np.ndarray, ix: np.ndarray) -> np.ndarray:
        return (iy + self.shape[0]) * (2 * self.shape[1] + 1) + (ix + self.shape[1])

    def _table(self, iy: int, ix: int) -> np.ndarray:
        """The cell's coefficient images on the pixels, (16, n_pix): row ``4a + b`` multiplies ``s_y^a s_x^b``."""
        key = int(self._key(iy, ix))
        m = self._cells.get(key)
        if m is None:
            ny, nx = self.shape
            ty = self._ay.get(iy)
            if ty is None:  # Wy-weights times the image, (4, rows, cols), shared by the cells of one row band
                ty = self._ay[iy] = np.matmul(_axis_tables(ny, iy), self.image)
            ax = _axis_tables(nx, ix)
            m = np.einsum("apj,bpj->abp", ty[:, self._pix_y, :], ax[:, self._pix_x, :]).reshape(16, -1)
            self._cells[key] = m
        return m

    def values(self, offsets: np.ndarray) -> np.ndarray:
        """The moved image on the mask's pixels (k, n_pix) for finite offsets (k, 2) = (dx, dy), pixels
        (untapered: beyond the stamp edge the edge's value)."""
        off = np.asarray(offsets, dtype=float)
        ny, nx = self.shape
        fy, fx = np.floor(off[:, 1]), np.floor(off[:, 0])
        sy, sx = 1.0 - (off[:, 1] - fy), 1.0 - (off[:, 0] - fx)
        # beyond these cells every row (column) is clipped to an edge node: the same constant table
        iy = np.clip(fy, -ny, ny - 1).astype(np.intp)
        ix = np.clip(fx, -nx, nx - 1).astype(np.intp)
        py = np.stack([np.ones_like(sy), sy, sy * sy, sy * sy * sy], axis=1)
        px = np.stack([np.ones_like(sx), sx, sx * sx, sx * sx * sx], axis=1)
        mono = (py[:, :, None] * px[:, None, :]).reshape(len(off), 16)
        out = np.empty((len(off), len(self._pix_y)))
        if not len(off):
            return out
        key = self._key(iy, ix)
        if np.all(key == key[0]):
            return np.matmul(mono, self._table(int(iy[0]), int(ix[0])), out=out)
        # one matrix product per cell, on the offsets sorted by cell (contiguous blocks)
        order = np.argsort(key, kind="stable")
        ks, ms, iys, ixs = key[order], mono[order], iy[order].tolist(), ix[order].tolist()
        starts = np.flatnonzero(np.concatenate([[True], ks[1:] != ks[:-1]])).tolist()
        for s, e in zip(starts, starts[1:] + [len(ks)]):
            np.matmul(ms[s:e], self._table(iys[s], ixs[s]), out=out[s:e])
        res = np.empty_like(out)
        res[order] = out
        return res
