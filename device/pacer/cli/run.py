"""``pacer run``: the device itself, on the Pi (systemd starts it) or simulated on a laptop.

Only argparse and the stdlib at module level; the handler checks the whole configuration
before it opens anything, then imports the daemon and the hardware it was asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.cli.sim import ATHLETES  # one list: pacer sim's athletes run here too
from pacer.core.argtypes import positive_float

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.config.file import Config
    from pacer.daemon.hardware import Device
    from pacer.storage.store import Store


DESCRIPTION = """\
Run the pacer: the idle screen, the buttons that pick and start a workout, the paired BLE
sensors, the pacing engine with its haptic alerts, the recorder and the USB serial link, all
in one event loop. On the Pi systemd starts it (systemd/pacer.service): it tells systemd
when it is ready, pings the watchdog from its loop, and on SIGTERM (or SIGINT, SIGHUP) saves
the recording, stops the motor, blanks the screen and exits 0. After [power] idle_off_min
minutes idle it switches the device off.

--hardware sim runs the same daemon on a laptop: a simulated athlete wears the sensors, the
screen is drawn in the terminal, the keyboard is the buttons (space start/pause, l lap,
s stop, n next screen, e extend) and the serial link is a pseudo-terminal whose path is
printed, so 'pacer device --port PATH ...' talks to it like to a real pacer.

A bad config file is refused before anything starts, every problem named with its file,
line and key (exit status 2). Settings a host stored over USB never stop it: one it cannot
use is left out (logged by key, shown on an error card) and the serial link comes up so the
host can repair it."""

EPILOG = """\
examples:
  pacer run --config /etc/pacer/config.toml       what systemd runs on the Pi
  pacer run --hardware sim                        the device in this terminal
  pacer run --hardware sim --speed 30 --athlete eager
  pacer run --hardware sim --headless --data-dir /tmp/pacer &
  pacer device --port /dev/pts/7 push examples/step-up-run.yaml
  pacer device --port /dev/pts/7 start step-up-run && pacer device --port /dev/pts/7 status --follow

data directory: --data-dir, else [storage] data_dir, else $PACER_DATA_DIR, systemd's
$STATE_DIRECTORY, /var/lib/pacer for the pacer user, ~/.local/share/pacer.
state for the device's own sync (pacer sync device): $PACER_RUNTIME_DIR, else systemd's
$RUNTIME_DIRECTORY (/run/pacer), else the data directory.
exit status: 0 stopped cleanly, 2 bad configuration, 75 restart asked over serial,
1 anything else (systemd restarts it).
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help="run the device (what systemd starts; --hardware sim on a laptop)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, metavar="FILE", help="device config (TOML)")
    p.add_argument(
        "--hardware",
        choices=("real", "sim"),
        default="real",
        help="real: the Pi's devices (default); sim: a simulated device in this terminal",
    )
    p.add_argument(
        "--headless", action="store_true", help="sim: no terminal view, no keyboard (scripts)"
    )
    p.add_argument("--data-dir", type=Path, metavar="D", help="where the store lives")
    p.add_argument(
        "--athlete",
        choices=ATHLETES,
        metavar="NAME",
        help="sim: the simulated athlete's behaviour: " + ", ".join(ATHLETES),
    )
    p.add_argument(
        "--speed",
        type=positive_float,
        default=1.0,
        metavar="X",
        help="sim: real-time factor (60: a simulated minute per second; default 1)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="sim: random seed (1)")
    p.add_argument("--verbose", "-v", action="store_true", help="log every detail")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pacer.core.errors import InputErrors, LocatedError, PacerError

    try:
        config = checked_config(args.config)
        store = open_store(args.data_dir, config)
    except (InputErrors, LocatedError) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        print("pacer run: bad configuration, nothing started:", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    except PacerError as exc:
        print(f"pacer run: {exc}; nothing started", file=sys.stderr)
        return 2
    _logging(args)
    try:
        return _serve(args, config, store)
    finally:
        store.close()


def checked_config(path: Path | None) -> Config:
    """The config file checked by the one validator (:mod:`pacer.config.validate`: each key,
    then the rules across keys: battery thresholds, button timings, pins, alert parameters):
    what would fail later fails now, with its file, line and key."""
    from pacer.config.file import read_config

    return read_config(path)


def settings_in_force(config: Config, store: Store) -> tuple[Config, str | None]:
    """``config`` with the settings a host stored, and what could not be used. Stored
    settings never stop the daemon: one it cannot use (an older release wrote it, or the
    store was edited) is left out and logged by key, the rest stay, and the serial link
    comes up so a host can repair them."""
    import logging

    from pacer.config.settings import usable_settings

    log = logging.getLogger("pacer.run")
    in_force, problems = usable_settings(config, store.get_settings())
    for problem in problems:
        log.error("stored setting %s not used: %s", ", ".join(problem.keys), problem.message)
    if not problems:
        return in_force, None
    keys = sorted({k for p in problems for k in p.keys})
    return in_force, f"{keys[0]}" + (f" +{len(keys) - 1}" if len(keys) > 1 else "")


def open_store(data_dir: Path | None, config: Config) -> Store:
    from pacer.storage.store import Store, default_data_dir

    where = data_dir or (Path(config.storage.data_dir) if config.storage.data_dir else None)
    return Store.open_dir(where or default_data_dir())


def _logging(args: argparse.Namespace) -> None:
    import logging

    terminal_view = args.hardware == "sim" and not args.headless
    level = logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(
        level=logging.WARNING if terminal_view and not args.verbose else level,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _serve(args: argparse.Namespace, config: Config, store: Store) -> int:
    import asyncio
    import logging

    from pacer.core.errors import PacerError

    log = logging.getLogger("pacer.run")
    try:
        return asyncio.run(_main(args, config, store))
    except PacerError as exc:  # a device missing at start-up
        log.error("%s", exc)
        print(f"pacer run: {exc}", file=sys.stderr)
        return 1
    except Exception:  # a task failed (an ExceptionGroup from the TaskGroup): restart us
        log.exception("the daemon failed")
        return 1


async def _main(args: argparse.Namespace, config: Config, store: Store) -> int:
    import os

    from pacer.daemon import DaemonOptions, run_daemon
    from pacer.daemon.hardware import build_hardware
    from pacer.daemon.sdnotify import Notifier, watchdog_interval
    from pacer.screens.views import ErrorKind
    from pacer.sync.when import resolve_runtime_dir

    base = config
    config, refused = settings_in_force(config, store)
    device = build_hardware(
        config,
        args.hardware,
        store=store,
        data_dir=store.path.parent,
        headless=args.headless,
        athlete=args.athlete,
        seed=args.seed,
        speed=args.speed,
    )
    try:
        _announce(args, device, store)
        with Notifier.from_environ() as notifier:
            options = DaemonOptions(
                notifier=notifier,
                watchdog_s=watchdog_interval(os.environ),
                notice=None if refused is None else (ErrorKind.SETTINGS_REFUSED, refused),
                settings_base=base,
                runtime_dir=resolve_runtime_dir(os.environ, store.path.parent),
            )
            return await run_daemon(device.hardware, config, store, options)
    finally:
        device.close()


def _announce(args: argparse.Namespace, device: Device, store: Store) -> None:
    if args.hardware != "sim":
        return
    print(f"pacer run: simulated device, data in {store.path.parent}, speed x{args.speed:g}")
    if device.host_port is not None:
        print(f"pacer run: serial port {device.host_port}")
        print(f"  try: pacer device --port {device.host_port} info")
    if not args.headless:
        print("  keys: space start/pause · l lap · s stop & save · n next screen · e extend")
    sys.stdout.flush()
