"""The workout model: plain, typed, frozen dataclasses with no behaviour beyond arithmetic.

A :class:`Workout` is a named list of :class:`Step` and :class:`Repeat` items. A step has an
intensity, a duration, an optional primary target (``None`` is "open effort"), optional
secondary targets (cues shown alongside), optional strength fields, and a short note.

Targets here are *as written*: a zone, a percentage, a pace relative to marathon pace. They
become concrete numbers only against an athlete profile (:mod:`pacer.workout.resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: Repeats may nest, but not deeper than this (a repeat inside a repeat is depth 2).
MAX_REPEAT_DEPTH = 3


class Sport(StrEnum):
    RUN = "run"
    BIKE = "bike"
    STRENGTH = "strength"


class Intensity(StrEnum):
    WARMUP = "warmup"
    ACTIVE = "active"
    REST = "rest"
    RECOVERY = "recovery"
    COOLDOWN = "cooldown"


class DistanceUnit(StrEnum):
    M = "m"
    KM = "km"
    MI = "mi"

    @property
    def meters(self) -> float:
        return {"m": 1.0, "km": 1000.0, "mi": 1609.344}[self.value]


# --- durations -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeDuration:
    seconds: int


@dataclass(frozen=True, slots=True)
class DistanceDuration:
    value: float
    unit: DistanceUnit

    @property
    def meters(self) -> float:
        return self.value * self.unit.meters


@dataclass(frozen=True, slots=True)
class OpenDuration:
    """Ends when the athlete presses lap."""


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class SetsDuration:
    """Strength: each set ends on the button, then a rest timer runs."""

    sets: IntRange


class Comparison(StrEnum):
    BELOW = "<"
    ABOVE = ">"


@dataclass(frozen=True, slots=True)
class ConditionDuration:
    """Until heart rate is below (or above) ``bpm``; ``cap_seconds`` ends it regardless."""

    op: Comparison
    bpm: int
    cap_seconds: int | None = None


Duration = TimeDuration | DistanceDuration | OpenDuration | SetsDuration | ConditionDuration


# --- targets ---------------------------------------------------------------------------


class ZonePosition(StrEnum):
    LOW = "low"
    MID = "mid"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class HrZone:
    """A heart-rate zone of the profile's zone model by name ("2", "5a"), maybe a third of it."""

    zone: str
    position: ZonePosition | None = None


@dataclass(frozen=True, slots=True)
class HrRange:
    low: int
    high: int


class HrBasis(StrEnum):
    MAX = "HRmax"
    RESERVE = "HRR"
    LTHR = "LTHR"


@dataclass(frozen=True, slots=True)
class HrPercent:
    low: float
    high: float
    basis: HrBasis


class PaceUnit(StrEnum):
    KM = "km"
    MI = "mi"

    @property
    def meters(self) -> float:
        return 1000.0 if self is PaceUnit.KM else 1609.344


@dataclass(frozen=True, slots=True)
class PaceRange:
    """Seconds per ``unit``; ``fast`` <= ``slow``."""

    fast: int
    slow: int
    unit: PaceUnit


class PaceRef(StrEnum):
    """Reference paces kept in the profile."""

    MARATHON = "MP"
    HALF = "HMP"
    TEN_K = "10K"
    FIVE_K = "5K"
    THRESHOLD = "TP"


@dataclass(frozen=True, slots=True)
class RelativePace:
    """``ref`` plus offsets in seconds per ``unit`` (negative is faster): MP+5s..MP+10s/mi."""

    ref: PaceRef
    fast_offset: int
    slow_offset: int
    unit: PaceUnit


@dataclass(frozen=True, slots=True)
class PacePercent:
    """A percentage of a reference pace's *speed*: 100 % is the reference pace, 90 % slower,
    105 % faster (``90-95% TP pace``; Zwift's and intervals.icu's "% pace"). It stays relative
    in the file and resolves against the profile's pace at show and run time, like % FTP."""

    low: float
    high: float
    ref: PaceRef


class CadenceTargetUnit(StrEnum):
    """The unit of a cadence *target*: steps per minute (running) or revolutions per minute
    (cycling). Not what a foot pod counts: that is :class:`pacer.core.samples.PodCadenceUnit`."""

    SPM = "spm"
    RPM = "rpm"


@dataclass(frozen=True, slots=True)
class CadenceRange:
    low: int
    high: int
    unit: CadenceTargetUnit


@dataclass(frozen=True, slots=True)
class PowerRange:
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class PowerPercent:
    """Percent of FTP."""

    low: float
    high: float


#: A target that holds still for its whole step. A range whose ends are equal is a single
#: value ("88% FTP"): it resolves to a band from the profile's tolerances.
FixedTarget = (
    HrZone
    | HrRange
    | HrPercent
    | PaceRange
    | RelativePace
    | PacePercent
    | CadenceRange
    | PowerRange
    | PowerPercent
)


@dataclass(frozen=True, slots=True)
class Ramp:
    """A target that moves linearly over its step from ``start`` to ``end`` (both of one
    kind: ``ramp 60% FTP to 90% FTP``, ``ramp 130 bpm to 150 bpm``, ``ramp 7:30/mi to 7:00/mi``)."""

    start: FixedTarget
    end: FixedTarget


Target = FixedTarget | Ramp


# --- steps -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Strength:
    """The strength fields of a step (seed 2): sets live in the step's SetsDuration."""

    exercise: str
    reps: IntRange
    per_leg: bool = False
    load: str | None = None
    #: Rest between sets as a range in seconds (2-3 min is (120, 180)).
    rest: IntRange | None = None


@dataclass(frozen=True, slots=True)
class Cue:
    """A timed message inside a step: shown (and tapped) once the step reaches ``at_s``
    seconds or ``at_m`` metres (exactly one of the two is set)."""

    text: str
    at_s: float | None = None
    at_m: float | None = None


@dataclass(frozen=True, slots=True)
class Step:
    intensity: Intensity
    duration: Duration
    target: Target | None = None
    secondary: tuple[Target, ...] = ()
    name: str | None = None
    note: str | None = None
    strength: Strength | None = None
    #: timed messages, in the order they fire
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True, slots=True)
class Repeat:
    count: int
    items: tuple[Step | Repeat, ...]


Item = Step | Repeat


@dataclass(frozen=True, slots=True)
class Workout:
    name: str
    items: tuple[Item, ...]
    sport: Sport = Sport.RUN
    description: str | None = None


def repeat_depth(items: tuple[Item, ...]) -> int:
    """How deeply repeats nest in ``items`` (0 without repeats)."""
    depth = 0
    for item in items:
        if isinstance(item, Repeat):
            depth = max(depth, 1 + repeat_depth(item.items))
    return depth


@dataclass(frozen=True, slots=True)
class FlatStep:
    """A step of the expanded workout, with its repeat iterations (outermost first)."""

    step: Step
    #: (iteration, count) for each enclosing repeat, 1-based.
    repeats: tuple[tuple[int, int], ...] = ()


def expand(items: tuple[Item, ...]) -> list[FlatStep]:
    """The steps in the order the athlete does them, repeats unrolled."""
    out: list[FlatStep] = []

    def walk(its: tuple[Item, ...], outer: tuple[tuple[int, int], ...]) -> None:
        for item in its:
            if isinstance(item, Step):
                out.append(FlatStep(item, outer))
            else:
                for i in range(item.count):
                    walk(item.items, (*outer, (i + 1, item.count)))

    walk(items, ())
    return out
