"""Time as the core sees it: the :class:`Clock` protocol, and the real clock
(``time.monotonic`` for the engine, the wall clock for timestamps).

A Pi Zero has no real-time clock; until the host sets the time over serial
(``pacer device time-sync``) the wall clock may be wrong. ``offset`` lets the serial
service correct it for pacer without touching the system clock.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Time as the core sees it. Real: ``time.monotonic``; simulated: advanced by hand."""

    def monotonic(self) -> float: ...

    def wall(self) -> float:
        """Seconds since the epoch (set by the host over serial: a Pi Zero has no RTC)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Implements :class:`Clock` on the machine's clocks."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time() + self.offset

    def set_wall(self, epoch_seconds: float) -> None:
        self.offset = epoch_seconds - time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
