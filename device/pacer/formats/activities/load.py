"""Open an activity from a file of any kind pacer reads, recognised by its content:
a FIT file (any watch), a pacer recording (``pacer device download``), pacer's JSON
export, or a CSV."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pacer.core.errors import PacerError
from pacer.core.files import read_limited
from pacer.formats.activities.numbers import MAX_ACTIVITY_BYTES
from pacer.recording.model import Activity


class ActivityNotFound(PacerError):
    """No such file, and no such activity in the store."""


def sniff(data: bytes) -> str:
    """``fit``, ``recording``, ``json`` or ``csv``."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data.lstrip()[:1]
    if head == b"{":
        first = data.split(b"\n", 1)[0]
        try:
            obj = json.loads(first)
        except (ValueError, RecursionError):
            return "json"  # a multi-line JSON document (or too deep: read_json says so)
        if isinstance(obj, dict) and obj.get("format") == "pacer-activity-jsonl":
            return "recording"
        return "json"
    return "csv"


def read_activity(data: bytes, name: str) -> Activity:
    kind = sniff(data)
    if kind == "fit":
        from pacer.formats.activities.fitreader import read_fit

        return read_fit(data, name)
    if kind == "recording":
        from pacer.recording.payload import read_payload

        return read_payload(data, name)
    if kind == "json":
        from pacer.formats.activities.jsonfile import read_json

        return read_json(data, name)
    from pacer.formats.activities.csvfile import read_csv

    return read_csv(data, name)


@contextmanager
def _building() -> Iterator[None]:
    """The cyclic garbage collector held off while a reader builds the model: it makes a
    million records and laps and no reference cycle, and the collector would rescan the
    growing heap over and over (a quarter of the time of reading a million-lap CSV)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_activity_file(path: Path) -> Activity:
    try:
        data = read_limited(path, MAX_ACTIVITY_BYTES)
    except FileNotFoundError as exc:
        raise ActivityNotFound(f"{path}: no such file") from exc
    except OSError as exc:
        raise ActivityNotFound(f"{path}: {exc.strerror}") from exc
    with _building():
        return read_activity(data, str(path))


__all__ = ["ActivityNotFound", "load_activity_file", "read_activity", "sniff"]
