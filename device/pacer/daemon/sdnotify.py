"""The systemd notify protocol: tell the service manager we are up, alive and stopping.

systemd passes ``$NOTIFY_SOCKET``, the address of an ``AF_UNIX`` datagram socket: a file
system path (``/run/systemd/notify``) or, with a leading ``@``, a name in the abstract
namespace. Each message is one datagram of newline-separated ``KEY=VALUE`` assignments:

- ``READY=1`` once the daemon serves (``Type=notify`` units stay "activating" until then);
- ``STATUS=…`` a line ``systemctl status`` shows;
- ``WATCHDOG=1`` a keep-alive: with ``WatchdogSec=`` set, systemd passes ``$WATCHDOG_USEC``
  and restarts the service when a ping is late. We ping at half that interval, from the
  event loop itself (:func:`watchdog_loop`), so a stalled loop stops the pings;
- ``STOPPING=1`` at the start of a clean shutdown.

Without ``$NOTIFY_SOCKET`` (a laptop, a test, a shell) every call is a no-op. Sending never
raises: a lost keep-alive must not take the daemon down; :attr:`Notifier.last_error` keeps
the last failure for the log.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType

Sleep = Callable[[float], Awaitable[None]]


def socket_address(value: str) -> str | None:
    """The ``sendto`` address for a ``$NOTIFY_SOCKET`` value, None if unsupported.

    ``/path`` stays a path; ``@name`` becomes ``"\\0name"`` (Linux abstract namespace).
    Other forms (``vsock:…`` for virtual machines) are not ours to handle.
    """
    if value.startswith("/"):
        return value
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    return None


def watchdog_interval(environ: Mapping[str, str], pid: int | None = None) -> float | None:
    """Seconds between keep-alives: half of ``$WATCHDOG_USEC``, None when not asked for.

    ``$WATCHDOG_PID``, when set, names the process the watchdog is meant for; another
    process (a child that inherited the environment) must not ping.
    """
    usec = environ.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    want_pid = environ.get("WATCHDOG_PID", "")
    if want_pid and want_pid != str(os.getpid() if pid is None else pid):
        return None
    return int(usec) / 1_000_000 / 2


class Notifier:
    """Sends notify messages to the socket named at construction.

    ``Notifier.from_environ()`` reads ``$NOTIFY_SOCKET``; ``Notifier(None)`` is a silent one.
    Usable as a context manager (closes its socket).
    """

    def __init__(self, address: str | None) -> None:
        self.address = socket_address(address) if address else None
        self.last_error: OSError | None = None
        self.sent = 0
        self._sock: socket.socket | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET") or None)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *assignments: str) -> bool:
        """Send one datagram of ``KEY=VALUE`` lines; True if it was delivered."""
        if self.address is None:
            return False
        for a in assignments:
            if "=" not in a or "\n" in a:
                raise ValueError(f"not a single KEY=VALUE assignment: {a!r}")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sock.setblocking(False)
            self._sock.sendto("\n".join(assignments).encode(), self.address)
        except OSError as exc:
            self.last_error = exc
            return False
        self.sent += 1
        return True

    def ready(self, status: str | None = None) -> bool:
        extra = (f"STATUS={_one_line(status)}",) if status else ()
        return self.notify("READY=1", *extra)

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={_one_line(text)}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        extra = (f"STATUS={_one_line(status)}",) if status else ()
        return self.notify("STOPPING=1", *extra)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _one_line(text: str) -> str:
    return " ".join(text.split())


async def watchdog_loop(
    notifier: Notifier,
    interval: float | None,
    *,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Ping ``WATCHDOG=1`` every ``interval`` seconds until cancelled.

    Run it as a task in the daemon's TaskGroup: it shares the event loop with everything
    else, so when the loop stalls the pings stop and systemd restarts the service. With no
    interval (no ``$WATCHDOG_USEC``) or no socket it returns at once.
    """
    if interval is None or not notifier.enabled:
        return
    if interval <= 0:
        raise ValueError(f"watchdog interval must be positive, not {interval}")
    while True:
        notifier.watchdog()
        await sleep(interval)
