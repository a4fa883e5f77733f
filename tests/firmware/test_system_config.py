"""The system files pacer installs, checked by the real tools: systemd units
(``systemd-analyze verify``), shell scripts (ShellCheck), the USB gadget script against a
scratch configfs tree, udev rules, the D-Bus policy (dbus-daemon loads it), the boot fragment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO, require_tool
from tests.support.pi_root import BOOT_SETTINGS, FIRMWARE, GADGET, install, make_pi_root

# ----------------------------------------------------------------------------- systemd


def _unit(path: Path) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


@pytest.fixture
def verify_root(tmp_path: Path) -> Path:
    """A scratch root with the units as install.sh puts them, for verify --root.

    ``systemd-analyze verify`` checks that ExecStart= binaries exist and loads the units
    they depend on. With ``--root`` it looks for both inside the scratch root, so the
    units are verified exactly as installed (real ExecStart= paths) without touching this
    machine: install.sh supplies the gadget script, the venv's ``pacer`` (made in the
    image by pip) is a stub, and systemd's own units are copied from this machine.
    """
    root = make_pi_root(tmp_path / "root")
    install("--root", root)
    stub = root / "opt/pacer/venv/bin/pacer"
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    system_units = next(
        p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")) if p.is_dir()
    )
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    return root


def systemd_verify(root: Path, *units: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("systemd-analyze")
    return subprocess.run(
        [tool, "verify", "--man=no", f"--root={root}", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )


def test_units_pass_systemd_analyze_verify(verify_root: Path) -> None:
    units = verify_root / "etc/systemd/system"
    names = ("pacer.service", "pacer-gadget.service", "pacer-sync.service", "pacer-sync.timer")
    result = systemd_verify(verify_root, *(units / name for name in names))
    assert result.returncode == 0
    assert result.stdout + result.stderr == ""


def test_verify_would_catch_a_broken_unit(verify_root: Path) -> None:
    """The check above can fail: a typo'd key and a bad value are reported."""
    units = verify_root / "etc/systemd/system"
    text = (units / "pacer.service").read_text()
    (units / "pacer.service").write_text(
        text.replace("WatchdogSec=10s", "WatchdogSec=soon\nProtectSystm=strict")
    )
    (verify_root / "opt/pacer/venv/bin/pacer").unlink()
    result = systemd_verify(verify_root, units / "pacer.service")
    output = result.stdout + result.stderr
    assert "Failed to parse sec value" in output
    assert "Unknown key 'ProtectSystm'" in output
    assert "/opt/pacer/venv/bin/pacer is not executable" in output


def test_pacer_service_contract() -> None:
    u = _unit(REPO / "systemd/pacer.service")
    assert u["Type"] == ["notify"]
    assert u["ExecStart"] == ["/opt/pacer/venv/bin/pacer run --config /etc/pacer/config.toml"]
    assert u["Restart"] == ["on-failure"]
    assert u["WatchdogSec"]
    # Bluetooth is wanted but not waited for: the BLE task comes after the first frame.
    assert "bluetooth.service" not in u["After"][0].split()
    assert "bluetooth.service" in u["Wants"][0].split()
    assert not any("network" in v for k in ("After", "Wants", "Requires") for v in u.get(k, []))
    assert u["User"] == ["pacer"]
    assert set(u["SupplementaryGroups"][0].split()) == {"gpio", "i2c", "bluetooth", "dialout"}
    assert u["StateDirectory"] == ["pacer"]
    # lgpio's notify FIFOs need a writable working directory even on a read-only root.
    assert u["RuntimeDirectory"] == ["pacer"]
    assert u["WorkingDirectory"] == ["/run/pacer"]
    assert "LG_WD=/run/pacer" in u["Environment"]
    # Hardening that would cut off GPIO, I2C or the gadget tty must not be there.
    assert "PrivateDevices" not in u
    assert "ProtectClock" not in u
    assert u["ProtectSystem"] == ["strict"]
    assert sorted(u["DeviceAllow"]) == [
        "/dev/rfkill rw",
        "char-gpiochip rw",
        "char-i2c rw",
        "char-ttyGS rw",
    ]
    assert u["DevicePolicy"] == ["closed"]
    gadget = _unit(REPO / "systemd/pacer-gadget.service")
    assert gadget["ExecStart"] == ["/opt/pacer/bin/pacer-gadget up"]
    assert gadget["ConditionDirectoryNotEmpty"] == ["/sys/class/udc"]


