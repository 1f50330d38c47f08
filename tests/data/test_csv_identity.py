"""The tutorial CSV says its star and sector in comments; a comment that disagrees is refused, not overruled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from spoc_files import sector_start_btjd, write_spoc_tpf

import toi5807 as sh
from toi5807.data.readers import read_lc_csv


def _csv(path: Path, *, tic: int | None = 12345678, sector: int | None = 10, n: int = 30,
         nan_rows: tuple[int, ...] = ()) -> Path:
    t0 = sector_start_btjd(10)
    rows = [f"{'nan' if i in nan_rows else f'{t0 + i * 0.0014:.6f}'},1.0,0.001,0" for i in range(n)]
    head = (f"# tic_id: {tic}\n" if tic is not None else "") + (f"# sector: {sector}\n" if sector is not None else "")
    path.write_text(head + "time_btjd,flux,flux_err,quality\n" + "\n".join(rows) + "\n")
    return path


def test_tic_id_comes_from_the_comment(tmp_path):
    assert read_lc_csv(_csv(tmp_path / "sector10_pdcsap.csv")).tic_id == 12345678
    assert read_lc_csv(_csv(tmp_path / "sector10_pdcsap.csv", tic=None)).tic_id is None


def test_rows_without_a_time_are_dropped_and_counted(tmp_path):
    lc = read_lc_csv(_csv(tmp_path / "sector10_pdcsap.csv", nan_rows=(3, 4, 17)))
    assert len(lc) == 27 and lc.provenance["dropped_nan_time"] == 3 and np.all(np.isfinite(lc.time))


def test_sector_comment_disagreeing_with_the_name_is_refused(tmp_path):
    _csv(tmp_path / "sector10_pdcsap.csv", sector=11)
    with pytest.raises(ValueError, match=r"sector10_pdcsap\.csv: its '# sector: 11' comment disagrees with the file "
                                         r"name \(sector 10\)"):
        sh.load_dataset("local", path=tmp_path)


def test_sector_comment_disagreeing_with_the_argument_is_refused(tmp_path):
    path = _csv(tmp_path / "lc.csv", sector=11)
    with pytest.raises(ValueError, match=r"lc\.csv: its '# sector: 11' comment disagrees with sector=10"):
        read_lc_csv(path, sector=10)
    assert read_lc_csv(path, sector=11).sector == 11


def test_tic_comment_disagreeing_with_the_tpf_beside_it_is_refused(tmp_path):
    _csv(tmp_path / "sector10_pdcsap.csv", tic=999)
    tpf = write_spoc_tpf(tmp_path, tic_id=12345678, ra_deg=150.1, dec_deg=-30.2, sector=10, n_cadences=30)
    with pytest.raises(ValueError) as err:
        sh.load_dataset("local", path=tmp_path)
    text = str(err.value)
    assert "sector10_pdcsap.csv (TIC 999)" in text and f"{tpf.path.name} (TIC 12345678)" in text


def test_agreeing_csv_and_tpf_load(tmp_path):
    _csv(tmp_path / "sector10_pdcsap.csv")
    write_spoc_tpf(tmp_path, tic_id=12345678, ra_deg=150.1, dec_deg=-30.2, sector=10, n_cadences=30)
    ds = sh.load_dataset("local", path=tmp_path)
    assert ds.lc_by_sector[10].tic_id == ds.tpf_by_sector[10].tic_id == 12345678
