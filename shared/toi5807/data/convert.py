"""Converters from lightkurve objects to the data model, and provenance from file headers.

:func:`from_lightkurve_lc` and :func:`from_lightkurve_tpf` let users bring
their own lightkurve objects; the FITS readers (:mod:`toi5807.data.readers`)
use them too. A TPF that lacks optional SPOC content copes: no ``FLUX_ERR``
column → ``flux_err=None``; no stamp origin (``1CRV5P``/``2CRV5P``) →
``column``/``row`` None; every absent keyword or column a SPOC TPF normally
carries is listed in ``provenance["missing"]``. What V08 cannot do without
(times, a 3-D flux cube, the aperture extension, the sector) raises
``ValueError`` saying what was expected.

Identity comes from the files, never invented: ``tic_id`` from ``TICID`` (else
lightkurve's ``targetid`` / ``TARGETID``), ``ra_deg``/``dec_deg`` from
``RA_OBJ``/``DEC_OBJ`` (else lightkurve's ``.ra``/``.dec``), ``camera``/``ccd``
from ``CAMERA``/``CCD``; None when absent.

Cadences without a time are dropped and counted in
``provenance["dropped_nan_time"]``. SPOC writes TIME = NaN for cadences it
could not time (quality bits such as 8 and 128 set); lightkurve turns those
into 0.0 in a TPF's ``.time`` and drops them from a light curve. A TPF's raw
``hdu[1].data['TIME']`` is therefore what is looked at; a light curve without
an HDU counts NaN, masked and exactly-0.0 times (BTJD 0 is 2014, before TESS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .model import LightCurve, TPFStamp
from .validate import clip, header_int

__all__ = ["from_lightkurve_lc", "from_lightkurve_tpf", "provenance_from_header", "dataset_products", "PRODUCT_KEYS",
           "SPOC_TPF_OPTIONAL"]

#: Keywords (primary header) and columns (pixel table) a SPOC TPF carries but V08 can do without.
SPOC_TPF_OPTIONAL = {"header": ("CAMERA", "CCD", "CROWDSAP", "FLFRCSAP", "TESSMAG"),
                     "columns": ("FLUX_ERR", "FLUX_BKG", "POS_CORR1", "POS_CORR2")}


def _value(x: Any) -> np.ndarray:
    """Strip astropy units / masks / Time from a lightkurve column."""
    if hasattr(x, "filled"):
        x = x.filled(np.nan) if np.ma.isMaskedArray(x) or hasattr(x, "mask") else x
    return np.asarray(getattr(x, "value", x))


def _btjd(time: Any) -> np.ndarray:
    return np.asarray(time.btjd if hasattr(time, "btjd") else _value(time), dtype=np.float64)


def _identity(obj: Any, meta: Mapping[str, Any]) -> dict[str, Any]:
    """``tic_id``, ``ra_deg``, ``dec_deg``, ``camera``, ``ccd`` from the header (lightkurve's attributes as a
    fallback for the TIC ID and position); None for what neither says."""
    tic = meta.get("TICID")
    if tic is not None:
        tic = header_int(tic, "TICID")
    else:
        for value in (meta.get("TARGETID"), getattr(obj, "targetid", None)):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value > 0:
                tic = int(value)
                break
    out: dict[str, Any] = {"tic_id": tic}
    for key, attr, name in (("RA_OBJ", "ra", "ra_deg"), ("DEC_OBJ", "dec", "dec_deg")):
        value = meta.get(key)
        if value is None:
            try:
                value = getattr(obj, attr, None)
            except Exception:  # noqa: BLE001 - lightkurve's keyword lookups raise on odd headers
                value = None
        try:
            value = None if value is None else float(getattr(value, "value", value))
        except (TypeError, ValueError):
            raise ValueError(f"{key}: expected the target's position in degrees, got {clip(value)}") from None
        out[name] = value if value is not None and np.isfinite(value) else None
    for key in ("CAMERA", "CCD"):
        out[key.lower()] = None if meta.get(key) is None else header_int(meta[key], key)
    return out


def _timed(obj: Any, time: np.ndarray, hdu: Any = None) -> np.ndarray:
    """True for the cadences of ``obj`` that have a time (see the module docstring); ``hdu``: a TPF's HDUList."""
    try:
        raw = np.asarray(hdu[1].data["TIME"], dtype=np.float64) if hdu is not None else None
    except (KeyError, IndexError, TypeError, AttributeError):
        raw = None
    if raw is not None:
        kept = getattr(obj, "quality_mask", None)
        if kept is not None and np.shape(kept) == raw.shape:
            raw = raw[np.asarray(kept, dtype=bool)]
        if raw.shape == time.shape:
            return np.isfinite(raw)
    masked = np.broadcast_to(np.asarray(getattr(obj.time, "mask", False), dtype=bool), time.shape)
    return np.isfinite(time) & ~masked & (time != 0.0)


