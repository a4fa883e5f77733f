"""The recorder: every second of a run into the store, crash-safely, never in the loop's way.

Two halves:

* :class:`Recorder` (pure, called on the event loop): turns the engine's 1 Hz snapshots,
  its events, sensor samples (RR intervals, connection changes) and button presses into
  :class:`~pacer.recording.model.Record` and :class:`~pacer.recording.model.ActivityEvent`
  rows and hands them to a writer. Its calls only append to a queue: microseconds.
* :class:`ThreadedWriter` (the edge): one writer thread owns its own SQLite connection
  (through a :class:`Sink`), takes rows off the queue and commits them in small
  transactions every ``flush_s`` (1 s). The store runs in WAL mode with
  ``synchronous=FULL``, so a committed second survives a kill -9 and a power cut: a crash
  loses at most the rows of the last flush interval plus the one being written (the kill -9
  test checks every committed second survives). :meth:`ThreadedWriter.close` drains the
  queue and joins the thread; with nothing buffered the thread sleeps until a row comes.

Resume: a recording the athlete did not stop stays ``interrupted`` in the store.
:func:`resume_point` says where it was (step, time in the step, workout time, distance);
:meth:`Recorder.resume` continues the same activity, writing an ``interrupted`` event whose
gap counts as a pause.

Bounds: :func:`pacer.recording.storage.ensure_room` runs before a recording starts: past the
limit it frees space only by deleting activities the host has downloaded, and otherwise
refuses with a clear :class:`RecordingRefused`; it never deletes a run that was not
downloaded. A disk that fills up during a run (:class:`~pacer.storage.tables.StoreFull` from
the sink) stops the writing, not the run: the writer keeps every second that fitted, sets
:attr:`ThreadedWriter.full` and :attr:`~ThreadedWriter.saved_t`, and still ends the
recording (the sink marks it ``incomplete``: ``storage_full``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock
from pacer.core.errors import StoreError
from pacer.core.samples import BatterySample, HeartRateSample, Sample, SensorStatus
from pacer.engine.events import EngineEvent
from pacer.engine.snapshot import RunState, Snapshot
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    LapTrigger,
    PauseClock,
    Record,
    target_to_json,
)
from pacer.storage.tables import StoreFull
from pacer.workout.model import Sport
from pacer.workout.profile import Units

#: Seconds between commits: the most a crash can lose, besides the row in flight.
FLUSH_S = 1.0


class RecordingRefused(StoreError):
    """No room for a new recording without deleting runs that were never downloaded."""


class Sink(Protocol):
    """Where the writer thread puts rows: the store (one transaction per call)."""

    def create_activity(self, started: float, workout: str | None) -> int: ...

    def reopen_activity(self, activity: int) -> None: ...

    def add_records(self, activity: int, rows: list[Record]) -> None: ...

    def add_events(self, activity: int, rows: list[ActivityEvent]) -> None: ...

    def end_activity(self, activity: int, *, ended: bool) -> None: ...

    def close(self) -> None: ...


class RowWriter(Protocol):
    """What the :class:`Recorder` hands its rows to (a :class:`ThreadedWriter`, or a list in
    tests)."""

    def create(self, started: float, workout: str | None) -> None: ...

    def reopen(self, activity: int) -> None: ...

    def record(self, row: Record) -> None: ...

    def event(self, row: ActivityEvent) -> None: ...

    def end(self, *, ended: bool) -> None: ...


class MemoryWriter:
    """A :class:`RowWriter` that keeps the rows in lists (simulations, tests, benchmarks)."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.workout: str | None = None
        self.records: list[Record] = []
        self.events: list[ActivityEvent] = []
        self.ended: bool | None = None

    def create(self, started: float, workout: str | None) -> None:
        self.started, self.workout = started, workout

    def reopen(self, activity: int) -> None:
        self.ended = None

    def record(self, row: Record) -> None:
        self.records.append(row)

    def event(self, row: ActivityEvent) -> None:
        self.events.append(row)

    def end(self, *, ended: bool) -> None:
        self.ended = ended

    def activity(self, activity_id: str = "memory") -> Activity:
        from pacer.recording.payload import assemble

        return assemble(
            activity_id=activity_id,
            started=self.started or 0.0,
            workout=self.workout,
            ended=bool(self.ended),
            samples=self.records,
            events=self.events,
        )


