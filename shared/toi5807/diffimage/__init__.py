"""Difference-image localization: where on the sky does the light that disappears in transit come from?

Per-transit difference images with pointing and focus removed (:mod:`images`, :mod:`pointing`) → a PRF fit of
the source position (:mod:`prf_fit`, its moved-image PRF :mod:`prf_cells`, :mod:`localize`; many images at once on a
grid: :mod:`gridfit`, fake epochs: :mod:`fakes`) → sectors combined on the sky and hosts ranked (:mod:`joint`).
Order: ... lightcurve → pixels → centroid | diffimage → vetting ...; may import target, report, data, lightcurve
and pixels — never centroid, vetting, twin or above.
"""

from .images import DifferenceImages, difference_images
from .joint import CombinedLocalization, combine_localizations, error_ellipse, rank_hosts
from .localize import SectorLocalization, localize_sector
from .stars import catalogue_from_image

__all__ = [
    "DifferenceImages", "difference_images", "CombinedLocalization", "combine_localizations", "error_ellipse",
    "rank_hosts", "SectorLocalization", "localize_sector", "catalogue_from_image",
]
