"""V10 — aperture dependence on one sector's stamp: the reference measurement, and which star fits the depths.

:func:`run_v10` measures the transit depth in a family of apertures (the pipeline aperture shrunk and grown,
circles on the target and on each catalogue or image star; :mod:`toi5807.aperture.masks`), predicts it for
each hypothesis "star s is the host" (:mod:`toi5807.aperture.hosts`) and reads every statistic against fake
epochs of the same pixels (:mod:`toi5807.aperture.depths`). The reference tool's measurement (five circles on
the stamp centre, :mod:`toi5807.aperture.reference`) is reported beside it with the reference's metric names.

Verdict (:func:`v10_verdict`; a hypothesis is *excluded* when its calibrated p < 1.11 %, i.e. ≥ 3σ in the
package's convention ``σ = √(−2 ln p)``, or when it needs δ_s > 1, or a brightening δ_s ≤ 0):

* cannot judge — no pixels, no WCS, no usable transit window, too few independent fakes to calibrate
  ("cannot calibrate"), or no significant dip in the pipeline aperture (< 3σ against the fakes): WARN, and
  the check does not vote (``votes=False``);
* **PASS** — the target is not excluded and every other star that could produce the dip is;
* **FAIL** — the target is excluded and a neighbour is not: the dip comes from that star;
* **WARN** — otherwise, naming the star it cannot tell from the target (or saying no star explains it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..lightcurve import TransitParams, coerce_transit_params
from ..pixels.blas import one_blas_thread
from ..pixels.inputs import as_stamp, is_collection, is_dataset, kept, stamps_by_sector, usable_frames
from ..pixels.quality import DEFAULT_QUALITY_BITMASK
from ..report import Explained, fmt, json_safe
from .masks import pixel_matrix
from .reference import REFERENCE_METRIC_KEYS

__all__ = ["ApertureResult", "run_v10", "v10_verdict", "v10_record", "V10_METRIC_KEYS", "MIN_INDEPENDENT_FAKES",
           "V10_SIGMA"]

#: The reference tutorial's V10 metric names, then ours.
V10_METRIC_KEYS = REFERENCE_METRIC_KEYS + ("dip_sigma", "target_sigma", "n_apertures", "n_independent_fakes")
#: Fewer independent fake epochs than this: the statistics cannot be calibrated (WARN, no vote).
MIN_INDEPENDENT_FAKES: int = 8
#: Exclusion threshold, σ (p = 1.11 %).
V10_SIGMA: float = 3.0
#: Out-of-transit pixel level above which the pixel may be saturated, e-/s.
SATURATION_E_PER_S: float = 150000.0
_MAX_NEIGHBOURS = 6


@dataclass(frozen=True, repr=False)
class ApertureResult(Explained):
    """Outcome of V10 on one sector.

    Attributes
    ----------
    id : str
        ``"V10"``.
    status : {"ok", "skipped"}
    verdict : {"PASS", "WARN", "FAIL"} or None
        None when skipped (no stamp).
    reason : str
    votes : bool
        Whether the verdict may enter a combined rule (False when the check could not judge).
    calibrated : bool
        Whether the exclusions rest on fake epochs of these pixels (enough independent fakes).
    most_likely_host : str or None
        The hypothesis with the smallest χ² among those possible (catalogue labels, as the difference images').
    metrics : dict
        :data:`V10_METRIC_KEYS` (ppm, ppm², pixels, σ, counts).
    apertures : tuple of dict
        Per aperture: ``name``, ``n_pixels``, ``flux_e_per_s`` (out of transit), ``depth_ppm``, ``depth_err_ppm``.
    hypotheses : tuple of dict
        Per star: ``label``, ``separation_arcsec``, ``flux_e_per_s``, ``delta`` (fractional dimming the star
        needs), ``delta_err``, ``chi2``, ``dof``, ``p``, ``sigma``, ``p_counted``, ``possible``, ``excluded``,
        ``predicted_depth_ppm`` (per aperture).
    flags : tuple of str
        ``MISSING_TPF``, ``NO_USABLE_PIXELS``, ``NO_WCS``, ``NO_TRANSIT_WINDOW``, ``TOO_FEW_EPOCHS`` (no usable
        transit window: cannot judge), ``FEW_TRANSITS`` (one usable transit),
        ``CANNOT_CALIBRATE``, ``NO_SIGNIFICANT_DIP``, ``BACKGROUND_ANNULUS_SMALL``, ``DEPTH_SIGN_FLIP``,
        ``SATURATION_RISK``.
    reference : dict
        The reference tool's measurement (:func:`toi5807.aperture.reference.reference_metrics`).
    details : dict
    simulated : bool

    ``repr`` gives the verdict, host and depths in a few lines; ``.plot(ax=None)`` draws
    :func:`toi5807.plots.plot_aperture_dependence`.
    """

    id: str = "V10"
    status: str = "skipped"
    verdict: str | None = None
    reason: str = ""
    votes: bool = False
    calibrated: bool = False
    most_likely_host: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    apertures: tuple = ()
    hypotheses: tuple = ()
    flags: tuple[str, ...] = ()
    reference: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    simulated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping (NaN/inf → None)."""
        return json_safe({"id": self.id, "status": self.status, "verdict": self.verdict, "reason": self.reason,
                          "votes": self.votes, "calibrated": self.calibrated,
                          "most_likely_host": self.most_likely_host, "metrics": self.metrics,
                          "apertures": list(self.apertures), "hypotheses": list(self.hypotheses),
                          "flags": list(self.flags), "reference": self.reference, "details": self.details,
                          "simulated": self.simulated}, sig=None)

    def _display(self) -> tuple[str, list[tuple[str, str]]]:
        where = f"{self.id} sector {self.details.get('sector')}"
        if self.status != "ok":
            return f"{where}: skipped — {self.reason}", [("flags", ", ".join(self.flags) or "none")]
        m = self.metrics
        head = f"{where}: {self.verdict} — {self.reason}"
        rows = [("most likely host", str(self.most_likely_host)),
                ("reference depths", f"{fmt(m.get('depth_ppm_aperture_min'), '.0f')} … "
                                     f"{fmt(m.get('depth_ppm_aperture_max'), '.0f', 'ppm')} (r = 1 … 3 px)"),
                ("dip / target test", f"{fmt(m.get('dip_sigma'), '.1f', 'σ')} / "
                                      f"{fmt(m.get('target_sigma'), '.1f', 'σ')} "
                                      f"({'calibrated' if self.calibrated else 'nominal'})"),
                ("flags", ", ".join(self.flags) or "none")]
        return head, rows


def v10_verdict(hypotheses: list[dict], *, calibrated: bool, can_judge: bool = True,
                why: str = "") -> tuple[str, str, bool]:
    """The rule of this module's docstring → (verdict, reason, votes)."""
    if not can_judge:
        return "WARN", why or "cannot judge", False
    if not calibrated:
        return "WARN", f"cannot calibrate: {why or 'too few independent fake epochs'}; nominal σ only", False
    tgt = next((h for h in hypotheses if h["label"] == "target"), None)
    others = [h for h in hypotheses if h["label"] != "target" and h["possible"]]
    alive = sorted((h for h in others if not h["excluded"]), key=lambda h: h["chi2"])
    if tgt is None:
        return "WARN", "no target hypothesis", False
    if tgt["excluded"]:
        if alive:
            h = alive[0]
            return "FAIL", (f"target excluded ({tgt['sigma']:.1f}σ); the depths fit {h['label']} "
                            f"({h['separation_arcsec']:.0f}″ away, {h['sigma']:.1f}σ, "
                            f"needs δ = {h['delta']:.3g})"), True
        return "WARN", f"target excluded ({tgt['sigma']:.1f}σ) but no catalogue star explains the depths", True
    if alive:
        h = alive[0]
        return "WARN", (f"depths fit the target ({tgt['sigma']:.1f}σ) and {h['label']} "
                        f"({h['separation_arcsec']:.0f}″, {h['sigma']:.1f}σ): cannot tell them apart"), True
    return "PASS", (f"depths fit the target ({tgt['sigma']:.1f}σ); every other star that could produce the dip "
                    "excluded at ≥ 3σ" if others else
                    f"depths fit the target ({tgt['sigma']:.1f}σ); no other star could produce the dip"), True


def v10_record(result: ApertureResult) -> dict[str, Any]:
    """What the vetting JSON keeps of V10 per sector: verdict, host, metrics, calibrated, reason (+ votes)."""
    return json_safe({"verdict": result.verdict, "most_likely_host": result.most_likely_host,
                      "metrics": dict(result.metrics), "calibrated": result.calibrated, "reason": result.reason,
                      "votes": result.votes}, sig=None)


@one_blas_thread
def run_v10(tpf: Any, candidate: Any = None, *, catalogue: Any = None, period_days: Any = None,
            t0_btjd: Any = None, duration_hours: Any = None,
            avoid: Any = None) -> ApertureResult | dict[int, ApertureResult]:
    """Run V10 (aperture dependence) on one sector, or on each sector of several stamps.

    Parameters
    ----------
    tpf : TPFStamp, lightkurve TPF, None, or a list / tuple / mapping / collection / Dataset of them
        As :func:`toi5807.run_v08` takes (flux e-/s, time BTJD); several → ``{sector: ApertureResult}``.
    candidate : Candidate, Ephemeris, TransitParams or mapping, optional
        Period (days), T0 (BTJD), duration (hours).
    catalogue : Catalogue, optional
        Stars to test as hosts (target first). Default: the Dataset's catalogue, else the stars found in the
        out-of-transit image (:func:`toi5807.diffimage.stars.catalogue_from_image`).
    period_days, t0_btjd, duration_hours : float, optional
        Instead of ``candidate``.
    avoid : ephemeris or list of them, optional
        Other transits in the data (e.g. the real planet's, when ``candidate`` is a fake epoch): no fake epoch
        overlaps them.

    Returns
    -------
    ApertureResult or dict
        Never raises for "cannot judge" cases: those come back skipped or WARN with ``votes=False``.
    """
    tp = coerce_transit_params(candidate, period_days=period_days, t0_btjd=t0_btjd, duration_hours=duration_hours,
                               name="candidate")
    avoid = [] if avoid is None else (list(avoid) if isinstance(avoid, (list, tuple)) else [avoid])
    others = [coerce_transit_params(a, name="avoid") for a in avoid]
    if catalogue is None and is_dataset(tpf):
        catalogue = getattr(tpf, "catalogue", None)
    if is_dataset(tpf) or is_collection(tpf):
        return {s: _run_one(st, tp, catalogue, others) for s, st in stamps_by_sector(tpf).items()}
    return _run_one(tpf, tp, catalogue, others)


def _skip(flag: str, reason: str, stamp: Any = None, **kw: Any) -> ApertureResult:
    return ApertureResult(status="skipped" if flag in ("MISSING_TPF", "NO_USABLE_PIXELS") else "ok",
                          verdict=None if flag in ("MISSING_TPF", "NO_USABLE_PIXELS") else "WARN",
                          reason=reason, flags=(flag,) + tuple(kw.pop("flags", ())),
                          simulated=bool(getattr(stamp, "simulated", False)), **kw)


def _run_one(tpf: Any, tp: TransitParams, catalogue: Any, others: list = ()) -> ApertureResult:
    from .analysis import analyse

    if tpf is None:
        return _skip("MISSING_TPF", "no target pixel file for this sector")
    stamp = as_stamp(tpf)
    keep, _, good = usable_frames(stamp.flux)
    details = {"sector": stamp.sector}
    if not good.any() or keep.sum() < 10:
        return _skip("NO_USABLE_PIXELS", "no usable pixels", stamp, details=details)
    flux, time = kept(stamp.flux, keep), np.asarray(kept(stamp.time, keep), dtype=float)
    q = kept(stamp.quality, keep)
    valid = np.isfinite(time) & (((q & DEFAULT_QUALITY_BITMASK) == 0) if q is not None else True)
    return analyse(stamp, flux, pixel_matrix(flux), time, valid, good, tp, catalogue, details, others)
