"""The native workout file: loading, repeat expansion, and every error class with its place."""

from __future__ import annotations

import pytest

from pacer.core.errors import InputErrors, ProfileError
from pacer.workout.fileformat import dump_workout, load_workout
from pacer.workout.model import (
    MAX_REPEAT_DEPTH,
    Cue,
    HrZone,
    Intensity,
    IntRange,
    PaceRef,
    Repeat,
    SetsDuration,
    Step,
    TimeDuration,
    ZonePosition,
    expand,
)
from pacer.workout.profile import Profile
from pacer.workout.resolve import missing_profile_values, resolve
from pacer.workout.yamlnodes import MAX_FILE_BYTES
from tests.support.paths import EXAMPLES


def errors_of(text: str | bytes, profile: Profile | None = None) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_workout(text, "w.yaml", profile=profile)
    return [str(e) for e in info.value.errors]


def test_seed_step_up_run_loads_as_written() -> None:
    w = load_workout((EXAMPLES / "step-up-run.yaml").read_text(), "step-up-run.yaml")
    steps = [i for i in w.items if isinstance(i, Step)]
    assert [s.intensity for s in steps] == [
        Intensity.WARMUP,
        Intensity.ACTIVE,
        Intensity.ACTIVE,
        Intensity.ACTIVE,
        Intensity.COOLDOWN,
    ]
    assert [s.duration for s in steps] == [TimeDuration(m * 60) for m in (20, 20, 20, 10, 10)]
    assert steps[0].target is None  # open effort: the coach doesn't look at HR
    assert steps[1].target == HrZone("2", ZonePosition.HIGH)
    assert steps[2].target == HrZone("3", ZonePosition.MID)
    assert steps[3].target == HrZone("4")


def test_strength_fields() -> None:
    w = load_workout((EXAMPLES / "strength-b.yaml").read_text())
    step = w.items[0]
    assert isinstance(step, Step)
    assert step.duration == SetsDuration(IntRange(2, 3))
    assert step.strength is not None
    assert step.strength.reps == IntRange(6, 8)
    assert step.strength.per_leg
    assert step.strength.rest == IntRange(120, 180)


def test_repeat_expansion_order_and_iterations() -> None:
    text = """
name: Ladder
steps:
  - warmup: 10m
  - repeat: 2
    steps:
      - active: 1m
        name: A
      - repeat: 3
        steps:
          - active: 30s
            name: B
      - recovery: 1m
  - cooldown: 5m
"""
    w = load_workout(text)
    assert isinstance(w.items[1], Repeat)
    flat = expand(w.items)
    names = [f.step.name or f.step.intensity.value for f in flat]
    assert names == ["warmup"] + ["A", "B", "B", "B", "recovery"] * 2 + ["cooldown"]
    assert [f.repeats for f in flat[2:5]] == [((1, 2), (1, 3)), ((1, 2), (2, 3)), ((1, 2), (3, 3))]
    assert flat[-2].repeats == ((2, 2),)


def test_every_error_is_reported_with_its_position() -> None:
    text = """name: Broken
sport: run
steps:
  - warmup: 20 parsecs
  - active: 20m
    target: Z2 hihg
  - active: 10m
    target: 155-145 bpm
    notes: typo
  - active: 0s
  - active: 10m
    target: 300-400 bpm
  - active: 3 sets
    exercise: Step-up
    reps: 10000
"""
    assert errors_of(text) == [
        "w.yaml:4:13: '20 parsecs' is not a duration (try 20m, 1:20:00, 5km, 800m, open, "
        "3 sets, or until HR < 120 bpm, max 3m)",
        "w.yaml:6:13: 'Z2 hihg' is not a target (try Z2, Z2 high, 145-155 bpm, 150 bpm, "
        "70-80% HRmax, 4:30-4:50/km, 7:00/mi, MP+5s..MP+10s/mi, 90-95% TP pace, 170-180 spm, "
        "250-270 W, 88% FTP or ramp 60% FTP to 90% FTP)",
        "w.yaml:8:13: '155-145 bpm': min > max",
        "w.yaml:9:5: unknown key 'notes' in a step (did you mean 'note'?)",
        "w.yaml:10:13: a step must last longer than 0 seconds",
        "w.yaml:12:13: heart rate (bpm) 300 is not plausible (30 to 240)",
        "w.yaml:15:11: reps 10000 is not plausible (1 to 200)",
    ]


def test_syntax_error_is_located() -> None:
    assert errors_of("name: x\nsteps:\n  - warmup: 10m\n   - active: 5m\n") == [
        "w.yaml:4:4: YAML syntax error: expected <block end>, but found '<block sequence start>'"
    ]


def test_zone_the_profile_does_not_define() -> None:
    text = "name: x\nsteps:\n  - active: 10m\n    target: Z6\n"
    assert errors_of(text, Profile()) == [
        "w.yaml:4:13: zone Z6 is not defined by the max_hr zone model (Z1, Z2, Z3, Z4, Z5)"
    ]
    # and without a profile, zone names are checked against the default model
    assert len(errors_of(text)) == 1


def test_targets_needing_profile_data_load_and_name_what_is_missing() -> None:
    text = (
        "name: x\nsteps:\n  - active: 10m\n    target: MP+5s..MP+10s/mi\n"
        "  - active: 10m\n    target: 88% FTP\n    also: 95% LTHR\n"
    )
    workout = load_workout(text, profile=Profile())  # shown as written, not refused
    assert missing_profile_values(workout, Profile()) == ["ftp", "lthr", "paces.marathon"]
    full = Profile(ftp=250, lthr=170, paces=((PaceRef.MARATHON, 270.0),))
    assert missing_profile_values(workout, full) == []
    shown = resolve(workout, Profile(), as_written=True)
    assert [s.missing for s in shown.steps] == [("paces.marathon",), ("ftp", "lthr")]
    with pytest.raises(ProfileError, match="ftp in the profile"):
        resolve(workout, Profile(lthr=170, paces=((PaceRef.MARATHON, 270.0),)))


