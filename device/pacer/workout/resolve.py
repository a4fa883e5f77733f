"""Resolve a workout against a profile: every target becomes a concrete range (pure).

Ranges are kept in base units that grow with effort, so "over" always means "above
``high``": bpm for heart rate, metres per second for pace (a faster pace is a higher
speed), steps or revolutions per minute for cadence, watts for power. ``label`` is what a
person reads: ``Z2 high 137-143 bpm``, ``7:05-7:10/mi``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from pacer.core.errors import ProfileError
from pacer.workout.model import (
    CadenceRange,
    Cue,
    DistanceDuration,
    Duration,
    FixedTarget,
    FlatStep,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    PacePercent,
    PaceRange,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    RelativePace,
    Sport,
    Step,
    Strength,
    Target,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import MissingProfileValue, Profile, Tolerances, Units, round_half_up
from pacer.workout.syntax import format_pace, format_target

MILE = 1609.344


class Metric(StrEnum):
    HR = "hr"
    SPEED = "speed"
    CADENCE = "cadence"
    POWER = "power"

    @property
    def unit(self) -> str:
        return {"hr": "bpm", "speed": "m/s", "cadence": "/min", "power": "W"}[self.value]


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """A target band in base units. A *ramp* moves linearly over its step from
    ``low``-``high`` (at the start) to ``end_low``-``end_high`` (at the end); a fixed target
    leaves both ``end_`` fields None. Judge a ramp with :meth:`bounds_at`."""

    metric: Metric
    low: float
    high: float
    label: str
    end_low: float | None = None
    end_high: float | None = None
    #: written as one value (``88% FTP``): the band is the profile's tolerance either side of
    #: its centre, and screens show the centre, never a range
    single: bool = False

    @property
    def is_ramp(self) -> bool:
        return self.end_low is not None and self.end_high is not None

    @property
    def trend(self) -> int:
        """+1 for a rising ramp, -1 for a falling one, 0 for a fixed target."""
        if self.end_low is None or self.end_high is None:
            return 0
        mid_start, mid_end = self.low + self.high, self.end_low + self.end_high
        return (mid_end > mid_start) - (mid_end < mid_start)

    def bounds_at(self, fraction: float) -> tuple[float, float]:
        """The band at ``fraction`` (0 = step start, 1 = step end, clamped) of the step."""
        if self.end_low is None or self.end_high is None:
            return self.low, self.high
        f = min(1.0, max(0.0, fraction))
        return (
            self.low + (self.end_low - self.low) * f,
            self.high + (self.end_high - self.high) * f,
        )

    def contains(self, value: float, fraction: float = 0.0) -> bool:
        low, high = self.bounds_at(fraction)
        return low <= value <= high


def pace_of(speed_mps: float, units: Units) -> float | None:
    """Seconds per km (metric) or per mile (imperial); None when standing still."""
    if speed_mps <= 0.1:
        return None
    per = MILE if units is Units.IMPERIAL else 1000.0
    return per / speed_mps


def format_speed_as_pace(speed_mps: float | None, units: Units) -> str:
    pace = pace_of(speed_mps or 0.0, units)
    return "--:--" if pace is None else format_pace(pace)


def pace_unit_label(units: Units) -> str:
    return "/mi" if units is Units.IMPERIAL else "/km"


def _hr(low: float, high: float, written: str) -> ResolvedTarget:
    lo, hi = round_half_up(low), round_half_up(high)
    return ResolvedTarget(Metric.HR, lo, hi, f"{written} {lo}-{hi} bpm".strip())


def _hr_single(value: float, written: str, tol: Tolerances) -> ResolvedTarget:
    bpm = round_half_up(value)
    label = f"{written} {bpm} bpm".strip() if written else f"{bpm} bpm"
    return ResolvedTarget(Metric.HR, bpm - tol.hr_bpm, bpm + tol.hr_bpm, label, single=True)


def _speed(fast_s: float, slow_s: float, per_m: float, profile: Profile) -> ResolvedTarget:
    """From paces in seconds per ``per_m`` metres to a speed range, labelled in profile units;
    a single pace becomes a band of the profile's pace tolerance, labelled as that pace."""
    single = fast_s == slow_s
    if single:
        tol = profile.tolerances.pace_s_per_km * per_m / 1000.0
        fast_s, slow_s = fast_s - tol, slow_s + tol
    low_speed, high_speed = per_m / slow_s, per_m / fast_s
    unit = pace_unit_label(profile.units)
    if single:
        centre = per_m / ((fast_s + slow_s) / 2)
        label = f"{format_speed_as_pace(centre, profile.units)}{unit}"
    else:
        label = (
            f"{format_speed_as_pace(high_speed, profile.units)}-"
            f"{format_speed_as_pace(low_speed, profile.units)}{unit}"
        )
    return ResolvedTarget(Metric.SPEED, low_speed, high_speed, label, single=single)


