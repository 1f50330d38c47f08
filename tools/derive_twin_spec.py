"""Derive the digital twin's spec (``shared/toi5807/twin/twin_spec.json``) from the real data and tess-point.

Reads the real TOI-5807 light curves and out-of-transit reference images from
``--data-dir`` or ``$TOI5807_REAL_DATA_DIR`` and writes numbers only — never
flux values:

* per sector, the cadence grid: per-orbit cubic cadence-index -> BTJD mappings (domain = orbit index range)
  (checked to < 1 s against every real time), the orbits as index ranges and the
  cadences missing inside an orbit as run-length ranges;
* the real light curve's point-to-point scatter (ppm), which the twin's noise
  is calibrated to;
* per sector, the geometry from ``tess-point`` (offline): camera, CCD, the target's CCD position and the
  local linear map of the detector (arcsec per pixel), from which the twin builds each stamp's WCS;
* ONE sky catalogue of the stamp's stars and, per sector, a parametric scene (two-Gaussian
  pixel-integrated PRF, target, flat background): fitted jointly to the real out-of-transit images of
  sectors 82 and 83 (neighbours share their sky positions through each sector's geometry; the real
  flux-weighted centroid and total flux are extra constraints); sectors 55 and 75 reuse the fitted PRF of
  the same camera (55 ← 82, both camera 3 CCD 2; 75 ← the mean of 82 and 83) at the target's tess-point
  sub-pixel position;
* the background-EB host: one more catalogue star at a chosen sky position.

The noise model (``noise_model`` block, fitted to the real sector-83 pixels by
``tools/calibrate_twin_noise.py``) is kept when the spec is rewritten.

Deterministic and re-runnable: ``python tools/derive_twin_spec.py [--data-dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares
from toi5807 import target  # the installed package (pip install -e .)
from toi5807.data.readers import read_lc_csv
from toi5807.twin.geometry import tess_point_geometry
from toi5807.twin.scene import (
    STAMP_SHAPE,
    PRFParams,
    Scene,
    Source,
    flux_weighted_centroid,
    render_image,
)

SPEC_PATH = Path(__file__).resolve().parents[1] / "shared" / "toi5807" / "twin" / "twin_spec.json"
CADENCE_S = 120.0
#: A gap of at least this many cadences separates two orbits (data downlink); shorter gaps are flagged cadences.
ORBIT_GAP_MIN_CADENCES = 100
#: Missing runs up to this length are simulated momentum dumps (quality bit 32), longer ones manual excludes (128).
DUMP_MAX_CADENCES = 3
POLY_DEGREE = 3
N_NEIGHBOURS_FIT = 6
#: Fitted neighbours stay at least this far from the target (pixels) and at most this flux ratio.
NB_MIN_SEP_PX = 2.8
NB_MAX_FRAC = 0.04


#: Fitted neighbours stay at least this far from the target on the sky (arcsec, ≈ 2.8 pixels).
NB_MIN_SEP_ARCSEC = 56.0
#: Fitted neighbours closer than this on the sky are one star (arcsec); fainter than this flux ratio, dropped.
MERGE_ARCSEC = 10.0
MIN_FLUX_RATIO = 1e-3
#: Background-EB host (chosen): sky offset from the target (east, north; arcsec) and TESS magnitude difference.
BEB_OFFSET_ARCSEC = (-6.64, 47.84)
BEB_DELTA_TMAG = 4.6
#: Sectors with a real out-of-transit image (fitted jointly) and the PRF each other sector borrows.
FITTED = (82, 83)
PRF_FROM = {55: (82,), 75: (82, 83)}

def cadence_facts(time: np.ndarray) -> dict:
    """Cadence-grid facts of one real light curve (times in BTJD, sorted)."""
    dt_med = np.median(np.diff(time))
    idx = np.round((time - time[0]) / dt_med).astype(np.int64)
    if np.any(np.diff(idx) < 1):
        raise ValueError("cadence index assignment failed (two times on one cadence)")
    steps = np.diff(idx)
    breaks = np.flatnonzero(steps >= ORBIT_GAP_MIN_CADENCES)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks], [idx[-1]]])
    # One cubic per orbit: the real time stamps carry small steps at orbit boundaries.
    polys, max_resid = [], 0.0
    for seg, (a, b) in zip(np.split(np.arange(time.size), breaks + 1), zip(starts, stops)):
        poly = np.polynomial.Polynomial.fit(idx[seg], time[seg], POLY_DEGREE, domain=[int(a), int(b)], window=[-1, 1])
        max_resid = max(max_resid, float(np.max(np.abs(poly(idx[seg]) - time[seg]))) * 86400.0)
        polys.append([float(c) for c in poly.coef])
    if max_resid > 0.2:
        raise ValueError(f"cadence-time polynomial residual {max_resid:.3f} s too large")
    small = np.flatnonzero((steps > 1) & (steps < ORBIT_GAP_MIN_CADENCES))
    missing = [[int(idx[i] + 1), int(steps[i] - 1)] for i in small]
    return {
        "n_points": int(time.size),
        "n_grid": int(idx[-1] + 1),
        "orbit_time_poly_coef": polys,
        "time_poly_max_resid_s": max_resid,
        "orbits": [[int(a), int(b)] for a, b in zip(starts, stops)],
        "missing_runs": missing,
        "dump_max_cadences": DUMP_MAX_CADENCES,
    }


def p2p_scatter_ppm(flux: np.ndarray) -> float:
    """Point-to-point scatter: 1.4826·MAD of successive differences / √2, ppm of the median."""
    f = flux / np.median(flux)
    d = np.diff(f)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0) * 1e6)


# ---------------------------------------------------------------- scene fit




# ---------------------------------------------------------------- joint scene fit of the real images
#: Per sector: target col, row, log flux; log core σ col, row; log wing σ; logit wing fraction; background;
#: wing offset col, row (a lopsided PRF: without it, fitted "neighbours" pile up to absorb the asymmetry);
#: logit halo fraction, log halo σ (extended wings: without them the fit invents a flat background).
N_SECTOR_PARAMS = 12
#: Bounds of the halo: at most this fraction of the flux, width between these pixels.
HALO_MAX_FRACTION = 0.25
HALO_SIGMA_PX = (2.0, 6.0)


def _sector_scene(q: np.ndarray, nb: np.ndarray, pix_per_arcsec: np.ndarray, beb_sky: np.ndarray) -> Scene:
    """Scene of one sector from its parameters ``q`` and the shared sky neighbours ``nb`` (east, north, log ratio)."""
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    halo = HALO_MAX_FRACTION * sig(q[10])  # a halo of stamp scale, not a flat sheet (that is the background)
    prf = PRFParams(np.exp(q[3]), np.exp(q[4]), np.exp(q[5]), sig(q[6]) * (1.0 - halo),
                    2.5 * np.tanh(q[8]), 2.5 * np.tanh(q[9]), halo, HALO_SIGMA_PX[0] + np.diff(HALO_SIGMA_PX)[0] * sig(q[11]))
    tgt = Source(q[0], q[1], np.exp(q[2]))
    sky = np.vstack([nb[:, :2], beb_sky[None, :2]]) if nb.size else beb_sky[None, :2]
    ratio = np.concatenate([np.exp(nb[:, 2]), [beb_sky[2]]]) if nb.size else np.array([beb_sky[2]])
    pix = sky @ pix_per_arcsec.T
    stars = tuple(Source(q[0] + dx, q[1] + dy, tgt.flux * r) for (dx, dy), r in zip(pix, ratio))
    # the real faintest pixels sit at zero after SPOC's background subtraction: no flat residual is fitted
    # (a free one soaks up the PRF's wings); what varies in time is the noise model's background block
    return Scene(prf=prf, target=tgt, neighbours=stars, background=0.0 * q[7], beb_index=len(stars) - 1)


def joint_fit(images: dict[int, np.ndarray], cens: dict[int, tuple[float, float]],
              geoms: dict[int, dict]) -> tuple[dict[int, Scene], np.ndarray, dict]:
    """Fit the sectors' images with per-sector PRF/target/background and ONE set of sky neighbours.

    Neighbours are added one at a time at the largest residual away from the target (either sector), up to
    ``N_NEIGHBOURS_FIT``; each stays ≥ ``NB_MIN_SEP_ARCSEC`` from the target and ≤ ``NB_MAX_FRAC`` of its flux.
    """
    secs = sorted(images)
    ppa = {k: np.linalg.inv(np.asarray(geoms[k]["arcsec_per_pixel"])) for k in secs}
    beb_sky = np.array([*BEB_OFFSET_ARCSEC, 10 ** (-0.4 * BEB_DELTA_TMAG)])
    sig = {k: np.sqrt((0.03 * np.abs(images[k])) ** 2 + 20.0 ** 2) for k in secs}
    q0 = np.concatenate([[cens[k][0], cens[k][1], np.log(images[k].sum()), np.log(0.6), np.log(0.6),
                          np.log(1.8), -1.5, 0.0, 0.0, 0.0, -1.0, 0.0] for k in secs])

    def split(p: np.ndarray) -> tuple[dict[int, np.ndarray], np.ndarray]:
        m = N_SECTOR_PARAMS * len(secs)
        return {k: p[i * N_SECTOR_PARAMS:(i + 1) * N_SECTOR_PARAMS] for i, k in enumerate(secs)}, p[m:].reshape(-1, 3)

    def resid(p: np.ndarray) -> np.ndarray:
        qs, nb = split(p)
        out = []
        for k in secs:
            model = render_image(_sector_scene(qs[k], nb, ppa[k], beb_sky))
            c, r = flux_weighted_centroid(model)
            total = images[k].sum()
            out += [((model - images[k]) / sig[k]).ravel(),
                    [(c - cens[k][0]) / 1e-3, (r - cens[k][1]) / 1e-3, (model.sum() - total) / (1e-3 * total)]]
        if nb.size:
            sep = np.hypot(nb[:, 0], nb[:, 1])
            out += [np.clip(NB_MIN_SEP_ARCSEC - sep, 0, None) / 1e-2, np.clip(np.exp(nb[:, 2]) - NB_MAX_FRAC, 0, None) / 1e-4]
        return np.concatenate(out)

    p = q0
    for n_nb in range(N_NEIGHBOURS_FIT + 2):
        p = least_squares(resid, p, method="trf", x_scale="jac", max_nfev=4000).x
        if n_nb == N_NEIGHBOURS_FIT:  # one star, not several fits of one bump: merge, drop the faintest, refit once
            qs, nb = split(p)
            p = np.concatenate([np.concatenate([qs[k] for k in secs]), merge_neighbours(nb).ravel()])
            continue
        if n_nb > N_NEIGHBOURS_FIT:
            break
        qs, nb = split(p)
        best = None
        for k in secs:  # seed the next neighbour at the largest residual away from the target core
            res = images[k] - render_image(_sector_scene(qs[k], nb, ppa[k], beb_sky))
            rr, cc = np.indices(res.shape)
            far = np.hypot(rr - qs[k][1], cc - qs[k][0]) > NB_MIN_SEP_PX + 0.2
            j = int(np.argmax(np.where(far, res, -np.inf)))
            if best is None or res.flat[j] > best[0]:
                best = (res.flat[j], k, *np.unravel_index(j, res.shape))
        val, k, r1, c1 = best
        east, north = np.asarray(geoms[k]["arcsec_per_pixel"]) @ np.array([c1 - qs[k][0], r1 - qs[k][1]])
        p = np.concatenate([p, [east, north, np.log(max(val, 30.0) * 3.0 / np.exp(qs[k][2]))]])
    qs, nb = split(p)
    scenes = {k: _sector_scene(qs[k], nb, ppa[k], beb_sky) for k in secs}
    diag = {}
    for k in secs:
        model = render_image(scenes[k])
        c, r = flux_weighted_centroid(model)
        rms = float(np.sqrt(np.mean((model - images[k]) ** 2)))
        diag[k] = {"centroid_col_delta_px": float(c - cens[k][0]), "centroid_row_delta_px": float(r - cens[k][1]),
                   "total_flux_rel_delta": float(model.sum() / images[k].sum() - 1.0), "rms_resid_e_per_s": rms,
                   "rms_resid_frac_of_peak": rms / float(images[k].max())}
    return scenes, nb, diag


def merge_neighbours(nb: np.ndarray) -> np.ndarray:
    """Neighbours (east, north, log ratio) closer than ``MERGE_ARCSEC`` merged flux-weighted; faint ones dropped."""
    left = list(np.argsort(-nb[:, 2]))
    out = []
    while left:
        i = left.pop(0)
        group = [i] + [j for j in left if np.hypot(*(nb[j, :2] - nb[i, :2])) < MERGE_ARCSEC]
        left = [j for j in left if j not in group]
        w = np.exp(nb[group, 2])
        if w.sum() >= MIN_FLUX_RATIO:
            out.append([*(w @ nb[group, :2] / w.sum()), np.log(w.sum())])
    return np.asarray(out, dtype=float).reshape(-1, 3)


def scene_block(scene: Scene, source: str) -> dict:
    """JSON block of one sector's scene (its stars come from the catalogue)."""
    return {
        "source": source,
        "prf": {"sigma_core_col": scene.prf.sigma_core_col, "sigma_core_row": scene.prf.sigma_core_row,
                "sigma_wing": scene.prf.sigma_wing, "wing_fraction": scene.prf.wing_fraction,
                "wing_dcol": scene.prf.wing_dcol, "wing_drow": scene.prf.wing_drow,
                "halo_fraction": scene.prf.halo_fraction, "sigma_halo": scene.prf.sigma_halo},
        "target": {"col": scene.target.col, "row": scene.target.row, "flux": scene.target.flux},
        "background": scene.background,
    }


