"""Readers for per-sector files: SPOC FITS (through lightkurve) and the tutorial CSV.

These are the only readers in the package: the twin, the MAST downloads and a
user's local folder all come back through :func:`read_lc_fits`,
:func:`read_tpf_fits` and :func:`read_lc_csv`. Every failure is a ``ValueError``
naming the file and what was wrong.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import stat
import warnings
from pathlib import Path

import numpy as np

from .convert import from_lightkurve_lc, from_lightkurve_tpf
from .model import LightCurve, TPFStamp
from .offline import offline_astropy
from .validate import MAX_MESSAGE, cap, check_btjd, clip, header_int

__all__ = ["read_lc_fits", "read_tpf_fits", "read_lc_csv", "check_regular_file", "CSV_COLUMNS"]

#: Required columns of the tutorial CSV format, in any order.
CSV_COLUMNS: tuple[str, ...] = ("time_btjd", "flux", "flux_err", "quality")

_HDULIST_REPR = re.compile(r"\[<astropy\.io\.fits\.hdu\.[^\]]*\]")
_SECTOR_RE = re.compile(r"^#\s*sector\s*:\s*(\S+)\s*$", re.IGNORECASE)
_TIC_RE = re.compile(r"^#\s*tic_?id\s*:\s*(\S+)\s*$", re.IGNORECASE)


def check_regular_file(path: Path, kind: str) -> Path:
    """``path`` if it is a regular file (symlinks to one are fine); else ``ValueError`` saying what it is.

    A FIFO would block the reader forever and a dangling link reads as "missing":
    both are reported by name rather than skipped or waited on.
    """
    path = Path(path)
    try:
        st = path.lstat()
    except OSError:
        raise ValueError(f"{path.name}: file not found ({kind} expected)") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = path.stat()
        except OSError:
            raise ValueError(f"{path.name}: dangling symbolic link to {clip(os.readlink(path))} "
                             f"({kind} expected)") from None
    if not stat.S_ISREG(st.st_mode):
        what = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFDIR: "a folder", stat.S_IFSOCK: "a socket",
                stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}.get(stat.S_IFMT(st.st_mode),
                                                                                    "not a regular file")
        raise ValueError(f"{path.name}: is {what}, not a regular file ({kind} expected)")
    return path


def _forward_warnings(caught: list, where: str) -> None:
    """Re-emit the FITS layer's warnings once per cause, with a count (a bad cadence range may warn hundreds of times)."""
    counts: dict[tuple[type, str], list] = {}
    for w in caught:
        counts.setdefault((w.category, str(w.message)), []).append(w)
    for (category, text), group in counts.items():
        times = f" (×{len(group)})" if len(group) > 1 else ""
        warnings.warn_explicit(cap(f"{where}: {text}{times}"), category, group[0].filename, group[0].lineno)


def _read_fits(path: Path, kind: str, quality_bitmask: str | int, convert, columns: tuple[str, ...] = ()):
    """``convert(lk.read(...), hdul)`` on a file this function opens and always closes (lightkurve leaks the handle
    of a file it fails on); every failure is a capped ``ValueError`` naming the file."""
    import lightkurve as lk  # slow import: only when a FITS file is actually read
    from astropy.io import fits

    path = check_regular_file(Path(path), f"{kind} FITS")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with offline_astropy():  # the package's own astropy calls never download (IERS, etc.)
                hdul = fits.open(path)
        except Exception as exc:  # noqa: BLE001 - not FITS at all
            raise ValueError(cap(f"{path.name}: not a readable TESS {kind} FITS file "
                                 f"({type(exc).__name__}: {str(exc)[:600]})")) from None
        with hdul:
            names = list(getattr(getattr(hdul[1], "columns", None), "names", None) or []) if len(hdul) > 1 else []
            lacking = [c for c in columns if c not in names]
            if lacking:
                raise ValueError(cap(f"{path.name}: no {'/'.join(lacking)} column in extension 1; expected a SPOC "
                                     f"{kind} file with columns {list(columns)} (found {clip(names)})"))
            try:
                with offline_astropy():
                    obj = lk.read(hdul, quality_bitmask=quality_bitmask)
            except Exception as exc:  # noqa: BLE001 - astropy/lightkurve raise many types for a bad file
                said = f"; the FITS reader also warned: {str(caught[0].message)[:600]}" if caught else ""
                text = _HDULIST_REPR.sub(path.name, str(exc)[:MAX_MESSAGE])  # lightkurve quotes the open HDUList
                raise ValueError(cap(f"{path.name}: not a readable TESS {kind} FITS file "
                                     f"({type(exc).__name__}: {text[:600]}){said}")) from None
            try:
                value = convert(obj, hdul)  # copies the arrays out of the file before it is closed
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
                text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
                raise ValueError(cap(f"{path.name}: {text[:MAX_MESSAGE]}")) from None
    _forward_warnings(caught, path.name)
    return value


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
        Times checked to be BTJD; every failure is a ``ValueError`` naming the file. Cadences
        with TIME = NaN that the quality bitmask keeps are dropped and counted in
        ``provenance["dropped_nan_time"]`` (those it drops anyway are not counted); ``tic_id``
        from ``TICID``.
    """
    import lightkurve as lk

    def convert(lc, hdul):
        if not isinstance(lc, lk.TessLightCurve):
            raise ValueError(f"expected a TESS light curve, lightkurve read a {type(lc).__name__}")
        if lc.meta.get("SECTOR") is None:
            raise ValueError("primary header has no SECTOR keyword")
        out = from_lightkurve_lc(lc)
        check_btjd(out.time, "TIME")
        # lightkurve silently drops TIME = NaN rows of a light curve: count those its bitmask would have kept
        raw = hdul[1].data
        untimed = ~np.isfinite(np.asarray(raw["TIME"], dtype=np.float64))
        if untimed.any() and "QUALITY" in raw.columns.names:
            untimed &= lk.utils.TessQualityFlags.create_quality_mask(np.asarray(raw["QUALITY"]), quality_bitmask)
        n = int(out.provenance.get("dropped_nan_time", 0)) + int(np.count_nonzero(untimed))
        return dataclasses.replace(out, provenance={**out.provenance, "dropped_nan_time": n})

    return _read_fits(Path(path), "light-curve", quality_bitmask, convert, ("TIME",))


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
        Needs TIME (BTJD), a 3-D FLUX cube, QUALITY, the aperture extension and SECTOR
        (else ``ValueError`` naming the file); copes without the optional SPOC content
        (:mod:`toi5807.data.convert`). Cadences with TIME = NaN are dropped and counted in
        ``provenance["dropped_nan_time"]``; identity (``tic_id``, ``ra_deg``/``dec_deg``,
        ``camera``/``ccd``) from the primary header.
    """
    import lightkurve as lk

    def convert(tpf, hdul):
        if not isinstance(tpf, lk.TessTargetPixelFile):
            raise ValueError(f"expected a TESS target pixel file, lightkurve read a {type(tpf).__name__}")
        out = from_lightkurve_tpf(tpf)
        check_btjd(out.time, "TIME")
        return out

    return _read_fits(Path(path), "target-pixel", quality_bitmask, convert, ("TIME", "FLUX", "QUALITY"))


