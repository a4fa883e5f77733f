"""How long `pacer sim examples/step-up-run.yaml --fast` takes, start-up included.

The seed's 1:20 step-up run is 4800 simulated seconds at 1 Hz; the budget is 2 s of wall
time on this machine for the whole command (interpreter start, imports, parsing, the run,
the summary). Prints the median of several runs and, for scale, the bare interpreter
start-up and the in-process speed of the simulation in simulated seconds per second.

    python benchmarks/bench_sim.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKOUT = REPO / "examples" / "step-up-run.yaml"
BUDGET_S = 2.0


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def in_process(runs: int) -> float:
    """Simulated seconds per wall second, the engine and the athlete alone."""
    sys.path.insert(0, str(REPO / "device"))
    from pacer.sim.runner import simulation
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import resolve

    profile = Profile()
    workout = resolve(load_workout(WORKOUT.read_bytes(), str(WORKOUT), profile=profile), profile)
    rates = []
    for seed in range(runs):
        runner = simulation(workout, seed=seed)
        start = time.perf_counter()
        result = asyncio.run(runner.run())
        rates.append(result.seconds / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "device") + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "pacer.cli", "sim", str(WORKOUT.relative_to(REPO)), "--fast"]
    timed(cmd, env)  # warm the file cache and the bytecode
    runs = [timed(cmd, env) for _ in range(args.runs)]
    bare = statistics.median(timed([sys.executable, "-c", "pass"], env) for _ in range(args.runs))
    median = statistics.median(runs)
    print(f"pacer sim examples/step-up-run.yaml --fast  ({args.runs} runs, 80 simulated minutes)")
    print(f"  median {median:.3f} s  (min {min(runs):.3f}, max {max(runs):.3f})")
    print(f"  budget {BUDGET_S:.1f} s: {median / BUDGET_S:.0%} of it used")
    print(f"  bare interpreter start-up {bare:.3f} s")
    rate = in_process(3)
    print(f"  in process: {rate:,.0f} simulated seconds per second ({rate / 3600:.1f} h/s)")
    if median >= BUDGET_S:
        print("  OVER BUDGET", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