def test_empty_workouts() -> None:
    assert errors_of("") == ["w.yaml:1:1: empty workout file"]
    assert errors_of("name: x\nsteps: []\n") == ["w.yaml:2:8: the list of steps is empty"]
    assert errors_of("name: x\n") == ["w.yaml:1:1: a workout needs steps"]


def test_repeats_nested_too_deep() -> None:
    inner = "- active: 1m\n"
    text = inner
    for _ in range(MAX_REPEAT_DEPTH + 1):
        body = "".join("  " + line + "\n" for line in text.splitlines())
        text = f"- repeat: 2\n  steps:\n{body}"
    doc = "name: deep\nsteps:\n" + "".join("  " + line + "\n" for line in text.splitlines())
    errors = errors_of(doc)
    assert len(errors) == 1
    assert "repeats nest too deeply (at most 3 levels)" in errors[0]
    assert errors[0].startswith(f"w.yaml:{3 + 2 * MAX_REPEAT_DEPTH}:")


def test_file_over_the_size_limit() -> None:
    data = b"name: x\n" + b"#" * MAX_FILE_BYTES
    assert errors_of(data) == [
        f"w.yaml:1:1: file too large ({len(data)} bytes; the limit is 64 KiB)"
    ]


def test_not_a_text_file() -> None:
    assert errors_of(b"\x89PNG\r\n\x1a\n\x00\x00") == [
        "w.yaml:1:1: not a text file (it contains NUL bytes)"
    ]
    assert errors_of(b"name: \xff\xfe\n") == ["w.yaml:1:1: not a UTF-8 text file (byte 6)"]


def test_absurd_values() -> None:
    text = """name: absurd
steps:
  - active: 3 sets
    exercise: Squat
    reps: 8
  - repeat: 1000
    steps:
      - active: 1m
  - active: 10000 sets
    exercise: Squat
    reps: 8
"""
    assert errors_of(text) == [
        "w.yaml:6:13: the repeat count 1000 is out of range (1 to 100)",
        "w.yaml:9:13: sets 10000 is not plausible (1 to 50)",
    ]


def test_step_needs_one_intensity() -> None:
    text = "name: x\nsteps:\n  - active: 1m\n    cooldown: 1m\n  - target: Z2\n"
    assert errors_of(text) == [
        "w.yaml:3:5: a step needs exactly one of warmup, active, rest, recovery, cooldown "
        "with its duration (found active, cooldown)",
        "w.yaml:5:5: a step needs exactly one of warmup, active, rest, recovery, cooldown "
        "with its duration (found none)",
    ]


def test_dump_is_canonical_and_loads_back() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.name == "profile.yaml":
            continue
        w = load_workout(path.read_text(), str(path))
        text = dump_workout(w)
        assert load_workout(text) == w
        assert dump_workout(load_workout(text)) == text


def test_cues_load_in_firing_order_and_dump_back() -> None:
    text = """name: Cues
steps:
  - active: 10m
    target: ramp 60% FTP to 90% FTP
    cues:
      - {at: 9m, text: one minute left}
      - {at: 60s, text: settle in}
  - active: 2km
    cues: [{at: 1km, text: halfway}, {at: 1:30, text: by time}]
"""
    workout = load_workout(text)
    first, second = workout.items
    assert isinstance(first, Step)
    assert isinstance(second, Step)
    assert first.cues == (Cue("settle in", at_s=60.0), Cue("one minute left", at_s=540.0))
    assert second.cues == (Cue("by time", at_s=90.0), Cue("halfway", at_m=1000.0))
    assert load_workout(dump_workout(workout)) == workout


def test_cue_errors_are_located() -> None:
    text = """name: Bad cues
steps:
  - active: 5m
    cues:
      - {at: 6m, text: too late}
      - {at: soon, text: when}
      - {text: nowhere}
      - {at: 10s, text: ok, colour: red}
      - {at: 3 sets, text: what}
  - active: 1km
    cues: not a list
"""
    assert errors_of(text) == [
        "w.yaml:5:14: cue at 6m is not inside the step (5m)",
        "w.yaml:6:14: 'soon' is not a duration (try 20m, 1:20:00, 5km, 800m, open, 3 sets, "
        "or until HR < 120 bpm, max 3m)",
        "w.yaml:7:9: a cue needs at (at: 60s, text: ...)",
        "w.yaml:8:29: unknown key 'colour' in a cue",
        "w.yaml:9:14: a cue is at a time (60s, 2:30) or a distance (400m, 1km) into its step",
        "w.yaml:11:11: cues must be a list like [{at: 60s, text: settle in}]",
    ]


def test_a_sprint_and_a_long_workout_load_with_warnings() -> None:
    from pacer.workout.fileformat import workout_warnings

    workout = load_workout(
        "name: x\nsport: bike\nsteps:\n  - active: 10s\n    target: 300% FTP\n"
        "  - active: 10s\n    target: 1000% FTP\n  - active: 9h\n"
    )
    assert workout_warnings(workout) == [
        "step 2 '1000% FTP': 1000% FTP is above 400% FTP, more than a sprint holds: check "
        "the number",
        "the workout lasts 9:00:20, more than 8 hours; its longest step is step 3 'Active' "
        "(9:00:00)",
    ]
    assert errors_of("name: x\nsteps:\n  - active: 10s\n    target: 1001% FTP\n") == [
        "w.yaml:4:13: % FTP 1001 is not plausible (1 to 1000)"
    ]
