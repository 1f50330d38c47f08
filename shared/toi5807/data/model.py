"""The data model: per-sector light curves, target-pixel stamps and a dataset.

All containers are frozen dataclasses holding read-only numpy arrays, validated
on construction (:mod:`toi5807.data.validate`): a wrong shape, dtype or value
raises ``ValueError``/``TypeError`` naming the field and what was expected.
Converters from lightkurve objects are in :mod:`toi5807.data.convert`.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalogue import Catalogue
from .validate import check_flux, check_one_star, check_quality, check_sector, check_time

__all__ = ["LightCurve", "TPFStamp", "Dataset"]


def _float_array(name: str, value: Any, ndim: int, *, time: bool = False) -> np.ndarray:
    """``value`` as a read-only float64 copy of ``ndim`` dimensions (times: distinct, BTJD, none NaN; fluxes: no
    inf/absurd values)."""
    if time:
        arr = check_time(value, name=name)
        missing = np.isnan(arr)
        if missing.any():
            raise ValueError(f"{name}: {int(missing.sum())} NaN time(s) (first at index {int(np.argmax(missing))}); "
                             "expected a BTJD time for every cadence — drop the cadences without a time (the "
                             "readers and converters do, counting them in provenance['dropped_nan_time'])")
    else:
        arr = check_flux(value, name, ndim)
    out = arr.copy() if np.may_share_memory(arr, np.asarray(value)) else arr  # always a private copy
    out.setflags(write=False)
    return out


def _int_array(name: str, value: Any, n: int) -> np.ndarray:
    """``value`` as a read-only int32 array of quality flags, length ``n``."""
    out = np.array(check_quality(value, n, name), dtype=np.int32, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class LightCurve:
    """One sector's light curve.

    Parameters
    ----------
    time : array_like, shape (n,)
        Mid-cadence times in BTJD (BJD_TDB - 2457000), days: distinct, none NaN, within ±10000
        (a JD/BJD or MJD is refused with a hint; :func:`~toi5807.data.validate.check_time`).
    flux : array_like, shape (n,)
        Flux (e-/s for SPOC PDCSAP, or normalised to ~1).
    flux_err : array_like, shape (n,)
        1σ flux uncertainty in the units of ``flux``.
    quality : array_like of int, shape (n,)
        SPOC quality bit flags (0 = good).
    sector : int
        TESS sector number.
    provenance : mapping, optional
        Where the data came from: ``simulated`` (bool) and, for the twin, ``scenario`` and ``seed``;
        readers fill it from the file headers (``SIMDATA``, ``SCENARIO``, ``SIMSEED``) and record
        ``dropped_nan_time``, the cadences dropped because the file gave them no time (TIME = NaN).
    tic_id : int or None
        TESS Input Catalog ID of the target (``TICID`` of SPOC files, ``# tic_id:`` of the tutorial CSV);
        None when unknown.
    """

    time: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    quality: np.ndarray
    sector: int
    provenance: Mapping[str, Any] = field(default_factory=dict)
    tic_id: int | None = None

    def __post_init__(self) -> None:
        time = _float_array("time", self.time, 1, time=True)
        n = time.shape[0]
        flux = _float_array("flux", self.flux, 1)
        flux_err = _float_array("flux_err", self.flux_err, 1)
        for name, arr in (("flux", flux), ("flux_err", flux_err)):
            if arr.shape != (n,):
                raise ValueError(f"{name}: expected shape ({n},) to match time, got {arr.shape}")
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "flux", flux)
        object.__setattr__(self, "flux_err", flux_err)
        object.__setattr__(self, "quality", _int_array("quality", self.quality, n))
        object.__setattr__(self, "sector", check_sector(self.sector))
        object.__setattr__(self, "provenance", _provenance(self.provenance))
        object.__setattr__(self, "tic_id", _optional_int("tic_id", self.tic_id))

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @property
    def simulated(self) -> bool:
        """True for simulated data (the digital twin), from :attr:`provenance`."""
        return bool(self.provenance.get("simulated", False))

    def __repr__(self) -> str:
        good = int(np.count_nonzero(self.quality == 0))
        return (f"LightCurve(sector {self.sector}, {len(self)} cadences ({good} with quality 0), "
                f"{_span(self.time)}{_label(self.provenance)})")


@dataclass(frozen=True, eq=False)
class TPFStamp:
    """One sector's target-pixel stamp (a cube of calibrated pixel fluxes).

    Parameters
    ----------
    time : array_like, shape (n_time,)
        Mid-cadence times in BTJD, days (as :attr:`LightCurve.time`: distinct, none NaN, BTJD).
    flux : array_like, shape (n_time, n_rows, n_cols)
        Background-subtracted pixel flux, e-/s.
    flux_err : array_like, shape (n_time, n_rows, n_cols), optional
        1σ pixel flux uncertainty, e-/s.
    quality : array_like of int, shape (n_time,), optional
        SPOC quality bit flags; zeros when omitted.
    wcs : astropy.wcs.WCS or None
        Celestial WCS of the stamp (pixel (0, 0) = centre of the stamp's first pixel).
    aperture_mask : array_like of bool, shape (n_rows, n_cols), optional
        The pipeline's photometric aperture.
    column, row : int or None
        CCD column/row of the stamp's pixel (0, 0) (the stamp origin); None when unknown
        (a file whose header does not say, such as the real sector-83 file).
    sector : int
        TESS sector number.
    provenance : mapping, optional
        As :attr:`LightCurve.provenance`.
    tic_id : int or None
        TESS Input Catalog ID of the stamp's target (``TICID`` of SPOC files); None when unknown.
    ra_deg, dec_deg : float or None
        The target's position, degrees (ICRS; ``RA_OBJ``/``DEC_OBJ`` of SPOC files). Every pixel↔sky step uses
        it; None when the file does not say (then TOI-5807's catalogue position is used, and said so).
    camera, ccd : int or None
        TESS camera (1–4) and CCD (1–4) of the stamp, when the file says.
    """

    time: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray | None = None
    quality: np.ndarray | None = None
    wcs: Any = None
    aperture_mask: np.ndarray | None = None
    column: int | None = 0
    row: int | None = 0
    sector: int = 0
    provenance: Mapping[str, Any] = field(default_factory=dict)
    tic_id: int | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    camera: int | None = None
    ccd: int | None = None

    def __post_init__(self) -> None:
        time = _float_array("time", self.time, 1, time=True)
        flux = _float_array("flux", self.flux, 3)
        n = time.shape[0]
        if flux.shape[0] != n:
            raise ValueError(
                f"flux: expected a cube (n_time={n}, n_rows, n_cols) matching time, got shape {flux.shape}"
            )
        if flux.shape[1] < 1 or flux.shape[2] < 1:
            raise ValueError(f"flux: stamp must have at least one row and column, got shape {flux.shape}")
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "flux", flux)
        if self.flux_err is not None:
            err = _float_array("flux_err", self.flux_err, 3)
            if err.shape != flux.shape:
                raise ValueError(f"flux_err: expected shape {flux.shape} to match flux, got {err.shape}")
            if err.size and not np.isfinite(err).any():  # e.g. a FLUX_ERR column of NaN: as good as none
                err = None
                object.__setattr__(self, "provenance", {**dict(self.provenance or {}), "flux_err_all_nan": True})
            object.__setattr__(self, "flux_err", err)
        quality = np.zeros(n, dtype=np.int32) if self.quality is None else self.quality
        object.__setattr__(self, "quality", _int_array("quality", quality, n))
        if self.aperture_mask is not None:
            mask = np.asarray(self.aperture_mask)
            if mask.shape != flux.shape[1:]:
                raise ValueError(
                    f"aperture_mask: expected shape {flux.shape[1:]} to match the stamp, got {mask.shape}"
                )
            if mask.dtype != bool:
                if not np.issubdtype(mask.dtype, np.integer):
                    raise TypeError(f"aperture_mask: expected a boolean array, got dtype {mask.dtype}")
                mask = mask != 0
            mask = np.array(mask, dtype=bool, copy=True)
            mask.setflags(write=False)
            object.__setattr__(self, "aperture_mask", mask)
        if self.wcs is not None and not hasattr(self.wcs, "pixel_to_world_values"):
            raise TypeError(f"wcs: expected an astropy.wcs.WCS or None, got {type(self.wcs).__name__}")
        for name in ("column", "row"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an int (CCD pixel of the stamp origin) or None, "
                                f"got {type(value).__name__}")
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "sector", check_sector(self.sector))
        object.__setattr__(self, "provenance", _provenance(self.provenance))
        for name in ("tic_id", "camera", "ccd"):
            object.__setattr__(self, name, _optional_int(name, getattr(self, name)))
        for name, lim in (("ra_deg", 360.0), ("dec_deg", 90.0)):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"{name}: expected degrees as a float or None, got {type(value).__name__}") from None
            ok = 0.0 <= value <= 360.0 if name == "ra_deg" else -90.0 <= value <= 90.0
            if not ok:
                raise ValueError(f"{name}: expected {'0..360' if name == 'ra_deg' else '-90..90'} degrees, got {value}")
            object.__setattr__(self, name, value)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(n_time, n_rows, n_cols) of the flux cube."""
        return tuple(self.flux.shape)  # type: ignore[return-value]

    @property
    def simulated(self) -> bool:
        """True for simulated data (the digital twin), from :attr:`provenance`."""
        return bool(self.provenance.get("simulated", False))

    def __repr__(self) -> str:
        n, nr, nc = self.shape
        ap = "no aperture" if self.aperture_mask is None else f"{int(self.aperture_mask.sum())}-pixel aperture"
        wcs = "WCS" if self.wcs is not None else "no WCS"
        return (f"TPFStamp(sector {self.sector}, {n} cadences × {nr} rows × {nc} columns, {ap}, {wcs}, "
                f"{_span(self.time)}{_label(self.provenance)})")


def _optional_int(name: str, value: Any) -> int | None:
    """``value`` as an int, or None (bools and non-integers refused)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int or None, got {type(value).__name__} {str(value)[:40]!r}")
    return int(value)


def _provenance(value: Any) -> Mapping[str, Any]:
    """A read-only provenance mapping (``simulated``, ``scenario``, ``seed``, ``origin``...)."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise TypeError(f"provenance: expected a mapping such as {{'simulated': True}}, got {type(value).__name__}")
    sim = value.get("simulated", False)
    if not isinstance(sim, (bool, np.bool_)):
        raise TypeError(f"provenance['simulated']: expected True or False, got {sim!r}")
    return types.MappingProxyType(dict(value))


def _span(time: np.ndarray) -> str:
    t = time[np.isfinite(time)]
    return f"BTJD {t.min():.2f}–{t.max():.2f}" if t.size else "no finite time"


def _label(provenance: Mapping[str, Any]) -> str:
    inj = provenance.get("injected")
    if isinstance(inj, Mapping) and not provenance.get("simulated"):
        return (f", INJECTED eclipsing source at ({inj.get('east_arcsec', float('nan')):.1f}, "
                f"{inj.get('north_arcsec', float('nan')):.1f})″, {inj.get('aperture_depth_ppm', float('nan')):.0f} ppm")
    if not provenance.get("simulated"):
        return ""
    extra = ", ".join(f"{k} {provenance[k]}" for k in ("scenario", "seed") if k in provenance)
    return f", SIMULATED ({extra})" if extra else ", SIMULATED"


def _frozen_mapping(name: str, value: Mapping[Any, Any], kind: type) -> Mapping[int, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: expected a mapping sector -> {kind.__name__}, got {type(value).__name__}")
    out: dict[int, Any] = {}
    for key, item in value.items():
        if not isinstance(item, kind):
            raise TypeError(f"{name}[{key!r}]: expected a {kind.__name__}, got {type(item).__name__}")
        sector = check_sector(key)
        if item.sector != sector:
            raise ValueError(f"{name}[{sector}]: holds data of sector {item.sector}")
        out[sector] = item
    return types.MappingProxyType(dict(sorted(out.items())))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Light curves and target-pixel stamps of several sectors from one source.

    Parameters
    ----------
    lc_by_sector : mapping int -> LightCurve
    tpf_by_sector : mapping int -> TPFStamp
        Sectors without a target-pixel file simply have no entry.
    source : str
        Where the data came from: ``"twin"`` (simulation), ``"mast"`` or ``"local"``.
    meta : mapping, optional
        JSON-safe provenance shown by :meth:`summary` (for the twin: scenario, seed).
    catalogue : Catalogue, optional
        Stars around the target known to whoever made the dataset (the twin attaches its own scene); the
        pixel vetting ranks them as possible hosts of the dip. ``None``: the vetting finds its own.
    """

    lc_by_sector: Mapping[int, LightCurve]
    tpf_by_sector: Mapping[int, TPFStamp] = field(default_factory=dict)
    source: str = "local"
    meta: Mapping[str, Any] = field(default_factory=dict)
    catalogue: Catalogue | None = None

    def __post_init__(self) -> None:
        for name, kind in (("lc_by_sector", LightCurve), ("tpf_by_sector", TPFStamp)):
            object.__setattr__(self, name, _frozen_mapping(name, getattr(self, name), kind))
        if not isinstance(self.source, str) or not self.source:
            raise TypeError(f"source: expected a non-empty string, got {self.source!r}")
        object.__setattr__(self, "meta", types.MappingProxyType(dict(self.meta)))
        if self.catalogue is not None and not isinstance(self.catalogue, Catalogue):
            raise TypeError(f"catalogue: expected a toi5807 Catalogue or None, got {type(self.catalogue).__name__}")
        check_one_star(_identities(self), "dataset")

    @property
    def sectors(self) -> tuple[int, ...]:
        """Sectors with a light curve, ascending."""
        return tuple(self.lc_by_sector)

    @property
    def simulated(self) -> bool:
        """True when any part of the dataset is simulated (``meta['simulated']`` or a simulated member)."""
        members = (*self.lc_by_sector.values(), *self.tpf_by_sector.values())
        return bool(self.meta.get("simulated", False)) or any(m.simulated for m in members)

    def __repr__(self) -> str:
        sim = " — SIMULATED" + (f" ({self.meta['scenario']}, seed {self.meta['seed']})"
                                if "scenario" in self.meta and "seed" in self.meta else "") if self.simulated else ""
        tpf = list(self.tpf_by_sector) or "none"
        return (f"Dataset(source {self.source!r}{sim}: light curves for sectors {list(self.lc_by_sector)}, "
                f"target pixel files for {tpf})")

    def summary(self) -> dict[str, Any]:
        """JSON-safe description: source, sectors with light curves and with TPFs, provenance.

        Returns
        -------
        dict
            ``source``, ``sectors_lc``, ``sectors_tpf``, ``simulated`` (always), the
            ``meta`` entries (``scenario``, ``seed`` for the twin) and, when a reader dropped cadences
            without a time, ``dropped_nan_time_cadences`` = ``{"<sector>": n}`` (sector as a string key,
            as in JSON; the larger of the sector's light-curve and TPF counts; sectors with none are left
            out); ``data_notes`` when a file's content was set aside (an all-NaN FLUX_ERR). No paths. The data
            products and pipeline versions: :func:`toi5807.data.convert.dataset_products`.
        """
        out: dict[str, Any] = dict(self.meta)
        out.update(
            source=self.source,
            sectors_lc=list(self.lc_by_sector),
            sectors_tpf=list(self.tpf_by_sector),
            simulated=self.simulated,
        )
        dropped: dict[int, int] = {}
        for member in (*self.lc_by_sector.values(), *self.tpf_by_sector.values()):
            n = int(member.provenance.get("dropped_nan_time", 0) or 0)
            if n > 0:
                dropped[member.sector] = max(n, dropped.get(member.sector, 0))
        if dropped:
            out["dropped_nan_time_cadences"] = {str(s): n for s, n in sorted(dropped.items())}
        nan_err = [s for s, m in self.tpf_by_sector.items() if m.provenance.get("flux_err_all_nan")]
        if nan_err:
            out["data_notes"] = [f"sector {s}: FLUX_ERR is NaN everywhere in the target pixel file; ignored (pixel "
                                 "errors estimated from the pixels, as for a file without FLUX_ERR)" for s in nan_err]
        return out


def _identities(ds: Dataset) -> list[tuple[str, int | None, float | None, float | None]]:
    """(label, TIC, RA, Dec) of every member: the label its file name when a reader recorded one."""
    return [(str(m.provenance.get("file") or f"sector {s} {kind}"), m.tic_id,
             *((m.ra_deg, m.dec_deg) if getattr(m, "ra_deg", None) is not None and m.dec_deg is not None
               else (m.provenance.get("ra_obj_deg"), m.provenance.get("dec_obj_deg"))))
            for kind, members in (("light curve", ds.lc_by_sector), ("target pixel file", ds.tpf_by_sector))
            for s, m in members.items()]


def __getattr__(name: str) -> Any:
    """The lightkurve converters live in :mod:`toi5807.data.convert`; this keeps ``model.from_lightkurve_*`` working."""
    if name in ("from_lightkurve_lc", "from_lightkurve_tpf", "provenance_from_header"):
        from . import convert  # noqa: PLC0415
        return getattr(convert, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
