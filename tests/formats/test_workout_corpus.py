"""``../shared/workout-corpus/``: public intervals.icu texts and Zwift workouts nobody here
wrote (its README names each source). Every file imports, validates and simulates through
the CLI, against examples/profile.yaml. Skips without the corpus.

``python -m tests.formats.test_workout_corpus`` prints the count and every warning that
remains, grouped by what it says.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from pacer.cli import main
from pacer.formats.workouts import ImportKind, detect_kind
from pacer.workout.fileformat import load_workout
from pacer.workout.model import TimeDuration, expand
from tests.support.paths import EXAMPLES, SHARED

CORPUS = SHARED / "workout-corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".txt", ".zwo"))
PROFILE = str(EXAMPLES / "profile.yaml")
#: the simulator gives up after this long (pacer.sim.runner's default)
SIM_HOURS = 24


def run(args: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(args)
    return code, err.getvalue() + out.getvalue()


def import_validate_simulate(path: Path, tmp: Path) -> tuple[str, list[str]]:
    """'ok' or 'too long to simulate'; and the warnings."""
    kind = {"zwo": ImportKind.ZWO, "icu": ImportKind.ICU}[path.parent.name]
    assert detect_kind(path.read_bytes()) is kind
    out = tmp / "w.yaml"
    code, said = run(["import", str(path), "-o", str(out), "--profile", PROFILE])
    assert code == 0, said
    warnings = [line for line in said.splitlines() if ": warning" in line]
    code, said = run(["validate", str(out), "--profile", PROFILE])
    assert code == 0, said
    workout = load_workout(out.read_text(), str(out))
    timed = sum(
        s.step.duration.seconds
        for s in expand(workout.items)
        if isinstance(s.step.duration, TimeDuration)
    )
    code, said = run(["sim", str(out), "--fast", "--quiet", "--profile", PROFILE])
    if timed > SIM_HOURS * 3600:
        # a real workout this long is a misreading the import warned about (intervals.icu's
        # '400m' is 400 minutes); the simulator says it gave up, without a traceback
        assert any("more than 8 hours" in w for w in warnings), warnings
        assert code == 2
        assert f"did not end within {SIM_HOURS} simulated hours" in said
        return "too long to simulate", warnings
    assert code == 0, said
    assert "100% of the workout done" in said
    return "ok", warnings


@pytest.mark.slow  # a simulated run a file: about 2 minutes for the 63
@pytest.mark.skipif(not FILES, reason="../shared/workout-corpus not beside the repository")
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_public_workout_imports_validates_and_simulates(path: Path, tmp_path: Path) -> None:
    outcome, _warnings = import_validate_simulate(path, tmp_path)
    assert outcome in ("ok", "too long to simulate")


def summary() -> None:
    import tempfile

    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for path in FILES:
        with tempfile.TemporaryDirectory() as tmp:
            outcome, warnings = import_validate_simulate(path, Path(tmp))
        outcomes[outcome] += 1
        for w in warnings:
            message = w.split("warning", 1)[1]
            message = re.sub(r"'[^']*'", "'…'", re.sub(r"\d+(\.\d+)?", "N", message))
            kinds[message[:110]] += 1
    print(f"{len(FILES)} files: " + ", ".join(f"{n} {k}" for k, n in outcomes.most_common()))
    for message, n in kinds.most_common():
        print(f"{n:4d}  {message}")


if __name__ == "__main__":
    if not FILES:
        sys.exit(f"{CORPUS} not found")
    summary()
