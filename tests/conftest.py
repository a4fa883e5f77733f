"""Shared pytest configuration: the golden-image option and the hypothesis profiles.
Paths and tool checks are in :mod:`tests.support.paths`; doubles and rigs in ``tests/support``."""

from __future__ import annotations

import pytest


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
