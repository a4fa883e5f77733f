"""intervals.icu ``workout_doc`` to native workouts (issue 21): every shared sample converts,
every file in ../shared/apis/intervals-icu/ is read without error, and the rules are those of
``pacer import`` for the text format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pacer.core.errors import InputErrors
from pacer.formats.workouts.icu import import_icu
from pacer.formats.workouts.icu_doc import import_workout_doc, sport_of
from pacer.sync.icu import parse_event
from pacer.sync.strava import parse_upload
from pacer.workout.fileformat import dump_workout, load_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    OpenDuration,
    PacePercent,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    Repeat,
    Sport,
    Step,
    TimeDuration,
)
from pacer.workout.profile import load_profile
from tests.support.paths import require_shared_apis

PROFILE = load_profile("max_hr: 190\nlthr: 170\nftp: 250\npaces: {threshold: '4:00/km'}\n")


def samples() -> dict[str, Any]:
    return dict(json.loads((require_shared_apis() / "icu_workout_doc_samples.json").read_text()))


def convert(doc: dict[str, Any], sport: Sport = Sport.BIKE, **kw: Any) -> Any:
    result = import_workout_doc(doc, "event 1", name="Test", sport=sport, **kw)
    # the native loader reads what the converter wrote: nothing is lost in YAML
    again = load_workout(dump_workout(result.workout), "<synced>", profile=PROFILE)
    assert again.items == result.workout.items
    return result


def test_the_forum_step_keeps_its_ramp_cadence_prompt_and_warmup() -> None:
    step = samples()["forum_93737_step_with_ramp_cadence_resolved"]["step"]
    (only,) = convert({"steps": [step]}).workout.items
    assert isinstance(only, Step)
    assert only.intensity is Intensity.WARMUP
    assert only.duration == TimeDuration(180)
    assert only.target == Ramp(PowerPercent(35.0, 35.0), PowerPercent(55.0, 55.0))
    assert only.secondary == (CadenceRange(85, 85, CadenceTargetUnit.RPM),)
    assert [c.text for c in only.cues] == ["Welcome to the ..."]


def test_zone_targets_power_with_an_hr_zone_and_a_power_zone() -> None:
    zones = samples()["forum_4725_zone_targets"]
    (step,) = convert({"steps": [zones["step_power_pct_plus_hr_zone"]]}).workout.items
    assert isinstance(step, Step)
    assert step.target == PowerPercent(55.0, 55.0)
    assert step.secondary == (HrZone("2"),)
    result = convert(zones["doc_power_zone"])
    (only,) = result.workout.items
    assert isinstance(only, Step)
    assert only.target == PowerPercent(55.0, 75.0)
    assert any("power zone 2" in w.message for w in result.warnings)


def test_the_incyclist_fixture_every_kind_of_target() -> None:
    result = convert(samples()["incyclist_parser_test_fixture"]["doc"])
    steps = result.workout.items
    assert result.workout.description == "Test workout"
    targets = [s.target for s in steps if isinstance(s, Step)]
    assert targets[0] == PowerRange(100, 150)
    assert targets[1] == PowerRange(125, 150)  # %mmp: the resolved watts, with a warning
    assert targets[2] is None
    assert steps[2].secondary == (CadenceRange(80, 90, CadenceTargetUnit.RPM),)
    assert targets[3] == HrPercent(50.0, 60.0, HrBasis.LTHR)
    assert targets[4] == HrRange(130, 170)  # a zone range: the resolved bpm
    assert targets[5] == Ramp(PowerRange(100, 100), PowerRange(150, 150))
    assert steps[6].intensity is Intensity.COOLDOWN
    said = " ".join(w.message for w in result.warnings)
    assert "%mmp" in said
    assert "zones 2-3" in said


def test_a_repeat_block() -> None:
    (block,) = convert({"steps": [samples()["repeat_block_shape"]["step"]]}).workout.items
    assert isinstance(block, Repeat)
    assert block.count == 3
    work, rest = block.items
    assert isinstance(rest, Step)
    assert rest.intensity is Intensity.RECOVERY
    assert isinstance(work, Step)
    assert work.target == PowerPercent(100.0, 100.0)


def test_run_targets_pace_first_then_hr_and_the_percent_pace_rule_of_pacer_import() -> None:
    doc = {
        "steps": [
            {
                "distance": 1000,
                "pace": {"value": 95, "units": "%pace"},
                "hr": {"value": 90, "units": "%hr"},
            },
            {
                "until_lap_press": True,
                "text": "Easy 30^Shoulders down",
                "cadence": {"value": 180, "units": "rpm"},
            },
            {"duration": 300, "pace": {"start": 3.5, "end": 4.0, "units": "MINS_KM"}},
        ]
    }
    result = convert(doc, Sport.RUN, profile=PROFILE)
    first, second, third = result.workout.items
    assert isinstance(first, Step)
    assert isinstance(second, Step)
    assert isinstance(third, Step)
    assert first.target == PacePercent(95, 95, PaceRef.THRESHOLD)
    assert first.secondary == (HrPercent(90.0, 90.0, HrBasis.MAX),)
    # the text importer's rule for the same thing, '95% Pace', gives the same target
    text = import_icu("- 1km 95% Pace\n", "t.txt", profile=PROFILE).workout.items[0]
    assert isinstance(text, Step)
    assert text.target == first.target
    assert second.duration == OpenDuration()
    assert second.secondary == (CadenceRange(180, 180, CadenceTargetUnit.SPM),)
    assert [(c.text, c.at_s) for c in second.cues] == [("Easy", 0.0), ("Shoulders down", 30.0)]
    assert third.target == PaceRange(250, 286, PaceUnit.KM)  # m/s to s/km


def test_percent_pace_without_a_profile_stays_relative() -> None:
    result = import_workout_doc(
        {"steps": [{"duration": 60, "pace": {"value": 95, "units": "%pace"}}]},
        "event 9",
        name="x",
        sport=Sport.RUN,
    )
    (step,) = result.workout.items
    assert isinstance(step, Step)
    assert step.target == PacePercent(95, 95, PaceRef.THRESHOLD)
    assert result.warnings == []


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"steps": [{"power": {"value": 50, "units": "%ftp"}}]}, "event 1: step 1"),
        ({"steps": [{"duration": 60}, {"reps": 0, "steps": [{"duration": 60}]}]}, "step 2"),
        ({"steps": []}, "no steps"),
        ({}, "no 'steps' list"),
    ],
)
def test_bad_docs_are_errors_naming_the_event_and_step(doc: dict[str, Any], where: str) -> None:
    with pytest.raises(InputErrors) as err:
        import_workout_doc(doc, "event 1", name="x")
    assert where in str(err.value)


def test_sport_of_event_types() -> None:
    assert sport_of("Run") is Sport.RUN
    assert sport_of("VirtualRide") is Sport.BIKE
    assert sport_of(None) is Sport.RUN


def test_every_shared_example_is_read_without_error() -> None:
    folder: Path = require_shared_apis()
    read = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            read.append(path.name)
            if path.name == "icu_events_workout_list.forum.json":
                for raw in data["response_200"]:
                    event = parse_event(raw)
                    assert event is not None
                    assert event.doc is not None
                    convert(dict(event.doc), sport_of(event.type))
            elif path.name == "strava_upload_responses.json":
                assert parse_upload(data["poll_ready"] | {"id": 1}).activity_id == "XYZ"
                dup = parse_upload(data["poll_duplicate"])
                assert (dup.duplicate, dup.activity_id) == (True, "12699650316")
        elif path.suffix == ".txt":
            result = import_icu(path.read_bytes(), str(path))
            assert len(result.workout.items) == 3
            read.append(path.name)
    assert "icu_workout_doc_samples.json" in read
    assert "icu_workout_text.forum.txt" in read
