"""Full-frame-image cutouts (TESScut / astrocut): read as a target-pixel stamp, with an aperture and a background.

A cutout of the calibrated full-frame images (``*astrocut*.fits``, made by MAST's TESScut service or by the
``astrocut`` package; lightkurve's ``search_tesscut`` downloads them) has the layout of a target pixel file but
neither of two things the pixel checks rely on:

* **no background subtraction** — SPOC subtracts the sky from 2-minute and 20-second target pixel files, not
  from the full-frame images. :func:`estimate_background` takes, per cadence, the median of the stamp's *faint
  pixels* — those whose median over time is at or below the 30th percentile of all pixels' medians (at least
  :data:`MIN_BACKGROUND_PIXELS`) — and it is subtracted from every pixel. A star's wings in the faint pixels
  make the level slightly high (as SPOC's own estimate is); a stamp of fewer than
  :data:`MIN_BACKGROUND_PIXELS` pixels is not background-subtracted, and says so.
* **no pipeline aperture** — the ``APERTURE`` extension only says which pixels hold data.
  :func:`threshold_aperture` builds one on the background-subtracted median image: the pixels connected
  (4-neighbour) to the target's pixel that are brighter than the larger of 3× the faint pixels' robust scatter
  and 10 % of the target pixel's flux. When the target pixel itself is not above it, the aperture is that one
  pixel.

What was done is recorded in the stamp's ``provenance`` (``cutout``, ``aperture_rule``, ``background_rule``,
``background_e_per_s``) and in the dataset's ``summary()`` (``cutout_sectors``, ``cutout_note``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .model import TPFStamp
from .readers import read_tpf_fits

__all__ = ["read_cutout_fits", "prepare_cutout", "estimate_background", "threshold_aperture", "is_cutout_name",
           "CUTOUT_NOTE", "APERTURE_RULE", "BACKGROUND_RULE", "MIN_BACKGROUND_PIXELS"]

#: Fewest faint pixels a per-cadence background level is taken from.
MIN_BACKGROUND_PIXELS = 4
#: Percentile of the pixels' median fluxes at or below which a pixel counts as faint (background).
FAINT_PERCENTILE = 30.0
APERTURE_RULE = ("threshold aperture: pixels 4-connected to the target's pixel, brighter in the background-"
                 "subtracted median image than max(3 × robust scatter of the faint pixels, 10 % of the target "
                 "pixel); the target pixel alone when it is not")
BACKGROUND_RULE = (f"per-cadence median of the faint pixels (median flux at or below the {FAINT_PERCENTILE:.0f}th "
                   f"percentile of the stamp, at least {MIN_BACKGROUND_PIXELS}), subtracted from every pixel")
CUTOUT_NOTE = ("full-frame-image cutout (TESScut/astrocut): no pipeline aperture and no background subtraction; "
               f"aperture — {APERTURE_RULE}; background — {BACKGROUND_RULE}")


def is_cutout_name(name: str) -> bool:
    """True for a TESScut/astrocut cutout file name (``*astrocut*.fits``, optionally ``.gz``)."""
    low = name.lower()
    return "astrocut" in low and low.removesuffix(".gz").endswith(".fits")


def _faint_pixels(median_image: np.ndarray) -> np.ndarray:
    """Boolean mask of the faint pixels of a median image (see the module docstring); empty when too few."""
    finite = np.isfinite(median_image)
    if np.count_nonzero(finite) < MIN_BACKGROUND_PIXELS:
        return np.zeros(median_image.shape, dtype=bool)
    cut = np.percentile(median_image[finite], FAINT_PERCENTILE)
    faint = finite & (median_image <= cut)
    if np.count_nonzero(faint) < MIN_BACKGROUND_PIXELS:  # ties or tiny stamps: the faintest few
        order = np.argsort(np.where(finite, median_image, np.inf), axis=None)[:MIN_BACKGROUND_PIXELS]
        faint = np.zeros(median_image.size, dtype=bool)
        faint[order] = True
        faint = faint.reshape(median_image.shape)
    return faint


def estimate_background(flux: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cadence background level of a cube that was not background-subtracted.

    Parameters
    ----------
    flux : ndarray (n_time, n_rows, n_cols)
        Calibrated pixel flux, e-/s, sky included.

    Returns
    -------
    level : ndarray (n_time,)
        Background per pixel, e-/s (NaN for every cadence when the stamp has fewer than
        :data:`MIN_BACKGROUND_PIXELS` usable pixels, or where a cadence's faint pixels are all NaN).
    faint : ndarray of bool (n_rows, n_cols)
        The pixels it was measured on.
    """
    with np.errstate(all="ignore"), _quiet():
        median_image = np.nanmedian(flux, axis=0)
        faint = _faint_pixels(median_image)
        if not faint.any():
            return np.full(flux.shape[0], np.nan), faint
        return np.nanmedian(flux[:, faint], axis=1), faint


