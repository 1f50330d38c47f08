"""Derive the digital twin's spec (``shared/toi5807/data/twin_spec.json``) from the real data.

Reads the real TOI-5807 light curves and out-of-transit reference images from
``--data-dir`` or ``$TOI5807_REAL_DATA_DIR`` and writes numbers only — never
flux values:

* per sector, the cadence grid: per-orbit cubic cadence-index -> BTJD mappings (domain = orbit index range)
  (checked to < 1 s against every real time), the orbits as index ranges and the
  cadences missing inside an orbit as run-length ranges;
* the real light curve's point-to-point scatter (ppm), which the twin's noise
  is calibrated to;
* for sectors 82 and 83, the parameters of a parametric scene (two-Gaussian
  pixel-integrated PRF, target + a few faint neighbours, flat background)
  least-squares fitted to the real out-of-transit image, with the real
  flux-weighted centroid and total flux as extra constraints; for sectors 55
  and 75 chosen, plausible placements;
* the background-EB neighbour placement (added to every sector's scene).

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
N_NEIGHBOURS_FIT = 4
#: Fitted neighbours stay at least this far from the target (pixels) and at most this flux ratio.
NB_MIN_SEP_PX = 2.8
NB_MAX_FRAC = 0.04

#: Chosen (not fitted) per-sector geometry: stamp origin (CCD column, row), camera/CCD, roll of the pixel grid (deg).
GEOMETRY = {
    55: {"ccd_column": 1021, "ccd_row": 1453, "camera": 1, "ccd": 3, "roll_deg": 212.4},
    75: {"ccd_column": 1455, "ccd_row": 662, "camera": 2, "ccd": 1, "roll_deg": 131.7},
    82: {"ccd_column": 640, "ccd_row": 1207, "camera": 1, "ccd": 4, "roll_deg": 37.9},
    83: {"ccd_column": 1710, "ccd_row": 918, "camera": 2, "ccd": 2, "roll_deg": 301.3},
}

#: Background-EB neighbour: separation from the target (pixels) and TESS magnitude difference. Its direction is
#: searched (15° steps) per sector for the largest whole-stamp centroid shift at a fixed aperture dip, i.e. the
#: side where the crowding-aware pipeline aperture leaves most of the neighbour's light outside.
BEB_SEP_PX = 2.3
#: Direction (degrees, sector 82's pixel frame) of the BEB neighbour, ONE position on the sky for all sectors.
#: Chosen by simulation: the clean (BEB minus no-transit, same seed) whole-stamp centroid shift was computed for
#: 75-135 deg in 15 deg steps; 120 deg maximises the smallest per-sector shift (5.7/6.1/8.2/8.5 mpx in s55/75/82/83),
#: which keeps the blend detectable by V08's empirical method in every sector (>= 3 sigma for seeds 0-5).
BEB_SKY_ANGLE_DEG = 120.0
BEB_DELTA_TMAG = 4.6
#: Provisional BEB offset used for the first scene fit (replaced by the searched one, then refitted).
BEB_PROVISIONAL = {"dcol": 1.414, "drow": 1.414, "delta_tmag": BEB_DELTA_TMAG}

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
def _unpack(p: np.ndarray, n_nb: int, fixed: list[Source]) -> Scene:
    prf = PRFParams(np.exp(p[3]), np.exp(p[4]), np.exp(p[5]), 1.0 / (1.0 + np.exp(-p[6])))
    tgt = Source(p[0], p[1], np.exp(p[2]))
    nbs = [Source(p[8 + 3 * k], p[9 + 3 * k], np.exp(p[10 + 3 * k])) for k in range(n_nb)]
    return Scene(prf=prf, target=tgt, neighbours=tuple(nbs + fixed), background=p[7], beb_index=0)


def fit_scene(image: np.ndarray, cen_col: float, cen_row: float, beb: dict) -> tuple[Scene, dict]:
    """Fit target + neighbours + PRF + flat background to a real out-of-transit image."""
    total = float(image.sum())
    r0, c0 = np.unravel_index(np.argmax(image), image.shape)
    p = np.array([cen_col, cen_row, np.log(total), np.log(0.6), np.log(0.6), np.log(1.8), -1.5, 0.0])
    sig = np.sqrt((0.03 * np.abs(image)) ** 2 + 20.0 ** 2)

    def resid(q: np.ndarray, n_nb: int, fixed_fn) -> np.ndarray:
        sc = _unpack(q, n_nb, fixed_fn(q))
        model = render_image(sc)
        c, r = flux_weighted_centroid(model)
        # Neighbours are faint field stars, not PSF patches: keep them >= MIN_SEP px away and <= MAX_FRAC of the target.
        nb = q[8:].reshape(-1, 3)
        sep = np.hypot(nb[:, 0] - q[0], nb[:, 1] - q[1])
        frac = np.exp(nb[:, 2] - q[2])
        pen = np.concatenate([np.clip(NB_MIN_SEP_PX - sep, 0, None) / 1e-3,
                              np.clip(frac - NB_MAX_FRAC, 0, None) / 1e-4])
        return np.concatenate([((model - image) / sig).ravel(),
                               [(c - cen_col) / 1e-3, (r - cen_row) / 1e-3, (model.sum() - total) / (1e-3 * total)],
                               pen])

    def beb_fn(q: np.ndarray) -> list[Source]:
        return [Source(q[0] + beb["dcol"], q[1] + beb["drow"], np.exp(q[2]) * 10 ** (-0.4 * beb["delta_tmag"]))]

    n_nb = 0
    for k in range(N_NEIGHBOURS_FIT + 1):
        sol = least_squares(resid, p, args=(n_nb, beb_fn), method="trf", x_scale="jac", max_nfev=4000)
        p = sol.x
        if k == N_NEIGHBOURS_FIT:
            break
        model = render_image(_unpack(p, n_nb, beb_fn(p)))
        res = image - model
        rr, cc = np.indices(image.shape)
        far = np.hypot(rr - p[1], cc - p[0]) > NB_MIN_SEP_PX + 0.2  # seed neighbours away from the target core
        j = np.argmax(np.where(far, res, -np.inf))
        r1, c1 = np.unravel_index(j, image.shape)
        p = np.concatenate([p, [c1, r1, np.log(max(res[r1, c1], 30.0) * 3.0)]])
        n_nb += 1
    scene = _unpack(p, n_nb, beb_fn(p))
    model = render_image(scene)
    c, r = flux_weighted_centroid(model)
    rms = float(np.sqrt(np.mean((model - image) ** 2)))
    diag = {"centroid_col_delta_px": float(c - cen_col), "centroid_row_delta_px": float(r - cen_row),
            "total_flux_rel_delta": float(model.sum() / total - 1.0), "rms_resid_e_per_s": rms,
            "rms_resid_frac_of_peak": rms / float(image.max())}
    return scene, diag


def beb_pixel_offset(ref_angle_deg: float, roll_deg: float) -> tuple[float, float]:
    """Pixel offset (dcol, drow) in a sector of roll ``roll_deg`` of the BEB neighbour.

    The neighbour has ONE position on the sky: ``ref_angle_deg`` is its direction in sector 82's pixel
    frame, rotated into the sector's frame the same way as the other neighbours (see ``chosen_scene``).
    """
    th = np.deg2rad(ref_angle_deg + roll_deg - GEOMETRY[82]["roll_deg"])
    return round(float(BEB_SEP_PX * np.cos(th)), 6), round(float(BEB_SEP_PX * np.sin(th)), 6)


def predicted_shift(scene: Scene, dcol: float, drow: float) -> float:
    """Predicted whole-stamp centroid shift (pixels) of the BEB neighbour at (dcol, drow) from the target.

    ``scene.neighbours[-1]`` is the (provisional) BEB neighbour and is replaced. The prediction is
    shift ≈ dip_ap · (F_ap / F_stamp) · d · f_stamp / f_ap for the aperture dip ``TWIN_DEPTH_PPM``.
    """
    from toi5807.twin import TWIN_DEPTH_PPM
    from toi5807.twin.photometry import pipeline_aperture
    from toi5807.twin.scene import render_cube

    t = scene.target
    others = list(scene.neighbours[:-1])
    nb = Source(t.col + dcol, t.row + drow, t.flux * 10 ** (-0.4 * BEB_DELTA_TMAG))
    sc = Scene(scene.prf, t, tuple(others + [nb]), scene.background, len(others))
    ap = pipeline_aperture(sc)
    one = render_cube(np.array([[nb.col]]), np.array([[nb.row]]), np.array([[nb.flux]]), sc.prf)[0]
    full = render_image(sc)
    c, r = flux_weighted_centroid(full)
    f_ap, f_st = one[ap].sum() / nb.flux, one.sum() / nb.flux
    dip_stamp_per_ap = full[ap].sum() / np.clip(full, 0, None).sum() * f_st / f_ap
    return float(TWIN_DEPTH_PPM * 1e-6 * dip_stamp_per_ap * np.hypot(nb.col - c, nb.row - r))


def choose_beb(scenes: dict[int, Scene], angle: float = BEB_SKY_ANGLE_DEG) -> dict[int, dict]:
    """Per-sector pixel placement of the BEB neighbour at ONE sky position.

    ``angle`` is its direction from the target in sector 82's pixel frame (degrees), ``BEB_SEP_PX`` its distance.
    """
    best = float(angle)
    out = {}
    for k in scenes:
        dcol, drow = beb_pixel_offset(best, GEOMETRY[k]["roll_deg"])
        out[k] = {"dcol": dcol, "drow": drow, "delta_tmag": BEB_DELTA_TMAG,
                  "angle_deg": round(float(np.rad2deg(np.arctan2(drow, dcol))) % 360.0, 6),
                  "angle_deg_in_s82_frame": best,
                  "predicted_centroid_shift_mpx": round(predicted_shift(scenes[k], dcol, drow) * 1e3, 3)}
    return out


def scene_block(scene: Scene, beb_index: int, source: str) -> dict:
    """JSON block of a scene (the BEB neighbour is listed last)."""
    return {
        "source": source,
        "prf": {"sigma_core_col": scene.prf.sigma_core_col, "sigma_core_row": scene.prf.sigma_core_row,
                "sigma_wing": scene.prf.sigma_wing, "wing_fraction": scene.prf.wing_fraction},
        "target": {"col": scene.target.col, "row": scene.target.row, "flux": scene.target.flux},
        "neighbours": [{"col": s.col, "row": s.row, "flux": s.flux} for s in scene.neighbours],
        "background": scene.background,
        "beb_index": beb_index,
    }


def chosen_scene(ref: Scene, ref_roll: float, roll: float, tcol: float, trow: float, beb: dict) -> Scene:
    """A plausible scene for a sector without reference image: the reference sector's neighbours
    rotated on the sky into this sector's roll, the target at a new sub-pixel position."""
    th = np.deg2rad(roll - ref_roll)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    nbs = []
    for s in ref.neighbours[:-1]:  # the reference's own BEB neighbour is placed anew
        d = rot @ np.array([s.col - ref.target.col, s.row - ref.target.row])
        nbs.append(Source(float(tcol + d[0]), float(trow + d[1]), s.flux))
    nbs.append(Source(tcol + beb["dcol"], trow + beb["drow"], ref.target.flux * 10 ** (-0.4 * beb["delta_tmag"])))
    return Scene(prf=ref.prf, target=Source(tcol, trow, ref.target.flux), neighbours=tuple(nbs),
                 background=ref.background, beb_index=len(nbs) - 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("TOI5807_REAL_DATA_DIR"))
    ap.add_argument("--out", default=str(SPEC_PATH))
    ap.add_argument("--beb-angle", type=float, default=BEB_SKY_ANGLE_DEG,
                    help="direction of the BEB neighbour in sector 82's pixel frame, degrees")
    args = ap.parse_args(argv)
    if not args.data_dir:
        ap.error("give --data-dir or set TOI5807_REAL_DATA_DIR")
    data_dir = Path(args.data_dir)
    sectors: dict[str, dict] = {}
    for sector in target.SECTORS:
        lc = read_lc_csv(data_dir / f"sector{sector}_pdcsap.csv")
        order = np.argsort(lc.time)
        entry = {"cadence": cadence_facts(lc.time[order]),
                 "real_p2p_scatter_ppm": p2p_scatter_ppm(lc.flux[order]),
                 "geometry": GEOMETRY[sector]}
        sectors[str(sector)] = entry
    images = json.loads((data_dir / "oot_reference_images_s82_s83.json").read_text())
    refs = {sector: images[str(sector)] for sector in (82, 83)}
    imgs = {}
    for sector, ref in refs.items():
        imgs[sector] = np.asarray(ref["oot_reference_image"], dtype=np.float64)
        if imgs[sector].shape != STAMP_SHAPE:
            raise ValueError(f"sector {sector}: reference image shape {imgs[sector].shape}, expected {STAMP_SHAPE}")
    cens = {k: (float(refs[k]["oot_centroid_col"]), float(refs[k]["oot_centroid_row"])) for k in refs}
    placements = {55: (5.31, 6.18), 75: (4.62, 5.71)}  # chosen sub-pixel target positions (col, row)
    # Provisional scenes (BEB neighbour at a provisional place) to choose the BEB's one sky direction.
    provisional = {k: fit_scene(imgs[k], *cens[k], BEB_PROVISIONAL)[0] for k in (82, 83)}
    for k, (tc, tr) in placements.items():
        provisional[k] = chosen_scene(provisional[82], GEOMETRY[82]["roll_deg"], GEOMETRY[k]["roll_deg"],
                                      tc, tr, BEB_PROVISIONAL)
    beb = choose_beb(provisional, args.beb_angle)
    fitted: dict[int, Scene] = {}
    for sector in (82, 83):  # refit with the final BEB neighbour in place
        scene, diag = fit_scene(imgs[sector], *cens[sector], beb[sector])
        fitted[sector] = scene
        sectors[str(sector)]["scene"] = scene_block(scene, len(scene.neighbours) - 1, "fit to real OOT image")
        sectors[str(sector)]["scene_fit"] = diag
        print(f"sector {sector}: fit {json.dumps(diag)}; BEB {beb[sector]}")
    for sector, (tc, tr) in placements.items():
        sc = chosen_scene(fitted[82], GEOMETRY[82]["roll_deg"], GEOMETRY[sector]["roll_deg"], tc, tr, beb[sector])
        sectors[str(sector)]["scene"] = scene_block(sc, sc.beb_index, "chosen (rotated s82 neighbours)")
        print(f"sector {sector}: BEB {beb[sector]}")
    spec = {
        "description": "TOI-5807 digital twin spec (SIMULATION inputs): cadence grids, noise levels and scene "
                       "parameters derived from the real light curves / images; numbers only, no flux values.",
        "tic_id": target.TIC_ID,
        "cadence_seconds": CADENCE_S,
        "orbit_gap_min_cadences": ORBIT_GAP_MIN_CADENCES,
        "beb": {str(k): beb[k] for k in sorted(beb)},
        "sectors": {str(s): sectors[str(s)] for s in target.SECTORS},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
