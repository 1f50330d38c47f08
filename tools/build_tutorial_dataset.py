"""Rebuild the shipped tutorial dataset (``shared/toi5807/data/tutorial_dataset/``) from the original files.

Compresses the four real SPOC PDCSAP CSVs and the real sector-83 TPF deterministically
(:func:`toi5807.data.tutorial.gzip_deterministic`: gzip level 9, mtime 0, no file name) and writes
``SHA256SUMS``. Re-running on the same originals gives byte-identical files. The README.md beside
them is written by hand; its checksum table must match ``SHA256SUMS`` (tests/data/test_tutorial_dataset.py).

    python tools/build_tutorial_dataset.py --lc-dir ../shared/data/tic188646744 \\
        --tpf-dir ../shared/data/tic188646744_pixels
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from toi5807.data.tutorial import CHECKSUMS_NAME, LC_FILES, TPF_FILES, gzip_deterministic

OUT = Path(__file__).resolve().parents[1] / "shared" / "toi5807" / "data" / "tutorial_dataset"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lc-dir", type=Path, required=True, help="folder with sector<N>_pdcsap.csv")
    ap.add_argument("--tpf-dir", type=Path, required=True, help="folder with sector83_tpf.fits")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sources = {name: args.lc_dir / name.removesuffix(".gz") for name in LC_FILES.values()}
    sources.update({name: args.tpf_dir / name.removesuffix(".gz") for name in TPF_FILES.values()})
    lines = []
    for name, src in sources.items():
        data = gzip_deterministic(src.read_bytes())
        (OUT / name).write_bytes(data)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
        print(f"{name}: {src.stat().st_size:,} -> {len(data):,} bytes")
    (OUT / CHECKSUMS_NAME).write_text("\n".join(lines) + "\n", encoding="ascii")


if __name__ == "__main__":
    main()
