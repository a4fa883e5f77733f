"""The import corpus: workout files written for these tests (never copied from public
collections) in the three foreign formats, covering every element of each format's
documentation, each beside the native workout it must become and the number of warnings
it may raise (tests/data/corpus/expected/*.yaml, first line ``# warnings: N``).

``python -m tests.data.corpus.measure`` prints how many import with no warning;
``python -m tests.data.corpus.make_fit`` rewrites the FIT files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pacer.formats.workouts import import_workout
from pacer.workout.fileformat import dump_workout, load_workout
from pacer.workout.profile import load_profile
from tests.data.corpus.measure import HERE, corpus_files

PROFILE = load_profile((HERE / "profile.yaml").read_bytes(), "profile.yaml")
FILES = corpus_files()


def expected_for(path: Path) -> Path:
    return HERE / "expected" / f"{path.parent.name}-{path.stem}.yaml"


def test_the_corpus_is_big_enough_and_every_file_has_its_expectation() -> None:
    kinds = {p.parent.name for p in FILES}
    assert kinds == {"zwo", "icu", "fit"}
    assert len(FILES) >= 30
    expectations = sorted((HERE / "expected").glob("*.yaml"))
    assert [expected_for(p) for p in FILES] == sorted(expected_for(p) for p in FILES)
    assert sorted(expected_for(p) for p in FILES) == expectations


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_imports_to_its_expected_steps(path: Path) -> None:
    expected_text = expected_for(path).read_text(encoding="utf-8")
    m = re.match(r"# warnings: (\d+)", expected_text)
    assert m, f"{expected_for(path)} starts with '# warnings: N'"
    expected = load_workout(expected_text, str(expected_for(path)), profile=PROFILE)

    result = import_workout(path.read_bytes(), path.name, profile=PROFILE)

    assert result.workout == expected
    assert len(result.warnings) == int(m[1]), [str(w) for w in result.warnings]
    # and what pacer writes loads back to the same workout
    assert load_workout(dump_workout(result.workout), profile=PROFILE) == result.workout


def test_every_documented_element_appears_in_the_corpus() -> None:
    zwo = " ".join(p.read_text(encoding="cp1252") for p in FILES if p.suffix == ".zwo")
    for element in (
        "<Warmup",
        "<Cooldown",
        "<Ramp",
        "<SteadyState",
        "<IntervalsT",
        "<FreeRide",
        "<MaxEffort",
        "<textevent",
        'Cadence="',
    ):
        assert element in zwo, element
    icu = " ".join(p.read_text() for p in FILES if p.suffix == ".txt").lower()
    for token in (
        "1h2m30s",
        "90s",
        "5'",
        '30"',
        "km",
        "mtr",
        "mi ",
        "4x",
        "ramp",
        "% hr",
        "lthr",
        "% pace",
        "z2 power",
        "bpm",
        "w\n",
        "rpm",
        "spm",
        "^",
        "<!>",
        "press lap",
        "freeride",
        "%\n",
    ):
        assert token in icu, token
