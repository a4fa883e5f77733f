"""Run a workout on a simulated athlete: the real engine, a :class:`SimClock`, 1 Hz.

Each simulated second the athlete reads the last snapshot (what the display shows), produces
sensor samples and button presses, the engine takes them and ticks, and every observer hears
the new events and then the new snapshot. ``speed=None`` runs as fast as it can; a number is
a real-time factor (``speed=60``: a simulated minute per second), paced with asyncio sleeps.

Observers are how the rest of the device joins in (the display renders snapshots, the haptics
play the events' patterns, a recorder stores both): plain callables, sync or async, added
with :meth:`SimRunner.on_event` and :meth:`SimRunner.on_snapshot`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pacer.core.actions import ButtonAction
from pacer.core.errors import PacerError
from pacer.core.samples import Sample
from pacer.engine.engine import Engine
from pacer.engine.events import EngineEvent
from pacer.engine.policy import AlertPolicy
from pacer.engine.snapshot import Snapshot
from pacer.engine.summary import WorkoutSummary
from pacer.sim.athlete import Athlete, Behaviour
from pacer.sim.clock import SimClock
from pacer.workout.model import Sport
from pacer.workout.resolve import ResolvedWorkout

EventObserver = Callable[[EngineEvent], Awaitable[None] | None]
SnapshotObserver = Callable[[Snapshot], Awaitable[None] | None]
SampleObserver = Callable[[Sample], Awaitable[None] | None]

#: let other tasks run this often when running as fast as possible
YIELD_EVERY_TICKS = 60


class SimulationError(PacerError):
    """The simulated workout did not end (an open step nobody laps, a cap-less condition)."""


@dataclass(frozen=True, slots=True)
class SimResult:
    summary: WorkoutSummary
    events: tuple[EngineEvent, ...]
    completed: bool
    #: simulated seconds, start to end
    seconds: float


class SimRunner:
    """Drives ``athlete`` and ``engine`` on ``clock`` until the workout is done."""

    def __init__(
        self,
        engine: Engine,
        athlete: Athlete,
        clock: SimClock,
        *,
        speed: float | None = None,
        tick_s: float = 1.0,
        max_seconds: float = 24 * 3600.0,
    ) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive (or None for as fast as possible)")
        self.engine = engine
        self.athlete = athlete
        self.clock = clock
        self.speed = speed
        self.tick_s = tick_s
        self.max_seconds = max_seconds
        self._event_observers: list[EventObserver] = [athlete.on_event]
        self._snapshot_observers: list[SnapshotObserver] = []
        self._sample_observers: list[SampleObserver] = []

    def on_event(self, observer: EventObserver) -> None:
        """Call ``observer`` with every engine event, in order."""
        self._event_observers.append(observer)

    def on_sample(self, observer: SampleObserver) -> None:
        """Call ``observer`` with every sensor sample, before the engine takes it (the
        recorder keeps the RR intervals the snapshots do not carry)."""
        self._sample_observers.append(observer)

    def on_snapshot(self, observer: SnapshotObserver) -> None:
        """Call ``observer`` with the snapshot after each tick."""
        self._snapshot_observers.append(observer)

    async def _publish(self, events: list[EngineEvent]) -> None:
        for ev in events:
            for observer in self._event_observers:
                result = observer(ev)
                if inspect.isawaitable(result):
                    await result

    async def _show(self, snap: Snapshot) -> None:
        for observer in self._snapshot_observers:
            result = observer(snap)
            if inspect.isawaitable(result):
                await result

    async def run(self) -> SimResult:
        engine, clock = self.engine, self.clock
        start = clock.monotonic()
        await self._publish(engine.on_action(ButtonAction.START_PAUSE, start))
        await self._publish(engine.tick(start))
        snap = engine.snapshot()
        await self._show(snap)
        ticks = 0
        while not engine.done:
            if clock.monotonic() - start > self.max_seconds:
                raise SimulationError(
                    f"the workout did not end within {self.max_seconds / 3600:g} simulated hours"
                )
            if self.speed is not None:
                await asyncio.sleep(self.tick_s / self.speed)
            elif ticks % YIELD_EVERY_TICKS == 0:
                await asyncio.sleep(0)
            if clock.sleepers:
                await clock.advance_to(clock.monotonic() + self.tick_s)
            else:
                clock.advance(self.tick_s)
            now = clock.monotonic()
            act = self.athlete.act(now, snap)
            for sample in act.samples:
                for sample_observer in self._sample_observers:
                    result = sample_observer(sample)
                    if inspect.isawaitable(result):
                        await result
                await self._publish(engine.on_sample(sample))
            for action in act.actions:
                await self._publish(engine.on_action(action, now))
            await self._publish(engine.tick(now))
            snap = engine.snapshot()
            await self._show(snap)
            ticks += 1
        summary = engine.summary()
        return SimResult(summary, engine.events, summary.completed, clock.monotonic() - start)


def default_behaviour(workout: ResolvedWorkout) -> Behaviour:
    return Behaviour.STRENGTH if workout.sport is Sport.STRENGTH else Behaviour.DISCIPLINED


def simulation(
    workout: ResolvedWorkout,
    behaviour: Behaviour | None = None,
    *,
    seed: int = 1,
    hills: bool = False,
    speed: float | None = None,
    policy: AlertPolicy | None = None,
) -> SimRunner:
    """A runner wired to a fresh clock, engine and athlete: ``await sim.run()``."""
    clock = SimClock()
    engine = Engine(workout, policy, clock)
    athlete = Athlete(workout, behaviour or default_behaviour(workout), seed=seed, hills=hills)
    return SimRunner(engine, athlete, clock, speed=speed)


__all__ = ["SimResult", "SimRunner", "SimulationError", "default_behaviour", "simulation"]
