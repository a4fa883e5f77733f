"""hardware/enclosure/pacer-case.scad renders cleanly in every variant (real OpenSCAD)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO, require_tool

SCAD = REPO / "hardware" / "enclosure" / "pacer-case.scad"


def openscad(out: Path, **defines: str) -> str:
    """Render to ``out`` (the extension picks the format); return OpenSCAD's messages."""
    tool = require_tool("openscad")
    args = [tool, "--hardwarnings", "-o", str(out)]
    for k, v in defines.items():
        args += ["-D", f'{k}="{v}"']
    result = subprocess.run([*args, str(SCAD)], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("variant", ["armband", "handlebar"])
@pytest.mark.parametrize("part", ["base", "lid", "both", "assembly"])
def test_every_variant_and_part_evaluates_without_warnings(
    tmp_path: Path, variant: str, part: str
) -> None:
    """The CSG tree (no mesh maths, fast): catches syntax errors and unknown variables."""
    messages = openscad(tmp_path / "case.csg", variant=variant, part=part)
    assert not re.search(r"^(WARNING|ERROR)", messages, re.M), messages
    assert f"pacer case {variant}: 81 x 40 x 26.8 mm" in messages
    assert (tmp_path / "case.csg").stat().st_size > 1000


def stl_bounds(path: Path) -> tuple[list[float], list[float], int]:
    lo, hi, facets = [1e9] * 3, [-1e9] * 3, 0
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["facet"]:
            facets += 1
        elif parts[:1] == ["vertex"]:
            xyz = [float(v) for v in parts[1:4]]
            lo = [min(a, b) for a, b in zip(lo, xyz, strict=True)]
            hi = [max(a, b) for a, b in zip(hi, xyz, strict=True)]
    return lo, hi, facets


@pytest.mark.parametrize(
    ("variant", "low", "high"),
    [
        # 81 x 40 mm box 24.8 mm tall (the 10 mm cell's bay), plus an 8 mm strap lug at each end.
        ("armband", [-8.0, 0.0, 0.0], [89.0, 40.0, 24.8]),
        # The bar saddle (22.2 / 4 + 3 = 8.55 mm) under the floor.
        ("handlebar", [0.0, 0.0, -8.55], [81.0, 40.0, 24.8]),
    ],
)
def test_base_renders_to_a_solid_of_the_expected_size(
    tmp_path: Path, variant: str, low: list[float], high: list[float]
) -> None:
    messages = openscad(tmp_path / "base.stl", variant=variant, part="base")
    assert "Volumes:         2" in messages  # one closed solid (plus the outside)
    lo, hi, facets = stl_bounds(tmp_path / "base.stl")
    assert facets > 500
    assert lo == pytest.approx(low, abs=0.01)
    assert hi == pytest.approx(high, abs=0.01)
