"""The whole activity as one JSON document, and back (pure).

``{"format": "pacer-activity", "version": 1, ...}`` with the metadata, ``laps`` (with their
targets), ``records`` (one per second; null fields left out) and ``events``. It holds
everything the model holds, so ``pacer report`` and ``pacer replay`` read it back unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from pacer.core.errors import PacerError
from pacer.engine.snapshot import TargetStatus
from pacer.formats.activities.numbers import number, whole
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    Lap,
    LapTrigger,
    Record,
    checked_event,
    target_from_json,
    target_to_json,
)
from pacer.recording.payload import sample_json
from pacer.workout.model import Intensity, Sport
from pacer.workout.profile import Units

FORMAT = "pacer-activity"
VERSION = 1


class ActivityJsonError(PacerError):
    """A JSON document that is not a pacer activity; names the file and the field."""


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != ()}


def activity_to_json(activity: Activity) -> dict[str, Any]:
    from pacer.formats.activities.tcx import iso

    return {
        "format": FORMAT,
        "version": VERSION,
        "id": activity.id,
        "start": iso(activity.start),
        "start_unix": activity.start,
        "sport": activity.sport.value,
        "workout": activity.workout,
        "units": activity.units.value,
        "profile": activity.profile,
        "ended": activity.ended,
        "device": activity.device,
        "laps": [
            {
                "step": lap.step,
                "name": lap.name,
                "intensity": lap.intensity.value,
                "start": lap.start,
                "end": lap.end,
                "target": target_to_json(lap.target),
                "trigger": lap.trigger.value,
            }
            for lap in activity.laps
        ],
        "records": [
            _drop_none(
                {
                    **sample_json(r),  # the recording's sample object, plus what it leaves out
                    "timer": r.timer,
                    "target_low": r.target_low,
                    "target_high": r.target_high,
                    "status": None if r.status is TargetStatus.NONE else r.status.value,
                    "battery": r.battery,
                }
            )
            for r in activity.records
        ],
        "events": [
            _drop_none(
                {"t": e.t, "type": str(e.type), "step": e.step, "data": dict(e.data) or None}
            )
            for e in activity.events
        ],
    }


def encode_json(activity: Activity) -> bytes:
    return json.dumps(activity_to_json(activity), indent=1, allow_nan=False).encode() + b"\n"


def activity_from_json(doc: Any, name: str = "<json>") -> Activity:
    """Raises :class:`ActivityJsonError` naming the first field that is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ActivityJsonError(f"{name}: not a pacer activity (format {FORMAT!r} expected)")
    if doc.get("version") != VERSION:
        raise ActivityJsonError(f"{name}: version {doc.get('version')!r} is not {VERSION}")
    where = "header"
    try:
        laps = []
        for i, x in enumerate(doc.get("laps", [])):
            where = f"laps[{i}]"
            laps.append(
                Lap(
                    step=whole(x["step"]),
                    name=str(x["name"]),
                    intensity=Intensity(x["intensity"]),
                    start=number(x["start"]),
                    end=number(x["end"]),
                    target=target_from_json(x.get("target")),
                    trigger=LapTrigger(x.get("trigger", "manual")),
                )
            )
        records = []
        for i, x in enumerate(doc.get("records", [])):
            where = f"records[{i}]"
            records.append(
                Record(
                    t=number(x["t"]),
                    timer=number(x.get("timer", x["t"])),
                    hr=None if x.get("hr") is None else whole(x["hr"]),
                    rr=tuple(number(v) for v in x.get("rr", ())),
                    speed=_opt_number(x.get("speed")),
                    cadence=_opt_number(x.get("cadence")),
                    distance=_opt_number(x.get("distance")),
                    power=None if x.get("power") is None else whole(x["power"]),
                    step=None if x.get("step") is None else whole(x["step"]),
                    target_low=_opt_number(x.get("target_low")),
                    target_high=_opt_number(x.get("target_high")),
                    status=TargetStatus(x.get("status", "none")),
                    battery=None if x.get("battery") is None else whole(x["battery"]),
                )
            )
        events = []
        for i, x in enumerate(doc.get("events", [])):
            where = f"events[{i}]"
            data = x.get("data", {})
            if not isinstance(data, dict):
                raise ValueError(f"data must be an object, not {type(data).__name__}")
            events.append(
                checked_event(
                    ActivityEvent(
                        t=number(x["t"]),
                        type=str(x["type"]),
                        step=None if x.get("step") is None else whole(x["step"]),
                        data=dict(data),
                    )
                )
            )
        where = "header"
        return Activity(
            id=str(doc["id"]),
            start=number(doc["start_unix"]),
            sport=Sport(doc.get("sport", "run")),
            workout=doc.get("workout"),
            units=Units(doc.get("units", "metric")),
            profile=doc.get("profile"),
            laps=tuple(laps),
            records=tuple(records),
            events=tuple(events),
            ended=bool(doc.get("ended", True)),
            device=str(doc.get("device", "pacer")),
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ActivityJsonError(f"{name}: {where}: {exc!r}") from exc


def _opt_number(value: Any) -> float | None:
    return None if value is None else number(value)


def read_json(data: bytes, name: str = "<json>") -> Activity:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ActivityJsonError(f"{name}: not JSON: {exc}") from None
    except RecursionError:
        raise ActivityJsonError(f"{name}: not JSON pacer reads: nested too deeply") from None
    return activity_from_json(doc, name)


__all__ = ["ActivityJsonError", "activity_from_json", "activity_to_json", "encode_json"]
