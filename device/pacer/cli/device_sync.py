"""``pacer device sync``: give a pacer the credentials it syncs with by itself on home Wi-Fi.

The values go to the device over USB as write-only secrets (``secret.set``): read here
without echo (or from stdin with ``--stdin``), sent once, never printed, never returned by
the device. Only argparse and the stdlib at module level, like :mod:`pacer.cli.device`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.link.host import DeviceClient

HELP = "credentials for the device's own sync: set-key | forget | status (never shown)"

DESCRIPTION = """\
The device syncs by itself when it is idle on home Wi-Fi (the pacer-sync timer: today's
planned workouts in from intervals.icu, finished runs out). It needs the credentials for
that: they travel over USB once, are stored on the device readable by the pacer service
only (0600), and no request ever returns them (status says only whether each is set).

  set-key [intervals]  the intervals.icu API key (intervals.icu > Settings > Developer
                       Settings > API key), asked for without echo
  set-key strava       your own Strava API application's client id and client secret, and a
                       refresh token with the activity:write scope: give the device a token of
                       its own (Strava rotates them; a token shared with a laptop stops
                       working on the one that did not refresh it)
  forget [SERVICE]     remove that service's credentials from the device
  status               which credentials the device holds (never their values)"""

EPILOG = """\
examples:
  pacer device sync set-key               asks for the intervals.icu API key (no echo)
  pass show icu-key | pacer device sync set-key --stdin
                                          the key from a password manager, on stdin
  pacer device sync set-key strava        asks for client id, secret and refresh token
  pacer device sync status                which keys the device holds
  pacer device sync forget strava         the device stops uploading to Strava
"""

#: What each service needs, in the order asked (and read from stdin, one a line).
SERVICES: Final = {
    "intervals": (("intervals.api_key", "intervals.icu API key"),),
    "strava": (
        ("strava.client_id", "Strava client id"),
        ("strava.client_secret", "Strava client secret"),
        ("strava.refresh_token", "Strava refresh token (scope activity:write)"),
    ),
}
LABELS: Final = {"intervals": "intervals.icu", "strava": "Strava"}

Handler = Callable[["DeviceClient", argparse.Namespace], int]


def register(action: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    """Add ``sync`` to ``pacer device``'s actions (``action`` is its helper)."""
    p = action("sync", _sync, HELP)
    p.description = DESCRIPTION
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("verb", choices=("set-key", "forget", "status"))
    p.add_argument(
        "service", nargs="?", choices=tuple(SERVICES), default="intervals", metavar="SERVICE"
    )
    p.add_argument(
        "--stdin",
        action="store_true",
        help="read the values from stdin, one a line, instead of asking (for scripts)",
    )


def read_values(
    service: str,
    *,
    from_stdin: bool,
    stdin: TextIO | None = None,
    ask: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """The service's secrets, by name: from ``stdin`` one a line, else asked without echo
    (``getpass``). An empty answer is a ConfigError naming what is missing (never a value)."""
    from pacer.core.errors import ConfigError

    if ask is None:
        import getpass

        ask = getpass.getpass
    stream = stdin or sys.stdin
    out: dict[str, str] = {}
    for name, label in SERVICES[service]:
        if from_stdin:
            line = stream.readline()
            value = line.strip()
        else:
            if not stream.isatty():
                raise ConfigError(
                    f"no terminal to ask for the {label} on: pass --stdin and pipe it in"
                )
            value = ask(f"{label}: ").strip()
        if not value:
            where = "stdin" if from_stdin else "the prompt"
            raise ConfigError(f"no {label} given on {where}: nothing stored")
        out[name] = value
    return out


def _sync(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.core.errors import PacerError
    from pacer.link.ops import Op

    if Op.SECRET_SET.value not in client.info.get("capabilities", []):
        raise PacerError(
            "this pacer's software is too old to keep sync credentials: update it first"
        )
    label = LABELS[args.service]
    if args.verb == "status":
        print(render(client.request(Op.SECRET_LIST)["secrets"]))
        return 0
    names = [name for name, _ in SERVICES[args.service]]
    if args.verb == "forget":
        for name in names:
            client.request(Op.SECRET_SET, {"name": name, "value": None})
        print(f"{label} credentials removed from the device")
        return 0
    values = read_values(args.service, from_stdin=args.stdin)
    for name in names:
        client.request(Op.SECRET_SET, {"name": name, "value": values[name]})
    print(f"{label} credentials stored on the device (write-only: it never shows them)")
    return 0


def render(secrets: dict[str, bool]) -> str:
    """One line per service: all set, some set, none."""
    lines = []
    for service, wanted in SERVICES.items():
        have = [bool(secrets.get(name)) for name, _ in wanted]
        state = "set" if all(have) else "incomplete" if any(have) else "not set"
        lines.append(f"{LABELS[service]}: {state}")
    return "\n".join(lines)
