"""End to end over a real serial link: pyserial on both ends of a pty pair.

The device server runs as a task on the test's event loop; the host client (blocking
pyserial, as on a laptop) runs in a worker thread. Between them, a simulated USB cable
that can be pulled or cut after N bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import serial
from serial.tools.list_ports_common import ListPortInfo

from pacer.core.errors import ProtocolError
from pacer.link.cable import TO_DEVICE, TO_HOST
from pacer.link.host import DeviceClient, LinkError, find_port, is_pacer
from pacer.link.protocol import PROTOCOL_VERSION, ErrorCode, RequestError
from pacer.sim.clock import DEFAULT_EPOCH
from pacer.storage.store import Store
from pacer.workout.profile import Profile, load_profile
from tests.support.engine_controls import SimEngineControl
from tests.support.paths import EXAMPLES
from tests.support.serial_rig import Rig, db_dump, device_rig

pytestmark = pytest.mark.timeout(60)

RUN = (EXAMPLES / "step-up-run.yaml").read_text()
SHORT = (EXAMPLES / "step-up-run-30min.yaml").read_text()
BROKEN = "name: Broken\nsport: run\nsteps:\n  - warmup: 10m\n  - active: 20 parsecs\n  - bogus: 1\n"


def client(rig: Rig, timeout: float = 3.0) -> DeviceClient:
    return DeviceClient(rig.port, timeout=timeout).open()


async def t(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """Run a blocking host call in a thread while the device serves on the loop."""
    return await asyncio.to_thread(fn, *args, **kw)


async def test_hello_and_time_sync(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        info = await t(dev.hello)
        assert info["protocol"] == PROTOCOL_VERSION
        assert info["device_id"] == "test-device"
        assert "workout.put" in info["capabilities"]
        assert "sensors.scan" not in info["capabilities"]  # no scanner on this rig
        assert info["limits"]["max_line_bytes"] == rig.service.limits.max_line_bytes

        assert abs(rig.clock.wall() - time.time()) > 1000  # the rig starts in 2024
        result = await t(dev.time_sync)
        assert abs(rig.clock.wall() - time.time()) < 2
        assert abs(result["previous"] - DEFAULT_EPOCH) < 5
        assert abs(await t(dev.time_get) - time.time()) < 2

        with pytest.raises(RequestError) as err:
            await t(dev.request, "hello", {"protocol": PROTOCOL_VERSION + 1})
        assert err.value.code == ErrorCode.UNSUPPORTED_VERSION
        dev.close()


async def test_push_list_get_select_delete(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        await t(dev.hello)
        assert (await t(dev.workout_put, "step-up-run", RUN))["replaced"] is False
        assert (await t(dev.workout_put, "short", SHORT))["replaced"] is False
        assert (await t(dev.workout_put, "short", SHORT + "\n"))["replaced"] is True
        listing = await t(dev.workouts)
        assert [w["name"] for w in listing["workouts"]] == ["short", "step-up-run"]
        assert listing["workouts"][1]["bytes"] == len(RUN.encode())
        assert (await t(dev.workout_get, "step-up-run"))["text"] == RUN

        await t(dev.select, "short")
        assert rig.engine.selected == "short"
        assert rig.store.selected_workout() == "short"
        await t(dev.workout_delete, "short")
        assert rig.engine.selected is None
        listing = await t(dev.workouts)
        assert [w["name"] for w in listing["workouts"]] == ["step-up-run"]
        assert listing["selected"] is None

        with pytest.raises(RequestError) as err:
            await t(dev.workout_get, "short")
        assert (err.value.code, err.value.field) == (ErrorCode.NOT_FOUND, "args.name")
        with pytest.raises(RequestError) as err:
            await t(dev.workout_get, "../../etc/passwd")
        assert (err.value.code, err.value.field) == (ErrorCode.INVALID_FIELD, "args.name")
        dev.close()


async def test_invalid_workout_is_refused_with_positions(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        await t(dev.workout_put, "w", RUN)
        before = db_dump(rig.store.path)
        with pytest.raises(RequestError) as err:
            await t(dev.workout_put, "w", BROKEN)
        assert err.value.code == ErrorCode.INVALID_WORKOUT
        lines = {d.line for d in err.value.details}
        assert {5, 6} <= lines, err.value
        assert all(d.col for d in err.value.details)
        assert db_dump(rig.store.path) == before
        assert (await t(dev.workout_get, "w"))["text"] == RUN
        dev.close()


def _sim_control(store: Store) -> SimEngineControl:
    """The real engine on a simulated athlete, 20 simulated seconds per real second."""

    def profile() -> Profile:
        stored = store.get_profile()
        return Profile() if stored is None else load_profile(stored.source, "profile")

    return SimEngineControl(profile, speed=20.0)


async def test_stream_status_during_a_simulated_workout(tmp_path: Path) -> None:
    async with device_rig(tmp_path, control=_sim_control) as rig:
        control = rig.control
        assert isinstance(control, SimEngineControl)
        dev = await t(client, rig)
        await t(dev.profile_put, (EXAMPLES / "profile.yaml").read_text())
        await t(dev.workout_put, "step-up-run", RUN)
        await t(dev.select, "step-up-run")
        assert (await t(dev.start))["running"] == "step-up-run"

        statuses: list[dict[str, Any]] = []

        def follow() -> None:
            for status in dev.follow_status():
                statuses.append(status)
                if len(statuses) == 8:
                    break

        await t(follow)
        live = statuses  # the first is the snapshot at subscribe time: running already
        assert all(s["state"] == "running" for s in live), live[0]
        assert all(s["workout"] == "step-up-run" for s in live)
        assert live[0]["step_name"] == "Warm-up"
        assert live[0]["step"] == 1
        assert live[0]["step_count"] == 5
        ts = [s["t"] for s in live]
        assert ts == sorted(ts)
        assert ts[-1] > ts[0]
        assert isinstance(live[-1]["sensors"], dict)
        json.dumps(live)  # plain JSON all the way down

        # The running workout cannot be deleted or replaced; starting again is a conflict.
        for call, args in ((dev.workout_delete, ()), (dev.workout_put, (RUN,))):
            with pytest.raises(RequestError) as err:
                await t(call, "step-up-run", *args)
            assert err.value.code == ErrorCode.CONFLICT
        with pytest.raises(RequestError) as err:
            await t(dev.start, "step-up-run")
        assert err.value.code == ErrorCode.CONFLICT
        assert (await t(dev.status))["state"] == "running"
        assert (await t(dev.stop))["stopped"] == "step-up-run"
        assert (await t(dev.status))["state"] == "idle"
        await t(dev.workout_delete, "step-up-run")
        dev.close()
        await control.aclose()


async def test_status_follow_on_an_idle_device_polls(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)

        def follow() -> list[dict[str, Any]]:
            out = []
            for status in dev.follow_status(poll_s=0.1):
                out.append(status)
                if len(out) == 3:
                    break
            return out

        assert [s["state"] for s in await t(follow)] == ["idle"] * 3
        dev.close()


def _record(rig: Rig, seconds: int) -> int:
    aid = rig.store.create_activity(1_700_000_000.0, "step-up-run")
    rig.store.add_samples(
        aid,
        (
            {
                "t": float(i),
                "hr": 120 + i % 50,
                "rr": [0.5],
                "speed": 3.2,
                "cadence": 172.0,
                "step": 1,
            }
            for i in range(seconds)
        ),
    )
    rig.store.end_activity(aid)
    return aid


async def test_download_verifies_checksums_and_resumes_after_a_cut(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        aid = _record(rig, 4000)
        payload = rig.store.activity_payload(aid)
        assert len(payload) > 200_000
        dev = await t(client, rig, 2.0)
        activity = (await t(dev.activities))[0]
        assert activity["bytes"] == len(payload)
        assert activity["downloaded"] is False

        seen: list[int] = []
        rig.cable.cut_after(60_000, TO_HOST)  # the cable is pulled mid-download
        with pytest.raises(LinkError):
            await t(
                dev.download,
                activity,
                tmp_path / "out",
                chunk_bytes=8192,
                progress=lambda d, n: seen.append(d),
            )
        dev.close()
        part = next((tmp_path / "out").glob("*.part"))
        got = part.stat().st_size
        assert 0 < got < len(payload)
        assert payload.startswith(part.read_bytes())

        rig.cable.plug()
        dev = await t(client, rig)
        resumed: list[int] = []
        path = await t(
            dev.download,
            activity,
            tmp_path / "out",
            chunk_bytes=8192,
            progress=lambda d, n: resumed.append(d),
        )
        assert resumed[0] > got  # continued from the .part file, not from zero
        assert path.read_bytes() == payload
        assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(payload).hexdigest()
        assert not part.exists()
        assert (await t(dev.activities))[0]["downloaded"] is True
        header = json.loads(path.read_bytes().splitlines()[0])
        assert header["format"] == "pacer-activity-jsonl"
        dev.close()


async def test_corrupt_part_file_is_detected_and_redone(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        aid = _record(rig, 500)
        payload = rig.store.activity_payload(aid)
        dev = await t(client, rig)
        activity = (await t(dev.activities))[0]
        from pacer.link.host import activity_filename

        out = tmp_path / "out"
        out.mkdir()
        (out / (activity_filename(activity) + ".part")).write_bytes(b"X" * 1000)
        path = await t(dev.download, activity, out)
        assert path.read_bytes() == payload
        dev.close()


async def test_cut_in_the_middle_of_push_keeps_the_previous_workout(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        await t(dev.workout_put, "tempo", SHORT)
        before = db_dump(rig.store.path)
        rig.cable.cut_after(len(RUN) // 2, TO_DEVICE)
        dev.timeout = 0.5
        with pytest.raises(LinkError):
            await t(dev.workout_put, "tempo", RUN)
        dev.close()
        assert db_dump(rig.store.path) == before

        rig.cable.plug()  # the host comes back; the half line is dropped at its next newline
        dev = await t(client, rig)
        assert (await t(dev.workout_get, "tempo"))["text"] == SHORT
        assert db_dump(rig.store.path) == before
        await t(dev.workout_put, "tempo", RUN)  # and the link works as before
        assert (await t(dev.workout_get, "tempo"))["text"] == RUN
        dev.close()


async def test_host_goes_away_and_comes_back(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        await t(dev.request, "status.subscribe")
        assert rig.engine.subscribers == 1
        rig.cable.unplug()
        for _ in range(5):
            rig.clock.advance(1.0)
            await asyncio.sleep(0.02)
        dev.close()
        rig.cable.plug()
        dev = await t(client, rig)
        await t(dev.hello)  # a new conversation: the stale subscription is dropped
        assert rig.engine.subscribers == 0
        assert (await t(dev.status))["state"] == "idle"
        dev.close()


async def test_port_absent_until_the_host_plugs_in(tmp_path: Path) -> None:
    gadget = tmp_path / "ttyGS0"
    async with device_rig(tmp_path, port=str(gadget)) as rig:
        await asyncio.sleep(0.3)
        assert rig.server.opened == 0
        gadget.symlink_to(rig.cable.device_path)  # the USB gadget appears
        await asyncio.wait_for(rig.server.connected.wait(), 5)
        dev = await t(client, rig)
        assert (await t(dev.hello))["device_id"] == "test-device"
        dev.close()


async def test_garbage_on_the_wire_gets_errors_and_the_link_survives(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        port = await t(serial.Serial, rig.port, timeout=2)
        limit = rig.service.limits.max_line_bytes
        wire = (
            b"\x00\xff\xfe garbage\n"
            + b"[" * 100_000 + b"\n"
            + b"x" * (limit + 10) + b"\n"
            + b'{"id":1,"op":"hello","args":{"protocol":1}}\r\n'
        )  # fmt: skip

        def exchange() -> list[dict[str, object]]:
            port.write(wire)
            lines: list[dict[str, object]] = []
            while len(lines) < 4:
                line = port.readline()
                assert line.endswith(b"\n"), "timed out"
                if line.strip():  # the device opens each session with a blank line
                    lines.append(json.loads(line))
            return lines

        replies = await t(exchange)
        codes = [r["error"]["code"] if not r["ok"] else "ok" for r in replies]  # type: ignore[index]
        assert codes == ["bad_encoding", "too_deep", "line_too_long", "ok"]
        assert replies[3]["id"] == 1
        port.close()


async def test_a_host_that_stops_reading_does_not_block_the_device(tmp_path: Path) -> None:
    async with device_rig(tmp_path, write_stall_s=0.3) as rig:
        aid = _record(rig, 3000)
        port = await t(serial.Serial, rig.port, timeout=0.2)
        request = json.dumps({"id": 1, "op": "activity.get", "args": {"id": aid}}).encode()
        await t(port.write, (request + b"\n") * 60)  # ~2.6 MB of replies nobody reads
        gaps: list[float] = []
        last = time.monotonic()
        deadline = last + 3
        while rig.server.sessions_ended == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        assert rig.server.sessions_ended >= 1, "a stalled host should end the session"
        assert max(gaps) < 0.25, "the event loop was blocked"
        port.close()
        await asyncio.wait_for(rig.server.connected.wait(), 5)
        dev = await t(client, rig)
        assert (await t(dev.hello))["protocol"] == PROTOCOL_VERSION
        dev.close()


async def test_settings_and_profile_round_trip(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        settings = (await t(dev.settings_get))["settings"]
        assert settings["haptics.strength"] == 0.8
        result = await t(dev.settings_set, {"haptics.strength": 0.5, "buttons.pins": [5, 6]})
        assert result["settings"]["haptics.strength"] == 0.5
        assert result["settings"]["buttons.pins"] == [5, 6]
        before = db_dump(rig.store.path)
        for bad, field in (
            ({"haptics.strength": 2}, "args.values.haptics.strength"),
            ({"serial.port": "/dev/sda"}, "args.values.serial.port"),
            ({"display.contrast": 10, "nope": 1}, "args.values.nope"),
        ):
            with pytest.raises(RequestError) as err:
                await t(dev.settings_set, bad)
            assert (err.value.code, err.value.field) == (ErrorCode.INVALID_FIELD, field)
        assert db_dump(rig.store.path) == before  # all or nothing

        profile = (EXAMPLES / "profile.yaml").read_text()
        assert (await t(dev.profile_get))["text"] is None
        await t(dev.profile_put, profile)
        assert (await t(dev.profile_get))["text"] == profile
        with pytest.raises(RequestError) as err:
            await t(dev.profile_put, "max_hr: lots\n")
        assert err.value.code == ErrorCode.INVALID_PROFILE
        assert err.value.details[0].line == 1
        dev.close()


async def test_sensors_pair_and_forget(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        dev = await t(client, rig)
        pod = {"address": "aa:bb:cc:dd:ee:ff", "role": "pod", "cadence_unit": "strides"}
        assert (await t(dev.request, "sensors.pair", pod))["replaced"] == []
        sensors = (await t(dev.sensors))["sensors"]
        stored_pod = {
            "address": "AA:BB:CC:DD:EE:FF",
            "role": "pod",
            "name": None,
            "cadence_unit": "strides",
        }
        assert sensors == [stored_pod]
        # one role per device: pairing the same address as power moves it there
        moved = await t(dev.request, "sensors.pair", {"address": pod["address"], "role": "power"})
        assert moved["replaced"] == [stored_pod]
        assert [s["role"] for s in (await t(dev.sensors))["sensors"]] == ["power"]
        for bad in (
            {"address": "AA:BB", "role": "hr"},
            {"address": "AA:BB:CC:DD:EE:FF", "role": "toaster"},
            {"address": "AA:BB:CC:DD:EE:FF", "role": "hr", "cadence_unit": "steps"},
        ):
            with pytest.raises(RequestError) as err:
                await t(dev.request, "sensors.pair", bad)
            assert err.value.code == ErrorCode.INVALID_FIELD
        await t(dev.request, "sensors.forget", {"address": "AA:BB:CC:DD:EE:FF"})
        assert (await t(dev.sensors))["sensors"] == []
        with pytest.raises(RequestError) as err:
            await t(dev.request, "sensors.scan")
        assert err.value.code == ErrorCode.UNKNOWN_OP
        dev.close()


async def test_activity_delete_needs_download_or_force(tmp_path: Path) -> None:
    async with device_rig(tmp_path) as rig:
        aid = _record(rig, 10)
        recording = rig.store.create_activity(1_700_000_100.0, None)
        dev = await t(client, rig)
        with pytest.raises(RequestError) as err:
            await t(dev.request, "activity.delete", {"id": aid})
        assert err.value.code == ErrorCode.CONFLICT
        for op in ("activity.get", "activity.delete"):
            with pytest.raises(RequestError) as err:
                await t(dev.request, op, {"id": recording})
            assert err.value.code == ErrorCode.CONFLICT
        with pytest.raises(RequestError) as err:
            await t(dev.request, "activity.ack", {"id": aid, "sha256": "0" * 64})
        assert err.value.field == "args.sha256"
        await t(dev.request, "activity.delete", {"id": aid, "force": True})
        assert [a["id"] for a in await t(dev.activities)] == [recording]
        dev.close()


# --- port discovery (real pyserial ListPortInfo objects) ------------------------------


def _port(device: str, vid: int | None, pid: int | None, product: str | None) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.product = vid, pid, product
    return info


def test_find_port_by_usb_identity() -> None:
    pacer = _port("/dev/ttyACM0", 0x1D6B, 0x0104, "pacer")
    windows = _port("COM3", 0x1D6B, 0x0104, None)
    other_gadget = _port("/dev/ttyACM1", 0x1D6B, 0x0104, "Other gadget")
    arduino = _port("/dev/ttyACM2", 0x2341, 0x0043, "Arduino Uno")
    assert is_pacer(pacer)
    assert is_pacer(windows)
    assert not is_pacer(other_gadget)
    assert not is_pacer(arduino)
    assert find_port([arduino, pacer, other_gadget]) == "/dev/ttyACM0"
    with pytest.raises(LinkError, match="no pacer found"):
        find_port([arduino, other_gadget])
    with pytest.raises(LinkError, match=r"several pacers plugged in \(/dev/ttyACM0, COM3\)"):
        find_port([pacer, windows])


def test_errors_are_pacer_errors() -> None:
    assert issubclass(RequestError, ProtocolError)
    assert issubclass(LinkError, Exception)
    assert os.name == "posix"  # the pty cable needs it; the device is Linux
