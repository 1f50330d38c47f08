"""The twin as SPOC calibrated full-frame images (SIMULATED), for TESScut/astrocut cutouts made offline.

:func:`write_twin_ffis` bins one twin sector's 2-minute pixels (sky included: the twin's background-subtracted
flux plus the background SPOC would have subtracted) into full-frame-image cadences of 1800, 600 or 200 s and
writes each as a small FFI in the layout of SPOC's ``*-s_ffic.fits``: a primary header (SECTOR, CAMERA, CCD,
TSTART/TSTOP in BTJD, DATE-OBS/DATE-END), extension 1 the calibrated image (e-/s) with a TAN-SIP WCS and the
keywords astrocut's ``CubeFactory`` reads (TSTART, TSTOP, BARYCORR, DQUALITY, CAMERA, CCD, WCSAXES, FFIINDEX),
extension 2 its uncertainty. The "full frame" is the twin's 13 × 11 stamp (small, so tests stay fast).
:func:`twin_cutout` makes the cube and the cutout with astrocut itself (the real format, not an imitation).
Every header says ``SIMDATA = T``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
from astropy.io import fits

from .fits import SIM_OBJECT
from .simulate import simulate_sector

__all__ = ["write_twin_ffis", "twin_cutout", "FFI_CADENCES_S"]

#: TESS full-frame-image cadences, s: prime mission, first extension, second extension.
FFI_CADENCES_S = (1800.0, 600.0, 200.0)
_BTJD0 = _dt.datetime(2014, 12, 8, 12, 0, 0)  # BTJD 0 = JD 2457000 (leap seconds ignored: headers only)


def _iso(btjd: float) -> str:
    return (_BTJD0 + _dt.timedelta(days=float(btjd))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _binned(sim, cadence_s: float) -> tuple[np.ndarray, ...]:
    """Frame centres (BTJD), mean sky-included images, their errors and quality, of full bins only."""
    dt = cadence_s / 86400.0
    good = sim.quality == 0
    time = sim.time[good]
    cube = (sim.flux + sim.flux_bkg)[good]
    err = sim.flux_err[good]
    bins = np.floor((time - sim.time[0]) / dt).astype(np.int64)
    ids, start, count = np.unique(bins, return_index=True, return_counts=True)
    full = count >= max(1, int(0.75 * cadence_s / 120.0))  # at least 3/4 of the frame's 2-minute cadences
    sums = np.add.reduceat(cube, start, axis=0)
    var = np.add.reduceat(np.square(err), start, axis=0)
    n = count[:, None, None].astype(float)
    return (sim.time[0] + (ids[full] + 0.5) * dt, (sums / n)[full], (np.sqrt(var) / n)[full])


def _wcs_header(sim) -> fits.Header:
    h = sim.wcs.to_header()
    h["WCSAXES"] = 2
    h["CTYPE1"], h["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"  # as SPOC's FFIs (distortion-free here)
    for key in ("A_ORDER", "B_ORDER", "AP_ORDER", "BP_ORDER"):
        h[key] = 2
    for key in ("A_2_0", "B_2_0", "AP_1_0", "BP_0_1"):
        h[key] = 0.0
    h["RADESYS"], h["EQUINOX"] = "ICRS", 2000.0
    return h


def write_twin_ffis(out_dir: str | Path, *, sector: int = 83, seed: int = 0, scenario: str = "planet",
                    cadence_s: float = 1800.0, time_range_btjd: tuple[float, float] | None = None,
                    max_frames: int | None = None) -> list[Path]:
    """Write a twin sector as small SPOC-format calibrated FFIs — SIMULATED data.

    Parameters
    ----------
    out_dir : str or Path
        Folder (made if absent).
    sector, seed, scenario
        As :func:`~toi5807.twin.simulate.simulate_sector`.
    cadence_s : float
        FFI cadence, s (1800, 600 or 200; at least 120). Each frame is the mean of the 2-minute cadences whose
        times fall in it (a 200-s frame holds one or two), stamped at the frame's centre.
    time_range_btjd : (float, float), optional
        Only frames whose centre is in this BTJD range.
    max_frames : int, optional
        At most this many frames (the first ones).

    Returns
    -------
    list of Path
        The files, in time order.
    """
    if not cadence_s >= 120.0:
        raise ValueError(f"cadence_s: expected an FFI cadence of at least 120 s (1800, 600, 200), got {cadence_s}")
    sim = simulate_sector(sector, seed=seed, scenario=scenario)
    times, images, errors = _binned(sim, float(cadence_s))
    keep = np.ones(times.size, dtype=bool)
    if time_range_btjd is not None:
        keep &= (times >= time_range_btjd[0]) & (times <= time_range_btjd[1])
    idx = np.flatnonzero(keep)[:max_frames]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wcs = _wcs_header(sim)
    half = cadence_s / 86400.0 / 2.0
    paths = []
    for i in idx:
        t0, t1 = float(times[i] - half), float(times[i] + half)
        keys = {"TSTART": t0, "TSTOP": t1, "DATE-OBS": _iso(t0), "DATE-END": _iso(t1), "CAMERA": sim.camera,
                "CCD": sim.ccd, "SECTOR": sim.sector, "BARYCORR": 0.0, "DQUALITY": 0, "FFIINDEX": int(i),
                "TELESCOP": "TESS", "INSTRUME": "TESS Photometer", "OBJECT": SIM_OBJECT, "SIMDATA": True,
                "SCENARIO": sim.scenario, "SIMSEED": sim.seed, "EXPOSURE": cadence_s * 0.8 / 86400.0,
                "TIMEDEL": cadence_s / 86400.0, "BJDREFI": 2457000, "BJDREFF": 0.0, "TIMEUNIT": "d"}
        primary = fits.PrimaryHDU()
        primary.header["ORIGIN"] = "toi5807 digital twin (SIMULATED)"
        for k in ("TELESCOP", "INSTRUME", "OBJECT", "SIMDATA", "SCENARIO", "SIMSEED", "SECTOR", "CAMERA", "CCD",
                  "TSTART", "TSTOP", "DATE-OBS", "DATE-END", "FFIINDEX"):
            primary.header[k] = keys[k]
        cal = fits.ImageHDU(images[i].astype(np.float32), name=f"CAMERA.CCD {sim.camera}.{sim.ccd} cal")
        unc = fits.ImageHDU(errors[i].astype(np.float32), name=f"CAMERA.CCD {sim.camera}.{sim.ccd} uncert")
        for hdu in (cal, unc):
            hdu.header.update(keys)
            hdu.header.update(wcs)
            hdu.header["BUNIT"] = "electrons/s"
        path = out / f"tess-twin-s{sim.sector:04d}-{sim.camera}-{sim.ccd}-{int(i):05d}-s_ffic.fits"
        fits.HDUList([primary, cal, unc]).writeto(path, overwrite=True)
        paths.append(path)
    return paths


def twin_cutout(ffis: list[Path], out_dir: str | Path, *, size: int | tuple[int, int] = 9,
                cube_file: str | Path | None = None) -> Path:
    """Cube the FFIs and cut a stamp around the twin's target with astrocut (TESScut's own code).

    Parameters
    ----------
    ffis : list of Path
        From :func:`write_twin_ffis`.
    out_dir : str or Path
        Where the cutout (``*_astrocut.fits``) is written.
    size : int or (int, int)
        Cutout side(s), pixels (rows, columns as astrocut takes them).
    cube_file : path, optional
        Where the cube goes (default: beside the FFIs); an existing cube is reused.

    Returns
    -------
    Path
        The cutout file.
    """
    from astrocut import CubeFactory, cube_cut
    from astropy.coordinates import SkyCoord

    from .. import target

    ffis = [Path(p) for p in ffis]
    with fits.open(ffis[0]) as first:
        sector, camera, ccd = (int(first[0].header[k]) for k in ("SECTOR", "CAMERA", "CCD"))
    cube = (Path(cube_file) if cube_file is not None
            else ffis[0].parent / f"tess-s{sector:04d}-{camera}-{ccd}-cube.fits")  # named as TESScut's cubes
    if not cube.is_file():
        CubeFactory().make_cube([str(p) for p in ffis], str(cube), sector=sector, verbose=False)
    coord = SkyCoord(target.RA_DEG, target.DEC_DEG, unit="deg")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return Path(cube_cut(str(cube), coord, size, output_path=str(out), verbose=False))
