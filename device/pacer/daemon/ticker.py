"""The daemon's 1 Hz heartbeat, on the injected clock, catching up after a stall.

A slow Pi Zero under load (an SD card write, a BLE reconnect storm, another process) can
hold the loop past a tick. Every whole tick the stall ate is still run, each stamped with its
own due time on the clock (``due``, ``due + 1``, ...), so the engine's timers and the
recording lose no second and no two records share a timestamp; only the last of a burst
draws the screen (``last``). A stall longer than :data:`MAX_CATCH_UP` ticks (ten minutes
at 1 Hz: a suspended machine, not a slow one) skips the excess, logged, rather than hold
the loop for the burst. Between the ticks of a burst the loop is let go (one
``sleep(0)``), so a clock faster than the loop can tick (``--speed 2000``: every tick is a
catch-up) never leaves the serial link, the buttons or the watchdog unheard.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pacer.core.clock import Clock

log = logging.getLogger(__name__)

#: the most ticks run back to back after one stall
MAX_CATCH_UP = 600

#: one tick: (its due time on the clock, whether it is the last of a catch-up burst)
Tick = Callable[[float, bool], Awaitable[None]]


class Ticker:
    """Calls ``tick(due, last)`` for every ``tick_s`` of ``clock`` (:meth:`run`, forever).

    :meth:`realign` moves the grid: a workout's seconds count from its start, so its
    records fall on whole seconds of the run.
    """

    def __init__(self, clock: Clock, tick_s: float, tick: Tick) -> None:
        self.clock = clock
        self.tick_s = tick_s
        self._tick = tick
        self._due = clock.monotonic()

    def realign(self, due: float) -> None:
        """The next tick is due at ``due``, the rest every ``tick_s`` after it."""
        self._due = due

    async def run(self) -> None:
        self._due = self.clock.monotonic()
        while True:
            now = self.clock.monotonic()
            behind = int((now - self._due) // self.tick_s)
            if behind > MAX_CATCH_UP:
                skipped = behind - MAX_CATCH_UP
                log.warning(
                    "the loop stalled %.0f s: %d ticks skipped", behind * self.tick_s, skipped
                )
                self._due += skipped * self.tick_s
            while self._due <= now:
                due = self._due
                self._due = due + self.tick_s
                await self._tick(due, self._due > now)
                if self._due <= now:
                    await asyncio.sleep(0)  # a burst lets the serial link and buttons in
            await self.clock.sleep(max(0.0, self._due - self.clock.monotonic()))


__all__ = ["MAX_CATCH_UP", "Tick", "Ticker"]
