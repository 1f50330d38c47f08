"""The package's architecture: one-way layers, subpackages that say what they hold, no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "shared" / "toi5807"

#: Layer of each top-level unit of the package, lowest first; a module may import its own layer or below.
LAYERS = {
    "target": 0, "report": 0, "report_text": 0, "data": 0,
    "lightcurve": 1,
    "pixels": 2,
    "centroid": 3, "diffimage": 3,
    "aperture": 3.5,  # V10: uses the difference images' star search (diffimage.stars) and localization
    "vetting": 4,
    "twin": 5,
    "calibration": 6,
    "plots": 7,
    "tutorial": 8, "batch": 8,
    "__main__": 9, "cli_vet": 9,
}
#: Units of one layer that must not import each other (the two checks stand side by side).
SIBLINGS = ("centroid", "diffimage")
SUBPACKAGES = ("data", "lightcurve", "pixels", "centroid", "diffimage", "aperture", "vetting", "twin", "calibration",
               "plots", "tutorial", "batch")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute names of every ``toi5807`` module imported anywhere in the file (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "toi5807"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "toi5807":
                continue
            if mod == "toi5807":  # "from .. import target": the names are the modules
                out += [(node.lineno, f"toi5807.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, mod))
    return out


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_walker_resolves_relative_imports():
    """The walker must see a relative import three levels up as what it is (a test that cannot fail is a defect)."""
    cal = PACKAGE / "calibration" / "run.py"
    assert (_module_name(cal), "toi5807.twin.spec") in [(_module_name(cal), m) for _, m in _imports(cal)]
    assert _layer("toi5807.tutorial.runner") > _layer("toi5807.twin.scene") > _layer("toi5807.centroid.shift")
    assert _layer("toi5807.vetting.vet") > _layer("toi5807.diffimage.images") > _layer("toi5807.pixels.series")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_import(path):
    own = _layer(_module_name(path))
    assert own is not None, f"{path.relative_to(PACKAGE)} belongs to no layer: add it to LAYERS"
    upward = [(line, m) for line, m in _imports(path) if (_layer(m) or 0) > own]
    assert not upward, f"{path.relative_to(PACKAGE)} (layer {own}) imports a higher layer: {upward}"
    unit = _module_name(path).split(".")[1]
    sideways = [(line, m) for line, m in _imports(path)
                if unit in SIBLINGS and len(m.split(".")) > 1 and m.split(".")[1] in SIBLINGS and m.split(".")[1] != unit]
    assert not sideways, f"{path.relative_to(PACKAGE)}: the two checks must not import each other: {sideways}"


@pytest.mark.parametrize("path", SOURCES + [PACKAGE / "__init__.py"], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {n} lines (at most {MAX_LINES}: split it along a seam)"


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_says_what_it_holds(name):
    init = PACKAGE / name / "__init__.py"
    assert init.is_file(), f"{name}/ must be a subpackage"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc, f"{name}/__init__.py needs a docstring: what the layer is for and what it may import"
    lines = [ln for ln in doc.splitlines() if ln.strip()]
    assert 3 <= len(lines) <= 6, f"{name}/__init__.py docstring: 3-6 lines, got {len(lines)}"
    assert "import" in doc, f"{name}/__init__.py docstring must say what the layer may import"


def test_public_api_is_curated():
    """What the notebooks and README teach, at most 81 names (80 + sh.run_v10, V10 of issue #29); the reference
    tutorial's helper names included."""
    import toi5807

    names = toi5807.__all__
    assert len(names) <= 81 and len(set(names)) == len(names), f"{len(names)} names (at most 81, no repeats)"
    assert all(hasattr(toi5807, n) for n in names)
    reference = {"load_dataset", "Dataset", "stitch_pdcsap", "estimate_depth_ppm", "make_candidate", "STELLAR",
                 "TIC_ID", "artifact_dirs", "run_v08", "vet_pixels", "Ephemeris", "read_tpf_fits"}
    assert reference <= set(names), sorted(reference - set(names))
    public = {n for n in dir(toi5807) if not n.startswith("_")}
    strays = public - set(names) - {p.stem for p in PACKAGE.iterdir() if p.is_dir() or p.suffix == ".py"} - {
        "annotations", "offline"}
    assert not strays, f"names at the top level but not in __all__: {sorted(strays)}"


def test_one_ephemeris_vocabulary():
    """period_days, t0_btjd, duration_hours everywhere; run_v08 alone keeps the reference spelling as aliases."""
    import inspect

    import toi5807 as sh
    from toi5807.lightcurve import coerce_transit_params

    assert sh.Ephemeris(period_days=14.2423724, t0_btjd=3540.26317, duration_hours=4.046).period_days == 14.2423724
    params = inspect.signature(coerce_transit_params).parameters
    assert {"period_days", "t0_btjd", "duration_hours"} <= set(params) and "period" not in params
    run = inspect.signature(sh.run_v08).parameters
    assert {"period_days", "t0_btjd", "duration_hours", "period", "t0"} <= set(run)


def test_no_test_asserts_wall_clock_time():
    """Timings live in benchmarks/: a unit test that asserts seconds fails under load (it did once, at 63.5 s)."""
    tests = Path(__file__).resolve().parent
    clocks = ("perf_counter(", "monotonic(", "process_time(")
    offenders = [str(p.relative_to(tests)) for p in tests.rglob("*.py") if p != Path(__file__).resolve()
                 and any(c in p.read_text(encoding="utf-8") for c in clocks)]
    assert not offenders, f"wall-clock measurements in tests (move them to benchmarks/): {offenders}"
