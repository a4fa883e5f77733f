"""``pacer export``, ``pacer report`` and ``pacer replay`` end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.engine.policy import AlertPolicy
from pacer.formats.activities.jsonfile import encode_json
from tests.support.paths import EXAMPLES, REPO, require_fit_fixtures
from tests.support.sim_recording import recorded_step_up

STEP_UP = str(EXAMPLES / "step-up-run.yaml")
PROFILE = str(EXAMPLES / "profile.yaml")


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "run.json"
    path.write_bytes(encode_json(recorded_step_up()[0]))
    return path


def test_export_every_format(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("fit", "tcx", "csv", "json"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", str(recording), "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 1000
        assert f"{out}: {fmt.upper()}, 5 laps, 4800 records" in capsys.readouterr().err
    assert (tmp_path / "out.fit").read_bytes()[8:12] == b".FIT"
    # the JSON export reads back as the same activity
    assert json.loads((tmp_path / "out.json").read_bytes()) == json.loads(recording.read_bytes())


def test_export_refuses_to_overwrite_its_input(
    recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(recording), "--format", "json", "-o", str(recording)]) == 2
    assert "is the input" in capsys.readouterr().err


def test_missing_activity_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "no-such-run.fit"]) == 2
    assert "no-such-run.fit: no such file" in capsys.readouterr().err


def test_report_prints_the_table_and_draws_the_png(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "run.png"
    assert main(["report", str(recording), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Step-up run 1:20, 2024-01-01 00:00 UTC")
    assert "Z3 mid 136-142 bpm" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_replay_a_watch_recording_writes_sim_style_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fit = require_fit_fixtures() / "sample-activity.fit"
    events = tmp_path / "replay.jsonl"
    code = main(
        ["replay", str(fit), "--workout", STEP_UP, "--profile", PROFILE, "--events", str(events)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "garmin edge500" in out.splitlines()[0]
    assert "20:00  2/5  Z2 high: 20m, Z2 high 124-130 bpm" in out
    assert "alert over: HR" in out
    assert "recorded hours per second" in out
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0] == {
        "t": 0.0,
        "type": "step_start",
        "step": 1,
        "name": "Warm-up",
        "intensity": "warmup",
        "duration": "20m",
        "target": None,
        "reason": "start",
    }
    assert lines[-1]["type"] == "workout_done"


def test_replay_events_give_each_warning_its_probability(tmp_path: Path) -> None:
    # issue 19: `pacer replay --events` shows each warning's chance (and when it said the
    # crossing would come); HR flat at 130, then rising 30 bpm/min into a 140-150 band's top
    rows = [f"{t},{130 if t < 300 else min(160, 130 + (t - 300) / 2)}" for t in range(600)]
    csv = tmp_path / "rise.csv"
    csv.write_text("t,hr\n" + "\n".join(rows) + "\n")
    workout = tmp_path / "one.yaml"
    workout.write_text("name: one\nsteps:\n  - active: 10m\n    target: 140-150 bpm\n")
    events = tmp_path / "events.jsonl"
    main(["replay", str(csv), "--workout", str(workout), "--events", str(events), "--quiet"])
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    warnings = [e for e in lines if e["type"] == "alert_predicted_over"]
    assert warnings
    for w in warnings:
        assert AlertPolicy().predict_probability <= w["p"] <= 1.0
        assert w["in_s"] >= AlertPolicy().predict_min_lead_s
        crossed = 300 + 2 * (150 - 130)  # when the rise passes the top
        assert w["t"] < crossed


def test_replay_of_a_recording_shorter_than_the_workout_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fit = require_fit_fixtures() / "garmin-fenix-5-run.fit"
    assert main(["replay", str(fit), "--workout", STEP_UP, "--quiet"]) == 1
    assert "Compliance" in capsys.readouterr().out


def test_sim_record_writes_what_the_device_would_have_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim.json"
    argv = ["sim", STEP_UP, "--profile", PROFILE, "--quiet", "--seed", "2", "--record", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    from pacer.formats.activities.load import load_activity_file

    activity = load_activity_file(out)
    assert activity.workout == "Step-up run 1:20"
    assert len(activity.records) == 4800
    assert [lap.name for lap in activity.laps] == [
        "Warm-up",
        "Z2 high",
        "Z3 mid",
        "Z4",
        "Cool-down",
    ]
    assert activity.ended


#: Run in a child Python: a meta path finder refuses matplotlib, as if it were not installed.
BLOCK_MATPLOTLIB = """
import sys
import tomllib
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Refuse())
from pacer.cli import main
code = main(sys.argv[1:])
assert not any(m.startswith("matplotlib") for m in sys.modules), "matplotlib was imported"
raise SystemExit(code)
"""


def _pacer_without_matplotlib(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_MATPLOTLIB, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_report_png_without_matplotlib_says_what_to_install(
    recording: Path, tmp_path: Path
) -> None:
    png = tmp_path / "run.png"
    done = _pacer_without_matplotlib("report", str(recording), "--png", str(png))
    assert done.returncode == 2, done.stderr
    assert "pip install 'pacer[report]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not png.exists()


def test_report_table_needs_no_matplotlib(recording: Path) -> None:
    done = _pacer_without_matplotlib("report", str(recording))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Step-up run 1:20, 2024-01-01 00:00 UTC")


def test_matplotlib_is_an_extra_not_a_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("matplotlib")]
    assert project["optional-dependencies"]["report"] == ["matplotlib>=3.8"]
    assert "pacer[report]" in project["optional-dependencies"]["test"]
