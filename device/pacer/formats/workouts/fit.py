"""Garmin FIT workout files to native workouts.

:func:`decode_fit` is the edge: it runs garmin-fit-sdk's ``Decoder`` (imported there, not
at module import) and hands over plain message dicts. :func:`workout_from_messages` is the
pure conversion, described field by field in ``docs/import-export.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pacer.core.errors import InputErrors, WorkoutError
from pacer.formats.fitcodes import (
    CM_PER_M,
    FILE_TYPE_WORKOUT,
    FIT_TO_INTENSITY,
    FIT_TO_SPORT,
    HR_BPM_OFFSET,
    MS_PER_S,
    POWER_W_OFFSET,
    pace_from_mm_s,
)
from pacer.formats.workouts.common import (
    MAX_DESCRIPTION,
    MAX_IMPORT_BYTES,
    Collector,
    ImportKind,
    ImportResult,
    clean_text,
    default_pace_unit,
    distance,
    finish,
    power_zone,
    power_zone_message,
    workout_name_from_source,
)
from pacer.workout.limits import HR_BOUNDS, MAX_NAME, MAX_REPEAT, MAX_REPS
from pacer.workout.model import (
    MAX_REPEAT_DEPTH,
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    Duration,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    IntRange,
    Item,
    OpenDuration,
    PaceRange,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Repeat,
    SetsDuration,
    Sport,
    Strength,
    Target,
    TimeDuration,
    Workout,
    repeat_depth,
)
from pacer.workout.profile import Profile, round_half_up
from pacer.workout.syntax import format_target, num

Message = Mapping[str, Any]

#: Running cadence targets below this are taken as strides (one foot) per minute.
STRIDE_CADENCE_BELOW = 100

_POWER_KINDS = ("power", "power_3s", "power_10s", "power_30s", "power_lap")


@dataclass(frozen=True, slots=True)
class FitWorkoutMessages:
    """The messages of a FIT workout file that matter here, as the SDK decodes them (enum
    fields as names, no sub-field expansion: raw ``duration_value``/``target_value``)."""

    file_id: Message
    workout: Message
    steps: tuple[Message, ...]
    #: developer fields: the decoder's key -> the field's name (from field_description)
    developer_names: dict[int, str] = field(default_factory=dict)


def decode_fit(data: bytes, source: str) -> FitWorkoutMessages:
    """Decode with garmin-fit-sdk; InputErrors when the file is not a sound FIT workout."""
    from garmin_fit_sdk import Decoder, Stream

    def fail(message: str) -> InputErrors:
        return InputErrors([WorkoutError(f"{source}: {message}")])

    if len(data) > MAX_IMPORT_BYTES:
        raise fail(f"file too large for a workout ({len(data)} bytes)")
    checker = Decoder(Stream.from_byte_array(bytearray(data)))
    if not checker.is_fit():
        raise fail("not a FIT file (no .FIT header)")
    intact = checker.check_integrity()
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(
        convert_datetimes_to_dates=False,
        expand_sub_fields=False,
        merge_heart_rates=False,
    )
    if errors or not intact:
        why = str(errors[0]) if errors else "the CRC does not match (damaged or truncated)"
        raise fail(f"cannot decode the FIT file: {why}")
    file_ids = [dict(m) for m in messages.get("file_id_mesgs", [])]
    workouts = [dict(m) for m in messages.get("workout_mesgs", [])]
    steps = tuple(dict(m) for m in messages.get("workout_step_mesgs", []))
    file_type = file_ids[0].get("type") if file_ids else None
    if file_type not in (None, FILE_TYPE_WORKOUT):
        raise fail(f"this FIT file is of type '{file_type}', not a workout")
    if not workouts and not steps:
        raise fail("no workout or workout_step messages: not a FIT workout file")
    if not steps:
        raise fail("the workout has no steps (no workout_step messages)")
    descriptions: list[dict[str, Any]] = [
        dict(d) for d in messages.get("field_description_mesgs", [])
    ]
    names = {
        d["key"]: str(d.get("field_name") or f"developer field {d['key']}")
        for d in descriptions
        if isinstance(d.get("key"), int)
    }
    return FitWorkoutMessages(
        file_ids[0] if file_ids else {}, workouts[0] if workouts else {}, steps, names
    )


def _name(value: object) -> str | None:
    """An enum field as its name (the SDK leaves values it does not know as numbers)."""
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Reader:
    def __init__(
        self,
        source: str,
        profile: Profile | None,
        pace_unit: PaceUnit,
        collector: Collector,
    ) -> None:
        self.source = source
        self.profile = profile
        self.pace_unit = pace_unit
        self.c = collector
        self.sport = Sport.RUN
        self.developer_names: dict[int, str] = {}

    def at(self, index: int) -> str:
        return f"{self.source}: workout_step {index}"

    # --- the workout -------------------------------------------------------------------

    def workout(self, msgs: FitWorkoutMessages) -> Workout | None:
        head = f"{self.source}: workout"
        self.developer_names = msgs.developer_names
        self.sport = self.pick_sport(msgs, head)
        name = self.c.text(head, None, _str(msgs.workout.get("wkt_name")), MAX_NAME, "name")
        description = self.c.text(
            head, None, _str(msgs.workout.get("wkt_description")), MAX_DESCRIPTION, "description"
        )
        ordered = sorted(enumerate(msgs.steps), key=lambda p: (_index(p[1], p[0]), p[0]))
        stack: list[tuple[int, Item]] = []
        for pos, m in ordered:
            index = _index(m, pos)
            kind = _name(m.get("duration_type"))
            if kind is not None and kind.startswith("repeat_"):
                self.repeat(index, m, kind, stack)
            else:
                step = self.step(index, m)
                if step is not None:
                    stack.append((index, step))
        valid = _int(msgs.workout.get("num_valid_steps"))
        if valid is not None and valid != len(msgs.steps):
            self.c.warn(
                head, f"num_valid_steps says {valid} but the file holds {len(msgs.steps)} steps"
            )
        items = tuple(item for _i, item in stack)
        if not self.c.complete(head, items, "no step could be imported"):
            return None
        return Workout(
            name or workout_name_from_source(self.source), items, self.sport, description
        )

    def pick_sport(self, msgs: FitWorkoutMessages, head: str) -> Sport:
        fit_sport = _name(msgs.workout.get("sport"))
        if fit_sport in FIT_TO_SPORT:
            return FIT_TO_SPORT[fit_sport]
        kinds = {_name(m.get("duration_type")) for m in msgs.steps}
        targets = {_name(m.get("target_type")) for m in msgs.steps} | {
            _name(m.get("secondary_target_type")) for m in msgs.steps
        }
        if "reps" in kinds:
            sport, why = Sport.STRENGTH, "it has reps steps"
        elif targets & set(_POWER_KINDS):
            sport, why = Sport.BIKE, "it has power targets"
        else:
            sport, why = Sport.RUN, "the default"
        what = f"sport '{fit_sport}'" if fit_sport else "no sport"
        self.c.warn(head, f"{what} in the file; imported as {sport.value} ({why})")
        return sport

    def repeat(self, index: int, m: Message, kind: str, stack: list[tuple[int, Item]]) -> None:
        at = self.at(index)
        start = _int(m.get("duration_value"))
        if start is None or start >= index:
            self.c.error(at, f"a repeat must go back to an earlier step (duration_value {start})")
            return
        first = next((k for k, (i, _item) in enumerate(stack) if i >= start), None)
        if first is None:
            if not self.c.errors:
                self.c.error(at, f"the repeat goes back to step {start}, which has no step")
            return
        if stack[first][0] != start:
            self.c.error(
                at, f"the repeat goes back to step {start}, inside an earlier repeat's steps"
            )
            return
        if kind != "repeat_until_steps_cmplt":
            until = kind.removeprefix("repeat_until_").replace("_", " ")
            self.c.warn(
                at,
                f"'repeat until {until}' cannot be represented: its steps run once "
                "(pacer repeats a fixed number of times)",
            )
            return
        count = _int(m.get("target_value"))
        if count is None or not 1 <= count <= MAX_REPEAT:
            self.c.error(at, f"repeat count {count} is out of range (1 to {MAX_REPEAT})")
            return
        items = tuple(item for _i, item in stack[first:])
        if repeat_depth(items) + 1 > MAX_REPEAT_DEPTH:
            self.c.error(at, f"repeats nest too deeply (at most {MAX_REPEAT_DEPTH} levels)")
            return
        del stack[first:]
        stack.append((start, Repeat(count, items)))

    # --- one step ----------------------------------------------------------------------

    def step(self, index: int, m: Message) -> Item | None:
        at = self.at(index)
        n = self.c.begin_step()
        fit_intensity = _name(m.get("intensity"))
        intensity = FIT_TO_INTENSITY.get(fit_intensity or "active", Intensity.ACTIVE)
        if fit_intensity is None and m.get("intensity") is not None:
            self.c.warn(at, f"unknown intensity {m.get('intensity')}; taken as active", n)
        name = _str(m.get("wkt_step_name"))
        duration, strength = self.duration(at, n, m, name)
        if strength is not None and clean_text(name) == strength.exercise:
            name = None
        target = self.target(
            at,
            n,
            m.get("target_type"),
            m.get("target_value"),
            m.get("custom_target_value_low"),
            m.get("custom_target_value_high"),
        )
        second = self.target(
            at,
            n,
            m.get("secondary_target_type"),
            m.get("secondary_target_value"),
            m.get("secondary_custom_target_value_low"),
            m.get("secondary_custom_target_value_high"),
        )
        if duration is None:
            return None
        extra = self.developer(at, n, m)
        secondary = [] if second is None else [second]
        if extra.hr is not None:
            if target is None:
                target = extra.hr
            else:
                secondary.append(extra.hr)
        if extra.cadence is not None:
            secondary.append(extra.cadence)
        note = _str(m.get("notes"))
        if extra.rpe is not None:
            note = f"{note} (RPE {extra.rpe})" if note else f"RPE {extra.rpe}"
        return self.c.step(
            at, n, intensity, duration, target, tuple(secondary), name, note, strength
        )

    def developer(self, at: str, n: int, m: Message) -> _DeveloperTargets:
        """Targets some apps keep in developer fields (Stages Link: a heart-rate range, a
        cadence range, an RPE), read by the fields' names; every other field is said."""
        found: dict[tuple[str, str], int] = {}
        dev = m.get("developer_fields")
        if not isinstance(dev, dict):
            return _DeveloperTargets()
        for key, value in dev.items():
            name = self.developer_names.get(key, f"developer field {key}")
            kind = developer_kind(name)
            number = _int(value) if not isinstance(value, float) else round(value)
            if kind is None or number is None or kind in found:
                self.c.warn(at, f"developer field '{name}' ({value!r}) left out", n)
                continue
            found[kind] = number
        hr = _pair(found, "hr", HR_BOUNDS)
        cadence = _pair(found, "cadence", (1, 260))
        rpe = found.get(("rpe", ""))
        return _DeveloperTargets(
            None if hr is None else HrRange(*hr),
            None if cadence is None else CadenceRange(*cadence, self.cadence_unit()),
            rpe if rpe is not None and 0 <= rpe <= 10 else None,
        )

    def cadence_unit(self) -> CadenceTargetUnit:
        return CadenceTargetUnit.RPM if self.sport is Sport.BIKE else CadenceTargetUnit.SPM

    def duration(
        self, at: str, n: int, m: Message, name: str | None
    ) -> tuple[Duration | None, Strength | None]:
        kind = _name(m.get("duration_type"))
        value = _int(m.get("duration_value"))
        if kind in (None, "open"):
            if kind is None and m.get("duration_type") is not None:
                self.c.warn(
                    at, f"unknown duration type {m.get('duration_type')}; ends on lap instead", n
                )
            return OpenDuration(), None
        if value is None:  # a Bryton workout's time steps, for one
            self.c.warn(
                at,
                f"a '{kind.replace('_', ' ')}' step without a duration_value: an open step "
                "that ends on lap instead",
                n,
            )
            return OpenDuration(), None
        if kind in ("time", "repetition_time", "time_only"):
            seconds = round(value / MS_PER_S)
            if value % MS_PER_S:
                self.c.warn(at, f"{value / MS_PER_S:g} s rounded to {seconds} s", n)
            return TimeDuration(seconds), None
        if kind == "distance":
            return distance(value / CM_PER_M), None
        if kind in ("hr_less_than", "hr_greater_than"):
            op = Comparison.BELOW if kind == "hr_less_than" else Comparison.ABOVE
            if value > HR_BPM_OFFSET:
                return ConditionDuration(op, value - HR_BPM_OFFSET), None
            if self.profile is None:
                self.c.warn(
                    at,
                    f"'until HR {op.value} {value}% of max HR' needs an athlete profile "
                    "(use --profile); the step ends on lap instead",
                    n,
                )
                return OpenDuration(), None
            bpm = round_half_up(self.profile.max_hr * value / 100)
            self.c.warn(at, f"{value}% of max HR taken as {bpm} bpm (profile max HR)", n)
            return ConditionDuration(op, bpm), None
        if kind == "reps":
            if not 1 <= value <= MAX_REPS:
                self.c.error(at, f"{value} reps is not plausible (1 to {MAX_REPS})")
                return None, None
            written = clean_text(name) or _exercise(m.get("exercise_category")) or "Exercise"
            exercise = self.c.text(at, n, written, MAX_NAME, "exercise") or "Exercise"
            weight = m.get("exercise_weight")
            load = f"{num(float(weight))} kg" if isinstance(weight, int | float) else None
            reps = IntRange(value, value)
            return SetsDuration(IntRange(1, 1)), Strength(exercise, reps, load=load)
        self.c.warn(
            at,
            f"a '{kind.replace('_', ' ')}' duration cannot be represented; the step ends on "
            "lap instead",
            n,
        )
        return OpenDuration(), None

    def target(
        self, at: str, n: int, kind_raw: object, zone_raw: object, low_raw: object, high_raw: object
    ) -> Target | None:
        kind = _name(kind_raw)
        if kind is None:
            if kind_raw is not None:
                self.c.warn(at, f"unknown target type {kind_raw} left out", n)
            return None
        if kind == "open":
            return None
        zone = _int(zone_raw) or 0
        low, high = _int(low_raw), _int(high_raw)
        base = kind
        if kind in _POWER_KINDS[1:]:
            base = "power"
            self.c.warn(at, f"'{kind}' is held as plain power (pacer smooths power itself)", n)
        elif kind in ("heart_rate_lap", "speed_lap"):
            base = kind.removesuffix("_lap")
            self.c.warn(at, f"'{kind}' is held as instant {base.replace('_', ' ')}", n)
        if base not in ("heart_rate", "speed", "cadence", "power"):
            self.c.warn(at, f"a '{kind.replace('_', ' ')}' target cannot be represented", n)
            return None
        if zone:
            return self.zone_target(at, n, base, zone)
        if low is None or high is None:
            self.c.warn(at, f"a custom {base.replace('_', ' ')} target without values", n)
            return None
        low, high = min(low, high), max(low, high)
        if base == "heart_rate":
            return self.hr_custom(at, n, low, high)
        if base == "power":
            return self.power_custom(at, n, low, high)
        if base == "speed":
            if low <= 0:
                self.c.warn(at, "a speed target with no lower end cannot be represented", n)
                return None
            unit = self.pace_unit
            return PaceRange(pace_from_mm_s(high, unit), pace_from_mm_s(low, unit), unit)
        if self.sport is Sport.BIKE:
            return CadenceRange(low, high, CadenceTargetUnit.RPM)
        if high < STRIDE_CADENCE_BELOW:
            self.c.warn(
                at, f"cadence {low}-{high} taken as strides per minute: {2 * low}-{2 * high} spm", n
            )
            return CadenceRange(2 * low, 2 * high, CadenceTargetUnit.SPM)
        return CadenceRange(low, high, CadenceTargetUnit.SPM)

    def zone_target(self, at: str, n: int, base: str, zone: int) -> Target | None:
        if base == "heart_rate":
            return HrZone(str(zone))
        if base == "power":
            target = power_zone(zone)
            if target is None:
                self.c.warn(at, f"power zone {zone} does not exist (1 to 7)", n)
                return None
            self.c.warn(at, power_zone_message(zone, target), n)
            return target
        self.c.warn(
            at,
            f"{base} zone {zone} cannot be represented (those zones live on the watch); "
            "the step has no target",
            n,
        )
        return None

    def hr_custom(self, at: str, n: int, low: int, high: int) -> Target | None:
        if low > HR_BPM_OFFSET:
            return HrRange(low - HR_BPM_OFFSET, high - HR_BPM_OFFSET)
        if high <= HR_BPM_OFFSET:
            return HrPercent(float(low), float(high), HrBasis.MAX)
        if self.profile is None:
            self.c.error(
                at,
                f"heart-rate target {low}-{high} mixes % of max HR and bpm; "
                "an athlete profile (--profile) can convert it",
            )
            return None
        bpm = round_half_up(self.profile.max_hr * low / 100)
        target = HrRange(bpm, high - HR_BPM_OFFSET)
        self.c.warn(at, f"{low}% of max HR taken as {bpm} bpm: {format_target(target)}", n)
        return target

    def power_custom(self, at: str, n: int, low: int, high: int) -> Target | None:
        if low > POWER_W_OFFSET:
            return PowerRange(low - POWER_W_OFFSET, high - POWER_W_OFFSET)
        if high <= POWER_W_OFFSET:
            return PowerPercent(float(low), float(high))
        if self.profile is None or self.profile.ftp is None:
            self.c.error(
                at,
                f"power target {low}-{high} mixes % FTP and watts; "
                "an athlete profile with ftp (--profile) can convert it",
            )
            return None
        watts = round_half_up(self.profile.ftp * low / 100)
        target = PowerRange(watts, high - POWER_W_OFFSET)
        self.c.warn(at, f"{low}% FTP taken as {watts} W: {format_target(target)}", n)
        return target


