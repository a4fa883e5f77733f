"""The device's own sync (``pacer sync device``, what the pacer-sync timer runs), as a process
against the loopback intervals.icu of the tests: a whole sync of a planned week (7
workouts) and 20 finished 30-minute runs, then the same again (nothing to do), and a timer
try with Wi-Fi down (what each 15-minute tick costs when there is nothing to do).

The daemon's published state is held by this script (an idle daemon: the lock and the state
file), so the figure is the sync's alone.

    PYTHONPATH=device python benchmarks/bench_sync_device.py [--runs 20] [--days 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO)]

from tests.support.fake_services import API_KEY, fake_services  # noqa: E402
from tests.support.sync_rig import plan_week, seed_runs  # noqa: E402

from pacer.storage.credentials import CredentialStore, IcuCredentials  # noqa: E402
from pacer.sync.when import DaemonState, StatePublisher  # noqa: E402


def sysfs(root: Path, state: str) -> Path:
    (root / "wlan0" / "wireless").mkdir(parents=True)
    (root / "wlan0" / "operstate").write_text(state + "\n")
    return root


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"exit {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return took, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="finished runs on the device (20)")
    parser.add_argument("--days", type=int, default=7, help="planned days, one workout each (7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fake_services() as fake:
        data = Path(tmp) / "data"
        plan_week(fake, date.today(), args.days)
        seed_runs(data, args.runs, seconds=1800)
        CredentialStore(data, env={}).save_icu(IcuCredentials(API_KEY))
        publisher = StatePublisher(Path(tmp) / "run").open()
        publisher.publish(DaemonState(None, 0.0, True, 0.0, os.getpid()))
        env = dict(os.environ, PYTHONPATH=str(REPO / "device"), PACER_ICU_URL=fake.url)
        env.pop("PACER_ICU_API_KEY", None)
        base = [sys.executable, "-m", "pacer.cli", "sync", "device", "--data-dir", str(data)]
        base += ["--runtime-dir", str(Path(tmp) / "run"), "--wait", "0", "--settle", "0"]
        up = ["--sys-class-net", str(sysfs(Path(tmp) / "up", "up"))]
        down = ["--sys-class-net", str(sysfs(Path(tmp) / "down", "down"))]
        first, out = timed(base + up, env)
        done = [line for line in out.splitlines() if line.startswith("done:")]
        uploads = len(fake.uploads())
        again, out2 = timed(base + up, env)
        idle_tick, out3 = timed(base + down, env)
        publisher.close()
    print(f"device sync of {args.days} planned workouts and {args.runs} runs of 30 min")
    print(f"  first sync:  {first:.2f} s  ({done[0] if done else out.splitlines()[-1]})")
    print(f"  uploads:     {uploads} (each run once)")
    print(f"  second sync: {again:.2f} s  ({out2.splitlines()[-1]})")
    print(f"  a timer try with Wi-Fi down: {idle_tick:.2f} s  ({out3.strip()})")


if __name__ == "__main__":
    main()
