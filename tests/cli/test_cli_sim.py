"""``pacer sim`` end to end through the command-line entry point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pacer.cli import main
from tests.support.paths import EXAMPLES

STEP_UP = str(EXAMPLES / "step-up-run.yaml")
PROFILE = str(EXAMPLES / "profile.yaml")


def sim(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sim", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_steps_alerts_and_an_aligned_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sim(capsys, STEP_UP, "--profile", PROFILE, "--athlete", "eager", "--fast")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Step-up run 1:20: 5 steps, 1:20:00; athlete eager, seed 1"
    clock = [ln for ln in lines if re.match(r"^ *\d+:\d\d(:\d\d)?  \d/5  ", ln)]
    assert clock[0].split() == ["0:00", "1/5", "Warm-up:", "20m,", "open", "effort"]
    assert any("20:00  2/5  Z2 high: 20m, Z2 high 124-130 bpm" in ln for ln in clock)
    # the eager runner jumps into each of the three hard steps too hard: an over alert in
    # each, every one with its turnover advice
    overs = [ln for ln in clock if re.search(r"alert over( #\d)?: HR", ln)]
    assert {ln.split()[1] for ln in overs} == {"2/5", "3/5", "4/5"}
    assert all("(ease turnover)" in ln for ln in overs)
    assert re.search(r"workout completed, compliance \d+/100$", clock[-1])
    # the table: a header and one row per step, every column lined up
    head = next(i for i, ln in enumerate(lines) if ln.startswith("#  Step"))
    table = lines[head : head + 7]
    assert [row.split()[0] for row in table] == ["#", "-", "1", "2", "3", "4", "5"]
    alerts_col = table[0].index("Alerts") + len("Alerts")
    assert all(len(row) == alerts_col for row in table)
    assert "Z4 148-167 bpm" in table[5]
    assert lines[-1].startswith("Compliance ")


def test_events_file_and_same_seed_same_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "run.jsonl"
    args = (STEP_UP, "--athlete", "dropout", "--seed", "3", "--fast")
    code, first, _ = sim(capsys, *args, "--events", str(events))
    assert code == 0
    code, second, _ = sim(capsys, *args)
    assert first == second
    _, other, _ = sim(capsys, STEP_UP, "--athlete", "dropout", "--seed", "4", "--fast")
    assert other != first
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    assert all({"t", "type", "step"} <= row.keys() for row in rows)
    assert rows[0] == {
        "t": 0.0,
        "type": "step_start",
        "step": 1,
        "name": "Warm-up",
        "intensity": "warmup",
        "duration": "20m",
        "target": None,
        "reason": "start",
    }
    assert rows[-1]["type"] == "workout_done"
    assert rows[-1]["t"] == 80 * 60
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)
    kinds = {r["type"] for r in rows}
    assert {"step_countdown", "sensor_lost", "sensor_back"} <= kinds
    lost = next(r for r in rows if r["type"] == "sensor_lost")
    assert lost["role"] == "hr"
    assert lost["reason"] in ("no_contact", "disconnected")
    # every event of the file that makes a line is on the console, at its clock
    printed = [
        r for r in rows if r["type"] not in ("step_countdown", "rest_warning", "cadence_cue")
    ]
    assert len(printed) == sum(1 for ln in first.splitlines() if re.match(r"^ *\d+:\d\d", ln))


def test_quiet_prints_only_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sim(capsys, str(EXAMPLES / "strength-b.yaml"), "--quiet")
    assert code == 0
    assert out.splitlines()[0].startswith("#  Step")
    assert out.splitlines()[1].startswith("-  ----")
    assert "6-8 / leg" in out
    assert "(3 sets)" in out
    assert "Compliance 100/100: no target" in out


def test_speed_paces_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sim(capsys, str(EXAMPLES / "strength-b.yaml"), "--speed", "100000", "--quiet")
    assert code == 0
    assert "Compliance" in out


def test_bad_input_exits_2_and_says_where(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = sim(capsys, str(tmp_path / "missing.yaml"))
    assert code == 2
    assert out == ""
    assert err.startswith("pacer: ")
    assert "missing.yaml:1:1: cannot read" in err
    code, out, err = sim(capsys, STEP_UP, "--profile", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "nope.yaml:1:1: cannot read" in err
    # marathon-pace targets with no profile beside the file and none given
    pace = tmp_path / "pace.yaml"
    pace.write_bytes((EXAMPLES / "step-up-run-pace.yaml").read_bytes())
    code, out, err = sim(capsys, str(pace))
    assert code == 2
    assert out == ""
    assert f"{pace}:" in err
    assert "MP" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--speed", "0"],
        ["--speed", "2", "--fast"],
        ["--athlete", "lazy"],
        ["--gif", "x.gif", "--gif-frames", "-5"],
        ["--gif", "x.gif", "--gif-frames", "many"],
    ],
)
def test_bad_options_are_refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sim", STEP_UP, *args])
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sim", "--help"])
    out = capsys.readouterr().out
    for word in ("--athlete", "--seed", "--speed", "--fast", "--events", "examples:", "eager"):
        assert word in out


def test_gif_and_haptics_options_record_the_face(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from PIL import Image

    gif = tmp_path / "run.gif"
    code, out, _ = sim(
        capsys, str(EXAMPLES / "step-up-run-30min.yaml"), "--gif", str(gif), "--haptics"
    )
    assert code == 0
    with Image.open(gif) as im:
        assert im.size == (384, 192)  # the 128x64 panel at 3x
        assert 30 < im.n_frames <= 600
    # every step change buzzes long-long, in step order
    buzzes = re.findall(r"^\s+(\d+:\d\d)\s+~ step_change", out, re.M)
    assert buzzes == ["0:00", "8:00", "16:00", "22:00", "26:00"]
