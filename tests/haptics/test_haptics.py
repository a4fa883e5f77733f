"""Haptic patterns on gpiozero's mock PWM pin, on a virtual clock.

The player runs for real in an asyncio task against ``PwmMotor`` (gpiozero's
``PWMOutputDevice`` on a ``MockPWMPin``); only time is virtual, so every pattern's timeline is
checked to the millisecond in a few milliseconds of real time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.config.file import HapticsConfig
from pacer.core.errors import HardwareError
from pacer.devices.motor import PwmMotor, RecordingMotor
from pacer.haptics import (
    PATTERNS,
    HapticPlayer,
    HapticRecorder,
    Outcome,
    Sequencer,
    doc_table,
    pattern,
)
from pacer.sim.clock import SimClock

DOCS = Path(__file__).resolve().parents[2] / "docs"


class VirtualClock(SimClock):
    """The simulator's clock, moved so that a task woken at a deadline runs until it waits
    again before time moves on (the player wakes through a few awaits; ``advance_to`` gives
    woken tasks a single loop turn).
    """

    @property
    def now(self) -> float:
        return self.monotonic()

    def _next_deadline(self) -> float | None:
        pending = [due for due, _, fut in self._sleepers if not fut.done()]
        return min(pending) if pending else None

    async def run_until(self, t: float) -> None:
        while True:
            await settle()
            due = self._next_deadline()
            if due is None or due > t:
                break
            self.advance(max(0.0, due - self.now))
        self.advance(max(0.0, t - self.now))
        await settle()


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


class LoggedMotor(PwmMotor):
    """The real PWM motor, logging (virtual time, duty) of every change it is asked for."""

    def __init__(self, clock: VirtualClock, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.clock = clock
        self.log: list[tuple[float, float]] = []

    def set(self, duty: float) -> None:
        self.log.append((round(self.clock.now, 6), duty))
        super().set(duty)


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    previous = Device.pin_factory
    Device.pin_factory = f = MockFactory(pin_class=MockPWMPin)
    yield f
    f.reset()
    Device.pin_factory = previous


def expected_timeline(name: str, start: float = 0.0) -> list[tuple[float, float]]:
    """(time, duty) at every change of the pattern's duty, ending with the motor off."""
    out: list[tuple[float, float]] = []
    t, duty = start, 0.0
    for seg in pattern(name).segments:
        if seg.duty != duty:
            out.append((round(t, 6), seg.duty))
            duty = seg.duty
        t += seg.seconds
    out.append((round(t, 6), 0.0))
    return out


def rounded(timeline: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(round(t, 6), round(d, 6)) for t, d in timeline]


def pin_values(factory: MockFactory, bcm: int = 18) -> list[float]:
    """The duty values the mock pin went through, without its initial state."""
    return [s.state for s in factory.pin(bcm).states[1:]]


@pytest.mark.parametrize("name", list(PATTERNS))
async def test_each_pattern_timeline_on_the_pin(name: str, factory: MockFactory) -> None:
    clock = VirtualClock()
    motor = LoggedMotor(clock)
    player = HapticPlayer(motor, clock=clock)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(player.run())
        await clock.run_until(1.0)
        factory.pin(18).clear_states()
        player.play(name)
        await clock.run_until(1.0 + pattern(name).duration + 1.0)
        task.cancel()
    assert rounded(motor.log) == rounded(expected_timeline(name, start=1.0))
    assert pin_values(factory) == pytest.approx([d for _, d in expected_timeline(name)])
    assert factory.pin(18).state == 0
    assert factory.pin(18).frequency == 200


async def test_a_more_important_pattern_cuts_in(factory: MockFactory) -> None:
    clock = VirtualClock()
    motor = LoggedMotor(clock)
    player = HapticPlayer(motor, clock=clock)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(player.run())
        player.play("under")  # 0.8 s swell
        await clock.run_until(0.3)
        player.play("over")  # more important: stops the swell, 0.1 s still, then over
        await clock.run_until(3.0)
        task.cancel()
    assert rounded(motor.log[:3]) == [(0.0, 0.3), (0.2, 0.6), (0.3, 0.0)]
    assert rounded(motor.log[3:]) == rounded(expected_timeline("over", start=0.4))
    assert [o for _, _, o in player.log] == [Outcome.STARTED, Outcome.PREEMPTED]


async def test_a_lesser_pattern_waits_its_turn(factory: MockFactory) -> None:
    clock = VirtualClock()
    motor = LoggedMotor(clock)
    player = HapticPlayer(motor, clock=clock)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(player.run())
        player.play("step_change")  # 1.2 s
        await clock.run_until(0.5)
        player.play("cadence_cue")
        await clock.run_until(5.0)
        task.cancel()
    step_end = pattern("step_change").duration
    assert rounded(motor.log) == rounded(
        expected_timeline("step_change") + expected_timeline("cadence_cue", start=step_end + 0.25)
    )


