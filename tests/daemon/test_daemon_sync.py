"""The device's own sync beside the simulated daemon, on a simulated clock that moves only
when the test says: idle with Wi-Fi up, it syncs (and the idle screen shows what it brought
in); while a workout runs it waits, and a workout that starts mid-sync stops it between two
items, the rest synced once the run is over; with Wi-Fi off it does not run.

The daemon is the real one (:class:`pacer.daemon.Daemon`), publishing its state in a runtime
directory; the sync is the real runner (:func:`pacer.sync.on_device.sync_when_idle`) on the
real :class:`~pacer.sync.store_device.StoreDevice` over the same store file. The
orchestration is a stand-in (:class:`PlannedSync`): it brings planned workouts in and takes
finished runs out through the device port, one item per call, and keeps its own ledger, as
``pacer sync``'s orchestration does; the services behind it are not what is tested here.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pacer.config.file import Config, PowerConfig
from pacer.daemon import DaemonOptions
from pacer.storage.store import ActivityStatus, Store
from pacer.sync.on_device import Gate, Outcome, store_job, sync_when_idle
from pacer.sync.port import ICU_EVENT_ORIGIN, SyncDevice
from pacer.sync.when import read_state
from tests.support.clocked_daemon import ClockedRig, clocked_daemon
from tests.support.daemon_rig import STEP_UP

pytestmark = pytest.mark.timeout(60)

SETTLE_S = 120.0
#: Three planned workouts, as the orchestration would bring them in.
PLANNED = [
    (f"2026-05-{day:02d}-tempo", STEP_UP, f"{ICU_EVENT_ORIGIN}{100 + day}", f"2026-05-01T0{day}")
    for day in (9, 10, 11)
]


@dataclass
class PlannedSync:
    """The stand-in orchestration: each planned workout in (unless the device holds that
    version), each finished run out as FIT (unless its ledger says sent). ``pause_after``
    puts: hold there until the test says go on (a workout starts meanwhile)."""

    puts: list[str] = field(default_factory=list)
    sent: dict[int, bytes] = field(default_factory=dict)
    calls: int = 0
    pause_after: int | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    go_on: threading.Event = field(default_factory=threading.Event)

    def __call__(self, device: SyncDevice) -> None:
        self.calls += 1
        have = {w.name: w.origin_updated for w in device.workouts()}
        for name, text, origin, updated in PLANNED:
            if have.get(name) == updated:
                continue
            device.put_workout(name, text, origin=origin, origin_updated=updated)
            self.puts.append(name)
            if self.pause_after == len(self.puts):
                self.reached.set()
                assert self.go_on.wait(20), "the test never said go on"
        device.select_workout(PLANNED[0][0])
        for activity in device.activities():
            if activity.id not in self.sent:
                self.sent[activity.id] = device.activity_fit(activity.id)


def runtime(rig: ClockedRig) -> Path:
    """Where the daemon publishes its sync state (``device`` gives it one)."""
    where = rig.daemon.options.runtime_dir
    assert where is not None
    return where


def gate_of(rig: ClockedRig, *, wifi_up: bool | None = None) -> Gate:
    """The policy as the sync reads it; the Wi-Fi interface is up when the daemon last
    switched it on (``wifi_up`` overrides: an interface down by itself)."""

    def wifi() -> bool:
        return bool(rig.power.wifi_on) if wifi_up is None else wifi_up

    return Gate(runtime(rig), rig.clock, wifi, lambda: True, settle_s=SETTLE_S)


def job(rig: ClockedRig, sync: PlannedSync, gate: Gate) -> object:
    return store_job(rig.store.path.parent, sync, running=gate.running, clock=rig.clock)


def device(
    tmp_path: Path, store: Store, config: Config | None = None
) -> AbstractAsyncContextManager[ClockedRig]:
    """The clocked daemon, publishing its sync state under ``tmp_path``."""
    options = DaemonOptions(device_id="test-device", runtime_dir=tmp_path / "run")
    return clocked_daemon(store, config, options=options)


async def finish(task: asyncio.Task[Outcome]) -> Outcome:
    """The runner's end: the job runs in a worker thread (real time; a safety net only)."""
    return await asyncio.wait_for(task, 20)


