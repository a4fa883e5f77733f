"""How long `pacer sim examples/step-up-run.yaml --fast` takes, start-up included.

The seed's 1:20 step-up run is 4800 simulated seconds at 1 Hz; the budget is 2 s of wall
time on this machine for the whole command (interpreter start, imports, parsing, the run,
the summary). Prints the median of several runs and, for scale, the bare interpreter
start-up and the in-process speed of the simulation in simulated seconds per second.

``--arch aarch64`` measures the Pi's CPU architecture against this machine instead: the
same command and ``benchmarks/bench_engine_cost.py`` (the engine's cost per sample), each
run in turn here and on Debian's arm64 CPython 3.11 with the Pi's wheels under
``qemu-aarch64-static`` (tests/support/aarch64.py builds that once, about a minute, then
reuses it from ``.cache/aarch64/``), and prints the aarch64/host ratios of the medians, of
wall time and of CPU time (user + system; the steadier on a shared machine).

    python benchmarks/bench_sim.py [--runs N] [--arch aarch64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
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


def timed_cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and the output of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def aarch64_ratio(runs: int) -> int:
    """This machine against the emulated Pi CPU, alternating so that load hits both alike."""
    sys.path.insert(0, str(REPO))
    from tests.support.aarch64 import aarch64_python

    pi = aarch64_python(progress=lambda line: print(line, file=sys.stderr))
    host_env = dict(os.environ)
    host_env["PYTHONPATH"] = str(REPO / "device") + os.pathsep + host_env.get("PYTHONPATH", "")
    sim = ["-m", "pacer.cli", "sim", str(WORKOUT.relative_to(REPO)), "--fast"]
    cost = [str(REPO / "benchmarks" / "bench_engine_cost.py"), "--runs", "1", "--cpu"]
    machine = os.uname().machine
    rigs = {machine: ([sys.executable], host_env), "aarch64": (pi.command(), pi.env())}
    for prefix, env in rigs.values():  # warm the file cache and the bytecode
        timed_cpu([*prefix, *sim], env)
    figures: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "cpu": [], "us": []} for name in rigs
    }
    for i in range(runs):
        print(f"  run {i + 1} of {runs}", file=sys.stderr)
        for name, (prefix, env) in rigs.items():
            wall, cpu, _ = timed_cpu([*prefix, *sim], env)
            figures[name]["wall"].append(wall)
            figures[name]["cpu"].append(cpu)
            _, _, out = timed_cpu([*prefix, *cost], env)
            found = re.search(r"median ([\d.]+) us/sample", out)
            assert found, out
            figures[name]["us"].append(float(found[1]))
    med = {n: {k: statistics.median(v) for k, v in f.items()} for n, f in figures.items()}
    host, pi_ = med[machine], med["aarch64"]
    print(
        "pacer sim examples/step-up-run.yaml --fast (80 simulated minutes), "
        f"{runs} runs each, alternating"
    )
    for name, m in med.items():
        print(f"  {name:8} median {m['wall']:6.2f} s wall, {m['cpu']:6.2f} s CPU")
    print(
        f"  aarch64 / {machine}: {pi_['wall'] / host['wall']:.1f}x wall, "
        f"{pi_['cpu'] / host['cpu']:.1f}x CPU"
    )
    print("engine cost per sample (bench_engine_cost.py --cpu: the step-up run replayed)")
    for name, m in med.items():
        print(f"  {name:8} median {m['us']:6.1f} us/sample of CPU")
    print(f"  aarch64 / {machine}: {pi_['us'] / host['us']:.1f}x")
    print(f"  (aarch64: Debian's python3.11 under {os.path.basename(pi.qemu)}, {pi.root.parent})")
    return 0


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
    parser.add_argument("--runs", type=int, help="runs of each (default 7; 3 with --arch)")
    parser.add_argument(
        "--arch",
        choices=("aarch64",),
        help="this machine against the Pi's CPU architecture: Debian's arm64 python3.11 and "
        "the Pi's wheels under qemu-aarch64-static; prints the aarch64/host time ratios",
    )
    args = parser.parse_args()
    if args.arch == "aarch64":
        return aarch64_ratio(args.runs or 3)
    args.runs = args.runs or 7
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
