"""In-memory stamps of a made-up star (not TOI-5807) with a known transit on the target, for the vetting tests."""

from __future__ import annotations

import numpy as np
from astropy.wcs import WCS
from toi5807.data.model import TPFStamp
from toi5807.lightcurve import TransitParams

#: The made-up star: TIC ID, ICRS degrees; a 3-day planet, T0 in BTJD, duration in hours.
TIC, RA, DEC = 123456789, 150.0, -30.0
PERIOD, T0, DURATION_H = 3.0, 3500.5, 3.0
TP = TransitParams(PERIOD, T0, DURATION_H)
SCALE_ARCSEC = 21.0


def make_wcs(ra: float = RA, dec: float = DEC, scale_arcsec: float = SCALE_ARCSEC, centre=(5.0, 5.0)) -> WCS:
    """A TAN WCS with ``ra, dec`` at pixel ``centre`` (0-based x, y), north up, east left."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [centre[0] + 1.0, centre[1] + 1.0]
    w.wcs.cdelt = [-scale_arcsec / 3600.0, scale_arcsec / 3600.0]
    return w


def make_stamp(*, seed: int = 0, depth: float = 0.01, shape=(11, 11), days: float = 24.0, cadence_min: float = 10.0,
               source_px=(5.0, 5.0), tic_id: int | None = TIC, ra: float | None = RA, dec: float | None = DEC,
               wcs: object = "default", sector: int = 61, flux_e_per_s: float = 2.0e4, period: float = PERIOD,
               t0: float = T0, duration_h: float = DURATION_H) -> TPFStamp:
    """A Gaussian star (σ = 0.9 px) at the stamp centre; the dip (fraction ``depth`` of the star) on ``source_px``.

    Noise: Gaussian, 1 % of the star's peak per frame and pixel... scaled to a photon-like level; seeded.
    """
    rng = np.random.default_rng(seed)
    n = int(days * 1440 / cadence_min)
    time = 3495.0 + np.arange(n) * cadence_min / 1440.0
    ny, nx = shape
    yy, xx = np.mgrid[0:ny, 0:nx]

    def psf(x0, y0):
        g = np.exp(-0.5 * ((xx - x0) ** 2 + (yy - y0) ** 2) / 0.9 ** 2)
        return g / g.sum()

    star = flux_e_per_s * psf(5.0, 5.0)
    src = flux_e_per_s * psf(*source_px)
    phase = ((time - t0 + 0.5 * period) % period) - 0.5 * period
    dip = (np.abs(phase) < duration_h / 48.0).astype(float) * depth
    err = np.sqrt(star + 50.0)
    flux = star[None] + 50.0 - dip[:, None, None] * src[None] + rng.normal(size=(n, ny, nx)) * err[None]
    w = make_wcs(ra if ra is not None else RA, dec if dec is not None else DEC) if wcs == "default" else wcs
    return TPFStamp(time=time, flux=flux, flux_err=np.broadcast_to(err, flux.shape).copy(),
                    quality=np.zeros(n, dtype=int), wcs=w, aperture_mask=star > 0.02 * star.max(),
                    column=100, row=200, sector=sector, tic_id=tic_id, ra_deg=ra, dec_deg=dec)
