"""Injection–recovery of V08 on transit-free twins: detection probability vs separation (SIMULATION).

The null stamps of :mod:`~toi5807.calibration.null` with an eclipse
injected on a point source at a given sky separation and position angle from
the target, rendered with the twin's PRF and jitter, scaled so that the
pipeline aperture sees the twin's transit depth (256 ppm) like
``background_eb``; detection = V08 σ ≥ 3 per sector and for the sky
combination of all sectors (:func:`toi5807.pixels.combine.combine_offsets`).
Detection probability vs separation is the sensitivity curve.

Bryson et al. (2013, arXiv:1303.0052); Twicken et al. (2018, PASP 130, 064502).
Every draw is seeded: the twin's noise by ``(seed, sector)``, V08's resampling by ``seed``.
"""

from __future__ import annotations

import dataclasses
import math
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target as _target
from ..data.geometry import sky_jacobian, vector_to_sky, wcs_orientation
from ..report import Explained, fmt, json_safe
from ..twin.geometry import sector_scene
from ..twin.scene import render_cube, render_image
from ..twin.simulate import simulate_sector
from ..twin.spec import load_spec
from ..twin.transit import time_from_mid, transit_deficit
from ..pixels.combine import combine_offsets
from ..centroid.config import CentroidShiftConfig
from ..centroid.shift import compute_centroid_shift
from .null import _tp, _tqdm_switch, clopper_pearson

__all__ = ["INJECTION_SCHEMA_VERSION", "InjectionRecovery", "inject_point_eclipse", "injection_recovery"]


#: Layout of :meth:`InjectionRecovery.to_dict` (``injection_recovery.json``). 1 (no ``schema_version`` key):
#: separations in TESS pixels (``separations_px``); 2: separations on the sky in arcsec (``separations_arcsec``).
INJECTION_SCHEMA_VERSION: int = 2


# ---------------------------------------------------------------------------------------------
# injection–recovery
# ---------------------------------------------------------------------------------------------
def _shape(time: np.ndarray) -> np.ndarray:
    """Twin transit shape normalised to a mean of 1 over |Δt| ≤ D/2 (as the twin's signal)."""
    d = _target.DURATION_HOURS / 24.0
    dt = time_from_mid(time, _target.PERIOD_DAYS, _target.T0_BTJD)
    grid = np.linspace(-0.5, 0.5, 4001) * d
    norm = float(np.mean(transit_deficit(grid, p=0.02, duration_days=d)))
    return transit_deficit(dt, p=0.02, duration_days=d) / norm