async def test_motor_is_off_after_close(factory: MockFactory) -> None:
    clock = VirtualClock()
    player = HapticPlayer(PwmMotor(), clock=clock)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(player.run())
        player.play("done")
        await clock.run_until(0.5)
        assert factory.pin(18).state == 1.0
        player.close()
        await clock.run_until(0.6)  # run() sees the close and returns
    assert factory.pin(18).state == 0
    player.play("over")  # after close: nothing, no error
    assert factory.pin(18).state == 0


async def test_motor_is_off_after_an_exception_elsewhere(factory: MockFactory) -> None:
    clock = VirtualClock()
    player = HapticPlayer(PwmMotor(), clock=clock)

    async def crash() -> None:
        await clock.sleep(0.5)
        raise RuntimeError("the engine fell over")

    buzzing: list[float] = []

    async def run() -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(player.run())
            tg.create_task(crash())
            player.play("done")
            await clock.run_until(0.4)
            buzzing.append(factory.pin(18).state)
            await clock.run_until(1.0)

    with pytest.raises(ExceptionGroup) as info:
        await run()
    assert buzzing == [1.0]
    assert info.group_contains(RuntimeError, match="fell over")
    assert factory.pin(18).state == 0


async def test_motor_is_off_after_an_exception_in_the_motor(factory: MockFactory) -> None:
    clock = VirtualClock()

    class Flaky(PwmMotor):
        calls = 0

        def set(self, duty: float) -> None:
            Flaky.calls += 1
            if Flaky.calls == 3:
                raise OSError("GPIO went away")
            super().set(duty)

    player = HapticPlayer(Flaky(), clock=clock)
    task = asyncio.create_task(player.run())
    player.play("over")  # on, off, on: the third change fails with the motor on
    await clock.run_until(1.0)
    assert task.done()
    with pytest.raises(OSError, match="GPIO went away"):
        task.result()
    assert factory.pin(18).state == 0


async def test_off_stops_at_once(factory: MockFactory) -> None:
    clock = VirtualClock()
    player = HapticPlayer(PwmMotor(), clock=clock)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(player.run())
        player.play("done")
        player.play("countdown")  # waits behind done
        await clock.run_until(0.5)
        player.off()
        assert factory.pin(18).state == 0
        await clock.run_until(5.0)
        assert factory.pin(18).state == 0  # nothing waiting starts later either
        task.cancel()


async def test_strength_scales_the_duty(factory: MockFactory) -> None:
    clock = VirtualClock()
    player = HapticPlayer(PwmMotor(), clock=clock, strength=0.5)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(player.run())
        player.play("done")
        await clock.run_until(0.1)
        assert factory.pin(18).state == pytest.approx(0.5)
        task.cancel()
    with pytest.raises(ValueError, match="strength"):
        HapticPlayer(PwmMotor(HapticsConfig(pin=5), pin_factory=factory), strength=2)


def test_unknown_pattern_names_the_known_ones() -> None:
    player = HapticPlayer(RecordingMotor(lambda: 0.0))
    with pytest.raises(ValueError, match=r"no haptic pattern 'buzz'.*step_change"):
        player.play("buzz")


def test_motor_on_a_pin_that_does_not_exist(factory: MockFactory) -> None:
    with pytest.raises(HardwareError, match="GPIO18"):
        PwmMotor(pin_factory=MockFactory(pin_class=_NoPin))


class _NoPin(MockPWMPin):
    def __init__(self, factory: object, info: object) -> None:
        from gpiozero import PinInvalidPin

        raise PinInvalidPin("no such pin on this board")


def test_motor_close_releases_the_pin(factory: MockFactory) -> None:
    motor = PwmMotor()
    motor.set(0.7)
    assert factory.pin(18).state == pytest.approx(0.7)
    motor.close()
    assert factory.pin(18).state == 0
    motor.off()  # after close: no error
    motor.close()


# --- the sequencer, pure -----------------------------------------------------------------


def test_sequencer_rules() -> None:
    seq = Sequencer()
    assert seq.request("predicted_over", 0.0) is Outcome.STARTED
    assert seq.request("predicted_over", 0.1) is Outcome.IGNORED  # already playing
    assert seq.request("cadence_cue", 0.2) is Outcome.QUEUED
    assert seq.request("under", 0.2) is Outcome.QUEUED  # less than 70: waits, replacing (10)
    assert seq.request("back_in_zone", 0.25) is Outcome.DROPPED  # less than what waits (60)
    assert seq.waiting is not None
    assert seq.waiting[0].name == "under"
    assert seq.request("over", 0.3) is Outcome.PREEMPTED
    assert seq.cut == [("predicted_over", 0.3)]


