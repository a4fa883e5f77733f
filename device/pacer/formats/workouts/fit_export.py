"""Native workouts to FIT workout files for a Garmin watch.

A FIT workout file holds a ``file_id`` message (type workout), one ``workout`` message and
one ``workout_step`` message per step, in order. A repeat is a step of its own, written
after the steps it repeats, pointing back at the first of them by message index.

:func:`workout_messages` builds the messages as plain dicts (pure); :func:`encode_fit_workout`
writes them with garmin-fit-sdk's ``Encoder`` (imported there). Targets FIT holds natively
(whole HR zones, bpm and % max HR ranges, paces, cadence, watts, % FTP) are written as
they are; the rest (a zone position such as "Z2 high", % HRR or % LTHR, paces relative to
marathon pace) become custom ranges resolved against the athlete profile, with a warning.
FIT has no moving target: a ramp is written as the one range covering both of its ends,
with a warning; timed cues have no place in a FIT workout step and are left out, with a
warning. FIT has no single-value target either: a single value (``88% FTP``, ``150 bpm``,
``90 rpm``) is written as the band pacer itself judges, the profile's tolerances either side
(:class:`~pacer.workout.profile.Tolerances`, the defaults without a profile), said once. A
text longer than a FIT string holds (254 bytes of UTF-8) is cut at a character boundary,
with a warning.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pacer.core.errors import InputErrors, LocatedError, ProfileError, WorkoutError
from pacer.formats.fitcodes import (
    CM_PER_M,
    FILE_TYPE_WORKOUT,
    HR_BPM_OFFSET,
    INTENSITY_TO_FIT,
    MANUFACTURER_DEVELOPMENT,
    MM_PER_M,
    MS_PER_S,
    POWER_W_OFFSET,
    SPORT_TO_FIT,
    speed_mm_s,
)
from pacer.workout.model import (
    CadenceRange,
    Comparison,
    ConditionDuration,
    DistanceDuration,
    Duration,
    FixedTarget,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Item,
    OpenDuration,
    PaceRange,
    PowerPercent,
    PowerRange,
    Ramp,
    SetsDuration,
    Step,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.profile import MILE_M, Profile, Tolerances
from pacer.workout.resolve import (
    Metric,
    format_speed_as_pace,
    pace_unit_label,
    resolve_target,
)
from pacer.workout.syntax import format_duration, format_target

Message = dict[str, Any]

#: A watch knows five heart-rate zones; other zones are written as their bpm range.
FIT_HR_ZONES = 5
#: The longest FIT string in bytes of UTF-8: a field's size is one byte and holds the
#: terminating NUL too.
FIT_TEXT_BYTES = 254


def fit_text(text: str) -> str:
    """``text`` cut to :data:`FIT_TEXT_BYTES` of UTF-8 at a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= FIT_TEXT_BYTES:
        return text
    return data[:FIT_TEXT_BYTES].decode("utf-8", errors="ignore")


@dataclass(frozen=True, slots=True)
class ExportWarning:
    """Something the FIT file holds less exactly than the native workout."""

    message: str
    #: 1-based number of the step in the native workout (file order, repeats not expanded)
    step: int | None = None

    def __str__(self) -> str:
        return self.message if self.step is None else f"step {self.step}: {self.message}"


@dataclass(frozen=True, slots=True)
class FitExport:
    data: bytes
    warnings: list[ExportWarning] = field(default_factory=list)
    steps: int = 0


@dataclass(frozen=True, slots=True)
class FitMessages:
    file_id: Message
    workout: Message
    steps: list[Message]
    warnings: list[ExportWarning]


