"""Issue 20 D4 and D5: what a far gap and many laps cost, each command in a child process
(CPU seconds and peak memory from ``wait4``, so a loaded machine changes little).

* D4: ``pacer replay`` of a 2-row CSV (t = 0 and t = 10^7, 10^10) against a workout of one
  open step (it never ends on its own, so the replay runs to the end of the recording).
* D5: ``pacer report`` and ``pacer export --format fit`` of a CSV with one lap per row
  (10k, 30k and 10^6 laps; a 10^6-row CSV is 14 MB, under the 16 MiB activity limit).

    python benchmarks/bench_hostile.py [--device DIR] [--timeout S] [--quick]

``--device`` runs another checkout's ``device/`` (e.g. main's, for the figures before the
fix); a command over ``--timeout`` (default 120 s) is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OPEN = "name: open\nsport: run\nsteps:\n  - active: open\n    target: Z2\n"


def laps_csv(path: Path, n: int) -> Path:
    with path.open("w") as f:
        f.write("t,step\n")
        f.writelines(f"{i},{i + 1}\n" for i in range(n))
    return path


def run(device: Path, argv: list[str], timeout: float) -> str:
    env = dict(os.environ, PYTHONPATH=str(device))
    cmd = [sys.executable, "-m", "pacer", *argv]
    wall = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.kill()
            os.wait4(child.pid, 0)
            return f"stopped after {timeout:.0f} s"
        time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    spent = time.perf_counter() - wall
    cpu = usage.ru_utime + usage.ru_stime
    return (
        f"{cpu:6.2f} s CPU ({spent:.2f} s wall), peak {usage.ru_maxrss // 1024} MB, "
        f"exit {child.returncode}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", type=Path, default=REPO / "device")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--quick", action="store_true", help="leave out the 10^6 laps")
    args = parser.parse_args()
    print(f"pacer from {args.device}; Python {sys.version.split()[0]}; timeout {args.timeout:g} s")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        workout = work / "open.yaml"
        workout.write_text(OPEN)
        for far in (10**7, 10**10):
            csv = work / f"gap{far}.csv"
            csv.write_text(f"t,hr,speed\n0,140,3\n{far},141,3\n")
            argv = ["replay", str(csv), "--workout", str(workout), "--quiet"]
            print(f"D4 replay, rows at 0 and {far:.0e} s: {run(args.device, argv, args.timeout)}")
        sizes = (10_000, 30_000) if args.quick else (10_000, 30_000, 1_000_000)
        for n in sizes:
            csv = laps_csv(work / f"laps{n}.csv", n)
            for what, argv in (
                ("report", ["report", str(csv)]),
                ("export fit", ["export", str(csv), "--format", "fit", "-o", str(work / "a.fit")]),
            ):
                print(f"D5 {what}, {n} laps: {run(args.device, argv, args.timeout)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
