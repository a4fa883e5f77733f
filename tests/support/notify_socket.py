"""The test's own systemd: an AF_UNIX datagram socket that collects notify messages.

A thread receives each datagram and stamps it with ``time.monotonic()`` on arrival, so a
test can measure the watchdog's rate even while the event loop that sends it is blocked.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True, slots=True)
class Message:
    t: float
    fields: dict[str, str]


class NotifySocket:
    """``NOTIFY_SOCKET=<path>`` for a daemon; ``messages`` in arrival order."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.05)
        self.messages: list[Message] = []
        self._lock = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._receive, name="notify", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop:
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            t = time.monotonic()
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            with self._lock:
                self.messages.append(Message(t, fields))
                self._lock.notify_all()

    def wait_for(self, pred: Callable[[Message], bool], timeout: float) -> Message:
        """The first message (already received or coming) that ``pred`` accepts."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [m.fields for m in self.messages]
                    raise AssertionError(f"no such notify message within {timeout} s: {got}")
                self._lock.wait(left)

    def wait_count(
        self, key: str, value: str, n: int, *, since: float = 0.0, timeout: float = 20.0
    ) -> list[float]:
        """The arrival times of ``key=value`` since ``since``, once there are ``n`` of them
        (the event itself, not a sleep that hopes they came)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [m.t for m in self.messages if m.fields.get(key) == value and m.t >= since]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(got)} of {n} {key}={value} within {timeout} s")
                self._lock.wait(left)

    def flush(self, timeout: float = 10.0) -> None:
        """Until every datagram sent before this call has been read: a marker of our own
        goes into the same queue and comes out after them (then is dropped)."""
        marker = f"PACER_TEST_FLUSH={time.monotonic_ns()}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
            out.sendto(marker.encode(), self.path)
        key, _, value = marker.partition("=")
        found = self.wait_for(lambda m: m.fields.get(key) == value, timeout)
        with self._lock:
            self.messages.remove(found)

    def times(self, key: str, value: str, since: float = 0.0) -> list[float]:
        with self._lock:
            return [m.t for m in self.messages if m.fields.get(key) == value and m.t >= since]

    def statuses(self) -> list[str]:
        with self._lock:
            return [m.fields["STATUS"] for m in self.messages if "STATUS" in m.fields]

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self._sock.close()

    def __enter__(self) -> NotifySocket:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