def _power(low_w: float, high_w: float, written: str, tol_w: float) -> ResolvedTarget:
    lo, hi = round_half_up(low_w), round_half_up(high_w)
    if lo == hi:
        label = f"{written} {lo} W".strip()
        return ResolvedTarget(Metric.POWER, lo - tol_w, hi + tol_w, label, single=True)
    return ResolvedTarget(Metric.POWER, lo, hi, f"{written} {lo}-{hi} W".strip())


def resolve_target(t: Target, profile: Profile) -> ResolvedTarget:
    """Raises :class:`pacer.core.errors.ProfileError` when the profile cannot resolve ``t``
    (:class:`~pacer.workout.profile.MissingProfileValue` when it lacks a value ``t`` needs)."""
    if isinstance(t, Ramp):
        a, b = resolve_fixed(t.start, profile), resolve_fixed(t.end, profile)
        label = f"ramp {a.label} to {b.label}"
        return ResolvedTarget(
            a.metric, a.low, a.high, label, b.low, b.high, single=a.single and b.single
        )
    return resolve_fixed(t, profile)


def resolve_fixed(t: FixedTarget, profile: Profile) -> ResolvedTarget:
    from pacer.core.errors import ProfileError

    tol = profile.tolerances
    match t:
        case HrZone(zone, pos):
            z = profile.zone(zone)
            if pos is None:
                return _hr(z.low, z.high, format_target(t))
            a, b = profile.position(pos)
            width = z.high - z.low
            return _hr(z.low + a * width, z.low + b * width, format_target(t))
        case HrRange(low, high):
            return _hr_single(low, "", tol) if low == high else _hr(low, high, "")
        case HrPercent(low, high, basis):
            if basis is HrBasis.MAX:
                base, offset = float(profile.max_hr), 0.0
            elif basis is HrBasis.RESERVE:
                base, offset = float(profile.hr_reserve), float(profile.resting_hr)
            else:
                if profile.lthr is None:
                    raise MissingProfileValue("lthr", "a % LTHR target needs lthr in the profile")
                base, offset = float(profile.lthr), 0.0
            if low == high:
                return _hr_single(offset + base * low / 100, format_target(t), tol)
            return _hr(offset + base * low / 100, offset + base * high / 100, format_target(t))
        case PaceRange(fast, slow, unit):
            return _speed(fast, slow, unit.meters, profile)
        case RelativePace(ref, fast_off, slow_off, unit):
            ref_per_unit = profile.pace(ref) * unit.meters / 1000.0
            fast_s, slow_s = ref_per_unit + fast_off, ref_per_unit + slow_off
            if fast_s <= 0:
                raise ProfileError(f"{format_target(t)} is faster than any pace")
            res = _speed(fast_s, slow_s, unit.meters, profile)
            return replace(res, label=f"{format_target(t)} {res.label}")
        case PacePercent(low, high, ref):
            ref_s = profile.pace(ref)  # seconds per km at 100 %
            res = _speed(ref_s * 100 / high, ref_s * 100 / low, 1000.0, profile)
            return replace(res, label=f"{format_target(t)} {res.label}")
        case CadenceRange(low, high, unit):
            if low == high:
                return ResolvedTarget(
                    Metric.CADENCE,
                    low - tol.cadence,
                    high + tol.cadence,
                    format_target(t),
                    single=True,
                )
            return ResolvedTarget(Metric.CADENCE, low, high, format_target(t))
        case PowerRange(low, high):
            return _power(low, high, "", low * tol.power_percent / 100)
        case PowerPercent(low, high):
            if profile.ftp is None:
                raise MissingProfileValue("ftp", "a % FTP target needs ftp in the profile")
            ftp = profile.ftp
            return _power(
                ftp * low / 100, ftp * high / 100, format_target(t), ftp * tol.power_percent / 100
            )
    raise AssertionError(t)  # pragma: no cover


def step_targets(step: Step) -> tuple[Target, ...]:
    return step.secondary if step.target is None else (step.target, *step.secondary)


def missing_profile_values(workout: Workout, profile: Profile) -> list[str]:
    """The profile keys (``ftp``, ``lthr``, ``paces.threshold``...) that ``workout``'s
    targets need and ``profile`` lacks, sorted; empty when the workout can run."""
    return sorted(_first_needs(workout, profile))


def _first_needs(workout: Workout, profile: Profile) -> dict[str, str]:
    """Each missing profile key and the first target that needs it (``88% FTP in step 2``)."""
    needs: dict[str, str] = {}
    for i, flat in enumerate(expand(workout.items)):
        for t in step_targets(flat.step):
            try:
                resolve_target(t, profile)
            except MissingProfileValue as exc:
                needs.setdefault(exc.key, f"{format_target(t)} in step {i + 1}")
            except ProfileError:
                continue
    return needs


