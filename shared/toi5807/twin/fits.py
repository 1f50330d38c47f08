"""Write the digital twin as SPOC-style FITS files (SIMULATED data, clearly marked).

For each sector :func:`write_twin_fits` writes one target-pixel file
(``*_tp.fits``) and one light-curve file (``*_lc.fits``) that lightkurve reads
as ``TessTargetPixelFile`` / ``TessLightCurve`` and that come back through
:func:`toi5807.data.readers.read_tpf_fits` / :func:`toi5807.data.readers.read_lc_fits`.
Both are written directly with ``astropy.io.fits`` in the SPOC layout (column
order, ``BJDREFI``, per-column WCS keywords, aperture bit mask), which is much
faster than lightkurve's ``TargetPixelFileFactory`` for ~20 000 cadences.
Every header says ``OBJECT = 'TOI-5807 digital twin (SIMULATED)'`` and
``SIMDATA = T`` and records ``SCENARIO`` and ``SIMSEED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from astropy.io import fits

from .. import target
from .geometry import wcs_keywords
from .simulate import SimulatedSector, simulate_sector
from .spec import GENERATOR_VERSION, _sector_spec, spec_hash

__all__ = ["write_twin_fits", "twin_file_names", "SIM_OBJECT"]

SIM_OBJECT = "TOI-5807 digital twin (SIMULATED)"
#: TESS magnitude zero point: 15 000 e-/s at T = 10 (Vanderspek et al. 2018, TESS Instrument Handbook).
_TMAG_ZERO, _FLUX_ZERO = 10.0, 15000.0
#: Fixed DATE keyword so the files are byte-for-byte reproducible.
_DATE = "2026-01-01"
#: Aperture-extension bits (SPOC): 1 collected, 2 optimal (pipeline) aperture, 4 background.
_AP_COLLECTED, _AP_PIPELINE, _AP_BACKGROUND = 1, 2, 4


def twin_file_names(sector: int) -> dict[str, str]:
    """File names of one sector's twin files: ``{"tpf": "..._tp.fits", "lc": "..._lc.fits"}``."""
    stem = f"toi5807-twin-s{int(sector):04d}-{target.TIC_ID:016d}"
    return {"tpf": f"{stem}_tp.fits", "lc": f"{stem}_lc.fits"}


def _primary(sim: SimulatedSector, creator: str) -> fits.PrimaryHDU:
    h = fits.Header()
    h["ORIGIN"] = ("toi5807 digital twin", "SIMULATED data")
    h["DATE"] = (_DATE, "fixed for reproducible output")
    h["CREATOR"] = (creator, "SPOC-like layout")
    h["TELESCOP"] = "TESS"
    h["INSTRUME"] = "TESS Photometer"
    h["OBJECT"] = SIM_OBJECT
    h["SIMDATA"] = (True, "this file holds SIMULATED data")
    h["SCENARIO"] = (sim.scenario, "twin scenario")
    h["SIMSEED"] = (sim.seed, "seed of the simulated noise")
    h["SIMVER"] = (GENERATOR_VERSION, "toi5807 twin generator version")
    h["SPECHASH"] = (spec_hash()[:16], "twin spec + generator hash (prefix)")
    h["TICID"] = (target.TIC_ID, "unique TESS target identifier")
    h["TARGETID"] = target.TIC_ID
    h["SECTOR"] = (sim.sector, "observing sector")
    h["CAMERA"] = (sim.camera, "camera number (tess-point geometry)")
    h["CCD"] = (sim.ccd, "CCD chip number (tess-point geometry)")
    h["RA_OBJ"] = (target.RA_DEG, "[deg] right ascension")
    h["DEC_OBJ"] = (target.DEC_DEG, "[deg] declination")
    h["TESSMAG"] = (round(_TMAG_ZERO - 2.5 * float(np.log10(sim.target_flux / _FLUX_ZERO)), 3),
                    "[mag] TESS magnitude (from the simulated flux)")
    h["TEFF"] = (target.STELLAR_TEFF_K, "[K] effective temperature")
    h["LOGG"] = (target.STELLAR_LOGG_CGS, "[cm/s2] log10 surface gravity")
    h["RADIUS"] = (target.STELLAR_RADIUS_RSUN, "[solar radii] stellar radius")
    h["EQUINOX"] = 2000.0
    h["RADESYS"] = "ICRS"
    h["TSTART"] = float(sim.time[0])
    h["TSTOP"] = float(sim.time[-1])
    return fits.PrimaryHDU(header=h)


