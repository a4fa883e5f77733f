"""``pacer sync``: planned workouts onto the pacer, runs out to intervals.icu and Strava."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.storage.credentials import CredentialStore

DESCRIPTION = """\
Sync the pacer plugged in over USB with intervals.icu (and Strava):

  zones in      intervals.icu's FTP, LTHR, max HR and threshold pace update the device
                profile where they differ (each change is printed; --no-profile skips it)
  workouts in   the planned workouts of the next --days days go onto the device, named by
                date and title (2026-05-09-threshold-run); one changed upstream is
                replaced, one deleted upstream is removed, today's is selected; your own
                workouts are never touched
  runs out      every finished run not sent yet is uploaded as FIT, paired with the planned
                workout it ran; with --strava to Strava too

A ledger (sync.db in pacer's data directory) records each upload; a sync that stops half-way
(network, Ctrl-C, unplugged) resumes where it stopped and sends nothing twice.
'pacer sync status' shows it. Log in once first ('pacer sync login intervals')."""

EPILOG = """\
examples:
  pacer sync login intervals       store your intervals.icu API key (asked without echo)
  pacer sync --dry-run             what a sync would do, changing nothing
  pacer sync                       zones in, workouts of the next 7 days in, runs out
  pacer sync --days 3 --strava     three days of workouts; runs to Strava as well
  pacer sync status                the ledger: what was sent where, what failed and why
  pacer sync device                on the device itself: sync when idle on Wi-Fi (the timer)

environment (for scripts): PACER_ICU_API_KEY and PACER_ICU_ATHLETE override the stored
login; PACER_ICU_URL and PACER_STRAVA_URL the services' addresses. See docs/sync.md.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pacer.cli.device import add_link_arguments

    parser = sub.add_parser(
        "sync",
        help="planned workouts onto the pacer, runs out to intervals.icu and Strava",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_link_arguments(parser)
    parser.add_argument(
        "--days",
        type=_days,
        default=7,
        metavar="N",
        help="planned workouts of the next N days, today included (7; 1 to 28)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would happen and change nothing"
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="leave the device profile as it is"
    )
    parser.add_argument("--strava", action="store_true", help="send runs to Strava as well")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="try again the uploads a service refused for good before",
    )
    parser.set_defaults(handler=_sync)
    actions = parser.add_subparsers(dest="sync_action", metavar="ACTION")
    status = actions.add_parser("status", help="the ledger: every run, where it went")
    status.set_defaults(handler=_status)
    login = actions.add_parser("login", help="log in to intervals or strava")
    login.set_defaults(handler=_login)
    login.add_argument("service", choices=("intervals", "strava"))
    login.add_argument(
        "--athlete",
        default="0",
        help="intervals: the athlete id (0: the key's owner, the usual choice)",
    )
    login.add_argument("--client-id", help="strava: your API application's client id")
    login.add_argument(
        "--redirect-port",
        type=int,
        default=8765,
        help="strava: the loopback port Strava sends you back to (8765)",
    )
    logout = actions.add_parser("logout", help="forget the stored login of a service")
    logout.add_argument("service", choices=("intervals", "strava"))
    logout.set_defaults(handler=_logout)

    from pacer.cli import sync_device

    sync_device.register(actions)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= value <= 28:
        raise argparse.ArgumentTypeError(f"--days must be 1 to 28, not {value}")
    return value


def _store() -> CredentialStore:
    from pacer.storage.credentials import CredentialStore, default_config_dir

    return CredentialStore(default_config_dir())


def _say(text: str) -> None:
    print(text, flush=True)


def _sync(args: argparse.Namespace) -> int:
    from pacer.core.errors import ConfigError
    from pacer.link.host import DeviceClient, find_port
    from pacer.storage.credentials import redact
    from pacer.storage.schema import default_data_dir
    from pacer.sync.icu import IcuClient
    from pacer.sync.ledger import LEDGER_NAME, Ledger
    from pacer.sync.runner import Options, Syncer
    from pacer.sync.serial_device import SerialDevice
    from pacer.sync.strava import StravaClient

    store = _store()
    icu_login = store.icu()
    if icu_login is None:
        raise ConfigError("not logged in to intervals.icu: run 'pacer sync login intervals'")
    if args.strava and store.strava() is None:
        raise ConfigError("not logged in to Strava: run 'pacer sync login strava'")
    secrets = store.secrets()

    def out(text: str) -> None:
        _say(redact(text, secrets))

    icu = IcuClient(icu_login.api_key, icu_login.athlete, store.icu_url())
    strava = StravaClient(store, store.strava_url()) if args.strava else None
    port = args.port or find_port()
    data_dir = default_data_dir()
    options = Options(
        days=args.days,
        dry_run=args.dry_run,
        profile=not args.no_profile,
        strava=args.strava,
        retry_failed=args.retry_failed,
    )
    try:
        ledger_path = data_dir / LEDGER_NAME
        if args.dry_run and not ledger_path.exists():
            ledger_path = Path(":memory:")  # a dry run writes nothing, not even the ledger
        with DeviceClient(port, timeout=args.timeout) as client, Ledger(ledger_path) as led:
            info = client.hello()
            out(
                f"pacer {info.get('device_id', '?')} on {port}"
                + (" (dry run)" if args.dry_run else "")
            )
            device = SerialDevice(client, scratch=None)
            report = Syncer(device, icu, led, strava=strava, out=out).run(options)
    finally:
        icu.close()
        if strava is not None:
            strava.close()
    sent = ", ".join(f"{n} to {s}" for s, n in report.sent.items()) or "nothing to send"
    out(
        f"done: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged; runs: {sent}"
        + (f" ({report.duplicates} already there)" if report.duplicates else "")
    )
    if not report.ok:
        print(
            f"pacer: {len(report.problems)} problem(s); the rest is done: "
            "see above and 'pacer sync status'",
            file=sys.stderr,
        )
        return 1
    return 0


def _when(t: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def _status(args: argparse.Namespace) -> int:
    from pacer.storage.schema import default_data_dir
    from pacer.sync.ledger import LEDGER_NAME, Ledger

    store = _store()
    icu = store.icu()
    strava = store.strava()
    print(
        "intervals.icu: "
        + ("not logged in" if icu is None else f"logged in (athlete {icu.athlete})")
    )
    print(
        "Strava: "
        + (
            "not logged in"
            if strava is None
            else f"logged in (app {strava.client_id}; "
            f"token renews after {_when(strava.expires_at)})"
        )
    )
    path = default_data_dir() / LEDGER_NAME
    if not path.exists():
        print("ledger: empty (no sync yet)")
        return 0
    with Ledger(path) as ledger:
        entries = ledger.entries()
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.state.value] = counts.get(e.state.value, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "empty"
    print(f"ledger ({path}): {summary}")
    rows = [["run", "service", "state", "remote id", "tries", "paired", "last error"]]
    for e in entries:
        rows.append(
            [
                e.external_id,
                e.service,
                e.state.value,
                e.remote_id or "-",
                str(e.attempts),
                str(e.paired_event or "-"),
                e.last_error or "",
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


def _login(args: argparse.Namespace) -> int:
    if args.service == "intervals":
        return _login_intervals(args)
    from pacer.cli.sync_login import login_strava

    return login_strava(_store(), args.client_id, args.redirect_port)


def _login_intervals(args: argparse.Namespace) -> int:
    import getpass

    from pacer.core.errors import ConfigError
    from pacer.storage.credentials import IcuCredentials
    from pacer.sync.icu import IcuClient

    store = _store()
    key = getpass.getpass(
        "intervals.icu API key (intervals.icu > Settings > Developer Settings; not shown): "
    ).strip()
    if not key:
        raise ConfigError("no key given: nothing stored")
    client = IcuClient(key, args.athlete, store.icu_url())
    try:
        client.thresholds()  # proves the key works before it is kept
    finally:
        client.close()
    store.save_icu(IcuCredentials(key, args.athlete))
    print(f"intervals.icu: the key works; stored in {store.path} (owner-only)")
    return 0


def _logout(args: argparse.Namespace) -> int:
    store = _store()
    removed = store.forget("intervals.icu" if args.service == "intervals" else "strava")
    print(f"{args.service}: {'login forgotten' if removed else 'was not logged in'}")
    return 0
