"""The daemon in this process, on simulated hardware sped up: the watchdog against a stalled
loop, the idle menu on the buttons, resuming a run cut off by kill -9, the battery, a
failing task, and the first frame coming before any device is entered."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pytest

from pacer.config.file import Config, load_config
from pacer.core.actions import ButtonAction
from pacer.core.samples import Sample
from pacer.daemon import EXIT_OK, Daemon, DaemonOptions
from pacer.daemon.sdnotify import Notifier
from pacer.devices.battery import SimulatedGauge
from pacer.devices.bundle import Hardware
from pacer.haptics.player import HapticRecorder
from pacer.sim.clock import ScaledClock
from pacer.sim.device import SimulatedButtons, SimulatedSensors
from pacer.storage.store import DB_NAME, ActivityStatus, Store
from tests.support.daemon_process import daemon as daemon_process
from tests.support.daemon_process import following, pacer_run
from tests.support.daemon_rig import STEP_UP, FrameLog, make_hw, running
from tests.support.notify_socket import NotifySocket

# --- the watchdog ---------------------------------------------------------------------


async def test_a_stalled_loop_stops_the_watchdog_pings(tmp_path: Path, store: Store) -> None:
    with NotifySocket(tmp_path / "notify") as notify:
        notifier = Notifier(notify.path)
        async with running(store, notifier=notifier, watchdog_s=0.1) as rig:
            await asyncio.to_thread(notify.wait_for, lambda m: "READY" in m.fields, 10)
            await asyncio.to_thread(notify.wait_count, "WATCHDOG", "1", 6)

            async def stalled() -> None:
                time.sleep(1.0)  # noqa: ASYNC251  # blocks: the whole loop stops with it

            start = time.monotonic()
            await asyncio.create_task(stalled())
            end = time.monotonic()
            await asyncio.to_thread(notify.wait_count, "WATCHDOG", "1", 4, since=end)
            assert rig.daemon.running() is None
        pings = notify.times("WATCHDOG", "1")
    before = [t for t in pings if t < start]
    during = [t for t in pings if start + 0.02 < t < end - 0.02]
    after = [t for t in pings if t > end]
    assert len(before) >= 5
    assert during == [], "no ping while the loop is stalled"
    assert len(after) >= 4, "the pings come back with the loop"
    gaps = [b - a for a, b in itertools.pairwise(before)]
    assert max(gaps) < 0.3


# --- the idle menu on the buttons ------------------------------------------------------


async def test_buttons_pick_a_workout_start_it_stop_it_and_go_home(store: Store) -> None:
    async with running(store, speed=30) as rig:
        assert rig.status()["selected"] == "step-up-run"
        rig.buttons.press(ButtonAction.LAP)  # next workout on the device
        await rig.until(lambda: rig.status()["selected"] == "strength-a")
        assert store.selected_workout() == "strength-a"
        rig.buttons.press(ButtonAction.LAP)
        await rig.until(lambda: rig.status()["selected"] == "step-up-run")

        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.status()["state"] == "running")
        assert rig.daemon.running() == "step-up-run"
        assert rig.haptics.records[0].pattern == "step_change"
        await rig.until(lambda: rig.status()["t"] >= 5)

        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.status()["state"] == "paused")
        rig.buttons.press(ButtonAction.STOP)
        await rig.until(lambda: rig.status()["state"] == "done")
        assert rig.daemon.running() is None
        activity = rig.status()["activity"]
        await rig.until(lambda: rig.status()["saved"] is True)
        info = store.get_activity(activity)
        assert info is not None
        assert info.status is ActivityStatus.ENDED
        assert "done" in [r.pattern for r in rig.haptics.records]

        rig.buttons.press(ButtonAction.START_PAUSE)  # off the summary screen
        await rig.until(lambda: rig.status()["state"] == "idle")
        assert rig.daemon.running() is None


async def test_the_simulated_athlete_presses_lap_after_each_strength_set(store: Store) -> None:
    store.select_workout("strength-a")
    async with running(store, speed=200) as rig:
        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.status()["state"] == "done", 20)
        assert rig.daemon.run_ is not None
        kinds = [e.type.value for e in rig.daemon.run_.engine.events]
    laps = rig.buttons.pressed.count(ButtonAction.LAP)
    assert laps >= 4, "a lap press after each set"
    assert kinds.count("set_done") == laps
    assert kinds[-1] == "workout_done"


async def test_a_workout_that_no_longer_resolves_is_refused_with_a_notice(store: Store) -> None:
    store.put_workout("bad", STEP_UP.replace("Z2 high", "Z9"), 1.7e9, max_count=100)
    async with running(store) as rig:
        with pytest.raises(Exception, match="Z9"):
            await rig.daemon.start_workout("bad", store.get_workout("bad").source)  # type: ignore[union-attr]
        assert rig.daemon.running() is None
        assert store.list_activities() == [], "nothing was recorded"


# --- resume after kill -9 ----------------------------------------------------------------


def cut_off_run(tmp_path: Path) -> tuple[int, int]:
    """A real daemon process killed with SIGKILL in step 2: (activity, step reached)."""
    from pacer.link.host import DeviceClient

    with (
        NotifySocket(tmp_path / "notify-1") as notify,
        daemon_process(tmp_path, notify, "--speed", "300") as d,
    ):
        notify.wait_for(lambda m: "READY" in m.fields, 20)
        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            host.workout_put("step-up-run", STEP_UP)
            host.start("step-up-run")
            status = following(host, lambda s: s["step"] >= 2, within_s=60)
            committed_in_step(tmp_path / "data", status["activity"], step=2, seconds=3)
            status = host.status()
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(5)
    return status["activity"], status["step"]


def committed_in_step(data: Path, activity: int, *, step: int, seconds: int) -> None:
    """Until the store holds ``seconds`` committed records of ``step`` (1-based): what a
    kill -9 leaves to resume from. A separate read-only connection sees only commits."""
    import sqlite3

    db = sqlite3.connect(f"file:{data / DB_NAME}?mode=ro", uri=True, timeout=5)
    try:
        deadline = time.monotonic() + 60  # a safety net: the writer commits every second
        query = "SELECT count(*) FROM samples WHERE activity = ? AND step = ?"
        while db.execute(query, (activity, step - 1)).fetchone()[0] < seconds:
            assert time.monotonic() < deadline, f"no committed seconds in step {step}"
            time.sleep(0.05)  # the database has no event to wait on
    finally:
        db.close()


@dataclass(frozen=True)
class CutOff:
    data: Path
    activity: int
    step: int

    def copy_to(self, tmp_path: Path) -> int:
        """The store as the killed daemon left it (database, WAL and all) in ``tmp_path``."""
        shutil.copytree(self.data, tmp_path / "data")
        return self.activity


@pytest.fixture(scope="module")
def cut_off(tmp_path_factory: pytest.TempPathFactory) -> CutOff:
    where = tmp_path_factory.mktemp("cut-off")
    activity, step = cut_off_run(where)
    return CutOff(where / "data", activity, step)


async def test_a_run_cut_off_by_kill_9_resumes_in_its_step_with_one_press(
    cut_off: CutOff, tmp_path: Path
) -> None:
    activity = cut_off.copy_to(tmp_path)
    assert cut_off.step == 2
    with Store.open_dir(tmp_path / "data") as store:
        assert store.get_activity(activity).status is ActivityStatus.RECORDING  # type: ignore[union-attr]
        async with running(store, speed=30) as rig:
            offer = rig.status()["resume"]
            assert offer == {"activity": activity, "workout": "step-up-run", "step": 2}
            assert store.get_activity(activity).status is ActivityStatus.INTERRUPTED  # type: ignore[union-attr]
            rig.buttons.press(ButtonAction.START_PAUSE)
            await rig.until(lambda: rig.status().get("activity") is not None)
            status = rig.status()
            assert status["state"] == "running"
            assert status["step"] == 2
            assert status["step_name"] == "Z2 high"
            assert status["t"] > 1200
            assert status["activity"] == activity, "the same recording goes on"
        info = store.get_activity(activity)
        assert info is not None
        assert info.status is ActivityStatus.ENDED
        events = [
            json.loads(line)["event"]["type"]
            for line in store.activity_payload(activity).decode().splitlines()[1:]
            if '"event"' in line
        ]
        assert "interrupted" in events
        assert events[-1] == "stop"
        assert len(store.list_activities()) == 1


async def test_a_long_press_saves_the_cut_off_run_as_ended_instead(
    cut_off: CutOff, tmp_path: Path
) -> None:
    activity = cut_off.copy_to(tmp_path)
    with Store.open_dir(tmp_path / "data") as store:
        async with running(store) as rig:
            assert rig.status()["resume"]["activity"] == activity
            rig.buttons.press(ButtonAction.STOP)
            await rig.until(lambda: rig.status()["resume"] is None)
            assert rig.status()["selected"] == "step-up-run"
            assert rig.daemon.running() is None
        assert store.get_activity(activity).status is ActivityStatus.ENDED  # type: ignore[union-attr]


# --- battery -------------------------------------------------------------------------------


async def test_low_battery_buzzes_once_and_an_empty_one_saves_and_stops(store: Store) -> None:
    hw, (_buttons, haptics) = make_hw(speed=60)
    gauge = SimulatedGauge(hw.clock.monotonic, start_percent=16, drain_percent_per_hour=1800)
    hw.gauge = gauge
    async with running(store, hw=hw, battery_every_s=1.0) as rig:
        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.status().get("activity") is not None)
        activity = rig.status()["activity"]
        await asyncio.wait_for(asyncio.shield(rig.task), 20)
        assert rig.task.result() == EXIT_OK
    felt = [r.pattern for r in haptics.records]
    assert felt.count("battery_low") == 1
    info = store.get_activity(activity)
    assert info is not None
    assert info.status is ActivityStatus.ENDED


# --- failures and the first frame ---------------------------------------------------------


class BrokenSensors(SimulatedSensors):
    """The simulated athlete's sensors, but the stream fails after a few samples (a bug at
    the edge)."""

    async def samples(self) -> AsyncIterator[Sample]:
        n = 0
        async for sample in super().samples():
            yield sample
            n += 1
            if n > 20:
                raise RuntimeError("sensor stack broke")


async def test_a_failing_task_saves_the_recording_and_reaches_the_caller(store: Store) -> None:
    clock = ScaledClock(60)
    buttons = SimulatedButtons()
    display = FrameLog()
    sensors = BrokenSensors(clock, press=buttons.press)
    hw = Hardware(clock, display, HapticRecorder(clock.monotonic), buttons, sensors)
    d = Daemon(hw, Config(), store, DaemonOptions())
    task = asyncio.create_task(d.run())
    while d.run_ is None or d.run_.last is None or d.run_.activity_id is None:
        await asyncio.sleep(0.01)
        if d.run_ is None and not buttons.pressed:
            buttons.press(ButtonAction.START_PAUSE)
    activity = d.status()["activity"]
    with pytest.raises(ExceptionGroup) as info:
        await asyncio.wait_for(task, 10)
    assert info.group_contains(RuntimeError, match="sensor stack broke")
    assert store.get_activity(activity).status is ActivityStatus.ENDED  # type: ignore[union-attr]
    assert display.is_off


class SensorsThatWatchTheScreen:
    """Sensors whose ``__aenter__`` (where BleSensors imports bleak and scans) notes how many
    frames the display had by then."""

    def __init__(self, display: FrameLog) -> None:
        self.display = display
        self.frames_at_enter: int | None = None

    async def __aenter__(self) -> SensorsThatWatchTheScreen:
        self.frames_at_enter = len(self.display.frames)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass

    async def samples(self) -> AsyncIterator[Sample]:
        await asyncio.Event().wait()
        yield  # type: ignore[misc]  # pragma: no cover


async def test_the_first_frame_is_up_before_the_sensors_are_entered(store: Store) -> None:
    display = FrameLog()
    sensors = SensorsThatWatchTheScreen(display)
    hw, _ = make_hw(10, display=display, sensors=sensors)
    async with running(store, hw=hw) as rig:
        await rig.until(lambda: sensors.frames_at_enter is not None)
    assert sensors.frames_at_enter == 1
    assert display.is_off, "the display is blanked on the way out"


async def test_alert_overrides_from_the_config_reach_the_engine(store: Store) -> None:
    config = load_config("[alerts]\nhr_over_dwell_s = 2\nextend_s = 90\n")
    async with running(store, config=config) as rig:
        rig.buttons.press(ButtonAction.START_PAUSE)
        await rig.until(lambda: rig.daemon.run_ is not None)
        assert rig.daemon.run_ is not None
        policy = rig.daemon.run_.engine.policy
        assert policy.hr.over_dwell_s == 2
        assert policy.extend_s == 90
        assert policy.speed.over_dwell_s == 30, "other metrics keep their defaults"


def test_sigterm_in_the_terminal_view_leaves_the_screen_off(tmp_path: Path) -> None:
    """The terminal view (not headless) with stdin not a terminal: no keyboard."""
    import os

    from tests.support.paths import REPO

    proc = subprocess.Popen(
        pacer_run("--data-dir", str(tmp_path / "data")),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "device")},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("┌"):
            break
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert out.rstrip().endswith("(display off)")


def test_the_keyboard_is_the_buttons_in_the_terminal_view(tmp_path: Path, store: Store) -> None:
    """On a terminal (a pty here): space starts the selected workout, p pauses it, the
    caption under the screen follows, SIGTERM restores the terminal and saves the run."""
    import os
    import pty
    import select
    import termios

    from tests.support.paths import REPO

    data = store.path.parent
    store.close()
    main, child = pty.openpty()
    before = termios.tcgetattr(child)
    notify = NotifySocket(tmp_path / "notify")
    proc = subprocess.Popen(
        pacer_run("--data-dir", str(data), "--speed", "30"),
        stdin=child,
        stdout=child,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO / "device"), "NOTIFY_SOCKET": notify.path},
    )
    seen = b""

    def until(text: bytes, within: float = 15.0) -> None:
        nonlocal seen
        deadline = time.monotonic() + within
        while text not in seen:
            assert time.monotonic() < deadline, f"{text!r} never shown: {seen[-500:]!r}"
            if select.select([main], [], [], 0.1)[0]:
                seen += os.read(main, 65536)

    try:
        until("┌".encode())
        notify.wait_for(lambda m: "READY" in m.fields, 15)  # the keyboard is read from now
        os.write(main, b" ")
        until(b"step 1/5  running")
        os.write(main, b"p")
        until(b"step 1/5  paused")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        until(b"(display off)")
        assert termios.tcgetattr(child) == before, "cbreak mode undone"
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
        os.close(child)
        notify.close()
    with Store.open_dir(data) as again:
        (activity,) = again.list_activities()
    assert activity.status is ActivityStatus.ENDED
    assert activity.workout == "step-up-run"
