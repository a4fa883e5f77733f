"""What the OLED can draw of a workout's text (issue 20: CJK and emoji as empty boxes,
Arabic unshaped), checked against the shipped font."""

from __future__ import annotations

import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.screens.base import FONT_FILE
from pacer.screens.glyphs import has_glyph, screen_problem, text_warnings
from pacer.workout.fileformat import load_workout
from tests.support.paths import EXAMPLES


@pytest.mark.parametrize(
    "text", ["Ease in", "Läufer Ø ß", "Спокойно", "Ωμέγα", "→ ≤ ½ ☺", "مرحبا", "שלום"]
)
def test_what_the_font_draws_is_no_problem(text: str) -> None:
    assert screen_problem(text) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("安定 pace", "no glyph for 安定 (drawn as empty boxes)"),
        ("go 🏃🔥", "no glyph for 🏃🔥"),
        ("ก", "no glyph for ก"),
    ],
)
def test_what_it_cannot_draw_is_named(text: str, says: str) -> None:
    problem = screen_problem(text)
    assert problem is not None
    assert says in problem


def test_has_glyph_agrees_with_the_fonts_own_character_map() -> None:
    """The render check (a glyph unlike the font's empty box) against the font's cmap, for
    every letter, number, punctuation and symbol from U+0020 to U+30FF and the emoji."""
    ttlib = pytest.importorskip("fontTools.ttLib", reason="fontTools comes with the report extra")
    path = resources.files("pacer").joinpath("fonts", FONT_FILE)
    cmap = ttlib.TTFont(str(path)).getBestCmap()
    points = [*range(0x20, 0x3100), *range(0x1F300, 0x1F700)]
    drawable = [c for c in points if unicodedata.category(chr(c))[0] in "LNPS"]
    assert [hex(c) for c in drawable if (c in cmap) != has_glyph(chr(c))] == []


def test_text_warnings_name_each_field() -> None:
    text = (
        "name: 安定 run\nsport: strength\nsteps:\n"
        "  - repeat: 2\n    steps:\n"
        "      - active: 10m\n        note: '加油'\n        cues: [{at: 1m, text: go 🏃}]\n"
        "  - active: 3 sets\n    exercise: Squat\n    reps: 8\n    load: 20 kg 💪\n"
    )
    warnings = text_warnings(load_workout(text, "w.yaml"))
    assert [w.split(" will not show")[0] for w in warnings] == [
        "the name '安定 run'",
        "step 1 'Active': the note '加油'",
        "step 1 'Active': a cue 'go 🏃'",
        "step 3 'Squat': the load '20 kg 💪'",
    ]


def test_no_example_warns() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.name != "profile.yaml":
            assert text_warnings(load_workout(path.read_bytes(), str(path))) == [], path


def test_validate_and_import_warn_and_still_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_file = tmp_path / "w.yaml"
    yaml_file.write_text("name: x\nsteps:\n  - active: 10m\n    note: 加油\n")
    assert main(["validate", str(yaml_file)]) == 0
    out = capsys.readouterr().out
    assert f"{yaml_file}: warning: step 1 'Active': the note '加油' will not show" in out
    icu = tmp_path / "w.txt"
    icu.write_text("- 10m Z2 HR 加油\n")
    assert main(["import", str(icu), "-o", str(tmp_path / "i.yaml")]) == 0
    assert "the note '加油' will not show on the screen" in (tmp_path / "i.yaml").read_text()
