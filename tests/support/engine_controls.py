"""Engine controls for the serial link in tests and benchmarks (each an
:class:`~pacer.link.service.EngineControl`); all publish through the link's one subscriber
registry, :class:`~pacer.link.status.StatusHub`.

* :class:`FakeEngine`: 'runs' a workout by counting seconds of the injected clock; fast and
  deterministic, for most link tests.
* :class:`SimEngineControl`: ``workout.start`` runs the real engine (:mod:`pacer.engine`) on
  a simulated athlete (:mod:`pacer.sim`) and every snapshot streams as status.
* :class:`IdleEngine`: a link with no engine at all (the benchmark): always idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pacer.core.errors import InputErrors, ProtocolError
from pacer.link.protocol import ErrorCode
from pacer.link.status import StatusCallback, StatusHub, status_json

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.engine.snapshot import Snapshot
    from pacer.sim.clock import SimClock
    from pacer.sim.runner import SimRunner
    from pacer.workout.profile import Profile


class FakeEngine:
    """EngineControl: 'runs' a workout by counting seconds of the injected clock."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.workout: str | None = None
        self.source: str | None = None
        self.selected: str | None = None
        self.t = 0
        self.ticks = 0
        self.hub = StatusHub()

    def running(self) -> str | None:
        return self.workout

    async def start(self, name: str, source: str) -> None:
        if self.workout is not None:
            raise ProtocolError(ErrorCode.CONFLICT, "already running")
        self.workout, self.source, self.t = name, source, 0

    async def stop(self) -> None:
        self.workout = None

    def select(self, name: str | None) -> None:
        self.selected = name

    def status(self) -> dict[str, Any]:
        if self.workout is None:
            return {"state": "idle"}
        return {
            "state": "running",
            "workout": self.workout,
            "t": self.t,
            "step": 1 + self.t // 60,
            "hr": 120 + self.t % 40,
        }

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        return self.hub.subscribe(callback)

    @property
    def subscribers(self) -> int:
        return len(self.hub)

    async def run(self) -> None:
        while True:
            await self.clock.sleep(1.0)
            self.ticks += 1
            if self.workout is not None:
                self.t += 1
            self.hub.publish(self.status())


class IdleEngine:
    """An EngineControl for a device with no engine attached (the link alone, a
    benchmark): always idle, refuses to start."""

    def running(self) -> str | None:
        return None

    async def start(self, name: str, source: str) -> None:
        raise ProtocolError(ErrorCode.UNAVAILABLE, "no workout engine on this device")

    async def stop(self) -> None:
        raise ProtocolError(ErrorCode.CONFLICT, "no workout is running")

    def select(self, name: str | None) -> None:
        pass

    def status(self) -> dict[str, Any]:
        return {"state": "idle"}

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        return lambda: None


class SimEngineControl:
    """Runs the stored workout on the real engine with a simulated athlete.

    ``profile`` returns the athlete profile to resolve targets with (the daemon reads the
    store's); ``speed`` is simulated seconds per real second (``pacer.sim``'s real-time
    factor). The run is a task this object owns: :meth:`stop` and :meth:`aclose` cancel it
    and wait for it.
    """

    def __init__(
        self, profile: Callable[[], Profile], *, speed: float = 1.0, seed: int = 1
    ) -> None:
        self._profile = profile
        self.speed = speed
        self.seed = seed
        self.selected: str | None = None
        self._name: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._status: dict[str, Any] = {"state": "idle"}
        self.hub = StatusHub()

    def running(self) -> str | None:
        if self._task is None or self._task.done():
            return None
        return self._name

    async def start(self, name: str, source: str) -> None:
        from pacer.sim.runner import simulation
        from pacer.workout.fileformat import load_workout
        from pacer.workout.resolve import resolve

        if self.running() is not None:
            raise ProtocolError(ErrorCode.CONFLICT, f"{self._name!r} is already running")
        profile = self._profile()
        try:
            workout = load_workout(source, name, profile=profile)
        except InputErrors as exc:  # the profile changed since the workout was stored
            raise ProtocolError(
                ErrorCode.INVALID_WORKOUT, f"{name!r} no longer resolves: {exc.errors[0]}"
            ) from None
        runner = simulation(resolve(workout, profile), seed=self.seed, speed=self.speed)
        runner.on_snapshot(self._on_snapshot)
        self._name = name
        begun = asyncio.Event()
        runner.on_snapshot(lambda _snap: begun.set())
        self._task = asyncio.create_task(self._run(runner), name=f"sim-{name}")
        # a reply means done, as on the device: the run's first snapshot is the status
        waiting = asyncio.ensure_future(begun.wait())
        await asyncio.wait({self._task, waiting}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert begun.is_set(), "the simulated run did not begin"

    async def _run(self, runner: SimRunner) -> None:
        await runner.run()

    async def stop(self) -> None:
        if self.running() is None:
            raise ProtocolError(ErrorCode.CONFLICT, "no workout is running")
        await self.aclose()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._status = {"state": "idle"}

    def select(self, name: str | None) -> None:
        self.selected = name

    def status(self) -> dict[str, Any]:
        return self._status

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        return self.hub.subscribe(callback)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self._status = status_json(snapshot, self._name)
        self.hub.publish(self._status)