#: Primary-header keywords that say which data product and pipeline version a file is (kept, lower-cased, in
#: ``provenance["product"]``): SPOC's ``PROCVER`` (e.g. ``spoc-5.0.99-...``), ``DATA_REL``, ``CREATOR``, ``ORIGIN``.
PRODUCT_KEYS = ("ORIGIN", "CREATOR", "PROCVER", "DATA_REL", "FILEVER", "DATE", "TELESCOP")


def _plain_header(value: Any) -> Any:
    """A header value as a JSON-safe plain value (ints stay ints, text clipped to 80 characters)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return str(value)[:80].strip()


def dataset_products(ds: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The data product of every file of a dataset, from its header (:data:`PRODUCT_KEYS`, lower-cased).

    Returns
    -------
    dict
        ``{"<sector>": {"lc" | "tpf": {"procver", "data_rel", "creator", "origin", ...}}}``, sectors ascending;
        files whose headers say nothing are left out (the tutorial CSVs).
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, members in (("lc", ds.lc_by_sector), ("tpf", ds.tpf_by_sector)):
        for s, member in members.items():
            if member.provenance.get("product"):
                out.setdefault(str(s), {})[kind] = dict(member.provenance["product"])
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def provenance_from_header(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Provenance of a file from its primary-header keywords: ``SIMDATA`` → ``simulated``, with
    ``SCENARIO`` and ``SIMSEED`` for the digital twin (lightkurve keeps the header in ``.meta``); the data
    product (:data:`PRODUCT_KEYS` → ``product``) and the target's ``RA_OBJ``/``DEC_OBJ`` (``ra_obj_deg``,
    ``dec_obj_deg``, degrees) when the header says."""
    simulated = bool(meta.get("SIMDATA", False))
    out: dict[str, Any] = {"simulated": simulated}
    product = {k.lower(): _plain_header(meta.get(k)) for k in PRODUCT_KEYS if meta.get(k) is not None}
    if product:
        out["product"] = product
    for key in ("RA_OBJ", "DEC_OBJ"):  # the file's own target, also for light curves (one star per dataset)
        try:
            value = float(meta.get(key))
        except (TypeError, ValueError):
            continue
        if np.isfinite(value):
            out[f"{key.lower()}_deg"] = value
    if simulated:
        if meta.get("SCENARIO") is not None:
            out["scenario"] = clip(str(meta["SCENARIO"]), 80).strip("'")
        if meta.get("SIMSEED") is not None:
            out["seed"] = header_int(meta["SIMSEED"], "SIMSEED")
    return out


def _sector(obj: Any, meta: Mapping[str, Any], sector: Any) -> Any:
    if sector is None:
        sector = meta.get("SECTOR", getattr(obj, "sector", None))
    if sector is None:
        raise ValueError("SECTOR: the header has no sector number; pass sector=")
    return header_int(sector, "SECTOR")


def from_lightkurve_lc(lc: Any, sector: int | None = None) -> LightCurve:
    """Convert a lightkurve ``LightCurve``/``TessLightCurve`` into a :class:`LightCurve`.

    Parameters
    ----------
    lc : lightkurve.LightCurve
        Times in BTJD (lightkurve's ``btjd`` format), flux in any unit; without ``flux_err`` the
        errors are NaN, without ``quality`` the flags are 0. Cadences without a time (NaN, masked
        or 0.0) are dropped and counted (``provenance["dropped_nan_time"]``); ``tic_id`` from
        ``meta['TICID']`` (else ``TARGETID``), None when neither says.
    sector : int, optional
        Overrides ``lc.meta['SECTOR']``.

    Returns
    -------
    LightCurve
    """
    if not all(hasattr(lc, a) for a in ("time", "flux", "colnames")):
        raise TypeError(f"lc: expected a lightkurve LightCurve, got {type(lc).__name__}")
    meta = getattr(lc, "meta", None) or {}
    time = _btjd(lc.time)
    keep = _timed(lc, time)
    flux = _value(lc.flux)
    flux_err = _value(lc.flux_err) if "flux_err" in lc.colnames else np.full(flux.shape, np.nan)
    quality = _value(lc["quality"]) if "quality" in lc.colnames else np.zeros(len(flux), dtype=np.int32)
    provenance = provenance_from_header(meta)
    provenance["dropped_nan_time"] = int(np.count_nonzero(~keep))
    return LightCurve(time=time[keep], flux=flux[keep], flux_err=flux_err[keep], quality=quality[keep],
                      sector=_sector(lc, meta, sector), provenance=provenance,
                      tic_id=_identity(lc, meta)["tic_id"])


