"""The TOI-5807 digital twin simulator — SIMULATED data, not real TESS observations.

:func:`simulate_sector` produces one sector of a *simulated* 2-minute target
pixel stamp and its aperture light curve, as pure numpy arrays (no I/O):

* cadence grid — the real sector's grid from ``data/twin_spec.json``: every
  2-minute cadence of each orbit; cadences missing from the real light curve
  carry SPOC quality bits 32 (momentum dump, short runs) or 128 (manual
  exclude), so that after lightkurve's default bitmask the times equal the
  real light curve's times;
* scene — the fitted (sectors 82, 83) or chosen (55, 75) two-Gaussian PRF scene
  of :mod:`toi5807.twin_scene` (target + faint neighbours + flat background);
* signal — a quadratic limb-darkened transit (small-planet approximation of
  Mandel & Agol 2002; coefficients of the kind tabulated by Claret 2017) on
  the target (``"planet"``), on the faint neighbour ``beb_index``
  (``"background_eb"``), or none (``"no_transit"``);
* pointing jitter — white per-cadence jitter, a random walk between momentum
  dumps, jumps at dumps and a slow drift over each orbit;
* noise — per-pixel photon + sky + read noise (Gaussian approximation),
  background-estimate noise and occasional single-pixel cosmic-ray hits;
* light curve — the sum of the pipeline aperture of the simulated pixels,
  cotrended against the known pointing offsets (fitted out of transit only).

Random draws come from ``numpy.random.default_rng([seed, sector, stream])``:
the seed changes only noise and jitter, never the scene or the signal, and the
scenario never changes a random draw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from . import target
from .twin_scene import STAMP_SHAPE, Scene, flux_weighted_centroid, make_wcs, render_cube, render_image, scene_from_spec

__all__ = [
    "GENERATOR_VERSION",
    "SCENARIOS",
    "TWIN_DEPTH_PPM",
    "SimulatedSector",
    "load_spec",
    "spec_hash",
    "cadence_grid",
    "transit_deficit",
    "pipeline_aperture",
    "background_mask",
    "pointing_jitter",
    "cotrend",
    "p2p_scatter_ppm",
    "simulate_sector",
]

#: Version of the simulator; part of :func:`spec_hash` (bump on any change of the generated numbers).
GENERATOR_VERSION: str = "1.0.0"
#: Supported scenarios (``"planet"`` is the default).
SCENARIOS: tuple[str, ...] = ("planet", "background_eb", "no_transit")
#: Transit depth the aperture light curve shows (median out - median in transit), ppm.
TWIN_DEPTH_PPM: float = 256.0

#: Effective exposure per 2-minute cadence, s (48 kept 1.98-s frames after cosmic-ray mitigation).
EXPOSURE_S: float = 48 * 1.98
#: Read noise per 2-s frame, e-; 48 frames are co-added.
READ_NOISE_E: float = 10.0
N_READS: int = 48
#: Pointing jitter, pixels: white per cadence (1σ), random-walk step per cadence (1σ), jump at a momentum dump
#: (1σ), slow per-orbit drift (largest linear-term amplitude; drawn in [0.5, 1]x, quadratic term half of that).
JITTER_WHITE_PX: float = 0.003
JITTER_WALK_STEP_PX: float = 0.00002
JITTER_DUMP_JUMP_PX: float = 0.001
JITTER_DRIFT_PX: float = 0.0025
#: Mean number of cosmic-ray hits per cadence on the stamp and their typical amplitude, e-/s.
COSMIC_RATE_PER_CADENCE: float = 1.0 / 200.0
COSMIC_AMP_E_PER_S: float = 300.0
#: Pixels with a target share below this are left out of the pipeline aperture (crowding).
APERTURE_MIN_TARGET_SHARE: float = 0.98
#: Background pixels: the faintest pixels of the noise-free image, this many.
N_BACKGROUND_PIXELS: int = 24

QUALITY_DESAT: int = 32
QUALITY_MANUAL_EXCLUDE: int = 128

# random streams
_STREAM_JITTER, _STREAM_PIXEL, _STREAM_BKG, _STREAM_COSMIC = 1, 2, 3, 4


@lru_cache(maxsize=1)
def _spec_text() -> str:
    return resources.files("toi5807").joinpath("data/twin_spec.json").read_text(encoding="utf-8")


def load_spec() -> dict[str, Any]:
    """The twin spec (``toi5807/data/twin_spec.json``) as a fresh dict (SIMULATION inputs)."""
    return json.loads(_spec_text())


def spec_hash() -> str:
    """SHA-256 (hex) of the spec JSON and :data:`GENERATOR_VERSION`: identifies the simulated data."""
    h = hashlib.sha256(_spec_text().encode("utf-8"))
    h.update(b"\0generator=" + GENERATOR_VERSION.encode("ascii"))
    return h.hexdigest()


def _sector_spec(sector: Any) -> dict[str, Any]:
    if isinstance(sector, bool) or not isinstance(sector, (int, np.integer)):
        raise TypeError(f"sector: expected an int, got {type(sector).__name__}")
    spec = load_spec()["sectors"]
    if str(int(sector)) not in spec:
        raise ValueError(f"sector: unknown sector {sector}; the twin simulates {sorted(int(s) for s in spec)}")
    return spec[str(int(sector))]


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected a non-negative int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    return int(seed)


def _rng(seed: int, sector: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, sector, stream])


# ------------------------------------------------------------------ cadence grid
@dataclass(frozen=True, eq=False)
class CadenceGrid:
    """Cadences of one simulated sector (all 2-minute cadences inside the orbits).

    Attributes
    ----------
    index : ndarray of int64
        Cadence index from the sector's first real cadence.
    time : ndarray
        Mid-cadence time, BTJD (days).
    quality : ndarray of int32
        SPOC quality bits (32 = momentum dump, 128 = manual exclude; 0 = good).
    orbit : ndarray of int32
        Orbit (data segment) number, 0-based.
    dump : ndarray of bool
        True at the first cadence of each simulated momentum dump.
    """

    index: np.ndarray
    time: np.ndarray
    quality: np.ndarray
    orbit: np.ndarray
    dump: np.ndarray


def cadence_grid(sector: int) -> CadenceGrid:
    """The simulated cadence grid of a sector, from the spec (SIMULATION of the real grid).

    Parameters
    ----------
    sector : int

    Returns
    -------
    CadenceGrid
    """
    cad = _sector_spec(sector)["cadence"]
    idx_parts, time_parts, orb_parts = [], [], []
    for k, ((a, b), coef) in enumerate(zip(cad["orbits"], cad["orbit_time_poly_coef"])):
        idx = np.arange(a, b + 1, dtype=np.int64)
        poly = np.polynomial.Polynomial(coef, domain=[a, b], window=[-1, 1])
        idx_parts.append(idx)
        time_parts.append(poly(idx.astype(np.float64)))
        orb_parts.append(np.full(idx.size, k, dtype=np.int32))
    index = np.concatenate(idx_parts)
    quality = np.zeros(index.size, dtype=np.int32)
    dump = np.zeros(index.size, dtype=bool)
    # missing runs lie inside orbits: map their cadence index to the array position
    runs = np.asarray(cad["missing_runs"], dtype=np.int64).reshape(-1, 2)
    if runs.size:
        starts = np.searchsorted(index, runs[:, 0])
        lengths = runs[:, 1]
        is_dump = lengths <= int(cad["dump_max_cadences"])
        flag = np.where(is_dump, QUALITY_DESAT, QUALITY_MANUAL_EXCLUDE).astype(np.int32)
        pos = np.repeat(starts, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
        quality[pos] = np.repeat(flag, lengths)
        dump[starts[is_dump]] = True
    for arr in (index, quality, dump):
        arr.setflags(write=False)
    orbit = np.concatenate(orb_parts)
    time = np.concatenate(time_parts)
    orbit.setflags(write=False)
    time.setflags(write=False)
    return CadenceGrid(index=index, time=time, quality=quality, orbit=orbit, dump=dump)


# ------------------------------------------------------------------ transit model



#: Quadratic limb-darkening coefficients (TESS band, Teff 6816 K, logg 4.17; cf. Claret 2017).
U1: float = 0.25
U2: float = 0.30
#: Impact parameter of the simulated transit (roughly consistent with the stellar density and 4.05 h duration).
IMPACT_PARAMETER: float = 0.75


def time_from_mid(time: np.ndarray, period_days: float, t0_btjd: float) -> np.ndarray:
    """Signed time from the nearest mid-transit, days (BTJD input)."""
    t = np.asarray(time, dtype=np.float64)
    return (np.mod((t - t0_btjd) / period_days + 0.5, 1.0) - 0.5) * period_days


def overlap_fraction(z: np.ndarray, p: float) -> np.ndarray:
    """Area of the stellar disk covered by the planet, in units of the planet's area (0..1).

    Parameters
    ----------
    z : ndarray
        Sky-projected centre separation, stellar radii.
    p : float
        Planet-to-star radius ratio (< 1).
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.zeros_like(z)
    out[z <= 1.0 - p] = 1.0
    part = (z > 1.0 - p) & (z < 1.0 + p)
    zp = z[part]
    k0 = np.arccos(np.clip((p * p + zp * zp - 1.0) / (2.0 * p * zp), -1.0, 1.0))
    k1 = np.arccos(np.clip((1.0 - p * p + zp * zp) / (2.0 * zp), -1.0, 1.0))
    sq = np.sqrt(np.clip(4.0 * zp * zp - (1.0 + zp * zp - p * p) ** 2, 0.0, None)) / 2.0
    out[part] = (p * p * k0 + k1 - sq) / (np.pi * p * p)
    return out


