"""When the device syncs by itself: the pure policy, the daemon's published state (and that a
daemon killed with SIGKILL leaves no state the sync would trust), the Wi-Fi interface read
from sysfs without ever changing it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pacer.sync.when import (
    LOCK_NAME,
    STATE_NAME,
    DaemonState,
    StatePublisher,
    Verdict,
    decide,
    parse_state,
    read_state,
    resolve_runtime_dir,
    wifi_up,
)

IDLE = DaemonState(running=None, idle_since=100.0, wifi_when_idle=True, wall_offset=-60, pid=42)


def verdict(state: DaemonState | None, **kw: object) -> tuple[Verdict, str]:
    args: dict[str, object] = {"wifi": True, "credentials": True, "now": 400.0}
    args.update(kw)
    d = decide(state, **args)  # type: ignore[arg-type]
    return d.verdict, d.reason


def test_the_policy() -> None:
    assert verdict(IDLE) == (Verdict.SYNC, "idle for 300 s with Wi-Fi up")
    assert verdict(None) == (Verdict.WAIT, "the pacer service is not running")
    running = replace(IDLE, running="tempo")
    assert verdict(running) == (Verdict.WAIT, "a workout is running (tempo)")
    # a run beats everything: no sync while it runs, whatever the rest says
    assert verdict(running, wifi=False, credentials=False)[0] is Verdict.WAIT
    off = replace(IDLE, wifi_when_idle=False)
    assert verdict(off) == (
        Verdict.SKIP,
        "Wi-Fi stays off when idle ([power] wifi_when_idle = false)",
    )
    assert verdict(IDLE, wifi=False) == (
        Verdict.SKIP,
        "Wi-Fi is not up (the sync never switches it on)",
    )
    assert verdict(IDLE, credentials=False)[0] is Verdict.SKIP
    assert "pacer device sync set-key" in verdict(IDLE, credentials=False)[1]
    assert verdict(IDLE, now=219.0) == (Verdict.WAIT, "idle for less than 120 s")
    assert verdict(IDLE, now=220.0)[0] is Verdict.SYNC
    assert verdict(IDLE, now=150.0, settle_s=30)[0] is Verdict.SYNC


def test_state_round_trip_and_the_daemons_wall_clock() -> None:
    assert parse_state(IDLE.to_json()) == IDLE
    assert IDLE.wall(1.78e9) == 1.78e9 - 60
    for bad in ("", "{", "[]", '{"running": null}', IDLE.to_json().replace("100.0", '"x"')):
        assert parse_state(bad) is None, bad


def test_runtime_dir() -> None:
    data = Path("/data")
    assert resolve_runtime_dir({}, data) == data
    assert resolve_runtime_dir({"RUNTIME_DIRECTORY": "/run/pacer:/run/x"}, data) == Path(
        "/run/pacer"
    )
    env = {"RUNTIME_DIRECTORY": "/run/pacer", "PACER_RUNTIME_DIR": "/tmp/r"}
    assert resolve_runtime_dir(env, data) == Path("/tmp/r")


def test_published_state_is_trusted_only_while_the_daemon_holds_the_lock(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None, "nothing published"
    publisher = StatePublisher(tmp_path).open()
    publisher.publish(IDLE)
    assert read_state(tmp_path) == IDLE
    with pytest.raises(OSError, match="another pacer daemon holds"):
        StatePublisher(tmp_path).open(tries=2)  # a second daemon on the same directory
    assert read_state(tmp_path) == IDLE, "the first one's state stands"
    publisher.close()
    assert read_state(tmp_path) is None
    assert not (tmp_path / STATE_NAME).exists()


CHILD = """
import sys, time
from pathlib import Path
from pacer.sync.when import DaemonState, StatePublisher
p = StatePublisher(Path(sys.argv[1])).open()
p.publish(DaemonState("tempo", 1.0, True, 0.0, 7))
print("published", flush=True)
time.sleep(60)
"""


def test_a_daemon_killed_mid_run_leaves_no_state_the_sync_trusts(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "published"
        state = read_state(tmp_path)
        assert state is not None
        assert state.running == "tempo"
        os.kill(child.pid, signal.SIGKILL)  # no clean-up runs: the state file stays behind
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert (tmp_path / STATE_NAME).exists()
    assert (tmp_path / LOCK_NAME).exists()
    assert read_state(tmp_path) is None, "the kernel dropped the dead daemon's lock"
    # and the next daemon takes over at once
    publisher = StatePublisher(tmp_path).open()
    started = time.monotonic()
    publisher.publish(IDLE)
    assert time.monotonic() - started < 1
    assert read_state(tmp_path) == IDLE
    publisher.close()


def sysfs(root: Path, **ifaces: tuple[bool, str]) -> Path:
    for name, (wireless, state) in ifaces.items():
        (root / name).mkdir(parents=True)
        (root / name / "operstate").write_text(state + "\n")
        if wireless:
            (root / name / "wireless").mkdir()
    return root


@pytest.mark.parametrize(
    ("ifaces", "up"),
    [
        ({"lo": (False, "unknown"), "wlan0": (True, "up")}, True),
        ({"lo": (False, "unknown"), "wlan0": (True, "down")}, False),
        ({"eth0": (False, "up"), "usb0": (False, "up")}, False),  # USB gadget: not Wi-Fi
        ({"wlan0": (True, "dormant"), "wlan1": (True, "up")}, True),
        ({}, False),
    ],
)
def test_wifi_up_reads_the_interfaces(
    tmp_path: Path, ifaces: dict[str, tuple[bool, str]], up: bool
) -> None:
    root = sysfs(tmp_path / "net", **ifaces)
    root.mkdir(exist_ok=True)
    before = {p: p.read_text() for p in root.rglob("operstate")}
    assert wifi_up(root) is up
    assert {p: p.read_text() for p in root.rglob("operstate")} == before
    assert wifi_up(tmp_path / "missing") is False