class _Writer:
    def __init__(self, profile: Profile | None) -> None:
        self.profile = profile
        self.steps: list[Message] = []
        self.errors: list[LocatedError] = []
        self.warnings: list[ExportWarning] = []
        self.count = 0
        self.tolerances = profile.tolerances if profile is not None else Tolerances()
        #: single-value targets written as bands (said once, at the end)
        self.banded = 0

    def text(self, text: str, what: str, n: int | None) -> str:
        """``text`` as a FIT string: cut, with a warning, when it is too long."""
        cut = fit_text(text)
        if cut != text:
            self.warnings.append(
                ExportWarning(
                    f"{what} cut to its first {len(cut)} of {len(text)} characters "
                    f"(a FIT text holds {FIT_TEXT_BYTES} bytes)",
                    n,
                )
            )
        return cut

    def band(self, t: Target) -> Target:
        """A single-value target as the band pacer judges it (the profile's tolerances)."""
        tol = self.tolerances
        widened: Target | None = None
        match t:
            case HrRange(low, high) if low == high:
                d = round(tol.hr_bpm)
                widened = HrRange(low - d, high + d)
            case HrPercent(low, high, HrBasis.MAX) if low == high and low.is_integer():
                max_hr = (self.profile or Profile()).max_hr
                d = max(1, round(tol.hr_bpm * 100 / max_hr))
                widened = HrPercent(low - d, high + d, HrBasis.MAX)
            case PaceRange(fast, slow, unit) if fast == slow:
                d = round(tol.pace_s_per_km * unit.meters / 1000.0)
                widened = PaceRange(max(1, fast - d), slow + d, unit)
            case CadenceRange(low, high, unit) if low == high:
                d = round(tol.cadence)
                widened = CadenceRange(max(0, low - d), high + d, unit)
            case PowerRange(low, high) if low == high:
                d = round(low * tol.power_percent / 100)
                widened = PowerRange(max(0, low - d), high + d)
            case PowerPercent(low, high) if low == high and low.is_integer():
                d = round(tol.power_percent)
                widened = PowerPercent(max(0.0, low - d), high + d)
        if widened is None or widened == t:
            return t
        self.banded += 1
        return widened

    def said_once(self) -> None:
        if self.banded:
            tol = self.tolerances
            self.warnings.append(
                ExportWarning(
                    f"FIT has no single-value target: {self.banded} single values written as "
                    f"the band pacer judges (+/-{tol.hr_bpm:g} bpm, {tol.power_percent:g}% of "
                    f"watts or FTP points, {tol.cadence:g} rpm/spm, "
                    f"{tol.pace_s_per_km * MILE_M / 1000:.0f} s/mi of pace; the profile's "
                    "tolerances)"
                )
            )

    def fail(self, n: int, message: str) -> None:
        self.errors.append(WorkoutError(f"step {n}: {message}"))

    def items(self, items: tuple[Item, ...]) -> None:
        for item in items:
            if isinstance(item, Step):
                self.count += 1
                self.step(item, self.count)
            else:
                start = len(self.steps)
                self.items(item.items)
                self.steps.append(
                    {
                        "message_index": len(self.steps),
                        "duration_type": "repeat_until_steps_cmplt",
                        "duration_value": start,
                        "target_value": item.count,
                    }
                )

    def step(self, step: Step, n: int) -> None:
        m: Message = {"message_index": len(self.steps)}
        if step.name:
            m["wkt_step_name"] = self.text(step.name, "the step name", n)
        m["intensity"] = INTENSITY_TO_FIT[step.intensity]
        duration = self.duration(step.duration, n)
        if duration is None:
            return
        m["duration_type"], value = duration
        if value is not None:
            m["duration_value"] = value
        kind, zone, low, high = self.target(step.target, n)
        m["target_type"] = kind
        if zone is not None:
            m["target_value"] = zone
        if low is not None:
            m["custom_target_value_low"] = low
            m["custom_target_value_high"] = high
        if step.secondary:
            kind, zone, low, high = self.target(step.secondary[0], n)
            m["secondary_target_type"] = kind
            if zone is not None:
                m["secondary_target_value"] = zone
            if low is not None:
                m["secondary_custom_target_value_low"] = low
                m["secondary_custom_target_value_high"] = high
            for extra in step.secondary[1:]:
                self.warnings.append(
                    ExportWarning(
                        f"FIT holds one secondary target; {format_target(extra)} left out", n
                    )
                )
        if step.note:
            m["notes"] = self.text(step.note, "the note", n)
        if step.cues:
            self.warnings.append(
                ExportWarning(
                    f"FIT workout steps hold no timed texts; {len(step.cues)} left out", n
                )
            )
        self.steps.append(m)

    def duration(self, d: Duration, n: int) -> tuple[str, int | None] | None:
        match d:
            case TimeDuration(seconds):
                return "time", seconds * MS_PER_S
            case DistanceDuration():
                return "distance", round(d.meters * CM_PER_M)
            case OpenDuration():
                return "open", None
            case ConditionDuration(op, bpm, cap):
                if cap is not None:
                    self.warnings.append(
                        ExportWarning(
                            f"'{format_duration(d)}': FIT has no time cap on a heart-rate "
                            "condition; the cap is left out",
                            n,
                        )
                    )
                kind = "hr_less_than" if op is Comparison.BELOW else "hr_greater_than"
                return kind, bpm + HR_BPM_OFFSET
            case SetsDuration():
                self.fail(
                    n,
                    "strength steps (sets of reps) are not written to FIT workouts; "
                    "export the running or cycling workouts",
                )
                return None
        raise AssertionError(d)  # pragma: no cover

    def target(self, t: Target | None, n: int) -> tuple[str, int | None, int | None, int | None]:
        """(target_type, target_value, custom low, custom high) in raw FIT values."""
        if t is not None and not isinstance(t, Ramp):
            t = self.band(t)
        match t:
            case None:
                return "open", None, None, None
            case HrZone(zone, None) if zone.isdigit() and 1 <= int(zone) <= FIT_HR_ZONES:
                return "heart_rate", int(zone), None, None
            case HrRange(low, high):
                return "heart_rate", 0, low + HR_BPM_OFFSET, high + HR_BPM_OFFSET
            case HrPercent(low, high, HrBasis.MAX) if low.is_integer() and high.is_integer():
                return "heart_rate", 0, int(low), int(high)
            case PaceRange(fast, slow, unit):
                return "speed", 0, speed_mm_s(slow, unit), speed_mm_s(fast, unit)
            case CadenceRange(low, high, _unit):
                return "cadence", 0, low, high
            case PowerRange(low, high):
                return "power", 0, low + POWER_W_OFFSET, high + POWER_W_OFFSET
            case PowerPercent(low, high) if (
                low.is_integer() and high.is_integer() and high <= POWER_W_OFFSET
            ):
                return "power", 0, int(low), int(high)
            case Ramp(start, end):
                return self.ramp(t, start, end, n)
        return self.resolved(t, n)

    def ramp(
        self, t: Target, start: FixedTarget, end: FixedTarget, n: int
    ) -> tuple[str, int | None, int | None, int | None]:
        """FIT has no moving target: the range that covers both ends of the ramp, with a
        warning (the watch then judges the whole range for the whole step)."""
        a, b = self.target(start, n), self.target(end, n)
        if not (a[1] == 0 and b[1] == 0 and a[0] == b[0]):  # zones: as custom ranges
            a, b = self.resolved(start, n), self.resolved(end, n)
        kind, _zone, a_low, a_high = a
        _kind, _zone, b_low, b_high = b
        if a_low is None or a_high is None or b_low is None or b_high is None:
            return "open", None, None, None
        low, high = min(a_low, b_low), max(a_high, b_high)
        self.warnings.append(
            ExportWarning(
                f"FIT has no ramp target: {format_target(t)} written as one range covering "
                "both ends, which the watch holds for the whole step",
                n,
            )
        )
        return kind, 0, low, high

    def resolved(self, t: Target, n: int) -> tuple[str, int | None, int | None, int | None]:
        written = format_target(t)
        if self.profile is None:
            self.fail(n, f"{written} needs an athlete profile (--profile) to become a FIT range")
            return "open", None, None, None
        try:
            r = resolve_target(t, self.profile)
        except ProfileError as exc:
            self.fail(n, f"{written}: {exc.message}")
            return "open", None, None, None
        self.warnings.append(
            ExportWarning(
                f"{written} written as {_plain(r.metric, r.low, r.high, self.profile)}", n
            )
        )
        match r.metric:
            case Metric.HR:
                return "heart_rate", 0, round(r.low) + HR_BPM_OFFSET, round(r.high) + HR_BPM_OFFSET
            case Metric.SPEED:
                return "speed", 0, round(r.low * MM_PER_M), round(r.high * MM_PER_M)
            case Metric.POWER:
                return "power", 0, round(r.low) + POWER_W_OFFSET, round(r.high) + POWER_W_OFFSET
            case Metric.CADENCE:
                return "cadence", 0, round(r.low), round(r.high)
        raise AssertionError(r)  # pragma: no cover


