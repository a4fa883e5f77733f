"""Off when not in use, on the simulated device and a simulated clock that moves only when
the test says: after ``[power] idle_off_min`` on the idle screen the display dims, the store
is flushed and the Power port is asked to switch off; never during a run, never while a host
talks over the serial link; Wi-Fi off during a run and back on after it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pacer.config.file import Config, DisplayConfig, PowerConfig, load_config
from pacer.core.actions import ButtonAction
from pacer.core.errors import InputErrors
from pacer.daemon import EXIT_OK
from pacer.daemon.idle import DIM_BEFORE_OFF_S
from pacer.devices.power import RecordedPower, SystemPower, rfkill_event
from pacer.storage.store import ActivityStatus, Store
from tests.support.clocked_daemon import clocked_daemon

IDLE_S = 15 * 60.0


def power_offs(power: RecordedPower) -> list[float]:
    return [t for t, what in power.asked if what == "power_off"]


async def test_switches_off_after_the_idle_time_display_dimmed_first(store: Store) -> None:
    config = Config(display=Config().display.__class__(dim_after_s=0))  # only the idle-off dims
    async with clocked_daemon(store, config) as rig:
        await rig.advance(IDLE_S - 10)
        assert not rig.power.powered_off
        assert rig.display.levels == [(0.0, 255)], "not dimmed yet"
        await rig.advance(10 + DIM_BEFORE_OFF_S + 5)
        await rig.until(rig.task.done)
    assert rig.task.result() == EXIT_OK
    (off,) = power_offs(rig.power)
    assert IDLE_S + DIM_BEFORE_OFF_S <= off <= IDLE_S + DIM_BEFORE_OFF_S + 6
    dimmed = [t for t, level in rig.display.levels if level < 255]
    assert dimmed, "the display dims"
    assert IDLE_S <= dimmed[0] < off, "then it switches off"
    assert rig.display.is_off


async def test_a_press_while_dimmed_keeps_it_on(store: Store) -> None:
    async with clocked_daemon(store) as rig:
        await rig.advance(IDLE_S + 5)
        rig.buttons.press(ButtonAction.LAP)
        await rig.advance(DIM_BEFORE_OFF_S + 10)
        assert not rig.power.powered_off
        await rig.advance(IDLE_S + DIM_BEFORE_OFF_S)
        await rig.until(rig.task.done)
    (off,) = power_offs(rig.power)
    assert off >= 2 * IDLE_S + DIM_BEFORE_OFF_S


async def test_never_during_a_run_wifi_off_while_it_runs_store_flushed_before(
    store: Store,
) -> None:
    db = store.path
    seen: dict[str, object] = {}

    def inspect_store() -> None:  # what a power cut right now would leave
        wal = Path(f"{db}-wal")
        seen["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
        with sqlite3.connect(db) as fresh:
            seen["status"] = fresh.execute("SELECT status FROM activities").fetchall()
            seen["samples"] = fresh.execute("SELECT count(*) FROM samples").fetchone()[0]

    async with clocked_daemon(store) as rig:
        rig.power.on_power_off = inspect_store
        assert rig.power.wifi_on is True, "idle: Wi-Fi as [power] wifi_when_idle says"
        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.daemon.running() == "step-up-run")
        assert rig.power.wifi_on is False, "Wi-Fi off while a workout runs"
        await rig.advance(IDLE_S + DIM_BEFORE_OFF_S + 60)  # 16.5 min into an 80-min run
        assert not rig.power.powered_off, "never during a run"
        assert rig.daemon.running() == "step-up-run"
        rig.buttons.press(ButtonAction.STOP)
        await rig.until(lambda: rig.power.wifi_on is True)  # back on once the run is saved
        ended = rig.clock.monotonic()
        await rig.advance(IDLE_S + DIM_BEFORE_OFF_S + 5)
        await rig.until(rig.task.done)
    (off,) = power_offs(rig.power)
    assert off >= ended + IDLE_S
    assert seen["wal_bytes"] == 0, "the write-ahead log was checkpointed before"
    assert seen["status"] == [(ActivityStatus.ENDED.value,)]
    assert isinstance(seen["samples"], int)
    assert seen["samples"] >= IDLE_S


async def test_never_while_the_host_talks_on_the_serial_link(store: Store) -> None:
    from pacer.link.cable import PtyCable
    from pacer.link.host import DeviceClient

    with PtyCable() as cable:
        async with clocked_daemon(store, serial_port=cable.device_path) as rig:
            with DeviceClient(cable.host_path, timeout=10) as host:
                for _ in range(3):  # a request every 10 minutes for half an hour
                    await rig.advance(10 * 60)
                    info = await asyncio.to_thread(host.hello)
                    assert info["device_id"] == "test-device", info
                assert not rig.power.powered_off, "a host talking keeps it on"
                asked = rig.clock.monotonic()
            await rig.advance(IDLE_S + DIM_BEFORE_OFF_S + 5)
            await rig.until(rig.task.done)
    (off,) = power_offs(rig.power)
    assert off >= asked + IDLE_S


class HeldScan:
    """A BLE scanner (the one boundary doubled here: no radio in a test) whose scan lasts
    until the test lets it end: a request that stays in flight as long as the test wants,
    like a long activity download on a slow link."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        self.entered.set()
        await self.release.wait()
        return [{"address": "AA:BB:CC:DD:EE:FF", "name": "strap", "rssi": -60, "roles": []}]