def transit_deficit(dt_days: np.ndarray, *, p: float, duration_days: float,
                    b: float = IMPACT_PARAMETER, u1: float = U1, u2: float = U2) -> np.ndarray:
    """Fractional flux deficit ``1 - F/F0`` of a limb-darkened transit (SIMULATION model).

    The planet moves on a straight chord with impact parameter ``b`` at the
    speed that makes first-to-fourth contact last ``duration_days``.

    Parameters
    ----------
    dt_days : ndarray
        Time from mid-transit, days.
    p : float
        Radius ratio Rp/R*.
    duration_days : float
        Total (T14) duration, days.
    b : float
        Impact parameter, stellar radii.
    u1, u2 : float
        Quadratic limb-darkening coefficients.

    Returns
    -------
    ndarray
        Deficit, dimensionless (0 out of transit).
    """
    half_chord = np.sqrt((1.0 + p) ** 2 - b * b)
    x = 2.0 * half_chord * np.asarray(dt_days, dtype=np.float64) / duration_days
    z = np.hypot(x, b)
    lam = overlap_fraction(z, p)
    r = np.clip(np.where(z <= 1.0 - p, z, 0.5 * (z - p + 1.0)), 0.0, 1.0)
    one_minus_mu = 1.0 - np.sqrt(1.0 - r * r)
    intensity = 1.0 - u1 * one_minus_mu - u2 * one_minus_mu ** 2
    return p * p * lam * intensity / (1.0 - u1 / 3.0 - u2 / 6.0)


