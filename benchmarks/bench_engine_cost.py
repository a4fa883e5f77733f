"""The engine's cost per sample: a recorded 80-minute step-up run (eager athlete, seeds 0-2)
replayed through a fresh :class:`Engine` (``on_sample`` for each sample, ``tick`` and
``snapshot`` each second). Prints the median microseconds per sample over the runs.

    python benchmarks/bench_engine_cost.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "device"))

from pacer.core.actions import ButtonAction  # noqa: E402
from pacer.core.samples import Sample  # noqa: E402
from pacer.engine.engine import Engine  # noqa: E402
from pacer.sim.athlete import Behaviour  # noqa: E402
from pacer.sim.runner import simulation  # noqa: E402
from pacer.workout.fileformat import load_workout  # noqa: E402
from pacer.workout.profile import Profile  # noqa: E402
from pacer.workout.resolve import ResolvedWorkout, resolve  # noqa: E402

WORKOUT = REPO / "examples" / "step-up-run.yaml"


def recorded(workout: ResolvedWorkout, seed: int) -> list[tuple[float, list[Sample]]]:
    """Each simulated second's samples, from one run of the simulator."""
    runner = simulation(workout, Behaviour.EAGER, seed=seed)
    seconds: dict[float, list[Sample]] = {}
    runner.on_sample(lambda s: seconds.setdefault(round(s.t, 3), []).append(s))
    asyncio.run(runner.run())
    return sorted(seconds.items())


def cost_us(workout: ResolvedWorkout, trace: list[tuple[float, list[Sample]]]) -> float:
    engine = Engine(workout)
    start_t = trace[0][0] - 1.0
    n = 0
    t0 = time.perf_counter()
    engine.on_action(ButtonAction.START_PAUSE, start_t)
    for now, samples in trace:
        for s in samples:
            engine.on_sample(s)
            n += 1
        engine.tick(now)
        engine.snapshot()
    return (time.perf_counter() - t0) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    profile = Profile()
    workout = resolve(load_workout(WORKOUT.read_bytes(), str(WORKOUT), profile=profile), profile)
    traces = [recorded(workout, seed) for seed in range(3)]
    figures = [cost_us(workout, tr) for _ in range(args.runs) for tr in traces]
    n = sum(len(s) for _, s in traces[0])
    print(f"engine cost per sample, step-up run replayed ({n} samples, {len(figures)} runs)")
    print(f"  median {statistics.median(figures):.1f} us/sample (min {min(figures):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
