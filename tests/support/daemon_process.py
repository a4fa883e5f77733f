"""``pacer run --hardware sim`` as a process, the way systemd runs it: ``NOTIFY_SOCKET`` on a
socket the test owns, the serial port it prints read from its stdout.

Stands in for nothing: it starts the real daemon on simulated hardware. Used by the e2e tests
and by the daemon, link and recording tests that need a whole device process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.notify_socket import NotifySocket
from tests.support.paths import REPO

WATCHDOG_USEC = 1_000_000  # systemd's WatchdogSec=1s: a ping every 0.5 s


def pacer_run(
    *args: str, python: tuple[str, ...] = (), interpreter: Sequence[str] = (sys.executable,)
) -> list[str]:
    """The command line of ``pacer run --hardware sim ARGS`` (``python``: interpreter flags;
    ``interpreter``: another Python, e.g. the emulated Pi's of tests/support/aarch64.py)."""
    return [*interpreter, *python, "-m", "pacer.cli", "run", "--hardware", "sim", *args]


@dataclass
class Daemon:
    proc: subprocess.Popen[str]
    port: str
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text()


if TYPE_CHECKING:
    from pacer.link.host import DeviceClient


def following(
    host: DeviceClient, until: Callable[[dict[str, Any]], bool], *, within_s: float
) -> dict[str, Any]:
    """The first status the device pushes to a subscriber (one each second of its clock)
    that ``until`` accepts: the test waits on the device's own events, not on a sleep and a
    poll. ``within_s`` of real time is only a safety net."""
    deadline = time.monotonic() + within_s
    stream = host.follow_status(poll_s=2.0)
    try:
        for status in stream:
            if until(status):
                return status
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {within_s} s; last status {status}")
    finally:
        stream.close()
    raise AssertionError("the status stream ended")  # pragma: no cover - it never does


def env_for(
    notify: NotifySocket, base: Mapping[str, str] | None = None, **extra: str
) -> dict[str, str]:
    """``base`` (this environment with pacer's source on the path when None) and the
    systemd variables."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "device")) if base is None else dict(base)
    env.update(
        NOTIFY_SOCKET=notify.path,
        WATCHDOG_USEC=str(WATCHDOG_USEC),
        **extra,
    )
    env.pop("WATCHDOG_PID", None)
    return env


@contextmanager
def daemon(
    tmp_path: Path,
    notify: NotifySocket,
    *args: str,
    interpreter: Sequence[str] = (sys.executable,),
    env: Mapping[str, str] | None = None,
) -> Iterator[Daemon]:
    """The daemon started, its serial port read; killed on the way out if still running.
    ``interpreter`` and ``env``: as for :func:`pacer_run` and :func:`env_for`."""
    err = tmp_path / "stderr.log"
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            pacer_run(
                "--headless", "--data-dir", str(tmp_path / "data"), *args, interpreter=interpreter
            ),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env_for(notify, env),
        )
    try:
        assert proc.stdout is not None
        port = ""
        for line in proc.stdout:
            if line.startswith("pacer run: serial port "):
                port = line.split()[-1]
                break
        assert port, f"no serial port printed; stderr:\n{err.read_text()}"
        yield Daemon(proc, port, err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
