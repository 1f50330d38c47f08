"""Where is the transit source? Stamp depth, source offset from the target, and exclusion radius.

A centroid shift alone does not say where the dimming source is; with the
fractional depth of the whole stamp it does (Bryson et al. 2013,
arXiv:1303.0052; Twicken et al. 2018, PASP 130, 064502). :func:`stamp_depth`
measures that depth from the stamp itself, :func:`source_offset` turns a
sector's shift and depth into the source position and its offset from the
target (on the sky with :func:`toi5807.data.geometry.vector_to_sky`), and
:func:`exclusion_radius_arcsec` says how far from the target an eclipsing
source must be for V08 to have seen it at ≥3σ.

Sign convention of the source offset (derived here, Bryson et al. 2013 eq. 2
in our notation). Let the stamp's out-of-transit flux be ``F`` with
flux-weighted centroid ``c_out`` (pixels), and let a source at ``s`` lose
``δ·F`` in transit (δ = fractional drop of the *whole stamp*). The in-transit
centroid is ``c_in = (F c_out − δ F s) / (F (1 − δ))``, so

    Δc = c_in − c_out = −δ (s − c_out) / (1 − δ)   ⇒   s = c_out − Δc (1 − δ) / δ.

The centroid moves *away* from the dimming source. The offset of the source
from the target is ``s − t`` with ``t`` the target's pixel position from the
WCS and the catalogue RA/Dec (:mod:`toi5807.target`), so it works for real
stamps too. Uncertainties are propagated to first order:
``Cov(s) = ((1 − δ)/δ)² Cov(Δc) + Δc Δcᵀ σ_δ² / δ⁴``.

Coordinates: x = column, y = row, stamp pixels, (0, 0) = centre of the first pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import target as _target
from ..data.geometry import SkyVector, _as_matrix, vector_to_sky
from ..data.validate import check_cube, check_real, check_time
from ..lightcurve import coerce_transit_params, transit_window_masks
from ..report import Explained, fmt, json_safe
from .config import CentroidShiftConfig
from ..pixels.series import _quality_ok
from .stamp_sums import fake_depths, stamp_sums

__all__ = [
    "StampDepth",
    "SourceOffset",
    "stamp_depth",
    "source_offset",
    "exclusion_radius_arcsec",
]

_MAD_TO_SIGMA = 1.482602218505602
#: Asymptotic standard error of the median relative to the mean's, Gaussian data: sqrt(π/2).
_MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2.0)
#: Depth signal-to-noise below which a source offset is flagged and left out of the combination.
MIN_DEPTH_SNR = 3.0


@dataclass(frozen=True, repr=False)
class StampDepth(Explained):
    """Fractional flux drop of the whole stamp in transit (the δ of the source offset).

    Attributes
    ----------
    depth : float
        ``1 − median(in)/median(out)`` of the per-cadence stamp sums (negative pixels clipped to 0,
        as the centroid weights), dimensionless.
    depth_err : float
        1σ, the larger of the white-noise error of the two medians and the scatter of the
        same statistic at fake ephemerides between the transits (correlated noise).
    depth_ppm, depth_err_ppm : float
        The same in ppm.
    depth_err_white, depth_err_fake : float
        The two error estimates (NaN when fewer than 5 fake ephemerides fit).
    n_in, n_out, n_fake : int
    flags : tuple of str
        Why a value is missing or weaker than it looks: ``too_few_cadences`` (fewer than 3 in or out),
        ``cadences_without_flux`` (cadences whose stamp sum is not positive and finite were left out),
        ``depth_not_finite`` (degenerate input, e.g. no flux at all).
    snr : float
        ``depth / depth_err``.
    simulated : bool
    """

    depth: float
    depth_err: float
    depth_err_white: float
    depth_err_fake: float
    n_in: int
    n_out: int
    n_fake: int
    flags: tuple[str, ...] = ()
    simulated: bool = False

    @property
    def depth_ppm(self) -> float:
        """Depth, ppm."""
        return self.depth * 1e6

    @property
    def depth_err_ppm(self) -> float:
        """1σ depth error, ppm."""
        return self.depth_err * 1e6

    @property
    def snr(self) -> float:
        """depth / depth_err."""
        return self.depth / self.depth_err if self.depth_err > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None) including ppm values and SNR."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(depth_ppm=self.depth_ppm, depth_err_ppm=self.depth_err_ppm, snr=self.snr)
        return json_safe(out, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        return (f"stamp depth {fmt(self.depth_ppm, '.3g')} ± {fmt(self.depth_err_ppm, '.2g', 'ppm')} "
                f"(S/N {fmt(self.snr, '.2g')})", [
                    ("1σ error", f"white {fmt(1e6 * self.depth_err_white, '.2g')} ppm, "
                                 f"fake ephemerides {fmt(1e6 * self.depth_err_fake, '.2g')} ppm ({self.n_fake})"),
                    ("cadences", f"{self.n_in} in transit, {self.n_out} out of transit")])


def _median_and_se(v: np.ndarray) -> tuple[float, float]:
    med = np.median(v)
    s = _MAD_TO_SIGMA * np.median(np.abs(v - med))
    return float(med), float(_MEDIAN_SE_FACTOR * s / np.sqrt(v.size))


def stamp_depth(flux: Any, time: Any, transit_params: Any, *, quality: Any = None,
                config: CentroidShiftConfig | None = None) -> StampDepth:
    """Fractional depth δ of the whole stamp's flux, for the source offset (Bryson et al. 2013).

    Measured from the stamp itself — not from the aperture light curve, whose
    dilution differs. Windows as V08 (``k_in``, ``k_buffer``, quality bitmask).
    Vectorised (fake ephemerides included); any finite flux scale works, and
    degenerate input gives NaN values with ``flags``, never an exception.

    Parameters
    ----------
    flux : array_like, shape (n_time, n_rows, n_cols)
        e-/s.
    time : array_like, shape (n_time,)
        BTJD.
    transit_params : TransitParams or Candidate
    quality : array_like of int, optional
    config : CentroidShiftConfig, optional

    Returns
    -------
    StampDepth
    """
    cfg = config if config is not None else CentroidShiftConfig()
    tp = coerce_transit_params(transit_params)
    cube = check_cube(flux)
    t = check_time(time, cube.shape[0])
    ok = _quality_ok(quality, t.size, cfg.quality_bitmask) & np.isfinite(t)
    tot = stamp_sums(cube)
    flux_ok = np.isfinite(tot) & (tot > 0)
    flags = ("cadences_without_flux",) if np.any(ok & ~flux_ok) else ()
    ok &= flux_ok
    in_w, out_w = transit_window_masks(t, tp, cfg.k_in, cfg.k_buffer)
    ins, outs = ok & in_w, ok & out_w
    n_in, n_out = int(ins.sum()), int(outs.sum())
    if n_in < 3 or n_out < 3:
        return StampDepth(depth=math.nan, depth_err=math.nan, depth_err_white=math.nan, depth_err_fake=math.nan,
                          n_in=n_in, n_out=n_out, n_fake=0, flags=(*flags, "too_few_cadences"))
    m_in, e_in = _median_and_se(tot[ins])
    m_out, e_out = _median_and_se(tot[outs])
    with np.errstate(all="ignore"):
        depth = float(1.0 - np.float64(m_in) / m_out)
        err_white = float(np.hypot(np.float64(e_in) / m_out, m_in * (np.float64(e_out) / m_out) / m_out))
        fakes = fake_depths(tot, t, outs, tp, cfg)
        fakes = fakes[np.isfinite(fakes)]
        err_fake = float(np.std(fakes, ddof=1)) if fakes.size >= 5 else math.nan
    err = max(err_white, err_fake) if math.isfinite(err_fake) else err_white
    if not (math.isfinite(depth) and math.isfinite(err)):
        flags = (*flags, "depth_not_finite")
    return StampDepth(depth=depth, depth_err=float(err), depth_err_white=err_white, depth_err_fake=err_fake,
                      n_in=n_in, n_out=n_out, n_fake=int(fakes.size), flags=flags)


@dataclass(frozen=True, repr=False)
class SourceOffset(Explained):
    """Transit-source position implied by one sector's centroid shift (Bryson et al. 2013).

    Attributes
    ----------
    label : str
    defined : bool
        False when the depth is not positive or any input is not finite.
    flags : tuple of str
        ``depth_not_positive``, ``depth_not_significant`` (δ/σ_δ < 3; left out of combinations),
        ``no_shift_covariance``, ``no_wcs``, ``offset_not_finite`` (extreme inputs overflowed).
    source_pixel : (float, float)
        ``s = c_out − Δc (1 − δ)/δ``, stamp pixels.
    source_covariance_pixels : 2×2 tuple
        pixels².
    target_pixel : (float, float)
        Catalogue position of the target through the WCS, stamp pixels.
    offset_pixels : (float, float)
        ``s − t``, pixels.
    offset_sky : SkyVector or None
        ``s − t`` on the sky, arcsec (east, north).
    depth : float
        δ, the stamp's fractional depth used.
    simulated : bool
    """

    label: str
    defined: bool
    flags: tuple[str, ...]
    source_pixel: tuple[float, float]
    source_covariance_pixels: tuple[tuple[float, float], tuple[float, float]]
    target_pixel: tuple[float, float]
    offset_pixels: tuple[float, float]
    offset_sky: SkyVector | None
    depth: float
    simulated: bool = False

    @property
    def usable(self) -> bool:
        """Defined, on the sky and with a significant depth (enters combinations)."""
        return self.defined and self.offset_sky is not None and "depth_not_significant" not in self.flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN → None)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["usable"] = self.usable
        return json_safe(out, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        name = f"source offset ({self.label})" if self.label else "source offset"
        flags = ("flags", ", ".join(self.flags) or "none")
        if not self.defined:
            return f"{name}: undefined", [flags, ("stamp depth", fmt(1e6 * self.depth, ".3g", "ppm"))]
        sky = self.offset_sky
        where = (f"{fmt(sky.norm_arcsec, '.3g', 'arcsec')} from the target toward PA "
                 f"{fmt(sky.position_angle_deg, '.0f', '°')}" if sky is not None
                 else f"{fmt(float(np.hypot(*self.offset_pixels)), '.3g', 'px')} from the target (no WCS)")
        return f"{name}: {where}" + ("" if self.usable else " (not combined)"), [
            ("offset (east, north)", fmt(sky.vector_arcsec, ".3g", "arcsec") if sky is not None else "n/a"),
            ("offset (column, row)", fmt(self.offset_pixels, ".3g", "px")),
            ("stamp depth", fmt(1e6 * self.depth, ".3g", "ppm")), flags]


def source_offset(
    shift_vector_pixels: Any,
    shift_covariance_pixels: Any,
    out_of_transit_centroid: Any,
    depth: float,
    depth_err: float,
    *,
    wcs: Any = None,
    target_pixel: Any = None,
    target_radec: Any = None,
    label: str = "",
) -> SourceOffset:
    """Position of the transit source from a centroid shift and the stamp's fractional depth.

    ``s = c_out − Δc (1 − δ)/δ`` (derivation in the module docstring; Bryson et
    al. 2013, arXiv:1303.0052), ``Cov(s) = ((1 − δ)/δ)² Cov(Δc) + Δc Δcᵀ σ_δ²/δ⁴``
    (first order). The offset from the target, ``s − t``, goes to the sky with
    the WCS Jacobian at the target (:func:`vector_to_sky`).

    Parameters
    ----------
    shift_vector_pixels : array_like, shape (2,)
        Δc = in − out, pixels.
    shift_covariance_pixels : array_like, shape (2, 2)
        pixels².
    out_of_transit_centroid : array_like, shape (2,)
        c_out, pixels.
    depth, depth_err : float
        δ and its 1σ error (fraction of the stamp's flux, see :func:`stamp_depth`).
    wcs : astropy.wcs.WCS, optional
        Needed for the target position (unless ``target_pixel`` is given) and the sky offset.
    target_pixel : array_like, shape (2,), optional
        Default: ``target_radec`` through ``wcs``.
    target_radec : (float, float), optional
        The target's ICRS degrees (pass :func:`toi5807.data.geometry.stamp_target` of the stamp); default
        TOI-5807's catalogue position.
    label : str

    Returns
    -------
    SourceOffset
        Never raises for δ ≤ 0 or NaN inputs: ``defined=False`` with flags instead.
    """
    for name, val in (("depth", depth), ("depth_err", depth_err)):
        if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}: expected a real number, got {type(val).__name__}")
    dc = _as_matrix("shift_vector_pixels", shift_vector_pixels, (2,))
    cov = _as_matrix("shift_covariance_pixels", shift_covariance_pixels, (2, 2))
    c_out = _as_matrix("out_of_transit_centroid", out_of_transit_centroid, (2,))
    flags: list[str] = []
    if target_pixel is None:
        if wcs is None:
            tpix = np.array([math.nan, math.nan])
            flags.append("no_wcs")
        else:
            ra0, dec0 = target_radec if target_radec is not None else (_target.RA_DEG, _target.DEC_DEG)
            tpix = np.array(wcs.world_to_pixel_values(ra0, dec0), dtype=float)
    else:
        tpix = _as_matrix("target_pixel", target_pixel, (2,))
    nan2, nan22 = (math.nan, math.nan), ((math.nan, math.nan), (math.nan, math.nan))
    t2 = lambda a: (float(a[0]), float(a[1]))  # noqa: E731
    depth, depth_err = float(depth), float(depth_err)
    if not (math.isfinite(depth) and depth > 0):
        flags.append("depth_not_positive")
    if not np.all(np.isfinite(cov)):
        flags.append("no_shift_covariance")
    if flags and ("depth_not_positive" in flags or "no_shift_covariance" in flags) or not np.all(np.isfinite(dc)):
        return SourceOffset(label=str(label), defined=False, flags=tuple(flags), source_pixel=nan2,
                            source_covariance_pixels=nan22, target_pixel=t2(tpix), offset_pixels=nan2,
                            offset_sky=None, depth=depth)
    if not (math.isfinite(depth_err) and depth_err >= 0 and depth >= MIN_DEPTH_SNR * depth_err):
        flags.append("depth_not_significant")
    with np.errstate(all="ignore"):  # extreme but finite inputs give inf/NaN here, flagged below
        d = np.float64(depth)
        k = (1.0 - d) / d
        s = c_out - dc * k
        err2 = np.float64(depth_err) ** 2 if math.isfinite(depth_err) else np.float64(0.0)
        cov_s = k * k * cov + np.outer(dc, dc) * (err2 / d**4 if err2 > 0 else 0.0)
        off = s - tpix
    finite = bool(np.all(np.isfinite(s)) and np.all(np.isfinite(cov_s)))
    if not finite:
        flags.append("offset_not_finite")
    sky = None
    if finite and wcs is not None and np.all(np.isfinite(tpix)):
        sky = vector_to_sky(off, cov_s, wcs, tpix, label=label)
    return SourceOffset(label=str(label), defined=finite and bool(np.all(np.isfinite(off))), flags=tuple(flags),
                        source_pixel=t2(s), source_covariance_pixels=(t2(cov_s[0]), t2(cov_s[1])),
                        target_pixel=t2(tpix), offset_pixels=t2(off), offset_sky=sky, depth=depth)


def exclusion_radius_arcsec(offset_covariance_arcsec2: Any, nsigma: float = 3.0) -> float:
    """Radius beyond which an eclipsing source would have produced a ≥ ``nsigma`` offset.

    Definition: ``r = nsigma · sqrt(λ_max)``, with λ_max the largest eigenvalue
    of the covariance of the (combined) source offset, arcsec². A source that
    causes the observed stamp depth at a distance ≥ r from the target — in any
    direction, hence the largest eigenvalue — would have shifted the centroid
    by at least ``nsigma`` standard errors of the source offset (Bryson et al.
    2013, arXiv:1303.0052, "3σ exclusion radius"). NaN for a non-finite covariance.

    Parameters
    ----------
    offset_covariance_arcsec2 : array_like, shape (2, 2)
    nsigma : float
        Level, > 0.

    Returns
    -------
    float
        arcsec.
    """
    nsigma = check_real(nsigma, "nsigma", 0.0, low_open=True)
    c = _as_matrix("offset_covariance_arcsec2", offset_covariance_arcsec2, (2, 2))
    if not np.all(np.isfinite(c)):
        return math.nan
    with np.errstate(all="ignore"):
        try:
            lam = float(np.max(np.linalg.eigvalsh(0.5 * (c + c.T))))
        except np.linalg.LinAlgError:
            return math.nan
        return float(nsigma * np.sqrt(max(lam, 0.0))) if math.isfinite(lam) else math.nan
