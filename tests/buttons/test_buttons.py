"""Buttons: the pure press classifier, and gpiozero's mock pins driven low and high.

The gpiozero tests run in real time with short thresholds (hold 0.25 s, double 0.12 s), so
each takes a fraction of a second; the pin edges arrive through gpiozero's callbacks and
``call_soon_threadsafe``, as on the device.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from hypothesis import given
from hypothesis import strategies as st

from pacer.buttons.presses import (
    Gesture,
    Keypad,
    PressClassifier,
    ScriptedButtons,
    ScriptedPress,
    default_bindings,
    parse_presses,
)
from pacer.config.file import ButtonsConfig
from pacer.core.actions import ButtonAction
from pacer.core.errors import ConfigError
from pacer.devices.buttons import GpioButtons

A = ButtonAction

# --- the classifier, pure --------------------------------------------------------------


def classifier(**kw: object) -> PressClassifier:
    return PressClassifier(hold_s=1.0, double_s=0.35, debounce_s=0.02, **kw)  # type: ignore[arg-type]


def test_short_press_is_known_when_no_second_press_comes() -> None:
    c = classifier()
    assert c.press(0.0) == []
    assert c.release(0.12) == []
    assert c.deadline() == pytest.approx(0.47, abs=1e-3)
    assert c.poll(0.3) == []
    assert c.poll(0.48) == [Gesture.SHORT]
    assert c.poll(5.0) == []


def test_short_press_is_immediate_without_a_double_binding() -> None:
    c = classifier(double_enabled=False)
    c.press(0.0)
    assert c.release(0.1) == [Gesture.SHORT]


def test_double_press() -> None:
    c = classifier()
    c.press(0.0)
    c.release(0.1)
    assert c.press(0.3) == []
    assert c.release(0.4) == [Gesture.DOUBLE]
    assert c.poll(2.0) == []


def test_two_presses_too_far_apart_are_two_shorts() -> None:
    c = classifier()
    c.press(0.0)
    c.release(0.1)
    assert c.press(0.6) == [Gesture.SHORT]  # the first one, flushed by the second press
    assert c.release(0.7) == []
    assert c.poll(1.2) == [Gesture.SHORT]


def test_long_press_fires_while_still_held_and_only_once() -> None:
    c = classifier()
    c.press(0.0)
    assert c.deadline() == 1.0
    assert c.poll(0.99) == []
    assert c.poll(1.0) == [Gesture.LONG]
    assert c.poll(3.0) == []
    assert c.release(3.1) == []


def test_long_press_on_release_when_nobody_polled() -> None:
    c = classifier()
    c.press(0.0)
    assert c.release(1.4) == [Gesture.LONG]


def test_tap_then_hold_is_a_long_press_not_a_double() -> None:
    c = classifier()
    c.press(0.0)
    c.release(0.1)
    c.press(0.2)
    assert c.poll(1.2) == [Gesture.LONG]
    assert c.release(1.5) == []


def test_contact_bounce_is_ignored() -> None:
    c = classifier()
    c.press(0.0)
    assert c.release(0.005) == []  # bounce
    assert c.press(0.008) == []
    assert c.release(0.15) == []
    assert c.poll(0.6) == [Gesture.SHORT]
    c.press(1.0)
    c.release(1.1)
    assert c.press(1.103) == []  # the release bounces: not a second press
    assert c.release(1.106) == []
    assert c.poll(1.5) == [Gesture.SHORT]


def test_a_release_lost_to_bounce_filtering_is_recovered_from_the_pin_level() -> None:
    c = classifier()
    c.press(0.0)
    c.release(0.01)  # the real release, inside the debounce window: ignored
    assert c.pressed
    assert c.poll(0.3, pressed=False) == []  # the pin says released: a click, not a hold
    assert not c.pressed
    assert c.poll(0.7) == [Gesture.SHORT]


@given(st.floats(1.0, 20.0), st.floats(0.03, 0.99))
def test_holding_past_hold_time_is_long_and_shorter_is_short(held: float, tap: float) -> None:
    c = classifier(double_enabled=False)
    c.press(10.0)
    out = c.poll(10.0 + held) + c.release(10.0 + held + 0.01)
    assert out == [Gesture.LONG]
    c.press(100.0)
    assert c.poll(100.0 + tap) + c.release(100.0 + tap) == [Gesture.SHORT]


# --- bindings and config ---------------------------------------------------------------


def test_default_layouts() -> None:
    one = default_bindings(1)
    assert one == {
        (0, Gesture.SHORT): A.START_PAUSE,
        (0, Gesture.DOUBLE): A.LAP,
        (0, Gesture.LONG): A.STOP,
    }
    three = default_bindings(3)
    assert three[(1, Gesture.SHORT)] is A.LAP
    assert three[(2, Gesture.SHORT)] is A.NEXT_SCREEN
    assert set(default_bindings(2).values()) == {
        A.START_PAUSE,
        A.STOP,
        A.LAP,
        A.NEXT_SCREEN,
        A.EXTEND,
    }


def test_timing_that_cannot_work_is_refused() -> None:
    with pytest.raises(ConfigError, match="bounce_ms < double_s < hold_s"):
        Keypad(ButtonsConfig(hold_s=0.3, double_s=0.35))


# --- gpiozero mock pins ----------------------------------------------------------------

FAST = ButtonsConfig(pins=(17,), bounce_ms=5, hold_s=0.25, double_s=0.12)


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    previous = Device.pin_factory
    Device.pin_factory = factory = MockFactory()
    yield factory
    factory.reset()
    Device.pin_factory = previous


class Actions(list[ButtonAction]):
    """A callback that collects actions and lets a test wait for them."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def __call__(self, action: ButtonAction) -> None:
        self.append(action)
        self.changed.set()

    async def reach(self, n: int) -> None:
        while len(self) < n:
            self.changed.clear()
            await self.changed.wait()