async def test_idle_with_wifi_up_it_syncs_and_the_idle_screen_shows_it(
    tmp_path: Path, store: Store
) -> None:
    said: list[str] = []
    sync = PlannedSync()
    async with device(tmp_path, store) as rig:
        gate = gate_of(rig)
        runner = asyncio.create_task(
            sync_when_idle(gate, job(rig, sync, gate), wait_s=600, poll_s=30, say=said.append)
        )
        await rig.advance(SETTLE_S - 10)
        assert not runner.done(), "not before the device settled"
        assert sync.calls == 0
        assert said == ["waiting: idle for less than 120 s"]
        await rig.advance(40)
        assert await finish(runner) is Outcome.SYNCED
        assert said[-1] == "syncing: idle for 120 s with Wi-Fi up"
        assert sync.puts == [name for name, *_ in PLANNED]
        stored = {w.name: w.origin for w in rig.store.list_workouts()}
        assert stored[PLANNED[0][0]] == PLANNED[0][2]
        assert stored["step-up-run"] is None, "the athlete's own workout is left alone"

        await rig.advance(2)  # a tick: the daemon notices another process wrote the store
        assert rig.daemon.menu.names[:3] == tuple(name for name, *_ in PLANNED)
        assert rig.daemon.menu.selected == PLANNED[0][0]
        assert [what for _, what in rig.power.asked] == ["wifi on"], "the sync never asks"


async def test_a_run_stops_the_sync_between_items_it_waits_then_does_the_rest(
    tmp_path: Path, store: Store
) -> None:
    said: list[str] = []
    sync = PlannedSync(pause_after=1)
    async with device(tmp_path, store) as rig:
        gate = gate_of(rig)
        runner = asyncio.create_task(
            sync_when_idle(gate, job(rig, sync, gate), wait_s=3600, poll_s=30, say=said.append)
        )
        await rig.advance(SETTLE_S + 5)
        assert await asyncio.to_thread(sync.reached.wait, 20), "the sync never started"
        # the athlete starts a workout while the first item is in
        await rig.daemon.start_workout("step-up-run", STEP_UP)
        state = read_state(runtime(rig))
        assert state is not None
        assert state.running == "step-up-run"
        sync.go_on.set()
        await rig.until(lambda: any("waiting: a workout is running" in line for line in said))
        assert said[-2:] == [
            "sync stopped between two items: a workout is running (step-up-run)",
            "waiting: a workout is running (step-up-run)",
        ]
        assert sync.puts == [PLANNED[0][0]]
        assert [w.name for w in rig.store.list_workouts() if w.origin] == [PLANNED[0][0]]
        assert sync.sent == {}

        # it waits the whole run: 10 minutes on, nothing more
        await rig.advance(600, step=30)
        assert not runner.done()
        assert sync.calls == 1
        assert rig.power.wifi_on is False, "Wi-Fi off during the run"

        await rig.daemon.stop_workout()
        (activity,) = rig.store.list_activities()
        assert activity.status is ActivityStatus.ENDED
        await rig.advance(SETTLE_S + 35, step=5)
        assert await finish(runner) is Outcome.SYNCED
        assert sync.calls == 2
        assert sync.puts == [name for name, *_ in PLANNED], "each workout put exactly once"
        assert list(sync.sent) == [activity.id]
        assert sync.sent[activity.id][8:12] == b".FIT"


async def test_wifi_off_when_idle_it_does_not_run(tmp_path: Path, store: Store) -> None:
    said: list[str] = []
    sync = PlannedSync()
    config = Config(power=PowerConfig(wifi_when_idle=False))
    async with device(tmp_path, store, config) as rig:
        await rig.advance(SETTLE_S * 3)
        gate = gate_of(rig)
        outcome = await sync_when_idle(
            gate, job(rig, sync, gate), wait_s=600, poll_s=30, say=said.append
        )
        assert outcome is Outcome.SKIPPED
        assert said == ["not syncing: Wi-Fi stays off when idle ([power] wifi_when_idle = false)"]
        assert rig.power.wifi_on is False
        assert [what for _, what in rig.power.asked] == ["wifi off"], "never woken for a sync"
    assert sync.calls == 0


async def test_wifi_down_by_itself_it_does_not_run(tmp_path: Path, store: Store) -> None:
    said: list[str] = []
    sync = PlannedSync()
    async with device(tmp_path, store) as rig:
        await rig.advance(SETTLE_S * 3)
        gate = gate_of(rig, wifi_up=False)  # no network in range: the interface is down
        outcome = await sync_when_idle(
            gate, job(rig, sync, gate), wait_s=600, poll_s=30, say=said.append
        )
        assert outcome is Outcome.SKIPPED
        assert said == ["not syncing: Wi-Fi is not up (the sync never switches it on)"]
        assert [what for _, what in rig.power.asked] == ["wifi on"]
    assert sync.calls == 0


async def test_a_stopped_daemon_publishes_nothing(tmp_path: Path, store: Store) -> None:
    async with device(tmp_path, store) as rig:
        state = read_state(runtime(rig))
        assert state is not None
        assert state.running is None
        assert state.wifi_when_idle
    assert read_state(runtime(rig)) is None
