"""pacer on the Pi's CPU: Debian's arm64 CPython 3.11 and the Pi's aarch64 wheels, run by
qemu-user on this machine (tests/support/aarch64.py builds and caches them; nothing is
registered with the kernel, nothing needs root).

What a Zero 2 W would find out first: the CLI (``--version``, ``validate``, the seed's
80-minute ``sim``, whose output must be the very same as on this machine), the daemon as
systemd starts it (READY=1 on a notify socket this test owns, ``pacer device info`` over its
serial pty), and the compiled wheels (Pillow and FreeType drawing every golden screen
through luma's dummy device, yaml's C loader, cbor2's C encoder, dbus-fast's compiled
marshaller carrying a heart-rate notification into pacer's BLE decoder, lgpio's C library),
each checked to be the aarch64 build actually loaded by an aarch64 interpreter.

Needs ``qemu-aarch64-static`` (``./dev`` installs qemu-user-static), apt and Debian's
archive keyring, and the network the first time (the cache in ``.cache/aarch64/``). Without
them the tests skip; under ``.ci/run`` (``PACER_REQUIRE_SYSTEM_TOOLS=1``) they fail.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.firmware import aarch64_probe
from tests.support.aarch64 import (
    PYTHON,
    QEMU,
    Aarch64Python,
    Aarch64Unavailable,
    aarch64_python,
)
from tests.support.daemon_process import daemon
from tests.support.notify_socket import NotifySocket
from tests.support.paths import EXAMPLES, REPO, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

EM_AARCH64 = 183  # the ELF e_machine of AArch64
SIM = ("sim", "examples/step-up-run.yaml", "--profile", "examples/profile.yaml", "--fast")


@pytest.fixture(scope="module")
def pi() -> Aarch64Python:
    """The cached arm64 interpreter and site (built under a lock by the first worker)."""
    require_tool(QEMU)
    for tool in ("apt-get", "dpkg-deb"):
        require_tool(tool)
    started = time.monotonic()
    try:
        python = aarch64_python()
    except Aarch64Unavailable as e:
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail(f"required in CI: {e}")
        pytest.skip(str(e))
    print(f"aarch64 root and site ready ({python.root.parent}): {time.monotonic() - started:.1f} s")
    return python


def project_version() -> str:
    found = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert found
    return found[1]


def timed(pi: Aarch64Python, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = pi.run(*args, timeout=timeout)
    shown = " ".join(args)[:60]
    print(f"aarch64 python {shown}: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, f"{shown}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def host_pacer(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "device"))
    return subprocess.run(
        [sys.executable, "-m", "pacer.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def test_the_cli_on_aarch64_prints_what_it_prints_here(pi: Aarch64Python) -> None:
    machine = timed(pi, "-c", "import platform, sys; print(platform.machine(), *sys.version_info)")
    arch, major, minor, *_ = machine.stdout.split()
    assert (arch, f"{major}.{minor}") == ("aarch64", PYTHON), machine.stdout

    version = timed(pi, "-m", "pacer", "--version")
    assert version.stdout.strip() == f"pacer {project_version()}"

    validate = timed(pi, "-m", "pacer", "validate", "examples/")
    for f in sorted(EXAMPLES.glob("*.yaml")):
        assert f"examples/{f.name}: ok" in validate.stdout, (f.name, validate.stdout)

    # The seed's 80 minutes through the engine on the Pi's CPU: the same run, line for line
    # (the same seed, IEEE doubles on both: any difference is a porting bug).
    sim = timed(pi, "-m", "pacer", *SIM)
    assert "Compliance " in sim.stdout, sim.stdout
    here = host_pacer(*SIM)
    assert here.returncode == 0, here.stderr
    assert sim.stdout == here.stdout


def test_the_daemon_on_aarch64_is_ready_and_answers_info(pi: Aarch64Python, tmp_path: Path) -> None:
    """``pacer run --hardware sim`` as systemd starts it on the Pi, emulated: READY=1 on our
    socket, then this machine's ``pacer device info`` over the pty it opened."""
    started = time.monotonic()
    with (
        NotifySocket(tmp_path / "notify") as notify,
        daemon(tmp_path, notify, interpreter=pi.command(), env=pi.env()) as d,
    ):
        ready = notify.wait_for(lambda m: m.fields.get("READY") == "1", 180)
        print(f"aarch64 daemon: READY=1 after {ready.t - started:.1f} s")
        assert ready.fields["STATUS"].startswith("idle:"), ready.fields

        info = host_pacer("device", "--port", d.port, "info", timeout=120)
        assert info.returncode == 0, info.stdout + info.stderr + d.log()
        print(info.stdout)
        software = rf"^  software: +{re.escape(project_version())} \(protocol \d+\)$"
        assert re.search(software, info.stdout, re.M), info.stdout
        assert re.search(r"^  state: +idle$", info.stdout, re.M), info.stdout

        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(60) == 0, d.log()
        notify.wait_for(lambda m: m.fields.get("STOPPING") == "1", 5)


