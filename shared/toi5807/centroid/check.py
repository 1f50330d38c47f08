"""V08 — the centroid-shift check on one sector's target-pixel stamp.

:func:`run_v08` adapts a :class:`~toi5807.data.model.TPFStamp` (or a lightkurve
``TessTargetPixelFile``) and a :class:`~toi5807.lightcurve.ephemeris.Candidate` to the
array engine :func:`toi5807.centroid.shift.compute_centroid_shift`, turns its result
into a verdict, and collects what a plot needs.

Verdict (design note §5.1): FAIL when shift ≥ ``fail_shift_pixels`` **and**
σ ≥ ``fail_sigma``; WARN when shift ≥ ``warn_shift_pixels`` **or**
σ ≥ ``warn_sigma``; PASS otherwise. ">3σ" arises by chance 1.11 % of the time
for a 2-D Gaussian offset (Bryson et al. 2013, arXiv:1303.0052).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lightcurve import TransitParams, coerce_transit_params
from .. import lightcurve as _lightcurve
from ..data.geometry import target_pixel
from ..pixels.blas import one_blas_thread
from ..pixels.inputs import as_stamp, is_collection, is_dataset, stamps_by_sector, kept, usable_frames
from ..pixels.scale import wcs_problem
from ..report import Explained, fmt
from .config import CentroidShiftConfig, _json_safe
from .shift import compute_centroid_shift_with_images

__all__ = ["CheckResult", "run_v08", "v08_verdict", "V08_METRIC_KEYS"]

#: The six metrics the tutorial prints per sector.
V08_METRIC_KEYS = (
    "centroid_shift_pixels",
    "shift_uncertainty_pixels",
    "significance_sigma",
    "centroid_shift_arcsec",
    "n_in_transit_cadences",
    "n_out_of_transit_cadences",
)
#: Whole images in ``plot_data``: left out of :meth:`CheckResult.to_dict` unless asked for.
_IMAGE_KEYS = frozenset({"out_of_transit_mean_image", "in_transit_mean_image", "difference_image", "aperture_mask"})
_ALIASES = frozenset({"n_in_transit", "n_out_of_transit", "n_out_transit_cadences", "shift_arcsec", "warnings",
                      "confidence", "simulated"})
_FLAGGED_WARNINGS = {
    "saturation_risk": "SATURATION_RISK",
    "low_n_in_transit": "LOW_N_IN_TRANSIT",
    "low_n_out_transit": "LOW_N_OUT_TRANSIT",
}


@dataclass(frozen=True, repr=False)
class CheckResult(Explained):
    """Outcome of one vetting check.

    Attributes
    ----------
    id : str
        ``"V08"``.
    status : {"ok", "skipped"}
    verdict : {"PASS", "WARN", "FAIL"} or None
        None when skipped.
    confidence : float
        How much data the verdict stands on, from the cadence counts (0.85 at most: ≥ 20 in-transit cadences;
        see :attr:`toi5807.centroid.CentroidResult.confidence`); not a probability and not part of the σ.
    flags : tuple of str
        Machine-readable conditions (``MISSING_TPF``, ``NO_IN_TRANSIT_CADENCES``,
        ``NO_OUT_OF_TRANSIT_CADENCES``, ``SATURATION_RISK``, ``LOW_N_IN_TRANSIT``,
        ``LOW_N_OUT_TRANSIT``, ``DEGENERATE_SIGNIFICANCE``, ``NO_USABLE_PIXELS`` (every pixel NaN or zero),
        ``WCS_UNUSABLE`` (a singular WCS or an implausible pixel scale: a WARN at best)).
    warnings : tuple of str
        The engine's warnings.
    metrics : dict
        The tutorial's six metrics (pixels, σ, arcsec, counts); empty when skipped.
    details : dict
        The full :meth:`CentroidResult.to_dict`.
    plot_data : dict
        Mean images (e-/s, rows × cols), centroids (x = column, y = row, stamp
        pixels), their 2×2 covariances (pixels²), stamp origin (CCD column, row).
    simulated : bool
        True when the stamp was simulated (the digital twin); figures and summaries say so.

    ``repr`` gives the verdict, shift and σ in a few lines; ``.plot(ax=None)`` draws
    :func:`toi5807.plots.plot_centroid_shift`.
    """

    id: str = "V08"
    status: str = "skipped"
    verdict: str | None = None
    confidence: float = 0.0
    flags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    plot_data: dict[str, Any] = field(default_factory=dict)
    simulated: bool = False

    def to_dict(self, *, include_images: bool = False) -> dict[str, Any]:
        """JSON-safe dict (NaN/inf → None), one key per quantity.

        ``metrics`` holds the reference tutorial's six metrics (:data:`V08_METRIC_KEYS`); ``details`` the rest of
        the measurement without repeating them; ``plot_data`` the centroids and covariances a figure needs, and the
        mean images (rows × columns, e-/s) and aperture mask only with ``include_images=True``.
        """
        details = {k: v for k, v in self.details.items() if k not in self.metrics and k not in _ALIASES}
        plot = {k: v for k, v in self.plot_data.items() if include_images or k not in _IMAGE_KEYS}
        return _json_safe(
            {
                "id": self.id,
                "status": self.status,
                "verdict": self.verdict,
                "confidence": self.confidence,
                "flags": list(self.flags),
                "warnings": list(self.warnings),
                "metrics": self.metrics,
                "details": details,
                "plot_data": plot,
                "simulated": self.simulated,
            }
        )

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        sector = self.details.get("sector", self.plot_data.get("sector"))
        where = f"{self.id} sector {sector}" if sector is not None else self.id
        if self.status != "ok":
            reason = ", ".join(self.flags) or "no result"
            return f"{where}: skipped ({reason}) — no measurement", [("flags", reason)]
        m = self.metrics
        shift = m.get("centroid_shift_pixels")
        head = (f"{where}: {self.verdict} — shift {fmt(None if shift is None else 1e3 * shift, '.3g', 'milli-px')} "
                f"at {fmt(m.get('significance_sigma'), '.2f', 'σ')}")
        if "DEGENERATE_SIGNIFICANCE" in self.flags:  # a 1-pixel stamp: the "0 milli-px at 0.00σ" says nothing
            why = next((w for w in self.warnings if w.startswith("significance undefined")), "significance undefined")
            head = f"{where}: {self.verdict} — {why}"
        err = m.get("shift_uncertainty_pixels")
        rows = [
            ("shift", f"{fmt(None if shift is None else 1e3 * shift, '.3g')} ± "
                      f"{fmt(None if err is None else 1e3 * err, '.2g', 'milli-px')} "
                      f"({fmt(m.get('centroid_shift_arcsec'), '.3g', 'arcsec')})"),
            ("significance", "undefined (see the flags)" if "DEGENERATE_SIGNIFICANCE" in self.flags else
             f"{fmt(m.get('significance_sigma'), '.2f', 'σ')} ({self.details.get('significance_method', 'n/a')})"),
            ("cadences", f"{fmt(m.get('n_in_transit_cadences'), 'd')} in transit, "
                         f"{fmt(m.get('n_out_of_transit_cadences'), 'd')} out of transit"),
            ("flags", ", ".join(self.flags) or "none"),
            ("confidence", fmt(self.confidence, ".2f")),
        ]
        return head, rows


def v08_verdict(shift_pixels: float, sigma: float, config: CentroidShiftConfig | None = None) -> str:
    """PASS/WARN/FAIL from a shift (pixels) and its significance (σ); NaN never triggers, +inf always does."""
    cfg = config if config is not None else CentroidShiftConfig()
    big = lambda x, thr: bool(not np.isnan(x) and x >= thr)  # noqa: E731
    if big(shift_pixels, cfg.fail_shift_pixels) and big(sigma, cfg.fail_sigma):
        return "FAIL"
    if big(shift_pixels, cfg.warn_shift_pixels) or big(sigma, cfg.warn_sigma):
        return "WARN"
    return "PASS"


def _degenerate(result: Any) -> bool:
    """A significance was computed (enough cadences) but is undefined: NaN σ, a zero/non-finite uncertainty or a
    singular covariance (the significance module's ``degenerate_covariance``)."""
    if "significance_not_computed_insufficient_cadences" in result.warnings:
        return False  # low counts: the design note's LOW_N_* flags and reduced confidence say so (§4.3)
    unc = result.shift_uncertainty_pixels
    return bool(np.isnan(result.significance_sigma) or not (np.isfinite(unc) and unc > 0)
                or "degenerate_covariance" in result.warnings)


@one_blas_thread
def run_v08(tpf: Any, candidate: Any = None, *, config: CentroidShiftConfig | None = None,
            period_days: Any = None, t0_btjd: Any = None, duration_hours: Any = None, period: Any = None,
            t0: Any = None) -> CheckResult | dict[int, CheckResult]:
    """Run the V08 centroid-shift check on one sector, or on each sector of several stamps.

    Parameters
    ----------
    tpf : TPFStamp, lightkurve.TessTargetPixelFile, None, or several of them
        The sector's stamp (flux e-/s, time BTJD); None → skipped (``MISSING_TPF``). A list or tuple of
        stamps, a lightkurve ``TargetPixelFileCollection``, a mapping ``{sector: stamp}`` or a ``Dataset``
        (its sectors without a TPF come back skipped) runs every sector and returns ``{sector: CheckResult}``. lightkurve TPFs keep the cadences lightkurve kept
        (read them with ``quality_bitmask="none"`` to let V08 apply its own mask).
    candidate : Candidate, Ephemeris, TransitParams or mapping, optional
        Period (days), T0 (BTJD), duration (**hours**); a mapping holds ``period``, ``t0``,
        ``duration_hours`` (see :func:`toi5807.lightcurve.coerce_transit_params`).
    config : CentroidShiftConfig, optional
    period_days, t0_btjd, duration_hours : float, optional
        Instead of ``candidate``: period in days, mid-transit time in BTJD, duration in hours (the names every
        function of the package uses). A duration outside 0.25 h … 20 % of the period (e.g. 4 days given as
        hours) raises ``ValueError``.
    period, t0 : float, optional
        Aliases of ``period_days`` and ``t0_btjd`` (the reference tutorial's spelling), kept here only.

    Returns
    -------
    CheckResult or dict
        One result, or ``{sector: CheckResult}`` (ascending sectors) for several stamps.
        ``status="skipped"`` with ``NO_IN_TRANSIT_CADENCES`` or ``NO_OUT_OF_TRANSIT_CADENCES`` when a
        window has no usable cadence; ``verdict="WARN"`` with ``DEGENERATE_SIGNIFICANCE`` when the
        significance is undefined (NaN, a zero or non-finite shift uncertainty, fewer than 2 rows or columns of
        usable pixels), and ``WARN`` when too few cadences give no significance at all — never a PASS. Frames
        with NaN flux on the usable pixels are dropped one by one (``details["n_nan_frames_dropped"]``).
        ``simulated`` is the stamp's own label.
    """
    cfg = config if config is not None else CentroidShiftConfig()
    for alias, value, canonical in (("period", period, period_days), ("t0", t0, t0_btjd)):
        if value is not None and canonical is not None:
            raise TypeError(f"give {alias}= or its canonical name, not both (got {alias}={value!r})")
    tp = coerce_transit_params(candidate, period_days=period_days if period is None else period,
                               t0_btjd=t0_btjd if t0 is None else t0, duration_hours=duration_hours,
                               name="candidate")
    if is_dataset(tpf) or is_collection(tpf):  # every sector it has; those without a stamp come back skipped
        return {s: _run_one(st, tp, cfg) for s, st in stamps_by_sector(tpf).items()}
    return _run_one(tpf, tp, cfg)


def _fallback_no_transit_hint(time: np.ndarray, tp: TransitParams) -> str:
    """Used only when :mod:`toi5807.lightcurve` has no ``no_transit_hint``: the data span and a unit hint."""
    t = np.asarray(time, dtype=float)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return "no cadence has a time"
    hint = (f"no cadence of BTJD {t.min():.2f}–{t.max():.2f} falls in transit (period {tp.period:g} d, "
            f"t0 {tp.t0:g} BTJD, duration {tp.duration:g} h)")
    for what, p, d in (("period in hours?", tp.period / 24.0, tp.duration), ("duration in days?", tp.period,
                                                                            24.0 * tp.duration)):
        if d / 24.0 < p and np.any(np.abs(((t - tp.t0 + 0.5 * p) % p) - 0.5 * p) <= d / 48.0):
            return f"{hint}; {what} read so, cadences would fall in transit"
    return f"{hint}; check the units: period in days, t0 in BTJD (BJD − 2457000), duration in hours"


def no_transit_reason(time: np.ndarray, tp: TransitParams) -> str:
    """Why no cadence is in transit: :func:`toi5807.lightcurve.no_transit_hint` when it exists, else a fallback."""
    hint = getattr(_lightcurve, "no_transit_hint", None)
    text = hint(time, tp) if callable(hint) else ""
    return text or _fallback_no_transit_hint(time, tp)


def wcs_for_engine(stamp: Any) -> tuple[Any, str | None]:
    """The stamp's WCS if it can place pixels on the sky (else None), and why not (:func:`wcs_problem`)."""
    wcs = stamp.wcs
    try:
        at = target_pixel(stamp)
    except Exception:  # noqa: BLE001 - a singular WCS fails here already; wcs_problem names it
        at = None
    at = at if at is not None and all(np.isfinite(at)) else (None, None)
    why = wcs_problem(wcs, *at)
    return (wcs if why is None else None), why


def _skipped(flag: str, reason: str, stamp: Any, **kw: Any) -> CheckResult:
    return CheckResult(status="skipped", flags=(flag,), warnings=tuple(kw.pop("warnings", ())) + (reason,),
                       simulated=bool(getattr(stamp, "simulated", False)), **kw)


def _run_one(tpf: Any, tp: TransitParams, cfg: CentroidShiftConfig) -> CheckResult:
    if tpf is None:
        return CheckResult(status="skipped", flags=("MISSING_TPF",))
    stamp = as_stamp(tpf)
    keep, n_dropped, good = usable_frames(stamp.flux)
    if not good.any():
        return _skipped("NO_USABLE_PIXELS", "no usable pixels: every pixel is NaN or zero in every frame", stamp,
                        details={"sector": stamp.sector, "simulated": stamp.simulated})
    wcs, wcs_note = wcs_for_engine(stamp)
    quality = kept(stamp.quality, keep)
    result, images = compute_centroid_shift_with_images(
        kept(stamp.flux, keep), kept(stamp.time, keep), tp, config=cfg, quality=quality, wcs=wcs
    )
    details = result.to_dict()
    details["sector"] = stamp.sector
    details["simulated"] = stamp.simulated
    details["n_nan_frames_dropped"] = n_dropped
    details["wcs_problem"] = wcs_note
    extra = ((f"{n_dropped} frame(s) with non-finite flux on the usable pixels dropped",) if n_dropped else ())
    extra += ((f"{wcs_note}; arcsec values use the nominal scale",) if wcs_note else ())
    if result.n_in_transit_cadences == 0 or result.n_out_of_transit_cadences == 0:
        no_in = result.n_in_transit_cadences == 0
        why = no_transit_reason(stamp.time[keep], tp) if no_in else "no usable out-of-transit cadence"
        return _skipped("NO_IN_TRANSIT_CADENCES" if no_in else "NO_OUT_OF_TRANSIT_CADENCES", why, stamp,
                        warnings=result.warnings + extra, confidence=result.confidence, details=details)
    metrics = {key: details[key] for key in V08_METRIC_KEYS}
    flags = tuple(_FLAGGED_WARNINGS[w] for w in result.warnings if w in _FLAGGED_WARNINGS)
    warnings = result.warnings + extra
    verdict = v08_verdict(result.centroid_shift_pixels, result.significance_sigma, cfg)
    if "significance_not_computed_insufficient_cadences" in result.warnings:  # no σ: nothing to PASS on
        warnings += (f"too few cadences for a significance ({result.n_in_transit_cadences} in transit, "
                     f"{result.n_out_of_transit_cadences} out of transit); not a PASS",)
        verdict = "WARN" if verdict == "PASS" else verdict
    elif _degenerate(result) or min(good.any(axis=1).sum(), good.any(axis=0).sum()) < 2:  # σ NaN or resting on a zero/non-finite uncertainty: no PASS can be claimed
        flags += ("DEGENERATE_SIGNIFICANCE",)
        warnings += ("significance undefined: zero or non-finite shift uncertainty, a singular covariance or "
                     "fewer than 2 rows or columns of usable pixels; not a PASS",)
        verdict = "WARN" if verdict == "PASS" else verdict
    if wcs_note and not wcs_note.startswith("no WCS"):  # a WCS that is there but wrong: the stamp is suspect
        flags += ("WCS_UNUSABLE",)
        verdict = "WARN" if verdict == "PASS" else verdict
    plot_data = {
        "out_of_transit_mean_image": images.out_of_transit_mean,
        "in_transit_mean_image": images.in_transit_mean,
        "difference_image": images.out_of_transit_mean - images.in_transit_mean,
        "in_transit_centroid": result.in_transit_centroid,
        "out_of_transit_centroid": result.out_of_transit_centroid,
        "in_transit_centroid_cov": result.in_transit_centroid_cov,
        "out_of_transit_centroid_cov": result.out_of_transit_centroid_cov,
        "shift_vector_pixels": result.shift_vector_pixels,
        "shift_covariance_pixels": result.shift_covariance_pixels,
        "stamp_origin": {"column": stamp.column, "row": stamp.row},
        "aperture_mask": stamp.aperture_mask,
        "sector": stamp.sector,
        "coordinates": "stamp pixels, x = column, y = row, (0, 0) = centre of the first pixel",
    }
    return CheckResult(
        status="ok",
        verdict=verdict,
        confidence=float(result.confidence) if math.isfinite(result.confidence) else 0.0,
        flags=flags,
        warnings=warnings,
        metrics=metrics,
        details=details,
        plot_data=_json_safe(plot_data),
        simulated=stamp.simulated,
    )