def threshold_aperture(image: np.ndarray, faint: np.ndarray, target_rc: tuple[int, int]) -> np.ndarray:
    """The threshold aperture of a background-subtracted median image (rule: :data:`APERTURE_RULE`).

    Parameters
    ----------
    image : ndarray (n_rows, n_cols)
        Background-subtracted median image, e-/s.
    faint : ndarray of bool
        The background pixels (their scatter sets the noise floor); may be empty.
    target_rc : (int, int)
        The target's pixel (row, column), clipped into the stamp.

    Returns
    -------
    ndarray of bool (n_rows, n_cols), at least the target's pixel.
    """
    from scipy import ndimage

    r = int(np.clip(target_rc[0], 0, image.shape[0] - 1))
    c = int(np.clip(target_rc[1], 0, image.shape[1] - 1))
    vals = image[faint & np.isfinite(image)]
    scatter = 1.4826 * float(np.median(np.abs(vals - np.median(vals)))) if vals.size >= 2 else 0.0
    peak = float(image[r, c]) if np.isfinite(image[r, c]) else 0.0
    threshold = max(3.0 * scatter, 0.1 * peak)
    above = np.isfinite(image) & (image > threshold)
    only = np.zeros(image.shape, dtype=bool)
    only[r, c] = True
    if not above[r, c]:
        return only
    labels, _ = ndimage.label(above)
    return labels == labels[r, c]


def _target_pixel(stamp: TPFStamp) -> tuple[int, int]:
    """(row, column) of the target in the stamp: the WCS position of RA_OBJ/DEC_OBJ, else the stamp centre."""
    n_rows, n_cols = stamp.flux.shape[1:]
    if stamp.wcs is not None and stamp.ra_deg is not None and stamp.dec_deg is not None:
        try:
            col, row = stamp.wcs.world_to_pixel_values(stamp.ra_deg, stamp.dec_deg)
            if np.isfinite(col) and np.isfinite(row):
                return int(np.round(row)), int(np.round(col))
        except Exception:  # noqa: BLE001 - an odd WCS: fall back to the centre
            pass
    return (n_rows - 1) // 2, (n_cols - 1) // 2


def prepare_cutout(stamp: TPFStamp) -> TPFStamp:
    """Background-subtract a cutout stamp and give it a threshold aperture (see the module docstring).

    Parameters
    ----------
    stamp : TPFStamp
        As read from a TESScut/astrocut file (sky included, no pipeline aperture).

    Returns
    -------
    TPFStamp
        ``flux`` minus the per-cadence background, ``aperture_mask`` the threshold aperture, ``provenance``
        with ``cutout: True``, the two rules, the median background (e-/s per pixel) and ``cadence_s``.
    """
    level, faint = estimate_background(stamp.flux)
    subtracted = bool(np.isfinite(level).any())
    flux = stamp.flux - np.nan_to_num(level, nan=0.0)[:, None, None] if subtracted else stamp.flux
    with np.errstate(all="ignore"), _quiet():
        image = np.nanmedian(flux, axis=0)
    aperture = threshold_aperture(image, faint, _target_pixel(stamp))
    dt = np.diff(stamp.time)
    provenance = dict(stamp.provenance)
    provenance.update(
        cutout=True, aperture_rule=APERTURE_RULE, aperture_pixels=int(aperture.sum()),
        background_rule=BACKGROUND_RULE if subtracted else
        f"not subtracted: fewer than {MIN_BACKGROUND_PIXELS} usable pixels in the stamp",
        background_e_per_s=float(np.nanmedian(level)) if subtracted else None,
        cadence_s=float(np.round(np.median(dt) * 86400.0, 1)) if dt.size else None)
    return dataclasses.replace(stamp, flux=flux, aperture_mask=aperture, provenance=provenance)


def read_cutout_fits(path: str | Path) -> TPFStamp:
    """Read a TESScut/astrocut full-frame-image cutout (``*astrocut*.fits[.gz]``) as a prepared stamp.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    TPFStamp
        :func:`prepare_cutout` applied to the file as read by :func:`~toi5807.data.readers.read_tpf_fits`
        (every failure a ``ValueError`` naming the file).
    """
    return prepare_cutout(read_tpf_fits(path))


class _quiet:
    """Silence numpy's "All-NaN slice" warnings of a stamp with empty pixels (context manager)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)