def missing_values_message(keys: list[str], where: str = "") -> str:
    """One sentence for a person: what to add to the profile before this workout can run
    (``where``: the targets that need it)."""
    why = f" ({where})" if where else ""
    return f"this workout needs {', '.join(keys)} in the athlete profile{why}; add it and try again"


def require_profile_values(workout: Workout, profile: Profile, source: str) -> None:
    """Raise :class:`~pacer.core.errors.InputErrors` (one ProfileError at ``source``:1:1)
    saying what to add when ``profile`` lacks a value ``workout`` needs: a workout is
    refused to run (pushed, started, simulated) without it, though it can be shown."""
    from pacer.core.errors import InputErrors, Location

    needs = _first_needs(workout, profile)
    if needs:
        keys = sorted(needs)
        message = missing_values_message(keys, ", ".join(needs[k] for k in keys))
        raise InputErrors([ProfileError(message, Location(source, 1, 1))])


_DEFAULT_NAMES = {
    Intensity.WARMUP: "Warm-up",
    Intensity.COOLDOWN: "Cool-down",
    Intensity.REST: "Rest",
    Intensity.RECOVERY: "Recovery",
    Intensity.ACTIVE: "Active",
}


def step_name(step: Step) -> str:
    if step.name:
        return step.name
    if step.strength is not None:
        return step.strength.exercise
    if step.intensity is Intensity.ACTIVE and step.target is not None:
        return format_target(step.target)
    return _DEFAULT_NAMES[step.intensity]


@dataclass(frozen=True, slots=True)
class ResolvedStep:
    index: int
    name: str
    intensity: Intensity
    duration: Duration
    target: ResolvedTarget | None
    secondary: tuple[ResolvedTarget, ...]
    note: str | None
    strength: Strength | None
    repeats: tuple[tuple[int, int], ...]
    written: Step
    #: profile keys the written targets need and the profile lacks (then ``target`` is
    #: None and the targets are shown as written; such a workout cannot be run)
    missing: tuple[str, ...] = ()

    @property
    def open_effort(self) -> bool:
        return self.target is None

    @property
    def cues(self) -> tuple[Cue, ...]:
        return self.written.cues


@dataclass(frozen=True, slots=True)
class ResolvedWorkout:
    name: str
    sport: Sport
    steps: tuple[ResolvedStep, ...]
    profile: Profile

    @property
    def total_seconds(self) -> int | None:
        """Planned time when every step is timed, else None."""
        total = 0
        for s in self.steps:
            if not isinstance(s.duration, TimeDuration):
                return None
            total += s.duration.seconds
        return total

    @property
    def timed_seconds(self) -> int:
        return sum(s.duration.seconds for s in self.steps if isinstance(s.duration, TimeDuration))

    @property
    def total_meters(self) -> float:
        return sum(
            s.duration.meters for s in self.steps if isinstance(s.duration, DistanceDuration)
        )


def resolve_step(
    flat: FlatStep, index: int, profile: Profile, *, as_written: bool = False
) -> ResolvedStep:
    """With ``as_written``, a target the profile lacks a value for (FTP, LTHR, a reference
    pace) leaves the step's resolved targets empty and names the value in ``missing``
    instead of raising: for showing a workout, never for running it."""
    step = flat.step
    try:
        target = None if step.target is None else resolve_target(step.target, profile)
        secondary = tuple(resolve_target(t, profile) for t in step.secondary)
        missing: tuple[str, ...] = ()
    except MissingProfileValue:
        if not as_written:
            raise
        target, secondary = None, ()
        missing = tuple(missing_profile_values(Workout("", (step,)), profile))
    return ResolvedStep(
        index=index,
        name=step_name(step),
        intensity=step.intensity,
        duration=step.duration,
        target=target,
        secondary=secondary,
        note=step.note,
        strength=step.strength,
        repeats=flat.repeats,
        written=step,
        missing=missing,
    )


def resolve(workout: Workout, profile: Profile, *, as_written: bool = False) -> ResolvedWorkout:
    """Every step with concrete targets; ``as_written``: see :func:`resolve_step`."""
    steps = tuple(
        resolve_step(f, i, profile, as_written=as_written)
        for i, f in enumerate(expand(workout.items))
    )
    return ResolvedWorkout(workout.name, workout.sport, steps, profile)


__all__ = [
    "Metric",
    "PaceUnit",
    "ResolvedStep",
    "ResolvedTarget",
    "ResolvedWorkout",
    "format_speed_as_pace",
    "missing_profile_values",
    "missing_values_message",
    "pace_of",
    "require_profile_values",
    "resolve",
    "resolve_target",
    "step_name",
]