def borrowed_scene(sector: int, geom: dict, fitted: dict[int, dict]) -> dict:
    """Scene block of a sector without a real image: PRF, target flux and background of ``PRF_FROM``,
    the target at its tess-point sub-pixel position (SPOC centres stamps on the target)."""
    src = [fitted[k] for k in PRF_FROM[sector]]
    mean = lambda get: float(np.mean([get(b) for b in src]))  # noqa: E731
    prf = {key: mean(lambda b, key=key: b["prf"][key]) for key in src[0]["prf"]}
    col = 4.0 + geom["target_ccd_column"] % 1.0
    row = 5.0 + geom["target_ccd_row"] % 1.0
    return {"source": f"chosen: PRF, target flux and background of sector(s) {list(PRF_FROM[sector])}, "
                      "target at its tess-point sub-pixel position",
            "prf": prf, "target": {"col": col, "row": row, "flux": mean(lambda b: b["target"]["flux"])},
            "background": mean(lambda b: b["background"])}


def stamp_origin(geom: dict, scene: dict) -> dict:
    """CCD column/row of the stamp's first pixel, so the target sits where tess-point puts it."""
    return {"ccd_column": int(np.floor(geom["target_ccd_column"] - scene["target"]["col"] + 0.5)),
            "ccd_row": int(np.floor(geom["target_ccd_row"] - scene["target"]["row"] + 0.5))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("TOI5807_REAL_DATA_DIR"))
    ap.add_argument("--out", default=str(SPEC_PATH))
    args = ap.parse_args(argv)
    if not args.data_dir:
        ap.error("give --data-dir or set TOI5807_REAL_DATA_DIR")
    data_dir = Path(args.data_dir)
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.is_file() else {}
    sectors: dict[str, dict] = {}
    geoms = {s: tess_point_geometry(s) for s in target.SECTORS}
    for sector in target.SECTORS:
        lc = read_lc_csv(data_dir / f"sector{sector}_pdcsap.csv")
        order = np.argsort(lc.time)
        sectors[str(sector)] = {"cadence": cadence_facts(lc.time[order]),
                                "real_p2p_scatter_ppm": p2p_scatter_ppm(lc.flux[order])}
    refs = json.loads((data_dir / "oot_reference_images_s82_s83.json").read_text())
    images = {k: np.asarray(refs[str(k)]["oot_reference_image"], dtype=np.float64) for k in FITTED}
    for k, img in images.items():
        if img.shape != STAMP_SHAPE:
            raise ValueError(f"sector {k}: reference image shape {img.shape}, expected {STAMP_SHAPE}")
    cens = {k: (float(refs[str(k)]["oot_centroid_col"]), float(refs[str(k)]["oot_centroid_row"])) for k in FITTED}
    scenes, nb, diag = joint_fit(images, cens, geoms)
    blocks = {k: scene_block(scenes[k], "joint fit to the real OOT images of sectors 82 and 83") for k in FITTED}
    for k in target.SECTORS:
        block = blocks[k] if k in blocks else borrowed_scene(k, geoms[k], blocks)
        geom = dict(geoms[k], **stamp_origin(geoms[k], block))
        sectors[str(k)].update(scene=block, geometry=geom)
        if k in diag:
            sectors[str(k)]["scene_fit"] = diag[k]
            print(f"sector {k}: fit {json.dumps(diag[k])}")
    order = np.argsort(np.hypot(nb[:, 0], nb[:, 1]))
    stars = [{"name": f"neighbour {i + 1}", "east_arcsec": float(nb[j, 0]), "north_arcsec": float(nb[j, 1]),
              "flux_ratio": float(np.exp(nb[j, 2]))} for i, j in enumerate(order)]
    stars.append({"name": "background EB host", "east_arcsec": BEB_OFFSET_ARCSEC[0],
                  "north_arcsec": BEB_OFFSET_ARCSEC[1], "flux_ratio": 10 ** (-0.4 * BEB_DELTA_TMAG),
                  "eclipsing": True})
    spec = {
        "description": "TOI-5807 digital twin spec (SIMULATION inputs): cadence grids, noise levels, tess-point "
                       "geometry, one sky catalogue and scene parameters derived from the real light curves / "
                       "images; numbers only, no flux values.",
        "tic_id": target.TIC_ID,
        "cadence_seconds": CADENCE_S,
        "orbit_gap_min_cadences": ORBIT_GAP_MIN_CADENCES,
        "catalogue": {"source": "neighbours: joint fit of the real OOT images of sectors 82/83; "
                                "background EB host: chosen", "stars": stars},
        "sectors": {str(s): sectors[str(s)] for s in target.SECTORS},
    }
    if "noise_model" in old:
        spec["noise_model"] = old["noise_model"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
