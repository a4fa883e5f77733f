"""The serial link's test rig: a device (store, engine control, serial server) on one end of
a simulated cable. The fake engine (:class:`fakes.FakeEngine`) is a fast, deterministic
stand-in for most link tests: each second of the injected clock it advances a status dict
and pushes it to subscribers, as the engine's 1 Hz tick does. (The status-streaming test also
runs the real engine, through :class:`fakes.SimEngineControl`.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pacer.link.cable import PtyCable
from pacer.link.protocol import Limits
from pacer.link.server import SerialServer
from pacer.link.service import DeviceService, EngineControl
from pacer.sim.clock import SimClock
from pacer.storage.store import Store

from .fakes import FakeEngine

__all__ = ["FakeEngine", "Rig", "db_dump", "device_rig"]


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
