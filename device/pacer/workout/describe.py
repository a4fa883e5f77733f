"""Human descriptions of workouts for the terminal (pure): summaries and the step table."""

from __future__ import annotations

from pacer.core.textable import table
from pacer.workout.model import (
    ConditionDuration,
    Cue,
    DistanceDuration,
    Duration,
    OpenDuration,
    SetsDuration,
    Strength,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.resolve import ResolvedWorkout
from pacer.workout.syntax import (
    format_clock,
    format_duration,
    format_int_range,
    format_rest,
    format_target,
    num,
)


def describe_duration(d: Duration) -> str:
    match d:
        case TimeDuration(seconds):
            return format_clock(seconds)
        case DistanceDuration():
            return f"{num(d.value)} {d.unit.value}"
        case OpenDuration():
            return "until lap"
        case SetsDuration() | ConditionDuration():
            return format_duration(d)
    raise AssertionError(d)  # pragma: no cover


def describe_cue(cue: Cue) -> str:
    """``at 1:00: settle in`` (or ``at 400 m: ...``)."""
    where = format_clock(cue.at_s or 0.0) if cue.at_m is None else f"{num(cue.at_m)} m"
    return f"at {where}: {cue.text}"


def describe_strength(s: Strength) -> str:
    text = f"{format_int_range(s.reps)} reps{' / leg' if s.per_leg else ''}"
    if s.rest is not None:
        text += f", rest {format_rest(s.rest)}"
    if s.load:
        text += f", {s.load}"
    return text


def summary(workout: Workout) -> str:
    """One line: steps and total time and/or distance."""
    steps = expand(workout.items)
    seconds = sum(
        f.step.duration.seconds for f in steps if isinstance(f.step.duration, TimeDuration)
    )
    meters = sum(
        f.step.duration.meters for f in steps if isinstance(f.step.duration, DistanceDuration)
    )
    sets = sum(
        f.step.duration.sets.high for f in steps if isinstance(f.step.duration, SetsDuration)
    )
    parts = [f"{len(steps)} step{'s' if len(steps) != 1 else ''}"]
    if seconds:
        parts.append(format_clock(seconds))
    if meters:
        parts.append(f"{meters / 1000:.2f} km")
    if sets:
        parts.append(f"up to {sets} sets")
    others = sum(isinstance(f.step.duration, OpenDuration | ConditionDuration) for f in steps)
    if others:
        parts.append(f"{others} open-ended")
    return f"'{workout.name}' ({workout.sport.value}): " + ", ".join(parts)


def step_table(resolved: ResolvedWorkout) -> str:
    rows = []
    for s in resolved.steps:
        rep = " ".join(f"{i}/{n}" for i, n in s.repeats)
        if s.strength is not None:
            target = describe_strength(s.strength)
        elif s.missing:  # the profile lacks a value: as written
            target = format_target(s.written.target)
        elif s.target is None:
            target = "open effort"
        else:
            target = s.target.label
        if s.missing:
            also = ", ".join(format_target(t) for t in s.written.secondary)
        else:
            also = ", ".join(t.label for t in s.secondary)
        rows.append(
            [
                str(s.index + 1),
                s.name,
                s.intensity.value,
                describe_duration(s.duration),
                target,
                also,
                rep,
                "; ".join([*([s.note] if s.note else []), *map(describe_cue, s.cues)]),
            ]
        )
    total = resolved.total_seconds
    timed = resolved.timed_seconds
    totals = []
    if total is not None:
        totals.append(format_clock(total))
    elif timed:
        totals.append(f"{format_clock(timed)} timed")
    if resolved.total_meters:
        totals.append(f"{resolved.total_meters / 1000:.2f} km")
    rows.append(["", "total", "", " + ".join(totals) or "-", "", "", "", ""])
    headers = ["#", "step", "intensity", "duration", "target", "also", "repeat", "note"]
    return table(headers, rows, right=(0,))
