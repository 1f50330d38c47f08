"""Data layer: the data model, readers, the verified cache, repository paths, sky geometry, dataset sources.

Lowest layer with :mod:`toi5807.target` and :mod:`toi5807.report`; may import only those. ``load_dataset``
dispatches to sources: ``"tutorial"`` (default: the real data shipped here), ``"local"``, ``"mast"``; ``"twin"``
is registered by :mod:`toi5807.twin.source` (a higher layer: it simulates what this layer reads).
Order: target, report, data → lightcurve → pixels → centroid | diffimage → vetting → twin → calibration → plots → tutorial.
"""

from .aperture import aperture_light_curve
from .cache import CacheReadOnlyError, CacheWarning, cache_root
from .catalogue import Catalogue, Star
from .convert import from_lightkurve_lc, from_lightkurve_tpf
from .geometry import (
    SkyVector,
    sky_jacobian,
    target_pixel,
    vector_to_sky,
    wcs_orientation,
)
from .local import load_local_dir
from .mast import ArchiveUnreachableError
from .model import Dataset, LightCurve, TPFStamp
from .paths import artifact_dirs, repo_relative, repo_root
from .readers import read_lc_csv, read_lc_fits, read_tpf_fits
from .sources import available_sources, load_dataset, register_source
from . import tutorial  # noqa: E402,F401 - registers the "tutorial" source (the default of load_dataset)

__all__ = [
    "Catalogue", "Star", "CacheWarning", "CacheReadOnlyError", "cache_root", "aperture_light_curve", "SkyVector",
    "sky_jacobian", "target_pixel", "vector_to_sky", "wcs_orientation", "load_local_dir",
    "ArchiveUnreachableError", "Dataset", "LightCurve", "TPFStamp", "from_lightkurve_lc", "from_lightkurve_tpf",
    "artifact_dirs", "repo_relative", "repo_root", "read_lc_csv", "read_lc_fits", "read_tpf_fits",
    "available_sources", "load_dataset", "register_source",
]