async def wait_for(actions: Actions, n: int, within: float = 2.0) -> None:
    async with asyncio.timeout(within):
        await actions.reach(n)


async def pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def test_short_press_on_a_mock_pin_starts_or_pauses(pins: MockFactory) -> None:
    buttons = GpioButtons(FAST)
    actions = Actions()
    buttons.on_action(actions)
    pin = pins.pin(17)
    assert pin.state  # pulled up: not pressed
    pin.drive_low()
    await pause(0.05)
    pin.drive_high()
    await wait_for(actions, 1)
    assert actions == [A.START_PAUSE]
    await pause(0.2)
    assert actions == [A.START_PAUSE]
    buttons.close()


async def test_long_press_on_a_mock_pin_stops_while_still_held(pins: MockFactory) -> None:
    buttons = GpioButtons(FAST)
    actions = Actions()
    buttons.on_action(actions)
    pin = pins.pin(17)
    pin.drive_low()
    await wait_for(actions, 1)
    assert actions == [A.STOP]
    assert buttons._buttons[0].is_pressed  # reported before the release
    pin.drive_high()
    await pause(0.2)
    assert actions == [A.STOP]
    buttons.close()


async def test_double_press_on_a_mock_pin_is_a_lap(pins: MockFactory) -> None:
    buttons = GpioButtons(FAST)
    actions = Actions()
    buttons.on_action(actions)
    pin = pins.pin(17)
    for _ in range(2):
        pin.drive_low()
        await pause(0.03)
        pin.drive_high()
        await pause(0.03)
    await wait_for(actions, 1)
    await pause(0.2)
    assert actions == [A.LAP]
    buttons.close()