def _missing(primary: Mapping[str, Any], header1: Mapping[str, Any], columns: list[str],
             origin_known: bool) -> list[str]:
    """Optional SPOC content absent from the file (SPOC writes CROWDSAP/FLFRCSAP in the table's header)."""
    gone = [k for k in SPOC_TPF_OPTIONAL["header"] if primary.get(k) is None and header1.get(k) is None]
    gone += [c for c in SPOC_TPF_OPTIONAL["columns"] if c not in columns]
    return gone + ([] if origin_known else ["stamp origin (1CRV5P/2CRV5P)"])


def from_lightkurve_tpf(tpf: Any) -> TPFStamp:
    """Convert a lightkurve ``TessTargetPixelFile`` into a :class:`TPFStamp`.

    The cadences kept are those lightkurve kept (its ``quality_bitmask`` at read
    time); read with ``quality_bitmask="none"`` to let V08 apply its own mask.
    Needs TIME, FLUX (3-D), QUALITY, the aperture extension and SECTOR; copes
    without FLUX_ERR, WCS, the stamp origin, CAMERA/CCD, FLUX_BKG, POS_CORR,
    CROWDSAP, FLFRCSAP (see the module docstring). Cadences whose raw TIME is NaN
    (lightkurve shows them as 0.0) are dropped and counted in
    ``provenance["dropped_nan_time"]``; ``tic_id``, ``ra_deg``/``dec_deg``,
    ``camera``/``ccd`` come from the primary header (None when absent).

    Parameters
    ----------
    tpf : lightkurve.TessTargetPixelFile

    Returns
    -------
    TPFStamp
    """
    hdu = getattr(tpf, "hdu", None)
    if hdu is None or not all(hasattr(tpf, a) for a in ("time", "flux", "quality")):
        raise TypeError(f"tpf: expected a lightkurve TessTargetPixelFile, got {type(tpf).__name__}")
    columns = list(getattr(getattr(hdu[1], "columns", None), "names", []) or [])
    for col in ("TIME", "FLUX", "QUALITY"):
        if col not in columns:
            raise ValueError(f"pixel table has no {col} column; expected a SPOC target pixel file "
                             f"(columns: {clip(columns)})")
    flux = _value(tpf.flux)
    if flux.ndim != 3:
        raise ValueError(f"FLUX: expected a cube (n_time, n_rows, n_cols), got shape {flux.shape}")
    if len(hdu) < 3 or getattr(hdu[2], "data", None) is None:
        raise ValueError("no aperture extension (HDU 2, APERTURE image); expected a SPOC target pixel file")
    aperture = np.asarray(hdu[2].data)
    if aperture.shape != flux.shape[1:]:
        raise ValueError(f"APERTURE image has shape {aperture.shape}; expected the stamp's {flux.shape[1:]}")
    try:
        wcs = tpf.wcs
    except Exception:  # noqa: BLE001 - a TPF without usable WCS keywords is still a TPF
        wcs = None
    header1 = hdu[1].header
    origin_known = header1.get("1CRV5P") is not None and header1.get("2CRV5P") is not None
    primary = getattr(tpf, "meta", None) or hdu[0].header
    provenance = provenance_from_header(primary)
    missing = _missing(primary, header1, columns, origin_known)
    if missing:
        provenance["missing"] = missing
    time = _btjd(tpf.time)
    keep = _timed(tpf, time, hdu)
    provenance["dropped_nan_time"] = int(np.count_nonzero(~keep))
    every = bool(keep.all())  # no cadence dropped: no extra copy of the cube
    return TPFStamp(
        time=time if every else time[keep],
        flux=flux if every else flux[keep],  # one float64 copy is made by TPFStamp's validation
        flux_err=(_value(tpf.flux_err) if every else _value(tpf.flux_err)[keep]) if "FLUX_ERR" in columns else None,
        quality=np.asarray(tpf.quality) if every else np.asarray(tpf.quality)[keep],
        wcs=wcs,
        aperture_mask=np.asarray(tpf.pipeline_mask, dtype=bool),
        column=header_int(header1["1CRV5P"], "1CRV5P") if origin_known else None,
        row=header_int(header1["2CRV5P"], "2CRV5P") if origin_known else None,
        sector=_sector(tpf, primary, None),
        provenance=provenance,
        **_identity(tpf, primary),
    )