def read_lc_csv(path: str | Path, sector: int | None = None) -> LightCurve:
    """Read the tutorial CSV light-curve format.

    The format (optionally gzipped, ``.csv.gz``) is ``#`` comment lines (``# tic_id: N`` and ``# sector: N`` among them), a header line
    naming at least ``time_btjd,flux,flux_err,quality``, then one numeric row per cadence.

    Parameters
    ----------
    path : str or Path
    sector : int, optional
        Sector number; taken from the ``# sector:`` comment (else a ``sector<N>`` in the file name)
        when omitted. Given and disagreeing with the comment → ``ValueError`` naming both.

    Returns
    -------
    LightCurve
        ``tic_id`` from the ``# tic_id:`` comment (None without one). Rows whose ``time_btjd`` is
        NaN are dropped and counted in ``provenance["dropped_nan_time"]``.
    """
    path = check_regular_file(Path(path), "CSV light curve")
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            import gzip

            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as exc:
                raise ValueError(f"{path.name}: not valid gzip ({type(exc).__name__}: {str(exc)[:200]})") from None
        return _parse_csv(path, raw.decode("utf-8"), sector)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except (ValueError, TypeError) as exc:
        text = str(exc)[:MAX_MESSAGE]
        raise ValueError(cap(text if text.startswith(path.name) else f"{path.name}: {text}")) from None


def _comments(path: Path, lines: list[str]) -> tuple[int | None, dict[str, int]]:
    """Index of the header line and the ``# sector:`` / ``# tic_id:`` values of the comments before it."""
    said: dict[str, int] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return i, said
        for key, regex in (("sector", _SECTOR_RE), ("tic_id", _TIC_RE)):
            m = regex.match(stripped)
            if m:
                value = header_int(_number(m.group(1)), f"'# {key}:' comment")
                if key in said and said[key] != value:
                    raise ValueError(f"{path.name}: two '# {key}:' comments disagree ({said[key]} and {value})")
                said[key] = value
    return None, said


def _parse_csv(path: Path, text: str, sector: int | None) -> LightCurve:
    lines = text.splitlines()
    header_idx, said = _comments(path, lines)
    if sector is not None and "sector" in said and said["sector"] != sector:
        raise ValueError(f"{path.name}: its '# sector: {said['sector']}' comment disagrees with sector={sector}")
    sector = said.get("sector") if sector is None else sector
    if header_idx is None:
        raise ValueError(f"{path.name}: empty file (expected a header line {','.join(CSV_COLUMNS)} and data rows)")
    names = [c.strip() for c in lines[header_idx].split(",")]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}; header has {clip(names)}, "
                         f"expected {list(CSV_COLUMNS)}")
    body = "\n".join(ln for ln in lines[header_idx + 1:] if ln.strip() and not ln.lstrip().startswith("#"))
    if not body:
        raise ValueError(f"{path.name}: no data rows after the header")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loadtxt warns instead of failing on some malformed input
            data = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except (ValueError, UserWarning) as exc:
        raise ValueError(f"{path.name}: malformed data ({clip(str(exc))}); expected {len(names)} numeric "
                         "columns per row") from None
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
    timed = ~np.isnan(cols["time_btjd"])
    time = check_btjd(cols["time_btjd"], "time_btjd")[timed]
    return LightCurve(time=time, flux=cols["flux"][timed], flux_err=cols["flux_err"][timed], quality=q[timed],
                      sector=sector, provenance={"dropped_nan_time": int(np.count_nonzero(~timed))},
                      tic_id=said.get("tic_id"))


def _number(text: str) -> int | float | str:
    """A header value as int, else float, else the text (for :func:`header_int` to judge)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
