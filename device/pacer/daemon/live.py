"""One workout being run on the device: the engine, its recording and its face.

:func:`open_run` resolves a stored workout against the stored profile, checks there is room
to record it, and wires a :class:`LiveRun`: the pure :class:`~pacer.engine.engine.Engine`,
a :class:`~pacer.recording.recorder.Recorder` whose rows a writer thread commits to the
store every second, and the :class:`~pacer.screens.Face` that picks the screen. The daemon
feeds it samples, presses and ticks from its one event loop; nothing here blocks the loop
(the writer's thread is joined in a worker thread by :meth:`LiveRun.close`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock
from pacer.core.errors import PacerError
from pacer.core.samples import Sample
from pacer.engine.engine import Engine
from pacer.engine.events import EngineEvent
from pacer.engine.snapshot import RunState, Snapshot

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.daemon.menu import ResumeOffer
    from pacer.engine.policy import AlertPolicy
    from pacer.recording.recorder import Recorder, ThreadedWriter
    from pacer.screens import Face
    from pacer.storage.store import Store
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import ResolvedWorkout

log = logging.getLogger(__name__)


class LiveRun:
    """A workout from its first second to its summary screen."""

    def __init__(
        self,
        name: str,
        workout: ResolvedWorkout,
        engine: Engine,
        recorder: Recorder,
        writer: ThreadedWriter,
        face: Face,
    ) -> None:
        self.name = name
        self.workout = workout
        self.engine = engine
        self.recorder = recorder
        self.writer = writer
        self.face = face
        self._pending: list[EngineEvent] = []
        self._closing: asyncio.Future[None] | None = None
        self._reported = False
        self.last: Snapshot | None = None

    @property
    def done(self) -> bool:
        """The engine finished (completed or stopped): the summary is showing."""
        return self.engine.done

    @property
    def closed(self) -> bool:
        """:meth:`close` was called (the recording is saved or being saved)."""
        return self._closing is not None

    @property
    def activity_id(self) -> int | None:
        """The recording's id in the store, once the writer thread created it."""
        return self.writer.activity_id

    def start(self, now: float) -> list[EngineEvent]:
        self.recorder.start(now)
        return self._note(self.engine.on_action(ButtonAction.START_PAUSE, now), now)

    def resume(self, offer: ResumeOffer, now: float) -> list[EngineEvent]:
        """Continue the interrupted recording ``offer`` in its step."""
        p = offer.point
        self.recorder.resume(offer.activity, p, offer.started, now)
        events = self.engine.restore(
            p.step,
            p.step_elapsed,
            p.timer,
            now,
            distance_m=p.distance,
            step_distance_m=p.step_distance,
        )
        return self._note(events, now)

    def feed_sample(self, sample: Sample) -> list[EngineEvent]:
        self.recorder.on_sample(sample)
        return self._note(self.engine.on_sample(sample))

    def feed_action(self, action: ButtonAction, now: float) -> list[EngineEvent]:
        self.recorder.on_action(action)
        return self._note(self.engine.on_action(action, now))

    def tick(self, now: float, battery: int | None) -> tuple[Snapshot, list[EngineEvent]]:
        """One second, due at ``now`` on the clock (recorded at that time): the snapshot
        after the engine's tick, and every event since the last tick (samples' and presses'
        included) for the screen."""
        self._note(self.engine.tick(now), now)
        snap = self.view(battery)
        self.recorder.on_snapshot(snap, now)
        self.last = snap
        events, self._pending = self._pending, []
        return snap, events

    def view(self, battery: int | None) -> Snapshot:
        """The engine's snapshot with the device's battery level."""
        snap = self.engine.snapshot()
        if battery is not None:
            snap = dataclasses.replace(snap, battery_percent=battery)
        return snap

    def frame(self, snap: Snapshot, events: Sequence[EngineEvent]) -> Image:
        return self.face.update(snap, events)

    def _note(self, events: list[EngineEvent], now: float | None = None) -> list[EngineEvent]:
        if events:
            self.recorder.on_events(events, now)
            self._pending.extend(events)
        return events

    async def close(self, *, ended: bool = True) -> None:
        """End the recording (``ended``: the athlete stopped, or the daemon is going down
        and saves it) and wait for every row to be committed."""
        if self._closing is None:  # a second caller waits for the same save
            self.recorder.stop(ended=ended)
            self._closing = asyncio.ensure_future(asyncio.to_thread(self.writer.close))
        await asyncio.shield(self._closing)
        if self.writer.error is not None and not self._reported:
            self._reported = True
            log.error("recording %s not fully saved: %s", self.activity_id, self.writer.error)

    @property
    def saved(self) -> bool:
        """Every row of the closed recording is committed."""
        return self._closing is not None and self._closing.done()

    @property
    def state(self) -> RunState:
        return self.engine.state

    @property
    def storage_full(self) -> bool:
        """The disk filled up: the recording holds the seconds up to :meth:`saved_text`."""
        return self.writer.full

    def saved_text(self) -> str:
        """What was saved, truthfully: ``saved`` or ``saved up to 0:41:07; storage full``."""
        if not self.writer.full:
            return "saved"
        t = int(self.writer.saved_t or 0)
        return f"saved up to {t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}; storage full"


