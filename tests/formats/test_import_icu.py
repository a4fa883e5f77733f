"""Importing intervals.icu plain-text workouts: every construct, and located errors."""

from __future__ import annotations

import pytest

from pacer.core.errors import InputErrors
from pacer.formats.workouts import ImportKind, detect_kind, import_workout
from pacer.formats.workouts.icu_tokens import tokenize
from pacer.workout.fileformat import dump_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Cue,
    DistanceDuration,
    DistanceUnit,
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
from pacer.workout.resolve import resolve_target
from tests.support.hostile import LONG_DIGITS, NUMBER_FIELDS, NumberField
from tests.support.paths import EXAMPLES

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")


def icu(text: str, **kw: object) -> object:
    data = text.encode()
    assert detect_kind(data) is ImportKind.ICU
    return import_workout(data, "w.txt", **kw)  # type: ignore[arg-type]


def one(line: str, **kw: object) -> tuple[Step, list[str]]:
    result = icu(f"- {line}\n", **kw)
    (step,) = result.workout.items  # type: ignore[attr-defined]
    assert isinstance(step, Step)
    return step, [w.message for w in result.warnings]  # type: ignore[attr-defined]


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("10m", TimeDuration(600)),
        ("30s", TimeDuration(30)),
        ("1h", TimeDuration(3600)),
        ("1h2m30s", TimeDuration(3750)),
        ("5m30s", TimeDuration(330)),
        ("1m30", TimeDuration(90)),
        ("5'", TimeDuration(300)),
        ('30"', TimeDuration(30)),
        ("1'30\"", TimeDuration(90)),
        ("1:30:00", TimeDuration(5400)),
        ("5:00", TimeDuration(300)),
        ("5km", DistanceDuration(5, DistanceUnit.KM)),
        ("0.4km", DistanceDuration(0.4, DistanceUnit.KM)),
        ("400mtr", DistanceDuration(400, DistanceUnit.M)),
        ("2mi", DistanceDuration(2, DistanceUnit.MI)),
        ("4.5mi", DistanceDuration(4.5, DistanceUnit.MI)),
        ("100yrd", DistanceDuration(91.44, DistanceUnit.M)),
        ("press lap", OpenDuration()),
        ("lap press", OpenDuration()),
    ],
)
def test_durations(text: str, duration: object) -> None:
    step, warnings = one(f"{text} Z2 HR")
    assert step.duration == duration
    assert step.target == HrZone("2")
    assert warnings == []


def test_lap_press_with_a_time_drops_the_estimate_with_a_warning() -> None:
    step, warnings = one("9m Z2 HR press lap")
    assert step.duration == OpenDuration()
    assert warnings == ["the step ends on lap press; its 9m is dropped (it was only an estimate)"]


def test_hundreds_of_m_are_minutes_as_in_intervals_icu_with_a_warning() -> None:
    step, warnings = one("400m Z1 HR")
    assert step.duration == TimeDuration(400 * 60)
    assert warnings == ["'400m' is 400 minutes in intervals.icu (metres are written 400mtr)"]


# --- targets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Z2 HR", HrZone("2")),
        ("70% HR", HrPercent(70, 70, HrBasis.MAX)),
        ("75-80% HR", HrPercent(75, 80, HrBasis.MAX)),
        ("95% LTHR", HrPercent(95, 95, HrBasis.LTHR)),
        ("90-95% LTHR", HrPercent(90, 95, HrBasis.LTHR)),
        ("140-150bpm", HrRange(140, 150)),
        ("4:30/km Pace", PaceRange(270, 270, PaceUnit.KM)),
        ("4:30-4:40/km Pace", PaceRange(270, 280, PaceUnit.KM)),
        ("7:15-7:00/mi", PaceRange(420, 435, PaceUnit.MI)),
        ("7:00/mi-7:15/mi pace", PaceRange(420, 435, PaceUnit.MI)),
    ],
)
def test_run_targets(text: str, target: object) -> None:
    step, warnings = one(f"10m {text}")
    assert step.target == target
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("95% FTP", PowerPercent(95, 95)),
        ("95%", PowerPercent(95, 95)),
        ("88-94%", PowerPercent(88, 94)),
        ("88%-94%", PowerPercent(88, 94)),
        ("90% Power", PowerPercent(90, 90)),
        ("220w", PowerRange(220, 220)),
        ("200-240w", PowerRange(200, 240)),
        ("315w - 330w", PowerRange(315, 330)),
    ],
)
def test_power_targets_make_a_bike_workout(text: str, target: object) -> None:
    result = icu(f"- 3m {text}\n")
    (step,) = result.workout.items  # type: ignore[attr-defined]
    assert step.target == target
    assert result.workout.sport is Sport.BIKE  # type: ignore[attr-defined]
    (warning,) = result.warnings  # type: ignore[attr-defined]
    assert warning.step is None
    assert "taken as bike" in warning.message


