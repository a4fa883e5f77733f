"""A recording device in its own process, for the kill -9 test: the simulated athlete, the
real engine and the real recorder writing to the SQLite store at DB, in real time (1 Hz).

    python tests/recording_child.py DB SEED

Prints ``ready`` once running, then after each recorded second ``T STEP`` (recorded time,
0-based step), flushed, so the test knows what was handed to the writer before the kill.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pacer.engine.snapshot import Snapshot
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


async def main(db: Path, seed: int) -> None:
    with Store(db) as store:
        ensure_room(store)
    workout = crash_workout()
    runner = simulation(workout, seed=seed, speed=1.0)
    writer = ThreadedWriter(lambda: StoreSink(db))
    recorder = attach_recorder(runner, writer, workout.profile)

    def report(snap: Snapshot) -> None:
        print(f"{recorder.elapsed():.0f} {snap.step_index}", flush=True)

    runner.on_snapshot(report)
    recorder.start()
    print("ready", flush=True)
    await runner.run()
    recorder.stop()
    writer.close()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
