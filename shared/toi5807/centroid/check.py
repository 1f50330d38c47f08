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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.model import TPFStamp, from_lightkurve_tpf
from ..lightcurve import TransitParams, coerce_transit_params
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
        ``LOW_N_OUT_TRANSIT``, ``DEGENERATE_SIGNIFICANCE``).
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
        err = m.get("shift_uncertainty_pixels")
        rows = [
            ("shift", f"{fmt(None if shift is None else 1e3 * shift, '.3g')} ± "
                      f"{fmt(None if err is None else 1e3 * err, '.2g', 'milli-px')} "
                      f"({fmt(m.get('centroid_shift_arcsec'), '.3g', 'arcsec')})"),
            ("significance", f"{fmt(m.get('significance_sigma'), '.2f', 'σ')} "
                             f"({self.details.get('significance_method', 'n/a')})"),
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


def _as_stamp(tpf: Any, name: str = "tpf") -> TPFStamp:
    if isinstance(tpf, TPFStamp):
        return tpf
    if hasattr(tpf, "flux") and hasattr(tpf, "pipeline_mask") and hasattr(tpf, "time"):
        return from_lightkurve_tpf(tpf)
    raise TypeError(f"{name}: expected a TPFStamp, a lightkurve TessTargetPixelFile or None, got {type(tpf).__name__}")


def _is_collection(tpf: Any) -> bool:
    """A list/tuple/mapping of stamps or a lightkurve ``TargetPixelFileCollection`` (not one stamp, not an array)."""
    if any(c.__name__ == "Collection" for c in type(tpf).__mro__):  # lightkurve's (forwards member attributes)
        return True
    if tpf is None or isinstance(tpf, (TPFStamp, np.ndarray, str, bytes)) or hasattr(tpf, "pipeline_mask"):
        return False
    return isinstance(tpf, (list, tuple, Mapping)) or (hasattr(tpf, "__iter__") and hasattr(tpf, "__len__"))


def _stamps_by_sector(tpfs: Any) -> dict[int, TPFStamp | None]:
    if isinstance(tpfs, Mapping):
        out: dict[int, TPFStamp | None] = {}
        for key, item in tpfs.items():
            stamp = None if item is None else _as_stamp(item, f"tpf[{key!r}]")
            if stamp is not None and stamp.sector != int(key):
                raise ValueError(f"tpf[{key!r}]: holds a stamp of sector {stamp.sector}")
            out[int(key)] = stamp
        return dict(sorted(out.items()))
    out = {}
    for i, item in enumerate(tpfs):
        stamp = _as_stamp(item, f"tpf[{i}]")
        if stamp.sector in out:
            raise ValueError(f"tpf[{i}]: sector {stamp.sector} appears twice; give one stamp per sector")
        out[stamp.sector] = stamp
    return dict(sorted(out.items()))


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
        significance is undefined (NaN, or a zero or non-finite shift uncertainty) — never a PASS.
        ``simulated`` is the stamp's own label.
    """
    cfg = config if config is not None else CentroidShiftConfig()
    for alias, value, canonical in (("period", period, period_days), ("t0", t0, t0_btjd)):
        if value is not None and canonical is not None:
            raise TypeError(f"give {alias}= or its canonical name, not both (got {alias}={value!r})")
    tp = coerce_transit_params(candidate, period_days=period_days if period is None else period,
                               t0_btjd=t0_btjd if t0 is None else t0, duration_hours=duration_hours,
                               name="candidate")
    if hasattr(tpf, "tpf_by_sector") and hasattr(tpf, "lc_by_sector"):  # a Dataset: every sector it has
        tpf = {s: tpf.tpf_by_sector.get(s) for s in sorted({*tpf.lc_by_sector, *tpf.tpf_by_sector})}
    if _is_collection(tpf):
        return {s: _run_one(st, tp, cfg) for s, st in _stamps_by_sector(tpf).items()}
    return _run_one(tpf, tp, cfg)


def _run_one(tpf: Any, tp: TransitParams, cfg: CentroidShiftConfig) -> CheckResult:
    if tpf is None:
        return CheckResult(status="skipped", flags=("MISSING_TPF",))
    stamp = _as_stamp(tpf)
    result, images = compute_centroid_shift_with_images(
        stamp.flux, stamp.time, tp, config=cfg, quality=stamp.quality, wcs=stamp.wcs
    )
    details = result.to_dict()
    details["sector"] = stamp.sector
    details["simulated"] = stamp.simulated
    if result.n_in_transit_cadences == 0 or result.n_out_of_transit_cadences == 0:
        return CheckResult(
            status="skipped",
            flags=("NO_IN_TRANSIT_CADENCES" if result.n_in_transit_cadences == 0 else "NO_OUT_OF_TRANSIT_CADENCES",),
            warnings=result.warnings,
            confidence=result.confidence,
            details=details,
            simulated=stamp.simulated,
        )
    metrics = {key: details[key] for key in V08_METRIC_KEYS}
    flags = tuple(_FLAGGED_WARNINGS[w] for w in result.warnings if w in _FLAGGED_WARNINGS)
    warnings = result.warnings
    verdict = v08_verdict(result.centroid_shift_pixels, result.significance_sigma, cfg)
    if _degenerate(result):  # σ NaN or resting on a zero/non-finite uncertainty: no PASS can be claimed
        flags += ("DEGENERATE_SIGNIFICANCE",)
        warnings += ("significance undefined: zero or non-finite shift uncertainty (constant, empty or degenerate "
                     "pixels); not a PASS",)
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
