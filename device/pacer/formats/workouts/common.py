"""What the three importers share: the result types, a collector of steps, warnings and
errors, and the conversions each foreign format needs (pure).

Every importer builds native :class:`~pacer.workout.model.Step` objects through a
:class:`Collector`, which checks them with the same rules as the native file loader
(:func:`~pacer.workout.fileformat.check_duration`, :func:`~pacer.workout.fileformat.check_target`,
name and note lengths) and reports each problem where it was written. Nothing is dropped
silently: what cannot be represented becomes an :class:`ImportWarning` naming the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from pacer.core.errors import InputErrors, LocatedError, Location, WorkoutError
from pacer.workout.limits import (
    MAX_CUE,
    MAX_CUES,
    MAX_NAME,
    MAX_NOTE,
    MAX_STEPS,
    check_duration,
    check_target,
    workout_warnings,
)
from pacer.workout.model import (
    Cue,
    DistanceDuration,
    DistanceUnit,
    Duration,
    FixedTarget,
    HrPercent,
    HrRange,
    Intensity,
    Item,
    PacePercent,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    Step,
    Strength,
    Target,
    TimeDuration,
    Workout,
    expand,
)
from pacer.workout.profile import Profile, Units
from pacer.workout.syntax import format_target

MAX_DESCRIPTION = 2000
#: Foreign files are small; anything bigger is not a workout.
MAX_IMPORT_BYTES = 1024 * 1024


class ImportKind(StrEnum):
    FIT = "fit"
    ICU = "intervals.icu"
    ZWO = "zwo"


#: Where something is in the source: a text position, or a description such as
#: ``"file.fit: workout_step 3"`` for binary files.
Where = Location | str


@dataclass(frozen=True, slots=True)
class ImportWarning:
    """Something in the source that the native workout cannot hold exactly."""

    where: str
    message: str
    #: 1-based number of the step in the imported workout, counted in file order (repeats
    #: not expanded), or None for the workout as a whole.
    step: int | None = None

    def __str__(self) -> str:
        step = "" if self.step is None else f" (step {self.step})"
        return f"{self.where}: warning{step}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    workout: Workout
    warnings: list[ImportWarning]
    kind: ImportKind


def clean_text(text: str | None) -> str | None:
    """One printable line: whitespace runs (newlines too) become one space; empty is None."""
    if text is None:
        return None
    out = "".join(ch if ch.isprintable() else " " for ch in text)
    out = " ".join(out.split())
    return out or None


def default_pace_unit(profile: Profile | None) -> PaceUnit:
    """Paces read from a foreign file are written per mile for an imperial profile."""
    if profile is not None and profile.units is Units.IMPERIAL:
        return PaceUnit.MI
    return PaceUnit.KM


def workout_name_from_source(source: str) -> str:
    """A workout name when the file has none: the file name without its suffix."""
    stem = PurePath(source).stem if source and not source.startswith("<") else ""
    name = clean_text(stem.replace("_", " ")) or "Imported workout"
    return name[:MAX_NAME]


class Collector:
    """Collects located errors and warnings, and builds checked steps in file order."""

    def __init__(self) -> None:
        self.errors: list[LocatedError] = []
        self.warnings: list[ImportWarning] = []
        self.count = 0

    # --- reporting ---------------------------------------------------------------------

    def error(self, at: Where, message: str) -> None:
        if isinstance(at, Location):
            self.errors.append(WorkoutError(message, at))
        else:
            self.errors.append(WorkoutError(f"{at}: {message}"))

    def warn(self, at: Where, message: str, step: int | None = None) -> None:
        self.warnings.append(ImportWarning(str(at), message, step))

    def complete(self, at: Where, items: tuple[Item, ...], empty: str) -> bool:
        """True when ``items`` make a workout: no errors so far, at least one step (else
        the error ``empty``), at most the native limit of steps once repeats are expanded."""
        if self.errors:
            return False
        if not items:
            self.error(at, empty)
            return False
        n = len(expand(items))
        if n > MAX_STEPS:
            self.error(at, f"{n} steps once repeats are expanded; at most {MAX_STEPS}")
            return False
        return True

    def plausibility(self, at: Where, workout: Workout, minutes_hint: str | None = None) -> None:
        """Warnings for what is allowed but unusual (see
        :func:`~pacer.workout.fileformat.workout_warnings`)."""
        for message in workout_warnings(workout, minutes_hint=minutes_hint):
            self.warn(at, message)

    # --- steps -------------------------------------------------------------------------

    def begin_step(self) -> int:
        """The number of the next step (warnings about it carry this number)."""
        self.count += 1
        return self.count

    def text(self, at: Where, n: int | None, text: str | None, limit: int, what: str) -> str | None:
        """Cleaned text, cut to ``limit`` characters with a warning naming what was cut."""
        value = clean_text(text)
        if value is not None and len(value) > limit:
            cut = limit - 1
            while cut > 0 and value[cut - 1] != " ":
                cut -= 1
            cut = cut or limit - 1
            self.warn(at, f"{what} cut to {limit} characters; dropped: '{value[cut:]}'", n)
            value = value[:cut].rstrip() + "…"
        return value

    def step(
        self,
        at: Where,
        n: int,
        intensity: Intensity,
        duration: Duration,
        target: Target | None = None,
        secondary: tuple[Target, ...] = (),
        name: str | None = None,
        note: str | None = None,
        strength: Strength | None = None,
        cues: tuple[Cue, ...] = (),
    ) -> Step | None:
        """A step checked like the native loader checks one; None after reporting errors."""
        ok = True
        problem = check_duration(duration)
        if problem:
            self.error(at, problem)
            ok = False
        for t in (target, *secondary):
            if t is None:
                continue
            problem = check_target(t)
            if problem:
                self.error(at, f"{format_target(t)}: {problem}")
                ok = False
        name = self.text(at, n, name, MAX_NAME, "step name")
        note = self.text(at, n, note, MAX_NOTE, "note")
        if not ok:
            return None
        return Step(
            intensity,
            duration,
            target,
            secondary,
            name,
            note,
            strength,
            self.cues(at, n, duration, cues),
        )

    def cues(self, at: Where, n: int, duration: Duration, cues: tuple[Cue, ...]) -> tuple[Cue, ...]:
        """Cues in firing order, texts checked like the native loader's; a cue past the end
        of a timed step, or beyond the limit, is left out with a warning."""
        out: list[Cue] = []
        for cue in sorted(cues, key=lambda c: (c.at_m is not None, c.at_s or c.at_m or 0.0)):
            text = self.text(at, n, cue.text, MAX_CUE, "cue text")
            if text is None:
                continue
            past = (
                cue.at_s is not None
                and isinstance(duration, TimeDuration)
                and cue.at_s >= duration.seconds
            ) or (
                cue.at_m is not None
                and isinstance(duration, DistanceDuration)
                and cue.at_m >= duration.meters
            )
            if past:
                self.warn(at, f"text '{text}' comes after the step has ended; left out", n)
            elif len(out) >= MAX_CUES:
                self.warn(at, f"more than {MAX_CUES} texts in the step; '{text}' left out", n)
            else:
                out.append(Cue(text, cue.at_s, cue.at_m))
        return tuple(out)


# --- conversions shared by the formats --------------------------------------------------

#: Power zones as % of FTP (Coggan's seven, intervals.icu's defaults), used when a source
#: names a power zone: pacer keeps power zones nowhere, so a zone becomes its % FTP range.
#: Adjacent zones share their boundary, as heart-rate zones do in pacer.
POWER_ZONES_FTP: dict[int, tuple[float, float]] = {
    1: (10.0, 55.0),
    2: (55.0, 75.0),
    3: (75.0, 90.0),
    4: (90.0, 105.0),
    5: (105.0, 120.0),
    6: (120.0, 150.0),
    7: (150.0, 250.0),
}


def power_zone(zone: int) -> PowerPercent | None:
    bounds = POWER_ZONES_FTP.get(zone)
    return None if bounds is None else PowerPercent(*bounds)


def power_zone_message(zone: int, target: PowerPercent) -> str:
    return (
        f"power zone {zone} taken as {format_target(target)} (pacer keeps no power zones; "
        "Coggan's seven zones)"
    )


def distance(meters: float) -> DistanceDuration:
    """The natural spelling of a distance given in metres: whole kilometres in km, whole
    hundredths of a mile (to the centimetre) in mi, anything else in m."""
    if meters >= 1000 and abs(meters / 1000 - round(meters / 1000)) < 1e-9:
        return DistanceDuration(float(round(meters / 1000)), DistanceUnit.KM)
    miles = round(meters / DistanceUnit.MI.meters, 2)
    whole_m = abs(meters - round(meters)) < 1e-9
    if not whole_m and miles > 0 and abs(miles * DistanceUnit.MI.meters - meters) < 0.011:
        return DistanceDuration(miles, DistanceUnit.MI)
    value = round(meters, 2)
    return DistanceDuration(float(value), DistanceUnit.M)


def pace_percent(low_pct: float, high_pct: float, ref: PaceRef) -> PacePercent:
    """A pace written as a percentage of a reference *speed* (100 % is the reference pace,
    90 % is slower): kept relative (:class:`~pacer.workout.model.PacePercent`), resolved
    against the profile's pace at show and run time, so nothing is lost without a profile
    and nothing goes stale when the pace changes."""
    return PacePercent(min(low_pct, high_pct), max(low_pct, high_pct), ref)


def ramp_over(t: Target, descending: bool) -> Target:
    """A range read after ``ramp`` as a ramp from one end to the other (``descending``: from
    the upper number to the lower); a single value stays as it is."""
    ends: tuple[FixedTarget, FixedTarget]
    match t:
        case PowerPercent(a, b):
            ends = PowerPercent(a, a), PowerPercent(b, b)
        case HrPercent(a, b, basis):
            ends = HrPercent(a, a, basis), HrPercent(b, b, basis)
        case HrRange(a, b):
            ends = HrRange(a, a), HrRange(b, b)
        case PowerRange(a, b):
            ends = PowerRange(a, a), PowerRange(b, b)
        case PaceRange(fast, slow, unit):
            ends = PaceRange(fast, fast, unit), PaceRange(slow, slow, unit)
        case PacePercent(a, b, ref):
            ends = PacePercent(a, a, ref), PacePercent(b, b, ref)
        case _:
            return t
    if ends[0] == ends[1]:
        return t
    return Ramp(ends[1], ends[0]) if descending else Ramp(*ends)


def finish(collector: Collector) -> list[ImportWarning]:
    """Raise every collected error at once (sorted by position where there is one), else
    the warnings: those about the whole workout first, then step by step."""
    if collector.errors:
        collector.errors.sort(
            key=lambda e: (e.location.line, e.location.col) if e.location else (0, 0)
        )
        raise InputErrors(collector.errors)
    return sorted(collector.warnings, key=lambda w: 0 if w.step is None else w.step)


__all__ = [
    "MAX_DESCRIPTION",
    "MAX_IMPORT_BYTES",
    "POWER_ZONES_FTP",
    "Collector",
    "ImportKind",
    "ImportResult",
    "ImportWarning",
    "clean_text",
    "default_pace_unit",
    "distance",
    "pace_percent",
    "power_zone",
    "ramp_over",
    "workout_name_from_source",
]