def test_pacer_sync_units_contract(tmp_path: Path) -> None:
    """The device's own sync: as the pacer user, hardened like pacer.service and tighter,
    never pulling a network up or switching Wi-Fi on, on a timer install.sh enables."""
    u = _unit(REPO / "systemd/pacer-sync.service")
    daemon = _unit(REPO / "systemd/pacer.service")
    assert u["Type"] == ["oneshot"]
    assert u["ExecStart"] == ["/opt/pacer/venv/bin/pacer sync device --wait 10m"]
    assert (u["User"], u["Group"]) == (["pacer"], ["pacer"])
    assert u["StateDirectory"] == daemon["StateDirectory"]
    assert "PACER_RUNTIME_DIR=/run/pacer" in u["Environment"]
    assert daemon["RuntimeDirectory"] == ["pacer"]
    assert "RuntimeDirectory" not in u, "it would remove the daemon's /run/pacer on exit"
    assert u["ConditionPathExists"] == ["/var/lib/pacer/sync-credentials.json"]
    # never waits for or pulls in a network, never wakes Wi-Fi: no rfkill, no devices
    assert not any("network" in v for k in ("After", "Wants", "Requires") for v in u.get(k, []))
    assert "Wants" not in u
    assert "DeviceAllow" not in u
    assert u["PrivateDevices"] == ["yes"]
    # every hardening key of pacer.service is here too, with the same value, except what
    # the daemon needs for its devices and its loopback-only network
    for key, value in daemon.items():
        if key in {"DeviceAllow", "RestrictAddressFamilies", "IPAddressDeny", "IPAddressAllow"}:
            continue
        if key.startswith(("Protect", "Restrict", "SystemCall", "NoNew", "Lock")) or key in {
            "CapabilityBoundingSet",
            "AmbientCapabilities",
            "DevicePolicy",
            "PrivateTmp",
        }:
            assert u.get(key) == value, key
    assert "AF_BLUETOOTH" not in u["RestrictAddressFamilies"][0]

    timer = _unit(REPO / "systemd/pacer-sync.timer")
    assert timer["OnUnitInactiveSec"] == ["15min"]
    assert timer["WantedBy"] == ["timers.target"]
    root = make_pi_root(tmp_path / "root")
    install("--root", root)
    link = root / "etc/systemd/system/timers.target.wants/pacer-sync.timer"
    assert os.readlink(link) == "/etc/systemd/system/pacer-sync.timer"
    assert (root / "etc/systemd/system/pacer-sync.service").read_text() == (
        REPO / "systemd/pacer-sync.service"
    ).read_text()
    assert not (root / "etc/systemd/system/multi-user.target.wants/pacer-sync.service").exists()


# ----------------------------------------------------------------------------- shellcheck


def shell_scripts() -> list[Path]:
    """Every shell script in firmware/ (by shebang or shellcheck directive), ./dev, .ci/run."""
    found = []
    for p in sorted(FIRMWARE.rglob("*")):
        if not p.is_file():
            continue
        head = p.read_bytes()[:200].decode(errors="replace")
        if re.match(r"#!\s*/(usr/)?bin/(env )?(ba)?sh\b", head) or "# shellcheck shell=" in head:
            found.append(p)
    return [*found, REPO / "dev", REPO / ".ci" / "run"]


