"""The TOI-5807 digital twin simulator — SIMULATED data, not real TESS observations.

:func:`simulate_sector` produces one sector of a *simulated* 2-minute target
pixel stamp and its aperture light curve, as pure numpy arrays (no I/O):

* cadence grid — the real sector's grid (:mod:`toi5807.twin.cadence`);
* scene — one sky catalogue projected through the sector's tess-point geometry, with the PRF, target flux and
  static background residual fitted to the real images (:mod:`toi5807.twin.geometry`, :mod:`~toi5807.twin.scene`);
* signal — a limb-darkened transit (:mod:`toi5807.twin.transit`) on the target (``"planet"``), on the
  catalogue's background-EB host (``"background_eb"``), or none (``"no_transit"``);
* pointing — white and correlated jitter, orbit drift, settling after downlinks, jumps, a constant offset per
  orbit, PSF breathing (:mod:`toi5807.twin.pointing`), applied as a shift (and width change) of the whole scene;
* background — scattered light, its imperfect per-cadence subtraction, and the share of the stars' light in the
  background pixels that the estimate takes for sky (:mod:`toi5807.twin.background`);
* noise — per-pixel photon + sky + read noise (Gaussian approximation), the background estimate's own noise
  and occasional single-pixel cosmic-ray hits;
* light curve — the sum of the pipeline aperture (:mod:`toi5807.twin.photometry`), cotrended against the
  known pointing, focus and background (fitted out of transit only).

Random draws come from ``numpy.random.default_rng([seed, sector, stream])``:
the seed changes only noise, pointing and background draws, never the scene or
the signal, and the scenario never changes a random draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from .background import Background, background_model, simulate_background
from .cadence import cadence_grid
from .geometry import sector_scene
from .photometry import (
    EXPOSURE_S,
    aperture_fractions,
    background_mask,
    cotrend,
    pipeline_aperture,
    pixel_variance,
)
from .pointing import Pointing, pointing_model, simulate_pointing
from .scene import STAMP_SHAPE, flux_weighted_centroid, render_cube, render_image
from .spec import _check_seed, _rng, _sector_spec, load_spec
from .transit import _shape_mean_in_window, time_from_mid, transit_deficit

__all__ = ["SCENARIOS", "TWIN_DEPTH_PPM", "SimulatedSector", "simulate_sector", "COSMIC_RATE_PER_CADENCE",
           "COSMIC_AMP_E_PER_S"]

#: Supported scenarios (``"planet"`` is the default).
SCENARIOS: tuple[str, ...] = ("planet", "background_eb", "no_transit")
#: Transit depth the aperture light curve shows (median out - median in transit), ppm.
TWIN_DEPTH_PPM: float = 256.0
#: Mean number of cosmic-ray hits per cadence on the stamp and their typical amplitude, e-/s.
COSMIC_RATE_PER_CADENCE: float = 1.0 / 200.0
COSMIC_AMP_E_PER_S: float = 300.0
# random streams
_STREAM_JITTER, _STREAM_PIXEL, _STREAM_BKG, _STREAM_COSMIC = 1, 2, 3, 4


# ------------------------------------------------------------------ the simulation
@dataclass(frozen=True, eq=False)
class SimulatedSector:
    """One SIMULATED sector of the TOI-5807 digital twin (not real TESS data).

    Attributes
    ----------
    sector, seed, scenario : int, int, str
    time : ndarray (n,)
        Mid-cadence times, BTJD (days); every cadence of the orbits.
    cadenceno : ndarray of int32 (n,)
    quality : ndarray of int32 (n,)
        SPOC quality bits (32 momentum dump, 128 manual exclude).
    flux, flux_err, flux_bkg : ndarray (n, 13, 11)
        Background-subtracted pixel flux, its 1σ error and the subtracted background, e-/s.
    pos_corr1, pos_corr2 : ndarray (n,)
        True pointing offsets in column / row, pixels.
    sap_flux, sap_flux_err, sap_bkg : ndarray (n,)
        Pipeline-aperture sum of ``flux``, its error and the summed background, e-/s.
    pdcsap_flux, pdcsap_flux_err : ndarray (n,)
        Cotrended aperture flux (NaN at flagged cadences), e-/s.
    centroid_col, centroid_row : ndarray (n,)
        Flux-weighted centroid over the whole stamp, pixels.
    aperture_mask, background_mask : ndarray of bool (13, 11)
    wcs : astropy.wcs.WCS
        Celestial WCS of the stamp (0-based pixels), from the sector's tess-point geometry.
    arcsec_per_pixel : ndarray (2, 2)
        Local sky map of the stamp (rows east, north; columns x, y).
    ccd_column, ccd_row, camera, ccd : int
        Stamp origin and detector.
    target_col, target_row, target_flux : float
        True target position (pixels) and flux (e-/s).
    neighbour_cols, neighbour_rows, neighbour_fluxes : ndarray
        True neighbour positions (pixels) and out-of-eclipse fluxes (e-/s).
    beb_index : int
        Index of the neighbour that eclipses in ``"background_eb"``.
    planet_depth_max, beb_depth_max : float
        Maximum fractional deficit of the target (planet) and of the BEB neighbour (its own flux) in
        this scenario (0 when absent).
    sky_e_per_s : float
        Simulated sky level per pixel, e-/s.
    crowdsap, flfrcsap : float
        SPOC's crowding metric (target's share of the stars' flux in the aperture) and flux fraction (share of
        the target's flux inside the aperture), from the noise-free scene.
    pointing : Pointing
        The pointing history and its components (:mod:`toi5807.twin.pointing`).
    background : Background
        The scattered light and the pipeline estimate's error (:mod:`toi5807.twin.background`).
    """

    sector: int
    seed: int
    scenario: str
    time: np.ndarray
    cadenceno: np.ndarray
    quality: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    flux_bkg: np.ndarray
    pos_corr1: np.ndarray
    pos_corr2: np.ndarray
    sap_flux: np.ndarray
    sap_flux_err: np.ndarray
    sap_bkg: np.ndarray
    pdcsap_flux: np.ndarray
    pdcsap_flux_err: np.ndarray
    centroid_col: np.ndarray
    centroid_row: np.ndarray
    aperture_mask: np.ndarray
    background_mask: np.ndarray
    wcs: Any
    arcsec_per_pixel: np.ndarray
    ccd_column: int
    ccd_row: int
    camera: int
    ccd: int
    target_col: float
    target_row: float
    target_flux: float
    neighbour_cols: np.ndarray
    neighbour_rows: np.ndarray
    neighbour_fluxes: np.ndarray
    beb_index: int
    planet_depth_max: float
    beb_depth_max: float
    sky_e_per_s: float
    crowdsap: float
    flfrcsap: float
    pointing: Pointing
    background: Background

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


def _check_scenario(scenario: Any) -> str:
    if not isinstance(scenario, str):
        raise TypeError(f"scenario: expected a str, one of {SCENARIOS}, got {type(scenario).__name__}")
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario: unknown scenario {scenario!r}; expected one of {SCENARIOS}")
    return scenario


def simulate_sector(sector: int, *, seed: int = 0, scenario: str = "planet") -> SimulatedSector:
    """Simulate one sector of the TOI-5807 digital twin (SIMULATED data).

    Parameters
    ----------
    sector : int
        One of the spec's sectors (55, 75, 82, 83).
    seed : int
        Non-negative seed; changes only the noise, pointing, background and cosmic-ray draws.
    scenario : {"planet", "background_eb", "no_transit"}
        Where the ≈256 ppm signal comes from: the target, the catalogue's background-EB host (a faint
        star 48″ away) or nowhere.

    Returns
    -------
    SimulatedSector
    """
    sspec = _sector_spec(sector)
    sector = int(sector)
    seed = _check_seed(seed)
    scenario = _check_scenario(scenario)
    spec = load_spec()
    grid = cadence_grid(sector)
    scene, wcs = sector_scene(spec, sector)
    geom = sspec["geometry"]
    n = grid.time.size
    n_rows, n_cols = STAMP_SHAPE
    pmodel, bmodel = pointing_model(spec), background_model(spec)

    # apertures from the noise-free scene and the noise model's amplitudes
    aperture = pipeline_aperture(scene, wander_px=float(np.hypot(*pmodel.drift_px)),
                                 background_error_e_per_s=bmodel.estimate_error_e_per_s)
    bkg_mask = background_mask(scene, aperture)
    image0 = render_image(scene)
    sky = float(spec["noise_model"]["sky_e_per_s"])
    excess = float(spec["noise_model"]["pixel_excess"][str(sector)])
    crowdsap, flfrcsap = aperture_fractions(scene, aperture)

    # signal: one normalised transit shape, scaled to the aperture depth
    dur = target.DURATION_HOURS / 24.0
    dt = time_from_mid(grid.time, target.PERIOD_DAYS, target.T0_BTJD)
    shape = transit_deficit(dt, p=0.02, duration_days=dur) / _shape_mean_in_window(dur)
    src = scene.sources
    single = [render_cube(np.array([[s.col]]), np.array([[s.row]]), np.array([[s.flux]]), scene.prf)[0]
              for s in src]
    ap_tot = float(image0[aperture].sum())
    depth = TWIN_DEPTH_PPM * 1e-6
    varying, amp = None, 0.0  # index of the source that dims, and its deficit scale
    if scenario == "planet":
        varying = 0
    elif scenario == "background_eb":
        varying = 1 + scene.beb_index
    if varying is not None:
        amp = depth * ap_tot / float(single[varying][aperture].sum())
        if amp * shape.max() >= 1.0:
            raise ValueError(f"sector {sector}: source {varying} cannot produce a {TWIN_DEPTH_PPM} ppm aperture dip")
    planet_max = float(amp * shape.max()) if scenario == "planet" else 0.0
    beb_max = float(amp * shape.max()) if scenario == "background_eb" else 0.0

    # pointing, focus and the noise-free cube: every star moves (and breathes) together
    pt = simulate_pointing(grid, pmodel, _rng(seed, sector, _STREAM_JITTER))
    src_col = np.array([s.col for s in src])
    src_row = np.array([s.row for s in src])
    src_flux = np.array([s.flux for s in src])
    cols = src_col[None, :] + pt.dcol[:, None]
    rows = src_row[None, :] + pt.drow[:, None]
    static = render_cube(cols, rows, np.broadcast_to(src_flux, cols.shape), scene.prf,
                         width_scale=pt.width_scale) + scene.background
    model = static.copy()
    if varying is not None:
        sel = np.flatnonzero(shape > 0)
        model[sel] -= render_cube(cols[sel, varying:varying + 1], rows[sel, varying:varying + 1],
                                  (src_flux[varying] * amp * shape[sel])[:, None], scene.prf,
                                  width_scale=pt.width_scale[sel])
    # background: scattered light on top of the sky; the pipeline's estimate is subtracted from every pixel
    bk = simulate_background(grid, bmodel, STAMP_SHAPE, _rng(seed, sector, _STREAM_BKG))
    sky_map = sky + bk.scattered[:, None, None] * bk.pattern[None]
    # noise level from the scenario-independent (un-eclipsed) scene: scenarios share every draw
    var0 = pixel_variance(static, sky_map, 0.0)  # photon and read noise: what FLUX_ERR reports
    var = var0 + (excess * np.clip(static, 0, None)) ** 2
    sigma = np.sqrt(var)
    noise = _rng(seed, sector, _STREAM_PIXEL).standard_normal((n, n_rows, n_cols)) * sigma
    # the estimate's own photon noise (from the background pixels) is common to all pixels; the estimate also
    # takes a share of the stars' light in those pixels for sky (SPOC's over-subtraction, see background.py)
    bkg_err = noise[:, bkg_mask].mean(axis=1) + bmodel.star_light_share * float(image0[bkg_mask].mean())
    flux = model + bk.residual() + noise - bkg_err[:, None, None]
    flux_bkg = np.broadcast_to((sky + bk.estimate_offset + bkg_err)[:, None, None], flux.shape).copy()
    # cosmic rays: single-pixel hits
    crng = _rng(seed, sector, _STREAM_COSMIC)
    n_cr = int(crng.poisson(COSMIC_RATE_PER_CADENCE * n))
    cr_pos = crng.integers(0, flux.size, n_cr)
    cr_amp = crng.exponential(COSMIC_AMP_E_PER_S, n_cr)
    flux.ravel()[cr_pos] += cr_amp
    # FLUX_ERR: photon, read and background-estimate noise only, as SPOC computes it (no excess)
    flux_err = np.sqrt(var0 + sky / EXPOSURE_S / bkg_mask.sum())

    # aperture photometry and cotrending against what the pipeline can know (pointing, focus, background)
    good = grid.quality == 0
    sap = flux[:, aperture].sum(axis=1)
    sap_err = np.sqrt((sigma[:, aperture] ** 2).sum(axis=1)
                      + aperture.sum() ** 2 * (sky / EXPOSURE_S) / bkg_mask.sum())
    oot = np.abs(dt) > 1.5 * dur
    pdc = cotrend(sap, np.column_stack([pt.dcol, pt.drow, pt.width_scale, flux_bkg[:, 0, 0]]), oot & good)
    pdc = np.where(good, pdc, np.nan)
    pdc_err = np.where(good, sap_err, np.nan)
    cen_col, cen_row = flux_weighted_centroid(flux)

    cadenceno = (grid.index + int(round((grid.time[0] - 1325.0) * 720.0))).astype(np.int32)
    nb = scene.neighbours
    return SimulatedSector(
        sector=sector, seed=seed, scenario=scenario,
        time=np.array(grid.time), cadenceno=cadenceno, quality=np.array(grid.quality),
        flux=flux, flux_err=flux_err, flux_bkg=flux_bkg,
        pos_corr1=np.array(pt.dcol), pos_corr2=np.array(pt.drow),
        sap_flux=sap, sap_flux_err=sap_err, sap_bkg=flux_bkg[:, 0, 0] * aperture.sum(),
        pdcsap_flux=pdc, pdcsap_flux_err=pdc_err,
        centroid_col=cen_col, centroid_row=cen_row,
        aperture_mask=aperture, background_mask=bkg_mask,
        wcs=wcs, arcsec_per_pixel=np.asarray(geom["arcsec_per_pixel"], dtype=float),
        ccd_column=int(geom["ccd_column"]), ccd_row=int(geom["ccd_row"]),
        camera=int(geom["camera"]), ccd=int(geom["ccd"]),
        target_col=scene.target.col, target_row=scene.target.row, target_flux=scene.target.flux,
        neighbour_cols=np.array([s.col for s in nb]), neighbour_rows=np.array([s.row for s in nb]),
        neighbour_fluxes=np.array([s.flux for s in nb]), beb_index=scene.beb_index,
        planet_depth_max=planet_max, beb_depth_max=beb_max, sky_e_per_s=float(sky),
        crowdsap=crowdsap, flfrcsap=flfrcsap, pointing=pt, background=bk,
    )
