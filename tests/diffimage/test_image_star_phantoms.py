"""Stars found in the out-of-transit image must be stars: a PRF wider or more lopsided than the search model, the
target on a pixel corner, or saturation bleed must not make 'image stars' out of pieces of the target's image, and
a real neighbour must still be found. Synthetic stamps, known truth."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.wcs import WCS
from toi5807.data.catalogue import catalogue_from_dict
from toi5807.diffimage.joint import IMAGE_ONLY_CAVEAT, host_name, rank_hosts
from toi5807.diffimage.stars import catalogue_from_image
from toi5807.pixels.prf import PRFParams, render_cube

SHAPE = (13, 11)
TARGET_FLUX = 2.5e5
PRFS = {
    "wider": PRFParams(1.6, 1.4, 3.0, 0.3, halo_fraction=0.1, sigma_halo=5.0),
    "lopsided": PRFParams(0.7, 0.8, 1.6, 0.35, wing_dcol=0.8, wing_drow=-0.5),
}


def _wcs() -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, -30.0]
    w.wcs.crpix = [6.0, 7.0]
    w.wcs.cdelt = [-21.0 / 3600.0, 21.0 / 3600.0]
    return w


def _bleed(img: np.ndarray, full_well: float) -> np.ndarray:
    """Saturation: the charge above ``full_well`` in a column spills into the pixels above and below its peak,
    filling each to the full well (flux conserved)."""
    out = np.minimum(img, full_well)
    for c in np.flatnonzero(np.any(img > full_well, axis=0)):
        excess, r = float(np.sum(img[:, c] - out[:, c])), int(np.argmax(img[:, c]))
        for k in range(1, img.shape[0]):
            for rr in (r + k, r - k):
                if 0 <= rr < img.shape[0] and excess > 0:
                    add = min(full_well - out[rr, c], excess)
                    out[rr, c] += add
                    excess -= add
    return out


def _stamp(case: str, neighbour: tuple[float, float, float] | None = None, seed: int = 0):
    prf = PRFS.get(case, PRFS["lopsided"])
    tx, ty = (5.5, 6.5) if case == "corner" else (5.13, 6.08)
    src = [(tx, ty, TARGET_FLUX)] + ([neighbour] if neighbour else [])
    s = np.array(src)
    clean = render_cube(s[None, :, 0], s[None, :, 1], s[None, :, 2], prf, SHAPE)[0] + 50.0
    if case == "saturated":
        clean = _bleed(clean, 0.25 * clean.max())
    noise = 0.1 * np.sqrt(clean)  # a mean of ~100 frames: the PRF mismatch, not the photon noise, dominates
    image = clean + noise * np.random.default_rng(seed).standard_normal(SHAPE)
    w = _wcs()
    return image, noise, w, tuple(float(v) for v in w.pixel_to_world_values(tx, ty))


@pytest.mark.parametrize("case", ["wider", "lopsided", "corner", "saturated"])
def test_one_star_gives_no_image_star(case):
    image, noise, w, radec = _stamp(case)
    cat = catalogue_from_image(image, w, radec, noise=noise)
    assert [s.label for s in cat.stars] == ["target"], cat.notes


@pytest.mark.parametrize("case", ["wider", "lopsided"])  # saturated: the masked columns leave too little (see notes)
def test_a_real_neighbour_is_still_found(case):
    truth = (8.6, 9.2, 0.03 * TARGET_FLUX)  # ≈ 4.7 px from the target, 3 % of its flux
    image, noise, w, radec = _stamp(case, truth)
    cat = catalogue_from_image(image, w, radec, noise=noise)
    assert len(cat.stars) == 2, cat.notes
    star = cat.stars[1]
    assert star.found_in_image and not cat.stars[0].found_in_image
    xy = np.array([float(v) for v in w.world_to_pixel_values(star.ra_deg, star.dec_deg)])
    assert np.hypot(*(xy - truth[:2])) < 0.5
    assert star.flux_e_per_s == pytest.approx(truth[2], rel=0.3)
    assert catalogue_from_dict(cat.to_dict()).stars[1].found_in_image  # the flag survives the JSON round-trip
    hosts = rank_hosts(lambda u: np.sum(np.atleast_2d(u) ** 2, axis=1), 0.0, cat, 1e3)
    named = {h["label"]: host_name(h) for h in hosts}
    assert named["target"] == "target" and named["image star 1"] == f"image star 1 — {IMAGE_ONLY_CAVEAT}"


def _prune_every_round(img, sig, ok, p, snr_min, residual_snr_min):
    """The star test refitting every survivor in every round (no nested-model bound): the reference."""
    from toi5807.diffimage.stars import _flex_fit, _score

    stars = p[5:].reshape(-1, 3)
    q, chi = _flex_fit(img, sig, ok, np.array([p[0], p[1], p[2], p[3], 0.0, 0.0, 0.05, 4.0, p[4]]), stars)
    while (n := (q.size - 9) // 3) > 1:
        stars = q[9:].reshape(n, 3)
        fits = [_flex_fit(img, sig, ok, q[:9], np.delete(stars, i, axis=0)) for i in range(1, n)]
        score = np.array([np.inf] + [_score(img, sig, ok, q, i, fits[i - 1][1] - chi, snr_min, residual_snr_min)[0]
                                     for i in range(1, n)])
        bad = np.flatnonzero(score <= 0.0)
        if not bad.size:
            bad = np.array([int(np.argmin(score))])
            if score[bad[0]] >= 1.0:
                break
        q, chi = fits[bad[0] - 1] if bad.size == 1 else _flex_fit(img, sig, ok, q[:9], np.delete(stars, bad, axis=0))
    return q[9:].reshape(-1, 3), []


@pytest.mark.parametrize("case", ["wider", "lopsided"])
def test_the_nested_model_bound_keeps_the_stars_full_refits_keep(case, monkeypatch):
    # the star test skips refits a nested-model bound settles; it must keep the stars refitting every round keeps
    import toi5807.diffimage.stars as stars_mod

    calls = {}
    for name, prune in (("bound", stars_mod._prune), ("every", _prune_every_round)):
        monkeypatch.setattr(stars_mod, "_prune", prune)
        image, noise, w, radec = _stamp(case, (8.6, 9.2, 0.03 * TARGET_FLUX))
        calls[name] = catalogue_from_image(image, w, radec, noise=noise)
    got, want = ([(s.label, round(s.ra_deg, 6), round(s.dec_deg, 6)) for s in calls[k].stars] for k in ("bound", "every"))
    assert got == want and len(got) == 2
