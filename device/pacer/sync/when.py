"""When the device syncs by itself: the daemon's published state and the pure policy.

The daemon (``pacer run``) and the sync (``pacer sync device``, the ``pacer-sync`` timer)
are two processes. The daemon publishes what the sync needs in its runtime directory
(``/run/pacer``, a tmpfs):

* :data:`LOCK_NAME`, a file the daemon holds an exclusive ``flock`` on for as long as it
  lives. The kernel drops the lock when the process dies, however it dies (kill -9, a
  crash, the watchdog), so the sync never trusts the state of a dead daemon;
* :data:`STATE_NAME`, a small JSON file (:class:`DaemonState`) replaced atomically
  (write, rename) at start-up and whenever a workout starts or ends.

:func:`decide` is the policy, pure: sync only when the daemon lives and no workout runs,
the athlete lets Wi-Fi on when idle (``[power] wifi_when_idle``), a Wi-Fi interface is up
by itself (the sync never switches Wi-Fi on: :func:`wifi_up` only reads
``/sys/class/net``), the credentials are there and the device has been idle a little while
(:data:`SETTLE_S`: a run just finished, the athlete may start another). A run that starts
mid-sync is seen between two items (:func:`read_state` again) and the sync stops there.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, TextIO

from pacer.core.files import write_atomic

#: In the daemon's runtime directory.
LOCK_NAME: Final = "daemon.lock"
STATE_NAME: Final = "daemon-state.json"
#: Seconds of idle after start-up or after a run before the device syncs by itself.
SETTLE_S: Final = 120.0
#: Where Linux lists the network interfaces.
SYS_CLASS_NET: Final = Path("/sys/class/net")


def resolve_runtime_dir(env: Mapping[str, str], data_dir: Path) -> Path:
    """Where the daemon publishes its state, from the environment alone: ``PACER_RUNTIME_DIR``;
    systemd's ``RUNTIME_DIRECTORY`` (``RuntimeDirectory=pacer`` in pacer.service: the first
    entry); else the data directory (a simulated device on a laptop)."""
    explicit = env.get("PACER_RUNTIME_DIR")
    if explicit:
        return Path(explicit)
    runtime = env.get("RUNTIME_DIRECTORY")
    if runtime:
        return Path(runtime.split(":")[0])
    return data_dir


@dataclass(frozen=True, slots=True)
class DaemonState:
    """What the daemon publishes (see the module's docstring)."""

    #: the workout being run (paused counts), None when idle
    running: str | None
    #: the daemon's monotonic clock when it was last idle from (start-up, a run's end); on
    #: the Pi the system's, which the sync reads too (a simulated daemon's runs faster)
    idle_since: float
    #: ``[power] wifi_when_idle`` as the daemon runs with it (settings included)
    wifi_when_idle: bool
    #: the daemon's wall clock minus the system's (``time.time()``): the device has no RTC
    #: and a host sets pacer's own wall time over USB, so the sync reads "today" from it
    wall_offset: float
    pid: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def wall(self, system_time: float) -> float:
        """The daemon's wall clock when the system's says ``system_time``."""
        return system_time + self.wall_offset


def parse_state(text: str) -> DaemonState | None:
    """The state file's content, or None when it is not one (a torn or foreign file)."""
    try:
        data = json.loads(text)
        running = data["running"]
        state = DaemonState(
            running=None if running is None else str(running),
            idle_since=float(data["idle_since"]),
            wifi_when_idle=bool(data["wifi_when_idle"]),
            wall_offset=float(data["wall_offset"]),
            pid=int(data["pid"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return state


def read_state(runtime_dir: Path) -> DaemonState | None:
    """The live daemon's state; None when no daemon holds the lock (not running, or it
    died and its state is stale) or there is no readable state."""
    lock = runtime_dir / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
        else:  # nobody holds it: the daemon is gone
            return None
    finally:
        os.close(fd)
    try:
        return parse_state((runtime_dir / STATE_NAME).read_text())
    except OSError:
        return None


class StatePublisher:
    """The daemon's side: hold the lock for life, replace the state file on each change."""

    def __init__(self, runtime_dir: Path) -> None:
        self.runtime_dir = runtime_dir
        self._lock: TextIO | None = None

    def open(self, *, tries: int = 50) -> StatePublisher:
        """Take the lock; OSError when another daemon holds it (a second simulated device
        on the same directory). A sync's probe holds it for microseconds: a few tries, 10 ms
        apart, wait that out."""
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        lock = (self.runtime_dir / LOCK_NAME).open("a")
        for attempt in range(tries):
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == tries - 1:
                    lock.close()
                    raise BlockingIOError(
                        errno.EWOULDBLOCK,
                        f"another pacer daemon holds {self.runtime_dir / LOCK_NAME}",
                    ) from None
                time.sleep(0.01)
        self._lock = lock
        return self

    def publish(self, state: DaemonState) -> None:
        # readers see the old state or the new one, never half
        write_atomic(self.runtime_dir / STATE_NAME, (state.to_json() + "\n").encode(), mode=0o644)

    def close(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.runtime_dir / STATE_NAME).unlink()
            self._lock.close()  # drops the lock
            self._lock = None


def wifi_up(sys_class_net: Path = SYS_CLASS_NET) -> bool:
    """Whether a Wi-Fi interface is up by itself (operstate ``up``): read, never changed."""
    try:
        interfaces = list(sys_class_net.iterdir())
    except OSError:
        return False
    for iface in interfaces:
        if not (iface / "wireless").exists() and not (iface / "phy80211").exists():
            continue
        try:
            if (iface / "operstate").read_text().strip() == "up":
                return True
        except OSError:
            continue
    return False


class Verdict(StrEnum):
    #: sync now
    SYNC = "sync"
    #: not now, soon perhaps: a workout runs, the daemon is restarting, a run just ended
    WAIT = "wait"
    #: not this time: nothing will change while waiting (Wi-Fi off, no credentials)
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: str

    @property
    def go(self) -> bool:
        return self.verdict is Verdict.SYNC


def decide(
    state: DaemonState | None,
    *,
    wifi: bool,
    credentials: bool,
    now: float,
    settle_s: float = SETTLE_S,
) -> Decision:
    """Whether the device syncs now (``now``: the monotonic clock). Pure."""
    if state is None:
        return Decision(Verdict.WAIT, "the pacer service is not running")
    if state.running is not None:
        return Decision(Verdict.WAIT, f"a workout is running ({state.running})")
    if not state.wifi_when_idle:
        return Decision(Verdict.SKIP, "Wi-Fi stays off when idle ([power] wifi_when_idle = false)")
    if not wifi:
        return Decision(Verdict.SKIP, "Wi-Fi is not up (the sync never switches it on)")
    if not credentials:
        return Decision(
            Verdict.SKIP, "no intervals.icu key on the device: pacer device sync set-key"
        )
    idle = now - state.idle_since
    if idle < settle_s:
        return Decision(Verdict.WAIT, f"idle for less than {settle_s:.0f} s")
    return Decision(Verdict.SYNC, f"idle for {idle:.0f} s with Wi-Fi up")


__all__ = [
    "LOCK_NAME",
    "SETTLE_S",
    "STATE_NAME",
    "DaemonState",
    "Decision",
    "StatePublisher",
    "Verdict",
    "decide",
    "parse_state",
    "read_state",
    "resolve_runtime_dir",
    "wifi_up",
]
