"""intervals.icu ``workout_doc`` (the JSON of a planned event) to a native workout (pure).

The same rules as the plain-text importer (:mod:`pacer.formats.workouts.icu`), step by step:

* ``duration`` (s) is a time, ``distance`` (m) a distance (:func:`common.distance`),
  ``until_lap_press`` (or no end with ``freeride``) ends on lap press;
  ``reps`` + ``steps`` is a repeat.
* ``warmup``/``cooldown``/``intensity`` give the step's intensity (``interval`` and
  ``other`` are active).
* Targets keep the athlete's relative form so the device's profile resolves them: ``%ftp``
  is % FTP, ``w`` watts, ``%hr`` % of max HR, ``%lthr`` % of LTHR, ``hr_zone`` an HR zone,
  ``%pace`` a pace relative to threshold pace (needs a profile, as ``pacer import``),
  ``power_zone`` Coggan's % FTP range (with the same warning), ``rpm`` a cadence (steps per
  minute for a run). What pacer cannot hold relatively (``%mmp``, a zone range, a pace
  zone, ``%pace`` without a profile) takes the resolved absolute value the service sent
  (``_power``, ``_hr``, ``_pace``, asked for with ``resolve=true``) with a warning, or is
  left out with a warning.
* ``ramp: true`` turns a range into a ramp from ``start`` to ``end``.
* ``text`` is the step's prompt at its start; ``N^text`` parts are timed prompts, as in the
  text format. ``maxeffort`` becomes the note "max effort".
* The first of the doc's ``target`` (``POWER``, ``HR``, ``PACE``) present is the step's
  main target; with ``AUTO`` or none, pace then HR then power for a run, power first for a
  ride. The others, and cadence, are secondary targets.

Speeds (``_pace``, ``threshold_pace``, absolute pace values) are metres per second, as
intervals.icu keeps them. Errors name the event and the step (``event 123: step 2``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pacer.formats.workouts.common import (
    MAX_DESCRIPTION,
    Collector,
    ImportKind,
    ImportResult,
    default_pace_unit,
    distance,
    finish,
    pace_percent,
    power_zone,
    power_zone_message,
    ramp_over,
)
from pacer.formats.workouts.icu_tokens import prompts
from pacer.workout.limits import MAX_NAME, MAX_REPEAT
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Duration,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    Item,
    OpenDuration,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Repeat,
    Sport,
    Step,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.profile import Profile
from pacer.workout.syntax import format_target

#: intervals.icu activity types pacer runs as a ride; anything else is a run.
RIDE_TYPES: Final = frozenset(
    {"Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "EBikeRide"}
)
_INTENSITIES: Final = {
    "warmup": Intensity.WARMUP,
    "cooldown": Intensity.COOLDOWN,
    "rest": Intensity.REST,
    "recovery": Intensity.RECOVERY,
    "active": Intensity.ACTIVE,
    "interval": Intensity.ACTIVE,
    "other": Intensity.ACTIVE,
}
_ORDER: Final = {
    Sport.RUN: ("pace", "hr", "power"),
    Sport.BIKE: ("power", "hr", "pace"),
}
_DOC_TARGET: Final = {"POWER": "power", "HR": "hr", "PACE": "pace"}


def sport_of(event_type: str | None) -> Sport:
    return Sport.BIKE if event_type in RIDE_TYPES else Sport.RUN


def import_workout_doc(
    doc: Mapping[str, Any],
    source: str,
    *,
    name: str,
    sport: Sport = Sport.RUN,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
) -> ImportResult:
    """``doc`` (a ``workout_doc``) as a native workout named ``name``; InputErrors with
    every problem (each naming ``source`` and the step) when it cannot be one."""
    c = Collector()
    conv = _Converter(source, c, sport, profile, pace_unit or default_pace_unit(profile), doc)
    steps = doc.get("steps")
    items: tuple[Item, ...] = ()
    if not isinstance(steps, list):
        c.error(source, "the workout has no 'steps' list")
    else:
        items = conv.items(steps, depth=0)
    workout: Workout | None = None
    if c.complete(source, items, "no steps in the workout"):
        title = c.text(source, None, name, MAX_NAME, "workout name") or "Planned workout"
        described = doc.get("description")
        desc = c.text(
            source,
            None,
            described if isinstance(described, str) else None,
            MAX_DESCRIPTION,
            "description",
        )
        workout = Workout(title, items, sport, desc)
        c.plausibility(source, workout)
    warnings = finish(c)
    assert workout is not None
    return ImportResult(workout, warnings, ImportKind.ICU)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _span(value: Any) -> tuple[float, float, bool] | None:
    """A Value object's (low, high, descending): ``value``, or ``start`` and ``end``."""
    if not isinstance(value, Mapping):
        return None
    start, end = _number(value.get("start")), _number(value.get("end"))
    if start is not None and end is not None:
        return min(start, end), max(start, end), start > end
    single = _number(value.get("value"))
    if single is None:
        single = start if start is not None else end
    return None if single is None else (single, single, False)


