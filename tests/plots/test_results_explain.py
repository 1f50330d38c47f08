"""Results explain themselves: a 1–5 line repr with units, an HTML table, and ``simulated`` in to_dict()."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from plot_inputs import small_injection, twin_data


@pytest.fixture(scope="module")
def results():
    """One instance of every result class, from two simulated twin sectors."""
    import toi5807 as sh
    from toi5807.calibration.null import MethodCalibration, NullCalibration

    t = twin_data()
    an = t["analysis"]
    sec = an.sectors[-1]
    st = t["stamps"][83]
    method = MethodCalibration.from_sigmas("empirical", [0.5, 1.0, 3.5, 2.0])
    null = NullCalibration(methods={"empirical": method}, seeds=(0, 1), sectors=(82, 83), n_permutations=10,
                           sigma={"empirical": [0.5, 1.0, 3.5, 2.0]}, runtime_s=1.0)
    inj = small_injection()
    return {
        "CheckResult": t["results"][83],
        "CheckResult (skipped)": sh.run_v08(None, t["candidate"]),
        "CentroidResult": sh.centroid.compute_centroid_shift(st.flux, st.time, sh.lightcurve.TransitParams.from_candidate(t["candidate"]),
                                                    quality=st.quality),
        "PerTransitShifts": sec.per_transit, "EpochShift": sec.per_transit.epochs[0], "SectorOffsets": sec,
        "V08OffsetAnalysis": an, "StampDepth": sec.depth, "SourceOffset": sec.source,
        "CombinedOffset": an.combined_shift, "SkyVector": sec.shift_sky,
        "MethodCalibration": method, "NullCalibration": null, "InjectionRecovery": inj,
        "PixelVetResult": t["vet"],
    }


def test_every_result_has_a_short_repr_and_an_html_table(results):
    for name, r in results.items():
        text = repr(r)
        lines = text.splitlines()
        assert 1 <= len(lines) <= 5, f"{name}: {len(lines)} lines\n{text}"
        assert len(text) < 600 and not re.search(r"(?i:\bnan\b)|\bNone\b|\bnull\b(?! calibration)", text), (
            f"{name}:\n{text}")
        html = r._repr_html_()
        assert html.startswith("<table>") and html.endswith("</table>") and "<caption" in html, name
        assert lines[0].split(" — ")[0] in html.replace("&gt;", ">").replace("&#x27;", "'"), name


def test_reprs_say_verdict_sigma_units_and_simulated(results):
    check = repr(results["CheckResult"])
    assert check.startswith("V08 sector 83: PASS — shift ") and "milli-px" in check and "σ" in check
    assert "SIMULATED" in check.splitlines()[0] and "arcsec" in check
    assert repr(results["CheckResult (skipped)"]) == "V08: skipped (MISSING_TPF) — no measurement\n  flags: MISSING_TPF"
    assert "arcsec" in repr(results["V08OffsetAnalysis"]) and "exclusion radius" in repr(results["V08OffsetAnalysis"])
    assert "ppm" in repr(results["StampDepth"]) and "PA" in repr(results["SkyVector"])
    assert "1/4 false alarms" in repr(results["MethodCalibration"]) and "SIMULATED" in repr(results["NullCalibration"])


def test_to_dict_carries_simulated_everywhere(results):
    for name, r in results.items():
        d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
        expected = name != "CentroidResult" and name != "CheckResult (skipped)"  # arrays alone / no stamp: unknown
        assert d["simulated"] is expected, name
    nested = results["V08OffsetAnalysis"].to_dict()["sectors"][0]
    assert nested["simulated"] and nested["per_transit"]["simulated"] and nested["per_transit"]["epochs"][0]["simulated"]
    assert nested["source"]["offset_sky"]["simulated"] and nested["depth"]["simulated"]
    assert results["CheckResult"].to_dict()["simulated"] is True


def test_with_simulated_relabels_nested_results_and_keeps_the_rest(results):
    from toi5807.report import with_simulated

    sec = results["SectorOffsets"]
    real = with_simulated(sec, False)
    assert not real.simulated and not real.per_transit.epochs[-1].simulated and not real.source.offset_sky.simulated
    assert real.out_of_transit_mean_image is sec.out_of_transit_mean_image
    assert dataclasses.replace(real, simulated=True) != real
    assert with_simulated(sec, True) is sec  # already labelled: nothing copied


def test_helpers_show_tables_when_there_are_pixels():
    import toi5807 as sh

    t = twin_data()
    assert sh.no_pixels_note(t["results"]) is None
    v = sh.v08_table(t["results"])
    assert isinstance(v, sh.tutorial.Table) and len(v) == 2 and "SIMULATED" in v.title
    assert [r[0] for r in v.rows] == ["82", "83"] and all(r[1] == "PASS" for r in v.rows)
    assert len(sh.offsets_table(t["analysis"])) == 2
    pt = sh.per_transit_table(t["analysis"])
    assert pt.rows[-1][0] == "weighted mean" and "83" in pt.title
    summary = repr(sh.offsets_summary_table(t["analysis"]))
    assert "3σ exclusion radius (arcsec)" in summary
    # under the realistic twin's pointing wander no sector has a significant stamp depth: the table says
    # why the source offset is missing instead of printing a null as if it were a result
    assert "source offset is not defined" in summary


def test_printed_json_keeps_times_periods_and_coordinates():
    """4 significant digits turned t0 3540.26317 into 3540.0 (6.3 h off) and RA 308.61 into 308.6 (~18 pixels)."""
    import json

    import toi5807 as sh

    d = json.loads(sh.report.dumps({"t0_btjd": 3540.26317, "period_days": 14.2423724, "ra_deg": 308.612345678,
                                    "sector": {"source_dec_deg": -12.3456789012, "mid_transit_btjd": [3568.7512345]},
                                    "depth_ppm": 255.559, "offset_arcsec": 5.8812}))
    assert d["t0_btjd"] == 3540.26317 and d["period_days"] == 14.2423724 and d["ra_deg"] == 308.61234568
    assert d["sector"] == {"source_dec_deg": -12.3456789, "mid_transit_btjd": [3568.7512345]}
    assert d["depth_ppm"] == 255.6 and d["offset_arcsec"] == 5.881  # everything else: 4 significant digits