def test_sequencer_priorities() -> None:
    seq = Sequencer()
    assert seq.request("countdown", 0.0) is Outcome.STARTED  # 35
    assert seq.request("back_in_zone", 0.1) is Outcome.QUEUED  # 30
    assert seq.request("back_in_zone", 0.15) is Outcome.IGNORED  # already waiting
    assert seq.request("under", 0.2) is Outcome.PREEMPTED  # 60 > 35
    assert seq.cut == [("countdown", 0.2)]
    assert seq.duty(0.25) == 0.0  # the stillness before the new pattern
    assert seq.duty(0.31) == pytest.approx(0.3)
    assert seq.request("under", 0.4) is Outcome.IGNORED
    assert seq.request("step_change", 0.5) is Outcome.PREEMPTED
    # back_in_zone still waits: it plays after step_change and the gap
    assert seq.waiting is not None
    assert seq.waiting[0].name == "back_in_zone"
    step_end = 0.6 + PATTERNS["step_change"].duration
    assert seq.duty(5.0) == 0.0
    assert seq.started[-1] == ("back_in_zone", pytest.approx(step_end + 0.25))
    names = [n for n, _ in seq.started]
    assert names == ["countdown", "under", "step_change", "back_in_zone"]


def test_a_pattern_that_waited_too_long_is_dropped() -> None:
    seq = Sequencer(max_wait_s=1.0, gap_s=0.25)
    seq.request("done", 0.0)  # 1.5 s
    assert seq.request("cadence_cue", 0.1) is Outcome.QUEUED  # would start at 1.75: too late
    assert seq.duty(10.0) == 0.0
    assert seq.waiting is None
    assert seq.started == [("done", 0.0)]


def test_a_waiting_pattern_starts_after_the_gap() -> None:
    seq = Sequencer(gap_s=0.25)
    seq.request("set_done", 0.0)  # 0.3 s
    seq.request("rest_warning", 0.1)
    assert seq.next_change(0.1) == pytest.approx(0.3)
    assert seq.next_change(0.3) == pytest.approx(0.55)
    assert seq.duty(0.54) == 0.0
    assert seq.duty(0.55) == pytest.approx(0.7)
    assert seq.started == [("set_done", 0.0), ("rest_warning", 0.55)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(PATTERNS)), st.floats(0, 0.6)),
        min_size=1,
        max_size=25,
    )
)
def test_patterns_never_overlap(requests: list[tuple[str, float]]) -> None:
    seq = Sequencer(gap_s=0.25, preempt_gap_s=0.1)
    t = 0.0
    for name, dt in requests:
        t += dt
        seq.request(name, t)
    seq.duty(t + 100)  # let whatever waits play out
    cuts = {(name, round(at, 6)) for name, at in seq.cut}
    for (n1, s1), (n2, s2) in itertools.pairwise(seq.started):
        end = s1 + PATTERNS[n1].duration
        if s2 >= end + 0.25 - 1e-9:
            continue  # the first ended, then the gap, then the second
        # otherwise the second cut the first short: more important, after a short stillness
        assert (n1, round(s2 - 0.1, 6)) in cuts
        assert PATTERNS[n2].priority > PATTERNS[n1].priority
        assert s2 - 0.1 >= s1 - 1e-9


def test_recorder_records_time_pattern_outcome_and_timeline() -> None:
    now = [0.0]
    seen = []
    rec = HapticRecorder(lambda: now[0], on_record=seen.append)
    rec.play("step_change")
    now[0] = 0.5
    rec.play("countdown")
    now[0] = 10.0
    assert rec.felt() == ["step_change", "countdown"]
    assert [(r.t, r.pattern, r.outcome) for r in seen] == [
        (0.0, "step_change", Outcome.STARTED),
        (0.5, "countdown", Outcome.QUEUED),
    ]
    assert seen[0].timeline == PATTERNS["step_change"].segments


# --- the library ---------------------------------------------------------------------------


def test_every_engine_pattern_exists_and_feels_different() -> None:
    names = {
        "step_change", "countdown", "tick", "over", "predicted_over", "under", "back_in_zone",
        "cadence_cue", "sensor_lost", "sensor_back", "set_done", "rest_warning", "rest_end",
        "paused", "resumed", "done", "battery_low", "cue",
    }  # fmt: skip
    assert set(PATTERNS) == names
    shapes = {tuple((s.duty, s.seconds) for s in p.segments) for p in PATTERNS.values()}
    assert len(shapes) == len(PATTERNS)
    for p in PATTERNS.values():
        assert 0 < p.duration <= 1.5
        assert p.segments[0].duty > 0
        assert p.segments[-1].duty > 0
        assert all(0 <= s.duty <= 1 for s in p.segments)


def test_docs_carry_the_pattern_table() -> None:
    assert doc_table() in (DOCS / "haptics.md").read_text()
