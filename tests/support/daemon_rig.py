"""The daemon in this process, on simulated hardware sped up by a :class:`ScaledClock`: a
display that keeps every frame, the simulated buttons and sensors, a haptic recorder.

Stands in for the Pi's devices (OLED, buttons, motor, BLE sensors), not for the daemon: the
real :class:`pacer.daemon.Daemon` runs. Used by the daemon, config and recording tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from PIL.Image import Image

from pacer.config.file import Config
from pacer.daemon import Daemon, DaemonOptions
from pacer.devices.bundle import Hardware
from pacer.devices.oled import dummy_display
from pacer.haptics.player import HapticRecorder
from pacer.sim.clock import ScaledClock
from pacer.sim.device import SimulatedButtons, SimulatedSensors
from pacer.storage.store import Store
from tests.support.paths import EXAMPLES

STEP_UP = (EXAMPLES / "step-up-run.yaml").read_text()
STRENGTH = (EXAMPLES / "strength-a.yaml").read_text()


class FrameLog:
    """A display that keeps every frame (and says when it was switched off)."""

    size = (128, 64)

    def __init__(self) -> None:
        self.frames: list[Image] = []
        self.is_off = False

    def show(self, image: Image) -> None:
        self.frames.append(image.copy())
        self.is_off = False

    def contrast(self, level: int) -> None:
        pass

    def off(self) -> None:
        self.is_off = True


@dataclass
class Rig:
    daemon: Daemon
    hw: Hardware
    buttons: SimulatedButtons
    haptics: HapticRecorder
    store: Store
    task: asyncio.Task[int]

    async def until(self, pred: Callable[[], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not pred():
            if self.task.done():
                self.task.result()
                raise AssertionError("the daemon stopped")
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {within} s; status {self.daemon.status()}")
            await asyncio.sleep(0.01)

    def status(self) -> dict[str, Any]:
        return self.daemon.status()


def make_hw(speed: float, display: Any = None, sensors: Any = None) -> tuple[Hardware, Any]:
    clock = ScaledClock(speed)
    buttons = SimulatedButtons()
    haptics = HapticRecorder(clock.monotonic)
    hw = Hardware(
        clock=clock,
        display=display or dummy_display(),
        haptics=haptics,
        buttons=buttons,
        sensors=sensors or SimulatedSensors(clock, press=buttons.press),
    )
    return hw, (buttons, haptics)


@asynccontextmanager
async def running(
    store: Store,
    *,
    speed: float = 60.0,
    config: Config | None = None,
    hw: Hardware | None = None,
    **options: Any,
) -> AsyncIterator[Rig]:
    if hw is None:
        hw, _ = make_hw(speed)
    assert isinstance(hw.buttons, SimulatedButtons)
    assert isinstance(hw.haptics, HapticRecorder)
    d = Daemon(hw, config or Config(), store, DaemonOptions(**options))
    async with started(d) as task:
        yield Rig(d, hw, hw.buttons, hw.haptics, store, task)


@asynccontextmanager
async def started(d: Daemon) -> AsyncIterator[asyncio.Task[int]]:
    """``d.run()`` as a task, once it is ready (or failed); stopped and awaited after."""
    task = asyncio.create_task(d.run())
    try:
        ready = asyncio.create_task(d.ready.wait())
        await asyncio.wait({task, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if task.done():
            task.result()
        assert d.ready.is_set(), "not ready within 20 s"
        yield task
    finally:
        if not task.done():
            d.request_stop()
        await asyncio.wait_for(asyncio.shield(task), 20)
