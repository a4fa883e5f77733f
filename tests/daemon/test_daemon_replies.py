"""A reply means done: after the device acknowledges a write over the serial link (push,
select, start, stop, settings, profile), the very next read of any kind shows it
(``status.get``, the other ``*.get`` requests, systemd's ``STATUS=`` line).

The daemon runs on a :class:`~pacer.sim.clock.SimClock` that the test never moves, so no
tick can fall between a write and the read after it: what the read shows comes from the
write alone, never from a tick that happened to run in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pacer.config.file import Config
from pacer.daemon import Daemon, DaemonOptions
from pacer.daemon.sdnotify import Notifier
from pacer.devices.bundle import Hardware
from pacer.devices.oled import dummy_display
from pacer.haptics.player import HapticRecorder
from pacer.link.cable import PtyCable
from pacer.link.host import DeviceClient
from pacer.sim.clock import SimClock
from pacer.sim.device import SimulatedButtons, SimulatedSensors
from pacer.storage.store import ActivityStatus, Store
from tests.support.daemon_rig import started
from tests.support.notify_socket import NotifySocket
from tests.support.paths import EXAMPLES

STEP_UP = (EXAMPLES / "step-up-run.yaml").read_text()
STRENGTH = (EXAMPLES / "strength-a.yaml").read_text()
BIKE = (EXAMPLES / "bike-sweet-spot.yaml").read_text()
PROFILE = (EXAMPLES / "profile.yaml").read_text()


@dataclass
class Frozen:
    daemon: Daemon
    clock: SimClock
    notify: NotifySocket
    host: DeviceClient

    async def status_line(self, prefix: str) -> str:
        """The ``STATUS=`` line starting with ``prefix`` (the daemon sends it before the
        reply; the socket's reader thread may take a moment to hear it)."""
        message = await asyncio.to_thread(
            self.notify.wait_for, lambda m: m.fields.get("STATUS", "").startswith(prefix), 5
        )
        return message.fields["STATUS"]


@asynccontextmanager
async def frozen_device(tmp_path: Path) -> AsyncIterator[Frozen]:
    clock = SimClock(0.0)  # never advanced: no tick runs after the first
    buttons = SimulatedButtons()
    with (
        PtyCable() as cable,
        NotifySocket(tmp_path / "notify") as notify,
        Store.open_dir(tmp_path / "data") as store,
    ):
        hw = Hardware(
            clock=clock,
            display=dummy_display(),
            haptics=HapticRecorder(clock.monotonic),
            buttons=buttons,
            sensors=SimulatedSensors(clock, press=buttons.press),
            serial_port=cable.device_path,
        )
        options = DaemonOptions(device_id="frozen", notifier=Notifier(notify.path))
        d = Daemon(hw, Config(), store, options)
        async with started(d):
            with DeviceClient(cable.host_path, timeout=10) as host:
                yield Frozen(d, clock, notify, host)


async def test_every_acknowledged_write_shows_in_the_next_read(tmp_path: Path) -> None:
    async with frozen_device(tmp_path) as dev:
        host = dev.host
        await asyncio.to_thread(host.hello)
        ticks = dev.clock.monotonic()

        await asyncio.to_thread(host.profile_put, PROFILE)
        assert (await asyncio.to_thread(host.profile_get))["text"] == PROFILE

        await asyncio.to_thread(host.workout_put, "step-up-run", STEP_UP)
        await asyncio.to_thread(host.workout_put, "strength-a", STRENGTH)
        await asyncio.to_thread(host.workout_put, "sweet-spot", BIKE)
        names = [w["name"] for w in (await asyncio.to_thread(host.workouts))["workouts"]]
        assert sorted(names) == ["step-up-run", "strength-a", "sweet-spot"]

        await asyncio.to_thread(host.select, "strength-a")
        assert (await asyncio.to_thread(host.status))["selected"] == "strength-a"
        await dev.status_line("idle: strength-a")

        await asyncio.to_thread(host.settings_set, {"display.contrast": 77})
        assert (await asyncio.to_thread(host.settings_get))["settings"]["display.contrast"] == 77

        assert await asyncio.to_thread(host.start, "sweet-spot") == {"running": "sweet-spot"}
        first = await asyncio.to_thread(host.status)
        assert first["state"] == "running", first
        assert first["workout"] == "sweet-spot"
        assert first["step"] == 1
        assert first["t"] == 0
        target = first["target"]  # the warm-up: 50-65 % of 250 W FTP, whole watts
        assert target is not None, "the step's target, not an empty one"
        assert (target["metric"], target["low"], target["high"]) == ("power", 125, 163)
        await dev.status_line("running: sweet-spot, step 1/")

        assert (await asyncio.to_thread(host.stop))["stopped"] == "sweet-spot"
        after = await asyncio.to_thread(host.status)
        assert after["state"] == "done", after
        assert after["saved"] is True, "the reply to stop comes once the run is saved"
        activity = after["activity"]
        info = dev.daemon.store.get_activity(activity)
        assert info is not None
        assert info.status is ActivityStatus.ENDED
        listed = await asyncio.to_thread(host.activities)
        assert [a["id"] for a in listed] == [activity]
        await dev.status_line("done: sweet-spot saved")

        assert dev.clock.monotonic() == ticks, "no tick ran: the clock never moved"
