"""The engine's cost per sample: a recorded 80-minute step-up run (eager athlete, seeds 0-2)
replayed through a fresh :class:`Engine` (``on_sample`` for each sample, ``tick`` and
``snapshot`` each second). Prints the median microseconds per sample over the runs.

``--against DIR`` replays the very same samples through another tree's engine (DIR is its
``device`` directory, e.g. an export of the commit before a change), alternating the two
several times, so a shared machine's load hits both alike:

    python benchmarks/bench_engine_cost.py [--runs N] [--cpu] [--against /tmp/before/device]
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def cost_us(
    workout: ResolvedWorkout,
    trace: list[tuple[float, list[Sample]]],
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    engine = Engine(workout)
    start_t = trace[0][0] - 1.0
    n = 0
    t0 = clock()
    engine.on_action(ButtonAction.START_PAUSE, start_t)
    for now, samples in trace:
        for s in samples:
            engine.on_sample(s)
            n += 1
        engine.tick(now)
        engine.snapshot()
    return (clock() - t0) / n * 1e6


#: run in another tree: the same replay, its figures as "median min" on stdout
OTHER = """
import pickle, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pacer.core.actions import ButtonAction
from pacer.engine.engine import Engine
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Profile
from pacer.workout.resolve import resolve
p = Profile()
w = resolve(load_workout(open(sys.argv[2], "rb").read(), sys.argv[2], profile=p), p)
traces = pickle.load(open(sys.argv[3], "rb"))
def cost(tr):
    e = Engine(w); n = 0; t0 = time.perf_counter()
    e.on_action(ButtonAction.START_PAUSE, tr[0][0] - 1)
    for now, ss in tr:
        for s in ss:
            e.on_sample(s); n += 1
        e.tick(now); e.snapshot()
    return (time.perf_counter() - t0) / n * 1e6
xs = [cost(tr) for _ in range(int(sys.argv[4])) for tr in traces]
print(statistics.median(xs), min(xs))
"""


def against(other: Path, traces: list[list[tuple[float, list[Sample]]]], runs: int) -> None:
    """This tree's engine and ``other``'s on the same samples, alternating, in subprocesses."""
    with tempfile.NamedTemporaryFile(suffix=".pkl") as f:
        pickle.dump(traces, f)
        f.flush()
        figures: dict[str, list[tuple[float, float]]] = {"this": [], "other": []}
        for _ in range(3):
            for name, tree in (("other", other), ("this", REPO / "device")):
                cmd = [sys.executable, "-c", OTHER, str(tree), str(WORKOUT), f.name, str(runs)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                median, least = map(float, out.split())
                figures[name].append((median, least))
    for name, tree in (("other", other), ("this", REPO / "device")):
        meds = [m for m, _ in figures[name]]
        mins = [x for _, x in figures[name]]
        print(
            f"  {name:5} {tree}: median {statistics.median(meds):.1f} us/sample "
            f"(min {min(mins):.1f}) over 3 alternations"
        )
    ratio = statistics.median(m for m, _ in figures["this"]) / statistics.median(
        m for m, _ in figures["other"]
    )
    print(
        f"  this / other: {ratio:.2f}x (median), "
        f"{min(x for _, x in figures['this']) / min(x for _, x in figures['other']):.2f}x (min)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another tree's device directory")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="this process's CPU time instead of wall time (steadier on a shared machine)",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    profile = Profile()
    workout = resolve(load_workout(WORKOUT.read_bytes(), str(WORKOUT), profile=profile), profile)
    traces = [recorded(workout, seed) for seed in range(3)]
    figures = [cost_us(workout, tr, clock) for _ in range(args.runs) for tr in traces]
    n = sum(len(s) for _, s in traces[0])
    kind = "CPU" if args.cpu else "wall"
    print(
        f"engine cost per sample, step-up run replayed ({n} samples, {len(figures)} runs, "
        f"{kind} time)"
    )
    print(f"  median {statistics.median(figures):.1f} us/sample (min {min(figures):.1f})")
    if args.against is not None:
        against(args.against, traces, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
