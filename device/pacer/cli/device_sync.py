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
                       refresh token with the activity:write scope (Strava rotates them: once
                       the device refreshed, a laptop with the same token logs in again)
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

#: What each service needs, by the protocol's field names, in the order asked (and read
#: from stdin, one a line).
SERVICES: Final = {
    "intervals": ("intervals.icu", (("api_key", "intervals.icu API key"),)),
    "strava": (
        "strava",
        (
            ("client_id", "Strava client id"),
            ("client_secret", "Strava client secret"),
            ("refresh_token", "Strava refresh token (scope activity:write)"),
        ),
    ),
}
LABELS: Final = {"intervals.icu": "intervals.icu", "strava": "Strava"}

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
    p.add_argument(
        "--from-login",
        action="store_true",
        help="intervals: send the key 'pacer sync login intervals' stored on this computer "
        "(or $PACER_ICU_API_KEY)",
    )
    p.add_argument(
        "--athlete",
        default=None,
        metavar="ID",
        help="intervals: the athlete id (default 0: the key's owner)",
    )


def read_values(
    service: str,
    *,
    from_stdin: bool,
    stdin: TextIO | None = None,
    ask: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """The service's login, by field: from ``stdin`` one a line, else asked without echo
    (``getpass``). An empty answer is a ConfigError naming what is missing (never a value)."""
    from pacer.core.errors import ConfigError

    if ask is None:
        import getpass

        ask = getpass.getpass
    stream = stdin or sys.stdin
    out: dict[str, str] = {}
    for key, label in SERVICES[service][1]:
        if from_stdin:
            value = stream.readline().strip()
        else:
            if not stream.isatty():
                raise ConfigError(
                    f"no terminal to ask for the {label} on: pass --stdin and pipe it in"
                )
            value = ask(f"{label} (not shown): ").strip()
        if not value:
            where = "stdin" if from_stdin else "the prompt"
            raise ConfigError(f"no {label} given on {where}: nothing stored")
        out[key] = value
    return out


def from_login() -> dict[str, str]:
    """The intervals.icu login stored on this computer (``pacer sync login intervals``;
    ``$PACER_ICU_API_KEY`` overrides), as ``secret.set`` takes it."""
    from pacer.core.errors import ConfigError
    from pacer.storage.credentials import CredentialStore, default_config_dir

    login = CredentialStore(default_config_dir()).icu()
    if login is None:
        raise ConfigError(
            "no intervals.icu login on this computer: 'pacer sync login intervals' first, "
            "or leave out --from-login to type the key"
        )
    return {"api_key": login.api_key, "athlete": login.athlete}


def _sync(client: DeviceClient, args: argparse.Namespace) -> int:
    from pacer.core.errors import ConfigError, PacerError
    from pacer.link.ops import Op

    if Op.SECRET_SET.value not in client.info.get("capabilities", []):
        raise PacerError(
            "this pacer's software is too old to keep sync credentials: update it first"
        )
    name, _ = SERVICES[args.service]
    label = LABELS[name]
    if args.verb == "status":
        print(render(client.request(Op.SECRET_LIST)["secrets"]))
        return 0
    if args.verb == "forget":
        result = client.request(Op.SECRET_SET, {"name": name, "value": None})
        said = "removed from the device" if result["replaced"] else "were not on the device"
        print(f"{label} credentials {said}")
        return 0
    if args.service != "intervals" and (args.from_login or args.athlete):
        raise ConfigError("--from-login and --athlete are for intervals only")
    from_stdin = args.stdin
    values = from_login() if args.from_login else read_values(args.service, from_stdin=from_stdin)
    if args.athlete is not None:
        values["athlete"] = args.athlete
    client.request(Op.SECRET_SET, {"name": name, "value": values})
    print(f"{label} credentials stored on the device (write-only: it never shows them)")
    return 0


def render(secrets: dict[str, bool]) -> str:
    """One line per service: set or not."""
    return "\n".join(
        f"{LABELS[name]}: {'set' if secrets.get(name) else 'not set'}"
        for name, _ in SERVICES.values()
    )
