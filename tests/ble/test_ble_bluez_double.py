"""pacer's BLE sessions through the real bleak stack, against a BlueZ double on a private bus.

Everything from bleak down is real: bleak's BlueZ backend and its D-Bus manager,
bleak-retry-connector, dbus-fast, a real ``dbus-daemon``. Only bluetoothd and the radio are
simulated (``tests/support/bluez_double.py``). bleak finds the bus through
``DBUS_SYSTEM_BUS_ADDRESS``, which dbus-fast reads whenever bleak opens a connection, and
bleak keeps one BlueZ manager per event loop, so each test (its own loop) gets a fresh
manager on its own bus.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from pacer.ble.health import SensorHealth, SensorState
from pacer.ble.pairing import Pairing, save_pairings
from pacer.ble.radio import scan
from pacer.ble.session import BleSensors, SessionSettings
from pacer.core.samples import BatterySample, HeartRateSample, Sample, SensorRole, SensorStatus
from tests.support.ble_peripherals import foot_pod, heart_rate_strap, speaker
from tests.support.bluez_double import (
    BlueZDouble,
    SystemClock,
    open_fds,
    release_bleak,
    uuid16,
)
from tests.support.paths import REPO, require_tool
from tests.support.private_bus import PrivateBus

HR = "F0:13:C3:5A:2B:01"
POD = "C4:7C:8D:6A:00:12"
FAST = SessionSettings(
    find_timeout_s=1.0,
    silence_timeout_s=1.5,
    backoff_min_s=0.1,
    backoff_max_s=0.4,
    jitter=0.2,
)


@pytest.fixture
async def bus(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[PrivateBus]:
    private = PrivateBus(require_tool("dbus-daemon")).start()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", private.address)
    try:
        yield private
    finally:
        await release_bleak()
        private.stop()


@pytest.fixture
async def bluez(bus: PrivateBus) -> AsyncIterator[BlueZDouble]:
    double = await BlueZDouble().start(bus.address)
    try:
        yield double
    finally:
        await double.stop()


@asynccontextmanager
async def streaming(
    pairings: list[Pairing], settings: SessionSettings = FAST
) -> AsyncIterator[tuple[BleSensors, list[tuple[float, Sample]]]]:
    """BleSensors on the real clock; ``got`` collects (arrival, sample) pairs."""
    got: list[tuple[float, Sample]] = []
    async with (
        BleSensors(pairings, clock=SystemClock(), settings=settings) as sensors,
        asyncio.TaskGroup() as tg,
    ):

        async def collect() -> None:
            async for sample in sensors.samples():
                got.append((time.monotonic(), sample))

        task = tg.create_task(collect())
        try:
            yield sensors, got
        finally:
            task.cancel()


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {within} s")
        await asyncio.sleep(0.02)


def hr_health(sensors: BleSensors) -> SensorHealth:
    return sensors.health()[0]


def statuses(got: list[tuple[float, Sample]]) -> list[bool]:
    return [s.connected for _, s in got if isinstance(s, SensorStatus)]


def heart_rates(got: list[tuple[float, Sample]]) -> list[HeartRateSample]:
    return [s for _, s in got if isinstance(s, HeartRateSample)]


def bleak_watchers() -> int:
    from bleak.backends.bluezdbus import manager

    instance = manager._global_instances.get(asyncio.get_running_loop())
    if instance is None:
        return 0
    return sum(len(w) for w in instance._device_watchers.values()) + sum(
        len(c) for c in instance._condition_callbacks.values()
    )


async def test_scan_lists_sensors_only(bluez: BlueZDouble) -> None:
    bluez.add(heart_rate_strap())
    bluez.add(foot_pod())
    bluez.add(speaker())
    adverts = await scan(0.4)
    assert [(a.name, a.address, a.roles) for a in adverts] == [
        ("Polar H10 1234", HR, (SensorRole.HR,)),
        ("Stryd", POD, (SensorRole.POD,)),
    ]
    assert all(-72 <= a.rssi <= -59 for a in adverts)
    # bleak filters the discovery by the sensor services, and clears the filter afterwards
    assert [set(f.get("UUIDs", ())) for f in bluez.discovery_filters] == [
        {uuid16(n) for n in (0x180D, 0x1814, 0x1816, 0x1818)},
        set(),
    ]
    assert not bluez.discovering  # the scan stopped discovery on its way out


async def test_cli_scan_prints_a_table(bluez: BlueZDouble, bus: PrivateBus, tmp_path: Path) -> None:
    bluez.add(heart_rate_strap())
    bluez.add(foot_pod())
    save_pairings(tmp_path, [Pairing(HR, SensorRole.HR)])
    env = {**os.environ, "PYTHONPATH": str(REPO / "device"), "DBUS_SYSTEM_BUS_ADDRESS": bus.address}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pacer.cli",
        "sensors",
        "scan",
        "--timeout",
        "0.5",
        "--data-dir",
        str(tmp_path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].split() == ["NAME", "ADDRESS", "RSSI", "SERVICES", "PAIRED"]
    assert set(lines[1].replace(" ", "")) == {"-"}  # the rule under the header
    assert lines[2].startswith("Polar H10 1234  F0:13:C3:5A:2B:01  -6")
    assert lines[2].endswith("heart rate             hr")
    assert lines[3].startswith("Stryd           C4:7C:8D:6A:00:12  -7")
    assert lines[3].rstrip().endswith("running speed/cadence")
    assert "found Polar H10 1234 F0:13:C3:5A:2B:01" in err.decode()  # progress on stderr


async def test_paired_strap_streams_at_1_hz(bluez: BlueZDouble) -> None:
    bluez.add(heart_rate_strap(battery=88))
    bluez.add(foot_pod())  # not paired: never connected
    async with streaming([Pairing(HR, SensorRole.HR)], SessionSettings()) as (sensors, got):
        await until(lambda: len(heart_rates(got)) >= 3, within=6.0)
        h = hr_health(sensors)
    assert statuses(got)[0] is True
    assert [s.bpm for s in heart_rates(got)][:3] == [60, 61, 62]
    battery = [s for _, s in got if isinstance(s, BatterySample)]
    assert battery == [BatterySample(t=battery[0].t, role=SensorRole.HR, percent=88)]
    arrivals = [s.t for s in heart_rates(got)]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(0.8 < g < 1.5 for g in gaps), gaps
    assert h.gap_p95_s is not None
    assert 0.8 < h.gap_p95_s < 1.5
    assert (h.connects, h.failures, h.battery_percent) == (1, 0, 88)
    # Samples are stamped on arrival: the stamp is at most a moment before the consumer saw it.
    assert all(0 <= seen - s.t < 0.25 for seen, s in got if isinstance(s, HeartRateSample))
    assert bluez.counters.connects == 1
    assert bluez.counters.start_discovery == 1  # scanned once ...
    assert not bluez.discovering  # ... and stopped once connected
    assert bluez.counters.disconnects == 1  # hung up politely on the way out


async def test_survives_the_strap_dropping_and_coming_back(bluez: BlueZDouble) -> None:
    strap = bluez.add(heart_rate_strap())
    strap.interval_s = 0.1
    tasks_before = asyncio.all_tasks()
    async with streaming([Pairing(HR, SensorRole.HR)]) as (sensors, got):
        await until(lambda: len(heart_rates(got)) >= 5)
        fds_connected = open_fds()
        watchers_connected = bleak_watchers()

        bluez.drop(HR)  # out of range
        await until(lambda: statuses(got) == [True, False])
        await until(lambda: hr_health(sensors).failures >= 2)  # Connect fails, scan finds nothing
        assert hr_health(sensors).state in {
            SensorState.SEARCHING,
            SensorState.CONNECTING,
            SensorState.WAITING,
        }
        assert bluez.counters.failed_connects >= 1

        before = len(heart_rates(got))
        bluez.come_back(HR)
        await until(lambda: statuses(got) == [True, False, True], within=6.0)
        await until(lambda: len(heart_rates(got)) >= before + 5)
        h = hr_health(sensors)
        assert (h.connects, h.unexpected_disconnects) == (2, 1)
        assert h.state is SensorState.CONNECTED
        # Back where we were: no leaked D-Bus connection, socket or bleak watcher.
        assert open_fds() == fds_connected
        assert bleak_watchers() == watchers_connected
    assert bleak_watchers() == 0
    assert not bluez.discovering
    await asyncio.sleep(0.05)  # bleak's per-connection disconnect monitors finish
    left = asyncio.all_tasks() - tasks_before - bluez.tasks()
    # Only bleak's BlueZ manager stays: it watches its bus for the life of the loop.
    assert [t.get_coro().__qualname__ for t in left] == [  # type: ignore[union-attr]
        "BlueZManager._monitor_bus_disconnect"
    ]


async def test_a_silent_strap_is_reconnected(bluez: BlueZDouble) -> None:
    strap = bluez.add(heart_rate_strap())
    strap.interval_s = None  # connected, subscribed, never notifies
    async with streaming([Pairing(HR, SensorRole.HR)]) as (sensors, _got):
        await until(lambda: hr_health(sensors).silences >= 1, within=4.0)
        await until(lambda: hr_health(sensors).connects >= 2, within=4.0)
        assert hr_health(sensors).unexpected_disconnects == 0
    assert bluez.counters.disconnects >= 2  # pacer hung up each time
    # Reconnected with the BLEDevice found by the first scan: no second scan.
    assert bluez.counters.start_discovery == 1


async def test_vanished_adapter_is_reported_cleanly(bluez: BlueZDouble) -> None:
    strap = bluez.add(heart_rate_strap())
    strap.interval_s = 0.1
    async with streaming([Pairing(HR, SensorRole.HR)]) as (sensors, got):
        await until(lambda: len(heart_rates(got)) >= 3)
        bluez.remove_adapter()
        await until(lambda: sensors.status_line() == "Bluetooth unavailable")
        assert statuses(got) == [True, False]
        assert "No Bluetooth adapters found" in hr_health(sensors).last_error
        await asyncio.sleep(0.5)  # it keeps retrying, calmly
        assert sensors.status_line() == "Bluetooth unavailable"

        bluez.add_adapter()  # plugged back in
        await until(lambda: statuses(got) == [True, False, True], within=6.0)
        assert sensors.status_line() == "hr connected"


async def test_no_bluez_on_the_bus(bus: PrivateBus) -> None:
    async with streaming([Pairing(HR, SensorRole.HR)]) as (sensors, _got):
        await until(lambda: hr_health(sensors).failures >= 1)
        assert sensors.status_line() == "Bluetooth unavailable"
        assert "org.bluez" in hr_health(sensors).last_error  # the name nobody owns


async def test_two_sensors_connect_one_at_a_time(bluez: BlueZDouble) -> None:
    bluez.connect_delay_s = 0.15
    bluez.add(heart_rate_strap()).interval_s = 0.2
    bluez.add(foot_pod()).interval_s = 0.2
    pairings = [Pairing(HR, SensorRole.HR), Pairing(POD, SensorRole.POD)]
    async with streaming(pairings) as (sensors, got):
        await until(lambda: sensors.status_line() == "hr connected, pod connected")
        await until(
            lambda: {type(s).__name__ for _, s in got} >= {"HeartRateSample", "StrideSample"}
        )
    assert bluez.counters.connects == 2
    assert bluez.counters.max_active_connects == 1


async def test_a_returning_pod_does_not_wait_behind_an_absent_strap(bluez: BlueZDouble) -> None:
    """Issue 14: the strap is gone but BlueZ still lists it, so each Connect to it hangs (20 s
    here, 2 x 20 s for real); the pod coming back gets the radio within ``radio_wait_s``."""
    strap = bluez.add(heart_rate_strap())
    strap.interval_s = 0.2
    strap.connect_fail_s = 20.0
    bluez.add(foot_pod()).interval_s = 0.2
    pairings = [Pairing(HR, SensorRole.HR), Pairing(POD, SensorRole.POD)]
    settings = replace(FAST, radio_wait_s=1.0)
    loop = asyncio.get_running_loop()
    async with streaming(pairings, settings) as (sensors, _got):
        await until(lambda: sensors.status_line() == "hr connected, pod connected")
        bluez.drop(HR)
        bluez.drop(POD)
        await until(lambda: bluez.counters.active_connects >= 1)  # the strap's Connect hangs
        await asyncio.sleep(0.5)
        back = loop.time()
        bluez.come_back(POD)
        await until(lambda: sensors.health()[1].state is SensorState.CONNECTED, within=10.0)
        took = loop.time() - back
        print(f"pod reconnected {took:.2f} s after coming back (strap Connect hangs 20 s)")
        assert took < 5.0
        assert "gave the radio to a waiting sensor" in sensors.health()[0].last_error