class _Converter:
    def __init__(
        self,
        source: str,
        c: Collector,
        sport: Sport,
        profile: Profile | None,
        pace_unit: PaceUnit,
        doc: Mapping[str, Any],
    ) -> None:
        self.source = source
        self.c = c
        self.sport = sport
        self.profile = profile
        self.pace_unit = pace_unit
        wanted = _DOC_TARGET.get(str(doc.get("target", "")).upper())
        order = _ORDER.get(sport, _ORDER[Sport.RUN])
        self.order = (wanted, *(k for k in order if k != wanted)) if wanted else order
        self.count = 0

    def items(self, steps: list[Any], depth: int) -> tuple[Item, ...]:
        out: list[Item] = []
        for raw in steps:
            self.count += 1
            at = f"{self.source}: step {self.count}"
            if not isinstance(raw, Mapping):
                self.c.error(at, "a step must be an object")
                continue
            if "reps" in raw or "steps" in raw:
                repeat = self.repeat(raw, at, depth)
                if repeat is not None:
                    out.append(repeat)
                continue
            step = self.step(raw, at)
            if step is not None:
                out.append(step)
        return tuple(out)

    def repeat(self, raw: Mapping[str, Any], at: str, depth: int) -> Repeat | None:
        reps = raw.get("reps", 1)
        inner = raw.get("steps")
        if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPEAT:
            self.c.error(at, f"repeat count {reps!r} is out of range (1 to {MAX_REPEAT})")
            return None
        if not isinstance(inner, list) or not inner:
            self.c.error(at, f"{reps}x with no steps in it")
            return None
        items = self.items(inner, depth + 1)
        return Repeat(reps, items) if items else None

    def step(self, raw: Mapping[str, Any], at: str) -> Step | None:
        n = self.c.begin_step()
        duration = self.duration(raw, at)
        if duration is None:
            return None
        found: dict[str, Target] = {}
        for key in ("power", "hr", "pace"):
            if key in raw:
                target = getattr(self, key)(raw[key], raw.get(f"_{key}"), at, n)
                if target is not None:
                    if raw.get("ramp") is True:
                        span = _span(raw[key])
                        target = ramp_over(target, bool(span and span[2]))
                    found[key] = target
        targets = [found[k] for k in self.order if k in found]
        cadence = self.cadence(raw.get("cadence"), at, n) if "cadence" in raw else None
        if raw.get("ramp") is True and not found:
            self.c.warn(at, "'ramp' without a target to ramp over", n)
        intensity = self.intensity(raw)
        text = raw.get("text")
        cues = tuple(prompts(text)) if isinstance(text, str) else ()
        note = "max effort" if raw.get("maxeffort") is True else None
        return self.c.step(
            at,
            n,
            intensity,
            duration,
            targets[0] if targets else None,
            tuple(targets[1:]) + ((cadence,) if cadence else ()),
            None,
            note,
            cues=cues,
        )

    def duration(self, raw: Mapping[str, Any], at: str) -> Duration | None:
        if raw.get("until_lap_press") is True:
            return OpenDuration()
        seconds, meters = _number(raw.get("duration")), _number(raw.get("distance"))
        if meters is not None and meters > 0:
            return distance(meters)
        if seconds is not None and seconds > 0:
            return TimeDuration(round(seconds))
        if raw.get("freeride") is True:
            return OpenDuration()
        self.c.error(at, "the step has no duration, distance or lap press")
        return None

    @staticmethod
    def intensity(raw: Mapping[str, Any]) -> Intensity:
        if raw.get("warmup") is True:
            return Intensity.WARMUP
        if raw.get("cooldown") is True:
            return Intensity.COOLDOWN
        return _INTENSITIES.get(str(raw.get("intensity", "")).lower(), Intensity.ACTIVE)

    # --- targets -------------------------------------------------------------------------

    def _bad(self, at: str, what: str, value: Any, n: int) -> None:
        self.c.warn(at, f"{what} {value!r} cannot be read; the step has no {what} target", n)

    def power(self, value: Any, resolved: Any, at: str, n: int) -> Target | None:
        span = _span(value)
        units = str(value.get("units", "")).lower() if isinstance(value, Mapping) else ""
        if span is None:
            self._bad(at, "power", value, n)
            return None
        low, high, _ = span
        if units == "%ftp":
            return PowerPercent(low, high)
        if units == "w":
            return PowerRange(round(low), round(high))
        if units == "power_zone":
            zone = round(low)
            target = power_zone(zone)
            if target is None:
                self.c.error(at, f"power zone {zone} does not exist (1 to 7)")
                return None
            if high != low:
                self.c.warn(at, f"power zone range Z{zone}-Z{round(high)}: kept Z{zone}", n)
            self.c.warn(at, power_zone_message(zone, target), n)
            return target
        absolute = _span(resolved)
        if absolute is not None:
            watts = PowerRange(round(absolute[0]), round(absolute[1]))
            self.c.warn(at, f"power in {units or 'no units'} taken as {format_target(watts)}", n)
            return watts
        self.c.warn(at, f"power in {units or 'no units'} cannot be represented", n)
        return None

    def hr(self, value: Any, resolved: Any, at: str, n: int) -> Target | None:
        span = _span(value)
        units = str(value.get("units", "")).lower() if isinstance(value, Mapping) else ""
        if span is None:
            self._bad(at, "hr", value, n)
            return None
        low, high, _ = span
        if units == "%hr":
            return HrPercent(low, high, HrBasis.MAX)
        if units == "%lthr":
            return HrPercent(low, high, HrBasis.LTHR)
        if units == "hr_zone" and low == high:
            return HrZone(str(round(low)))
        absolute = _span(resolved)
        if units == "bpm" or (units == "" and absolute is None):
            return HrRange(round(low), round(high))
        if absolute is not None:
            target = HrRange(round(absolute[0]), round(absolute[1]))
            written = f"zones {round(low)}-{round(high)}" if units == "hr_zone" else units
            self.c.warn(at, f"heart rate {written} taken as {format_target(target)}", n)
            return target
        if units == "hr_zone":
            self.c.warn(at, f"zone range Z{round(low)}-Z{round(high)}: kept Z{round(low)}", n)
            return HrZone(str(round(low)))
        self.c.warn(at, f"heart rate in {units} cannot be represented", n)
        return None

    def pace(self, value: Any, resolved: Any, at: str, n: int) -> Target | None:
        span = _span(value)
        units = str(value.get("units", "")).lower() if isinstance(value, Mapping) else ""
        if span is None:
            self._bad(at, "pace", value, n)
            return None
        low, high, _ = span
        why = f"pace in {units or 'no units'} cannot be represented"
        if units == "%pace":  # kept relative, as the text importer keeps '90-95% Pace'
            return pace_percent(low, high, PaceRef.THRESHOLD)
        absolute = _span(resolved)
        if absolute is None and units in ("mins_km", "mins_mile", "secs_100m", "secs_500m"):
            absolute = span  # an absolute pace: a speed in m/s
        if absolute is not None and absolute[0] > 0:
            unit = PaceUnit.MI if units == "mins_mile" else self.pace_unit
            fast = round(unit.meters / absolute[1])
            slow = round(unit.meters / absolute[0])
            pace = PaceRange(fast, slow, unit)
            if units not in ("mins_km", "mins_mile"):
                self.c.warn(at, f"pace in {units} taken as {format_target(pace)}", n)
            return pace
        self.c.warn(at, f"{why}; the step has no pace target", n)
        return None

    def cadence(self, value: Any, at: str, n: int) -> Target | None:
        span = _span(value)
        if span is None:
            self._bad(at, "cadence", value, n)
            return None
        unit = CadenceTargetUnit.SPM if self.sport is Sport.RUN else CadenceTargetUnit.RPM
        return CadenceRange(round(span[0]), round(span[1]), unit)


__all__ = ["RIDE_TYPES", "import_workout_doc", "sport_of"]