async def test_a_request_in_flight_keeps_it_on_however_long_it_takes(store: Store) -> None:
    from pacer.link.cable import PtyCable
    from pacer.link.host import DeviceClient
    from pacer.link.ops import Op

    idle_s = 2 * 60.0  # the shortest idle_off_min there is
    # only the idle-off dims (not the display's own dim_after_s)
    config = Config(power=PowerConfig(idle_off_min=2), display=DisplayConfig(dim_after_s=0))
    scanner = HeldScan()
    with PtyCable() as cable:
        async with clocked_daemon(store, config, cable.device_path, scanner) as rig:
            with DeviceClient(cable.host_path, timeout=60) as host:
                reply = asyncio.ensure_future(
                    asyncio.to_thread(host.request, Op.SENSORS_SCAN, {"seconds": 5})
                )
                await rig.until(scanner.entered.is_set)
                await rig.advance(5 * (idle_s + DIM_BEFORE_OFF_S))
                assert not rig.power.powered_off, "never while a request is in flight"
                assert rig.display.levels == [(0.0, 255)], "not even dimmed"
                scanner.release.set()
                found = await asyncio.wait_for(reply, 20)
                assert found["found"][0]["name"] == "strap"
                answered = rig.clock.monotonic()
            await rig.advance(idle_s + DIM_BEFORE_OFF_S + 5)
            await rig.until(rig.task.done)
    (off,) = power_offs(rig.power)
    assert off >= answered + idle_s, "the idle count starts again at the reply"


@pytest.mark.parametrize("minutes", [0.01, 1, 1.99, -1, 1441])
def test_idle_off_min_has_a_sane_minimum(minutes: float) -> None:
    text = f"[power]\nidle_off_min = {minutes}\n"
    with pytest.raises(InputErrors, match=r"p.toml:2:1: power.idle_off_min .*0 \(never\) or 2 to"):
        load_config(text, "p.toml")
    for fine in (0, 2, 15, 1440):
        assert load_config(f"[power]\nidle_off_min = {fine}\n").power.idle_off_min == fine


async def test_zero_never_switches_off(store: Store) -> None:
    config = Config(power=PowerConfig(idle_off_min=0, wifi_when_idle=False))
    async with clocked_daemon(store, config) as rig:
        assert rig.power.wifi_on is False
        await rig.advance(3 * IDLE_S, step=30.0)
        assert not rig.power.powered_off


def test_the_power_section_of_the_config() -> None:
    config = load_config("[power]\nidle_off_min = 5\nwifi_when_idle = false\n", "p.toml")
    assert config.power == PowerConfig(idle_off_min=5.0, wifi_when_idle=False)
    assert Config().power.idle_off_min == 15.0
    with pytest.raises(Exception, match=r"p.toml:2:1: power.idle_off_min = -1"):
        load_config("[power]\nidle_off_min = -1\n", "p.toml")


def test_system_power_asks_systemctl_and_writes_rfkill_events(tmp_path: Path) -> None:
    """The real port against a file standing in for /dev/rfkill and a recorded command
    runner (poweroff cannot run here)."""
    commands: list[list[str]] = []
    rfkill = tmp_path / "rfkill"
    rfkill.touch()
    power = SystemPower(rfkill=rfkill, run=commands.append)
    power.wifi(False)
    assert rfkill.read_bytes() == rfkill_event(block=True) == bytes([0, 0, 0, 0, 1, 3, 1, 0])
    power.wifi(True)
    assert rfkill.read_bytes() == rfkill_event(block=False)
    power.power_off()
    assert commands == [["systemctl", "poweroff"]]
    missing = SystemPower(rfkill=tmp_path / "none" / "rfkill", run=commands.append)
    missing.wifi(False)
    assert commands[-1] == ["rfkill", "block", "wifi"]
