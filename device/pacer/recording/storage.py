"""The recorder's edge to the SQLite store: the writer thread's sink, loading a stored
activity into the model, and the storage bound."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pacer.core.errors import StoreError
from pacer.recording.model import Activity, ActivityEvent, Record
from pacer.recording.recorder import RecordingRefused, ResumePoint, resume_point
from pacer.storage.store import (
    RESERVE_BYTES,
    STORAGE_FULL,
    ActivityStatus,
    EventRow,
    Store,
    StoreFull,
)

#: Default bound on what the store may use before a new recording is refused (bytes in use).
#: A recorded hour is about 320 kB on disk (benchmarks/bench_recording.py): 256 MiB hold
#: some 800 hours.
DEFAULT_LIMIT_BYTES = 256 * 1024 * 1024
#: Free space on the disk a new recording needs: the sink's reserve and as much again.
MIN_FREE_BYTES = 2 * RESERVE_BYTES


class StoreSink:
    """A :class:`~pacer.recording.recorder.Sink` on its own connection to the store at
    ``path``: create it in the writer thread.

    It keeps the store's reserve while it records (:meth:`Store.keep_reserve`). When the
    disk fills up it gives the reserve back and re-raises :class:`StoreFull` (the writer
    tries the rows once more and then stops writing); :meth:`end_activity` then marks the
    recording ``incomplete``: ``storage_full``, in the room the reserve left."""

    def __init__(self, path: Path) -> None:
        try:
            self.store = Store(path)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {exc}") from exc
        self.store.keep_reserve()
        self.full = False

    def _filled_up(self) -> None:
        self.full = True
        self.store.release_reserve()

    def create_activity(self, started: float, workout: str | None) -> int:
        return self.store.create_activity(started, workout)

    def reopen_activity(self, activity: int) -> None:
        self.store.reopen_activity(activity)

    def add_records(self, activity: int, rows: list[Record]) -> None:
        from pacer.recording.payload import sample_json

        try:
            self.store.add_samples(activity, [sample_json(r) for r in rows])
        except StoreFull:
            self._filled_up()
            raise

    def add_events(self, activity: int, rows: list[ActivityEvent]) -> None:
        try:
            self.store.add_events(
                activity,
                [EventRow(t=e.t, type=str(e.type), step=e.step, data=dict(e.data)) for e in rows],
            )
        except StoreFull:
            self._filled_up()
            raise

    def end_activity(self, activity: int, *, ended: bool) -> None:
        status = ActivityStatus.ENDED if ended else ActivityStatus.INTERRUPTED
        incomplete = STORAGE_FULL if self.full else None
        self.store.end_activity(activity, status, incomplete=incomplete)

    def close(self) -> None:
        if not self.full:
            self.store.release_reserve()
        self.store.close()


def load_stored(store: Store, activity: int) -> Activity:
    """A stored activity in the model (StoreError when there is none)."""
    from pacer.recording.payload import read_payload

    return read_payload(store.activity_payload(activity), f"activity {activity}")


@dataclass(frozen=True, slots=True)
class InterruptedRun:
    """A recording cut off by a crash or power cut, found at start-up."""

    activity: int
    started: float
    point: ResumePoint


def find_interrupted(store: Store) -> InterruptedRun | None:
    """At start-up: mark every activity still 'recording' as interrupted and return the
    latest one that can be resumed (the daemon offers it: resume, or save as ended)."""
    store.recover_interrupted()
    for info in reversed(store.list_activities()):
        if info.status is not ActivityStatus.INTERRUPTED:
            continue
        point = resume_point(load_stored(store, info.id))
        if point is not None:
            return InterruptedRun(info.id, info.started, point)
    return None


def save_as_ended(store: Store, activity: int) -> None:
    """The athlete chose not to resume: the run is kept as it is, ended."""
    store.end_activity(activity, ActivityStatus.ENDED)


def ensure_room(store: Store, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> list[int]:
    """Make room for a new recording or refuse to start one.

    Past ``limit_bytes`` in use, delete activities the host has downloaded (oldest first)
    until under it; returns their ids. Raises :class:`RecordingRefused` when only runs that
    were never downloaded remain: those are deleted by the user, never by pacer.
    """
    free = shutil.disk_usage(store.path.parent).free
    if free < MIN_FREE_BYTES:
        raise RecordingRefused(
            f"storage full: the disk holding {store.path.parent} has {free / 1e3:.0f} kB free "
            f"(a recording needs {MIN_FREE_BYTES / 1e3:.0f} kB). Download and delete runs, or "
            "free the disk, to record again"
        )
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


__all__ = [
    "DEFAULT_LIMIT_BYTES",
    "InterruptedRun",
    "StoreSink",
    "ensure_room",
    "find_interrupted",
    "load_stored",
    "save_as_ended",
]
