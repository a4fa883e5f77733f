"""Importing Garmin FIT workout files: the SDK's example files, and files built here with
garmin-fit-sdk's Encoder covering every duration and target kind."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.core.errors import InputErrors
from pacer.formats.workouts import ImportKind, detect_kind, import_workout
from pacer.formats.workouts.fit import developer_kind
from pacer.workout.fileformat import dump_workout, load_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    DistanceDuration,
    DistanceUnit,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    IntRange,
    OpenDuration,
    PaceRange,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Repeat,
    SetsDuration,
    Sport,
    Step,
    Strength,
    TimeDuration,
)
from pacer.workout.profile import load_profile
from tests.support.fitfiles import STEP_UP_FIT, fit_workout, step_up_run_fit
from tests.support.paths import EXAMPLES, require_fit_fixtures

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")
MIN = 60_000


def imported(steps: list[dict[str, Any]], sport: str | None = "running", **kw: Any) -> Any:
    workout: dict[str, Any] = {"wkt_name": "Test"}
    if sport is not None:
        workout["sport"] = sport
    return import_workout(fit_workout(steps, workout=workout), "t.fit", **kw)


def timed(seconds: int = 60, **fields: Any) -> dict[str, Any]:
    return {"duration_type": "time", "duration_value": seconds * 1000, **fields}


def only_step(steps: list[dict[str, Any]], **kw: Any) -> tuple[Step, list[str]]:
    result = imported(steps, **kw)
    (step,) = result.workout.items
    assert isinstance(step, Step)
    return step, [w.message for w in result.warnings]


# --- the Garmin SDK's example workouts --------------------------------------------------


def test_sdk_example_with_zones_imports_step_by_step() -> None:
    data = (require_fit_fixtures() / "WorkoutIndividualSteps.fit").read_bytes()
    assert detect_kind(data) is ImportKind.FIT
    result = import_workout(data, "WorkoutIndividualSteps.fit")
    w = result.workout
    assert w.name == "Example 1"
    assert w.sport is Sport.BIKE  # no sport in the file; it has power targets
    assert w.items == (
        Step(Intensity.WARMUP, TimeDuration(60), HrZone("2"), name="_A_"),
        Step(Intensity.ACTIVE, DistanceDuration(500.0, DistanceUnit.M), PowerPercent(105, 120),
             name="B1_"),
        Step(Intensity.ACTIVE, DistanceDuration(500.0, DistanceUnit.M), PowerPercent(75, 90),
             name="B2_"),
        Step(Intensity.COOLDOWN, ConditionDuration(Comparison.BELOW, 125), PowerPercent(10, 55),
             name="_C_"),
    )  # fmt: skip
    by_step = {w.step: w.message for w in result.warnings}
    assert "no sport" in by_step[None]
    assert "power zone 5" in by_step[2]
    assert "power zone 3" in by_step[3]
    assert "power zone 1" in by_step[4]
    assert all("workout_step" in w.where for w in result.warnings if w.step)


def test_sdk_example_with_custom_targets_imports_bpm_percent_and_watts() -> None:
    data = (require_fit_fixtures() / "WorkoutCustomTargetValues.fit").read_bytes()
    result = import_workout(data, "WorkoutCustomTargetValues.fit")
    targets = [item.target for item in result.workout.items if isinstance(item, Step)]
    assert targets == [
        HrPercent(50, 60, HrBasis.MAX),  # custom HR up to 100 is % of max HR
        PowerRange(300, 310),  # custom power above 1000 is W + 1000
        PowerRange(260, 270),
        PowerRange(220, 230),
    ]
    last = result.workout.items[-1]
    assert isinstance(last, Step)
    assert last.duration == ConditionDuration(Comparison.BELOW, 125)  # 225 is 125 bpm + 100
    assert [w.step for w in result.warnings] == [None]  # only the missing sport


def test_activity_fit_file_is_refused() -> None:
    data = (require_fit_fixtures() / "garmin-fenix-5-run.fit").read_bytes()
    with pytest.raises(InputErrors, match=r"garmin-fenix-5-run\.fit: .*type 'activity'"):
        import_workout(data, "garmin-fenix-5-run.fit")


# --- the seed's step-up run -------------------------------------------------------------


def test_committed_step_up_fit_is_what_the_builder_writes() -> None:
    assert STEP_UP_FIT.read_bytes() == step_up_run_fit()


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "duration"),
    [
        ({"duration_type": "time", "duration_value": 90_000}, TimeDuration(90)),
        ({"duration_type": "distance", "duration_value": 80_000}, DistanceDuration(800, "m")),
        ({"duration_type": "distance", "duration_value": 500_000}, DistanceDuration(5, "km")),
        ({"duration_type": "distance", "duration_value": 160_934}, DistanceDuration(1, "mi")),
        ({"duration_type": "distance", "duration_value": 80_467}, DistanceDuration(0.5, "mi")),
        ({"duration_type": "open"}, OpenDuration()),
        ({"duration_type": "hr_less_than", "duration_value": 220}, ConditionDuration("<", 120)),
        ({"duration_type": "hr_greater_than", "duration_value": 265}, ConditionDuration(">", 165)),
    ],
)
def test_durations(fields: dict[str, Any], duration: object) -> None:
    step, warnings = only_step([fields])
    assert step.duration == duration
    assert warnings == []


def test_time_in_odd_milliseconds_is_rounded_with_a_warning() -> None:
    step, warnings = only_step([{"duration_type": "time", "duration_value": 90_400}])
    assert step.duration == TimeDuration(90)
    assert warnings == ["90.4 s rounded to 90 s"]


def test_hr_condition_in_percent_of_max_needs_the_profile() -> None:
    fields = {"duration_type": "hr_less_than", "duration_value": 70}
    step, warnings = only_step([fields], profile=PROFILE)
    assert step.duration == ConditionDuration(Comparison.BELOW, 130)  # 70 % of 185, half up
    assert "70% of max HR taken as 130 bpm" in warnings[0]
    step, warnings = only_step([fields])
    assert step.duration == OpenDuration()
    assert "needs an athlete profile" in warnings[0]


def test_unrepresentable_duration_ends_on_lap_with_a_warning() -> None:
    step, warnings = only_step([{"duration_type": "calories", "duration_value": 100}])
    assert step.duration == OpenDuration()
    assert warnings == ["a 'calories' duration cannot be represented; the step ends on lap instead"]


def test_reps_become_a_strength_step() -> None:
    result = imported(
        [
            {
                "duration_type": "reps",
                "duration_value": 8,
                "exercise_category": "squat",
                "exercise_weight": 20.0,
            },
            timed(90, intensity="rest"),
        ],
        sport="training",
    )
    squat, rest = result.workout.items
    assert result.workout.sport is Sport.STRENGTH
    assert squat == Step(
        Intensity.ACTIVE,
        SetsDuration(IntRange(1, 1)),
        strength=Strength("Squat", IntRange(8, 8), load="20 kg"),
    )
    assert rest == Step(Intensity.REST, TimeDuration(90))


# --- repeats ----------------------------------------------------------------------------


def test_repeats_point_back_by_message_index_and_nest() -> None:
    result = imported(
        [
            timed(600, intensity="warmup"),  # 0
            timed(60, intensity="active"),  # 1
            timed(30, intensity="recovery"),  # 2
            {"duration_type": "repeat_until_steps_cmplt", "duration_value": 1, "target_value": 4},
            timed(120, intensity="rest"),  # 4
            {"duration_type": "repeat_until_steps_cmplt", "duration_value": 1, "target_value": 2},
            timed(300, intensity="cooldown"),  # 6
        ]
    )
    warm, outer, cool = result.workout.items
    assert warm == Step(Intensity.WARMUP, TimeDuration(600))
    assert outer == Repeat(
        2,
        (
            Repeat(
                4,
                (
                    Step(Intensity.ACTIVE, TimeDuration(60)),
                    Step(Intensity.RECOVERY, TimeDuration(30)),
                ),
            ),
            Step(Intensity.REST, TimeDuration(120)),
        ),
    )
    assert cool == Step(Intensity.COOLDOWN, TimeDuration(300))
    assert result.warnings == []


def test_repeat_until_time_runs_its_steps_once_with_a_warning() -> None:
    result = imported(
        [
            timed(60),
            timed(30),
            {"duration_type": "repeat_until_time", "duration_value": 0, "target_value": 1_200_000},
        ]
    )
    assert len(result.workout.items) == 2
    assert all(isinstance(i, Step) for i in result.workout.items)
    (warning,) = result.warnings
    assert "'repeat until time' cannot be represented" in warning.message
    assert warning.where == "t.fit: workout_step 2"


@pytest.mark.parametrize(
    ("repeat", "message"),
    [
        ({"duration_value": 5, "target_value": 2}, "must go back to an earlier step"),
        ({"duration_value": 0, "target_value": 0}, "repeat count 0 is out of range"),
    ],
)
def test_bad_repeats_are_errors_naming_the_step(repeat: dict[str, Any], message: str) -> None:
    steps = [timed(60), timed(30), {"duration_type": "repeat_until_steps_cmplt", **repeat}]
    with pytest.raises(InputErrors) as err:
        imported(steps)
    assert str(err.value).startswith("t.fit: workout_step 2: ")
    assert message in str(err.value)


def test_repeat_into_the_middle_of_an_earlier_repeat_is_an_error() -> None:
    steps = [
        timed(60),
        timed(30),
        {"duration_type": "repeat_until_steps_cmplt", "duration_value": 0, "target_value": 2},
        timed(20),
        {"duration_type": "repeat_until_steps_cmplt", "duration_value": 1, "target_value": 2},
    ]
    with pytest.raises(InputErrors, match=r"workout_step 4: .*inside an earlier repeat"):
        imported(steps)


# --- targets ----------------------------------------------------------------------------


def custom(kind: str, low: int, high: int) -> dict[str, Any]:
    return {
        "target_type": kind,
        "target_value": 0,
        "custom_target_value_low": low,
        "custom_target_value_high": high,
    }


@pytest.mark.parametrize(
    ("sport", "target", "expected"),
    [
        ("running", {"target_type": "open"}, None),
        ("running", {"target_type": "heart_rate", "target_value": 3}, HrZone("3")),
        ("running", custom("heart_rate", 245, 255), HrRange(145, 155)),
        ("running", custom("heart_rate", 70, 80), HrPercent(70, 80, HrBasis.MAX)),
        ("running", custom("speed", 3704, 3922), PaceRange(255, 270, PaceUnit.KM)),
        ("running", custom("cadence", 170, 180), CadenceRange(170, 180, CadenceTargetUnit.SPM)),
        ("cycling", custom("cadence", 85, 95), CadenceRange(85, 95, CadenceTargetUnit.RPM)),
        ("cycling", custom("power", 1250, 1270), PowerRange(250, 270)),
        ("cycling", custom("power", 88, 94), PowerPercent(88, 94)),
        ("cycling", {"target_type": "power", "target_value": 4}, PowerPercent(90, 105)),
        ("cycling", custom("power", 1270, 1250), PowerRange(250, 270)),  # low/high swapped
    ],
)
def test_targets(sport: str, target: dict[str, Any], expected: object) -> None:
    step, _warnings = only_step([timed(60, **target)], sport=sport)
    assert step.target == expected


def test_speed_reads_back_per_mile_for_an_imperial_profile() -> None:
    step, _ = only_step([timed(60, **custom("speed", 3787, 3832))], profile=PROFILE)
    assert step.target == PaceRange(420, 425, PaceUnit.MI)  # 7:00-7:05/mi


def test_running_cadence_in_strides_is_doubled_with_a_warning() -> None:
    step, warnings = only_step([timed(60, **custom("cadence", 85, 90))])
    assert step.target == CadenceRange(170, 180, CadenceTargetUnit.SPM)
    assert warnings == ["cadence 85-90 taken as strides per minute: 170-180 spm"]


@pytest.mark.parametrize(
    ("target", "warning"),
    [
        ({"target_type": "speed", "target_value": 2}, "speed zone 2 cannot be represented"),
        ({"target_type": "cadence", "target_value": 1}, "cadence zone 1 cannot be represented"),
        ({"target_type": "grade", "target_value": 0}, "a 'grade' target cannot be represented"),
        (custom("speed", 0, 3000), "a speed target with no lower end"),
    ],
)
def test_unrepresentable_targets_leave_the_step_open_with_a_warning(
    target: dict[str, Any], warning: str
) -> None:
    step, warnings = only_step([timed(60, **target)])
    assert step.target is None
    assert any(warning in w for w in warnings), warnings


def test_averaged_power_is_held_as_power_with_a_warning() -> None:
    step, warnings = only_step([timed(60, **custom("power_3s", 1200, 1220))], sport="cycling")
    assert step.target == PowerRange(200, 220)
    assert warnings == ["'power_3s' is held as plain power (pacer smooths power itself)"]


def test_mixed_percent_and_bpm_needs_a_profile() -> None:
    steps = [timed(60, **custom("heart_rate", 70, 250))]
    with pytest.raises(InputErrors, match="mixes % of max HR and bpm"):
        imported(steps)
    step, warnings = only_step(steps, profile=PROFILE)
    assert step.target == HrRange(130, 150)
    assert "70% of max HR taken as 130 bpm" in warnings[0]


def test_secondary_target_intensities_names_and_notes() -> None:
    result = imported(
        [
            timed(
                600,
                intensity=intensity,
                wkt_step_name=f"Step {intensity}",
                notes=f"Note for {intensity}",
                **custom("speed", 3704, 3922),
                secondary_target_type="heart_rate",
                secondary_target_value=2,
            )
            for intensity in ("warmup", "active", "rest", "recovery", "cooldown", "interval")
        ]
    )
    steps = result.workout.items
    assert [s.intensity for s in steps if isinstance(s, Step)] == [
        Intensity.WARMUP,
        Intensity.ACTIVE,
        Intensity.REST,
        Intensity.RECOVERY,
        Intensity.COOLDOWN,
        Intensity.ACTIVE,
    ]
    first = steps[0]
    assert isinstance(first, Step)
    assert first.name == "Step warmup"
    assert first.note == "Note for warmup"
    assert first.secondary == (HrZone("2"),)


def test_long_note_is_cut_with_a_warning_naming_what_was_dropped() -> None:
    long = "Keep it smooth and relaxed " * 8
    step, warnings = only_step([timed(60, notes=long)])
    assert step.note is not None
    assert len(step.note) <= 120
    assert step.note.endswith("…")
    assert warnings[0].startswith("note cut to 120 characters; dropped: '")


def test_workout_without_name_is_named_after_the_file() -> None:
    data = fit_workout([timed(60)], workout={"sport": "running"})
    assert import_workout(data, "/tmp/easy_run.fit").workout.name == "easy run"


def test_absurd_values_are_errors_not_imports() -> None:
    with pytest.raises(InputErrors, match="workout_step 0: 300-310 bpm: heart rate"):
        imported([timed(60, **custom("heart_rate", 400, 410))])


# --- broken files -----------------------------------------------------------------------


def test_damaged_fit_file_is_an_error() -> None:
    data = bytearray(fit_workout([timed(60)], workout={"wkt_name": "x"}))
    data[30] ^= 0xFF
    with pytest.raises(InputErrors, match=r"^bad.fit: cannot decode the FIT file"):
        import_workout(bytes(data), "bad.fit")


def test_truncated_fit_file_is_an_error() -> None:
    data = fit_workout([timed(60)], workout={"wkt_name": "x"})
    with pytest.raises(InputErrors, match="cannot decode the FIT file"):
        import_workout(data[:40], "cut.fit")


def test_fit_file_without_steps_is_an_error() -> None:
    with pytest.raises(InputErrors, match="no workout or workout_step messages"):
        import_workout(fit_workout([]), "empty.fit")


def test_a_time_step_without_a_duration_is_an_open_step_with_a_warning() -> None:
    # a Bryton workout: time steps that end on lap, with no duration_value
    result = imported(
        [
            {"duration_type": "time", "intensity": "warmup", "target_type": "open"},
            timed(300, intensity="active"),
        ]
    )
    first, second = result.workout.items
    assert isinstance(first, Step)
    assert isinstance(second, Step)
    assert first.duration == OpenDuration()
    assert second.duration == TimeDuration(300)
    (warning,) = [w.message for w in result.warnings]
    assert "'time' step without a duration_value: an open step that ends on lap" in warning
    back = load_workout(dump_workout(result.workout))
    assert back == result.workout


def test_targets_in_developer_fields_are_read_and_the_rest_said() -> None:
    # a Stages Link workout keeps its HR target, cadence range and RPE in developer fields
    names = ["hr_target_low", "hr_target_high", "CadenceLow", "CadenceHigh", "rpe", "wind_kph"]
    data = fit_workout(
        [
            timed(600, target_type="open", developer_fields={0: 101, 1: 149, 2: 85, 3: 100}),
            timed(300, target_type="power", target_value=4, developer_fields={4: 6, 5: 12}),
        ],
        workout={"wkt_name": "Stages", "sport": "cycling"},
        developer=names,
    )
    result = import_workout(data, "stages.fit")
    first, second = result.workout.items
    assert isinstance(first, Step)
    assert isinstance(second, Step)
    assert first.target == HrRange(101, 149)
    assert first.secondary == (CadenceRange(85, 100, CadenceTargetUnit.RPM),)
    assert second.note == "RPE 6"
    said = [str(w) for w in result.warnings]
    assert any("developer field 'wind_kph' (12) left out" in w for w in said), said
    assert not any("hr_target" in w or "Cadence" in w or "'rpe'" in w for w in said), said


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("hr_target_low", ("hr", "low")),
        ("HeartRateMax", ("hr", "high")),
        ("target_cadence", ("cadence", "")),
        ("RPE", ("rpe", "")),
        ("threshold_power", None),
        ("wind_kph", None),
    ],
)
def test_developer_field_names_are_read_by_their_words(
    name: str, kind: tuple[str, str] | None
) -> None:
    assert developer_kind(name) == kind
