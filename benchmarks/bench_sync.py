"""A whole ``pacer sync`` of a planned week and a backlog of runs, timed (issue 21).

The loopback intervals.icu (and Strava) of the tests, the simulated device (``pacer run
--hardware sim``) over its pty with ``--runs`` finished runs of ``--minutes`` each already in
its store, and ``--days`` planned workouts (intervals, pace and HR targets). Times the first
sync (zones in, every workout put, every run downloaded, converted to FIT and uploaded),
then a second one (nothing to do), each as the process a user runs.

    PYTHONPATH=device python benchmarks/bench_sync.py [--runs 20] [--days 7] [--strava]
"""

from __future__ import annotations

import argparse
import platform
import signal
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO)]

from tests.support.daemon_process import daemon  # noqa: E402
from tests.support.fake_services import (  # noqa: E402
    STRAVA_CLIENT_ID,
    STRAVA_SECRET,
    fake_services,
)
from tests.support.notify_socket import NotifySocket  # noqa: E402
from tests.support.sync_rig import plan_week, run_sync, seed_runs, sync_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--minutes", type=int, default=45, help="length of each run (45)")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--strava", action="store_true", help="send the runs to Strava too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, fake_services() as fake:
        tmp = Path(folder)
        fake.athlete = {"sportSettings": [{"types": ["Run"], "lthr": 168, "threshold_pace": 4.0}]}
        plan_week(fake, date.today(), args.days)
        seed_runs(tmp / "data", args.runs, seconds=args.minutes * 60, origin_event=500)
        (tmp / "pacer.toml").write_text("[power]\nidle_off_min = 0\n")
        env = sync_env(fake, tmp)
        flags = ["--days", str(args.days)]
        if args.strava:
            flags.append("--strava")
            from pacer.storage.credentials import CredentialStore, StravaCredentials

            store = CredentialStore(tmp / "laptop-config", env={})
            store.save_strava(
                StravaCredentials(STRAVA_CLIENT_ID, STRAVA_SECRET, "x", fake.strava_refresh, 0.0)
            )
        with (
            NotifySocket(tmp / "notify") as notify,
            daemon(tmp, notify, "--config", str(tmp / "pacer.toml")) as d,
        ):
            notify.wait_for(lambda m: m.fields.get("READY") == "1", 30)
            start = time.perf_counter()
            first = run_sync(env, "--port", d.port, *flags, timeout=600)
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            second = run_sync(env, "--port", d.port, *flags, timeout=600)
            second_s = time.perf_counter() - start
            d.proc.send_signal(signal.SIGTERM)
            d.proc.wait(15)
        if first.returncode or second.returncode:
            print(first.stdout, first.stderr, second.stdout, second.stderr)
            return 1
        print(
            f"machine: {platform.machine()} {platform.python_implementation()} "
            f"{platform.python_version()}"
        )
        print(f"first sync:  {first_s:6.2f} s  {first.stdout.strip().splitlines()[-1]}")
        print(f"second sync: {second_s:6.2f} s  {second.stdout.strip().splitlines()[-1]}")
        mib = sum(a.size for a in fake.activities.values()) / 2**20
        print(
            f"intervals.icu: {len(fake.activities)} activities ({mib:.1f} MiB of FIT), "
            f"{len(fake.log)} requests in all"
        )
        if args.strava:
            print(f"Strava: {len(fake.strava_activities)} activities, {fake.refreshes} refresh")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