def inject_point_eclipse(sim: Any, source_pixel: Any, depth_ppm: float = 256.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Eclipse deficit of a point source on a twin stamp, scaled to an aperture dip of ``depth_ppm``.

    The deficit ``A·shape(t)·PRF(source + jitter)`` uses the twin's PRF
    (:mod:`toi5807.twin.scene`) and the sector's simulated pointing offsets
    (``pos_corr1/2``). ``A`` (e-/s) makes the pipeline-aperture light curve
    dip by ``depth_ppm`` (mean over the transit window), like the twin's
    ``background_eb`` scenario (SIMULATION).

    Parameters
    ----------
    sim : SimulatedSector
    source_pixel : array_like, shape (2,)
        (column, row) of the eclipsing source, stamp pixels.
    depth_ppm : float
        Aperture depth, ppm.

    Returns
    -------
    rows : ndarray of int
        Cadence indices that carry a deficit.
    deficit : ndarray, shape (len(rows), n_rows, n_cols)
        e-/s to subtract from ``sim.flux[rows]``.
    stamp_depth : float
        Mean in-window fractional drop of the whole noise-free stamp (dimensionless).
    """
    col, row = (float(v) for v in np.asarray(source_pixel, dtype=float).reshape(2))
    if not (math.isfinite(col) and math.isfinite(row)):
        raise ValueError(f"source_pixel: expected finite pixel coordinates, got {source_pixel!r}")
    if not depth_ppm > 0:
        raise ValueError(f"depth_ppm: expected > 0, got {depth_ppm}")
    scene, _ = sector_scene(load_spec(), sim.sector)
    image0 = render_image(scene)
    unit = render_cube(np.array([[col]]), np.array([[row]]), np.array([[1.0]]), scene.prf)[0]
    ap = np.asarray(sim.aperture_mask, dtype=bool)
    frac_ap = float(unit[ap].sum())
    if frac_ap <= 1e-6:
        raise ValueError(f"source at ({col:.2f}, {row:.2f}) puts no light in the aperture: no dip to scale")
    amp = depth_ppm * 1e-6 * float(image0[ap].sum()) / frac_ap
    shape = _shape(sim.time)
    rows = np.flatnonzero(shape > 0)
    cols = col + np.asarray(sim.pos_corr1)[rows, None]
    rws = row + np.asarray(sim.pos_corr2)[rows, None]
    deficit = render_cube(cols, rws, (amp * shape[rows])[:, None], scene.prf,
                          width_scale=np.asarray(sim.pointing.width_scale)[rows])
    in_win = np.abs(time_from_mid(sim.time, _target.PERIOD_DAYS, _target.T0_BTJD)) <= _target.DURATION_HOURS / 48
    stamp_depth = amp * float(unit.sum()) * float(np.mean(shape[in_win])) / float(image0.sum())
    return rows, deficit, stamp_depth


@dataclass(frozen=True, repr=False)
class InjectionRecovery(Explained):
    """Outcome of :func:`injection_recovery`.

    Attributes
    ----------
    separations_arcsec : tuple of float
        Sky separation of the injected source from the target, arcsec.
    position_angles_deg : tuple of float
        East of north.
    seeds, sectors : tuple of int
    method : str
        Significance method of the detections.
    depth_ppm : float
    detection_per_sector : dict
        separation -> fraction of (seed, PA, sector) injections with σ ≥ 3.
    detection_combined : dict
        separation -> fraction of (seed, PA) injections whose sky-combined shift has σ ≥ 3.
    n_per_sector, n_combined : int
        Injections per separation.
    ci99_per_sector, ci99_combined : dict
        separation -> Clopper–Pearson 99 % interval.
    median_stamp_depth_ppm : dict
        separation -> median fractional stamp depth of the injected eclipse, ppm.
    median_sigma_combined : dict
    runtime_s : float
    pixel_scale_arcsec_by_sector : dict
        sector -> arcsec per pixel of the sector's twin WCS at the target (to read separations in pixels).
    simulated : bool
        Always True (injections into simulated twins).

    ``.plot(ax=None)`` draws :func:`toi5807.plots.plot_sensitivity_curve`.
    """

    separations_arcsec: tuple[float, ...]
    position_angles_deg: tuple[float, ...]
    seeds: tuple[int, ...]
    sectors: tuple[int, ...]
    method: str
    depth_ppm: float
    detection_per_sector: dict[str, float]
    detection_combined: dict[str, float]
    n_per_sector: int
    n_combined: int
    ci99_per_sector: dict[str, tuple[float, float]]
    ci99_combined: dict[str, tuple[float, float]]
    median_stamp_depth_ppm: dict[str, float]
    median_sigma_combined: dict[str, float]
    runtime_s: float
    pixel_scale_arcsec_by_sector: dict[str, float] = dataclasses.field(default_factory=dict)
    simulated: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = json_safe(dataclasses.asdict(self), sig=None)
        out.pop("runtime_s")  # printed by the calibrate command, not stored: the cached results stay reproducible
        out["study"] = "injection_recovery"
        out["schema_version"] = INJECTION_SCHEMA_VERSION
        return out

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        rows = [(f"{r:g} arcsec", f"one sector {fmt(self.detection_per_sector[_sep_key(r)], '.2f')}, "
                 f"combined {fmt(self.detection_combined[_sep_key(r)], '.2f')}") for r in self.separations_arcsec]
        return (f"injection-recovery of a {self.depth_ppm:.0f} ppm blend ({self.method}): P(≥ 3σ) by separation",
                rows)


def _sep_key(r: float) -> str:
    return f"{r:g}"


def injection_recovery(
    seeds: Iterable[int],
    sectors: Iterable[int],
    separations_arcsec: Iterable[float] = (5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0),
    position_angles_deg: Iterable[float] = (0.0, 90.0, 180.0, 270.0),
    *,
    depth_ppm: float = 256.0,
    config: CentroidShiftConfig | None = None,
    progress: bool = True,
) -> InjectionRecovery:
    """Detection probability of an eclipsing source vs its separation from the target (SIMULATION).

    For every seed and sector a ``no_transit`` twin is simulated once; for each
    (separation, position angle) on the sky the source's pixel position comes
    from the sector's WCS (the same sky position in every sector), the eclipse
    is injected (:func:`inject_point_eclipse`), V08 runs with ``config``'s
    significance method (default: the package default), and the sectors' sky
    shift vectors are combined (:func:`toi5807.pixels.combine.combine_offsets`).

    Parameters
    ----------
    seeds, sectors : iterable of int
    separations_arcsec : iterable of float
        Sky separations, arcsec (≈ 0.25–3 TESS pixels by default).
    position_angles_deg : iterable of float
        East of north.
    depth_ppm : float
        Aperture dip of every injection, ppm.
    config : CentroidShiftConfig, optional
    progress : bool
        tqdm progress bar (silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    InjectionRecovery
    """
    from tqdm import tqdm

    cfg = config if config is not None else CentroidShiftConfig()
    seeds, sectors = [int(s) for s in seeds], [int(s) for s in sectors]
    seps, pas = [float(r) for r in separations_arcsec], [float(a) for a in position_angles_deg]
    if not (seeds and sectors and seps and pas):
        raise ValueError("seeds, sectors, separations_arcsec, position_angles_deg: expected non-empty")
    if any(not r > 0 for r in seps):
        raise ValueError(f"separations_arcsec: expected > 0 arcsec, got {seps}")
    tp = _tp()
    start = _time.perf_counter()
    n_sep, n_pa, n_sec = len(seps), len(pas), len(sectors)
    sigma = np.full((len(seeds), n_sep, n_pa, n_sec), np.nan)
    vec = np.full((len(seeds), n_sep, n_pa, n_sec, 2), np.nan)
    cov = np.full((len(seeds), n_sep, n_pa, n_sec, 2, 2), np.nan)
    sdepth = np.full((n_sep, n_pa, n_sec), np.nan)
    scales: dict[str, float] = {}
    jobs = [(i, seed, k, sector) for i, seed in enumerate(seeds) for k, sector in enumerate(sectors)]
    bar = tqdm(total=len(jobs) * n_sep * n_pa, desc="injection-recovery", mininterval=2.0, **_tqdm_switch(progress))
    for i, seed, k, sector in jobs:
        sim = simulate_sector(sector, seed=seed, scenario="no_transit")
        tpix = np.array(sim.wcs.world_to_pixel_values(_target.RA_DEG, _target.DEC_DEG), dtype=float)
        jinv = np.linalg.inv(sky_jacobian(sim.wcs, *tpix))  # pixels per arcsec
        scales[str(sector)] = wcs_orientation(sim.wcs, *tpix)["pixel_scale_arcsec"]
        flux = np.array(sim.flux)  # writable copy, modified in place and restored exactly
        run_cfg = dataclasses.replace(cfg, seed=seed)
        for a, r in enumerate(seps):
            for b, pa in enumerate(pas):
                th = math.radians(pa)
                sky = r * np.array([math.sin(th), math.cos(th)])  # (east, north) arcsec
                src = tpix + jinv @ sky
                rows, deficit, sd = inject_point_eclipse(sim, src, depth_ppm)
                sdepth[a, b, k] = sd
                saved = flux[rows].copy()
                flux[rows] -= deficit
                try:
                    res = compute_centroid_shift(flux, sim.time, tp, config=run_cfg, quality=sim.quality, wcs=sim.wcs)
                finally:
                    flux[rows] = saved
                sigma[i, a, b, k] = res.significance_sigma
                if np.all(np.isfinite(res.shift_covariance_pixels)):
                    sv = vector_to_sky(res.shift_vector_pixels, res.shift_covariance_pixels, sim.wcs,
                                       res.out_of_transit_centroid)
                    vec[i, a, b, k] = sv.vector_arcsec
                    cov[i, a, b, k] = sv.covariance_arcsec2
                bar.update(1)
    bar.close()
    det_sec, det_comb, ci_sec, ci_comb, med_depth, med_sig = {}, {}, {}, {}, {}, {}
    for a, r in enumerate(seps):
        key = _sep_key(r)
        s = sigma[:, a].ravel()
        k_sec = int(np.count_nonzero(s >= 3.0))
        det_sec[key] = k_sec / s.size
        ci_sec[key] = clopper_pearson(k_sec, s.size)
        comb = [combine_offsets(vec[i, a, b], cov[i, a, b]).significance_sigma
                for i in range(len(seeds)) for b in range(n_pa)]
        comb = np.asarray(comb, dtype=float)
        k_c = int(np.count_nonzero(comb >= 3.0))
        det_comb[key] = k_c / comb.size
        ci_comb[key] = clopper_pearson(k_c, comb.size)
        med_depth[key] = float(np.median(sdepth[a])) * 1e6
        med_sig[key] = float(np.median(comb))
    return InjectionRecovery(
        separations_arcsec=tuple(seps), position_angles_deg=tuple(pas), seeds=tuple(seeds), sectors=tuple(sectors),
        method=cfg.significance_method, depth_ppm=float(depth_ppm), detection_per_sector=det_sec,
        detection_combined=det_comb, n_per_sector=len(seeds) * n_pa * n_sec, n_combined=len(seeds) * n_pa,
        ci99_per_sector=ci_sec, ci99_combined=ci_comb, median_stamp_depth_ppm=med_depth,
        median_sigma_combined=med_sig, runtime_s=_time.perf_counter() - start, pixel_scale_arcsec_by_sector=scales,
    )
