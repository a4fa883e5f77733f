"""What recording costs and how fast replay goes.

* Recording cost per sample, on the event loop: ``Recorder.on_sample`` (one HR sample with
  RR) plus ``Recorder.on_snapshot`` (one record handed to the writer's queue), in µs.
* The writer thread's cost per sample: committing a second's rows to SQLite (WAL,
  synchronous=FULL) in the 1 s batches the recorder uses, in µs per sample. This is off the
  loop; on a Pi's SD card the fsync of each commit dominates it.
* Bytes on disk per hour of activity: a recorded simulated step-up run (1:20) written
  through the writer thread into a fresh store; bytes in use and the file after a WAL
  checkpoint, scaled to one hour.
* Replay speed, in recorded hours per second: a real 3 h 15 min smart-recorded ride
  (../shared/fixtures/fit/sample-activity.fit) and pacer's own 1 Hz recording of the
  simulated run, each through the engine against the step-up workout.

Medians of several runs.

    python benchmarks/bench_recording.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "device"))

FIT_RIDE = REPO.parent / "shared" / "fixtures" / "fit" / "sample-activity.fit"


def step_up():  # type: ignore[no-untyped-def]
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import load_profile
    from pacer.workout.resolve import resolve

    profile = load_profile((REPO / "examples" / "profile.yaml").read_bytes(), "profile.yaml")
    name = REPO / "examples" / "step-up-run.yaml"
    return resolve(load_workout(name.read_bytes(), str(name), profile=profile), profile)


def recorded_run():  # type: ignore[no-untyped-def]
    from pacer.sim.athlete import Behaviour
    from pacer.sim.recorded import record_simulation

    activity, _ = asyncio.run(record_simulation(step_up(), behaviour=Behaviour.EAGER, seed=1))
    return activity


def loop_cost_us(runs: int) -> float:
    """µs per recorded second on the event loop: sample + snapshot into the writer queue."""
    from pacer.core.samples import HeartRateSample
    from pacer.engine.snapshot import RunState, Snapshot, TargetStatus
    from pacer.recording.recorder import Recorder, RecordingInfo, ThreadedWriter
    from pacer.workout.model import Intensity
    from pacer.workout.resolve import Metric, ResolvedTarget

    class Clock:
        now = 0.0

        def monotonic(self) -> float:
            return self.now

        def wall(self) -> float:
            return 1.7e9 + self.now

        async def sleep(self, seconds: float) -> None:  # pragma: no cover
            pass

    class NullSink:
        def create_activity(self, started: float, workout: str | None) -> int:
            return 1

        def reopen_activity(self, activity: int) -> None: ...
        def add_records(self, activity: int, rows: list) -> None: ...  # type: ignore[type-arg]
        def add_events(self, activity: int, rows: list) -> None: ...  # type: ignore[type-arg]
        def end_activity(self, activity: int, *, ended: bool) -> None: ...
        def close(self) -> None: ...

    target = ResolvedTarget(Metric.HR, 140, 150, "Z2")
    results = []
    n = 20_000
    for _ in range(runs):
        clock = Clock()
        writer = ThreadedWriter(NullSink)
        rec = Recorder(writer, clock, RecordingInfo())
        rec.start()
        snaps = [
            Snapshot(
                state=RunState.RUNNING,
                t=float(i),
                step_index=0,
                step_count=1,
                step_name="Z2",
                intensity=Intensity.ACTIVE,
                target=target,
                status=TargetStatus.IN,
                hr=145,
                speed_mps=3.1,
                cadence=172.0,
                distance_m=3.1 * i,
                step_remaining_s=100.0,
                battery_percent=80,
            )
            for i in range(n)
        ]
        samples = [HeartRateSample(float(i), 145, rr_s=(0.41, 0.42)) for i in range(n)]
        start = time.perf_counter()
        for i in range(n):
            clock.now = float(i)
            rec.on_sample(samples[i])
            rec.on_snapshot(snaps[i])
        results.append((time.perf_counter() - start) / n * 1e6)
        writer.close()
    return statistics.median(results)


def writer_cost_us_and_bytes(activity, runs: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """(µs per sample in the writer thread, bytes in use per hour, file bytes per hour)."""
    from pacer.recording.storage import StoreSink
    from pacer.storage.store import Store

    per_sample, in_use, on_disk = [], [], []
    hours = activity.duration / 3600
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "pacer.db"
            sink = StoreSink(db)
            activity_id = sink.create_activity(activity.start, activity.workout)
            events = list(activity.events)
            records = list(activity.records)
            start = time.perf_counter()
            # the recorder's batches: one commit of a second's rows, as at 1 Hz with FLUSH_S 1
            e = 0
            for r in records:
                batch = []
                while e < len(events) and events[e].t <= r.t:
                    batch.append(events[e])
                    e += 1
                sink.add_records(activity_id, [r])
                if batch:
                    sink.add_events(activity_id, batch)
            per_sample.append((time.perf_counter() - start) / len(records) * 1e6)
            sink.end_activity(activity_id, ended=True)
            in_use.append(sink.store.used_bytes() / hours)
            sink.close()  # the last connection to close checkpoints the WAL into the file
            with Store(db) as fresh:
                assert fresh.integrity_check() == "ok"
            on_disk.append(db.stat().st_size / hours)
    return statistics.median(per_sample), statistics.median(in_use), statistics.median(on_disk)


def replay_rate(activity, runs: int) -> float:  # type: ignore[no-untyped-def]
    """Recorded hours replayed per wall second."""
    from pacer.recording.replay import replay

    workout = step_up()
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        result = replay(activity, workout)
        rates.append(result.seconds / 3600 / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from pacer.formats.activities.fitreader import read_fit_file

    run = recorded_run()
    print(f"recording, on the event loop:   {loop_cost_us(args.runs):7.1f} µs per sample")
    cost, in_use, on_disk = writer_cost_us_and_bytes(run, args.runs)
    print(f"recording, in the writer thread: {cost:6.0f} µs per sample (one commit a second)")
    print(
        f"bytes per hour of activity:      {in_use / 1e3:6.0f} kB in use, "
        f"{on_disk / 1e3:.0f} kB file"
    )
    print(f"replay, pacer 1 Hz recording:    {replay_rate(run, args.runs):6.1f} recorded h/s")
    if FIT_RIDE.is_file():
        ride = read_fit_file(FIT_RIDE)
        rate = replay_rate(ride, args.runs)
        print(f"replay, 3:15 smart-recorded FIT: {rate:6.1f} recorded h/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
