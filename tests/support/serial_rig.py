"""The serial link's test rig: a device (store, engine control, serial server) on one end of
a simulated cable. The fake engine (:class:`fakes.FakeEngine`) is a fast, deterministic
stand-in for most link tests: each second of the injected clock it advances a status dict
and pushes it to subscribers, as the engine's 1 Hz tick does. (The status-streaming test also
runs the real engine, through :class:`fakes.SimEngineControl`.)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacer.config.file import Config
from pacer.link.cable import PtyCable
from pacer.link.protocol import Limits
from pacer.link.server import SerialServer
from pacer.link.service import DeviceService, EngineControl
from pacer.sim.clock import SimClock
from pacer.storage.store import Store
from tests.support.engine_controls import FakeEngine

__all__ = [
    "FakeEngine",
    "LagMeter",
    "Rig",
    "ask_in_process",
    "db_dump",
    "device_rig",
    "in_process_service",
    "worst_lines",
]

#: The largest workout or profile text (Limits.max_text_bytes).
MAX_TEXT = 64 * 1024


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


def in_process_service(store: Store, config: Config | None = None) -> DeviceService:
    """The device's serial service on ``store`` and the fake engine, without a cable."""
    clock = SimClock()
    return DeviceService(store, clock, FakeEngine(clock), device_id="t", config=config)


def ask_in_process(service: DeviceService, op: str, **args: Any) -> dict[str, Any]:
    """One protocol frame through a fresh session of ``service``: the reply as JSON (an
    infinite number is sent as ``1e400``, as a host's JSON would carry it)."""
    frame = json.dumps({"id": 7, "op": op, "args": args}).replace("Infinity", "1e400")

    async def go() -> dict[str, Any]:
        session = service.session()
        await session.feed(frame.encode() + b"\n")
        item = session.outbox.take_nowait()
        assert item is not None
        reply: dict[str, Any] = json.loads(item[0])
        return reply

    return asyncio.run(go())


def db_dump(path: Path) -> list[str]:
    """Every row of the database as SQL, from a separate connection."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


class LagMeter:
    """A ticker on the loop: the largest gap between its ticks, in wall time and in CPU
    time of the loop's thread (the second does not grow when the machine is busy)."""

    def __init__(self, period_s: float = 0.002) -> None:
        self.period_s = period_s
        self.max_wall = 0.0
        self.max_cpu = 0.0
        self.ticks = 0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._last = (time.perf_counter(), time.thread_time())
        self._handle = asyncio.get_running_loop().call_later(self.period_s, self._tick)

    def _tick(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self.max_wall = max(self.max_wall, wall - self._last[0] - self.period_s)
        self.max_cpu = max(self.max_cpu, cpu - self._last[1])
        self._last = (wall, cpu)
        self.ticks += 1
        self._handle = asyncio.get_running_loop().call_later(self.period_s, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


def max_size_workout() -> str:
    step = "  - active: 1m\n    target: Z2\n    note: " + "n" * 100 + "\n"
    head = "name: Biggest\nsport: run\nsteps:\n"
    text = head + step * ((MAX_TEXT - len(head)) // len(step))
    assert MAX_TEXT - len(step) < len(text) <= MAX_TEXT
    return text


def request(rid: int, op: str, args: dict[str, Any]) -> bytes:
    return json.dumps({"id": rid, "op": op, "args": args}).encode()


def worst_lines(max_line: int) -> list[tuple[str, bytes, str]]:
    """The requests that cost the device most, each as (what, line, the error code expected
    or "ok"): texts nested 65,000 deep, the largest valid workout, lines of the maximum size
    full of objects, floats, or with a repeated key at the end."""

    def line_of(args_json: bytes) -> bytes:
        return b'{"id":1,"op":"hello","args":' + args_json + b"}"

    objects = b"[" + b",".join([b"{}"] * ((max_line - 80) // 3)) + b"]"
    floats = b"[" + b",".join([b"1.5e300"] * ((max_line - 80) // 8)) + b"]"
    deep_workout = request(1, "workout.put", {"name": "d", "text": "[" * 65_000})
    deep_profile = request(1, "profile.put", {"text": "- " * 30_000})
    big_workout = request(1, "workout.put", {"name": "big", "text": max_size_workout()})
    pad = b"k" * ((max_line - 200) // 1000 - 7)  # 1,000 objects fill the line
    wide = b"[" + b",".join([b'{"' + pad + b'":1}'] * 1000) + b"]"
    duplicate = line_of(b'{"x":' + wide[:-1] + b',{"a":1,"a":2}]}')
    return [
        ("workout 65,000 deep", deep_workout, "invalid_workout"),
        ("profile 30,000 dashes", deep_profile, "invalid_profile"),
        ("workout 64 KiB valid", big_workout, "ok"),
        ("line of 87k objects", line_of(b'{"x":' + objects + b"}"), "too_large"),
        ("line of 1,000 objects", line_of(b'{"x":' + wide + b"}"), "invalid_field"),
        ("line of 32k floats", line_of(b'{"x":' + floats + b"}"), "invalid_field"),
        ("duplicate keys, max line", duplicate, "bad_json"),
    ]
