"""A disk that fills up: on a small tmpfs mounted for the test (root only; skipped with the
reason otherwise, a failure under ``PACER_REQUIRE_SYSTEM_TOOLS=1``).

The recording keeps every second that fitted and is marked ``incomplete: storage_full``,
``stop`` and SIGTERM end it and say so, the status and the screen show ``storage_full``,
and push and start answer ``full``, never ``internal``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pacer.core.errors import ProtocolError
from pacer.link.host import DeviceClient
from pacer.link.protocol import ErrorCode
from pacer.recording.model import Record
from pacer.recording.payload import read_payload
from pacer.recording.recorder import RecordingRefused, ThreadedWriter
from pacer.recording.storage import StoreSink, ensure_room
from pacer.storage.store import STORAGE_FULL, ActivityStatus, Store
from tests.support.daemon_process import daemon
from tests.support.notify_socket import NotifySocket
from tests.support.paths import EXAMPLES

SIZE = "3m"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of a few MB at ``tmp_path/fs``, unmounted afterwards."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    why = None
    if os.geteuid() != 0:
        why = "mounting a small tmpfs needs root"
    else:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mnt)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            why = f"cannot mount a tmpfs here: {proc.stderr.strip()}"
    if why is not None:
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(f"{why} (required in CI)")
        pytest.skip(why)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the disk is full; returns it (delete it to free the disk)."""
    filler = directory / f"filler{len(list(directory.glob('filler*')))}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        block = b"\xa5" * 4096
        while True:
            try:
                os.write(fd, block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    finally:
        os.close(fd)
    return filler


def records(start: int, stop: int) -> list[Record]:
    return [Record(float(t), float(t), hr=120 + t % 40, speed=3.0) for t in range(start, stop)]


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_writer_keeps_what_fitted_and_marks_the_recording(small_fs: Path) -> None:
    db = small_fs / "pacer.db"
    writer = ThreadedWriter(lambda: StoreSink(db), flush_s=0.01)
    writer.create(1_700_000_000.0, "tempo")
    assert writer.wait_created() == 1
    for r in records(0, 30):
        writer.record(r)
    wait_for(lambda: writer.saved_t == 29.0)
    assert (small_fs / "pacer.db.reserve").exists(), "the sink set its reserve aside"
    filler = fill(small_fs)
    for r in records(30, 3000):  # far more than the reserve holds, a row at a time
        writer.record(r)
        if writer.full:
            break
        time.sleep(0.002)
    wait_for(lambda: writer.full)
    for r in records(3000, 3100):  # after the disk filled up: not written, not an error
        writer.record(r)
    writer.end(ended=True)
    writer.close()
    assert writer.error is None
    saved = writer.saved_t
    assert saved is not None
    assert 29.0 <= saved < 3000.0
    with Store(db) as store:
        [info] = store.list_activities()
        assert info.status is ActivityStatus.ENDED
        assert info.incomplete == STORAGE_FULL
        assert info.to_json()["incomplete"] == "storage_full"
        data = store.activity_payload(1)
        assert json.loads(data.splitlines()[0])["incomplete"] == "storage_full"
        back = read_payload(data)
        assert [r.t for r in back.records] == [float(t) for t in range(int(saved) + 1)]
        with pytest.raises(RecordingRefused, match="storage full: the disk holding"):
            ensure_room(store)
    filler.unlink()


def _start_and_fill(d: Any, host: DeviceClient, data: Path) -> tuple[int, Path]:
    host.hello()
    host.workout_put("step-up-run", (EXAMPLES / "step-up-run.yaml").read_text())
    assert host.start("step-up-run") == {"running": "step-up-run"}
    wait_for(lambda: host.status().get("t", 0) > 30)
    activity = host.status()["activity"]
    filler = fill(data)
    wait_for(lambda: host.status()["state"] == "storage_full")
    status = host.status()
    assert status["storage"] == "full"
    assert status["workout"] == "step-up-run"
    return activity, filler


@pytest.mark.parametrize("how", ["stop", "sigterm"])
def test_a_run_on_a_full_disk_end_to_end(small_fs: Path, tmp_path: Path, how: str) -> None:
    data = small_fs / "data"
    with (
        NotifySocket(tmp_path / "notify") as notify,
        daemon(tmp_path, notify, "--speed", "60", "--data-dir", str(data)) as d,
    ):
        notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        with DeviceClient(d.port, timeout=10) as host:
            activity, filler = _start_and_fill(d, host, data)
            if how == "stop":
                assert host.stop() == {"stopped": "step-up-run"}
                wait_for(lambda: host.status()["state"] == "done")
                [listed] = host.activities()
                assert listed["status"] == "ended"
                assert listed["incomplete"] == "storage_full"
                assert listed["bytes"] > 0
                text = (EXAMPLES / "step-up-run.yaml").read_text()
                again = fill(data / "..")  # the reserve given back is room again: fill it too
                for op, args in (
                    ("workout.put", {"name": "other", "text": text}),
                    ("workout.start", {"name": "step-up-run"}),
                ):
                    with pytest.raises(ProtocolError) as info:
                        host.request(op, args)
                    assert info.value.code == ErrorCode.FULL, (op, info.value)
                # a small write may still fit in the log SQLite already has: ok or full
                for op, args in (
                    ("workout.select", {"name": "step-up-run"}),
                    ("settings.set", {"values": {"display.contrast": 9}}),
                    ("profile.put", {"text": "name: Sam\nmax_hr: 190\n" + "#" * 20000}),
                ):
                    try:
                        host.request(op, args)
                        code = None
                    except ProtocolError as exc:
                        code = exc.code
                    assert code in (None, ErrorCode.FULL), (op, code)
                filler.unlink()  # the host frees room, then downloads the truth
                again.unlink()
                path = host.download(listed, tmp_path / "dl")
                back = read_payload(path.read_bytes())
                assert back.records, "the seconds that fitted were kept"
                assert back.records[-1].t < host.status()["t"]
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(15) == 0, d.log()
    log = d.log()
    assert "storage full: recording" in log
    if how == "sigterm":
        assert f"recording {activity} saved up to " in log
        assert "; storage full (step-up-run)" in log
        assert f"recording {activity} saved (" not in log
        with Store.open_dir(data) as store:
            info = store.get_activity(activity)
            assert info is not None
            assert info.status is ActivityStatus.ENDED
            assert info.incomplete == STORAGE_FULL
            assert read_payload(store.activity_payload(activity)).records
    assert "Traceback" not in log


async def test_the_screen_shows_the_storage_full_card(small_fs: Path) -> None:
    from pacer.screens import render
    from pacer.screens.views import ErrorKind, ErrorView
    from tests.support.daemon_rig import STEP_UP, FrameLog, make_hw, running

    display = FrameLog()
    hw, _ = make_hw(60.0, display=display)
    card = render(ErrorView(ErrorKind.STORAGE_FULL, hint="")).tobytes()
    with Store.open_dir(small_fs / "data") as store:
        store.put_workout("step-up-run", STEP_UP, 1.7e9, max_count=100)
        async with running(store, hw=hw) as rig:
            await rig.daemon.start_workout("step-up-run", STEP_UP)
            await rig.until(lambda: rig.status().get("t", 0) > 20)
            filler = fill(small_fs)
            await rig.until(lambda: rig.status()["state"] == "storage_full", within=20)
            await rig.until(lambda: any(f.tobytes() == card for f in display.frames))
            assert rig.status()["storage"] == "full"
            assert rig.daemon._status_text().startswith("storage_full: step-up-run, saved up to")
            await rig.daemon.stop_workout()
            await rig.until(lambda: rig.status()["saved"] is True)
        filler.unlink()
