"""A pacer recording as the store serves it (``activity.get``, ``pacer device download``):
JSON lines, read into the activity model (pure).

Line 1 is the header (``format`` ``pacer-activity-jsonl``, ``version``, ``id``, ``started``,
``workout``, ``status``); then ``{"sample": {...}}`` lines (one recorded second: ``t``,
``hr``, ``rr``, ``speed``, ``cadence``, ``distance``, ``power``, ``step``, ``status``) and
``{"event": {...}}`` lines (``t``, ``type``, ``step``, ``data``), in time order. Samples and
events carry ``t``, seconds since ``started``. What the samples table does not hold comes
from the recorder's own events (:class:`pacer.recording.model.EventKind`): the sport and
units (``start``), each step's name, intensity and target (``step``), the device battery
(``battery``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pacer.core.errors import PacerError
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    Record,
    laps_from_events,
    pause_intervals,
    timer_of,
    with_targets,
)
from pacer.workout.model import Sport
from pacer.workout.profile import Units

PAYLOAD_FORMAT = "pacer-activity-jsonl"
PAYLOAD_VERSION = 1


class PayloadError(PacerError):
    """A recording file that does not parse; names the file and line."""


def _opt(value: Any, kind: type[int] | type[float]) -> Any:
    return None if value is None else kind(value)


def sample_record(s: Mapping[str, Any]) -> Record:
    """One sample line (or store row) as a record; ``timer`` is filled in later."""
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
    pauses = pause_intervals(events)
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
        records.append(replace(r, timer=timer_of(r.t, pauses), battery=battery))
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


def read_payload(data: bytes, name: str = "<recording>") -> Activity:
    """Raises :class:`PayloadError` with ``name:line`` for a line that does not parse."""
    lines = data.decode("utf-8").splitlines()
    if not lines:
        raise PayloadError(f"{name}: empty file")
    header: dict[str, Any] = {}
    samples: list[Record] = []
    events: list[ActivityEvent] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if number == 1:
                if not isinstance(obj, dict) or obj.get("format") != PAYLOAD_FORMAT:
                    raise ValueError(f"not a pacer recording (format {PAYLOAD_FORMAT!r})")
                if obj.get("version") != PAYLOAD_VERSION:
                    raise ValueError(f"version {obj.get('version')!r} is not {PAYLOAD_VERSION}")
                header = obj
            elif "sample" in obj:
                samples.append(sample_record(obj["sample"]))
            elif "event" in obj:
                e = obj["event"]
                events.append(
                    ActivityEvent(
                        float(e["t"]), str(e["type"]), _opt(e.get("step"), int), e.get("data") or {}
                    )
                )
            else:
                raise ValueError("neither a sample nor an event")
        except (ValueError, KeyError, TypeError) as exc:
            raise PayloadError(f"{name}:{number}: {exc}") from exc
    return assemble(
        activity_id=str(header.get("id", name)),
        started=float(header.get("started", 0.0)),
        workout=header.get("workout"),
        ended=header.get("status") == "ended",
        samples=samples,
        events=events,
    )


__all__ = ["PAYLOAD_FORMAT", "PayloadError", "assemble", "read_payload", "sample_record"]