def _time_keywords(h: fits.Header, sim: SimulatedSector) -> None:
    h["CROWDSAP"] = (round(sim.crowdsap, 6), "ratio of target flux to total flux in op. ap.")
    h["FLFRCSAP"] = (round(sim.flfrcsap, 6), "frac. of target flux w/in the op. aperture")
    h["TIMEREF"] = "SOLARSYSTEM"
    h["TASSIGN"] = "SPACECRAFT"
    h["TIMESYS"] = "TDB"
    h["BJDREFI"] = (2457000, "integer part of BTJD reference date")
    h["BJDREFF"] = (0.0, "fraction of the day in BTJD reference date")
    h["TIMEUNIT"] = "d"
    h["TSTART"] = float(sim.time[0])
    h["TSTOP"] = float(sim.time[-1])
    h["TELAPSE"] = float(sim.time[-1] - sim.time[0])
    h["EXPOSURE"] = (float(sim.time.size * 95.04 / 86400.0), "[d] time on source")
    h["TIMEDEL"] = 120.0 / 86400.0
    h["OBJECT"] = SIM_OBJECT
    h["SIMDATA"] = True
    h["SCENARIO"] = sim.scenario
    h["SIMSEED"] = sim.seed


def _aperture_hdu(sim: SimulatedSector) -> fits.ImageHDU:
    ap = np.full(sim.aperture_mask.shape, _AP_COLLECTED, dtype=np.int32)
    ap[sim.aperture_mask] |= _AP_PIPELINE
    ap[sim.background_mask] |= _AP_BACKGROUND
    hdu = fits.ImageHDU(ap, name="APERTURE")
    kw = wcs_keywords(_sector_spec(sim.sector)["geometry"], sim.target_col, sim.target_row, columns=(5,))
    for key, new in (("1CTYP5", "CTYPE1"), ("2CTYP5", "CTYPE2"), ("1CRPX5", "CRPIX1"), ("2CRPX5", "CRPIX2"),
                     ("1CRVL5", "CRVAL1"), ("2CRVL5", "CRVAL2"), ("1CDLT5", "CDELT1"), ("2CDLT5", "CDELT2"),
                     ("11PC5", "PC1_1"), ("12PC5", "PC1_2"), ("21PC5", "PC2_1"), ("22PC5", "PC2_2")):
        hdu.header[new] = kw[key]
    hdu.header["CRVAL1P"] = sim.ccd_column
    hdu.header["CRVAL2P"] = sim.ccd_row
    hdu.header["OBJECT"] = SIM_OBJECT
    hdu.header["SIMDATA"] = True
    hdu.header["SCENARIO"] = sim.scenario
    hdu.header["SIMSEED"] = sim.seed
    return hdu


def _tpf_hdulist(sim: SimulatedSector) -> fits.HDUList:
    n = sim.time.size
    shape = sim.flux.shape[1:]
    npix = shape[0] * shape[1]
    dim = f"({shape[1]},{shape[0]})"
    gain = 5.2
    raw = np.round((sim.flux + sim.flux_bkg) * 2.0 * 0.99 / gain).astype(np.int32)  # ADU per 2-s frame (indicative)
    bkg_err = np.broadcast_to(np.sqrt(np.clip(sim.flux_bkg, 0, None) / 95.04), sim.flux.shape)
    cols = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=sim.time),
        fits.Column("TIMECORR", "E", unit="d", array=np.zeros(n, dtype=np.float32)),
        fits.Column("CADENCENO", "J", array=sim.cadenceno),
        fits.Column("RAW_CNTS", f"{npix}J", unit="count", dim=dim, array=raw),
        fits.Column("FLUX", f"{npix}E", unit="e-/s", dim=dim, array=sim.flux.astype(np.float32)),
        fits.Column("FLUX_ERR", f"{npix}E", unit="e-/s", dim=dim, array=sim.flux_err.astype(np.float32)),
        fits.Column("FLUX_BKG", f"{npix}E", unit="e-/s", dim=dim, array=sim.flux_bkg.astype(np.float32)),
        fits.Column("FLUX_BKG_ERR", f"{npix}E", unit="e-/s", dim=dim, array=bkg_err.astype(np.float32)),
        fits.Column("QUALITY", "J", array=sim.quality),
        fits.Column("POS_CORR1", "E", unit="pixel", array=sim.pos_corr1.astype(np.float32)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=sim.pos_corr2.astype(np.float32)),
    ]
    tab = fits.BinTableHDU.from_columns(cols, name="PIXELS")
    h = tab.header
    _time_keywords(h, sim)
    for c in (4, 5, 6, 7, 8):
        h[f"1CRV{c}P"] = (sim.ccd_column, "CCD column of stamp origin")
        h[f"2CRV{c}P"] = (sim.ccd_row, "CCD row of stamp origin")
    for key, value in wcs_keywords(_sector_spec(sim.sector)["geometry"], sim.target_col, sim.target_row).items():
        h[key] = value
    return fits.HDUList([_primary(sim, "TargetPixelExporterPipelineModule"), tab, _aperture_hdu(sim)])


