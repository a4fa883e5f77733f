"""The activity format: JSON lines, written and read here and nowhere else.

Line 1 is the header (``format`` ``pacer-activity-jsonl``, ``version``, ``id``, ``started``,
``workout``, ``status``, and ``incomplete`` when the recording holds less than was run);
then ``{"sample": {...}}`` lines (one recorded second: :data:`SAMPLE_FIELDS`) and
``{"event": {...}}`` lines (:data:`EVENT_FIELDS`), in time order, samples first at equal
times. Fields that are null are left out. The store writes it (``activity.get``,
``pacer device download``); :mod:`pacer.recording.payload` reads it into the recording
model. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

from pacer.core.errors import PacerError

ACTIVITY_FORMAT: Final = "pacer-activity-jsonl"
ACTIVITY_FORMAT_VERSION: Final = 1
#: A sample object's fields, in the order written (the samples table's columns).
SAMPLE_FIELDS: Final = ("t", "hr", "rr", "speed", "cadence", "distance", "power", "step", "status")
#: An event object's fields, in the order written.
EVENT_FIELDS: Final = ("t", "type", "step", "data")


class PayloadError(PacerError):
    """A recording file that does not parse; names the file and line."""


def header(
    activity: int, started: float, workout: str | None, status: str, incomplete: str | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": ACTIVITY_FORMAT,
        "version": ACTIVITY_FORMAT_VERSION,
        "id": activity,
        "started": started,
        "workout": workout,
        "status": status,
    }
    if incomplete:
        out["incomplete"] = incomplete
    return out


def line(obj: Mapping[str, Any]) -> bytes:
    """One line: compact, UTF-8, null fields of a sample or event left out."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def sample_line(sample: Mapping[str, Any]) -> bytes:
    return line({"sample": _drop_none({k: sample.get(k) for k in SAMPLE_FIELDS})})


def event_line(event: Mapping[str, Any]) -> bytes:
    return line({"event": _drop_none({k: event.get(k) for k in EVENT_FIELDS})})


def finite(value: Any) -> bool:
    """No NaN or infinity anywhere in ``value`` (JSON has no words for them)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite(v) for v in value)
    return True


#: an object of a recording with the line it was on
Numbered = tuple[int, dict[str, Any]]


def parse(
    data: bytes, name: str = "<recording>"
) -> tuple[dict[str, Any], list[Numbered], list[Numbered]]:
    """The header, sample objects and event objects of a recording, each with its line;
    :class:`PayloadError` naming ``name:line`` for a line that does not parse."""
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise PayloadError(f"{name}: not UTF-8 text ({exc.reason})") from None
    if not lines:
        raise PayloadError(f"{name}: empty file")
    head: dict[str, Any] = {}
    samples: list[Numbered] = []
    events: list[Numbered] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
            if number == 1:
                if not isinstance(obj, dict) or obj.get("format") != ACTIVITY_FORMAT:
                    raise ValueError(f"not a pacer recording (format {ACTIVITY_FORMAT!r})")
                if obj.get("version") != ACTIVITY_FORMAT_VERSION:
                    raise ValueError(
                        f"version {obj.get('version')!r} is not {ACTIVITY_FORMAT_VERSION}"
                    )
                head = obj
            elif isinstance(obj, dict) and isinstance(obj.get("sample"), dict):
                samples.append((number, obj["sample"]))
            elif isinstance(obj, dict) and isinstance(obj.get("event"), dict):
                events.append((number, obj["event"]))
            else:
                raise ValueError("neither a sample nor an event")
        except ValueError as exc:
            raise PayloadError(f"{name}:{number}: {exc}") from exc
    return head, samples, events


def write(head: Mapping[str, Any], items: Iterable[bytes]) -> bytes:
    return b"".join([line(head), *items])


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


__all__ = [
    "ACTIVITY_FORMAT",
    "ACTIVITY_FORMAT_VERSION",
    "EVENT_FIELDS",
    "SAMPLE_FIELDS",
    "Numbered",
    "PayloadError",
    "event_line",
    "finite",
    "header",
    "parse",
    "sample_line",
    "write",
]