def _shape_mean_in_window(duration_days: float, p: float = 0.02) -> float:
    """Mean of the transit deficit over ``|dt| < duration/2``.

    With per-cadence noise (≈240 ppm) much larger than the depth, the median of the
    in-transit fluxes that ``estimate_depth_ppm`` takes tends to the *mean* signal, so
    the shape is normalised by its in-window mean.
    """
    dt = np.linspace(-0.5, 0.5, 4001) * duration_days
    return float(np.mean(transit_deficit(dt, p=p, duration_days=duration_days)))


# ------------------------------------------------------------------ pointing jitter
def pointing_jitter(grid: CadenceGrid, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Simulated pointing offsets (column, row) per cadence, pixels.

    White jitter + a random walk restarted at each momentum dump and orbit start
    + a jump at each of them + a slow linear + quadratic drift over each orbit
    (bounded amplitude, random sign). Orders of magnitude: 3 mpx white, ~1 mpx
    walk/jumps, 3-8 mpx drift range per orbit.

    Parameters
    ----------
    grid : CadenceGrid
    rng : numpy.random.Generator

    Returns
    -------
    dcol, drow : ndarray, pixels
    """
    n = grid.time.size
    start = grid.dump.copy()
    start[0] = True
    start[1:] |= grid.orbit[1:] != grid.orbit[:-1]
    seg = np.cumsum(start) - 1
    seg_first = np.flatnonzero(start)[seg]
    n_orb = int(grid.orbit.max()) + 1
    omin = np.array([grid.time[grid.orbit == k].min() for k in range(n_orb)])
    omax = np.array([grid.time[grid.orbit == k].max() for k in range(n_orb)])
    u = 2.0 * (grid.time - omin[grid.orbit]) / (omax - omin)[grid.orbit] - 1.0
    out = []
    for _axis in range(2):
        white = rng.normal(0.0, JITTER_WHITE_PX, n)
        walk = np.cumsum(rng.normal(0.0, JITTER_WALK_STEP_PX, n))
        walk -= walk[seg_first]
        jumps = rng.normal(0.0, JITTER_DUMP_JUMP_PX, seg[-1] + 1)[seg]
        # bounded drift amplitudes (random size and sign): no rare huge drifts from Gaussian tails
        coef = rng.uniform(0.5, 1.0, (n_orb, 2)) * rng.choice([-1.0, 1.0], (n_orb, 2)) * JITTER_DRIFT_PX
        coef[:, 1] *= 0.5
        drift = coef[grid.orbit, 0] * u + coef[grid.orbit, 1] * (u * u - 1.0 / 3.0)
        out.append(white + walk + jumps + drift)
    return out[0], out[1]


# ------------------------------------------------------------------ apertures and noise
def pipeline_aperture(scene: Scene, sky_e_per_s: float = 200.0) -> np.ndarray:
    """Simulated pipeline (optimal) aperture: pixels maximising the target's SNR, crowded pixels left out.

    Pixels are added in order of decreasing target flux while the target's
    photometric SNR (photon + sky + read noise) grows; pixels whose target share
    of the flux is below :data:`APERTURE_MIN_TARGET_SHARE` are excluded (as a
    crowding-aware pipeline does).

    Parameters
    ----------
    scene : Scene
    sky_e_per_s : float
        Sky level per pixel assumed for the SNR, e-/s.

    Returns
    -------
    ndarray of bool, shape (13, 11)
    """
    tgt = render_cube(np.array([[scene.target.col]]), np.array([[scene.target.row]]),
                      np.array([[scene.target.flux]]), scene.prf)[0]
    total = render_image(scene)
    share = tgt / np.maximum(total, 1e-9)
    var = (np.clip(total, 0, None) + sky_e_per_s) / EXPOSURE_S + N_READS * READ_NOISE_E ** 2 / EXPOSURE_S ** 2
    cand = np.flatnonzero((share >= APERTURE_MIN_TARGET_SHARE).ravel())
    order = cand[np.argsort(-tgt.ravel()[cand], kind="stable")]
    snr = np.cumsum(tgt.ravel()[order]) / np.sqrt(np.cumsum(var.ravel()[order]))
    k = int(np.argmax(snr)) + 1
    mask = np.zeros(tgt.size, dtype=bool)
    mask[order[:k]] = True
    return mask.reshape(tgt.shape)


def background_mask(scene: Scene, aperture: np.ndarray) -> np.ndarray:
    """Simulated background pixels: the :data:`N_BACKGROUND_PIXELS` faintest pixels outside the aperture."""
    img = render_image(scene).ravel().copy()
    img[aperture.ravel()] = np.inf
    mask = np.zeros(img.size, dtype=bool)
    mask[np.argsort(img, kind="stable")[:N_BACKGROUND_PIXELS]] = True
    return mask.reshape(aperture.shape)


def _read_var() -> float:
    """Read-noise variance of one 2-minute pixel value, (e-/s)^2."""
    return N_READS * READ_NOISE_E ** 2 / EXPOSURE_S ** 2


def _sky_level(image: np.ndarray, aperture: np.ndarray, n_bkg: int, scatter_ppm: float) -> float:
    """Sky level (e-/s per pixel) that gives the aperture sum the requested per-cadence scatter.

    Aperture variance = Σ_ap (S + B)/t + n_ap·r² + n_ap²/n_bkg·(B/t + r²) (photon, sky,
    read noise and the background estimate's noise), solved for B; at least 1 e-/s.
    """
    s_ap = float(np.clip(image[aperture], 0, None).sum())
    n_ap = int(aperture.sum())
    want = (scatter_ppm * 1e-6 * float(image[aperture].sum())) ** 2
    k = n_ap + n_ap ** 2 / n_bkg
    b = EXPOSURE_S * ((want - s_ap / EXPOSURE_S) / k - _read_var())
    return max(b, 1.0)


def cotrend(flux: np.ndarray, dcol: np.ndarray, drow: np.ndarray, fit_mask: np.ndarray) -> np.ndarray:
    """Remove the pointing-correlated part of an aperture light curve.

    Least-squares regression of ``flux`` on ``[1, dcol, drow, dcol², drow², dcol·drow]``
    using only ``fit_mask`` cadences (out of transit, good quality), so a transit survives.

    Parameters
    ----------
    flux : ndarray, e-/s
    dcol, drow : ndarray
        Pointing offsets, pixels.
    fit_mask : ndarray of bool

    Returns
    -------
    ndarray
        Cotrended flux, e-/s (mean level kept).
    """
    x = np.column_stack([np.ones_like(dcol), dcol, drow, dcol * dcol, drow * drow, dcol * drow])
    beta, *_ = np.linalg.lstsq(x[fit_mask], flux[fit_mask], rcond=None)
    return flux - x[:, 1:] @ beta[1:]


def p2p_scatter_ppm(flux: np.ndarray) -> float:
    """Point-to-point scatter of a light curve: 1.4826·MAD(successive differences)/√2, ppm of the median."""
    f = np.asarray(flux, dtype=np.float64)
    f = f[np.isfinite(f)] / np.nanmedian(f)
    d = np.diff(f)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0) * 1e6)


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
    n_src = len(src)
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