def test_percent_of_threshold_pace_stays_relative_and_resolves_with_the_profile() -> None:
    step, warnings = one("5m 90-95% Pace", profile=PROFILE)
    assert step.target == PacePercent(90, 95, PaceRef.THRESHOLD)
    assert warnings == []
    # threshold 6:30/mi = 390 s: at 95 % of its speed 410.5 s/mi, at 90 % 433.3 s/mi
    band = resolve_target(step.target, PROFILE)
    assert band.label == "90-95% TP pace 6:51-7:13/mi"
    assert 1609.344 / band.high == pytest.approx(390 / 0.95)
    assert 1609.344 / band.low == pytest.approx(390 / 0.90)


def test_percent_of_threshold_pace_without_a_profile_is_kept_in_the_file() -> None:
    step, warnings = one("5m 90-95% Pace")
    assert step.target == PacePercent(90, 95, PaceRef.THRESHOLD)
    assert warnings == []
    assert "target: 90-95% TP pace" in dump_workout(
        import_workout(b"- 5m 90-95% Pace", "w.txt").workout
    )


def test_an_inline_repeat_repeats_its_one_step() -> None:
    result = import_workout(b"Strides\n\n- 10m Z1 HR\n- 4x 100mtr 90% pace\n- 5m Z1 HR\n", "w.txt")
    first, strides, last = result.workout.items
    assert strides == Repeat(
        4,
        (
            Step(
                Intensity.ACTIVE,
                DistanceDuration(100, DistanceUnit.M),
                PacePercent(90, 90, PaceRef.THRESHOLD),
            ),
        ),
    )
    assert isinstance(first, Step)
    assert isinstance(last, Step)
    assert result.warnings == []


def test_ramp_is_a_moving_target() -> None:
    step, warnings = one("10m ramp 60-80% HR")
    assert step.target == Ramp(HrPercent(60, 60, HrBasis.MAX), HrPercent(80, 80, HrBasis.MAX))
    assert warnings == []


def test_descending_ramp_goes_from_the_first_number_to_the_second() -> None:
    step, _ = one("10m ramp 65%-40%")
    assert step.target == Ramp(PowerPercent(65, 65), PowerPercent(40, 40))
    step, _ = one("10m ramp 5:30-5:00/km Pace")
    assert step.target == Ramp(PaceRange(330, 330, PaceUnit.KM), PaceRange(300, 300, PaceUnit.KM))


def test_timed_text_prompts_become_cues() -> None:
    step, warnings = one("Settle in 33^Find your rhythm 120^Stand up <!> 10m ramp 50-75%")
    assert warnings == [
        "no sport in the text; taken as bike from '50-75%' "
        "(pacer import --sport run if it is a run)"
    ]
    assert step.cues == (
        Cue("Settle in", at_s=0.0),
        Cue("Find your rhythm", at_s=33.0),
        Cue("Stand up", at_s=120.0),
    )
    assert step.note is None
    assert step.duration == TimeDuration(600)


def test_a_workout_over_eight_hours_warns_with_the_minutes_hint() -> None:
    result = import_workout(b"Track\n\n- 10m Z1 HR\n\n- 500m Z4 HR\n", "t.txt")
    assert result.workout.items[1].duration == TimeDuration(500 * 60)
    assert [str(w) for w in result.warnings if w.step is None] == [
        "t.txt:1:1: warning: the workout lasts 8:30:00, more than 8 hours; its longest step is "
        "step 2 'Z4' (8:20:00): intervals.icu reads a bare m as minutes ('400m' is 400 minutes); "
        "write 400mtr for metres"
    ]


