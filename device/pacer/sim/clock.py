"""A clock that only moves when told to: :class:`pacer.hardware.Clock` for simulations.

``advance`` moves time forward and wakes every ``sleep`` whose deadline has come, in deadline
order, so tasks that sleep on this clock (a haptic timeline, a display refresh) run at the
simulated moments they asked for however fast the simulation goes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

#: 2024-01-01T00:00:00Z: a fixed wall clock, so simulated runs are reproducible.
DEFAULT_EPOCH = 1_704_067_200.0


class SimClock:
    """Monotonic time starts at ``start`` and moves only on :meth:`advance`."""

    def __init__(self, start: float = 0.0, epoch: float = DEFAULT_EPOCH) -> None:
        self._t = float(start)
        self._epoch = float(epoch) - self._t
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._t

    def wall(self) -> float:
        return self._epoch + self._t

    def set_wall(self, epoch: float) -> None:
        """Set the wall clock (as a host does over serial); monotonic time is unaffected."""
        self._epoch = float(epoch) - self._t

    async def sleep(self, seconds: float) -> None:
        """Return once the clock has been advanced by ``seconds``."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._t + seconds, next(self._seq), fut))
        await fut

    @property
    def sleepers(self) -> int:
        """Tasks waiting on this clock."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` and wake the sleepers now due."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._t += seconds
        while self._sleepers and self._sleepers[0][0] <= self._t + 1e-9:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    async def advance_to(self, t: float) -> None:
        """Move to ``t`` through each sleeper's deadline, letting woken tasks run at it."""
        while self._sleepers and self._sleepers[0][0] <= t:
            due = self._sleepers[0][0]
            self.advance(max(0.0, due - self._t))
            await asyncio.sleep(0)
        self.advance(max(0.0, t - self._t))
        await asyncio.sleep(0)


__all__ = ["DEFAULT_EPOCH", "SimClock"]
