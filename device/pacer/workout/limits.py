"""What a sane workout can hold (pure): the limits every loader and importer checks, and the
warnings for what is allowed but unusual (a 950 % FTP step, a nine-hour workout)."""

from __future__ import annotations

from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    ConditionDuration,
    DistanceDuration,
    Duration,
    HrBasis,
    HrPercent,
    HrRange,
    PacePercent,
    PaceRange,
    PowerPercent,
    PowerRange,
    Ramp,
    RelativePace,
    SetsDuration,
    Target,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import PACE_BOUNDS_S_PER_KM
from pacer.workout.resolve import step_name
from pacer.workout.syntax import format_clock

MAX_NAME = 60
MAX_NOTE = 120
MAX_STEPS = 500
MAX_REPEAT = 100
MAX_STEP_SECONDS = 24 * 3600
MAX_DISTANCE_M = 500_000.0
MAX_SETS = 50
MAX_REPS = 200
MAX_REST_SECONDS = 3600
HR_BOUNDS = (30, 240)
#: % of a reference pace's speed: a walk at a third of it to a sprint at twice it
PACE_PERCENT_BOUNDS = (30.0, 200.0)
CADENCE_BOUNDS = {CadenceTargetUnit.SPM: (60, 260), CadenceTargetUnit.RPM: (20, 200)}
POWER_BOUNDS = (1, 2500)
PERCENT_BOUNDS = {
    HrBasis.MAX: (30.0, 100.0),
    HrBasis.RESERVE: (0.0, 100.0),
    HrBasis.LTHR: (50.0, 120.0),
}
#: % FTP a target may hold at all; above SPRINT_FTP_PERCENT it is kept with a warning
#: (neuromuscular and standing-start sprints reach 300-400 %; 950 % is more likely a typo)
FTP_PERCENT_BOUNDS = (1.0, 1000.0)
SPRINT_FTP_PERCENT = 400.0
#: a workout longer than this validates with a warning naming its longest step
LONG_WORKOUT_SECONDS = 8 * 3600
MAX_PACE_OFFSET = 300
MAX_CUE = 200
MAX_CUES = 20


def _within(value: float, bounds: tuple[float, float], what: str) -> str | None:
    low, high = bounds
    if not low <= value <= high:
        return f"{what} {value:g} is not plausible ({low:g} to {high:g})"
    return None


def check_duration(d: Duration) -> str | None:
    """A message when a duration is absurd, else None."""
    match d:
        case TimeDuration(seconds):
            if seconds <= 0:
                return "a step must last longer than 0 seconds"
            return _within(seconds, (1, MAX_STEP_SECONDS), "step time (s)")
        case DistanceDuration():
            if d.meters <= 0:
                return "a distance step must be longer than 0 m"
            return _within(d.meters, (1, MAX_DISTANCE_M), "step distance (m)")
        case SetsDuration(sets):
            return _within(sets.high, (1, MAX_SETS), "sets") or (
                "at least 1 set" if sets.low < 1 else None
            )
        case ConditionDuration(_op, bpm, cap):
            return _within(bpm, HR_BOUNDS, "heart rate (bpm)") or (
                None if cap is None else _within(cap, (1, MAX_STEP_SECONDS), "cap (s)")
            )
    return None


def check_target(t: Target) -> str | None:
    """A message when a target's numbers are absurd, else None."""
    match t:
        case Ramp(start, end):
            return check_target(start) or check_target(end)
        case HrRange(low, high):
            return _within(low, HR_BOUNDS, "heart rate (bpm)") or _within(
                high, HR_BOUNDS, "heart rate (bpm)"
            )
        case HrPercent(low, high, basis):
            b = PERCENT_BOUNDS[basis]
            return _within(low, b, f"% {basis.value}") or _within(high, b, f"% {basis.value}")
        case PaceRange(fast, slow, unit):
            per_km = 1000.0 / unit.meters
            return _within(fast * per_km, PACE_BOUNDS_S_PER_KM, "pace (s/km)") or _within(
                slow * per_km, PACE_BOUNDS_S_PER_KM, "pace (s/km)"
            )
        case RelativePace(_ref, fast, slow, _unit):
            b = (-MAX_PACE_OFFSET, MAX_PACE_OFFSET)
            return _within(fast, b, "pace offset (s)") or _within(slow, b, "pace offset (s)")
        case PacePercent(low, high, ref):
            what = f"% {ref.value} pace"
            return _within(low, PACE_PERCENT_BOUNDS, what) or _within(
                high, PACE_PERCENT_BOUNDS, what
            )
        case CadenceRange(low, high, unit):
            b = CADENCE_BOUNDS[unit]
            return _within(low, b, f"cadence ({unit})") or _within(high, b, f"cadence ({unit})")
        case PowerRange(low, high):
            return _within(low, POWER_BOUNDS, "power (W)") or _within(
                high, POWER_BOUNDS, "power (W)"
            )
        case PowerPercent(low, high):
            return _within(low, FTP_PERCENT_BOUNDS, "% FTP") or _within(
                high, FTP_PERCENT_BOUNDS, "% FTP"
            )
    return None


def _peak_ftp_percent(t: Target | None) -> float:
    match t:
        case Ramp(start, end):
            return max(_peak_ftp_percent(start), _peak_ftp_percent(end))
        case PowerPercent(_low, high):
            return high
    return 0.0


def workout_warnings(workout: Workout, *, minutes_hint: str | None = None) -> list[str]:
    """What is allowed but unusual, each naming its step: power above the sprint line, a
    workout longer than :data:`LONG_WORKOUT_SECONDS` (with ``minutes_hint`` appended, e.g. a
    foreign format's "m means minutes" rule)."""
    out: list[str] = []
    steps = expand(workout.items)
    seen: set[int] = set()
    for i, flat in enumerate(steps):
        step = flat.step
        peak = max(_peak_ftp_percent(t) for t in (step.target, *step.secondary))
        if peak > SPRINT_FTP_PERCENT and id(step) not in seen:
            seen.add(id(step))
            out.append(
                f"step {i + 1} '{step_name(step)}': {peak:g}% FTP is above "
                f"{SPRINT_FTP_PERCENT:g}% FTP, more than a sprint holds: check the number"
            )
    timed = [
        (flat.step.duration.seconds, i)
        for i, flat in enumerate(steps)
        if isinstance(flat.step.duration, TimeDuration)
    ]
    total = sum(sec for sec, _i in timed)
    if total > LONG_WORKOUT_SECONDS:
        longest, i = max(timed, key=lambda p: (p[0], -p[1]))
        text = (
            f"the workout lasts {format_clock(total)}, more than {LONG_WORKOUT_SECONDS // 3600} "
            f"hours; its longest step is step {i + 1} '{step_name(steps[i].step)}' "
            f"({format_clock(longest)})"
        )
        out.append(f"{text}: {minutes_hint}" if minutes_hint else text)
    return out