def test_cadence_is_a_secondary_target() -> None:
    step, _ = one("10m 75% 90rpm")
    assert step.target == PowerPercent(75, 75)
    assert step.secondary == (CadenceRange(90, 90, CadenceTargetUnit.RPM),)
    step, _ = one("5km Z2 HR 170-180spm")
    assert step.secondary == (CadenceRange(170, 180, CadenceTargetUnit.SPM),)


def test_second_target_is_secondary() -> None:
    step, _ = one("20m 4:30-4:40/km Pace Z3 HR")
    assert step.target == PaceRange(270, 280, PaceUnit.KM)
    assert step.secondary == (HrZone("3"),)


def test_zone_without_kind_is_hr_on_a_run_and_power_on_a_bike() -> None:
    step, warnings = one("10m Z2")
    assert step.target == HrZone("2")
    assert "taken as a heart-rate zone" in warnings[0]
    result = icu("- 10m Z4\n- 5m 50%\n")
    assert result.workout.items[0].target == PowerPercent(90, 105)  # type: ignore[attr-defined]


def test_zone_range_keeps_the_lower_zone_with_a_warning() -> None:
    step, warnings = one("30m Z2-Z3 HR")
    assert step.target == HrZone("2")
    assert "zone range 'Z2-Z3 HR' cannot be represented" in warnings[0]


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("10m Z2 Pace", "pace zone 'Z2 Pace' cannot be represented"),
        ("10m CZ2", "custom zone 'CZ2' cannot be represented"),
        ("5m 60% MMP", "% of mean maximal power) cannot be represented"),
    ],
)
def test_unrepresentable_targets_warn(text: str, warning: str) -> None:
    result = icu(f"- {text}\n")
    step = result.workout.items[0]  # type: ignore[attr-defined]
    assert step.target is None
    assert any(warning in w.message for w in result.warnings)  # type: ignore[attr-defined]


def test_freeride_has_no_target() -> None:
    step, _ = one("20m freeride")
    assert step.target is None
    assert step.duration == TimeDuration(1200)


# --- structure --------------------------------------------------------------------------

SESSION = """\
Track 5x1k

Five kilometre repeats at 10K pace.
Jog the recoveries.

Warmup
- 15m Z1 HR

Main set 5x
- 1km 3:50-3:55/km Pace
- Recover 2m Z1 HR

Cooldown
- Easy jog 10m Z1 HR
"""


def test_sections_repeats_name_description_and_notes() -> None:
    result = icu(SESSION)
    w = result.workout  # type: ignore[attr-defined]
    assert w.name == "Track 5x1k"
    assert w.description == "Five kilometre repeats at 10K pace. Jog the recoveries."
    assert w.sport is Sport.RUN
    assert w.items == (
        Step(Intensity.WARMUP, TimeDuration(900), HrZone("1")),
        Repeat(
            5,
            (
                Step(Intensity.ACTIVE, DistanceDuration(1, DistanceUnit.KM),
                     PaceRange(230, 235, PaceUnit.KM)),
                Step(Intensity.RECOVERY, TimeDuration(120), HrZone("1"), note="Recover"),
            ),
        ),
        Step(Intensity.COOLDOWN, TimeDuration(600), HrZone("1"), note="Easy jog"),
    )  # fmt: skip
    assert result.warnings == []  # type: ignore[attr-defined]


def test_standalone_repeat_line_ends_at_a_blank_line() -> None:
    result = icu("3x\n- 1m 120%\n- 1m 50%\n\n- 5m 50%\n")
    rep, tail = result.workout.items  # type: ignore[attr-defined]
    assert isinstance(rep, Repeat)
    assert rep.count == 3
    assert len(rep.items) == 2
    assert tail == Step(Intensity.ACTIVE, TimeDuration(300), PowerPercent(50, 50))


def test_text_after_the_target_is_part_of_the_note() -> None:
    step, _ = one("Hill sprint 30s Z5 HR stay relaxed")
    assert step.note == "Hill sprint stay relaxed"


def test_no_title_names_the_workout_after_the_file() -> None:
    result = import_workout(b"- 10m Z2 HR\n", "/data/easy_run.txt")
    assert result.workout.name == "easy run"


