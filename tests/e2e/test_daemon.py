"""``pacer run --hardware sim`` as systemd runs it: a subprocess with ``NOTIFY_SOCKET`` on a
socket the test owns, a workout started over the serial pty with the host client, SIGTERM.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from pacer.ble.health import SensorState
from pacer.link.host import DeviceClient
from pacer.storage.store import ActivityStatus, Store
from tests.support.daemon_process import daemon, env_for, following, pacer_run
from tests.support.notify_socket import NotifySocket
from tests.support.paths import EXAMPLES, REPO


def test_ready_watchdog_workout_over_serial_and_sigterm_saves(tmp_path: Path) -> None:
    with (
        NotifySocket(tmp_path / "notify") as notify,
        daemon(tmp_path, notify, "--speed", "240") as d,
    ):
        ready = notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        assert ready.fields["STATUS"].startswith("idle:")

        # WATCHDOG=1 from the loop at half of WATCHDOG_USEC
        pings = notify.wait_count("WATCHDOG", "1", 5, since=ready.t)
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert len(pings) >= 4, pings
        assert 0.4 <= statistics.median(gaps) <= 0.65, gaps
        assert max(gaps) < 1.5, gaps  # a busy machine may delay one; systemd allows 1 s + slack

        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            text = (EXAMPLES / "step-up-run.yaml").read_text()
            host.workout_put("step-up-run", text)
            assert host.start("step-up-run") == {"running": "step-up-run"}
            first = host.status()
            assert first["state"] == "running"
            assert first["workout"] == "step-up-run"
            assert first["step"] == 1
            assert first["step_name"] == "Warm-up"
            # 20 min of warm-up at 240x: the run is a few seconds into step 2 within seconds
            # (each second's status is pushed to a subscriber: the test waits on those)
            status = following(host, lambda s: s["step"] >= 2 and s["t"] >= 1203, within_s=60)
            assert status["state"] == "running", status
            assert status["step"] == 2, status
            assert status["step_name"] == "Z2 high"
            assert status["t"] >= 1203
            activity = status["activity"]
            assert isinstance(activity, int)
        assert any(s.startswith("running: step-up-run") for s in notify.statuses())

        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(15) == 0, d.log()
        notify.wait_for(lambda m: m.fields.get("STOPPING") == "1", 1)

    with Store.open_dir(tmp_path / "data") as store:
        info = store.get_activity(activity)
        assert info is not None
        assert info.status is ActivityStatus.ENDED
        assert info.workout == "step-up-run"
        payload = store.activity_payload(activity).decode()
    lines = [json.loads(line) for line in payload.splitlines()[1:]]
    seconds = [line["sample"]["t"] for line in lines if "sample" in line]
    events = [line["event"]["type"] for line in lines if "event" in line]
    assert seconds[-1] >= 1203
    print(f"{len(seconds)} records for {seconds[-1]:.0f} simulated seconds")
    # every simulated second is in the store, once, whatever the machine's load: the
    # ticker catches up a stalled loop's seconds, each stamped on the run's clock
    assert seconds == [float(i) for i in range(1, len(seconds) + 1)]
    assert events[0] == "start"
    assert events[-1] == "stop", "SIGTERM saved the run as stopped"


def test_sighup_saves_the_run_and_exits_0_like_sigterm(tmp_path: Path) -> None:
    """SIGHUP (the terminal or SSH session that started ``pacer run`` went away) is a clean
    stop, not a reload: the run saved as stopped, STOPPING=1, the display off, exit 0."""
    with (
        NotifySocket(tmp_path / "notify") as notify,
        daemon(tmp_path, notify, "--speed", "60") as d,
    ):
        notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            host.workout_put("step-up-run", (EXAMPLES / "step-up-run.yaml").read_text())
            host.start("step-up-run")
            activity = following(host, lambda s: s["t"] >= 30, within_s=60)["activity"]
        d.proc.send_signal(signal.SIGHUP)
        assert d.proc.wait(15) == 0, d.log()
        stopping = notify.wait_for(lambda m: m.fields.get("STOPPING") == "1", 5)
        assert "SIGHUP" in stopping.fields["STATUS"]
        assert "recording 1 saved" in d.log()
    with Store.open_dir(tmp_path / "data") as store:
        info = store.get_activity(activity)
        assert info is not None
        assert info.status is ActivityStatus.ENDED
        payload = store.activity_payload(activity).decode()
    lines = [json.loads(line) for line in payload.splitlines()[1:]]
    events = [line["event"]["type"] for line in lines if "event" in line]
    seconds = [line["sample"]["t"] for line in lines if "sample" in line]
    assert events[-1] == "stop"
    assert seconds[-1] >= 30
    assert seconds == [float(i) for i in range(1, len(seconds) + 1)], "one record a second"


def test_a_bad_config_refuses_to_start_naming_key_and_line(tmp_path: Path) -> None:
    config = tmp_path / "pacer.toml"
    config.write_text('[display]\ndriver = "ssd1306"\nrotaton = 2\n\n[haptics]\nstrength = 3\n')
    data = tmp_path / "data"
    with NotifySocket(tmp_path / "notify") as notify:
        proc = subprocess.run(
            pacer_run("--headless", "--config", str(config), "--data-dir", str(data)),
            capture_output=True,
            text=True,
            env=env_for(notify),
            timeout=30,
        )
        notify.flush()  # every datagram the process sent has been read
        assert notify.messages == [], "nothing was started: no READY=1, no STATUS"
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "bad configuration, nothing started" in proc.stderr
    assert f"{config}:3:1: unknown key display.rotaton (did you mean 'rotation'?)" in proc.stderr
    assert f"{config}:6:1: haptics.strength = 3" in proc.stderr
    assert not data.exists(), "the store was not even created"


def test_derived_settings_are_checked_at_start_up_too(tmp_path: Path) -> None:
    config = tmp_path / "pacer.toml"
    config.write_text("[battery]\nwarn_percent = 5\ncritical_percent = 10\n")
    proc = subprocess.run(
        pacer_run("--headless", "--config", str(config), "--data-dir", str(tmp_path / "data")),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "device")},
        timeout=30,
    )
    assert proc.returncode == 2
    assert "critical_percent" in proc.stderr
    assert str(config) in proc.stderr


@pytest.mark.parametrize("module", ["bleak", "dbus_fast", "matplotlib"])
def test_the_simulated_device_never_imports_heavy_libraries(tmp_path: Path, module: str) -> None:
    """-X importtime lists every module the daemon imported from start to SIGTERM."""
    with NotifySocket(tmp_path / "notify") as notify:
        env = env_for(notify)
        proc = subprocess.Popen(
            pacer_run(
                "--headless", "--data-dir", str(tmp_path / "data"), python=("-X", "importtime")
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in err.splitlines() if "|" in line}
    assert "pacer.daemon.app" in imported
    assert module not in imported


def test_real_hardware_shows_the_first_frame_before_bleak_is_imported(tmp_path: Path) -> None:
    """``--hardware real`` on gpiozero's mock pins, luma's dummy display and a paired strap
    the (absent) Bluetooth cannot find: bleak is imported by the BLE session, after the
    first frame; the daemon runs on without Bluetooth and stops cleanly."""
    config = tmp_path / "pacer.toml"
    config.write_text(f'[display]\ndriver = "none"\n[serial]\nport = "{tmp_path / "no-tty"}"\n')
    from pacer.storage.store import Pairing

    with Store.open_dir(tmp_path / "data") as store:
        store.pair(Pairing("F0:13:C3:5A:2B:01", "hr", "strap"))
    with NotifySocket(tmp_path / "notify") as notify:
        env = env_for(
            notify,
            GPIOZERO_PIN_FACTORY="mock",
            GPIOZERO_MOCK_PIN_CLASS="mockpwmpin",
            DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={tmp_path / 'no-dbus'}",
        )
        proc = subprocess.Popen(
            [
                *(sys.executable, "-X", "importtime", "-m", "pacer.cli", "run"),
                *("--config", str(config), "--data-dir", str(tmp_path / "data")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            notify.wait_for(lambda m: m.fields.get("READY") == "1", 30)
            # the session's first search for the strap found no Bluetooth: it said so
            unavailable = SensorState.UNAVAILABLE.value
            notify.wait_for(lambda m: unavailable in m.fields.get("STATUS", ""), 30)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-3000:]
    lines = err.splitlines()
    frame = next(i for i, line in enumerate(lines) if "first frame up" in line)
    imports = [(i, line.split("|")[-1].strip()) for i, line in enumerate(lines) if "|" in line]
    bleak = [i for i, name in imports if name == "bleak"]
    assert bleak, "the paired strap's session imported bleak"
    assert frame < bleak[0]
    assert [name for i, name in imports if i < frame and name.startswith("luma")], "luma drew it"
