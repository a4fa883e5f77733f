"""The systemd notify protocol against real AF_UNIX datagram sockets the tests own."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pacer.daemon.sdnotify import Notifier, socket_address, watchdog_interval, watchdog_loop


@pytest.fixture
def path_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()


@pytest.fixture
def abstract_socket() -> Iterator[tuple[str, socket.socket]]:
    name = f"pacer-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    yield "@" + name, sock
    sock.close()


def recv_all(sock: socket.socket) -> list[bytes]:
    out = []
    sock.setblocking(False)
    try:
        while True:
            out.append(sock.recv(4096))
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(2)
    return out


@pytest.mark.parametrize("which", ["path_socket", "abstract_socket"])
def test_messages_arrive_as_single_datagrams(which: str, request: pytest.FixtureRequest) -> None:
    env_value, sock = request.getfixturevalue(which)
    with Notifier.from_environ({"NOTIFY_SOCKET": env_value}) as n:
        assert n.enabled
        assert n.ready("up: idle, 0 sensors")
        assert sock.recv(4096) == b"READY=1\nSTATUS=up: idle, 0 sensors"
        assert n.status("workout\nstep 3/9")  # newlines would split the assignment
        assert sock.recv(4096) == b"STATUS=workout step 3/9"
        assert n.watchdog()
        assert sock.recv(4096) == b"WATCHDOG=1"
        assert n.stopping()
        assert sock.recv(4096) == b"STOPPING=1"
        assert n.sent == 4
        assert n.last_error is None


def test_without_notify_socket_everything_is_a_no_op() -> None:
    n = Notifier.from_environ({})
    assert not n.enabled
    assert n.ready() is False
    assert n.watchdog() is False
    assert n.sent == 0


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path) -> None:
    n = Notifier(str(tmp_path / "gone"))
    assert n.watchdog() is False
    assert isinstance(n.last_error, FileNotFoundError)


def test_assignments_are_checked() -> None:
    n = Notifier("@x")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        n.notify("READY")


def test_socket_address_forms() -> None:
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"
    assert socket_address("@/org/systemd/x") == "\0/org/systemd/x"
    assert socket_address("vsock:2:1234") is None
    assert socket_address("@") is None


def test_watchdog_interval_is_half_of_watchdog_usec_for_this_process() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "10000000"}) == 5.0
    assert watchdog_interval({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(os.getpid())}) == 5.0
    assert watchdog_interval({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}, pid=2) is None
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "soon"}) is None


async def test_watchdog_loop_pings_once_per_injected_sleep(
    path_socket: tuple[str, socket.socket],
) -> None:
    address, sock = path_socket
    slept: list[float] = []

    class Stop(Exception):
        pass

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise Stop

    with Notifier(address) as n, pytest.raises(Stop):
        await watchdog_loop(n, watchdog_interval({"WATCHDOG_USEC": "4000000"}), sleep=fake_sleep)
    assert slept == [2.0, 2.0, 2.0]
    assert recv_all(sock) == [b"WATCHDOG=1"] * 3


async def test_watchdog_loop_returns_without_interval_or_socket(
    path_socket: tuple[str, socket.socket],
) -> None:
    address, sock = path_socket
    with Notifier(address) as n:
        await watchdog_loop(n, None)
    await watchdog_loop(Notifier(None), 1.0)
    assert recv_all(sock) == []


async def test_a_stalled_event_loop_stops_the_pings(
    abstract_socket: tuple[str, socket.socket],
) -> None:
    """The point of pinging from the loop: a blocked loop goes silent and systemd notices."""
    address, sock = abstract_socket
    arrivals: list[float] = []
    done = threading.Event()

    def receive() -> None:
        sock.settimeout(0.05)
        while not done.is_set():
            try:
                sock.recv(64)
            except TimeoutError:
                continue
            arrivals.append(time.monotonic())

    reader = threading.Thread(target=receive)
    reader.start()
    try:
        with Notifier(address) as n:
            task = asyncio.create_task(watchdog_loop(n, 0.02))
            await asyncio.sleep(0.2)
            stall_start = time.monotonic()
            time.sleep(0.3)  # noqa: ASYNC251 - on purpose: the loop is stuck, no task runs
            stall_end = time.monotonic()
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    finally:
        done.set()
        reader.join()
    before = [t for t in arrivals if t < stall_start]
    during = [t for t in arrivals if stall_start + 0.05 < t < stall_end]
    after = [t for t in arrivals if t > stall_end]
    assert len(before) >= 4
    assert during == []
    assert len(after) >= 4