def test_seed_step_up_run_in_icu_text() -> None:
    data = (EXAMPLES / "import" / "step-up-run.txt").read_bytes()
    w = import_workout(data, "step-up-run.txt").workout
    assert w.name == "Step-up run 1:20"
    assert [s.intensity for s in w.items] == [  # type: ignore[union-attr]
        Intensity.WARMUP,
        Intensity.ACTIVE,
        Intensity.ACTIVE,
        Intensity.ACTIVE,
        Intensity.COOLDOWN,
    ]


# --- errors -----------------------------------------------------------------------------


def error_lines(text: str) -> list[str]:
    with pytest.raises(InputErrors) as err:
        icu(text)
    return [str(e) for e in err.value.errors]


def test_step_without_duration_is_an_error_at_its_line() -> None:
    assert error_lines("Warmup\n- 10m Z1 HR\n- Z2 HR\n") == [
        "w.txt:3:1: the step has no duration (try 10m, 90s, 1h30m, 5km, 400mtr or press lap)"
    ]


def test_two_durations_point_at_the_second() -> None:
    (message,) = error_lines("- 10m 5km Z2 HR\n")
    assert message.startswith("w.txt:1:7: a second duration '5km'")


def test_every_error_is_reported_with_line_and_column() -> None:
    text = "- 10m Z2 HR\n-\n- 3x\nMain 3x\n\n- 10m 9000w\n"
    messages = error_lines(text)
    assert messages == [
        "w.txt:2:2: an empty step ('-' and nothing else)",
        "w.txt:3:3: '3x' inside a step: put the repeat on its own line above its steps",
        "w.txt:4:1: 3x with no steps below it",
        "w.txt:6:1: 9000 W: power (W) 9000 is not plausible (1 to 2500)",
    ]


def test_repeat_count_out_of_range() -> None:
    (message,) = error_lines("Main 500x\n- 1m 100%\n")
    assert message == "w.txt:1:1: repeat count 500 is out of range (1 to 100)"


def test_no_steps_at_all() -> None:
    assert error_lines("Just some words\n") == [
        "w.txt:1:1: no steps: intervals.icu steps are lines starting with '-'"
    ]


def test_not_utf8_is_an_error() -> None:
    with pytest.raises(InputErrors, match="not a UTF-8 text file"):
        import_workout(b"- 10m Z2 HR \xff\n", "w.txt")


def test_tokenizer_marks_columns() -> None:
    tokens, words = tokenize("Easy 10m Z2 HR now", 2)
    assert [(t.kind, t.text, t.col) for t in tokens] == [("time", "10m", 8), ("zone", "Z2 HR", 12)]
    assert words == [(3, "Easy"), (18, "now")]


def test_a_sport_given_is_taken_not_guessed() -> None:
    result = import_workout(b"Run power\n\n- 20m 250w\n", "w.txt", sport=Sport.RUN)
    assert result.workout.sport is Sport.RUN
    assert result.warnings == []
    guessed = import_workout(b"Run power\n\n- 20m 250w\n", "w.txt")
    assert guessed.workout.sport is Sport.BIKE
    assert "--sport run" in str(guessed.warnings[0])


# --- issue 20 D2: a number with more digits than any workout needs -----------------------


@pytest.mark.parametrize(
    "field", [f for f in NUMBER_FIELDS if f.suffix == ".txt"], ids=lambda f: f.what
)
@pytest.mark.parametrize("digits", LONG_DIGITS, ids=lambda d: f"{len(d)} digits")
def test_a_number_with_too_many_digits_is_out_of_range_where_it_is(
    field: NumberField, digits: str
) -> None:
    """400 digits was an OverflowError traceback, 5,000 a ValueError; now one error at
    the number's own line and column, and nothing else about that step."""
    with pytest.raises(InputErrors) as info:
        import_workout(field.text(digits).encode(), "w.txt")
    (error,) = info.value.errors
    assert str(error).startswith(f"w.txt:{field.where}: number ")
    assert f"({len(digits)} digits) is out of range (at most 9 digits)" in str(error)


def test_a_long_number_in_a_note_is_kept_as_text() -> None:
    """Only the numbers pacer reads are bounded: a phone number in a step's note is text."""
    result = import_workout(b"- 10m Z2 HR call 00441234567890\n", "w.txt")
    assert "00441234567890" in (result.workout.items[0].note or "")
