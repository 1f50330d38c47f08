"""The pixel-vetting verdict: the centroid shift and the difference-image source position, one PASS/WARN/FAIL.

:func:`vet_pixels` runs both checks on every sector with pixels and says whether the dip comes from the target.
Order: ... pixels → centroid | diffimage → vetting → twin ...; may import target, report, data, lightcurve, pixels,
centroid and diffimage — never the twin (real-pixel analysis never imports the simulator) or above.
"""

from .vet import VERDICT_SIGMA, PixelVetResult, SectorVet, localization_verdict, vet_pixels

__all__ = ["VERDICT_SIGMA", "PixelVetResult", "SectorVet", "localization_verdict", "vet_pixels"]
