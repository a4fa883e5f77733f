"""What the rest of issue 22's shapes keep (tests/data/shapes; the import, validate, show,
sim and FIT export of each run in test_import_shapes.py): an intervals.icu text with inline
repeats and % of threshold pace, a Zwift run workout by race paces, a Bryton FIT whose time
steps end on lap, a Stages Link FIT with its targets in developer fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from pacer.cli import main
from pacer.formats.workouts import import_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    HrRange,
    OpenDuration,
    PacePercent,
    PaceRef,
    Ramp,
    Repeat,
    Sport,
    Step,
)
from pacer.workout.profile import load_profile
from pacer.workout.resolve import resolve
from tests.data.shapes.make_fit import bryton, stages
from tests.support.paths import EXAMPLES, REPO

SHAPES = REPO / "tests" / "data" / "shapes"
PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")


def test_the_committed_fit_shapes_are_what_make_fit_writes() -> None:
    assert (SHAPES / "bryton.fit").read_bytes() == bryton()
    assert (SHAPES / "stages.fit").read_bytes() == stages()


def test_inline_repeats_and_percent_pace_stay_as_written_without_a_profile() -> None:
    result = import_workout((SHAPES / "strides.txt").read_bytes(), "strides.txt")
    w = result.workout
    assert w.sport is Sport.RUN
    assert result.warnings == []  # nothing lost: no profile needed to keep % pace
    strides = [item for item in w.items if isinstance(item, Repeat) and item.count == 4]
    assert [s.items[0].target for s in strides] == [  # type: ignore[union-attr]
        PacePercent(105, 105, PaceRef.THRESHOLD),
        PacePercent(110, 110, PaceRef.THRESHOLD),
    ]
    # resolved against the athlete's threshold pace (6:30/mi) when shown and run
    tempo = next(s for s in resolve(w, PROFILE).steps if s.target and "90-95%" in s.target.label)
    assert tempo.target is not None
    assert tempo.target.label == "90-95% TP pace 6:51-7:13/mi"


def test_a_zwift_run_by_race_paces_resolves_with_the_profiles_paces() -> None:
    w = import_workout((SHAPES / "run-paces.zwo").read_bytes(), "run-paces.zwo").workout
    first = w.items[0]
    assert isinstance(first, Step)
    assert first.target == Ramp(
        PacePercent(75, 75, PaceRef.MARATHON), PacePercent(88, 88, PaceRef.MARATHON)
    )
    labels = [s.target.label for s in resolve(w, PROFILE).steps if s.target]
    assert labels[:2] == [
        "ramp 75% MP pace 9:20/mi to 88% MP pace 7:57/mi",
        "100% 10K pace 6:20/mi",
    ]
    assert "100% HMP pace 6:40/mi" in labels


def test_a_run_by_race_paces_names_the_paces_a_profile_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\nmax_hr: 185\npaces: {marathon: '7:00/mi'}\n")
    out = tmp_path / "w.yaml"
    assert main(["import", str(SHAPES / "run-paces.zwo"), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["validate", str(out), "--profile", str(profile)]) == 0  # the file is sound
    said = capsys.readouterr().out
    assert "targets that need paces.10k, paces.half are shown as written" in said
    assert main(["sim", str(out), "--profile", str(profile), "--fast", "--quiet"]) == 2
    assert "needs paces.10k, paces.half in the athlete profile" in capsys.readouterr().err


def test_bryton_time_steps_without_a_duration_end_on_lap() -> None:
    result = import_workout((SHAPES / "bryton.fit").read_bytes(), "bryton.fit")
    first, main_set, last = result.workout.items
    assert isinstance(first, Step)
    assert isinstance(main_set, Step)
    assert isinstance(last, Step)
    assert (first.duration, last.duration) == (OpenDuration(), OpenDuration())
    assert main_set.target == HrRange(140, 150)
    assert [w.step for w in result.warnings] == [1, 3]


def test_stages_targets_in_developer_fields_are_kept() -> None:
    result = import_workout((SHAPES / "stages.fit").read_bytes(), "stages.fit")
    step = result.workout.items[1]
    assert isinstance(step, Step)
    assert step.target == HrRange(101, 149)
    assert step.secondary == (CadenceRange(85, 100, CadenceTargetUnit.RPM),)
    assert step.note == "RPE 6"
    assert [w.message for w in result.warnings] == ["developer field 'wind_kph' (12) left out"]
