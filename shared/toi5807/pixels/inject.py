"""An eclipsing point source injected into a real stamp: a known blend, in the very pixels being judged.

The source's image is the stamp's own out-of-transit image (its point-response function as this camera, CCD and
focus make it), displaced to the source's sky position through the stamp's WCS and normalised to unit flux. Its
eclipses are boxes at the epochs of the ephemeris given, scaled so that the *pipeline aperture* loses
``aperture_depth_ppm`` of its out-of-transit flux in eclipse — the depth a light curve would show. Everything else
in the stamp (noise, pointing wander, the target's own transits) is the real data's.

The displaced image includes the neighbours' light too, a small error for a target that dominates its stamp (a
few per cent of the template's flux on TOI-5807). The result is labelled: ``provenance["injected"]`` holds the
source's position and depth, and its ``repr`` says INJECTED.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..data.geometry import sky_jacobian, target_pixel
from ..data.model import TPFStamp
from ..data.validate import check_real
from ..lightcurve import coerce_transit_params, transit_window_masks
from .quality import DEFAULT_QUALITY_BITMASK

__all__ = ["inject_eclipsing_source"]


def _oot_image(stamp: TPFStamp, tp: Any) -> np.ndarray:
    """Median out-of-transit image of the good cadences (e-/s per pixel), far from the given ephemeris."""
    _, out = transit_window_masks(stamp.time, tp, k_in=1.0, k_buffer=1.0)
    good = out & ((stamp.quality & DEFAULT_QUALITY_BITMASK) == 0) & np.isfinite(stamp.flux).all(axis=(1, 2))
    if good.sum() < 10:
        raise ValueError(f"stamp: {int(good.sum())} usable out-of-transit cadences; at least 10 are needed "
                         "to build the source's image")
    return np.nanmedian(stamp.flux[good], axis=0)


def inject_eclipsing_source(stamp: TPFStamp, ephemeris: Any, *, east_arcsec: float, north_arcsec: float,
                            aperture_depth_ppm: float, target_ephemeris: Any = None) -> TPFStamp:
    """``stamp`` with an eclipsing point source added at (east, north) arcsec from its target.

    Parameters
    ----------
    stamp : TPFStamp
        Real pixels with a WCS and a pipeline aperture.
    ephemeris : Candidate, Ephemeris, TransitParams or mapping
        When the source eclipses: period (days), t0 (BTJD), duration (hours). Put it between the real transits
        (e.g. t0 shifted by half a period) to test the check where the data hold no transit.
    east_arcsec, north_arcsec : float
        The source's offset from the stamp's target on the sky (east = ΔRA·cos Dec), arcsec.
    aperture_depth_ppm : float
        Eclipse depth as the pipeline aperture sees it, ppm of the aperture's out-of-transit flux.
    target_ephemeris : optional
        The target's own transits, kept out of the image the source's template is made from.

    Returns
    -------
    TPFStamp
        Same cadences, flux minus the eclipses; ``provenance["injected"]`` says what was added.
    """
    if not isinstance(stamp, TPFStamp):
        raise TypeError(f"stamp: expected a TPFStamp, got {type(stamp).__name__}")
    if stamp.wcs is None or stamp.aperture_mask is None:
        raise ValueError("stamp: needs a WCS and a pipeline aperture to place and scale the source")
    east, north = check_real(east_arcsec, "east_arcsec"), check_real(north_arcsec, "north_arcsec")
    depth = check_real(aperture_depth_ppm, "aperture_depth_ppm", 0.0, 1e6, low_open=True) * 1e-6
    tp = coerce_transit_params(ephemeris, name="ephemeris")
    keep_out = coerce_transit_params(target_ephemeris, name="target_ephemeris") if target_ephemeris else tp
    image = _oot_image(stamp, keep_out)
    tx, ty = target_pixel(stamp)
    jac = sky_jacobian(stamp.wcs, tx, ty)  # arcsec per pixel, (east, north) per (column, row)
    dcol, drow = np.linalg.solve(jac, [east, north])
    from scipy.ndimage import shift as _shift

    template = _shift(np.nan_to_num(image, nan=0.0), (drow, dcol), order=3, mode="constant", cval=0.0)
    template = np.clip(template, 0.0, None)
    ap = stamp.aperture_mask
    in_ap = float(template[ap].sum())
    if not in_ap > 0:
        raise ValueError(f"east_arcsec, north_arcsec: ({east:.1f}, {north:.1f})″ puts none of the source's light "
                         "in the pipeline aperture; it cannot make an aperture dip")
    amplitude = depth * float(np.nansum(image[ap])) / in_ap  # source flux lost in eclipse, in units of the template
    dt = (stamp.time - tp.t0 + 0.5 * tp.period) % tp.period - 0.5 * tp.period
    box = (np.abs(dt) <= tp.duration / 48.0).astype(float)
    flux = stamp.flux - amplitude * box[:, None, None] * template[None]
    info = {"east_arcsec": east, "north_arcsec": north, "offset_pixels": [float(dcol), float(drow)],
            "aperture_depth_ppm": depth * 1e6, "period_days": tp.period, "t0_btjd": tp.t0,
            "duration_hours": tp.duration, "n_cadences_in_eclipse": int(box.sum())}
    return dataclasses.replace(stamp, flux=flux, provenance={**dict(stamp.provenance), "injected": info})