@dataclass(frozen=True, slots=True)
class _DeveloperTargets:
    hr: HrRange | None = None
    cadence: CadenceRange | None = None
    rpe: int | None = None


_WORDS = re.compile(r"[a-z]+|\d+")


def developer_kind(name: str) -> tuple[str, str] | None:
    """(metric, end) a developer field's name stands for: ``hr_target_low`` is
    ("hr", "low"), ``Cadence High`` ("cadence", "high"), ``rpe`` ("rpe", ""); None when its
    name says neither (a field pacer has no place for)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    words = set(_WORDS.findall(spaced))
    if words & {"hr", "heart", "heartrate", "bpm"}:
        metric = "hr"
    elif words & {"cadence", "cad", "rpm", "spm"}:
        metric = "cadence"
    elif words & {"rpe", "perceived", "exertion"}:
        return ("rpe", "")
    else:
        return None
    if words & {"low", "min", "lower", "minimum", "from"}:
        return (metric, "low")
    if words & {"high", "max", "upper", "maximum", "to"}:
        return (metric, "high")
    return (metric, "")


def _pair(
    found: dict[tuple[str, str], int], metric: str, bounds: tuple[int, int]
) -> tuple[int, int] | None:
    """A range from a low and a high field (or one value), when plausible."""
    low = found.get((metric, "low"), found.get((metric, "")))
    high = found.get((metric, "high"), found.get((metric, "")))
    if low is None or high is None:
        return None
    low, high = min(low, high), max(low, high)
    return (low, high) if bounds[0] <= low and high <= bounds[1] else None


def _index(m: Message, pos: int) -> int:
    """The step's message_index (what repeats point at), else its position in the file."""
    index = _int(m.get("message_index"))
    return pos if index is None else index


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _exercise(category: object) -> str | None:
    if isinstance(category, str) and category not in ("unknown", "invalid"):
        return category.replace("_", " ").capitalize()
    return None


def workout_from_messages(
    msgs: FitWorkoutMessages,
    source: str,
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
) -> ImportResult:
    """The native workout of decoded FIT workout messages (pure)."""
    collector = Collector()
    reader = _Reader(source, profile, pace_unit or default_pace_unit(profile), collector)
    workout = reader.workout(msgs)
    if workout is not None:
        collector.plausibility(f"{source}: workout", workout)
    warnings = finish(collector)
    assert workout is not None
    return ImportResult(workout, warnings, ImportKind.FIT)


def import_fit(
    data: bytes,
    source: str,
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
) -> ImportResult:
    return workout_from_messages(
        decode_fit(data, source), source, profile=profile, pace_unit=pace_unit
    )


__all__ = [
    "FitWorkoutMessages",
    "decode_fit",
    "import_fit",
    "workout_from_messages",
]
