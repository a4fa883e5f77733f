"""Where the tests find the repository, its examples and ``../shared``, and how a test asks
for a system tool or the shared FIT fixtures (skip on a laptop, fail in CI)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
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


SHARED_APIS = SHARED / "apis" / "intervals-icu"


def require_shared_apis() -> Path:
    """../shared/apis/intervals-icu: the services' real request and response shapes."""
    if not SHARED_APIS.is_dir():
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(f"{SHARED_APIS} missing: CI clones main with ../shared beside it")
        pytest.skip("../shared/apis not beside the repository")
    return SHARED_APIS
