"""The seed's step-up run written in each foreign format imports to the steps of the native
examples, compared after resolving against examples/profile.yaml."""

from __future__ import annotations

import pytest

from pacer.formats.workouts import ImportKind, detect_kind, import_workout
from pacer.workout.fileformat import dump_workout, load_workout
from pacer.workout.model import PacePercent, PaceRef, Workout
from pacer.workout.profile import load_profile
from pacer.workout.resolve import ResolvedTarget, resolve
from tests.support.paths import EXAMPLES

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")
IMPORTS = EXAMPLES / "import"


MILE = 1609.344


def concrete(t: ResolvedTarget | None) -> tuple[object, ...] | None:
    return None if t is None else (t.metric, t.low, t.high)


def steps(w: Workout, *, secondary: bool = True) -> list[tuple[object, ...]]:
    """What the athlete gets step by step: the concrete ranges, not how they were written."""
    out = []
    for s in resolve(w, PROFILE).steps:
        extra = [concrete(t) for t in s.secondary] if secondary else []
        # the example's note is, in the Zwift file, a text event at the step's start (a cue)
        said = s.note or next((c.text for c in s.cues if c.at_s == 0), None)
        out.append((s.intensity, s.duration, concrete(s.target), extra, said, s.repeats))
    return out


def native(name: str) -> Workout:
    return load_workout((EXAMPLES / name).read_text(), name, profile=PROFILE)


@pytest.mark.parametrize(
    ("file", "kind", "example"),
    [
        ("step-up-run.txt", ImportKind.ICU, "step-up-run.yaml"),
        ("step-up-run.fit", ImportKind.FIT, "step-up-run.yaml"),
    ],
)
def test_step_up_run_imports_to_the_example_steps(
    file: str, kind: ImportKind, example: str
) -> None:
    data = (IMPORTS / file).read_bytes()
    assert detect_kind(data) is kind
    result = import_workout(data, file, profile=PROFILE)
    assert result.warnings == []
    assert result.workout.name == native(example).name
    assert steps(result.workout) == steps(native(example))
    # and it is a valid native workout
    text = dump_workout(result.workout)
    assert load_workout(text, "out.yaml", profile=PROFILE) == result.workout


def test_step_up_run_by_pace_in_zwift_imports_to_the_pace_example() -> None:
    data = (IMPORTS / "step-up-run.zwo").read_bytes()
    assert detect_kind(data) is ImportKind.ZWO
    result = import_workout(data, "step-up-run.zwo", profile=PROFILE)
    example = native("step-up-run-pace.yaml")
    # Zwift has no heart-rate targets: the example's secondary "also: Z2 high" cannot be there
    got, want = steps(result.workout, secondary=False), steps(example, secondary=False)
    assert [g[:2] + g[3:] for g in got] == [w[:2] + w[3:] for w in want]
    # the paces stay relative to marathon pace, as Zwift writes them (% of its speed), and
    # resolve to the example's offsets within a second per mile
    targets = [s.target for s in result.workout.items]  # type: ignore[union-attr]
    assert [t.ref if isinstance(t, PacePercent) else t for t in targets] == [
        None,
        PaceRef.MARATHON,
        PaceRef.MARATHON,
        PaceRef.MARATHON,
        None,
    ]
    for g, w in zip(got, want, strict=True):
        if w[2] is None:
            assert g[2] is None
            continue
        for got_speed, want_speed in zip(g[2][1:], w[2][1:], strict=True):  # type: ignore[index]
            assert abs(MILE / got_speed - MILE / want_speed) < 1.0
    assert result.warnings == []
