"""The daemon in this process on a :class:`SimClock` that moves only when the test moves it:
minutes of idle time, dimming, power-off and the on-device sync in a blink, with nothing
left to a real tick. Stands in for the Pi's devices (a display that logs its contrast,
simulated buttons and sensors, a haptic recorder, recorded power), not for the daemon.
Used by the daemon's power and sync tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from PIL.Image import Image

from pacer.config.file import Config
from pacer.daemon import Daemon, DaemonOptions
from pacer.devices.bundle import Hardware, SensorScanner
from pacer.devices.power import RecordedPower
from pacer.haptics.player import HapticRecorder
from pacer.sim.clock import SimClock
from pacer.sim.device import SimulatedButtons, SimulatedSensors
from pacer.storage.store import Store
from tests.support.daemon_rig import started


@dataclass
class ContrastLog:
    """A display that remembers when (on the clock) its contrast changed."""

    clock: SimClock
    size: tuple[int, int] = (128, 64)
    levels: list[tuple[float, int]] = field(default_factory=list)
    is_off: bool = False

    def show(self, image: Image) -> None:
        self.is_off = False

    def contrast(self, level: int) -> None:
        self.levels.append((self.clock.monotonic(), level))

    def off(self) -> None:
        self.is_off = True


@dataclass
class ClockedRig:
    daemon: Daemon
    clock: SimClock
    power: RecordedPower
    display: ContrastLog
    buttons: SimulatedButtons
    store: Store
    task: asyncio.Task[int]

    async def advance(self, seconds: float, step: float = 5.0) -> None:
        """Move the clock ``seconds`` on, letting every task run at each due moment."""
        end = self.clock.monotonic() + seconds
        while self.clock.monotonic() < end and not self.task.done():
            await self.clock.advance_to(min(end, self.clock.monotonic() + step))
            for _ in range(5):
                await asyncio.sleep(0)

    async def until(self, predicate: Callable[[], bool], within_s: float = 20.0) -> None:
        """Real time, as a safety net only: the condition comes from the daemon's own tasks
        or threads (a writer thread, the serial link, a sync job), not from the clock."""
        async with asyncio.timeout(within_s):
            while not predicate():  # noqa: ASYNC110  # the daemon's state, no event to await
                await asyncio.sleep(0.01)


@asynccontextmanager
async def clocked_daemon(
    store: Store,
    config: Config | None = None,
    serial_port: str | None = None,
    scanner: SensorScanner | None = None,
    options: DaemonOptions | None = None,
) -> AsyncIterator[ClockedRig]:
    """The daemon started on a clock at 0 (``options`` default: device id ``test-device``)."""
    clock = SimClock(0.0)
    buttons = SimulatedButtons()
    display = ContrastLog(clock)
    power = RecordedPower(clock.monotonic)
    hw = Hardware(
        clock=clock,
        display=display,
        haptics=HapticRecorder(clock.monotonic),
        buttons=buttons,
        sensors=SimulatedSensors(clock, press=buttons.press),
        serial_port=serial_port,
        power=power,
        scanner=scanner,
    )
    options = options or DaemonOptions(device_id="test-device")
    d = Daemon(hw, config or Config(), store, options)
    async with started(d) as task:
        yield ClockedRig(d, clock, power, display, buttons, store, task)
