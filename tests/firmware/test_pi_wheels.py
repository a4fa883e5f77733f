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
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from tests.support.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PYTHON = "3.11"
GLIBC_MINOR = 36  # Debian bookworm's glibc 2.36
PLATFORMS = ["manylinux2014_aarch64"] + [
    f"manylinux_2_{minor}_aarch64" for minor in range(17, GLIBC_MINOR + 1)
]
PI_ENVIRONMENT = {
    "platform_machine": "aarch64",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "python_version": PYTHON,
    "python_full_version": f"{PYTHON}.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def pi_requirements() -> list[str]:
    """The requirements a Pi install resolves, markers decided for the Pi and dropped."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["pi"],
        *project["build-system"]["requires"],
    ]
    out = []
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not Marker(str(req.marker)).evaluate(PI_ENVIRONMENT):
            continue
        req.marker = None
        out.append(str(req))
    return out


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
