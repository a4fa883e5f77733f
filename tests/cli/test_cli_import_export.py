"""``pacer import`` and ``pacer export-workout`` end to end, through the CLI entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.formats.workouts import import_workout
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import load_profile
from tests.support.paths import EXAMPLES, REPO, require_fit_fixtures

PROFILE_PATH = str(EXAMPLES / "profile.yaml")


def test_import_prints_the_workout_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(require_fit_fixtures() / "WorkoutIndividualSteps.fit")
    assert main(["import", path]) == 0
    out, err = capsys.readouterr()
    workout = load_workout(out, "stdout")
    assert workout.name == "Example 1"
    assert "workout_step 1: warning (step 2): power zone 5 taken as 105-120% FTP" in err
    assert "# " + path + ": workout_step 1: warning (step 2)" in out  # kept in the file


def test_import_writes_the_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tempo.yaml"
    src = str(EXAMPLES / "import" / "step-up-run.zwo")
    assert main(["import", src, "--profile", PROFILE_PATH, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {out}: 5 steps, 0 warnings" in err  # % MP pace stays relative
    profile = load_profile((EXAMPLES / "profile.yaml").read_text())
    assert load_workout(out.read_text(), str(out), profile=profile).name == "Step-up run by pace"


def test_import_of_a_malformed_file_names_the_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Warmup\n- 10m Z1 HR\n- Z2 HR\n")
    out = tmp_path / "out.yaml"
    assert main(["import", str(bad), "-o", str(out)]) == 2
    assert f"{bad}:3:1: the step has no duration" in capsys.readouterr().err
    assert not out.exists()


def test_import_of_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "/nonexistent/w.fit"]) == 2
    assert "/nonexistent/w.fit:1:1: cannot read: " in capsys.readouterr().err


def test_export_writes_a_fit_file_next_to_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "bike-sweet-spot.yaml"
    shutil.copy(EXAMPLES / "bike-sweet-spot.yaml", src)
    assert main(["export-workout", str(src), "--format", "fit"]) == 0
    fit = tmp_path / "bike-sweet-spot.fit"
    assert f"wrote {fit}: 5 FIT steps, 0 warnings" in capsys.readouterr().err
    back = import_workout(fit.read_bytes(), str(fit))
    assert back.workout == load_workout(src.read_text(), str(src))


def test_export_resolves_against_the_profile_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.fit"
    src = str(EXAMPLES / "step-up-run.yaml")
    assert main(["export-workout", src, "--profile", PROFILE_PATH, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{src}: warning: step 2: Z2 high written as the range 124-130 bpm" in err
    assert out.read_bytes()[8:12] == b".FIT"


def test_export_takes_the_profile_beside_the_workout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.fit"
    assert main(["export-workout", str(EXAMPLES / "step-up-run.yaml"), "-o", str(out)]) == 0
    assert "Z2 high written as the range 124-130 bpm" in capsys.readouterr().err


def test_export_without_the_profile_it_needs_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "step-up-run.yaml"  # no profile.yaml beside it
    shutil.copy(EXAMPLES / "step-up-run.yaml", src)
    assert main(["export-workout", str(src), "-o", "-"]) == 2
    assert "step 2: Z2 high needs an athlete profile" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["import", "export-workout"])
def test_help_teaches_with_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"pacer {command} " in out
    assert "docs/import-export.md" in out


def test_the_fit_sdk_is_imported_only_when_a_fit_file_is_read_or_written() -> None:
    code = (
        "import sys, pacer.formats.workouts.fit, pacer.formats.workouts.fit_export, pacer.cli; "
        "pacer.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith('garmin_fit_sdk')))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "device")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