def _lc_hdulist(sim: SimulatedSector) -> fits.HDUList:
    n = sim.time.size
    ap = sim.aperture_mask
    w = np.clip(sim.flux[:, ap], 0, None)
    rr, cc = np.nonzero(ap)
    wsum = w.sum(axis=1)
    mom_col = (w @ cc) / wsum + sim.ccd_column
    mom_row = (w @ rr) / wsum + sim.ccd_row
    nan = np.full(n, np.nan, dtype=np.float32)
    f32 = np.float32
    cols = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=sim.time),
        fits.Column("TIMECORR", "E", unit="d", array=np.zeros(n, dtype=f32)),
        fits.Column("CADENCENO", "J", array=sim.cadenceno),
        fits.Column("SAP_FLUX", "E", unit="e-/s", array=sim.sap_flux.astype(f32)),
        fits.Column("SAP_FLUX_ERR", "E", unit="e-/s", array=sim.sap_flux_err.astype(f32)),
        fits.Column("SAP_BKG", "E", unit="e-/s", array=sim.sap_bkg.astype(f32)),
        fits.Column("SAP_BKG_ERR", "E", unit="e-/s", array=np.sqrt(np.abs(sim.sap_bkg) / 95.04).astype(f32)),
        fits.Column("PDCSAP_FLUX", "E", unit="e-/s", array=sim.pdcsap_flux.astype(f32)),
        fits.Column("PDCSAP_FLUX_ERR", "E", unit="e-/s", array=sim.pdcsap_flux_err.astype(f32)),
        fits.Column("QUALITY", "J", array=sim.quality),
        fits.Column("PSF_CENTR1", "D", unit="pixel", array=nan.astype(np.float64)),
        fits.Column("PSF_CENTR1_ERR", "E", unit="pixel", array=nan),
        fits.Column("PSF_CENTR2", "D", unit="pixel", array=nan.astype(np.float64)),
        fits.Column("PSF_CENTR2_ERR", "E", unit="pixel", array=nan),
        fits.Column("MOM_CENTR1", "D", unit="pixel", array=mom_col),
        fits.Column("MOM_CENTR1_ERR", "E", unit="pixel", array=np.full(n, 1e-4, dtype=f32)),
        fits.Column("MOM_CENTR2", "D", unit="pixel", array=mom_row),
        fits.Column("MOM_CENTR2_ERR", "E", unit="pixel", array=np.full(n, 1e-4, dtype=f32)),
        fits.Column("POS_CORR1", "E", unit="pixel", array=sim.pos_corr1.astype(f32)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=sim.pos_corr2.astype(f32)),
    ]
    tab = fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")
    _time_keywords(tab.header, sim)
    tab.header["PDCMETHD"] = ("twin-pointing-regression", "SIMULATED cotrending")
    return fits.HDUList([_primary(sim, "LightCurveExporterPipelineModule"), tab, _aperture_hdu(sim)])


def write_twin_fits(out_dir: str | Path, *, seed: int = 0, scenario: str = "planet",
                    sectors: Iterable[int] = target.SECTORS) -> dict[int, dict[str, str]]:
    """Simulate the twin and write SPOC-style FITS files — SIMULATED data, not real TESS files.

    Parameters
    ----------
    out_dir : str or Path
        Existing or new directory; files are written (overwritten) there.
    seed : int
        Noise seed (see :func:`toi5807.twin.simulate.simulate_sector`).
    scenario : {"planet", "background_eb", "no_transit"}
    sectors : iterable of int
        Sectors to write (default: all four).

    Returns
    -------
    dict
        ``{sector: {"tpf": "<name>_tp.fits", "lc": "<name>_lc.fits"}}`` (names relative to ``out_dir``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names: dict[int, dict[str, str]] = {}
    for sector in sectors:
        sim = simulate_sector(sector, seed=seed, scenario=scenario)
        fn = twin_file_names(sim.sector)
        _tpf_hdulist(sim).writeto(out / fn["tpf"], overwrite=True)
        _lc_hdulist(sim).writeto(out / fn["lc"], overwrite=True)
        names[sim.sector] = fn
    return names
