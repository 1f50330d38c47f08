"""Test files that look like real SPOC products: target pixel files (``*_tp.fits``) and light curves (``*_lc.fits``).

Plain functions, no pytest fixtures; any test, in any tests/ sub-folder, imports them as
``from spoc_files import write_spoc_tpf`` (pytest's default "prepend" import mode puts ``tests/`` on
``sys.path`` when it loads ``tests/conftest.py``, as for ``tests/plots/plot_inputs.py``). Every file is written with astropy in the layout
SPOC uses, so ``lightkurve.read`` opens it as a ``TessTargetPixelFile`` / ``TessLightCurve`` and
``toi5807.load_dataset("local", path=folder)`` reads a folder of them:

* primary header: ``TICID``, ``SECTOR``, ``CAMERA``, ``CCD``, ``RA_OBJ``, ``DEC_OBJ``, ``TESSMAG``, ``OBJECT``,
  ``TELESCOP='TESS'``, ``ORIGIN='NASA/Ames'``, ``CREATOR`` (…``TargetPixelExporterPipelineModule`` /
  …``LightCurveExporterPipelineModule``), ``TSTART``/``TSTOP`` …; a COMMENT says the file is synthetic;
* TPF ``PIXELS`` table: TIME, TIMECORR, CADENCENO, RAW_CNTS, FLUX, FLUX_ERR, FLUX_BKG, FLUX_BKG_ERR, QUALITY,
  POS_CORR1, POS_CORR2 (image columns with ``TDIM = '(n_cols,n_rows)'``), the celestial WCS of every image
  column in SPOC's table-column keys (``1CTYP5``/``2CTYP5`` 'RA---TAN'/'DEC--TAN', ``1CRVL5``, ``2CRVL5``,
  ``1CRPX5``, ``2CRPX5``, ``1CDLT5``, ``2CDLT5``, ``11PC5`` … ``22PC5``) and the physical stamp origin
  (``1CRV5P``/``2CRV5P``, CCD column/row of the stamp's pixel (0, 0));
* light-curve ``LIGHTCURVE`` table: TIME, TIMECORR, CADENCENO, SAP_FLUX(_ERR), SAP_BKG(_ERR),
  PDCSAP_FLUX(_ERR), QUALITY, PSF_CENTR*, MOM_CENTR*, POS_CORR*;
* an ``APERTURE`` image (bit 1 collected, bit 2 optimal aperture, bit 4 background, bit 8 centroid pixels);
* cadences SPOC could not time: every ``nan_time_every``-th cadence has TIME = NaN, NaN fluxes,
  RAW_CNTS = −1 and QUALITY 8 or 136 (Earth point, + manual exclude), alternately.

The scene: the target, a pixel-integrated Gaussian-core PRF (:func:`toi5807.pixels.prf.render_cube`) at the
WCS position of ``RA_OBJ``/``DEC_OBJ`` (the WCS reference pixel), plus fainter neighbours, pointing jitter,
photon + read noise and an optional box-shaped transit of the target. The same keywords and seed give the same
scene, so a TPF and a light curve written with them match cadence for cadence.

File names as SPOC's: ``tess{date}-s{sector:04d}-{tic:016d}-{scver:04d}-s_tp.fits`` / ``..._lc.fits``.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from toi5807.pixels.prf import PRFParams, render_cube

__all__ = ["SpocFile", "spoc_file_name", "sector_start_btjd", "write_spoc_tpf", "write_spoc_lc",
           "write_spoc_sector", "NEIGHBOURS", "PRF"]

#: Default neighbours: (Δcolumn, Δrow) from the target in pixels and flux as a fraction of the target's.
NEIGHBOURS: tuple[tuple[float, float, float], ...] = ((3.2, -2.6, 0.15), (-3.4, 3.1, 0.05))
#: The PRF of every star (core ≈ 0.9 pixel, a 15 % wing).
PRF = PRFParams(sigma_core_col=0.85, sigma_core_row=0.95, sigma_wing=1.8, wing_fraction=0.15)
_PIXEL_DEG = 21.0 / 3600.0  # TESS pixel, degrees
_EXPOSURE_S = 120.0 * 0.8 * 0.99  # effective exposure of a 2-min cadence, s
_READ_NOISE = 0.8  # e-/s per pixel per 2-min cadence: ≈ 10 e- per 2-s frame, 60 frames, 95 s exposure
_BTJD0 = _dt.datetime(2014, 12, 8, 12, 0, 0)  # BTJD 0 = JD 2457000 (TDB; leap seconds ignored)
_NAN_QUALITY = (8, 136)  # SPOC quality of cadences without a time: Earth point, and + manual exclude


@dataclass(frozen=True)
class SpocFile:
    """A written file and its truth. ``os.fspath(f)`` is its path, so ``lightkurve.read(f)`` works.

    Attributes
    ----------
    path : Path
    n_cadences : int
        Rows of the table, including those without a time.
    n_nan_time : int
        Rows with TIME = NaN (``n_cadences // nan_time_every``).
    target_col, target_row : float
        The target's pixel in the stamp (0-based pixel centres) = the WCS reference pixel − 1.
    """

    path: Path
    n_cadences: int
    n_nan_time: int
    target_col: float
    target_row: float

    def __fspath__(self) -> str:
        return str(self.path)


def sector_start_btjd(sector: int) -> float:
    """A plausible start of ``sector``, BTJD days (sector 1 began at BTJD ≈ 1325.3; sectors last ≈ 27.4 days)."""
    return 1325.3 + 27.4 * (int(sector) - 1)


def spoc_file_name(kind: str, sector: int, tic_id: int, t_start_btjd: float | None = None, scver: int = 280) -> str:
    """SPOC's file name: ``tess{YYYYDDDHHMMSS}-s{sector:04d}-{tic:016d}-{scver:04d}-s_{tp|lc}.fits``."""
    if kind not in ("tp", "lc"):
        raise ValueError(f"kind: expected 'tp' or 'lc', got {kind!r}")
    start = sector_start_btjd(sector) if t_start_btjd is None else float(t_start_btjd)
    date = (_BTJD0 + _dt.timedelta(days=start)).strftime("%Y%j%H%M%S")
    return f"tess{date}-s{int(sector):04d}-{int(tic_id):016d}-{int(scver):04d}-s_{kind}.fits"


def _scene(*, sector: int, n_cadences: int, shape: tuple[int, int], nan_time_every: int | None,
           transit: tuple[float, float, float, float] | None, seed: int, star_flux: float,
           neighbours: tuple[tuple[float, float, float], ...], jitter_pixels: float, background: float,
           cadence_minutes: float, t_start_btjd: float | None) -> dict[str, Any]:
    """The simulated sector: times, quality, pixel cube (e-/s, background-subtracted) and its truth."""
    rng = np.random.default_rng(seed)
    n, (nr, nc) = int(n_cadences), (int(shape[0]), int(shape[1]))
    cad = cadence_minutes / 1440.0
    start = sector_start_btjd(sector) if t_start_btjd is None else float(t_start_btjd)
    time = start + (np.arange(n) + 0.5) * cad
    quality = np.zeros(n, dtype=np.int32)
    untimed = np.zeros(n, dtype=bool)
    if nan_time_every:
        idx = np.arange(int(nan_time_every) - 1, n, int(nan_time_every))
        untimed[idx] = True
        quality[idx] = np.where(np.arange(idx.size) % 2 == 0, *_NAN_QUALITY)
    tcol, trow = (nc - 1) / 2.0 + 0.3, (nr - 1) / 2.0 - 0.2  # the target, off the pixel centre
    drift = np.linspace(-0.01, 0.01, n)
    dcol = jitter_pixels * rng.standard_normal(n) + drift
    drow = jitter_pixels * rng.standard_normal(n) - drift
    src = np.array([(0.0, 0.0, 1.0), *neighbours], dtype=np.float64).reshape(-1, 3)
    cols = tcol + src[None, :, 0] + dcol[:, None]
    rows = trow + src[None, :, 1] + drow[:, None]
    fluxes = np.broadcast_to(star_flux * src[:, 2], (n, src.shape[0])).copy()
    in_transit = np.zeros(n, dtype=bool)
    if transit is not None:
        period, t0, dur_h, depth_ppm = (float(v) for v in transit)
        dt = np.abs(np.mod(time - t0 + 0.5 * period, period) - 0.5 * period)
        in_transit = dt < dur_h / 48.0
        fluxes[in_transit, 0] *= 1.0 - depth_ppm * 1e-6
    model = render_cube(cols, rows, fluxes, PRF, shape=(nr, nc))
    star_only = render_cube(np.array([[tcol]]), np.array([[trow]]), np.array([[star_flux]]), PRF, shape=(nr, nc))[0]
    bkg = background * (1.0 + 0.05 * np.sin(2 * np.pi * (time - start) / 13.7))[:, None, None] * np.ones((1, nr, nc))
    sigma = np.sqrt(np.clip(model + bkg, 0.0, None) / _EXPOSURE_S + _READ_NOISE**2)
    flux = model + sigma * rng.standard_normal(model.shape)
    aperture = star_only >= 0.04 * star_only.max()
    return dict(time=time, untimed=untimed, quality=quality, flux=flux, flux_err=sigma, bkg=bkg, dcol=dcol,
                drow=drow, model=model, star_only=star_only, aperture=aperture, tcol=tcol, trow=trow,
                in_transit=in_transit, start=start, cad=cad)


def _primary(kind: str, *, tic_id: int, ra_deg: float, dec_deg: float, sector: int, camera: int, ccd: int,
             star_flux: float, sc: dict[str, Any]) -> fits.PrimaryHDU:
    h = fits.Header()
    module = "TargetPixelExporterPipelineModule" if kind == "tp" else "LightCurveExporterPipelineModule"
    t = sc["time"][~sc["untimed"]]
    for key, value in (("ORIGIN", "NASA/Ames"), ("DATE", "2024-01-01"), ("CREATOR", f"1234 {module}"),
                       ("PROCVER", "spoc-5.0.99-20240101"), ("FILEVER", "1.0"), ("TIMVERSN", "OGIP/93-003"),
                       ("TELESCOP", "TESS"), ("INSTRUME", "TESS Photometer"), ("DATA_REL", 99),
                       ("OBJECT", f"TIC {int(tic_id)}"), ("TICID", int(tic_id)), ("SECTOR", int(sector)),
                       ("CAMERA", int(camera)), ("CCD", int(ccd)), ("PXTABLE", 250), ("RADESYS", "ICRS"),
                       ("RA_OBJ", float(ra_deg)), ("DEC_OBJ", float(dec_deg)), ("EQUINOX", 2000.0),
                       ("PMRA", 0.0), ("PMDEC", 0.0), ("PMTOTAL", 0.0),
                       ("TESSMAG", round(10.0 - 2.5 * float(np.log10(star_flux / 15000.0)), 3)),
                       ("TEFF", 5800.0), ("LOGG", 4.4), ("MH", 0.0), ("RADIUS", 1.0), ("TICVER", 8),
                       ("TSTART", float(t[0] - 0.5 * sc["cad"])), ("TSTOP", float(t[-1] + 0.5 * sc["cad"]))):
        h[key] = value
    h["COMMENT"] = "Synthetic test file (tests/spoc_files.py) in the SPOC layout; not TESS data."
    return fits.PrimaryHDU(header=h)


def _table_keywords(h: fits.Header, sc: dict[str, Any]) -> None:
    t = sc["time"][~sc["untimed"]]
    for key, value in (("TIMEREF", "SOLARSYSTEM"), ("TASSIGN", "SPACECRAFT"), ("TIMESYS", "TDB"),
                       ("BJDREFI", 2457000), ("BJDREFF", 0.0), ("TIMEUNIT", "d"), ("TELAPSE", float(t[-1] - t[0])),
                       ("TSTART", float(t[0] - 0.5 * sc["cad"])), ("TSTOP", float(t[-1] + 0.5 * sc["cad"])),
                       ("TIMEPIXR", 0.5), ("TIERRELA", 1.16e-05), ("INT_TIME", 1.98), ("NUM_FRM", 60),
                       ("TIMEDEL", sc["cad"]), ("DEADC", 0.792), ("BACKAPP", True), ("GAINA", 5.2),
                       ("NPIXSAP", int(sc["aperture"].sum())), ("CROWDSAP", round(sc["crowd"], 4)),
                       ("FLFRCSAP", round(sc["flfrc"], 4))):
        h[key] = value


def _wcs_keywords(h: fits.Header, c: int, *, ra_deg: float, dec_deg: float, sc: dict[str, Any],
                  origin: tuple[int, int], roll_deg: float) -> None:
    """SPOC's table-column WCS of image column ``c``: celestial (``1CTYP{c}`` …) and physical (``1CRV{c}P`` …)."""
    a = np.radians(roll_deg)
    pc = ((np.cos(a), -np.sin(a)), (np.sin(a), np.cos(a)))
    for key, value in ((f"WCSN{c}P", "PHYSICAL"), (f"WCAX{c}P", 2), (f"1CTY{c}P", "RAWX"), (f"2CTY{c}P", "RAWY"),
                       (f"1CUN{c}P", "PIXEL"), (f"2CUN{c}P", "PIXEL"), (f"1CRV{c}P", int(origin[0])),
                       (f"2CRV{c}P", int(origin[1])), (f"1CDL{c}P", 1.0), (f"2CDL{c}P", 1.0), (f"1CRP{c}P", 1),
                       (f"2CRP{c}P", 1), (f"WCAX{c}", 2), (f"1CTYP{c}", "RA---TAN"), (f"2CTYP{c}", "DEC--TAN"),
                       (f"1CRPX{c}", sc["tcol"] + 1.0), (f"2CRPX{c}", sc["trow"] + 1.0),
                       (f"1CRVL{c}", float(ra_deg)), (f"2CRVL{c}", float(dec_deg)), (f"1CUNI{c}", "deg"),
                       (f"2CUNI{c}", "deg"), (f"1CDLT{c}", -_PIXEL_DEG), (f"2CDLT{c}", _PIXEL_DEG),
                       (f"11PC{c}", pc[0][0]), (f"12PC{c}", pc[0][1]), (f"21PC{c}", pc[1][0]),
                       (f"22PC{c}", pc[1][1])):
        h[key] = value


def _aperture_hdu(sc: dict[str, Any], *, ra_deg: float, dec_deg: float, origin: tuple[int, int],
                  roll_deg: float) -> fits.ImageHDU:
    ap = np.ones(sc["aperture"].shape, dtype=np.int32)
    ap[sc["aperture"]] |= 2 | 8
    ap[sc["star_only"] < 1e-3 * sc["star_only"].max()] |= 4
    hdu = fits.ImageHDU(ap, name="APERTURE")
    tmp = fits.Header()
    _wcs_keywords(tmp, 5, ra_deg=ra_deg, dec_deg=dec_deg, sc=sc, origin=origin, roll_deg=roll_deg)
    for old, new in (("1CTYP5", "CTYPE1"), ("2CTYP5", "CTYPE2"), ("1CRPX5", "CRPIX1"), ("2CRPX5", "CRPIX2"),
                     ("1CRVL5", "CRVAL1"), ("2CRVL5", "CRVAL2"), ("1CUNI5", "CUNIT1"), ("2CUNI5", "CUNIT2"),
                     ("1CDLT5", "CDELT1"), ("2CDLT5", "CDELT2"), ("11PC5", "PC1_1"), ("12PC5", "PC1_2"),
                     ("21PC5", "PC2_1"), ("22PC5", "PC2_2"), ("1CRV5P", "CRVAL1P"), ("2CRV5P", "CRVAL2P")):
        hdu.header[new] = tmp[old]
    hdu.header["NPIXSAP"] = int(sc["aperture"].sum())
    return hdu


def _nan_where(values: np.ndarray, untimed: np.ndarray, dtype: Any) -> np.ndarray:
    out = np.array(values, dtype=dtype)
    out[untimed] = np.nan
    return out


def _prepare(kw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the keywords of the writers into the scene's and the headers'; simulate the scene."""
    head = {k: kw.pop(k) for k in ("tic_id", "ra_deg", "dec_deg", "camera", "ccd", "origin", "roll_deg")}
    sc = _scene(**kw)
    ap = sc["aperture"]
    star_in = float(sc["star_only"][ap].sum())
    sc["flfrc"] = star_in / kw["star_flux"]
    sc["crowd"] = star_in / float(np.median(sc["model"][:, ap].sum(axis=1)))
    return head, sc


def _target(path: str | os.PathLike, kind: str, kw: dict[str, Any]) -> Path:
    path = Path(path)
    if path.suffix != ".fits":
        path.mkdir(parents=True, exist_ok=True)
        path = path / spoc_file_name(kind, kw["sector"], kw["tic_id"], kw["t_start_btjd"])
    return path


def _write(out: Path, kind: str, table: fits.BinTableHDU, head: dict[str, Any], kw: dict[str, Any],
           sc: dict[str, Any]) -> SpocFile:
    """Primary header + ``table`` + APERTURE image to ``out``; the file with its truth."""
    prim = _primary(kind, tic_id=head["tic_id"], ra_deg=head["ra_deg"], dec_deg=head["dec_deg"], sector=kw["sector"],
                    camera=head["camera"], ccd=head["ccd"], star_flux=kw["star_flux"], sc=sc)
    ap = _aperture_hdu(sc, ra_deg=head["ra_deg"], dec_deg=head["dec_deg"], origin=head["origin"],
                       roll_deg=head["roll_deg"])
    fits.HDUList([prim, table, ap]).writeto(out, overwrite=True)
    return SpocFile(out, int(sc["time"].size), int(sc["untimed"].sum()), float(sc["tcol"]), float(sc["trow"]))


def _defaults(**kw: Any) -> dict[str, Any]:
    out = dict(n_cadences=2000, shape=(11, 11), nan_time_every=50, transit=None, seed=0, camera=1, ccd=1,
               star_flux=15000.0, neighbours=NEIGHBOURS, jitter_pixels=0.02, background=30.0, cadence_minutes=2.0,
               t_start_btjd=None, origin=(1000, 500), roll_deg=30.0)
    out.update(kw)
    return out


def write_spoc_tpf(path: str | os.PathLike, *, tic_id: int, ra_deg: float, dec_deg: float, sector: int,
                   **options: Any) -> SpocFile:
    """Write a SPOC-layout target pixel file; return it with its truth.

    Parameters
    ----------
    path : str or Path
        A ``.fits`` file name, or a folder to write the SPOC-named file into (created if needed).
    tic_id : int
        ``TICID``; also in the file name and ``OBJECT = 'TIC <id>'``.
    ra_deg, dec_deg : float
        ``RA_OBJ``/``DEC_OBJ``, degrees; the WCS puts them on the target's pixel.
    sector : int
    **options
        ``n_cadences`` (2000), ``shape`` ((11, 11), rows × columns), ``nan_time_every`` (50: every 50th cadence
        has TIME = NaN; None for none), ``transit`` (None, or ``(period_days, t0_btjd, duration_hours,
        depth_ppm)``, a box-shaped dip of the target), ``seed`` (0), ``camera`` (1), ``ccd`` (1), ``star_flux``
        (15000 e-/s, TESS mag 10), ``neighbours`` (:data:`NEIGHBOURS`), ``jitter_pixels`` (0.02),
        ``background`` (30 e-/s per pixel), ``cadence_minutes`` (2), ``t_start_btjd`` (:func:`sector_start_btjd`),
        ``origin`` ((1000, 500), CCD column/row of the stamp's pixel (0, 0)), ``roll_deg`` (30, WCS rotation).

    Returns
    -------
    SpocFile
    """
    kw = _defaults(tic_id=tic_id, ra_deg=ra_deg, dec_deg=dec_deg, sector=sector, **options)
    out = _target(path, "tp", kw)
    head, sc = _prepare(kw)
    n, (nr, nc) = sc["time"].size, sc["flux"].shape[1:]
    npix, dim, u = nr * nc, f"({nc},{nr})", sc["untimed"]
    raw = np.round((sc["flux"] + sc["bkg"]) * _EXPOSURE_S / 5.2 / 60.0).astype(np.int32)
    raw[u] = -1
    f32 = np.float32
    cols = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=_nan_where(sc["time"], u, np.float64)),
        fits.Column("TIMECORR", "E", unit="d", array=np.full(n, 1.2e-3, dtype=f32)),
        fits.Column("CADENCENO", "J", array=100000 + np.arange(n, dtype=np.int32)),
        fits.Column("RAW_CNTS", f"{npix}J", unit="count", dim=dim, array=raw),
        fits.Column("FLUX", f"{npix}E", unit="e-/s", dim=dim, array=_nan_where(sc["flux"], u, f32)),
        fits.Column("FLUX_ERR", f"{npix}E", unit="e-/s", dim=dim, array=_nan_where(sc["flux_err"], u, f32)),
        fits.Column("FLUX_BKG", f"{npix}E", unit="e-/s", dim=dim, array=_nan_where(sc["bkg"], u, f32)),
        fits.Column("FLUX_BKG_ERR", f"{npix}E", unit="e-/s", dim=dim,
                    array=_nan_where(np.sqrt(sc["bkg"] / _EXPOSURE_S), u, f32)),
        fits.Column("QUALITY", "J", array=sc["quality"]),
        fits.Column("POS_CORR1", "E", unit="pixel", array=_nan_where(sc["dcol"], u, f32)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=_nan_where(sc["drow"], u, f32)),
    ]
    tab = fits.BinTableHDU.from_columns(cols, name="PIXELS")
    _table_keywords(tab.header, sc)
    for c in (4, 5, 6, 7, 8):
        _wcs_keywords(tab.header, c, ra_deg=head["ra_deg"], dec_deg=head["dec_deg"], sc=sc, origin=head["origin"],
                      roll_deg=head["roll_deg"])
    return _write(out, "tp", tab, head, kw, sc)


def write_spoc_lc(path: str | os.PathLike, *, tic_id: int, ra_deg: float, dec_deg: float, sector: int,
                  **options: Any) -> SpocFile:
    """Write a SPOC-layout light curve of the scene :func:`write_spoc_tpf` draws with the same keywords.

    ``SAP_FLUX`` is the sum of the optimal-aperture pixels (e-/s); ``PDCSAP_FLUX`` = (SAP − (1 − CROWDSAP) ·
    median SAP) / FLFRCSAP, the neighbours' light removed, so a transit of the target keeps its true depth there. Cadences without a
    time have NaN TIME and fluxes, as in the TPF. Parameters as :func:`write_spoc_tpf`.
    """
    kw = _defaults(tic_id=tic_id, ra_deg=ra_deg, dec_deg=dec_deg, sector=sector, **options)
    out = _target(path, "lc", kw)
    head, sc = _prepare(kw)
    n, u, ap, f32 = sc["time"].size, sc["untimed"], sc["aperture"], np.float32
    sap = sc["flux"][:, ap].sum(axis=1)
    sap_err = np.sqrt(np.square(sc["flux_err"][:, ap]).sum(axis=1))
    contamination = (1.0 - sc["crowd"]) * float(np.nanmedian(sap[~u]))  # neighbours' light, as PDC removes it
    nan = np.full(n, np.nan)
    w = np.clip(sc["flux"][:, ap], 0.0, None)
    rr, cc = np.nonzero(ap)
    mom_col = (w @ cc) / w.sum(axis=1) + head["origin"][0]
    mom_row = (w @ rr) / w.sum(axis=1) + head["origin"][1]
    arrays = [("TIME", "D", "BJD - 2457000, days", sc["time"]), ("TIMECORR", "E", "d", np.full(n, 1.2e-3)),
              ("SAP_FLUX", "E", "e-/s", sap), ("SAP_FLUX_ERR", "E", "e-/s", sap_err),
              ("SAP_BKG", "E", "e-/s", sc["bkg"][:, ap].sum(axis=1)),
              ("SAP_BKG_ERR", "E", "e-/s", np.sqrt(sc["bkg"][:, ap].sum(axis=1) / _EXPOSURE_S)),
              ("PDCSAP_FLUX", "E", "e-/s", (sap - contamination) / sc["flfrc"]),
              ("PDCSAP_FLUX_ERR", "E", "e-/s", sap_err / sc["flfrc"]),
              ("PSF_CENTR1", "D", "pixel", nan), ("PSF_CENTR1_ERR", "E", "pixel", nan),
              ("PSF_CENTR2", "D", "pixel", nan), ("PSF_CENTR2_ERR", "E", "pixel", nan),
              ("MOM_CENTR1", "D", "pixel", mom_col), ("MOM_CENTR1_ERR", "E", "pixel", np.full(n, 1e-3)),
              ("MOM_CENTR2", "D", "pixel", mom_row), ("MOM_CENTR2_ERR", "E", "pixel", np.full(n, 1e-3)),
              ("POS_CORR1", "E", "pixel", sc["dcol"]), ("POS_CORR2", "E", "pixel", sc["drow"])]
    cols = [fits.Column(name, form, unit=unit, array=_nan_where(values, u, np.float64 if form == "D" else f32))
            for name, form, unit, values in arrays]
    cols.insert(2, fits.Column("CADENCENO", "J", array=100000 + np.arange(n, dtype=np.int32)))
    cols.insert(9, fits.Column("QUALITY", "J", array=sc["quality"]))
    tab = fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")
    _table_keywords(tab.header, sc)
    tab.header["PDCMETHD"] = "msMAP"
    return _write(out, "lc", tab, head, kw, sc)


def write_spoc_sector(directory: str | os.PathLike, *, tic_id: int, ra_deg: float, dec_deg: float, sector: int,
                      **options: Any) -> dict[str, SpocFile]:
    """Write one sector's TPF and light curve (same scene) into ``directory``: ``{"tpf": ..., "lc": ...}``."""
    ident = dict(tic_id=tic_id, ra_deg=ra_deg, dec_deg=dec_deg, sector=sector)
    return {"tpf": write_spoc_tpf(directory, **ident, **options), "lc": write_spoc_lc(directory, **ident, **options)}
