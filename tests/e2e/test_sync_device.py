"""The device syncs by itself, every piece a process as on the Pi: the simulated daemon
(``pacer run --hardware sim``) publishes its state; a laptop gives it the intervals.icu key
over the serial pty (``pacer device sync set-key --stdin``); ``pacer sync device`` (what the
pacer-sync timer runs) brings today's planned workout in and sends the finished run to a
loopback intervals.icu, once; it does nothing while a workout runs or with Wi-Fi down. The
key shows in no output, log line or serial reply."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pacer.storage.store import Store
from pacer.storage.tables import EventRow
from tests.support.daemon_process import Daemon, daemon, env_for
from tests.support.fake_services import API_KEY, FakeServices, fake_services
from tests.support.notify_socket import NotifySocket

pytestmark = pytest.mark.timeout(120)

#: Two minutes: a minute easy, a minute in Z2 (intervals.icu's workout_doc).
DOC: dict[str, Any] = {
    "steps": [
        {"duration": 60, "warmup": True, "hr": {"value": 70, "units": "%hr"}, "text": "Easy"},
        {"duration": 60, "hr": {"value": 2, "units": "hr_zone"}},
    ]
}


def sysfs(root: Path, state: str) -> Path:
    """A /sys/class/net with one Wi-Fi interface in ``state``."""
    (root / "wlan0" / "wireless").mkdir(parents=True)
    (root / "wlan0" / "operstate").write_text(state + "\n")
    return root


def seed_run(data_dir: Path) -> int:
    """A finished 10-minute run in the device's store, before its daemon starts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open_dir(data_dir) as store:
        a = store.create_activity(1_777_000_000.0, None)
        samples = [{"t": float(t), "hr": 130 + t % 20, "speed": 3.1} for t in range(1, 601)]
        store.add_samples(a, samples)
        store.add_events(
            a,
            [
                EventRow(0.0, "start", 0, {"sport": "run", "units": "metric"}),
                EventRow(600.0, "stop"),
            ],
        )
        store.end_activity(a)
        return a


def pacer(
    *args: str, env: dict[str, str], stdin: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pacer.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def sync_device(dev: Daemon, fake: FakeServices, net: Path, env: dict[str, str]) -> str:
    data = Path(dev.stderr).parent / "data"
    args = ["sync", "device", "--data-dir", str(data), "--sys-class-net", str(net)]
    proc = pacer(*args, "--wait", "0", "--settle", "0", env=env | {"PACER_ICU_URL": fake.url})
    return proc.stdout + proc.stderr


def test_the_device_syncs_by_itself(tmp_path: Path) -> None:
    outputs: list[str] = []
    with NotifySocket(tmp_path / "notify") as notify, fake_services() as fake:
        today = date.today().isoformat()
        fake.add_event(4711, today, "Easy Z2", DOC)
        seed_run(tmp_path / "data")
        with daemon(tmp_path, notify) as dev:
            notify.wait_for(lambda m: "READY" in m.fields, 30)
            env = env_for(notify)
            env.pop("NOTIFY_SOCKET")
            env["PACER_CONFIG_DIR"] = str(tmp_path / "laptop")  # no login of this machine
            env.pop("PACER_ICU_API_KEY", None)
            up = sysfs(tmp_path / "net-up", "up")
            down = sysfs(tmp_path / "net-down", "down")

            # no key on the device yet: it says so and does nothing
            out = sync_device(dev, fake, up, env)
            outputs.append(out)
            assert "not syncing: no intervals.icu key on the device" in out
            assert fake.log == []

            set_key = ["device", "--port", dev.port, "sync", "set-key", "--stdin"]
            proc = pacer(*set_key, env=env, stdin=API_KEY + "\n")
            outputs += [proc.stdout, proc.stderr]
            assert "credentials stored on the device" in proc.stdout

            # Wi-Fi down by itself: nothing, not a request
            out = sync_device(dev, fake, down, env)
            outputs.append(out)
            assert "not syncing: Wi-Fi is not up" in out
            assert fake.log == []

            # idle, Wi-Fi up: today's workout in, the run out, once
            out = sync_device(dev, fake, up, env)
            outputs.append(out)
            assert "syncing: idle" in out
            assert "done: 1 added" in out
            assert len(fake.uploads()) == 1
            ls = pacer("device", "--port", dev.port, "ls", env=env).stdout
            outputs.append(ls)
            synced = [line for line in ls.splitlines() if today in line]
            assert len(synced) == 1
            assert synced[0].lstrip().startswith("*"), "today's workout is selected"

            # again: nothing new
            out = sync_device(dev, fake, up, env)
            outputs.append(out)
            assert "done: 0 added, 0 replaced, 0 removed, 1 unchanged; runs: nothing to send" in out
            assert len(fake.uploads()) == 1

            # a workout running: not now (the timer tries again later)
            name = synced[0].split()[1]
            pacer("device", "--port", dev.port, "start", name, env=env)
            out = sync_device(dev, fake, up, env)
            outputs.append(out)
            assert f"not syncing now: a workout is running ({name})" in out
            requests = len(fake.log)
            pacer("device", "--port", dev.port, "stop", env=env)
            outputs.append(dev.log())
        assert len(fake.log) == requests
    everything = "\n".join(outputs)
    assert API_KEY not in everything
    assert API_KEY[: len(API_KEY) // 2] not in everything
    assert "sync-credentials.json" not in fake.everything_sent()
