"""Test doubles for the serial link: a hand-driven clock, a fake engine, a device rig.

The fake engine is a fast, deterministic stand-in for most link tests: each second of the
injected clock it advances a status dict and pushes it to subscribers, as the engine's 1 Hz
tick does. (The status-streaming test also runs the real engine, through SimEngineControl.)
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacer.core.errors import ProtocolError
from pacer.link.cable import PtyCable
from pacer.link.protocol import ErrorCode, Limits
from pacer.link.server import DeviceService, EngineControl, SerialServer
from pacer.sim.clock import SimClock
from pacer.storage.store import Store


class FakeEngine:
    """EngineControl: 'runs' a workout by counting seconds of the injected clock."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.workout: str | None = None
        self.source: str | None = None
        self.selected: str | None = None
        self.t = 0
        self.ticks = 0
        self._subscribers: dict[int, Callable[[dict[str, Any]], None]] = {}
        self._ids = itertools.count()

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

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        key = next(self._ids)
        self._subscribers[key] = callback
        return lambda: self._subscribers.pop(key, None) and None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def run(self) -> None:
        while True:
            await self.clock.sleep(1.0)
            self.ticks += 1
            if self.workout is not None:
                self.t += 1
            for callback in list(self._subscribers.values()):
                callback(self.status())


@dataclass
class Rig:
    cable: PtyCable
    store: Store
    clock: SimClock
    engine: FakeEngine
    service: DeviceService
    server: SerialServer
    control: EngineControl

    @property
    def port(self) -> str:
        return self.cable.host_path


@asynccontextmanager
async def device_rig(
    tmp_path: Path,
    *,
    port: str | None = None,
    limits: Limits | None = None,
    write_stall_s: float = 2.0,
    control: Callable[[Store], EngineControl] | None = None,
) -> AsyncIterator[Rig]:
    """A device (store, fake engine, serial server) on one end of a simulated cable;
    ``control`` builds another EngineControl from the store instead of the fake engine."""
    with PtyCable() as cable, Store(tmp_path / "pacer.db") as store:
        clock = SimClock()
        engine = FakeEngine(clock)
        chosen = engine if control is None else control(store)
        service = DeviceService(
            store, clock, chosen, device_id="test-device", **({"limits": limits} if limits else {})
        )
        server = SerialServer(
            service, port or cable.device_path, retry_s=0.05, write_stall_s=write_stall_s
        )
        # Plain tasks rather than a TaskGroup, so a failing assertion in the test is
        # reported as itself, not inside an ExceptionGroup; a crashed server fails the test.
        tasks = [asyncio.create_task(server.run()), asyncio.create_task(engine.run())]
        try:
            if port is None:  # the cable's port exists: wait until the device listens
                await asyncio.wait_for(server.connected.wait(), 5)
            yield Rig(cable, store, clock, engine, service, server, chosen)
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if not isinstance(result, asyncio.CancelledError):
                raise AssertionError(f"device task ended: {result!r}")


def db_dump(path: Path) -> list[str]:
    """Every row of the database as SQL, from a separate connection."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()
