"""The examples in `pacer device --help` are commands a newcomer can copy: each setting it
sets is one the device accepts, each file it pushes is a workout."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from pacer.cli.device import EPILOG
from pacer.config.settings import parse_text
from pacer.core.errors import PacerError
from pacer.workout.fileformat import load_workout

ROOT = Path(__file__).resolve().parents[2]


def _commands(verb: str) -> list[list[str]]:
    found = []
    for line in EPILOG.splitlines():
        m = re.match(rf"\s+pacer device {verb} (\S.*?)(?:\s{{2,}}|$)", line)
        if m:
            found.append(m.group(1).split())
    return found


def test_the_settings_examples_are_accepted() -> None:
    examples = _commands("settings set")
    assert examples, "the epilog shows a 'settings set' example"
    for items in examples:
        for item in items:
            key, _, raw = item.partition("=")
            try:
                parse_text(key, raw)
            except PacerError as exc:
                pytest.fail(f"`pacer device settings set {item}` is refused: {exc}")


def test_the_push_example_pushes_workouts_only() -> None:
    examples = _commands("push")
    assert examples, "the epilog shows a 'push' example"
    for items in examples:
        for pattern in items:
            files = sorted(glob.glob(str(ROOT / pattern)))
            assert files, f"`{pattern}` matches no file"
            for name in files:
                path = Path(name)
                try:
                    load_workout(path.read_text(), str(path))
                except PacerError as exc:
                    pytest.fail(f"`pacer device push {pattern}` would refuse {path.name}: {exc}")
