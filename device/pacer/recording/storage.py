"""The recorder's edge to the SQLite store: the writer thread's sink, loading a stored
activity into the model, and the storage bound."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pacer.errors import StoreError
from pacer.recording.model import Activity, ActivityEvent, Record
from pacer.recording.recorder import RecordingRefused
from pacer.store import ActivityStatus, EventRow, SampleRow, Store

#: Default bound on what the store may use before a new recording is refused (bytes in use).
#: A recorded hour is about 320 kB on disk (benchmarks/bench_recording.py): 256 MiB hold
#: some 800 hours.
DEFAULT_LIMIT_BYTES = 256 * 1024 * 1024


class StoreSink:
    """A :class:`~pacer.recording.recorder.Sink` on its own connection to the store at
    ``path``: create it in the writer thread."""

    def __init__(self, path: Path) -> None:
        try:
            self.store = Store(path)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {exc}") from exc

    def create_activity(self, started: float, workout: str | None) -> int:
        return self.store.create_activity(started, workout)

    def reopen_activity(self, activity: int) -> None:
        self.store.reopen_activity(activity)

    def add_records(self, activity: int, rows: list[Record]) -> None:
        self.store.add_samples(
            activity,
            [
                SampleRow(
                    t=r.t,
                    hr=r.hr,
                    rr=r.rr,
                    speed=r.speed,
                    cadence=r.cadence,
                    distance=r.distance,
                    power=r.power,
                    step=r.step,
                    status=r.status.value,
                )
                for r in rows
            ],
        )

    def add_events(self, activity: int, rows: list[ActivityEvent]) -> None:
        self.store.add_events(
            activity,
            [EventRow(t=e.t, type=str(e.type), step=e.step, data=dict(e.data)) for e in rows],
        )

    def end_activity(self, activity: int, *, ended: bool) -> None:
        status = ActivityStatus.ENDED if ended else ActivityStatus.INTERRUPTED
        self.store.end_activity(activity, status)

    def close(self) -> None:
        self.store.close()


def load_stored(store: Store, activity: int) -> Activity:
    """A stored activity in the model (StoreError when there is none)."""
    from pacer.recording.payload import read_payload

    return read_payload(store.activity_payload(activity), f"activity {activity}")


def ensure_room(store: Store, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> list[int]:
    """Make room for a new recording or refuse to start one.

    Past ``limit_bytes`` in use, delete activities the host has downloaded (oldest first)
    until under it; returns their ids. Raises :class:`RecordingRefused` when only runs that
    were never downloaded remain: those are deleted by the user, never by pacer.
    """
    deleted: list[int] = []
    if store.used_bytes() < limit_bytes:
        return deleted
    for info in store.list_activities():
        if not info.downloaded or info.status is ActivityStatus.RECORDING:
            continue
        store.delete_activity(info.id)
        deleted.append(info.id)
        if store.used_bytes() < limit_bytes:
            return deleted
    waiting = [a for a in store.list_activities() if not a.downloaded]
    raise RecordingRefused(
        f"storage full: {store.used_bytes() / 1e6:.1f} MB in use of {limit_bytes / 1e6:.1f} MB; "
        f"{len(waiting)} run(s) not downloaded yet. Download them with 'pacer device "
        "download' (or delete some) to record again"
    )


__all__ = ["DEFAULT_LIMIT_BYTES", "StoreSink", "ensure_room", "load_stored"]
