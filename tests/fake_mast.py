"""A stand-in for lightkurve's MAST search results (no archive here): serves local files as downloads."""

from __future__ import annotations

import shutil
from pathlib import Path


class FakeSearchResult:
    """Mimics lightkurve.SearchResult: len(), [0], .download(download_dir=..., quality_bitmask=...).

    ``path`` is the file served (None: the search found nothing); each download is logged by file name and lands
    where lightkurve puts it (``mastDownload/TESS/`` under ``download_dir``).
    """

    def __init__(self, path: Path | None, log: list):
        self.path, self.log = path, log

    def __len__(self):
        return 0 if self.path is None else 1

    def __getitem__(self, index):
        return self

    def download(self, quality_bitmask="default", download_dir=None, **kwargs):
        import lightkurve as lk

        dest = Path(download_dir) / "mastDownload" / "TESS" / self.path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, dest)
        self.log.append(self.path.name)
        return lk.read(str(dest), quality_bitmask=quality_bitmask)