def test_shellcheck_is_clean() -> None:
    tool = require_tool("shellcheck")
    scripts = shell_scripts()
    names = {str(p.relative_to(REPO)) for p in scripts}
    assert {
        "firmware/install.sh",
        "firmware/gadget/pacer-gadget",
        "firmware/image/stage-pacer/prerun.sh",
        "firmware/image/stage-pacer/00-pacer/00-run.sh",
        "firmware/image/stage-pacer/EXPORT_IMAGE",
        "dev",
        ".ci/run",
    } <= names
    result = subprocess.run(
        [tool, "--external-sources", *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
    for p in scripts:
        if p.suffix == ".sh" or p.name in {"pacer-gadget", "dev", "run"}:
            assert "set -euo pipefail" in p.read_text() or "#!/bin/bash -e" in p.read_text(), p


# ----------------------------------------------------------------------------- USB gadget


def gadget(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PACER_CONFIGFS": str(tmp / "configfs"),
        "PACER_UDC_DIR": str(tmp / "udc"),
        "PACER_SERIAL_FILE": str(tmp / "serial-number"),
    }
    return subprocess.run(
        ["bash", str(GADGET), *args], capture_output=True, text=True, env=env, timeout=30
    )


def test_gadget_builds_the_configfs_tree_and_binds(tmp_path: Path) -> None:
    """A plain directory stands in for configfs (no USB device controller here)."""
    (tmp_path / "configfs/usb_gadget").mkdir(parents=True)
    (tmp_path / "udc/20980000.usb").mkdir(parents=True)
    (tmp_path / "serial-number").write_bytes(b"00000000a1b2c3d4\0")
    assert gadget(tmp_path, "status").stdout == "not configured\n"

    up = gadget(tmp_path, "up")
    assert up.returncode == 0, up.stderr
    g = tmp_path / "configfs/usb_gadget/pacer"

    def attr(rel: str) -> str:
        return (g / rel).read_text().strip()

    assert attr("idVendor") == "0x1d6b"
    assert attr("idProduct") == "0x0104"
    assert attr("strings/0x409/product") == "pacer"
    assert attr("strings/0x409/manufacturer") == "pacer project"
    assert attr("strings/0x409/serialnumber") == "00000000a1b2c3d4"
    assert (g / "functions/acm.usb0").is_dir()
    assert os.readlink(g / "configs/c.1/acm.usb0") == str(g / "functions/acm.usb0")
    assert attr("UDC") == "20980000.usb"

    again = gadget(tmp_path, "up")
    assert again.returncode == 0
    assert "already bound to 20980000.usb" in again.stdout
    assert gadget(tmp_path, "status").stdout == "bound to 20980000.usb\n"


def test_gadget_without_a_usb_device_controller_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "configfs/usb_gadget").mkdir(parents=True)
    (tmp_path / "udc").mkdir()
    result = gadget(tmp_path, "up")
    assert result.returncode == 1
    assert "dtoverlay=dwc2,dr_mode=peripheral" in result.stderr
    assert gadget(tmp_path, "bogus").returncode == 2


def test_host_udev_rule_matches_what_the_gadget_announces() -> None:
    script = GADGET.read_text()
    vendor = re.search(r"^VENDOR_ID=0x(\w+)$", script, re.M)
    product = re.search(r"^PRODUCT_ID=0x(\w+)$", script, re.M)
    name = re.search(r'^PRODUCT="(\w+)"$', script, re.M)
    assert vendor
    assert product
    assert name
    rule = (FIRMWARE / "udev/99-pacer.rules").read_text()
    assert f'ATTRS{{idVendor}}=="{vendor[1]}"' in rule
    assert f'ATTRS{{idProduct}}=="{product[1]}"' in rule
    assert f'ATTRS{{product}}=="{name[1]}"' in rule
    assert 'SYMLINK+="pacer"' in rule
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in rule


@pytest.mark.parametrize("rules", ["99-pacer.rules", "90-pacer-device.rules"])
def test_udev_rules_are_well_formed(rules: str) -> None:
    pair = re.compile(r'^[A-Z_]+(\{[^}]+\})?(==|!=|\+=|:=|=)"[^"]*"$')
    lines = [
        ln
        for ln in (FIRMWARE / "udev" / rules).read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines
    for line in lines:
        for item in line.split(", "):
            assert pair.match(item), (line, item)


# ----------------------------------------------------------------------------- D-Bus


def test_dbus_daemon_loads_the_policy(tmp_path: Path) -> None:
    tool = require_tool("dbus-daemon")
    policy = FIRMWARE / "dbus/pacer.conf"
    assert 'policy user="pacer"' in policy.read_text()
    assert '<allow send_destination="org.bluez"/>' in policy.read_text()

    def start(include: Path) -> subprocess.CompletedProcess[str] | str:
        conf = tmp_path / "bus.conf"
        conf.write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"\n'
            ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            f"<busconfig><type>session</type><listen>unix:path={tmp_path}/bus</listen>"
            '<policy context="default"><allow user="*"/></policy>'
            f"<include>{include}</include></busconfig>\n"
        )
        proc = subprocess.Popen(
            [tool, f"--config-file={conf}", "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            address = proc.stdout.readline()
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=10)
        return address if address else err

    assert start(policy).startswith(f"unix:path={tmp_path}/bus")
    broken = tmp_path / "broken.conf"
    broken.write_text(policy.read_text().replace("</policy>", "</polcy>"))
    assert "mismatched tag" in str(start(broken))


def test_boot_fragment() -> None:
    text = (FIRMWARE / "boot/config.txt.fragment").read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert lines == BOOT_SETTINGS
    # Every power setting says how to undo it, in the fragment or in docs/power.md.
    power = (REPO / "docs/power.md").read_text()
    for setting in BOOT_SETTINGS[3:]:
        assert f"`{setting}`" in power, setting


def test_rfkill_belongs_to_the_pacer_group() -> None:
    rule = (FIRMWARE / "udev/90-pacer-device.rules").read_text()
    assert 'KERNEL=="rfkill", SUBSYSTEM=="misc", GROUP="pacer", MODE="0664"' in rule
    u = _unit(REPO / "systemd/pacer.service")
    assert u["Group"] == ["pacer"]
    assert "/dev/rfkill rw" in u["DeviceAllow"]