# --- the writer thread -------------------------------------------------------------------

_CLOSE = object()


class ThreadedWriter:
    """A single writer thread with a queue. ``open_sink`` runs in the thread (SQLite
    connections belong to the thread that made them). Errors do not reach the event loop:
    they stop the writing and wait in :attr:`error` for whoever shows the run's state."""

    def __init__(
        self,
        open_sink: Callable[[], Sink],
        *,
        flush_s: float = FLUSH_S,
        name: str = "pacer-recorder",
    ) -> None:
        self._open_sink = open_sink
        self.flush_s = flush_s
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._created = threading.Event()
        self.activity_id: int | None = None
        self.error: BaseException | None = None
        self.commits = 0
        #: the disk filled up: rows after :attr:`saved_t` were not kept
        self.full = False
        #: ``t`` of the last record committed (None before the first)
        self.saved_t: float | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # RowWriter: each call is one queue append
    def create(self, started: float, workout: str | None) -> None:
        self._queue.put(("create", started, workout))

    def reopen(self, activity: int) -> None:
        self._queue.put(("reopen", activity))

    def record(self, row: Record) -> None:
        self._queue.put(row)

    def event(self, row: ActivityEvent) -> None:
        self._queue.put(row)

    def end(self, *, ended: bool) -> None:
        self._queue.put(("end", ended))

    def wait_created(self, timeout: float = 5.0) -> int | None:
        """The store's id of the activity once the thread created (or reopened) it."""
        self._created.wait(timeout)
        return self.activity_id

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread and wait for it."""
        self._queue.put(_CLOSE)
        self._thread.join(timeout)

    def __enter__(self) -> ThreadedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        sink: Sink | None = None
        try:
            sink = self._open_sink()
            self._loop(sink)
        except BaseException as exc:
            self.error = exc
            self._created.set()
            self._drain_after_error()
        finally:
            if sink is not None:
                try:
                    sink.close()
                except Exception as exc:
                    self.error = self.error or exc

    def _drain_after_error(self) -> None:
        while self._queue.get() is not _CLOSE:
            pass

    def _write(
        self, sink: Sink, activity: int, records: list[Record], events: list[ActivityEvent]
    ) -> None:
        if records:
            sink.add_records(activity, records[:])
            self.saved_t = records[-1].t
            records.clear()
        if events:
            sink.add_events(activity, events[:])
            events.clear()
        self.commits += 1

    def _loop(self, sink: Sink) -> None:
        records: list[Record] = []
        events: list[ActivityEvent] = []
        next_flush = time.monotonic() + self.flush_s

        def flush() -> None:
            nonlocal next_flush
            if self.activity_id is not None and (records or events) and not self.full:
                try:
                    self._write(sink, self.activity_id, records, events)
                except StoreFull:  # the sink made a little room once: try that again
                    with contextlib.suppress(StoreFull):
                        self._write(sink, self.activity_id, records, events)
                    self.full = True
            records.clear()
            events.clear()
            next_flush = time.monotonic() + self.flush_s

        while True:
            # nothing buffered (a paused run): sleep until a row comes, not once a second
            pending = records or events
            wait = max(0.0, next_flush - time.monotonic()) if pending else None
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                flush()
                continue
            if item is _CLOSE:
                flush()
                return
            if isinstance(item, Record):
                records.append(item)
            elif isinstance(item, ActivityEvent):
                events.append(item)
            elif isinstance(item, tuple) and item[0] == "create":
                flush()
                self.activity_id = sink.create_activity(item[1], item[2])
                self._created.set()
            elif isinstance(item, tuple) and item[0] == "reopen":
                flush()
                sink.reopen_activity(item[1])
                self.activity_id = item[1]
                self._created.set()
            elif isinstance(item, tuple) and item[0] == "end":
                flush()
                if self.activity_id is not None:
                    sink.end_activity(self.activity_id, ended=bool(item[1]))
            if time.monotonic() >= next_flush:
                flush()


# --- the recorder (pure) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What is being recorded, written in the ``start`` event."""

    sport: Sport = Sport.RUN
    units: Units = Units.METRIC
    workout: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where an interrupted recording stopped, for the engine to continue from."""

    activity_id: str
    #: 0-based step and the workout seconds already spent in it
    step: int
    step_elapsed: float
    #: workout seconds (pauses excluded), the distance so far and in this step
    timer: float
    distance: float
    step_distance: float
    #: seconds since the start of the last recorded second
    last_t: float
    workout: str | None


def resume_point(activity: Activity) -> ResumePoint | None:
    """None for a recording the athlete stopped, or one without a single second."""
    if activity.ended or not activity.records:
        return None
    last = activity.records[-1]
    lap = activity.lap_at(last.t) or (activity.laps[-1] if activity.laps else None)
    step = last.step if last.step is not None else (lap.step if lap is not None else 0)
    lap_timer = PauseClock.of_events(activity.events).timer(lap.start) if lap is not None else 0.0
    distances = [r.distance for r in activity.records if r.distance is not None]
    before = [
        r.distance
        for r in activity.records
        if r.distance is not None and lap is not None and r.t < lap.start
    ]
    distance = distances[-1] if distances else 0.0
    return ResumePoint(
        activity_id=activity.id,
        step=step,
        step_elapsed=max(0.0, last.timer - lap_timer),
        timer=last.timer,
        distance=distance,
        step_distance=distance - (before[-1] if before else 0.0),
        last_t=last.t,
        workout=activity.workout,
    )


class Recorder:
    """Feed it from the event loop; it never blocks (rows go to ``writer``).

    ``t`` of every row is seconds since the start on the injected clock's monotonic time
    (the wall clock of a Pi without a real-time clock may jump when the host sets it);
    ``now`` (the daemon's tick, due on that clock) stamps a second where it was due rather
    than when the loop got to it, so records stay one second apart whatever the load.
    """

    def __init__(self, writer: RowWriter, clock: Clock, info: RecordingInfo) -> None:
        self.writer = writer
        self.clock = clock
        self.info = info
        self._mono0: float | None = None
        self._offset = 0.0
        self._rr: list[float] = []
        self._step: int | None = None
        self._battery: int | None = None
        self._last_t = -1.0
        self.recording = False

    def elapsed(self, now: float | None = None) -> float:
        if self._mono0 is None:
            return 0.0
        return self._offset + (self.clock.monotonic() if now is None else now) - self._mono0

    def start(self, now: float | None = None) -> None:
        self._mono0 = self.clock.monotonic() if now is None else now
        self._offset = 0.0
        self.writer.create(self.clock.wall(), self.info.workout)
        self.recording = True
        data = {
            "sport": self.info.sport.value,
            "units": self.info.units.value,
            "workout": self.info.workout,
            "profile": self.info.profile,
        }
        self.writer.event(ActivityEvent(0.0, EventKind.START, None, data))

    def resume(
        self, activity: int, point: ResumePoint, started: float, now: float | None = None
    ) -> None:
        """Continue activity ``activity`` (``started``: its wall start). The time since the
        last recorded second counts as a pause; at least one second passes."""
        wall_gap = self.clock.wall() - started
        self._offset = max(point.last_t + 1.0, wall_gap if wall_gap < 7 * 86400 else 0.0)
        self._mono0 = self.clock.monotonic() if now is None else now
        self._step = point.step
        self._last_t = point.last_t
        self.writer.reopen(activity)
        self.recording = True
        self.writer.event(
            ActivityEvent(
                self._offset, EventKind.INTERRUPTED, point.step, {"since": point.last_t + 1.0}
            )
        )

    def on_sample(self, sample: Sample) -> None:
        if not self.recording:
            return
        match sample:
            case HeartRateSample(rr_s=rr) if rr:
                self._rr.extend(rr)
            case SensorStatus(role=role, connected=connected):
                self.writer.event(
                    ActivityEvent(
                        self.elapsed(),
                        EventKind.SENSOR,
                        self._step,
                        {"role": role.value, "connected": connected},
                    )
                )
            case BatterySample(role=role, percent=percent):
                self.writer.event(
                    ActivityEvent(
                        self.elapsed(),
                        EventKind.SENSOR,
                        self._step,
                        {"role": role.value, "battery": percent},
                    )
                )
            case _:
                pass

    def on_action(self, action: ButtonAction) -> None:
        if self.recording:
            self.writer.event(
                ActivityEvent(
                    self.elapsed(), EventKind.BUTTON, self._step, {"action": action.value}
                )
            )

    def on_events(self, events: Iterable[EngineEvent], now: float | None = None) -> None:
        if not self.recording:
            return
        t = self.elapsed(now)
        for e in events:
            data = dict(e.data)
            data["wt"] = round(e.t, 3)  # the engine's workout time
            self.writer.event(ActivityEvent(t, e.type.value, e.step - 1, data))

    def on_event(self, event: EngineEvent) -> None:
        self.on_events((event,))

    def on_snapshot(self, snap: Snapshot, now: float | None = None) -> None:
        """Once a second, after the engine's tick: one record (none while paused). A new
        step's lap starts at exactly its first record's ``t``."""
        if not self.recording:
            return
        t = round(self.elapsed(now), 3)
        if snap.step_index != self._step and snap.state is not RunState.IDLE:
            self._step = snap.step_index
            if snap.step_remaining_s is not None:
                trigger = LapTrigger.TIME
            elif snap.step_remaining_m is not None:
                trigger = LapTrigger.DISTANCE
            else:
                trigger = LapTrigger.MANUAL
            self.writer.event(
                ActivityEvent(
                    t,
                    EventKind.STEP,
                    snap.step_index,
                    {
                        "name": snap.step_name,
                        "intensity": snap.intensity.value,
                        "target": target_to_json(snap.target),
                        "trigger": trigger.value,
                    },
                )
            )
        if snap.battery_percent is not None and snap.battery_percent != self._battery:
            self._battery = snap.battery_percent
            self.writer.event(
                ActivityEvent(t, EventKind.BATTERY, self._step, {"percent": snap.battery_percent})
            )
        if snap.state is RunState.PAUSED:
            self._rr.clear()  # beats while standing are not part of the run
        if snap.state is not RunState.RUNNING or t < self._last_t + 0.5:
            return
        self._last_t = t
        rr, self._rr = tuple(self._rr), []
        band = snap.band  # the band judged this second (a ramp's moves through its step)
        self.writer.record(
            Record(
                t=t,
                timer=round(snap.t, 3),
                hr=snap.hr,
                rr=rr,
                speed=snap.speed_mps,
                cadence=snap.cadence,
                distance=snap.distance_m,
                power=snap.power_w,
                step=snap.step_index,
                target_low=None if band is None else band[0],
                target_high=None if band is None else band[1],
                status=snap.status,
                battery=snap.battery_percent,
            )
        )

    def stop(self, *, ended: bool = True) -> None:
        """The athlete stopped (``ended``) or the daemon is going down mid-run (not ended:
        the recording stays resumable)."""
        if not self.recording:
            return
        if ended:
            self.writer.event(ActivityEvent(self.elapsed(), EventKind.STOP, self._step, {}))
        self.writer.end(ended=ended)
        self.recording = False


__all__ = [
    "FLUSH_S",
    "MemoryWriter",
    "Recorder",
    "RecordingInfo",
    "RecordingRefused",
    "ResumePoint",
    "RowWriter",
    "Sink",
    "ThreadedWriter",
    "resume_point",
]
