"""``pacer sync device``: the device syncs by itself (what the ``pacer-sync`` timer runs).

The same sync as ``pacer sync`` (:class:`pacer.sync.runner.Syncer`), on the device's own
store (:class:`pacer.sync.store_device.StoreDevice`) instead of the serial link, when
:mod:`pacer.sync.when` says so. Only argparse and the stdlib at module level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Callable

    from pacer.storage.credentials import CredentialStore
    from pacer.sync.port import SyncDevice
    from pacer.sync.runner import Report
    from pacer.sync.when import DaemonState

DESCRIPTION = """\
Sync this pacer by itself, without a laptop: what the pacer-sync timer runs on the device
(as the pacer user, every 15 minutes). The same three steps as 'pacer sync' (zones in, the
planned workouts of the next --days days in, finished runs out to intervals.icu, and to
Strava when the device holds a Strava login), straight on the device's store, with its own
ledger (sync.db beside it).

It syncs only when the device is idle with Wi-Fi up: no workout running (the pacer daemon
publishes its state), [power] wifi_when_idle on, a Wi-Fi interface up by itself (it never
switches Wi-Fi on), an intervals.icu key on the device ('pacer device sync set-key' from a
laptop) and two quiet minutes after a run. While a workout runs it waits (up to --wait) and
then syncs; a workout started mid-sync stops it between two items, the ledger consistent.
Otherwise it says why and exits 0: the timer tries again."""

EPILOG = """\
examples:
  pacer sync device                       what the timer runs (as the pacer user)
  sudo -u pacer pacer sync device --wait 0 --dry-run
                                          would it sync now, and what would it do
  systemctl start pacer-sync              one sync now, through systemd
  journalctl -u pacer-sync                what the last syncs did

exit status: 0 synced, or nothing to do now (said why); 1 some items failed (the rest is
done; 'pacer sync status' on the device shows the ledger); 2 a service refused (offline,
log in again).
"""


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``device`` to ``pacer sync``'s actions."""
    p = actions.add_parser(
        "device",
        help="on the device: sync by itself when idle on Wi-Fi (the pacer-sync timer)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="D",
        help="the device's store (default: $PACER_DATA_DIR, systemd's $STATE_DIRECTORY, "
        "/var/lib/pacer for the pacer user)",
    )
    p.add_argument(
        "--runtime-dir",
        type=Path,
        metavar="D",
        help="where the daemon publishes its state (default: $PACER_RUNTIME_DIR, else the "
        "data directory; the unit sets /run/pacer)",
    )
    p.add_argument(
        "--wait",
        type=_duration,
        default=600.0,
        metavar="T",
        help="wait this long for a running workout to end (10m; 0: do not wait)",
    )
    p.add_argument(
        "--settle",
        type=_duration,
        default=120.0,
        metavar="T",
        help="quiet time after start-up or a run before syncing (2m)",
    )
    p.add_argument(
        "--days",
        type=int,
        default=7,
        metavar="N",
        help="planned workouts of the next N days (7; 1 to 28)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="say what would happen and change nothing"
    )
    p.add_argument("--no-profile", action="store_true", help="leave the device profile alone")
    p.add_argument(
        "--no-strava", action="store_true", help="not to Strava, even with a Strava login"
    )
    p.add_argument(
        "--sys-class-net",
        type=Path,
        default=Path("/sys/class/net"),
        metavar="D",
        help="where to read the Wi-Fi interfaces' state (/sys/class/net)",
    )
    p.set_defaults(handler=run)


def _duration(text: str) -> float:
    """``10m``, ``90s``, ``1h`` or seconds."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    scale = units.get(text[-1:], 1.0)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = float(number) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (10m, 90s, 1h)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration is not negative")
    return value


def run(args: argparse.Namespace) -> int:
    import asyncio
    import fcntl
    import os

    from pacer.core.clock import SystemClock
    from pacer.core.errors import ConfigError
    from pacer.storage.credentials import CredentialStore, redact
    from pacer.storage.schema import default_data_dir
    from pacer.sync.on_device import Gate, Outcome, store_job, sync_when_idle
    from pacer.sync.when import read_state, resolve_runtime_dir, wifi_up

    if not 1 <= args.days <= 28:
        raise ConfigError(f"--days must be 1 to 28, not {args.days}")
    data_dir: Path = args.data_dir or default_data_dir()
    runtime = args.runtime_dir or resolve_runtime_dir(os.environ, data_dir)
    credentials = CredentialStore(data_dir)
    clock = SystemClock()

    def say(text: str) -> None:
        print(redact(text, credentials.secrets()), flush=True)

    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "sync.lock").open("a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            say("another sync is running on this device: nothing to do")
            return 0
        gate = Gate(
            runtime,
            clock,
            wifi=lambda: wifi_up(args.sys_class_net),
            credentials=lambda: credentials.icu() is not None,
            settle_s=args.settle,
        )
        reports: list[Report] = []

        def orchestrate(device: SyncDevice) -> None:
            state = read_state(runtime)
            reports.append(_sync(device, credentials, args, state, data_dir, say))

        job = store_job(data_dir, orchestrate, running=gate.running)
        outcome = asyncio.run(sync_when_idle(gate, job, wait_s=args.wait, say=say))
    if outcome is not Outcome.SYNCED:
        return 0
    report = reports[-1]
    if not report.ok:
        print(
            f"pacer: {len(report.problems)} problem(s); the rest is done: see above",
            file=sys.stderr,
        )
        return 1
    return 0


def _sync(
    device: SyncDevice,
    credentials: CredentialStore,
    args: argparse.Namespace,
    state: DaemonState | None,
    data_dir: Path,
    say: Callable[[str], None],
) -> Report:
    """One sync on ``device`` (in the job's thread): the laptop's orchestration with the
    device's login and ledger, on the daemon's wall clock (the device has no RTC: a host
    sets pacer's time over USB, so "today" is the daemon's)."""
    import time
    from datetime import date

    from pacer.sync.icu import IcuClient
    from pacer.sync.ledger import Ledger
    from pacer.sync.runner import Options, Syncer
    from pacer.sync.strava import StravaClient

    login = credentials.icu()
    assert login is not None  # the policy checked it

    def wall() -> float:
        return time.time() if state is None else state.wall(time.time())

    icu = IcuClient(login.api_key, login.athlete, credentials.icu_url())
    strava = None
    if credentials.strava() is not None and not args.no_strava:
        strava = StravaClient(credentials, credentials.strava_url(), wall=wall)
    options = Options(
        days=args.days,
        dry_run=args.dry_run,
        profile=not args.no_profile,
        strava=strava is not None,
    )
    try:
        with Ledger.open_dir(data_dir) as ledger:
            syncer = Syncer(
                device,
                icu,
                ledger,
                strava=strava,
                out=say,
                today=date.fromtimestamp(wall()),
                wall=wall,
            )
            report = syncer.run(options)
    finally:
        icu.close()
        if strava is not None:
            strava.close()
    sent = ", ".join(f"{n} to {s}" for s, n in report.sent.items()) or "nothing to send"
    say(
        f"done: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged; runs: {sent}"
    )
    return report
