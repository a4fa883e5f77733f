"""Playing patterns on a motor: a pure sequencer and a thin asyncio player around it.

Rules (all in :class:`Sequencer`, so they are tested without a clock or a motor):

* one pattern at a time: patterns never overlap, and ``gap_s`` of stillness separates two;
* a pattern more important than the one playing cuts it short (``preempt_gap_s`` of
  stillness, then the new one from its start);
* a pattern that is not more important waits (one waits at most: the most important, the
  newer of equals) and is dropped when it waited longer than ``max_wait_s``;
* asking for the pattern that is already playing or waiting does nothing.

:class:`HapticPlayer` runs the sequencer against a motor in one asyncio task (``run()``,
owned by the caller's TaskGroup): ``play()`` returns at once, the task wakes at each duty
change or request. The motor is off when ``run()`` ends for any reason (cancel, error) and
after ``close()``. :class:`HapticRecorder` is the simulated twin: it runs the same sequencer
on a simulated clock and records what would be felt, without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pacer.core.clock import Clock, SystemClock
from pacer.haptics.patterns import EPS, PATTERNS, Pattern, Segment, pattern


class Outcome(StrEnum):
    STARTED = "started"
    PREEMPTED = "preempted"  # started, cutting the playing one short
    QUEUED = "queued"
    IGNORED = "ignored"  # the same pattern is already playing or waiting
    DROPPED = "dropped"  # a more important one is waiting


@dataclass(frozen=True, slots=True)
class Playing:
    pattern: Pattern
    start: float

    @property
    def end(self) -> float:
        return self.start + self.pattern.duration


class Sequencer:
    """Which pattern plays when, and the motor duty at any time (pure; times in seconds)."""

    def __init__(
        self,
        patterns: dict[str, Pattern] | None = None,
        *,
        gap_s: float = 0.25,
        preempt_gap_s: float = 0.1,
        max_wait_s: float = 3.0,
    ) -> None:
        self.patterns = PATTERNS if patterns is None else patterns
        self.gap_s = gap_s
        self.preempt_gap_s = preempt_gap_s
        self.max_wait_s = max_wait_s
        self.playing: Playing | None = None
        self.waiting: tuple[Pattern, float] | None = None
        #: patterns started (name, start time) and cut short (name, time), in order
        self.started: list[tuple[str, float]] = []
        self.cut: list[tuple[str, float]] = []
        self._free_at = float("-inf")

    def request(self, name: str, now: float) -> Outcome:
        p = pattern(name, self.patterns)
        self._advance(now)
        cur = self.playing
        if cur is None and now >= self._free_at - EPS:
            self._start(p, now)
            return Outcome.STARTED
        if (cur is not None and cur.pattern is p) or (self.waiting and self.waiting[0] is p):
            return Outcome.IGNORED
        if cur is not None and p.priority > cur.pattern.priority:
            if now < cur.start - EPS:  # it had not begun (the stillness before it): forget it
                self.started.pop()
                self._start(p, cur.start)
            else:
                self.cut.append((cur.pattern.name, now))
                self._start(p, now + self.preempt_gap_s)
            return Outcome.PREEMPTED
        if self.waiting is None or p.priority >= self.waiting[0].priority:
            self.waiting = (p, now)
            return Outcome.QUEUED
        return Outcome.DROPPED

    def stop(self) -> None:
        """Forget what plays and waits (the motor goes still)."""
        self.playing = None
        self.waiting = None
        self._free_at = float("-inf")

    def duty(self, now: float) -> float:
        self._advance(now)
        cur = self.playing
        return 0.0 if cur is None else cur.pattern.duty_at(now - cur.start)

    def next_change(self, now: float) -> float | None:
        """The next time the duty may change (or a waiting pattern may start)."""
        self._advance(now)
        cur = self.playing
        if cur is not None:
            if now < cur.start - EPS:
                return cur.start
            for edge in cur.pattern.edges():
                if cur.start + edge > now + EPS:
                    return cur.start + edge
        if self.waiting is not None:
            return max(self._free_at, now)
        return None

    def _start(self, p: Pattern, at: float) -> None:
        self.playing = Playing(p, at)
        self.started.append((p.name, at))
        self._free_at = at + p.duration + self.gap_s

    def _advance(self, now: float) -> None:
        """Retire what has ended by ``now`` and start what waited, at the time it would have
        started (so a late look at the clock gives the same timeline as a punctual one)."""
        while True:
            if self.playing is not None and now >= self.playing.end - EPS:
                self.playing = None
            if self.playing is not None or self.waiting is None:
                return
            p, asked = self.waiting
            start = max(self._free_at, asked)
            if start - asked > self.max_wait_s:
                self.waiting = None
                return
            if now < start - EPS:
                return
            self.waiting = None
            self._start(p, start)


class MotorOutput(Protocol):
    """What the player drives: a duty cycle 0..1 (real: :class:`pacer.devices.motor.PwmMotor`)."""

    def set(self, duty: float) -> None: ...

    def off(self) -> None: ...

    def close(self) -> None: ...


class HapticPlayer:
    """The :class:`~pacer.devices.bundle.Haptics` of the real device: patterns on a motor.

    Start ``run()`` in the caller's TaskGroup; ``play()`` and ``off()`` never block.
    ``strength`` (0..1) scales every duty (the ``[haptics]`` config's ``strength``). The clock
    is injected: the real :class:`~pacer.core.clock.SystemClock` by default, a simulation's
    ``SimClock`` to play on simulated time.
    """

    def __init__(
        self,
        motor: MotorOutput,
        *,
        clock: Clock | None = None,
        strength: float = 1.0,
        sequencer: Sequencer | None = None,
    ) -> None:
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"haptic strength {strength} is not in 0..1")
        self.motor = motor
        self.clock: Clock = clock or SystemClock()
        self.strength = strength
        self.seq = sequencer or Sequencer()
        #: (time, pattern, outcome) of every request
        self.log: list[tuple[float, str, Outcome]] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._duty = 0.0

    def play(self, name: str) -> None:
        if self._closed:
            return
        now = self.clock.monotonic()
        self.log.append((now, name, self.seq.request(name, now)))
        self._wake.set()

    def off(self) -> None:
        """Stop at once: nothing plays, nothing waits, the motor is still."""
        self.seq.stop()
        self._set(0.0)
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self.seq.stop()
        try:
            self.motor.off()
        finally:
            self.motor.close()
            self._wake.set()

    async def run(self) -> None:
        """Drive the motor until cancelled or closed; the motor is off afterwards."""
        try:
            while not self._closed:
                self._wake.clear()
                now = self.clock.monotonic()
                self._set(self.seq.duty(now))
                nxt = self.seq.next_change(now)
                await self._wait(None if nxt is None else nxt - now)
        finally:
            self._duty = 0.0
            self.motor.off()

    def _set(self, duty: float) -> None:
        value = min(1.0, max(0.0, duty * self.strength))
        if value != self._duty:
            self.motor.set(value)
            self._duty = value

    async def _wait(self, seconds: float | None) -> None:
        """Sleep ``seconds`` on the injected clock (forever if None) or until woken."""
        if seconds is None:
            await self._wake.wait()
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(max(0.0, seconds)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class HapticRecord:
    t: float
    pattern: str
    outcome: Outcome
    timeline: tuple[Segment, ...]


class HapticRecorder:
    """The simulated :class:`~pacer.devices.bundle.Haptics`: records (time, pattern, outcome, duty
    timeline) by the injected clock, applying the same priorities as the real player, and
    hands each record to ``on_record`` (``pacer sim`` prints them).
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        on_record: Callable[[HapticRecord], None] | None = None,
        sequencer: Sequencer | None = None,
    ) -> None:
        self.clock = clock
        self.on_record = on_record
        self.seq = sequencer or Sequencer()
        self.records: list[HapticRecord] = []

    def play(self, name: str) -> None:
        now = self.clock()
        outcome = self.seq.request(name, now)
        rec = HapticRecord(now, name, outcome, pattern(name, self.seq.patterns).segments)
        self.records.append(rec)
        if self.on_record is not None:
            self.on_record(rec)

    def off(self) -> None:
        self.seq.stop()

    def felt(self) -> list[str]:
        """The names that started so far (right away, cutting in, or after waiting)."""
        self.seq.duty(self.clock())  # let a waiting pattern start if its time has come
        return [name for name, _ in self.seq.started]
