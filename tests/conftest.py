"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# ../shared beside the clone; PACER_SHARED points elsewhere (a git worktree has no ../shared).
SHARED = Path(os.environ.get("PACER_SHARED", REPO.parent / "shared"))
FIT_FIXTURES = SHARED / "fixtures" / "fit"


def require_tool(name: str) -> str:
    """Path of a system tool a test drives for real.

    Skips when it is missing on a developer's machine; under ``.ci/run``
    (``PACER_REQUIRE_SYSTEM_TOOLS=1``) a missing tool is a failure, so CI cannot go green
    by skipping.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(f"{name} is required in CI but not installed")
        pytest.skip(f"{name} not installed")
    return path


def require_fit_fixtures() -> Path:
    if not FIT_FIXTURES.is_dir():
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(f"{FIT_FIXTURES} missing: CI clones main with ../shared beside it")
        pytest.skip("../shared/fixtures/fit not beside the repository")
    return FIT_FIXTURES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.png from the current screens instead of comparing",
    )


def _hypothesis_profiles() -> None:
    """``--hypothesis-profile=triage``: no shrinking or explaining (they trace every line,
    which is slow), to see a failing example fast."""
    from hypothesis import Phase, settings

    settings.register_profile(
        "triage",
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        print_blob=True,
        derandomize=True,
    )


_hypothesis_profiles()
