"""Property: any workout the model can express survives a round trip through the file."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.workout.fileformat import MAX_STEPS, dump_workout, load_workout
from pacer.workout.model import (
    MAX_REPEAT_DEPTH,
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    Cue,
    DistanceDuration,
    DistanceUnit,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    IntRange,
    OpenDuration,
    PacePercent,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    RelativePace,
    Repeat,
    SetsDuration,
    Sport,
    Step,
    Strength,
    TimeDuration,
    Workout,
    ZonePosition,
    expand,
)

# One printable line: letters, digits, punctuation, symbols and spaces from all of Unicode.
text = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


def ranges(low: int, high: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(low, high), st.integers(low, high)).map(sorted).map(tuple)  # type: ignore[arg-type]


def tenths(low: int, high: int) -> st.SearchStrategy[tuple[float, float]]:
    return ranges(low * 10, high * 10).map(lambda r: (r[0] / 10, r[1] / 10))


time_d = st.builds(TimeDuration, st.integers(1, 24 * 3600))
distance_d = st.one_of(
    st.builds(DistanceDuration, st.integers(1, 99_999).map(float), st.just(DistanceUnit.M)),
    st.builds(
        DistanceDuration, st.integers(1, 4000).map(lambda x: x / 10), st.just(DistanceUnit.KM)
    ),
    st.builds(
        DistanceDuration, st.integers(1, 3000).map(lambda x: x / 10), st.just(DistanceUnit.MI)
    ),
)
condition_d = st.builds(
    ConditionDuration,
    st.sampled_from(Comparison),
    st.integers(30, 240),
    st.one_of(st.none(), st.integers(1, 24 * 3600)),
)
plain_duration = st.one_of(time_d, distance_d, st.just(OpenDuration()), condition_d)

zone = st.builds(
    HrZone,
    st.sampled_from(["1", "2", "3", "4", "5"]),
    st.one_of(st.none(), st.sampled_from(ZonePosition)),
)
targets = st.one_of(
    zone,
    ranges(30, 240).map(lambda r: HrRange(*r)),
    st.builds(lambda r, b: HrPercent(r[0], r[1], b), tenths(50, 100), st.sampled_from(HrBasis)),
    st.builds(lambda r, u: PaceRange(r[0], r[1], u), ranges(150, 700), st.sampled_from(PaceUnit)),
    st.builds(
        lambda ref, r, u: RelativePace(ref, r[0], r[1], u),
        st.sampled_from(PaceRef),
        ranges(-300, 300),
        st.sampled_from(PaceUnit),
    ),
    st.builds(
        lambda r, ref: PacePercent(r[0], r[1], ref), tenths(30, 200), st.sampled_from(PaceRef)
    ),
    st.builds(lambda r: CadenceRange(r[0], r[1], CadenceTargetUnit.SPM), ranges(60, 260)),
    st.builds(lambda r: CadenceRange(r[0], r[1], CadenceTargetUnit.RPM), ranges(20, 200)),
    ranges(1, 2500).map(lambda r: PowerRange(*r)),
    tenths(10, 250).map(lambda r: PowerPercent(*r)),
)


def _ramp(a: tuple[float, float], b: tuple[float, float], kind: str) -> Ramp:
    match kind:
        case "power":
            return Ramp(PowerPercent(*a), PowerPercent(*b))
        case "hr":
            return Ramp(HrRange(int(a[0]), int(a[1])), HrRange(int(b[0]), int(b[1])))
    return Ramp(
        PaceRange(int(a[0]), int(a[1]), PaceUnit.MI), PaceRange(int(b[0]), int(b[1]), PaceUnit.MI)
    )


ramps = st.one_of(
    st.builds(lambda a, b: _ramp(a, b, "power"), tenths(10, 1000), tenths(10, 1000)),
    st.builds(lambda a, b: _ramp(a, b, "hr"), ranges(30, 240), ranges(30, 240)),
    st.builds(lambda a, b: _ramp(a, b, "pace"), ranges(150, 700), ranges(150, 700)),
    st.builds(Ramp, zone, zone),
)


@st.composite
def plain_step(draw: st.DrawFn) -> Step:
    duration = draw(plain_duration)
    cues: list[Cue] = []
    if isinstance(duration, TimeDuration):
        at = draw(st.lists(st.integers(0, duration.seconds - 1), max_size=3, unique=True))
        cues = [Cue(draw(text), at_s=float(a)) for a in sorted(at)]
    elif isinstance(duration, DistanceDuration):
        limit = max(0, int(duration.meters) - 1)
        at = draw(st.lists(st.integers(0, limit), max_size=3, unique=True))
        cues = [Cue(draw(text), at_m=float(a)) for a in sorted(at)]
    return Step(
        draw(st.sampled_from(Intensity)),
        duration,
        draw(st.one_of(st.none(), targets, ramps)),
        tuple(draw(st.lists(targets, max_size=2))),
        draw(st.one_of(st.none(), text)),
        draw(st.one_of(st.none(), text)),
        None,
        tuple(cues),
    )


strength_step = st.builds(
    lambda i, sets, reps, per_leg, load, rest, name, note: Step(
        i,
        SetsDuration(IntRange(*sets)),
        None,
        (),
        name,
        note,
        Strength(load[0], IntRange(*reps), per_leg, load[1], rest),
    ),
    st.sampled_from(Intensity),
    ranges(1, 50),
    ranges(1, 200),
    st.booleans(),
    st.tuples(text, st.one_of(st.none(), text)),
    st.one_of(st.none(), ranges(0, 3600).map(lambda r: IntRange(*r))),
    st.one_of(st.none(), text),
    st.one_of(st.none(), text),
)
steps = st.one_of(plain_step(), strength_step)


def items(depth: int) -> st.SearchStrategy[tuple[Step | Repeat, ...]]:
    if depth >= MAX_REPEAT_DEPTH:
        return st.lists(steps, min_size=1, max_size=3).map(tuple)
    repeat = st.builds(Repeat, st.integers(1, 4), st.deferred(lambda: items(depth + 1)))
    return st.lists(st.one_of(steps, repeat), min_size=1, max_size=4).map(tuple)


# The file format holds at most MAX_STEPS expanded steps; bigger workouts are not valid files.
workouts = st.builds(
    Workout, text, items(0), st.sampled_from(Sport), st.one_of(st.none(), text)
).filter(lambda w: len(expand(w.items)) <= MAX_STEPS)


@settings(max_examples=150, deadline=None)
@given(workouts)
def test_any_workout_survives_the_file_format(workout: Workout) -> None:
    assert load_workout(dump_workout(workout)) == workout
