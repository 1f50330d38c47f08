"""The TOI-5807 digital twin simulator — SIMULATED data, not real TESS observations.

:func:`simulate_sector` produces one sector of a *simulated* 2-minute target
pixel stamp and its aperture light curve, as pure numpy arrays (no I/O):

* cadence grid — the real sector's grid (:mod:`toi5807.twin.cadence`);
* scene — the fitted (sectors 82, 83) or chosen (55, 75) two-Gaussian PRF scene
  of :mod:`toi5807.twin.scene` (target + faint neighbours + flat background);
* signal — a limb-darkened transit (:mod:`toi5807.twin.transit`) on the target
  (``"planet"``), on the faint neighbour ``beb_index`` (``"background_eb"``),
  or none (``"no_transit"``);
* pointing — :mod:`toi5807.twin.pointing`;
* noise — per-pixel photon + sky + read noise (Gaussian approximation),
  background-estimate noise and occasional single-pixel cosmic-ray hits;
* light curve — the sum of the pipeline aperture of the simulated pixels,
  cotrended against the known pointing offsets (fitted out of transit only)
  (:mod:`toi5807.twin.photometry`).

Random draws come from ``numpy.random.default_rng([seed, sector, stream])``:
the seed changes only noise and jitter, never the scene or the signal, and the
scenario never changes a random draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target
from .cadence import cadence_grid
from .photometry import (
    EXPOSURE_S,
    _read_var,
    _sky_level,
    background_mask,
    cotrend,
    pipeline_aperture,
)
from .pointing import pointing_jitter
from .scene import (
    STAMP_SHAPE,
    flux_weighted_centroid,
    make_wcs,
    render_cube,
    render_image,
    scene_from_spec,
)
from .spec import _check_seed, _rng, _sector_spec
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
        Celestial WCS of the stamp (0-based pixels).
    roll_deg : float
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
    roll_deg: float
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
        Non-negative seed; changes only the noise, jitter and cosmic-ray draws.
    scenario : {"planet", "background_eb", "no_transit"}
        Where the ≈256 ppm signal comes from: the target, the faint neighbour
        ``beb_index`` (a background eclipsing binary) or nowhere.

    Returns
    -------
    SimulatedSector
    """
    spec = _sector_spec(sector)
    sector = int(sector)
    seed = _check_seed(seed)
    scenario = _check_scenario(scenario)
    grid = cadence_grid(sector)
    scene = scene_from_spec(spec)
    geom = spec["geometry"]
    n = grid.time.size
    n_rows, n_cols = STAMP_SHAPE

    # apertures from the noise-free scene
    aperture = pipeline_aperture(scene)
    bkg_mask = background_mask(scene, aperture)
    image0 = render_image(scene)
    sky = _sky_level(image0, aperture, int(bkg_mask.sum()), float(spec["real_p2p_scatter_ppm"]))

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

    # pointing and the noise-free cube
    dcol, drow = pointing_jitter(grid, _rng(seed, sector, _STREAM_JITTER))
    src_col = np.array([s.col for s in src])
    src_row = np.array([s.row for s in src])
    src_flux = np.array([s.flux for s in src])
    cols = src_col[None, :] + dcol[:, None]
    rows = src_row[None, :] + drow[:, None]
    static = render_cube(cols, rows, np.broadcast_to(src_flux, cols.shape), scene.prf) + scene.background
    model = static.copy()
    if varying is not None:
        sel = np.flatnonzero(shape > 0)
        model[sel] -= render_cube(cols[sel, varying:varying + 1], rows[sel, varying:varying + 1],
                                  (src_flux[varying] * amp * shape[sel])[:, None], scene.prf)
    # noise level from the scenario-independent (un-eclipsed) scene: scenarios share every draw
    var = (np.clip(static, 0, None) + sky) / EXPOSURE_S + _read_var()
    sigma = np.sqrt(var)
    noise = _rng(seed, sector, _STREAM_PIXEL).standard_normal((n, n_rows, n_cols)) * sigma
    # background estimate from the background pixels (its error is common to all pixels)
    bkg_err = noise[:, bkg_mask].mean(axis=1)
    flux = model + noise - bkg_err[:, None, None]
    flux_bkg = np.broadcast_to((sky + bkg_err)[:, None, None], flux.shape).copy()
    # cosmic rays: single-pixel hits
    crng = _rng(seed, sector, _STREAM_COSMIC)
    n_cr = int(crng.poisson(COSMIC_RATE_PER_CADENCE * n))
    cr_pos = crng.integers(0, flux.size, n_cr)
    cr_amp = crng.exponential(COSMIC_AMP_E_PER_S, n_cr)
    flux.ravel()[cr_pos] += cr_amp
    flux_err = np.sqrt(var + sky / EXPOSURE_S / bkg_mask.sum())

    # aperture photometry and cotrending
    good = grid.quality == 0
    sap = flux[:, aperture].sum(axis=1)
    sap_err = np.sqrt((sigma[:, aperture] ** 2).sum(axis=1) + aperture.sum() ** 2 * (sky / EXPOSURE_S) / bkg_mask.sum())
    oot = np.abs(dt) > 1.5 * dur
    pdc = cotrend(sap, dcol, drow, oot & good)
    pdc = np.where(good, pdc, np.nan)
    pdc_err = np.where(good, sap_err, np.nan)
    cen_col, cen_row = flux_weighted_centroid(flux)

    cadenceno = (grid.index + int(round((grid.time[0] - 1325.0) * 720.0))).astype(np.int32)
    nb = scene.neighbours
    return SimulatedSector(
        sector=sector, seed=seed, scenario=scenario,
        time=np.array(grid.time), cadenceno=cadenceno, quality=np.array(grid.quality),
        flux=flux, flux_err=flux_err, flux_bkg=flux_bkg,
        pos_corr1=dcol, pos_corr2=drow,
        sap_flux=sap, sap_flux_err=sap_err, sap_bkg=flux_bkg[:, 0, 0] * aperture.sum(),
        pdcsap_flux=pdc, pdcsap_flux_err=pdc_err,
        centroid_col=cen_col, centroid_row=cen_row,
        aperture_mask=aperture, background_mask=bkg_mask,
        wcs=make_wcs(target.RA_DEG, target.DEC_DEG, scene.target.col, scene.target.row, float(geom["roll_deg"])),
        roll_deg=float(geom["roll_deg"]), ccd_column=int(geom["ccd_column"]), ccd_row=int(geom["ccd_row"]),
        camera=int(geom["camera"]), ccd=int(geom["ccd"]),
        target_col=scene.target.col, target_row=scene.target.row, target_flux=scene.target.flux,
        neighbour_cols=np.array([s.col for s in nb]), neighbour_rows=np.array([s.row for s in nb]),
        neighbour_fluxes=np.array([s.flux for s in nb]), beb_index=scene.beb_index,
        planet_depth_max=planet_max, beb_depth_max=beb_max, sky_e_per_s=float(sky),
    )
