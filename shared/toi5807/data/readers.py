"""Readers for per-sector files: SPOC FITS (through lightkurve) and the tutorial CSV.

These are the only readers in the package: the twin, the MAST downloads and a
user's local folder all come back through :func:`read_lc_fits`,
:func:`read_tpf_fits` and :func:`read_lc_csv`. Every failure is a ``ValueError``
naming the file and what was wrong.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np

from .model import LightCurve, TPFStamp, from_lightkurve_lc, from_lightkurve_tpf
from .offline import offline_astropy

__all__ = ["read_lc_fits", "read_tpf_fits", "read_lc_csv", "CSV_COLUMNS"]

#: Required columns of the tutorial CSV format, in any order.
CSV_COLUMNS: tuple[str, ...] = ("time_btjd", "flux", "flux_err", "quality")

_SECTOR_RE = re.compile(r"^#\s*sector\s*:\s*(\d+)\s*$", re.IGNORECASE)


def _lk_read(path: Path, kind: str, quality_bitmask: str | int):
    import lightkurve as lk  # slow import: only when a FITS file is actually read

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path.name}: file not found ({kind} expected)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with offline_astropy():  # the package's own astropy calls never download (IERS, etc.)
                obj = lk.read(str(path), quality_bitmask=quality_bitmask)
        except Exception as exc:  # noqa: BLE001 - astropy/lightkurve raise many types for a bad file
            said = f"; the FITS reader also warned: {caught[0].message}" if caught else ""
            raise ValueError(
                f"{path.name}: not a readable TESS {kind} FITS file ({type(exc).__name__}: {exc}){said}"
            ) from exc
    for w in caught:  # a file that did read: pass its warnings on unchanged
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return obj


def read_lc_fits(path: str | Path, *, quality_bitmask: str | int = "default") -> LightCurve:
    """Read a SPOC light-curve FITS file (``*lc.fits``): PDCSAP flux, e-/s.

    Parameters
    ----------
    path : str or Path
    quality_bitmask : str or int, default "default"
        lightkurve's quality bitmask; flagged cadences are dropped.

    Returns
    -------
    LightCurve
    """
    import lightkurve as lk

    lc = _lk_read(Path(path), "light-curve", quality_bitmask)
    if not isinstance(lc, lk.TessLightCurve):
        raise ValueError(f"{Path(path).name}: expected a TESS light curve, lightkurve read a {type(lc).__name__}")
    if lc.meta.get("SECTOR") is None:
        raise ValueError(f"{Path(path).name}: primary header has no SECTOR keyword")
    return from_lightkurve_lc(lc)


def read_tpf_fits(path: str | Path, *, quality_bitmask: str | int = "none") -> TPFStamp:
    """Read a SPOC target-pixel FITS file (``*tp.fits``).

    Parameters
    ----------
    path : str or Path
    quality_bitmask : str or int, default "none"
        Keep every cadence by default: V08 applies its own quality mask.

    Returns
    -------
    TPFStamp
    """
    import lightkurve as lk

    tpf = _lk_read(Path(path), "target-pixel", quality_bitmask)
    try:
        if not isinstance(tpf, lk.TessTargetPixelFile):
            raise ValueError(
                f"{Path(path).name}: expected a TESS target pixel file, lightkurve read a {type(tpf).__name__}"
            )
        return from_lightkurve_tpf(tpf)  # copies the arrays out of the file
    finally:
        hdu = getattr(tpf, "hdu", None)
        if hdu is not None:
            hdu.close()  # lightkurve keeps the file open otherwise


def read_lc_csv(path: str | Path, sector: int | None = None) -> LightCurve:
    """Read the tutorial CSV light-curve format.

    The format is ``#`` comment lines (one may be ``# sector: N``), a header line
    naming at least ``time_btjd,flux,flux_err,quality``, then one numeric row per cadence.

    Parameters
    ----------
    path : str or Path
    sector : int, optional
        Sector number; taken from the ``# sector:`` comment when omitted.

    Returns
    -------
    LightCurve
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path.name}: file not found (CSV light curve expected)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not a UTF-8 text file ({exc})") from exc
    lines = text.splitlines()
    header_idx = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _SECTOR_RE.match(stripped)
            if m and sector is None:
                sector = int(m.group(1))
            continue
        header_idx = i
        break
    if header_idx is None:
        raise ValueError(f"{path.name}: empty file (expected a header line {','.join(CSV_COLUMNS)} and data rows)")
    names = [c.strip() for c in lines[header_idx].split(",")]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}; header has {names}, expected {list(CSV_COLUMNS)}")
    body = "\n".join(ln for ln in lines[header_idx + 1:] if ln.strip() and not ln.lstrip().startswith("#"))
    if not body:
        raise ValueError(f"{path.name}: no data rows after the header")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loadtxt warns instead of failing on some malformed input
            data = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except (ValueError, UserWarning) as exc:
        raise ValueError(f"{path.name}: malformed data ({exc}); expected {len(names)} numeric columns per row") from exc
    if data.shape[1] != len(names):
        raise ValueError(f"{path.name}: rows have {data.shape[1]} columns but the header names {len(names)}")
    cols = {name: data[:, names.index(name)] for name in CSV_COLUMNS}
    if sector is None:
        m = re.search(r"sector(\d+)", path.name)
        if m is None:
            raise ValueError(f"{path.name}: no sector given (no '# sector:' comment, not in the name, no sector=)")
        sector = int(m.group(1))
    q = cols["quality"]
    if not np.all(np.isfinite(q)) or np.any(q != np.round(q)):
        raise ValueError(f"{path.name}: quality column must hold integers")
    return LightCurve(time=cols["time_btjd"], flux=cols["flux"], flux_err=cols["flux_err"],
                      quality=q.astype(np.int32), sector=int(sector))
