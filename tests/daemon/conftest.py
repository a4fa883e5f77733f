"""Fixtures of the daemon's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pacer.storage.store import Store
from tests.support.daemon_rig import STEP_UP, STRENGTH


@pytest.fixture(name="store")
def workouts_store(tmp_path: Path) -> Store:
    """A store with the step-up run (selected) and a strength session."""
    s = Store.open_dir(tmp_path / "data")
    for name, text in (("step-up-run", STEP_UP), ("strength-a", STRENGTH)):
        s.put_workout(name, text, 1.7e9, max_count=100)
    s.select_workout("step-up-run")
    return s
