"""The pixel-vetting verdict: the centroid shift and the difference-image source position, one PASS/WARN/FAIL.

:func:`vet_pixels` runs both checks (and V10) on every sector with pixels and says whether the dip comes from
the target; :mod:`rule` combines V08, the difference images and V10. Order: ... pixels → centroid | diffimage →
aperture → vetting → twin ...; may import target, report, data, lightcurve, pixels, centroid, diffimage and
aperture — never the twin (real-pixel analysis never imports the simulator) or above.
"""

from .vet import VERDICT_SIGMA, PixelVetResult, SectorVet, localization_verdict, vet_pixels

__all__ = ["VERDICT_SIGMA", "PixelVetResult", "SectorVet", "localization_verdict", "vet_pixels"]
