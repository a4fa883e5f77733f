"""A recorded activity as plain typed data, independent of how it was stored (pure).

One :class:`Activity` is what pacer recorded (or what a FIT file from any watch held): a
start time, a sport, the workout's name, one :class:`Lap` per workout step, one
:class:`Record` per second and the :class:`ActivityEvent` list (alerts, buttons, pauses,
sensor changes). The recorder, the store's payload, the FIT reader, the CSV and JSON files
all convert to and from this model; exporters, the report and replay read only it.

Two clocks:

* ``t``: seconds since the activity's start, pauses included (a record's wall time is
  ``activity.start + t``).
* ``timer``: workout seconds, pauses excluded (what the engine counts, what FIT calls timer
  time). :class:`PauseClock` derives it from the pause and interruption events.

Cadence is always steps per minute for running (both feet, as a BLE foot pod reports it) and
revolutions per minute for cycling; the FIT writer and reader convert to and from FIT's
per-leg convention.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pacer.core.samples import SensorRole
from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.engine.zones import status_of
from pacer.workout.model import Intensity, Sport
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, ResolvedTarget

#: A record stands for at most this many seconds (beyond, the data has a hole, not a value).
MAX_RECORD_GAP_S = 60.0


class EventKind(StrEnum):
    """What the recorder writes beside the engine's own events (which keep their
    :class:`pacer.engine.events.EventType` value as ``type``)."""

    #: data: sport, units, workout, profile: what the recording is of
    START = "start"
    #: a workout step (a lap) began; data: name, intensity, trigger and the target
    STEP = "step"
    #: data: action (a :class:`pacer.core.actions.ButtonAction` value)
    BUTTON = "button"
    #: data: role, connected
    SENSOR = "sensor"
    #: the device's own battery; data: percent
    BATTERY = "battery"
    #: the recording was cut off (crash, power cut) and resumed; data: since (the last ``t``
    #: recorded before the cut). The time in between counts as a pause.
    INTERRUPTED = "interrupted"
    #: the athlete stopped the recording
    STOP = "stop"


#: Engine events that are alerts (an athlete was told to slow down or speed up).
ALERT_TYPES: frozenset[str] = frozenset(
    {EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER}
)


class LapTrigger(StrEnum):
    """Why a lap ended, in FIT's words."""

    TIME = "time"
    DISTANCE = "distance"
    MANUAL = "manual"
    SESSION_END = "session_end"


@dataclass(frozen=True, slots=True)
class Record:
    """One second of the activity. Absent values are None (no sensor, no data)."""

    t: float
    timer: float
    hr: int | None = None
    #: RR intervals in seconds received during this second
    rr: tuple[float, ...] = ()
    #: metres per second
    speed: float | None = None
    #: steps per minute (running) or rpm (cycling)
    cadence: float | None = None
    #: metres since the start
    distance: float | None = None
    power: int | None = None
    #: 0-based workout step
    step: int | None = None
    target_low: float | None = None
    target_high: float | None = None
    status: TargetStatus = TargetStatus.NONE
    #: the device's battery, percent
    battery: int | None = None


@dataclass(frozen=True, slots=True)
class Lap:
    """One workout step as it was run, ``start <= t < end``."""

    step: int
    name: str
    intensity: Intensity
    start: float
    end: float
    target: ResolvedTarget | None = None
    trigger: LapTrigger = LapTrigger.MANUAL

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """``type`` is an :class:`EventKind` or :class:`EventType` value (or, from a foreign
    file, whatever that file named it); ``step`` is 0-based."""

    t: float
    type: str
    step: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_alert(self) -> bool:
        return self.type in ALERT_TYPES


