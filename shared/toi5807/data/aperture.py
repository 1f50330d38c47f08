"""A light curve from the pixels: simple aperture photometry of a target pixel stamp.

For a sector that has a target pixel file but no pipeline light curve (e.g. the
real sector-83 TPF on its own), :func:`aperture_light_curve` sums the pipeline
aperture's pixels per cadence. It is *simple aperture photometry* (SAP) from the
TPF: no systematics correction (no PDC), no crowding or flux-fraction correction
(``CROWDSAP``/``FLFRCSAP``), not normalised. V08 works on the pixels and needs
only the ephemeris, so it runs on such a sector unchanged. The steps that need a
pipeline (PDCSAP) light curve are the transit depth and the planet radius: on the
real sector-83 pixels the pointing wander of a raw aperture sum swamps the
≈256 ppm transit, and nothing corrects the dilution by neighbours.
"""

from __future__ import annotations

import numpy as np

from .model import LightCurve, TPFStamp

__all__ = ["aperture_light_curve", "APERTURE_PHOTOMETRY_NOTE"]

#: What a light curve built here is, for summaries and provenance.
APERTURE_PHOTOMETRY_NOTE = ("simple aperture photometry from the target pixel file (sum of the pipeline aperture, "
                            "e-/s; no PDC systematics, crowding or flux-fraction correction): V08 runs on the pixels, "
                            "but the transit depth and planet radius need a pipeline (PDCSAP) light curve")


def aperture_light_curve(stamp: TPFStamp) -> LightCurve:
    """Sum of the pipeline-aperture pixels per cadence, with propagated errors.

    Parameters
    ----------
    stamp : TPFStamp
        Needs ``aperture_mask`` with at least one pixel. Flux e-/s, time BTJD.

    Returns
    -------
    LightCurve
        ``flux`` = Σ aperture pixels (e-/s; NaN when any aperture pixel is NaN), ``flux_err`` =
        √Σ FLUX_ERR² (NaN without ``flux_err``), the stamp's ``quality``, ``sector``, ``tic_id`` and
        provenance (plus ``photometry`` saying what this light curve is).

    Raises
    ------
    ValueError
        When the stamp has no aperture or an empty one.
    """
    if not isinstance(stamp, TPFStamp):
        raise TypeError(f"stamp: expected a TPFStamp, got {type(stamp).__name__}")
    mask = stamp.aperture_mask
    if mask is None or not mask.any():
        raise ValueError(f"sector {stamp.sector}: the target pixel file has "
                         f"{'no' if mask is None else 'an empty'} pipeline aperture; aperture photometry needs "
                         "one (APERTURE extension, bit 2)")
    flux = stamp.flux[:, mask].sum(axis=1)  # NaN propagates: a cadence with a missing aperture pixel is missing
    if stamp.flux_err is None:
        err = np.full(flux.shape, np.nan)
    else:
        err = np.sqrt(np.square(stamp.flux_err[:, mask]).sum(axis=1))
    provenance = dict(stamp.provenance)
    provenance["photometry"] = APERTURE_PHOTOMETRY_NOTE
    return LightCurve(time=stamp.time, flux=flux, flux_err=err, quality=stamp.quality, sector=stamp.sector,
                      provenance=provenance, tic_id=stamp.tic_id)
