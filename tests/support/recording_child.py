"""A recording device in its own process, for the kill -9 test: the simulated athlete, the
real engine and the real recorder writing to the SQLite store at DB, in real time (1 Hz).

    python tests/support/recording_child.py DB SEED

Prints ``ready`` once set up and waits for a line on its standard input (the test's "go",
sent to every child at once), then after each recorded second ``T STEP`` (recorded time,
0-based step), flushed, so the test knows what was handed to the writer before the kill; and
from the writer thread, once a transaction of records is committed, ``committed T`` (the
last second in it), so the test knows what the store promised to keep whatever the machine's
load made of the writer's timing.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from pacer.engine.snapshot import Snapshot
from pacer.recording.model import Record
from pacer.recording.recorder import ThreadedWriter
from pacer.recording.storage import StoreSink, ensure_room
from pacer.sim.recorded import attach_recorder
from pacer.sim.runner import simulation
from pacer.storage.store import Store
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Profile
from pacer.workout.resolve import ResolvedWorkout, resolve

WORKOUT = """\
name: Crash test
sport: run
steps:
  - warmup: 2s
  - active: 2s
    target: Z2
  - active: 2s
    target: Z3
  - active: 2s
    target: Z4
  - cooldown: 3s
"""


def crash_workout() -> ResolvedWorkout:
    profile = Profile()
    return resolve(load_workout(WORKOUT, "crash-test.yaml", profile=profile), profile)


_print_lock = threading.Lock()


def say(line: str) -> None:
    """One whole line to the test, from the loop or the writer thread."""
    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class ReportingSink(StoreSink):
    """The store sink, saying which second it just committed."""

    def add_records(self, activity: int, rows: list[Record]) -> None:
        super().add_records(activity, rows)
        if rows:
            say(f"committed {rows[-1].t:.0f}")


async def main(db: Path, seed: int) -> None:
    with Store(db) as store:
        ensure_room(store)
    workout = crash_workout()
    runner = simulation(workout, seed=seed, speed=1.0)
    writer = ThreadedWriter(lambda: ReportingSink(db))
    recorder = attach_recorder(runner, writer, workout.profile)

    def report(snap: Snapshot) -> None:
        say(f"{recorder.elapsed():.0f} {snap.step_index}")

    runner.on_snapshot(report)
    say("ready")
    sys.stdin.readline()  # "go": every child starts its clock when the test does
    recorder.start()
    await runner.run()
    recorder.stop()
    writer.close()
    say("done")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