def stored_profile(store: Store) -> Profile:
    """The athlete profile sent to the device, else the built-in defaults."""
    from pacer.core.errors import InputErrors
    from pacer.workout.profile import Profile, load_profile

    stored = store.get_profile()
    if stored is None:
        return Profile()
    try:
        return load_profile(stored.source, source="profile")
    except InputErrors as exc:  # stored by an older release that accepted it
        log.error("stored profile no longer valid, using defaults: %s", exc)
        return Profile()


def resolve_stored(name: str, source: str, profile: Profile) -> ResolvedWorkout:
    """A stored workout's text resolved against ``profile`` (InputErrors if it no longer
    resolves: the profile changed since it was sent)."""
    from pacer.workout.fileformat import load_workout
    from pacer.workout.resolve import require_profile_values, resolve

    workout = load_workout(source, name, profile=profile)
    require_profile_values(workout, profile, name)  # "needs ftp in the athlete profile"
    return resolve(workout, profile)


def open_run(
    name: str,
    source: str,
    *,
    store: Store,
    clock: Clock,
    policy: AlertPolicy,
    limit_bytes: int,
    resuming: bool = False,
) -> LiveRun:
    """A :class:`LiveRun` of the stored workout ``name`` (not started yet).

    Raises InputErrors when the workout no longer resolves and RecordingRefused when the
    store has no room for a new recording (checked before anything is created).
    """
    from pacer.recording.recorder import Recorder, RecordingInfo, ThreadedWriter
    from pacer.recording.storage import StoreSink, ensure_room
    from pacer.screens import Face
    from pacer.workout.model import Sport

    profile = stored_profile(store)
    workout = resolve_stored(name, source, profile)
    engine = Engine(workout, policy, clock)
    if not resuming:
        ensure_room(store, limit_bytes)
    writer = ThreadedWriter(partial(StoreSink, store.path))
    info = RecordingInfo(workout.sport, profile.units, name, profile.name)
    recorder = Recorder(writer, clock, info)
    face = Face(profile.units, workout_name=name, bike=workout.sport is Sport.BIKE)
    return LiveRun(name, workout, engine, recorder, writer, face)


def first_line(exc: BaseException) -> str:
    """An error's first line, for a notice on the screen."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def find_resume_offer(store: Store) -> ResumeOffer | None:
    """At start-up: the run a crash or power cut interrupted, if its workout is still on the
    device (recordings still 'recording' are marked interrupted on the way)."""
    from pacer.recording.storage import find_interrupted

    try:
        found = find_interrupted(store)
    except (PacerError, ValueError) as exc:
        log.error("an interrupted recording cannot be read: %s", exc)
        return None
    workout = None if found is None else found.point.workout
    if workout is None or store.get_workout(workout) is None:
        return None
    return found


__all__ = [
    "LiveRun",
    "find_resume_offer",
    "first_line",
    "open_run",
    "resolve_stored",
    "stored_profile",
]
