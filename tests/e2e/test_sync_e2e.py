"""``pacer sync`` as a process, against the loopback intervals.icu and Strava and the
simulated device (``pacer run --hardware sim`` over its pty), end to end (issue 21):

* a planned workout goes onto the device, is run there by the simulated athlete, and the
  run goes out once, paired with its event; the ledger says sent; a second sync does
  nothing;
* a sync killed (SIGKILL) mid-upload, run again, sends each run exactly once;
* the key appears in no output, no log line, no serial reply and not in the device's store.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from pacer.link.host import DeviceClient
from tests.support.daemon_process import Daemon, daemon
from tests.support.fake_services import API_KEY, FakeServices, fake_services
from tests.support.notify_socket import NotifySocket
from tests.support.sync_rig import SHORT_DOC, pacer_sync, run_sync, seed_runs, sync_env


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with fake_services() as services:
        services.athlete = {
            "sportSettings": [{"types": ["Run"], "lthr": 168, "max_hr": 188, "threshold_pace": 4.0}]
        }
        yield services


@contextmanager
def _device(tmp_path: Path, *args: str) -> Iterator[Daemon]:
    """The simulated device; it never switches itself off (fast clocks reach 15 idle
    minutes within seconds)."""
    config = tmp_path / "pacer.toml"
    config.write_text("[power]\nidle_off_min = 0\n")
    with (
        NotifySocket(tmp_path / "notify") as notify,
        daemon(tmp_path, notify, "--config", str(config), *args) as d,
    ):
        notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        yield d
        d.proc.send_signal(signal.SIGTERM)
        d.proc.wait(15)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_planned_workout_to_device_to_run_to_intervals_once(
    tmp_path: Path, fake: FakeServices
) -> None:
    today = date.today()
    fake.add_event(4242, today.isoformat(), "Short test run", SHORT_DOC)
    env = sync_env(fake, tmp_path)
    outputs: list[str] = []
    with _device(tmp_path, "--speed", "600") as d:
        dry = run_sync(env, "--port", d.port, "--dry-run")
        outputs += [dry.stdout, dry.stderr]
        assert "would add" in _ok(dry)
        assert not (tmp_path / "laptop-data").exists()  # a dry run writes nothing
        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            assert host.workouts()["workouts"] == []
            assert host.profile_get()["text"] is None
        first = run_sync(env, "--port", d.port)
        outputs += [first.stdout, first.stderr]
        text = _ok(first)
        name = f"{today.isoformat()}-short-test-run"
        assert f"+ added {name} (event 4242, Short test run)" in text
        assert f"* selected {name} for today" in text
        assert (
            "profile: changed lthr none -> 168, max_hr 190 -> 188, threshold pace none -> 4:10/km"
            in text
        )

        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            listing = host.workouts()
            (synced,) = [w for w in listing["workouts"] if w["name"] == name]
            assert synced["origin"] == "intervals.icu/event/4242"
            assert listing["selected"] == name
            host.start(name)  # the simulated athlete runs it (2 min at 600x)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                runs = host.activities()
                if runs and runs[-1]["status"] == "ended":
                    break
                time.sleep(0.1)
            (run,) = host.activities()
            assert run["status"] == "ended"
            assert run["workout_origin"] == "intervals.icu/event/4242"

        second = run_sync(env, "--port", d.port)
        outputs += [second.stdout, second.stderr]
        assert "-> intervals.icu: sent as i" in _ok(second)
        assert ", paired with event 4242" in second.stdout
        (uploaded,) = fake.activities.values()
        assert uploaded.paired_event_id == 4242
        assert uploaded.external_id is not None
        assert uploaded.external_id.endswith(f"-{run['id']}")
        assert uploaded.size > 100

        posts = len(fake.uploads())
        third = run_sync(env, "--port", d.port)
        assert third.returncode == 0, third.stderr + d.log()
        outputs += [third.stdout, third.stderr]
        assert "runs: 1 on the device, 0 upload(s) to do" in _ok(third)
        assert "0 added, 0 replaced, 0 removed, 1 unchanged" in third.stdout
        assert len(fake.uploads()) == posts == 1

        status = run_sync(env, "status")
        outputs += [status.stdout, status.stderr]
        assert "ledger (" in _ok(status)
        assert "1 sent" in status.stdout
        assert f"{uploaded.external_id}  intervals.icu  sent" in status.stdout
        log = d.log()

    # no credential anywhere: outputs, the daemon's log, the requests' URLs, the device store
    assert API_KEY not in "\n".join(outputs)
    assert API_KEY not in log
    assert API_KEY not in "\n".join(f"{r.path} {r.query}" for r in fake.log)
    assert API_KEY.encode() not in (tmp_path / "data" / "pacer.db").read_bytes()


def test_a_sync_killed_mid_upload_sends_each_run_exactly_once(
    tmp_path: Path, fake: FakeServices
) -> None:
    seed_runs(tmp_path / "data", 3, seconds=120, origin_event=77)
    env = sync_env(fake, tmp_path)
    fake.fail_next("hold", "/api/v1/athlete/0/activities")  # the first upload: no answer
    with _device(tmp_path) as d:
        proc = subprocess.Popen(
            pacer_sync("--port", d.port, "--no-profile"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert fake.arrived.wait(60), "the upload never arrived"
            proc.send_signal(signal.SIGKILL)  # killed while the service holds the upload
            assert proc.wait(10) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
            out, err = proc.communicate()
        fake.release.set()
        assert len(fake.activities) == 1  # the service has the first run already

        again = run_sync(env, "--port", d.port, "--no-profile")
        text = _ok(again)
        assert "3 upload(s) to do" in text
        assert "(already there)" in text  # the first one, resent: a duplicate is success
        status = _ok(run_sync(env, "status"))
    assert "3 sent" in status
    externals = sorted(a.external_id or "" for a in fake.activities.values())
    assert len(externals) == 3
    assert len(set(externals)) == 3
    assert all(a.paired_event_id == 77 for a in fake.activities.values())
    assert len(fake.uploads()) == 4  # three runs, one of them sent twice, kept once
    assert API_KEY not in out + err + again.stdout + again.stderr + status