@pytest.fixture(scope="module")
def probe(pi: Aarch64Python) -> dict[str, Any]:
    """tests/firmware/aarch64_probe.py's findings on the emulated Pi."""
    result = timed(pi, str(Path(aarch64_probe.__file__)))
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_the_interpreter_and_every_compiled_wheel_are_aarch64(
    pi: Aarch64Python, probe: dict[str, Any]
) -> None:
    assert probe["machine"] == "aarch64"
    assert probe["python"].startswith(PYTHON + ".")
    assert probe["pointer_bits"] == 64
    assert probe["byteorder"] == "little"
    assert Path(probe["executable"]).is_relative_to(pi.root)
    assert probe["executable_elf_machine"] == EM_AARCH64
    assert set(probe["compiled"]) == set(aarch64_probe.COMPILED)
    for name, found in probe["compiled"].items():
        path = Path(found["file"])
        assert path.is_relative_to(pi.site), (name, path)
        assert path.name.endswith(f".cpython-{PYTHON.replace('.', '')}-aarch64-linux-gnu.so")
        assert found["elf_machine"] == EM_AARCH64, (name, path)
    # Nothing of this machine's Python leaked in: every module from the root, the site or
    # pacer's source.
    homes = (pi.root, pi.site, REPO / "device", REPO / "tests" / "firmware")
    strays = [p for p in probe["loaded_from"] if not any(Path(p).is_relative_to(h) for h in homes)]
    assert not strays, strays
    assert any(Path(p).is_relative_to(pi.root / "usr/lib") for p in probe["loaded_from"])


def test_every_screen_on_aarch64_is_its_golden_image(probe: dict[str, Any]) -> None:
    """Pillow's aarch64 build (FreeType, Raqm with the root's libfribidi) through luma's
    dummy device draws each example screen pixel for pixel as tests/golden has it."""
    screens = probe["screens"]
    assert len(screens) == len(list((REPO / "tests" / "golden").glob("*.png")))
    assert {name: n for name, n in screens.items() if n} == {}


def test_ble_notification_and_data_libraries_agree_with_this_machine(
    probe: dict[str, Any],
) -> None:
    """dbus-fast's compiled marshaller and pacer's decoder, yaml's C loader, cbor2's C
    encoder: the same bytes and values on aarch64 as here."""
    ble = probe["ble"]
    assert ble["member"] == "PropertiesChanged"
    assert ble["value"] == aarch64_probe.HR_VALUE.hex()
    assert ble["hr"] == (
        "HeartRateSample(t=12.5, bpm=85, contact=True, rr_s=(0.0322265625,), energy_kj=50)"
    )
    assert ble == aarch64_probe.ble()
    data = probe["data"]
    assert data["yaml_with_libyaml"] is True
    assert data["yaml_c_equals_python"] is True
    assert data["cbor2_dumps"] == "builtin_function_or_method"
    assert data == json.loads(json.dumps(aarch64_probe.data()))


def test_lgpio_runs_its_c_library_on_aarch64(probe: dict[str, Any]) -> None:
    # no /dev/gpiochip0 on this machine: lgpio's C code answers with its own error
    assert probe["lgpio_chip"] == "lgpio.error: 'can not open gpiochip'"