def _plain(metric: Metric, low: float, high: float, profile: Profile) -> str:
    if metric is Metric.SPEED:
        fast = format_speed_as_pace(high, profile.units)
        slow = format_speed_as_pace(low, profile.units)
        text = f"{fast}-{slow}{pace_unit_label(profile.units)}"
    else:
        text = f"{round(low)}-{round(high)} {metric.unit}"
    return f"the range {text} (resolved against the profile)"


def workout_messages(
    workout: Workout, profile: Profile | None = None, *, created: datetime
) -> FitMessages:
    """The FIT messages of ``workout`` as dicts of field names to raw values (pure).

    Raises :class:`pacer.core.errors.InputErrors` naming every step FIT cannot take.
    """
    w = _Writer(profile)
    w.items(workout.items)
    if w.errors:
        raise InputErrors(w.errors)
    w.said_once()
    name = workout.name
    file_id: Message = {
        "type": FILE_TYPE_WORKOUT,
        "manufacturer": MANUFACTURER_DEVELOPMENT,
        "product": 0,
        # uint32z: any value but 0; stable for a given workout name
        "serial_number": zlib.crc32(name.encode("utf-8")) or 1,
        "time_created": created,
    }
    head: Message = {
        "wkt_name": w.text(name, "the workout name", None),
        "sport": SPORT_TO_FIT[workout.sport],
        "num_valid_steps": len(w.steps),
    }
    if workout.description:
        head["wkt_description"] = w.text(workout.description, "the description", None)
    return FitMessages(file_id, head, w.steps, w.warnings)


def encode_fit_workout(
    workout: Workout, profile: Profile | None = None, *, created: datetime
) -> FitExport:
    """The bytes of a FIT workout file for ``workout`` (garmin-fit-sdk's Encoder)."""
    from garmin_fit_sdk import Encoder
    from garmin_fit_sdk import Profile as FitProfile

    msgs = workout_messages(workout, profile, created=created)
    nums = FitProfile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": nums["FILE_ID"], **msgs.file_id})
    encoder.write_mesg({"mesg_num": nums["WORKOUT"], **msgs.workout})
    for m in msgs.steps:
        encoder.write_mesg({"mesg_num": nums["WORKOUT_STEP"], **m})
    return FitExport(encoder.close(), msgs.warnings, len(msgs.steps))


__all__ = [
    "FIT_TEXT_BYTES",
    "ExportWarning",
    "FitExport",
    "FitMessages",
    "encode_fit_workout",
    "fit_text",
    "workout_messages",
]