async def test_three_buttons_and_edges_from_another_thread(pins: MockFactory) -> None:
    cfg = ButtonsConfig(pins=(17, 27, 22), bounce_ms=5, hold_s=0.25, double_s=0.12)
    buttons = GpioButtons(cfg)
    actions = Actions()
    woke: list[str] = []
    buttons.on_action(actions)
    buttons.on_activity(lambda: woke.append(threading.current_thread().name))

    def tap(bcm: int) -> None:  # runs in a worker thread, like gpiozero's callbacks
        pins.pin(bcm).drive_low()
        threading.Event().wait(0.03)
        pins.pin(bcm).drive_high()

    await asyncio.to_thread(tap, 27)  # B: lap, at once (B has no double binding)
    await wait_for(actions, 1, within=0.5)
    await asyncio.to_thread(tap, 22)  # C: next screen
    await wait_for(actions, 2)
    assert actions == [A.LAP, A.NEXT_SCREEN]
    assert woke == [threading.current_thread().name] * 2  # delivered in the loop's thread
    buttons.close()


async def test_closed_buttons_release_their_pins(pins: MockFactory) -> None:
    buttons = GpioButtons(FAST)
    buttons.close()
    again = GpioButtons(FAST)  # the pin is free again
    again.close()


# --- simulated buttons -----------------------------------------------------------------


def test_parse_presses() -> None:
    assert parse_presses("A@10m, B-double@95s,A-hold@1:19:50") == [
        ScriptedPress(95.0, 1, Gesture.DOUBLE),
        ScriptedPress(600.0, 0, Gesture.SHORT),
        ScriptedPress(4790.0, 0, Gesture.LONG),
    ]
    with pytest.raises(ConfigError, match="press 'D@10m'"):
        parse_presses("D@10m")
    with pytest.raises(ConfigError, match=r"press 'A@soon'.*not a time"):
        parse_presses("A@soon")


def test_scripted_presses_go_through_the_classifier() -> None:
    script = parse_presses("A@10s,A-double@20s,A-long@30s")
    buttons = ScriptedButtons(script, ButtonsConfig(pins=(17,), hold_s=1.0))
    seen: list[tuple[float, ButtonAction]] = []
    now = [0.0]
    buttons.on_action(lambda a: seen.append((now[0], a)))
    for second in range(40):
        now[0] = float(second)
        buttons.advance(now[0])
    assert seen == [(11.0, A.START_PAUSE), (21.0, A.LAP), (31.0, A.STOP)]
    assert [g for _, _, g in buttons.keypad.gestures] == [
        Gesture.SHORT,
        Gesture.DOUBLE,
        Gesture.LONG,
    ]


def test_scripted_press_of_a_missing_button() -> None:
    with pytest.raises(ConfigError, match="button C: only 1 button"):
        ScriptedButtons([ScriptedPress(5.0, 2)], ButtonsConfig(pins=(17,)))


def test_keypad_reports_unbound_gestures_without_acting() -> None:
    pad = Keypad(ButtonsConfig(pins=(17, 27, 22)))
    acted: list[ButtonAction] = []
    pad.on_action(acted.append)
    pad.edge(2, True, 0.0)
    pad.poll(1.5)  # C held: no binding
    pad.edge(2, False, 1.6)
    assert acted == []
    assert pad.gestures == [(1.5, 2, Gesture.LONG)]


@given(
    st.lists(
        st.tuples(st.floats(0.0, 5.0), st.sampled_from(list(Gesture))), min_size=1, max_size=8
    ),
    st.floats(0.4, 2.5),
)
def test_every_scripted_press_gives_its_action(
    presses: list[tuple[float, Gesture]], hold: float
) -> None:
    cfg = ButtonsConfig(pins=(17,), hold_s=hold, double_s=0.35, bounce_ms=30)
    t = 0.0
    script = []
    for gap, gesture in presses:
        t += gap + hold + 1.0
        script.append(ScriptedPress(t, 0, gesture))
    buttons = ScriptedButtons(script, cfg)
    seen: list[ButtonAction] = []
    buttons.on_action(seen.append)
    buttons.advance(t + 10)
    assert seen == [default_bindings(1)[(0, g)] for _, g in presses]
