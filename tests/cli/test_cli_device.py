"""``pacer device ...`` end to end: the real CLI in a thread, the device server over a pty."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import yaml

from pacer.cli import build_parser, main
from pacer.cli.device import edit_yaml, render_status
from pacer.core.terminal import escaped, unsafe
from tests.support.hostile import TERMINAL_ATTACKS
from tests.support.paths import EXAMPLES
from tests.support.serial_rig import Rig, device_rig

pytestmark = pytest.mark.timeout(60)


async def cli(rig: Rig, *argv: str) -> int:
    return await asyncio.to_thread(main, ["device", "--port", rig.port, "--timeout", "3", *argv])


async def test_push_ls_pull_select_start_stop_rm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with device_rig(tmp_path) as rig:
        files = [EXAMPLES / "step-up-run.yaml", EXAMPLES / "strength-a.yaml"]
        assert await cli(rig, "push", *map(str, files)) == 0
        out = capsys.readouterr().out
        assert "added step-up-run" in out
        assert "added strength-a" in out
        assert await cli(rig, "push", str(files[0])) == 0
        assert "replaced step-up-run" in capsys.readouterr().out

        assert await cli(rig, "select", "step-up-run") == 0
        assert await cli(rig, "start") == 0
        assert "started step-up-run" in capsys.readouterr().out
        assert await cli(rig, "ls") == 0
        listing = capsys.readouterr().out
        assert re.search(r"^>\s+step-up-run", listing, re.M)
        assert "strength-a" in listing

        assert await cli(rig, "rm", "step-up-run") == 2  # running: refused
        assert "conflict" in capsys.readouterr().err
        assert await cli(rig, "stop") == 0
        out_file = tmp_path / "pulled.yaml"
        assert await cli(rig, "pull", "step-up-run", "-o", str(out_file)) == 0
        assert out_file.read_text() == files[0].read_text()
        assert await cli(rig, "rm", "step-up-run") == 0
        assert [w.name for w in rig.store.list_workouts()] == ["strength-a"]


async def test_push_refuses_invalid_files_with_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with device_rig(tmp_path) as rig:
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: Bad\nsport: run\nsteps:\n  - warmup: 10m\n  - active: 5 parsecs\n")
        good = EXAMPLES / "step-up-run.yaml"
        assert await cli(rig, "push", str(good), str(bad)) == 2
        err = capsys.readouterr().err
        assert f"{bad}:5:" in err
        assert "nothing pushed" in err
        assert rig.store.list_workouts() == []  # validated locally first: nothing sent

        weird = tmp_path / "my workout.yaml"
        weird.write_text(good.read_text())
        assert await cli(rig, "push", str(weird)) == 2
        assert "cannot be a workout name" in capsys.readouterr().err


async def test_info_time_sync_settings_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with device_rig(tmp_path) as rig:
        assert await cli(rig, "info") == 0
        out = capsys.readouterr().out
        assert "test-device" in out
        assert "time-sync" in out  # the rig's clock is years off: the hint is shown
        assert await cli(rig, "time-sync") == 0
        assert "device clock set" in capsys.readouterr().out

        assert await cli(rig, "settings", "set", "haptics.strength=0.5", "buttons.pins=5,6") == 0
        assert rig.store.get_settings() == {"haptics.strength": 0.5, "buttons.pins": [5, 6]}
        assert await cli(rig, "settings", "set", "haptics.strength=") == 0  # back to default
        assert rig.store.get_settings() == {"buttons.pins": [5, 6]}
        assert await cli(rig, "settings", "set", "haptics.strength=9") == 2
        assert "haptics.strength" in capsys.readouterr().err
        assert await cli(rig, "settings", "get") == 0
        table = capsys.readouterr().out
        assert "buttons.pins" in table
        assert "(set)" in table

        assert await cli(rig, "profile", "get") == 1
        assert await cli(rig, "profile", "push", str(EXAMPLES / "profile.yaml")) == 0
        assert await cli(rig, "profile", "set", "max_hr=190", "paces.marathon=7:05/mi") == 0
        capsys.readouterr()
        assert await cli(rig, "profile", "get") == 0
        profile = yaml.safe_load(capsys.readouterr().out)
        assert profile["max_hr"] == 190
        assert profile["paces"]["marathon"] == "7:05/mi"
        assert profile["resting_hr"] == 50  # untouched keys stay
        assert await cli(rig, "profile", "set", "max_hr=lots") == 1
        stored = rig.store.get_profile()
        assert stored is not None
        assert "max_hr: 190" in stored.source


async def test_activities_and_download_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with device_rig(tmp_path) as rig:
        for start in (1_700_000_000.0, 1_700_100_000.0):
            aid = rig.store.create_activity(start, "step-up-run")
            rig.store.add_samples(aid, [{"t": float(i), "hr": 140} for i in range(2000)])
            rig.store.end_activity(aid)
        assert await cli(rig, "activities") == 0
        assert capsys.readouterr().out.count("step-up-run") == 2
        out_dir = tmp_path / "runs"
        assert await cli(rig, "download", "--dir", str(out_dir)) == 0
        err = capsys.readouterr().err
        assert err.count("100.0%") == 2  # one finished bar per activity
        files = sorted(out_dir.glob("*.jsonl"))
        assert [f.name for f in files] == [
            "pacer-20231114-221320-1.jsonl",
            "pacer-20231116-020000-2.jsonl",
        ]
        assert files[0].read_bytes() == rig.store.activity_payload(1)
        assert all(a.downloaded for a in rig.store.list_activities())
        assert await cli(rig, "download", "--dir", str(out_dir)) == 0
        assert "nothing to download" in capsys.readouterr().out
        assert await cli(rig, "download", "7") == 2


async def test_status_follow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with device_rig(tmp_path) as rig:
        rig.store.put_workout("run", (EXAMPLES / "step-up-run.yaml").read_text(), 1.0, max_count=9)
        await rig.engine.start("run", "")
        follow = asyncio.create_task(cli(rig, "status", "--follow", "--count", "4"))
        while not follow.done():
            await asyncio.sleep(0.05)
            rig.clock.advance(1.0)
        assert await follow == 0
        lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert len(lines) == 4
        assert all(s["workout"] == "run" for s in lines)
        assert lines[-1]["t"] > lines[0]["t"]
        assert rig.engine.subscribers == 0
        assert await cli(rig, "status") == 0
        assert "running" in capsys.readouterr().out


def test_no_pacer_plugged_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PACER_PORT", raising=False)
    import serial.tools.list_ports

    if any(
        (p.product or "").lower() == "pacer" for p in serial.tools.list_ports.comports()
    ):  # pragma: no cover - a developer with a pacer plugged in
        pytest.skip("a pacer is plugged in")
    assert main(["device", "ls"]) == 2
    assert "no pacer found" in capsys.readouterr().err


def test_help_teaches() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    text = sub.choices["device"].format_help()  # type: ignore[union-attr]
    assert "examples:" in text
    assert "pacer device push" in text
    assert "download" in text


def test_edit_yaml_and_render_status() -> None:
    text = "name: Sam\nmax_hr: 185\npaces:\n  marathon: '7:00/mi'\n"
    edited = yaml.safe_load(
        edit_yaml(text, {"max_hr": "186", "paces.10k": "6:20/mi", "zones": "[100, 120]"})
    )
    assert edited == {
        "name": "Sam",
        "max_hr": 186,
        "paces": {"marathon": "7:00/mi", "10k": "6:20/mi"},
        "zones": [100, 120],
    }
    assert "max_hr" not in yaml.safe_load(edit_yaml(text, {"max_hr": ""}))
    shown = render_status({"hr": 150, "state": "running", "target": {"low": 140.0}})
    assert shown.splitlines()[0].startswith("state")
    assert "target.low  140.0" in shown


async def test_sensor_names_from_the_device_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20 D10: a sensor's name comes from its advertisement (or a host's
    ``sensors.pair``): escape sequences in it reached the terminal raw."""
    from pacer.ble.pairing import Pairing
    from pacer.core.samples import SensorRole

    async with device_rig(tmp_path) as rig:
        name = "".join(f"H{attack}" for attack in TERMINAL_ATTACKS)
        rig.store.pair(Pairing("AA:BB:CC:DD:EE:01", SensorRole.HR, name))
        assert await cli(rig, "sensors", "list") == 0
        out = capsys.readouterr().out
    assert escaped(name) in out
    assert not [ch for ch in out if unsafe(ch) and ch != "\n"]