@dataclass(frozen=True, slots=True)
class Activity:
    """``start``: wall-clock seconds since the epoch (UTC). ``ended`` is False for a
    recording that was cut off and not (yet) stopped by the athlete."""

    id: str
    start: float
    sport: Sport = Sport.RUN
    workout: str | None = None
    units: Units = Units.METRIC
    profile: str | None = None
    laps: tuple[Lap, ...] = ()
    records: tuple[Record, ...] = ()
    events: tuple[ActivityEvent, ...] = ()
    ended: bool = True
    #: what recorded it: "pacer", or the maker and product of a foreign file
    device: str = "pacer"

    @property
    def duration(self) -> float:
        """Seconds from the start to the end of the last record or lap, pauses included."""
        ends = [lap.end for lap in self.laps]
        if self.records:
            ends.append(self.records[-1].t + 1.0)
        return max(ends, default=0.0)

    @property
    def timer_duration(self) -> float:
        if not self.records:
            return 0.0
        return self.records[-1].timer + 1.0

    @property
    def distance(self) -> float | None:
        values = [r.distance for r in self.records if r.distance is not None]
        return max(values) if values else None

    def lap_records(self, lap: Lap) -> list[Record]:
        """The records of one lap (for all of them, :meth:`records_by_lap` is one pass)."""
        return [r for r in self.records if lap.contains(r.t)]

    def lap_events(self, lap: Lap) -> list[ActivityEvent]:
        return [e for e in self.events if lap.contains(e.t)]

    def lap_at(self, t: float) -> Lap | None:
        for lap in self.laps:
            if lap.contains(t):
                return lap
        return None

    def laps_at(self, times: Sequence[float]) -> list[Lap | None]:
        """:meth:`lap_at` of each of ``times``, in one pass (:func:`first_laps`)."""
        return [None if k is None else self.laps[k] for k in first_laps(times, self.laps)]

    def records_by_lap(self) -> list[list[Record]]:
        """Each lap's records, in file order, in one pass: a record belongs to the first lap
        that contains it (laps that overlap, in a foreign file, share none), so the lists
        together hold each record once."""
        return by_lap([r.t for r in self.records], self.records, self.laps)

    def events_by_lap(self) -> list[list[ActivityEvent]]:
        """Each lap's events, as :meth:`records_by_lap` matches records."""
        return by_lap([e.t for e in self.events], self.events, self.laps)

    def alert_metric(self, event: ActivityEvent) -> Metric | None:
        """The metric an alert is about: its own ``metric`` field, else its lap's target."""
        return self.alert_metrics([event])[0]

    def alert_metrics(self, events: Sequence[ActivityEvent]) -> list[Metric | None]:
        """:meth:`alert_metric` of each of ``events``, laps matched in one pass."""
        by_step: dict[int, Lap] = {}
        for x in self.laps:
            by_step.setdefault(x.step, x)
        out: list[Metric | None] = []
        for event, here in zip(events, self.laps_at([e.t for e in events]), strict=True):
            named = event.data.get("metric")
            if isinstance(named, str) and named in Metric.__members__.values():
                out.append(Metric(named))
                continue
            lap = here
            if here is None and event.step is not None:
                lap = by_step.get(event.step)
            out.append(None if lap is None or lap.target is None else lap.target.metric)
        return out


T = TypeVar("T")


def first_laps(times: Sequence[float], laps: Sequence[Lap]) -> list[int | None]:
    """For each of ``times``, the index of the first of ``laps`` (in their order) that
    contains it, else None. One sweep over both sorted by time, with a heap of the laps
    begun (smallest index on top, ended ones dropped as they surface): O((n + laps) log),
    where asking every lap for every record took an hour for a million laps."""
    out: list[int | None] = [None] * len(times)
    order = sorted((k for k, t in enumerate(times) if t == t), key=times.__getitem__)
    starts = sorted(range(len(laps)), key=lambda k: laps[k].start)
    begun: list[int] = []
    j = 0
    for k in order:
        t = times[k]
        while j < len(starts) and laps[starts[j]].start <= t:
            heapq.heappush(begun, starts[j])
            j += 1
        while begun and laps[begun[0]].end <= t:
            heapq.heappop(begun)
        if begun:
            out[k] = begun[0]
    return out


def by_lap(times: Sequence[float], items: Sequence[T], laps: Sequence[Lap]) -> list[list[T]]:
    """``items`` (at ``times``) grouped by the first of ``laps`` containing each (one pass,
    :func:`first_laps`); items in no lap are left out."""
    out: list[list[T]] = [[] for _ in laps]
    for item, k in zip(items, first_laps(times, laps), strict=True):
        if k is not None:
            out[k].append(item)
    return out


