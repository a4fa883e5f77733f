"""The hardware-abstraction layer: one ``Hardware`` bundle of small Protocols.

:func:`pacer.daemon.hardware.build_hardware` builds a bundle (real devices on the Pi,
simulated twins on a laptop and in CI) and ``pacer run`` passes it in; nothing in the core
reaches for a device on its own. Each real implementation lives in its own module under
:mod:`pacer.devices` and imports its driver library lazily, inside its constructor, so
importing pacer never touches hardware.

Lifecycles are (async) context managers: ``async with hardware:`` opens every device and
guarantees the motor is off and the display blank on the way out, whatever happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

    from pacer.core.samples import Sample
    from pacer.devices.battery import BatteryGauge
    from pacer.engine.events import EngineEvent
    from pacer.engine.snapshot import Snapshot
    from pacer.workout.resolve import ResolvedWorkout


class SensorScanner(Protocol):
    """BLE scanning for ``sensors.scan`` over the serial link."""

    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        """Nearby sensors: ``[{"address", "name", "rssi", "roles": [...]}, ...]``."""
        ...


class Display(Protocol):
    """A 128x64 monochrome panel. ``show`` takes a PIL image in mode "1"."""

    @property
    def size(self) -> tuple[int, int]: ...

    def show(self, image: Image) -> None: ...

    def contrast(self, level: int) -> None: ...

    def off(self) -> None: ...


class Haptics(Protocol):
    """The vibration motor. ``play`` never blocks; a more important pattern preempts."""

    def play(self, pattern: str) -> None: ...

    def off(self) -> None: ...


class Buttons(Protocol):
    """Pushes actions to a callback that is already safe to call from the event loop."""

    def on_action(self, callback: Callable[[ButtonAction], None]) -> None: ...


class Sensors(Protocol):
    """All paired BLE sensors as one stream of samples (connection changes included)."""

    def samples(self) -> AsyncIterator[Sample]: ...


class Power(Protocol):
    """The machine's power and radios: the daemon switches the device off after a long idle
    (``[power] idle_off_min``) and Wi-Fi off during a run. Real: ``systemctl poweroff``
    (which asks logind) and rfkill (:mod:`pacer.devices.power`); simulated: a record of
    what was asked (:class:`~pacer.devices.power.RecordedPower`). Bluetooth is never touched
    (the sensors use it; on the Zero 2 W it shares the chip with Wi-Fi)."""

    def power_off(self) -> None: ...

    def wifi(self, on: bool) -> None: ...


@runtime_checkable
class Runs(Protocol):
    """A part that needs a task of its own in the daemon's loop (the haptic player's
    timeline): the daemon runs ``run()`` in its TaskGroup and cancels it on the way out."""

    async def run(self) -> None: ...


@runtime_checkable
class FollowsRun(Protocol):
    """A part that follows the workout being run: the simulated athlete behind the
    simulated sensors. The daemon calls ``follow`` when a workout starts (None when it
    ends) and ``on_tick`` with each second's snapshot and events."""

    def follow(self, workout: ResolvedWorkout | None) -> None: ...

    def on_tick(self, snapshot: Snapshot, events: Sequence[EngineEvent]) -> None: ...


@runtime_checkable
class Closeable(Protocol):
    def close(self) -> None: ...


@runtime_checkable
class AsyncResource(Protocol):
    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


@dataclass
class Hardware:
    """Everything the daemon touches, built once by ``build_hardware`` and passed in.

    ``serial_port`` is the device node the serial server opens (``/dev/ttyGS0``, the
    simulated cable's end; None: no serial link); ``gauge`` the fuel gauge (None: no battery
    monitoring); ``scanner`` the BLE scan behind ``sensors.scan`` (None: not offered);
    ``power`` switches the machine off and Wi-Fi on and off (None: never)."""

    clock: Clock
    display: Display
    haptics: Haptics
    buttons: Buttons
    sensors: Sensors
    serial_port: str | None = None
    gauge: BatteryGauge | None = None
    scanner: SensorScanner | None = None
    power: Power | None = None
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack, repr=False)

    def followers(self) -> list[FollowsRun]:
        """The parts that follow the workout being run."""
        parts = (self.sensors, self.buttons, self.haptics, self.display)
        return [p for p in parts if isinstance(p, FollowsRun)]

    def follow(self, workout: ResolvedWorkout | None) -> None:
        """A workout started (None: it ended): tell every part that follows runs."""
        for part in self.followers():
            part.follow(workout)

    async def __aenter__(self) -> Hardware:
        await self._stack.__aenter__()
        try:
            parts = (self.display, self.haptics, self.buttons, self.gauge, self.sensors)
            for part in parts:
                if isinstance(part, AsyncResource):
                    await self._stack.enter_async_context(part)
                elif isinstance(part, Closeable):
                    self._stack.callback(part.close)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Motor off and screen dark first, whatever happened; then close in reverse order.
        try:
            self.haptics.off()
        finally:
            try:
                self.display.off()
            finally:
                await self._stack.__aexit__(exc_type, exc, tb)
