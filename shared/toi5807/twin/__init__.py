"""The digital twin of TOI-5807: SIMULATED TESS stamps and light curves, written as SPOC-style FITS.

Spec derived from the real data, tess-point geometry and one sky catalogue, scene and PRF, the pointing and
background models calibrated on the real sector-83 pixels, transit, photometry, the FITS writer, the
``"twin"`` dataset source, the simulation truth and synthetic stamps for tests.
Order: ... vetting → twin → calibration ...; may import every layer below it — never calibration or above.
"""

from . import source as _source  # noqa: F401 - registers the "twin" dataset source
from .fits import SIM_OBJECT, twin_file_names, write_twin_fits
from .simulate import SCENARIOS, TWIN_DEPTH_PPM, SimulatedSector, simulate_sector
from .spec import GENERATOR_VERSION, load_spec, spec_hash
from .synthetic import make_synthetic_stamp
from .truth import (
    twin_catalogue,
    twin_neighbour_offsets,
    twin_true_offsets,
    twin_true_pixel,
)

__all__ = [
    "SIM_OBJECT", "twin_file_names", "write_twin_fits", "SCENARIOS", "TWIN_DEPTH_PPM", "SimulatedSector",
    "simulate_sector", "GENERATOR_VERSION", "load_spec", "spec_hash", "make_synthetic_stamp",
    "twin_catalogue", "twin_neighbour_offsets", "twin_true_offsets", "twin_true_pixel",
]
