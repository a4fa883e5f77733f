"""What the daemon records, sped up on the scaled clock as ``pacer run --hardware sim --speed
240`` runs it: each second stamped on the run's own clock (one record per second, FIT
timestamps one second apart, never shared), and the first second of a new step in that
step's lap (an untargeted warm-up must not take the next step's first sample)."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest

from pacer.config.file import Config
from pacer.core.actions import ButtonAction
from pacer.daemon import Daemon, DaemonOptions
from pacer.devices.bundle import Hardware
from pacer.devices.oled import dummy_display
from pacer.formats.activities.fit import fit_messages
from pacer.haptics.player import HapticRecorder
from pacer.recording.model import Activity
from pacer.recording.storage import load_stored
from pacer.sim.clock import ScaledClock
from pacer.sim.device import SimulatedButtons, SimulatedSensors
from pacer.storage.store import Store

SHORT = """\
name: Short steps
sport: run
steps:
  - warmup: 37s
  - active: 41s
    target: Z2
  - active: 29s
    target: Z3
  - cooldown: 23s
"""


async def record(tmp_path: Path, speed: float, stall_s: float = 0.0) -> Activity:
    """Run SHORT on the daemon at ``speed``; ``stall_s``: hold the whole loop that long (real
    seconds) once the run is 20 simulated seconds in, as a slow Pi's hiccup would."""
    store = Store.open_dir(tmp_path / "data")
    store.put_workout("short", SHORT, 1.7e9, max_count=10)
    store.select_workout("short")
    clock = ScaledClock(speed)
    buttons = SimulatedButtons()
    hw = Hardware(
        clock=clock,
        display=dummy_display(),
        haptics=HapticRecorder(clock.monotonic),
        buttons=buttons,
        sensors=SimulatedSensors(clock, press=buttons.press),
    )
    daemon = Daemon(hw, Config(), store, DaemonOptions(device_id="t"))
    task = asyncio.create_task(daemon.run())
    async with asyncio.timeout(60):  # a safety net: the scaled clock runs the workout
        await daemon.ready.wait()
        buttons.press(ButtonAction.START_PAUSE)
        stalled = stall_s == 0
        while daemon.run_ is None or not daemon.run_.saved:
            await asyncio.sleep(0.02)
            last = daemon.run_.last if daemon.run_ is not None else None
            if not stalled and last is not None and last.t >= 20:
                time.sleep(stall_s)  # noqa: ASYNC251  # the point: nothing in the loop runs
                stalled = True
        activity = daemon.run_.activity_id
        daemon.request_stop()
        await task
    assert activity is not None
    with store:
        return load_stored(store, activity)


@pytest.mark.parametrize("speed", [240.0, 60.0])
async def test_each_second_once_on_the_runs_clock_and_fit_stamps_never_shared(
    tmp_path: Path, speed: float
) -> None:
    activity = await record(tmp_path, speed)
    seconds = [r.t for r in activity.records]
    assert seconds[-1] >= 37 + 41 + 29 + 23 - 1
    assert seconds == [float(i) for i in range(1, len(seconds) + 1)], "one a second, none lost"
    stamps = [m["timestamp"] for kind, m in fit_messages(activity) if kind == "record"]
    assert len(stamps) == len(seconds)
    assert all(b - a == 1 for a, b in itertools.pairwise(stamps)), "FIT records 1 s apart"


async def test_a_stalled_loop_loses_no_recorded_second(tmp_path: Path) -> None:
    """The loop held for 0.5 s at 60x: 30 simulated seconds nobody ticked, caught up."""
    activity = await record(tmp_path, 60.0, stall_s=0.5)
    seconds = [r.t for r in activity.records]
    assert seconds == [float(i) for i in range(1, len(seconds) + 1)]
    assert seconds[-1] >= 37 + 41 + 29 + 23 - 1
    timers = [r.timer for r in activity.records]
    assert all(b > a for a, b in itertools.pairwise(timers)), "the workout clock ran on"


async def test_the_first_second_of_a_step_is_in_that_steps_lap(tmp_path: Path) -> None:
    activity = await record(tmp_path, 240.0)
    assert [lap.step for lap in activity.laps] == [0, 1, 2, 3]
    for lap in activity.laps:
        inside = [r for r in activity.records if lap.contains(r.t)]
        assert inside, lap
        assert {r.step for r in inside} == {lap.step}, f"lap {lap.step} holds another step"
    warmup = activity.laps[0]
    assert all(r.target_low is None for r in activity.records if warmup.contains(r.t)), (
        "the untargeted warm-up holds no targeted sample"
    )
