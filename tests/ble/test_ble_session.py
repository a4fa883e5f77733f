"""The supervised sensor sessions and BleSensors, with time driven by hand.

pytest-mock at the BleakClient boundary: a real ``BleakClient`` needs BlueZ and a radio, so
here every client is ``MagicMock(spec=BleakClient)`` whose async methods are ``AsyncMock``s;
the test takes the callback given to ``start_notify`` and feeds it bytes. The clients come
from ``FakeRadio``, a stand-in for ``pacer.ble.radio.BleakRadio`` (pacer's own seam). The real
bleak stack is exercised end to end in ``test_ble_bluez_double.py``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import MagicMock

import pytest
from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError

from pacer.ble.gatt import BATTERY_LEVEL, HEART_RATE_MEASUREMENT, RSC_MEASUREMENT
from pacer.ble.health import SensorState
from pacer.ble.pairing import Pairing
from pacer.ble.session import BleSensors, SessionSettings, backoff_delay
from pacer.core.samples import (
    BatterySample,
    HeartRateSample,
    Sample,
    SensorRole,
    SensorStatus,
    StrideSample,
)
from tests.support.manual_clock import ManualClock, settle

HR = "F0:13:C3:5A:2B:01"
POD = "C4:7C:8D:6A:00:12"
POWER = "D1:22:33:44:55:66"
SETTINGS = SessionSettings(
    find_timeout_s=5.0,
    silence_timeout_s=5.0,
    backoff_min_s=1.0,
    backoff_max_s=30.0,
    backoff_factor=2.0,
    jitter=0.2,
)


class Fixed:
    """An RNG that always draws the same number (0.5: no jitter at all)."""

    def __init__(self, value: float = 0.5) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@dataclass
class Link:
    """One connection handed out by the fake radio."""

    client: MagicMock
    on_disconnect: Callable[[], None]
    callbacks: dict[str, Callable[[Any, bytearray], None]] = field(default_factory=dict)

    def feed(self, data: bytes, uuid: str = HEART_RATE_MEASUREMENT) -> None:
        self.callbacks[uuid](MagicMock(uuid=uuid), bytearray(data))

    def drop(self) -> None:
        """The sensor went away (bleak calls the disconnected callback)."""
        self.on_disconnect()


class FakeRadio:
    def __init__(self, mocker: Any) -> None:
        self._mocker = mocker
        self.present: set[str] = set()
        self.unavailable: BaseException | None = None
        self.find_error: BaseException | None = None
        self.connect_errors: list[BaseException] = []
        self.notify_errors: list[BaseException] = []
        self.battery: MagicMock | None = None
        self.finds: list[str] = []
        self.links: dict[str, list[Link]] = defaultdict(list)
        self.invalidated: list[str] = []
        self.active = 0
        self.max_active = 0
        self.closed = False
        #: Addresses BlueZ still lists but that do not answer: a connect hangs this long on
        #: ``clock`` (a page timeout; really 2 x 20 s in bleak-retry-connector), then fails.
        self.hangs: dict[str, float] = {}
        self.clock: ManualClock | None = None
        self.connected_at: dict[str, list[float]] = defaultdict(list)
        self.found_at: dict[str, list[float]] = defaultdict(list)

    def link(self, address: str) -> Link:
        return self.links[address][-1]

    async def find(self, address: str, within_s: float) -> BLEDevice | None:
        self.finds.append(address)
        if address in self.hangs:
            return BLEDevice(address, f"sensor {address}", {"path": "/org/bluez/hci0/dev_y"})
        if self.unavailable is not None:
            raise self.unavailable
        if self.find_error is not None:
            error, self.find_error = self.find_error, None
            raise error
        if address not in self.present:
            return None
        if self.clock is not None:
            self.found_at[address].append(self.clock.monotonic())
        return BLEDevice(address, f"sensor {address}", {"path": "/org/bluez/hci0/dev_x"})

    async def connect(self, device: BLEDevice, on_disconnect: Callable[[], None]) -> BleakClient:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await settle(5)  # a connection takes a while: another session could barge in here
            if device.address in self.hangs:
                assert self.clock is not None
                await self.clock.sleep(self.hangs[device.address])
                raise TimeoutError("page timeout")
            if self.connect_errors:
                raise self.connect_errors.pop(0)
            client = self._mocker.MagicMock(spec=BleakClient)
            link = Link(client, on_disconnect)

            async def start_notify(char: Any, callback: Any, **_kw: Any) -> None:
                if self.notify_errors:
                    raise self.notify_errors.pop(0)
                link.callbacks[char if isinstance(char, str) else char.uuid] = callback

            client.start_notify.side_effect = start_notify
            client.disconnect.side_effect = on_disconnect  # bleak reports its own disconnects
            client.services.get_characteristic.return_value = self.battery
            self.links[device.address].append(link)
            if self.clock is not None:
                self.connected_at[device.address].append(self.clock.monotonic())
            result: BleakClient = client
            return result
        finally:
            self.active -= 1

    def invalidate(self, address: str) -> None:
        self.invalidated.append(address)

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def radio(mocker: Any) -> FakeRadio:
    return FakeRadio(mocker)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1000.0)


@asynccontextmanager
async def running(
    pairings: list[Pairing],
    radio: FakeRadio,
    clock: ManualClock,
    *,
    rng: Any = None,
    settings: SessionSettings = SETTINGS,
    collect: bool = True,
    queue_size: int = 256,
) -> AsyncIterator[tuple[BleSensors, list[Sample]]]:
    got: list[Sample] = []
    sensors = BleSensors(
        pairings,
        clock=clock,
        radio=radio,
        rng=rng or Fixed(),
        settings=settings,
        queue_size=queue_size,
    )
    async with sensors, asyncio.TaskGroup() as tg:

        async def collector() -> None:
            async for sample in sensors.samples():
                got.append(sample)

        task = tg.create_task(collector()) if collect else None
        try:
            await settle()
            yield sensors, got
        finally:
            if task is not None:
                task.cancel()


def health(sensors: BleSensors, role: SensorRole) -> Any:
    return next(h for h in sensors.health() if h.role is role)


HR_PAIRING = Pairing(HR, SensorRole.HR)


async def test_connects_and_stamps_samples_on_arrival(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        assert got == [SensorStatus(t=1000.0, role=SensorRole.HR, connected=True)]
        link = radio.link(HR)
        link.client.start_notify.assert_awaited_once()
        await clock.advance(0.25)
        link.feed(bytes.fromhex("00 48"))
        await clock.advance(1.0)
        link.feed(bytes.fromhex("1E 55 32 00 21 00"))
        await settle()
        assert got[1:] == [
            HeartRateSample(t=1000.25, bpm=72),
            HeartRateSample(t=1001.25, bpm=85, contact=True, rr_s=(33 / 1024,), energy_kj=50),
        ]
        h = health(sensors, SensorRole.HR)
        assert (h.state, h.connects, h.notifications, h.failures) == (
            SensorState.CONNECTED,
            1,
            2,
            0,
        )
        assert sensors.status_line() == "hr connected"


async def test_reconnects_after_an_unexpected_disconnect(
    radio: FakeRadio, clock: ManualClock
) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        first = radio.link(HR)
        first.feed(bytes.fromhex("00 48"))
        await clock.advance(0.5)
        first.drop()
        await settle()
        assert got[-1] == SensorStatus(t=1000.5, role=SensorRole.HR, connected=False)
        first.client.disconnect.assert_awaited_once()  # cleaned up in finally all the same
        h = health(sensors, SensorRole.HR)
        assert (h.state, h.unexpected_disconnects, h.last_error) == (
            SensorState.WAITING,
            1,
            "disconnected",
        )
        # It had worked, so the first retry comes after the shortest backoff (1 s).
        await clock.advance(0.9)
        assert len(radio.links[HR]) == 1
        await clock.advance(0.2)
        assert len(radio.links[HR]) == 2
        assert got[-1] == SensorStatus(t=1001.5, role=SensorRole.HR, connected=True)
        radio.link(HR).feed(bytes.fromhex("00 4A"))
        await settle()
        assert got[-1] == HeartRateSample(t=1001.6, bpm=74)
        h = health(sensors, SensorRole.HR)
        assert (h.connects, h.unexpected_disconnects, h.silences) == (2, 1, 0)


async def test_silence_watchdog_drops_a_mute_link(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        link = radio.link(HR)
        await clock.advance(2.0)
        link.feed(bytes.fromhex("00 48"))  # the watchdog now fires at 1007.0
        await clock.advance(4.9)
        assert health(sensors, SensorRole.HR).state is SensorState.CONNECTED
        link.client.disconnect.assert_not_awaited()
        await clock.advance(0.2)
        link.client.disconnect.assert_awaited_once()
        h = health(sensors, SensorRole.HR)
        assert (h.silences, h.unexpected_disconnects) == (1, 0)  # we hung up, not the sensor
        assert h.last_error == "silent for 5 s"
        assert got[-1] == SensorStatus(t=1007.0, role=SensorRole.HR, connected=False)
        await clock.run_until(lambda: len(radio.links[HR]) == 2)


async def test_backoff_schedule_for_a_sensor_that_never_appears(
    radio: FakeRadio, clock: ManualClock
) -> None:
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        await clock.run_until(lambda: len(radio.finds) == 8)
        assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
        h = health(sensors, SensorRole.HR)
        assert (h.failures, h.connects, h.last_error) == (8, 0, "not found nearby")
        assert h.state is SensorState.WAITING
        assert got == []


def test_backoff_jitter_bounds() -> None:
    assert backoff_delay(0, SETTINGS, Fixed(0.0)) == pytest.approx(0.8)
    assert backoff_delay(0, SETTINGS, Fixed(0.999999)) == pytest.approx(1.2)
    assert backoff_delay(3, SETTINGS, Fixed(0.0)) == pytest.approx(6.4)
    assert backoff_delay(50, SETTINGS, Fixed(0.999999)) == pytest.approx(36.0)
    rng = random.Random(7)
    delays = [backoff_delay(2, SETTINGS, rng) for _ in range(200)]
    assert all(3.2 <= d <= 4.8 for d in delays)
    assert len(set(delays)) == 200  # jittered: two sessions do not retry in lockstep


async def test_backoff_restarts_after_a_connection_that_worked(
    radio: FakeRadio, clock: ManualClock
) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock) as (sensors, _got):

        def hr() -> Any:
            return health(sensors, SensorRole.HR)

        radio.link(HR).feed(bytes.fromhex("00 48"))
        radio.connect_errors = [BleakError("Software caused connection abort")] * 3
        radio.link(HR).drop()
        await settle()
        delays = [hr().retry_delay_s]
        for n in (1, 2, 3):
            await clock.run_until(lambda n=n: hr().failures == n)  # type: ignore[misc]
            delays.append(hr().retry_delay_s)
        assert delays == [1.0, 2.0, 4.0, 8.0]
        assert radio.invalidated == [HR, HR, HR]
        await clock.run_until(lambda: len(radio.links[HR]) == 2)
        radio.link(HR).feed(bytes.fromhex("00 48"))
        radio.link(HR).drop()
        await settle()
        assert hr().retry_delay_s == 1.0


async def test_two_sensors_connect_one_at_a_time_and_stream_together(
    radio: FakeRadio, clock: ManualClock
) -> None:
    radio.present |= {HR, POD}
    pairings = [HR_PAIRING, Pairing(POD, SensorRole.POD)]
    async with running(pairings, radio, clock) as (sensors, got):
        assert radio.max_active == 1  # the connect lock
        assert sensors.status_line() == "hr connected, pod connected"
        for i in range(3):
            radio.link(HR).feed(bytes([0x00, 140 + i]))
            radio.link(POD).feed(bytes.fromhex("04 00 03 AA"), RSC_MEASUREMENT)
            await clock.advance(1.0)
        hr = [s for s in got if isinstance(s, HeartRateSample)]
        pod = [s for s in got if isinstance(s, StrideSample)]
        assert [s.bpm for s in hr] == [140, 141, 142]
        assert [(s.speed_mps, s.cadence_spm) for s in pod] == [(3.0, 170.0)] * 3
        assert [s.t for s in pod] == [1000.0, 1001.0, 1002.0]


async def test_a_missing_sensor_does_not_hold_up_the_others(
    radio: FakeRadio, clock: ManualClock
) -> None:
    radio.present.add(HR)
    pairings = [HR_PAIRING, Pairing(POWER, SensorRole.POWER)]
    async with running(pairings, radio, clock) as (sensors, got):
        for _ in range(40):
            radio.link(HR).feed(bytes.fromhex("00 50"))
            await clock.advance(1.0)
        power = health(sensors, SensorRole.POWER)
        assert power.failures >= 4
        assert power.last_error == "not found nearby"
        assert health(sensors, SensorRole.HR).state is SensorState.CONNECTED
        assert len(radio.links[HR]) == 1
        assert sum(isinstance(s, HeartRateSample) for s in got) == 40


async def test_parse_errors_are_counted_and_dropped(
    radio: FakeRadio, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        link = radio.link(HR)
        with caplog.at_level(logging.DEBUG, logger="pacer.ble.session"):
            for payload in ("01 48", "", "00 48 00", "10 48"):
                link.feed(bytes.fromhex(payload))
            link.feed(bytes.fromhex("00 48"))
        await settle()
        h = health(sensors, SensorRole.HR)
        assert (h.parse_errors, h.notifications, h.state) == (4, 5, SensorState.CONNECTED)
        assert [s for s in got if isinstance(s, HeartRateSample)] == [HeartRateSample(1000.0, 72)]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "truncated" in warnings[0].getMessage()


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory"),
        BleakBluetoothNotAvailableError("No Bluetooth adapters found.", None),  # type: ignore[arg-type]
        BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown", ["no bluez"]),
    ],
    ids=["no-dbus", "no-adapter", "no-bluez"],
)
async def test_no_bluetooth_is_a_status_not_a_crash(
    radio: FakeRadio, clock: ManualClock, error: BaseException
) -> None:
    radio.unavailable = error
    async with running([HR_PAIRING], radio, clock) as (sensors, _got):
        await clock.run_until(lambda: health(sensors, SensorRole.HR).failures >= 3)
        assert health(sensors, SensorRole.HR).state is SensorState.UNAVAILABLE
        assert sensors.status_line() == "Bluetooth unavailable"
        assert not sensors.bluetooth_available
        radio.unavailable = None
        radio.present.add(HR)
        await clock.run_until(lambda: health(sensors, SensorRole.HR).state is SensorState.CONNECTED)
        assert sensors.status_line() == "hr connected"


async def test_a_failed_subscription_is_cleaned_up(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present.add(HR)
    radio.notify_errors = [BleakError("Characteristic 2a37 was not found!")]
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        first = radio.links[HR][0]
        first.client.disconnect.assert_awaited_once()
        h = health(sensors, SensorRole.HR)
        assert (h.failures, h.unexpected_disconnects) == (1, 0)
        assert "2a37" in h.last_error
        assert got == []  # never reported as connected
        assert radio.invalidated == []  # the device itself was reachable
        await clock.run_until(lambda: len(radio.links[HR]) == 2)
        assert got == [SensorStatus(t=clock.now, role=SensorRole.HR, connected=True)]


async def test_a_failed_connection_forgets_the_device(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present.add(HR)
    radio.connect_errors = [BleakError("failed to discover services, device disconnected")]
    async with running([HR_PAIRING], radio, clock) as (sensors, _got):
        assert radio.invalidated == [HR]
        h = health(sensors, SensorRole.HR)
        assert (h.failures, h.state) == (1, SensorState.WAITING)
        await clock.run_until(lambda: health(sensors, SensorRole.HR).connects == 1)


async def test_unexpected_errors_are_supervised(
    radio: FakeRadio, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    radio.present.add(HR)
    radio.find_error = RuntimeError("a bug somewhere below us")
    with caplog.at_level(logging.ERROR, logger="pacer.ble.session"):
        async with running([HR_PAIRING], radio, clock) as (sensors, _got):
            assert health(sensors, SensorRole.HR).last_error == "a bug somewhere below us"
            await clock.run_until(lambda: health(sensors, SensorRole.HR).connects == 1)
    assert any("unexpected error" in r.getMessage() for r in caplog.records)


async def test_leaving_disconnects_everything(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present |= {HR, POD}
    pairings = [HR_PAIRING, Pairing(POD, SensorRole.POD)]
    async with running(pairings, radio, clock) as (sensors, _got):
        links = [radio.link(HR), radio.link(POD)]
    for link in links:
        link.client.disconnect.assert_awaited_once()
    assert radio.closed
    assert {h.state for h in sensors.health()} == {SensorState.STOPPED}
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("ble-")] == []
    h = health(sensors, SensorRole.HR)
    assert h.unexpected_disconnects == 0


async def test_notification_gap_percentiles(radio: FakeRadio, clock: ManualClock) -> None:
    radio.present.add(HR)
    gaps = [1.0] * 96 + [2.0] * 4
    random.Random(3).shuffle(gaps)
    async with running([HR_PAIRING], radio, clock) as (sensors, _got):
        link = radio.link(HR)
        link.feed(bytes.fromhex("00 48"))
        for gap in gaps:
            await clock.advance(gap)
            link.feed(bytes.fromhex("00 48"))
        h = health(sensors, SensorRole.HR)
        assert (h.gap_p95_s, h.gap_p99_s) == (1.0, 2.0)
        assert h.notifications == 101


async def test_a_slow_consumer_loses_the_oldest_samples(
    radio: FakeRadio, clock: ManualClock
) -> None:
    radio.present.add(HR)
    async with running([HR_PAIRING], radio, clock, collect=False, queue_size=4) as (sensors, _):
        for bpm in range(100, 110):
            radio.link(HR).feed(bytes([0, bpm]))
        assert sensors.dropped == 7  # the connect status and six readings
        stream = sensors.samples()
        kept = [await anext(stream) for _ in range(4)]
        await stream.aclose()
        assert [s.bpm for s in kept if isinstance(s, HeartRateSample)] == [106, 107, 108, 109]


async def test_battery_level(radio: FakeRadio, clock: ManualClock, mocker: Any) -> None:
    radio.present.add(HR)
    char = mocker.MagicMock(uuid=BATTERY_LEVEL, properties=["read", "notify"])
    radio.battery = char
    original_connect = radio.connect

    async def connect(device: BLEDevice, on_disconnect: Callable[[], None]) -> BleakClient:
        client = await original_connect(device, on_disconnect)
        client.read_gatt_char.return_value = bytearray([77])  # type: ignore[attr-defined]
        return client

    radio.connect = connect  # type: ignore[method-assign]
    async with running([HR_PAIRING], radio, clock) as (sensors, got):
        link = radio.link(HR)
        link.client.read_gatt_char.assert_awaited_once_with(char)
        assert BatterySample(t=1000.0, role=SensorRole.HR, percent=77) in got
        await clock.advance(1.0)
        link.feed(bytes([76]), BATTERY_LEVEL)
        link.feed(bytes([150]), BATTERY_LEVEL)  # over 100 %: a parse error
        await settle()
        assert got[-1] == BatterySample(t=1001.0, role=SensorRole.HR, percent=76)
        h = health(sensors, SensorRole.HR)
        assert (h.battery_percent, h.parse_errors) == (76, 1)


async def test_an_absent_sensor_gives_the_radio_to_a_returning_one(
    radio: FakeRadio, clock: ManualClock
) -> None:
    """Issue 14: a strap BlueZ still lists but that is gone holds each connect for 40 s; the
    pod coming back must not wait behind it: connected within 5 s of being found."""
    radio.clock = clock
    radio.hangs[HR] = 40.0
    pairings = [HR_PAIRING, Pairing(POD, SensorRole.POD)]
    async with running(pairings, radio, clock) as (sensors, _got):
        await clock.advance(1.0)  # the strap is connecting (and will hang): the pod is away
        assert radio.active == 1
        radio.present.add(POD)
        back = clock.monotonic()
        await clock.run_until(lambda: bool(radio.connected_at[POD]), step=0.1, limit=60)
        waited = radio.connected_at[POD][0] - back
        queued = radio.connected_at[POD][0] - radio.found_at[POD][0]
        assert waited <= 5.0, waited  # its own backoff, then its turn at the radio
        assert queued <= SETTINGS.radio_wait_s + 0.01, queued
        await clock.run_until(lambda: health(sensors, SensorRole.POD).state.value == "connected")
        hr = health(sensors, SensorRole.HR)
        assert "gave the radio to a waiting sensor" in hr.last_error
        assert radio.max_active == 1  # still one connect at a time
        print(f"pod connected {waited:.2f} s after coming back, {queued:.2f} s after found")
        await clock.advance(60.0)  # the strap keeps trying
        assert health(sensors, SensorRole.HR).failures >= 2


async def test_a_connect_nobody_waits_for_is_not_cut(radio: FakeRadio, clock: ManualClock) -> None:
    radio.clock = clock
    radio.hangs[HR] = 40.0
    async with running([HR_PAIRING], radio, clock) as (sensors, _got):
        await clock.advance(39.0)
        assert radio.active == 1  # alone: the slow connect runs its course
        await clock.advance(2.0)
        assert health(sensors, SensorRole.HR).last_error != ""
        assert "gave the radio" not in health(sensors, SensorRole.HR).last_error


async def test_connects_shorter_than_the_turn_are_never_cut(
    radio: FakeRadio, clock: ManualClock
) -> None:
    """Two present sensors each taking 2 s to connect: both connect at the first try."""
    radio.clock = clock
    radio.present |= {HR, POD}
    original = radio.connect

    async def slow_connect(device: BLEDevice, on_disconnect: Callable[[], None]) -> BleakClient:
        await clock.sleep(2.0)
        return await original(device, on_disconnect)

    radio.connect = slow_connect  # type: ignore[method-assign]
    pairings = [HR_PAIRING, Pairing(POD, SensorRole.POD)]
    async with running(pairings, radio, clock) as (sensors, _got):
        await clock.run_until(lambda: len(radio.connected_at) == 2, step=0.1, limit=20)
        assert sorted(len(v) for v in radio.connected_at.values()) == [1, 1]
        assert all(h.failures == 0 for h in sensors.health())


async def test_two_absent_sensors_ahead_do_not_add_up(radio: FakeRadio, clock: ManualClock) -> None:
    radio.clock = clock
    radio.hangs[HR] = 40.0
    radio.hangs[POWER] = 40.0
    pairings = [HR_PAIRING, Pairing(POWER, SensorRole.POWER), Pairing(POD, SensorRole.POD)]
    async with running(pairings, radio, clock) as (_sensors, _got):
        await clock.advance(1.0)  # the strap holds the radio, the power meter queues
        radio.present.add(POD)
        await clock.run_until(lambda: bool(radio.connected_at[POD]), step=0.1, limit=60)
        queued = radio.connected_at[POD][0] - radio.found_at[POD][0]
        assert queued <= SETTINGS.radio_wait_s + 0.01, queued
        assert radio.max_active == 1
