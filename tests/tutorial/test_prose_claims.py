"""One truth: every number the prose states about TOI-5807's results is printed by a notebook.

Each claim below is a phrase of ``docs/pixel-findings.md`` (or of a notebook's markdown) and the text that the
named notebook's stored outputs must contain for it to hold. nbval re-executes the notebooks and compares those
outputs with the code, so a changed result that is not carried into the prose fails here (issue #27: the same
quantity was given as 91–99 %, 88 % and 98.4 %, and as 1/30, 0 of 69 and 1/14, in different places).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from toi5807.tutorial.runner import cell_text_output

REPO = Path(__file__).resolve().parents[2]
FINDINGS = "docs/pixel-findings.md"

#: (file holding the claim, phrase of the claim, notebook whose outputs print it, texts those outputs contain)
CLAIMS = [
    (FINDINGS, "17 milli-pixels (0.34″) from 244 in-transit and 16,841", "11_v08_centroid_shift",
     ["| 17 ", "0.341", "244 / 16841"]),
    ("notebooks/11_v08_centroid_shift.ipynb", "17.0 milli-pixels from 244 in-transit and 16,841",
     "11_v08_centroid_shift", ["| 17 ", "244 / 16841"]),
    (FINDINGS, "V08 here says 1.16σ", "11_v08_centroid_shift", ["| 1.16 "]),
    (FINDINGS, "72σ (analytic), 22σ (bootstrap) or 3.7σ", "11_v08_centroid_shift", ["| 72.4 ", "| 22.1 ", "| 3.72 "]),
    (FINDINGS, "2 of\n  30 real empty epochs reach 3σ (99 % interval 0.4–27 %", "11b_v08_under_the_hood",
     ["| 2 of 30 ", "(0.35, 27.4)"]),
    (FINDINGS, "median σ 1.44 against 1.18", "11b_v08_under_the_hood", ["| 1.44 ", "median σ 1.18"]),
    (FINDINGS, "(2 of 800\n  transit-free sectors at 3σ)", "11b_v08_under_the_hood", ["| 0.25 ", "| 800 "]),
    (FINDINGS, "6.8″ from the target\n  (2.0σ nominal, 1.6σ calibrated)", "12_v09_difference_image",
     ["| 6.8 ", "| 2 ", "| 1.63 "]),
    (FINDINGS, "(38–54″ away) is excluded at ≥ 8σ", "12_v09_difference_image", ["| 38.1 ", "| 53.6 ", "| 8.56 "]),
    (FINDINGS, "cannot exclude image star 1, 38″ away (2.5σ)", "13_v10_aperture_dependence",
     ["image star 1 (38″, 2.5σ): cannot tell them apart"]),
    (FINDINGS, "the 3σ exclusion radius is 14″", "12_v09_difference_image", ["3σ exclusion radius: 13.7″"]),
    (FINDINGS, "the 74 fakes count as ≈ 16 independent, and a counted p-value\n  cannot go below 1/17 ≈ 6 %",
     "12_v09_difference_image", ["74 empty epochs, ≈ 16 independent", "1/17 = 0.059"]),
    (FINDINGS, "10σ nominal but 4.3σ calibrated", "12_v09_difference_image", ["| 9.96 ", "| 4.27 ", "| 0 of 74 "]),
    (FINDINGS, "planet twins PASS 95 of 100, WARN\n  5, FAIL 0", "11c_v08_combined_and_source_offset",
     ["PASS 95, WARN 5 "]),
    (FINDINGS, "1.5 % of sectors (6 of 400; 95 % interval 0.39–3.9 %)", "11c_v08_combined_and_source_offset",
     ["1.5 % (6 of 400; 95 % interval 0.39–3.9 %"]),
    (FINDINGS, "the nominal σ reaches it in 14 of 399", "11c_v08_combined_and_source_offset", ["14 of 399 per sector"]),
    (FINDINGS, "FAIL 10 of 10 on the true host (median position errors 0.76″ per sector, 0.58″ combined;\n  "
     "Cramér–Rao bound 0.42″)", "11c_v08_combined_and_source_offset", ["FAIL 10 ", "(0.757, 0.577)", "| 0.425 "]),
    (FINDINGS, "≥ 3σ from the target in 7 of 9 cases at\n  10″ and in all from 21″", "11c_v08_combined_and_source_offset",
     ["| 10             | 256                  | 0.778 ", "| 21             | 256                  | 1 "]),
    (FINDINGS, "31 empty epochs were all WARN", "11c_v08_combined_and_source_offset",
     ["31 empty epochs: 0 PASS, 31 WARN, 0 FAIL", "96 injections, 3 PASS"]),
    (FINDINGS, "≥ 3σ in 3 of 4 cases at 20″ and in every case from 30″", "11c_v08_combined_and_source_offset",
     ["| 256                  | 19.8           | 3/4 ", "| 256                  | 29.7           | 4/4 "]),
]


def _outputs(name: str) -> str:
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    return "\n".join(cell_text_output(c) for c in nb.cells if c.cell_type == "code")


def _prose(path: str) -> str:
    if path.endswith(".ipynb"):
        nb = nbformat.read(REPO / path, as_version=4)
        return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return (REPO / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("where, claim, notebook, printed", CLAIMS, ids=[c[1][:40] for c in CLAIMS])
def test_prose_claim_is_printed(where, claim, notebook, printed):
    flat = " ".join(_prose(where).replace("- ", " ").split())
    assert " ".join(claim.split()) in flat, f"{where} no longer states {claim!r}: update CLAIMS with the prose"
    out = _outputs(notebook)
    missing = [p for p in printed if p not in out]
    assert not missing, f"{where} says {claim!r}, but {notebook} prints none of {missing}"
