"""The daemon's ticker on a simulated clock: a stalled loop loses no second, each caught-up
tick carries its own due time, a realigned grid starts at the run's start, and a stall longer
than the bound skips the excess instead of bursting."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from pacer.daemon.ticker import MAX_CATCH_UP, Ticker
from pacer.sim.clock import SimClock


class Ticks:
    def __init__(self) -> None:
        self.due: list[float] = []
        self.last: list[bool] = []

    async def __call__(self, due: float, last: bool) -> None:
        self.due.append(due)
        self.last.append(last)


async def back_asleep(clock: SimClock) -> None:
    """Until the ticker sleeps on the clock again: a caught-up burst is over (it lets the
    loop in between its ticks, so that takes many turns of the loop, not one)."""
    async with asyncio.timeout(10):
        while clock.sleepers == 0:  # noqa: ASYNC110  # the ticker's own state: no event
            await asyncio.sleep(0)


async def start(clock: SimClock, ticks: Ticks) -> tuple[Ticker, asyncio.Task[None]]:
    ticker = Ticker(clock, 1.0, ticks)
    task = asyncio.create_task(ticker.run())
    await asyncio.sleep(0)
    return ticker, task


async def test_every_second_once_when_the_loop_keeps_up() -> None:
    clock, ticks = SimClock(100.0), Ticks()
    _, task = await start(clock, ticks)
    await clock.advance_to(110.0)
    task.cancel()
    assert ticks.due == [100.0 + i for i in range(11)]
    assert all(ticks.last)


async def test_a_stall_is_caught_up_second_by_second_drawing_only_the_last() -> None:
    clock, ticks = SimClock(0.0), Ticks()
    _, task = await start(clock, ticks)
    await clock.advance_to(3.0)
    clock.advance(7.5)  # the loop was held 7.5 s: nobody ran at 4, 5, ... 10
    await back_asleep(clock)
    await clock.advance_to(12.0)
    task.cancel()
    assert ticks.due == [float(i) for i in range(13)], "no second lost, none twice"
    burst = ticks.last[4:11]  # the ticks due at 4..10 ran back to back at 10.5
    assert burst == [False] * 6 + [True]


async def test_realign_puts_the_grid_on_a_run_start() -> None:
    clock, ticks = SimClock(0.0), Ticks()
    ticker, task = await start(clock, ticks)
    await clock.advance_to(2.3)
    ticker.realign(3.7)
    await clock.advance_to(6.0)
    task.cancel()
    assert ticks.due == [0.0, 1.0, 2.0, 3.7, 4.7, 5.7]


async def test_a_stall_past_the_bound_skips_the_excess() -> None:
    clock, ticks = SimClock(0.0), Ticks()
    _, task = await start(clock, ticks)
    clock.advance(MAX_CATCH_UP + 100.0)
    await back_asleep(clock)
    task.cancel()
    assert ticks.due[0] == 0.0
    caught_up = ticks.due[1:]
    assert len(caught_up) == MAX_CATCH_UP + 1
    assert caught_up[-1] == pytest.approx(MAX_CATCH_UP + 100.0)
    assert caught_up == [caught_up[0] + i for i in range(len(caught_up))]


async def test_a_clock_faster_than_the_loop_never_leaves_the_loop_deaf() -> None:
    """``--speed 2000``: each tick takes longer on the clock than a tick period, so every
    tick is a catch-up. Between any two ticks the rest of the loop (the serial link, the
    buttons, the watchdog) still gets its turn: here a probe task that counts its turns."""
    clock = SimClock(0.0)
    turns = 0
    seen: list[int] = []
    enough = asyncio.Event()

    async def slow_tick(due: float, last: bool) -> None:
        seen.append(turns)
        clock.advance(1.5)  # the work of one tick costs 1.5 s of this fast clock
        if len(seen) >= 300:
            enough.set()

    async def probe() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    ticker = Ticker(clock, 1.0, slow_tick)
    tasks = [asyncio.create_task(ticker.run()), asyncio.create_task(probe())]
    await asyncio.wait_for(enough.wait(), 10)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    starved = [i for i, (a, b) in enumerate(itertools.pairwise(seen)) if b == a]
    assert starved == [], f"{len(starved)} of {len(seen)} ticks ran back to back"
