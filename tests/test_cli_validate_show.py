"""``pacer validate`` and ``pacer show`` as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pacer.cli import main

from .conftest import EXAMPLES, REPO


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
