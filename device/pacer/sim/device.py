"""The simulated device's sensors and buttons for ``pacer run --hardware sim``.

:class:`SimulatedSensors` is the :class:`~pacer.devices.bundle.Sensors` twin of
:class:`pacer.ble.session.BleSensors`: a simulated athlete (:mod:`pacer.sim.athlete`) wearing
a heart-rate strap and a foot pod (or riding with a power meter) sends one reading per
second of the injected clock (none while no workout runs: nothing wakes for nothing). It
follows the workout the daemon runs
(:class:`~pacer.devices.bundle.FollowsRun`): the athlete paces each step from the snapshots it
sees and reacts to the alerts it feels, exactly as in ``pacer sim``; with no workout it
stands still with its sensors connected.

:func:`terminal_view` is the screen in the terminal, captioned with the run's clock and step.

:class:`SimulatedButtons` is the :class:`~pacer.devices.bundle.Buttons` twin: presses come from
the athlete (a lap after a strength set) and, with a terminal, from the keyboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock
from pacer.core.samples import Sample, SensorRole, SensorStatus
from pacer.devices.bundle import Display

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.engine.events import EngineEvent
    from pacer.engine.snapshot import Snapshot
    from pacer.sim.athlete import Athlete, Behaviour
    from pacer.sim.view import TerminalKeys
    from pacer.workout.resolve import ResolvedWorkout

#: the sensors a simulated athlete wears
SIM_ROLES = (SensorRole.HR, SensorRole.POD)


class SimulatedButtons:
    """Buttons pressed by the simulated athlete (:meth:`press`) and, when ``keyboard`` is
    given, by keys on a terminal (space start/pause, l lap, s stop, n next screen, e
    extend: :mod:`pacer.sim.view`). Callbacks run in the event loop."""

    def __init__(self, *, keyboard: int | None = None) -> None:
        self._callbacks: list[Callable[[ButtonAction], None]] = []
        self._keyboard_fd = keyboard
        self._keys: TerminalKeys | None = None
        #: every action pressed, in order
        self.pressed: list[ButtonAction] = []

    def on_action(self, callback: Callable[[ButtonAction], None]) -> None:
        self._callbacks.append(callback)

    def press(self, action: ButtonAction) -> None:
        self.pressed.append(action)
        for callback in self._callbacks:
            callback(action)

    async def __aenter__(self) -> SimulatedButtons:
        if self._keyboard_fd is not None:
            from pacer.sim.view import TerminalKeys

            keys = TerminalKeys(self.press, fd=self._keyboard_fd)
            keys.start()
            self._keys = keys
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        keys, self._keys = self._keys, None
        if keys is not None:
            keys.close()


class SimulatedSensors:
    """A simulated athlete's sensors, one reading per second of ``clock``.

    ``behaviour`` (None: disciplined, strength for strength workouts), ``seed`` and
    ``hills`` are those of ``pacer sim``. ``press`` receives the athlete's own button
    presses (the simulated buttons').
    """

    def __init__(
        self,
        clock: Clock,
        *,
        behaviour: Behaviour | None = None,
        seed: int = 1,
        hills: bool = False,
        press: Callable[[ButtonAction], None] | None = None,
        period_s: float = 1.0,
    ) -> None:
        self.clock = clock
        self.behaviour = behaviour
        self.seed = seed
        self.hills = hills
        self.period_s = period_s
        self._press = press
        self._athlete: Athlete | None = None
        self._view: Snapshot | None = None
        self._runs = 0
        self._following = asyncio.Event()

    # --- FollowsRun -------------------------------------------------------------------

    def follow(self, workout: ResolvedWorkout | None) -> None:
        """A workout started (a fresh athlete for it) or ended (``None``)."""
        self._view = None
        if workout is None:
            self._athlete = None
            self._following.clear()
            return
        from pacer.sim.athlete import Athlete
        from pacer.sim.runner import default_behaviour

        self._runs += 1
        self._athlete = Athlete(
            workout,
            self.behaviour or default_behaviour(workout),
            seed=self.seed + self._runs - 1,
            hills=self.hills,
        )
        self._following.set()

    def on_tick(self, snapshot: Snapshot, events: Sequence[EngineEvent]) -> None:
        self._view = snapshot
        if self._athlete is not None:
            for event in events:
                self._athlete.on_event(event)

    # --- Sensors ----------------------------------------------------------------------

    async def samples(self) -> AsyncIterator[Sample]:
        now = self.clock.monotonic()
        for role in SIM_ROLES:
            yield SensorStatus(now, role, connected=True)
        while True:
            if self._athlete is None:  # standing still: nothing to send until a workout
                await self._following.wait()
            await self.clock.sleep(self.period_s)
            athlete, view = self._athlete, self._view
            if athlete is None or view is None:
                continue
            act = athlete.act(self.clock.monotonic(), view)
            for sample in act.samples:
                yield sample
            for action in act.actions:
                if self._press is not None:
                    self._press(action)


def terminal_view(stream: IO[str] | None = None) -> Display:
    """The screen drawn in a terminal (:class:`pacer.sim.view.TerminalDisplay`) with a
    caption under it that follows the run: workout clock, step, state."""
    from pacer.screens.base import elapsed
    from pacer.sim.view import TerminalDisplay

    class TerminalView(TerminalDisplay):
        last: Image | None = None

        def show(self, image: Image) -> None:
            self.last = image
            super().show(image)

        def follow(self, workout: ResolvedWorkout | None) -> None:
            self.caption = "" if workout is None else f" {workout.name}"

        def on_tick(self, snapshot: Snapshot, events: Sequence[EngineEvent]) -> None:
            caption = (
                f" {elapsed(snapshot.t)}  step {snapshot.step_number}/{snapshot.step_count}"
                f"  {snapshot.state.value}"
            )
            if caption != self.caption:
                self.caption = caption
                if self.last is not None:  # the panel did not change, the caption did
                    super().show(self.last)

    return TerminalView(stream)


__all__ = ["SIM_ROLES", "SimulatedButtons", "SimulatedSensors", "terminal_view"]
