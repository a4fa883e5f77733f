"""kill -9 a recording device at random moments: nothing committed is lost, nothing is stored
that was not handed over, the store opens clean, and the run resumes in the right step.

Each child process (tests/support/recording_child.py) runs the simulated athlete, the real engine
and the real recorder in real time, writing to its own SQLite store; the test kills it with
SIGKILL (no clean-up runs) at a random moment, then inspects the store from here.

What a kill may lose is what the writer had not committed yet: the child says what it handed
over and, from the writer thread, what each transaction committed, so the check holds on a
busy machine as on an idle one (how many real seconds that is on this machine is printed,
not asserted: a loaded disk makes a commit slow, not lossy).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pacer.engine.engine import Engine
from pacer.engine.events import EventType
from pacer.recording.recorder import resume_point
from pacer.recording.storage import load_stored
from pacer.storage.store import ActivityStatus, Store
from tests.support.paths import REPO
from tests.support.recording_child import crash_workout

CHILD = Path(__file__).parents[1] / "support" / "recording_child.py"


@dataclass
class Run:
    db: Path
    kill_after: float
    proc: subprocess.Popen[str]


def start(tmp: Path, index: int, rng: random.Random) -> Run:
    db = tmp / f"crash-{index}.db"
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'device'}{os.pathsep}{REPO / 'tests'}")
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(index + 1)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # the 11 s workout: kill anywhere from its first second to its last
    return Run(db, rng.uniform(0.3, 10.5), proc)


def kill_at_random(tmp: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    runs = [start(tmp, i, rng) for i in range(count)]
    for run in runs:
        assert run.proc.stdout is not None
        line = run.proc.stdout.readline().strip()
        assert line == "ready", run.proc.stderr.read() if run.proc.stderr else line
    for run in runs:  # all set up (however long that took on this machine): go
        assert run.proc.stdin is not None
        run.proc.stdin.write("go\n")
        run.proc.stdin.close()
    began = time.monotonic()
    for run in sorted(runs, key=lambda r: r.kill_after):
        time.sleep(max(0.0, began + run.kill_after - time.monotonic()))
        run.proc.send_signal(signal.SIGKILL)
    for run in runs:
        # not communicate(): it reads the raw pipe and would skip what readline buffered
        run.proc.wait(timeout=30)
        assert run.proc.stdout is not None
        assert run.proc.stderr is not None
        out, err = run.proc.stdout.read(), run.proc.stderr.read()
        run.proc.stdout.close()
        run.proc.stderr.close()
        assert run.proc.returncode == -signal.SIGKILL, err
        check(run, out)


def check(run: Run, out: str) -> None:
    lines = [line.split() for line in out.splitlines()]
    printed = [(int(a), int(b)) for a, b in lines if a != "committed"]
    committed = [int(t) for word, t in lines if word == "committed"]
    with Store(run.db) as store:  # opens: WAL recovery, migrations check
        assert store.integrity_check() == "ok"
        assert store.recover_interrupted() == [1]
        (info,) = store.list_activities()
        assert info.status is ActivityStatus.INTERRUPTED
        activity = load_stored(store, 1)
    seconds = [r.t for r in activity.records]
    # every recorded second is there, in order, none missing in between
    assert seconds == [float(i) for i in range(len(seconds))]
    last_printed = printed[-1][0] if printed else 0
    last_stored = seconds[-1] if seconds else -1.0
    last_committed = committed[-1] if committed else -1
    print(
        f"killed at {run.kill_after:.1f} s: handed over {last_printed}, "
        f"committed {last_committed}, stored {last_stored} (lost {last_printed - last_stored:.0f})"
    )
    assert last_stored >= last_committed, "a committed second was lost"
    # (+1: the kill may land between the hand-over and its line)
    assert last_stored <= last_printed + 1, "stored only what was handed over"
    if not seconds:
        return  # killed before the first second was committed (within the 5 s allowance)
    # what was stored is what was handed over
    steps_printed = dict(printed)
    assert all(steps_printed.get(int(r.t), r.step) == r.step for r in activity.records)
    assert len(steps_printed) >= len(activity.records) - 1
    # resume continues in the step of the last stored second, with its time in the step
    point = resume_point(activity)
    assert point is not None
    assert point.step == activity.records[-1].step
    workout = crash_workout()
    engine = Engine(workout)
    engine.restore(point.step, point.step_elapsed, point.timer, 100.0, distance_m=point.distance)
    assert engine.snapshot().step_index == point.step
    lap = next(lap for lap in activity.laps if lap.step == point.step)
    planned_end = lap.start + 2.0 if point.step < 4 else lap.start + 3.0
    later = []
    for second in range(1, 8):
        later += engine.tick(100.0 + second)
    changes = [e for e in later if e.type in (EventType.STEP_START, EventType.WORKOUT_DONE)]
    assert changes, "the resumed engine never left its step"
    assert changes[0].t == pytest.approx(planned_end)


def test_kill_9_five_times(tmp_path: Path) -> None:
    kill_at_random(tmp_path, 5, seed=1)


@pytest.mark.slow
def test_kill_9_twenty_times(tmp_path: Path) -> None:
    kill_at_random(tmp_path, 20, seed=2)
