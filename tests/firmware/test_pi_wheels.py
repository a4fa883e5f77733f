"""Installable on the Pi: every dependency resolves to a wheel for the Zero 2 W.

The Pi runs Raspberry Pi OS (64-bit) bookworm: CPython 3.11 on aarch64 with glibc 2.36, so
pip there takes ``manylinux_2_17`` ... ``manylinux_2_36`` aarch64 wheels and pure-Python
ones. Anything else would be compiled on the Zero (minutes to hours, a compiler and -dev
packages on the device): ``pip download --only-binary=:all:`` for that platform fails on
it, and this test names it. What is resolved: pyproject.toml's ``dependencies``, its ``pi``
extra and its build requirements (pip builds pacer itself from the copied source), with
their environment markers evaluated for the Pi rather than for this machine (pip would
evaluate the top-level markers for this machine even with ``--platform``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support import aarch64
from tests.support.aarch64 import PLATFORMS, PYTHON

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def pi_requirements() -> list[str]:
    """What pip resolves on the Pi, build requirements included (it builds pacer there)."""
    return aarch64.pi_requirements(build=True)


def test_pi_requirements_evaluate_markers_for_the_pi() -> None:
    reqs = pi_requirements()
    names = {Requirement(r).name.lower() for r in reqs}
    # lgpio's marker (aarch64/armv7l) holds on the Pi whatever machine runs this test.
    assert {"lgpio", "smbus2", "pillow", "luma.oled", "setuptools"} <= names
    assert all(";" not in r for r in reqs)


def test_every_pi_dependency_is_an_aarch64_wheel(tmp_path: Path) -> None:
    reqs = pi_requirements()
    cmd = [
        *(sys.executable, "-m", "pip", "download", "--disable-pip-version-check"),
        *("--only-binary=:all:", "--python-version", PYTHON, "--implementation", "cp"),
        *(arg for p in PLATFORMS for arg in ("--platform", p)),
        *("--dest", str(tmp_path)),
        *reqs,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=540)
    missing = re.findall(r"No matching distribution found for (\S+)", result.stderr)
    assert result.returncode == 0, (
        f"would have to compile on a Pi Zero: {', '.join(missing) or '?'}\n{result.stderr}"
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    print("aarch64 / CPython 3.11 wheels:\n  " + "\n  ".join(files))
    assert files
    not_wheels = [f for f in files if not f.endswith(".whl")]
    assert not not_wheels, not_wheels
    for f in files:
        tags = f.removesuffix(".whl").split("-")[-3:]
        python, abi, platform = tags
        assert platform == "any" or "aarch64" in platform, f
        assert python in {"py3", "py2.py3", "cp311"} or python.startswith("cp311"), f
        assert abi in {"none", "abi3", "cp311"}, f
