"""``pacer validate`` and ``pacer show`` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.core.terminal import escaped, unsafe
from tests.support.hostile import TERMINAL_ATTACKS
from tests.support.paths import EXAMPLES, REPO


def test_validate_examples_pass(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(files)
    assert all(": ok: " in line for line in out)
    assert any("'Step-up run 1:20' (run): 5 steps, 1:20:00" in line for line in out)


def test_validate_reports_every_error_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - active: 10 parsecs\n  - active: 5m\n    target: Z9\n")
    good = EXAMPLES / "step-up-run.yaml"
    assert main(["validate", str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    errors = captured.err.splitlines()
    assert errors[0].startswith(f"{bad}:3:13: '10 parsecs' is not a duration")
    assert (
        errors[1]
        == f"{bad}:5:13: zone Z9 is not defined by the max_hr zone model (Z1, Z2, Z3, Z4, Z5)"
    )
    assert f"{good}: ok:" in captured.out  # the valid file is still checked


def test_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml:1:1: cannot read: No such file or directory" in capsys.readouterr().err


def test_show_step_up_run_prints_five_steps_with_bpm(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(EXAMPLES / "step-up-run.yaml")]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^\d+\s", line)]
    assert len(rows) == 5
    # examples/profile.yaml sits beside the workout: max HR 185 -> Z2 111-130, Z3 130-148
    assert "Z2 high 124-130 bpm" in rows[1]
    assert "Z3 mid 136-142 bpm" in rows[2]
    assert "Z4 148-167 bpm" in rows[3]
    assert "open effort" in rows[0]
    assert "open effort" in rows[4]
    assert re.search(r"total\s+1:20:00", out)


def test_show_pace_in_profile_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "metric.yaml"
    profile.write_text('max_hr: 185\npaces: {marathon: "4:20/km"}\nunits: metric\n')
    args = ["show", str(EXAMPLES / "step-up-run-pace.yaml"), "--profile", str(profile)]
    assert main(args) == 0
    out = capsys.readouterr().out
    # MP 4:20/km = 260 s/km = 418.4 s/mi; +5..+10 s/mi = 423.4..428.4 s/mi = 4:23..4:26/km
    assert "4:23-4:26/km" in out


def test_console_script_help_teaches() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pacer", "validate", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert "FILE:LINE:COL" in result.stdout
    assert "examples:" in result.stdout


BIKE = """\
name: Sweet spot
sport: bike
steps:
  - warmup: 10m
    target: ramp 50% FTP to 75% FTP
  - active: 20m
    target: 88% FTP
    cues: [{at: 60s, text: settle in}]
"""


def test_show_without_ftp_prints_targets_as_written_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout = tmp_path / "ss.yaml"
    workout.write_text(BIKE)
    (tmp_path / "profile.yaml").write_text("name: No power meter\nmax_hr: 180\n")
    assert main(["show", str(workout)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^\d+\s", line)]
    assert "ramp 50% FTP to 75% FTP" in rows[0]
    assert "88% FTP" in rows[1]
    assert "W" not in rows[1]
    assert "at 1:00: settle in" in rows[1]
    assert f"{workout}: note: targets that need ftp are shown as written; add ftp" in out
    # and validate agrees: valid, with the same note
    assert main(["validate", str(workout)]) == 0
    assert "note: targets that need ftp" in capsys.readouterr().out


def test_show_with_ftp_shows_single_values_and_ramps_in_watts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout = tmp_path / "ss.yaml"
    workout.write_text(BIKE)
    assert main(["show", str(workout), "--profile", str(EXAMPLES / "profile.yaml")]) == 0
    out = capsys.readouterr().out
    assert "ramp 50% FTP 125 W to 75% FTP 188 W" in out  # ftp 250
    assert "88% FTP 220 W" in out
    assert "88-88" not in out
    assert "220-220" not in out


def test_validate_and_show_accept_folders_recursively(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bike").mkdir()
    (tmp_path / "bike" / "ss.yaml").write_text(BIKE)
    (tmp_path / "runs" / "deep").mkdir(parents=True)
    (tmp_path / "runs" / "deep" / "run.yml").write_text((EXAMPLES / "step-up-run.yaml").read_text())
    (tmp_path / "runs" / "notes.txt").write_text("not a workout")
    (tmp_path / "profile.yaml").write_text("name: Me\nmax_hr: 185\nftp: 240\n")
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'bike' / 'ss.yaml'}: ok: 'Sweet spot' (bike)" in out
    assert f"{tmp_path / 'runs' / 'deep' / 'run.yml'}: ok: 'Step-up run 1:20'" in out
    assert f"{tmp_path / 'profile.yaml'}: ok: profile 'Me'" in out
    assert "notes.txt" not in out
    assert main(["show", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Sweet spot  (bike" in out
    assert "Step-up run 1:20  (run" in out


def test_validate_warns_about_a_long_workout_and_a_huge_sprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workout = tmp_path / "w.yaml"
    workout.write_text(
        "name: Long\nsport: bike\nsteps:\n  - active: 8h\n    target: 60% FTP\n"
        "  - active: 10s\n    name: Sprint\n    target: 950% FTP\n"
    )
    assert main(["validate", str(workout), "--profile", str(EXAMPLES / "profile.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        f"{workout}: warning: step 2 'Sprint': 950% FTP is above 400% FTP, more than a sprint "
        "holds: check the number",
        f"{workout}: warning: the workout lasts 8:00:10, more than 8 hours; its longest step "
        "is step 1 '60% FTP' (8:00:00)",
    ]


def test_sim_refuses_a_workout_the_profile_lacks_a_value_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pacer.cli.validate import load_resolved
    from pacer.core.errors import InputErrors

    workout = tmp_path / "ss.yaml"
    workout.write_text(BIKE)
    with pytest.raises(InputErrors) as info:
        load_resolved(workout, None)
    assert str(info.value) == (
        f"{workout}:1:1: this workout needs ftp in the athlete profile "
        "(ramp 50% FTP to 75% FTP in step 1); add it and try again"
    )


# --- issue 20 D10, D12: what a folder holds -------------------------------------------------


@pytest.mark.timeout(20)
def test_validate_dir_skips_a_fifo_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO named *.yaml in the folder hung ``validate DIR`` (open blocks for a writer):
    only regular files are read; the FIFO is skipped with a note, the others checked."""
    (tmp_path / "run.yaml").write_bytes((EXAMPLES / "step-up-run.yaml").read_bytes())
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert f"{tmp_path / 'run.yaml'}: ok: 'Step-up run 1:20'" in out
    assert f"{tmp_path / 'pipe.yaml'}: note: skipped, not a regular file (a FIFO)" in err
    assert f"{tmp_path / 'gone.yaml'}: note: skipped, not a regular file (a broken link)" in err


@pytest.mark.parametrize("attack", TERMINAL_ATTACKS)
def test_validate_dir_prints_hostile_file_names_and_quoted_text_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    good = tmp_path / f"good{attack}.yaml"
    good.write_bytes((EXAMPLES / "step-up-run.yaml").read_bytes())
    bad = tmp_path / f"bad{attack}.yaml"
    bad.write_text(f"name: x\nsteps:\n  - active: {json.dumps(f'10{attack}x')}\n")  # YAML escapes
    assert main(["validate", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    shown = escaped(attack)
    assert f"good{shown}.yaml: ok:" in out
    assert f"bad{shown}.yaml:3:" in err
    assert f"'10{shown}x' is not a duration" in err
    assert not [ch for ch in out + err if unsafe(ch) and ch != "\n"]
