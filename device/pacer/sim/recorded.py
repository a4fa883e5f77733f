"""Record a simulated run: the simulator, the real engine and the real recorder, as fast as
the machine goes (the FIT test, the report figure in the docs and the benchmark use it)."""

from __future__ import annotations

from pacer.recording.model import Activity
from pacer.recording.recorder import MemoryWriter, Recorder, RecordingInfo, RowWriter
from pacer.sim.athlete import Behaviour
from pacer.sim.runner import SimResult, SimRunner, simulation
from pacer.workout.profile import Profile
from pacer.workout.resolve import ResolvedWorkout


def attach_recorder(runner: SimRunner, writer: RowWriter, profile: Profile) -> Recorder:
    """A recorder subscribed to the runner's samples, events and snapshots (not started)."""
    workout = runner.engine.workout
    info = RecordingInfo(workout.sport, profile.units, workout.name, profile.name)
    recorder = Recorder(writer, runner.clock, info)
    runner.on_sample(recorder.on_sample)
    runner.on_event(recorder.on_event)
    runner.on_snapshot(recorder.on_snapshot)
    return recorder


async def record_simulation(
    workout: ResolvedWorkout,
    *,
    behaviour: Behaviour | None = None,
    seed: int = 1,
    speed: float | None = None,
) -> tuple[Activity, SimResult]:
    """Run ``workout`` on a simulated athlete and return what the recorder recorded."""
    runner = simulation(workout, behaviour, seed=seed, speed=speed)
    writer = MemoryWriter()
    recorder = attach_recorder(runner, writer, workout.profile)
    recorder.start()
    result = await runner.run()
    recorder.stop(ended=True)
    return writer.activity(f"sim-{seed}"), result


__all__ = ["attach_recorder", "record_simulation"]
