"""A recorded simulated step-up run (the seed's 1:20 workout with the example profile)."""

from __future__ import annotations

import asyncio
import functools

from pacer.recording.model import Activity
from pacer.sim.athlete import Behaviour
from pacer.sim.recorded import record_simulation
from pacer.sim.runner import SimResult
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import load_profile
from pacer.workout.resolve import ResolvedWorkout, resolve
from tests.support.paths import EXAMPLES


def step_up_workout(name: str = "step-up-run.yaml") -> ResolvedWorkout:
    profile = load_profile((EXAMPLES / "profile.yaml").read_bytes(), "profile.yaml")
    workout = load_workout((EXAMPLES / name).read_bytes(), name, profile=profile)
    return resolve(workout, profile)


@functools.cache
def recorded_step_up(
    behaviour: Behaviour = Behaviour.EAGER, seed: int = 1
) -> tuple[Activity, SimResult]:
    return asyncio.run(record_simulation(step_up_workout(), behaviour=behaviour, seed=seed))
