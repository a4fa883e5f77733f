"""The connect gate's referee (:class:`pacer.ble.session.ConnectGate`) and a connect that
has just succeeded: kept when its "connected" lands in the very turn its time runs out,
disconnected (not dropped) when its caller goes away in that turn. A
:class:`~pacer.sim.clock.SimClock` moves every sleeper due at once, so the radio's answer
and the referee's deadline can land in the same turn of the loop, as they can on a Pi.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from pacer.ble.session import ConnectGate, GaveWay
from pacer.sim.clock import SimClock
from tests.support.manual_clock import settle


@dataclass
class Answer:
    """The radio's answer to one connect (BlueZ's D-Bus reply), set by the test; ``dropped``
    lists clients that connected but nobody holds (connected, never disconnected)."""

    reply: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    disconnected: list[str] = field(default_factory=list)
    got: list[str] = field(default_factory=list)

    async def attempt(self) -> str:
        client = await self.reply
        self.got.append(client)
        return client

    async def release(self, client: str) -> None:
        self.disconnected.append(client)

    @property
    def dropped(self) -> list[str]:
        answered = [self.reply.result()] if self.reply.done() and not self.reply.cancelled() else []
        return [c for c in answered if c not in self.got and c not in self.disconnected]


async def test_a_connect_answered_as_its_turn_runs_out_is_kept() -> None:
    """The radio answers "connected" in the same turn of the loop as the referee's deadline
    for a waiting sensor: the connect succeeded, so it is kept (not cut, not dropped)."""
    clock = SimClock(0.0)
    gate = ConnectGate(clock, wait_s=2.5)
    first = Answer()
    holder = asyncio.create_task(gate.connect(first.attempt))
    await settle()
    waiter = asyncio.create_task(gate.connect(Answer().attempt))  # a sensor queues at t=0
    await settle()
    clock.advance(2.5)  # the referee's deadline ...
    first.reply.set_result("client-1")  # ... and the radio's reply, in one turn of the loop
    assert await asyncio.wait_for(holder, 5) == "client-1", "the connect that succeeded"
    assert first.dropped == []
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)


async def test_a_connect_cut_before_its_answer_gives_way() -> None:
    clock = SimClock(0.0)
    gate = ConnectGate(clock, wait_s=2.5)
    first, second = Answer(), Answer()
    holder = asyncio.create_task(gate.connect(first.attempt))
    await settle()
    waiter = asyncio.create_task(gate.connect(second.attempt))
    await settle()
    clock.advance(2.5)
    with pytest.raises(GaveWay, match=r"after 2\.5 s"):
        await asyncio.wait_for(holder, 5)
    assert first.reply.cancelled(), "the radio's connect itself was cancelled"
    second.reply.set_result("client-2")
    assert await asyncio.wait_for(waiter, 5) == "client-2", "the waiting sensor's turn"


async def test_a_connect_answered_as_its_caller_is_cancelled_is_disconnected() -> None:
    """The session is stopped in the turn the radio says "connected": the client is handed
    to ``release`` (disconnected), not dropped."""
    gate = ConnectGate(SimClock(0.0), wait_s=2.5)
    first = Answer()
    holder = asyncio.create_task(gate.connect(first.attempt, first.release))
    await settle()
    holder.cancel()
    first.reply.set_result("client-1")
    with pytest.raises(asyncio.CancelledError):
        await holder
    assert first.disconnected == ["client-1"]
    assert first.dropped == []
