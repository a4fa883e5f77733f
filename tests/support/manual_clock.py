"""A :class:`pacer.core.clock.Clock` whose time only moves when a test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable


async def settle(rounds: int = 50) -> None:
    """Let every ready task and callback run (several hops deep)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class ManualClock:
    """``monotonic()`` is virtual; ``sleep()`` waits until :meth:`advance` passes its deadline.

    ``sleeps`` records every requested duration, in order.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.0 + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        try:
            await future
        finally:
            future.cancel()  # a no-op when it fired; drops it from advance() otherwise

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own deadline, in order."""
        target = self.now + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self.now = max(self.now, deadline)
            future.set_result(None)
            await settle()
        self.now = target
        await settle()

    async def run_until(
        self, condition: Callable[[], bool], *, step: float = 0.25, limit: float = 600.0
    ) -> float:
        """Advance in ``step``s until ``condition()``; returns the virtual time it took."""
        start = self.now
        await settle()
        while not condition():
            if self.now - start > limit:
                raise AssertionError(f"condition still false after {limit} virtual seconds")
            await self.advance(step)
        return self.now - start