# --- what an event's data must hold ------------------------------------------------------


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:36]}...{text[-1]}"


def _one_of(e: ActivityEvent, key: str, kind: type[StrEnum], *, required: bool = False) -> None:
    if key not in e.data and not required:
        return
    value = e.data.get(key)
    if not isinstance(value, str) or value not in kind._value2member_map_:
        allowed = ", ".join(m.value for m in kind)
        raise ValueError(f"the {e.type} event's {key} {_shown(value)} is not one of {allowed}")


def checked_event(e: ActivityEvent) -> ActivityEvent:
    """``e``, when the fields of its ``data`` that the model reads (a step's intensity,
    trigger and target, a cut-off's ``since``, a sensor's role, the sport and units) are
    what they must be; else ValueError naming the field, which a reader locates (file and
    line), so that a bad value is refused as the file is read, not met later by the laps,
    pauses or replay as a traceback."""
    if not isinstance(e.data, Mapping):
        raise ValueError(f"the {e.type} event's data must be an object, not {_shown(e.data)}")
    if e.type == EventKind.STEP:
        _one_of(e, "intensity", Intensity)
        _one_of(e, "trigger", LapTrigger)
        try:
            target_from_json(e.data.get("target"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            target = _shown(e.data.get("target"))
            raise ValueError(f"the step event's target {target}: {exc!r}") from None
    elif e.type == EventKind.START:
        _one_of(e, "sport", Sport)
        _one_of(e, "units", Units)
    elif e.type == EventKind.SENSOR and "connected" in e.data:
        _one_of(e, "role", SensorRole, required=True)
    elif e.type == EventKind.INTERRUPTED and "since" in e.data:
        since = e.data["since"]
        if isinstance(since, bool) or not isinstance(since, int | float) or since != since:
            raise ValueError(f"the interrupted event's since {_shown(since)} is not a number")
    elif e.type == EventKind.BATTERY and e.data.get("percent") is not None:
        percent = e.data["percent"]
        if isinstance(percent, bool) or not isinstance(percent, int | float) or percent != percent:
            raise ValueError(f"the battery event's percent {_shown(percent)} is not a number")
    return e


# --- pauses and timer time -------------------------------------------------------------


def pause_intervals(events: Iterable[ActivityEvent]) -> list[tuple[float, float]]:
    """Intervals of ``t`` when the timer stood still: paused..resumed, and each cut-off."""
    out: list[tuple[float, float]] = []
    paused_at: float | None = None
    for e in sorted(events, key=lambda e: e.t):
        if e.type == EventType.PAUSED and paused_at is None:
            paused_at = e.t
        elif e.type == EventType.RESUMED and paused_at is not None:
            out.append((paused_at, e.t))
            paused_at = None
        elif e.type == EventKind.INTERRUPTED:
            since = float(e.data.get("since", e.t))
            start = since if paused_at is None else min(paused_at, since)
            out.append((start, e.t))
            paused_at = None
    if paused_at is not None:
        out.append((paused_at, float("inf")))
    return out


def merged_pauses(pauses: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The pauses as sorted, disjoint ``[a, b)`` intervals (a file may overlap them, or
    give one that ends before it begins: time stands still once, not twice)."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(p for p in pauses if p[1] > p[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True, slots=True)
class PauseClock:
    """``t`` to timer seconds (``t`` minus the paused time before it), the one mapping the
    recorder, the store's payload and the FIT writer and reader share. Built once from the
    pauses (:meth:`of`: a sort), each :meth:`timer` is a binary search in the cumulative
    paused time, so timing n records costs O((n + pauses) log pauses), not n x pauses."""

    #: each merged pause's start and end, and the paused seconds before it began
    starts: tuple[float, ...] = ()
    ends: tuple[float, ...] = ()
    before: tuple[float, ...] = ()

    @classmethod
    def of(cls, pauses: Iterable[tuple[float, float]]) -> PauseClock:
        merged = merged_pauses(pauses)
        before = itertools.accumulate((b - a for a, b in merged[:-1]), initial=0.0)
        return cls(tuple(a for a, _b in merged), tuple(b for _a, b in merged), tuple(before))

    @classmethod
    def of_events(cls, events: Iterable[ActivityEvent]) -> PauseClock:
        return cls.of(pause_intervals(events))

    def timer(self, t: float) -> float:
        """Workout seconds at ``t``."""
        k = bisect_left(self.starts, t) - 1  # the last pause begun before t
        if k < 0:
            return t
        return t - self.before[k] - (min(self.ends[k], t) - self.starts[k])


def record_seconds(records: Sequence[Record], max_gap: float = MAX_RECORD_GAP_S) -> list[float]:
    """How many timer seconds each record stands for: up to the next record, at most
    ``max_gap``; the last one stands for one second. Smart recording's sparse records (every
    few seconds) thus weigh what they cover; pauses weigh nothing.
    """
    out = []
    for a, b in itertools.pairwise(records):
        out.append(max(0.0, min(b.timer - a.timer, max_gap)))
    if records:
        out.append(1.0)
    return out


# --- building an activity from its parts -------------------------------------------------


def target_from_json(data: Mapping[str, Any] | None) -> ResolvedTarget | None:
    if not data:
        return None
    end_low, end_high = data.get("end_low"), data.get("end_high")
    return ResolvedTarget(
        Metric(data["metric"]),
        float(data["low"]),
        float(data["high"]),
        str(data.get("label", "")),
        None if end_low is None else float(end_low),
        None if end_high is None else float(end_high),
    )


def target_to_json(target: ResolvedTarget | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "metric": target.metric.value,
        "low": target.low,
        "high": target.high,
        "label": target.label,
        # a ramp's band at the end of its step (absent for a fixed target)
        **({"end_low": target.end_low, "end_high": target.end_high} if target.is_ramp else {}),
    }


def laps_from_events(events: Sequence[ActivityEvent], end: float) -> tuple[Lap, ...]:
    """One lap per :attr:`EventKind.STEP` event (a resumed step continues its lap), each
    lasting until the next one, the last until ``end``."""
    starts: list[ActivityEvent] = []
    for e in sorted(events, key=lambda e: e.t):
        if e.type != EventKind.STEP or e.step is None:
            continue
        if starts and starts[-1].step == e.step:
            continue  # the same step again (resumed after a cut-off)
        starts.append(e)
    laps = []
    for i, e in enumerate(starts):
        stop = starts[i + 1].t if i + 1 < len(starts) else max(end, e.t)
        assert e.step is not None
        laps.append(
            Lap(
                step=e.step,
                name=str(e.data.get("name", f"Step {e.step + 1}")),
                intensity=Intensity(e.data.get("intensity", Intensity.ACTIVE.value)),
                start=e.t,
                end=stop,
                target=target_from_json(e.data.get("target")),
                trigger=LapTrigger(e.data.get("trigger", LapTrigger.MANUAL.value)),
            )
        )
    return tuple(laps)


def with_targets(records: Iterable[Record], laps: Sequence[Lap]) -> list[Record]:
    """Fill each record's target range from its lap (where it has none of its own)."""
    from dataclasses import replace

    records = list(records)
    out = []
    for r, k in zip(records, first_laps([r.t for r in records], laps), strict=True):
        if r.target_low is None and r.target_high is None:
            lap = None if k is None else laps[k]
            if lap is not None and lap.target is not None:
                r = replace(r, target_low=lap.target.low, target_high=lap.target.high)
        out.append(r)
    return out


def metric_value(record: Record, metric: Metric) -> float | None:
    match metric:
        case Metric.HR:
            return None if record.hr is None else float(record.hr)
        case Metric.SPEED:
            return record.speed
        case Metric.CADENCE:
            return record.cadence
        case Metric.POWER:
            return None if record.power is None else float(record.power)
    raise AssertionError(metric)  # pragma: no cover


__all__ = [
    "ALERT_TYPES",
    "MAX_RECORD_GAP_S",
    "Activity",
    "ActivityEvent",
    "EventKind",
    "Lap",
    "LapTrigger",
    "PauseClock",
    "Record",
    "by_lap",
    "checked_event",
    "first_laps",
    "laps_from_events",
    "merged_pauses",
    "metric_value",
    "pause_intervals",
    "record_seconds",
    "status_of",
    "target_from_json",
    "target_to_json",
    "with_targets",
]
