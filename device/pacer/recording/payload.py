"""A pacer recording in the recording model, from the activity format and back (pure).

The format itself (JSON lines: header, ``{"sample": ...}``, ``{"event": ...}``) is written
and parsed in one place, :mod:`pacer.storage.payload`; this module is the recording room's
edge to it: :func:`sample_json` and :func:`sample_record` turn the one per-second shape,
:class:`~pacer.recording.model.Record`, into a sample object and back; :func:`read_payload`
builds an :class:`Activity`. What the samples table does not hold comes from the recorder's
own events (:class:`pacer.recording.model.EventKind`): the sport and units (``start``), each
step's name, intensity and target (``step``), the device battery (``battery``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    PauseClock,
    Record,
    checked_event,
    laps_from_events,
    with_targets,
)
from pacer.storage.payload import ACTIVITY_FORMAT, PayloadError, parse
from pacer.workout.model import Sport
from pacer.workout.profile import Units

PAYLOAD_FORMAT = ACTIVITY_FORMAT
T = TypeVar("T")


def _opt(value: Any, kind: type[int] | type[float]) -> Any:
    return None if value is None else kind(value)


def sample_json(r: Record) -> dict[str, Any]:
    """A record as the format's sample object (what the store keeps): the fields a sample
    holds, ``status`` as its value; ``timer``, targets and battery come from the events."""
    return {
        "t": r.t,
        "hr": r.hr,
        "rr": list(r.rr) or None,
        "speed": r.speed,
        "cadence": r.cadence,
        "distance": r.distance,
        "power": r.power,
        "step": r.step,
        "status": r.status.value,
    }


def sample_record(s: Mapping[str, Any]) -> Record:
    """A sample object as a record; ``timer`` is filled in later (:func:`assemble`)."""
    status = s.get("status")
    return Record(
        t=float(s["t"]),
        timer=float(s["t"]),
        hr=_opt(s.get("hr"), int),
        rr=tuple(float(v) for v in (s.get("rr") or ())),
        speed=_opt(s.get("speed"), float),
        cadence=_opt(s.get("cadence"), float),
        distance=_opt(s.get("distance"), float),
        power=_opt(s.get("power"), int),
        step=_opt(s.get("step"), int),
        status=TargetStatus(status) if status else TargetStatus.NONE,
    )


def assemble(
    *,
    activity_id: str,
    started: float,
    workout: str | None,
    ended: bool,
    samples: Iterable[Record],
    events: Iterable[ActivityEvent],
) -> Activity:
    """The model from recorded samples and events: timer time from the pauses, laps from the
    step events, targets and battery onto the records."""
    from dataclasses import replace

    events = sorted(events, key=lambda e: e.t)
    samples = sorted(samples, key=lambda r: r.t)
    clock = PauseClock.of_events(events)
    end = max([samples[-1].t + 1.0] if samples else [0.0])
    stop = [e.t for e in events if e.type == EventKind.STOP]
    if stop:
        end = max(end, stop[-1])
    laps = laps_from_events(events, end)
    battery_events = [e for e in events if e.type == EventKind.BATTERY]
    records = []
    b = 0
    battery: int | None = None
    for r in samples:
        while b < len(battery_events) and battery_events[b].t <= r.t:
            value = battery_events[b].data.get("percent")
            battery = None if value is None else int(value)
            b += 1
        records.append(replace(r, timer=clock.timer(r.t), battery=battery))
    start_event = next((e for e in events if e.type == EventKind.START), None)
    meta: Mapping[str, Any] = {} if start_event is None else start_event.data
    return Activity(
        id=activity_id,
        start=started,
        sport=Sport(meta.get("sport", Sport.RUN.value)),
        workout=workout if workout is not None else meta.get("workout"),
        units=Units(meta.get("units", Units.METRIC.value)),
        profile=meta.get("profile"),
        laps=laps,
        records=tuple(with_targets(records, laps)),
        events=tuple(events),
        ended=ended,
    )


def _event(e: Mapping[str, Any]) -> ActivityEvent:
    return checked_event(
        ActivityEvent(float(e["t"]), str(e["type"]), _opt(e.get("step"), int), e.get("data") or {})
    )


def _located(
    convert: Callable[[Mapping[str, Any]], T], obj: Mapping[str, Any], name: str, number: int
) -> T:
    try:
        return convert(obj)
    except (ValueError, KeyError, TypeError) as exc:
        raise PayloadError(f"{name}:{number}: {exc}") from exc


def read_payload(data: bytes, name: str = "<recording>") -> Activity:
    """Raises :class:`PayloadError` with ``name:line`` for a line that does not parse."""
    header, sample_lines, event_lines = parse(data, name)
    samples = [_located(sample_record, obj, name, number) for number, obj in sample_lines]
    events = [_located(_event, obj, name, number) for number, obj in event_lines]
    return assemble(
        activity_id=str(header.get("id", name)),
        started=float(header.get("started", 0.0)),
        workout=header.get("workout"),
        ended=header.get("status") == "ended",
        samples=samples,
        events=events,
    )


__all__ = [
    "PAYLOAD_FORMAT",
    "PayloadError",
    "assemble",
    "read_payload",
    "sample_json",
    "sample_record",
]
