"""systemd units, shell scripts, install.sh, the USB gadget script and the D-Bus policy.

Everything runs for real against scratch directories: ``install.sh --root`` into a fake
Raspberry Pi OS root, ``systemd-analyze verify --root`` on the units it installed, the
gadget script against a scratch configfs tree, dbus-daemon loading the policy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO, require_tool

FIRMWARE = REPO / "firmware"
INSTALL = FIRMWARE / "install.sh"
GADGET = FIRMWARE / "gadget" / "pacer-gadget"

# A Raspberry Pi OS Lite (Bookworm) boot partition as it comes out of rpi-imager.
PI_CONFIG_TXT = """\
# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Uncomment some or all of these to enable the optional hardware interfaces
#dtparam=i2c_arm=on
#dtparam=i2s=on
#dtparam=spi=on

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Automatically load overlays for detected cameras
camera_auto_detect=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
otg_mode=1

[all]
"""
PI_CMDLINE = (
    "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 "
    "fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n"
)
DPKG_STATUS = """\
Package: python3
Status: install ok installed
Version: 3.11.2-1+b1

Package: bluez
Status: deinstall ok config-files
Version: 5.66-1

Package: i2c-tools
Status: install ok installed
Version: 4.3-2+b3
"""


# The boot fragment's settings, in order (docs/hardware.md and docs/power.md explain each).
BOOT_SETTINGS = [
    "dtparam=i2c_arm=on",
    "dtparam=i2c_arm_baudrate=400000",
    "dtoverlay=dwc2,dr_mode=peripheral",
    "dtparam=audio=off",
    "dtparam=act_led_trigger=none",
    "dtparam=act_led_activelow=on",
    "arm_freq=600",
]


def make_pi_root(root: Path) -> Path:
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "config.txt").write_text(PI_CONFIG_TXT)
    (root / "boot" / "firmware" / "cmdline.txt").write_text(PI_CMDLINE)
    (root / "etc").mkdir()
    (root / "etc" / "group").write_text("root:x:0:\ndialout:x:20:\ngpio:x:997:\n")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc" / "fstab").write_text("proc /proc proc defaults 0 0\n")
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "status").write_text(DPKG_STATUS)
    return root


Snapshot = dict[str, tuple[object, ...]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under root: content hash, mode and mtime (files), target (links)."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", st.st_mode)
            else:
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
                out[rel] = ("file", digest, st.st_mode, st.st_mtime_ns)
    return out


def install(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(INSTALL), *map(str, args)], capture_output=True, text=True, timeout=60
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def pending_commands(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if "run inside the image" in line:
            return [x.strip() for x in lines[i + 1 :]]
    return []


# ----------------------------------------------------------------------------- install.sh


def test_dry_run_changes_nothing_and_prints_the_plan(tmp_path: Path) -> None:
    root = make_pi_root(tmp_path / "root")
    before = snapshot(root)
    out = install("--root", root, "--dry-run").stdout
    assert snapshot(root) == before
    for line in [
        "would install /etc/systemd/system/pacer.service (mode 0644)",
        "would install /etc/systemd/system/pacer-gadget.service (mode 0644)",
        "would link /etc/systemd/system/multi-user.target.wants/pacer.service",
        "would install /opt/pacer/bin/pacer-gadget (mode 0755)",
        "would install /etc/udev/rules.d/90-pacer-device.rules (mode 0644)",
        "would install /etc/dbus-1/system.d/pacer.conf (mode 0644)",
        "would install /etc/polkit-1/rules.d/50-pacer.rules (mode 0644)",
        "would edit /boot/firmware/config.txt",
        "would edit /boot/firmware/cmdline.txt: modules-load=dwc2, HDMI off",
        "would copy the source into /opt/pacer/src/",
        "(dry run: nothing changed)",
    ]:
        assert line in out, line
    cmds = pending_commands(out)
    # Only what the image lacks: python3 and i2c-tools are installed, bluez only has its
    # config files left, the gpio group exists, the others do not.
    apt = next(c for c in cmds if "apt-get install" in c)
    assert "bluez" in apt
    assert "polkitd" in apt
    assert "rfkill" in apt
    assert " python3 " not in apt
    assert "i2c-tools" not in apt
    # Raspberry Pi OS's own package: no apt lists in this image yet, so the command asks
    # the archive after apt-get update and skips it with a note where it is missing.
    assert "python3-lgpio" not in apt
    lgpio = next(c for c in cmds if "python3-lgpio" in c)
    assert lgpio.startswith("if apt-cache show python3-lgpio >/dev/null 2>&1; then")
    assert "only in the Raspberry Pi OS archive: skipped" in lgpio
    assert "groupadd --system i2c" in cmds
    assert "groupadd --system bluetooth" in cmds
    assert "groupadd --system gpio" not in cmds
    assert any(c.startswith("useradd --system --user-group") and c.endswith(" pacer") for c in cmds)
    assert "usermod --append --groups gpio,i2c,bluetooth,dialout pacer" in cmds
    assert "python3 -m venv --system-site-packages /opt/pacer/venv" in cmds
    assert any("/opt/pacer/venv/bin/pip install" in c and "/opt/pacer/src[pi]" in c for c in cmds)


def test_install_into_a_scratch_root_then_again_changes_nothing(tmp_path: Path) -> None:
    root = make_pi_root(tmp_path / "root")
    first = install("--root", root).stdout
    assert "pacer install: 0 changes" not in first

    etc = root / "etc"
    expected = {
        etc / "systemd/system/pacer.service": REPO / "systemd/pacer.service",
        etc / "systemd/system/pacer-gadget.service": REPO / "systemd/pacer-gadget.service",
        etc / "udev/rules.d/90-pacer-device.rules": FIRMWARE / "udev/90-pacer-device.rules",
        etc / "dbus-1/system.d/pacer.conf": FIRMWARE / "dbus/pacer.conf",
        etc / "polkit-1/rules.d/50-pacer.rules": FIRMWARE / "polkit/50-pacer.rules",
        etc / "modules-load.d/pacer.conf": FIRMWARE / "etc/modules-load.conf",
        etc / "pacer/config.toml": FIRMWARE / "etc/config.toml",
        root / "opt/pacer/bin/pacer-gadget": GADGET,
        root / "opt/pacer/src/firmware/install.sh": INSTALL,
        root / "opt/pacer/src/device/pacer/daemon/sdnotify.py": (
            REPO / "device/pacer/daemon/sdnotify.py"
        ),
        root / "opt/pacer/src/pyproject.toml": REPO / "pyproject.toml",
    }
    for installed, source in expected.items():
        assert installed.read_bytes() == source.read_bytes(), installed
    assert os.access(root / "opt/pacer/bin/pacer-gadget", os.X_OK)
    for unit in ("pacer.service", "pacer-gadget.service"):
        link = etc / "systemd/system/multi-user.target.wants" / unit
        assert os.readlink(link) == f"/etc/systemd/system/{unit}"
    assert (root / "var/lib/pacer").is_dir()
    assert not list(root.rglob("__pycache__"))

    config = (root / "boot/firmware/config.txt").read_text()
    assert config.startswith(PI_CONFIG_TXT)  # the image's own lines untouched
    block = config[len(PI_CONFIG_TXT) :]
    assert block.count("# >>> pacer") == 1
    assert block.count("# <<< pacer") == 1
    active = [ln for ln in block.splitlines() if ln and not ln.startswith("#")]
    assert active == ["[all]", *BOOT_SETTINGS]
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline == PI_CMDLINE.rstrip("\n") + " modules-load=dwc2 video=HDMI-A-1:d\n"

    before = snapshot(root)
    time.sleep(0.01)  # a rewrite, even with the same bytes, would move an mtime
    second = install("--root", root).stdout
    assert "pacer install: 0 changes" in second
    assert snapshot(root) == before
    # The commands only the image can run are still listed: nothing ran them.
    assert "python3 -m venv --system-site-packages /opt/pacer/venv" in pending_commands(second)


def test_reinstall_repairs_edits_but_keeps_the_users_config(tmp_path: Path) -> None:
    root = make_pi_root(tmp_path / "root")
    boot = root / "boot/firmware"
    (boot / "cmdline.txt").write_text(PI_CMDLINE.replace("quiet", "quiet modules-load=i2c-dev"))
    install("--root", root)
    assert "modules-load=i2c-dev,dwc2 " in (boot / "cmdline.txt").read_text()

    config = boot / "config.txt"
    config.write_text(
        config.read_text().replace("i2c_arm_baudrate=400000", "i2c_arm_baudrate=100000")
        + "dtparam=spi=on\n"
    )
    user_config = root / "etc/pacer/config.toml"
    user_config.write_text("[display]\naddress = 0x3D\n")
    stale = root / "opt/pacer/src/device/pacer/removed_module.py"
    stale.write_text("")

    out = install("--root", root).stdout
    assert "edit /boot/firmware/config.txt" in out
    assert "remove /opt/pacer/src/device/pacer/removed_module.py" in out
    text = config.read_text()
    assert "i2c_arm_baudrate=400000" in text
    assert "i2c_arm_baudrate=100000" not in text
    assert text.count("# >>> pacer") == 1
    assert text.endswith("# <<< pacer\ndtparam=spi=on\n")  # the user's later line stays
    assert user_config.read_text() == "[display]\naddress = 0x3D\n"
    assert not stale.exists()
    assert "pacer install: 0 changes" in install("--root", root).stdout


def test_readonly_root_mounts_the_data_partition_and_asks_for_overlayfs(tmp_path: Path) -> None:
    root = make_pi_root(tmp_path / "root")
    out = install("--root", root, "--readonly-root").stdout
    fstab = (root / "etc/fstab").read_text().splitlines()
    mount = (
        "LABEL=pacer-data /var/lib/pacer ext4 "
        "defaults,noatime,nofail,x-systemd.device-timeout=10s 0 2"
    )
    assert fstab == ["proc /proc proc defaults 0 0", mount]
    assert "raspi-config nonint do_overlayfs 0" in pending_commands(out)
    # raspi-config puts overlayroot= on the kernel command line once it is on.
    cmdline = root / "boot/firmware/cmdline.txt"
    cmdline.write_text("overlayroot=tmpfs " + cmdline.read_text())
    again = install("--root", root, "--readonly-root").stdout
    assert "pacer install: 0 changes" in again
    assert "raspi-config nonint do_overlayfs 0" not in pending_commands(again)
    assert (root / "etc/fstab").read_text().splitlines().count(mount) == 1


def test_chroot_dry_run_lists_the_commands_it_would_run(tmp_path: Path) -> None:
    root = make_pi_root(tmp_path / "root")
    before = snapshot(root)
    out = install("--root", root, "--chroot", "--dry-run").stdout
    assert "chroot mode" in out
    assert "would run: python3 -m venv --system-site-packages /opt/pacer/venv" in out
    assert "run inside the image" not in out
    assert snapshot(root) == before


def test_a_root_without_raspberry_pi_boot_files_gets_no_config_txt(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    out = install("--root", root).stdout
    assert "note: no /boot/firmware/config.txt (not a Raspberry Pi OS root?)" in out
    assert "  dtoverlay=dwc2,dr_mode=peripheral" in out
    assert not (root / "boot").exists()
    assert (root / "etc/systemd/system/pacer.service").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root", "/nonexistent/pacer"], "is not a directory"),
        (["--chroot", "--dry-run"], "--chroot needs --root DIR"),
        (["--frobnicate"], "unknown option --frobnicate"),
    ],
)
def test_install_refuses_bad_arguments(args: list[str], message: str) -> None:
    result = install(*args, check=False)
    assert result.returncode == 2
    assert message in result.stderr


def test_install_help_documents_every_option() -> None:
    out = install("--help").stdout
    for option in ("--root", "--chroot", "--dry-run", "--readonly-root", "--no-packages"):
        assert option in out


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


# ----------------------------------------------------------------------------- power


def test_unused_services_are_disabled_where_present_and_reversibly(tmp_path: Path) -> None:
    """The symlinks `systemctl disable` would remove, and only those; absent units and
    other units untouched; a second run changes nothing."""
    root = make_pi_root(tmp_path / "root")
    lib = root / "usr/lib/systemd/system"
    lib.mkdir(parents=True)
    etc = root / "etc/systemd/system"
    links = {
        "multi-user.target.wants/triggerhappy.service": "/lib/systemd/system/triggerhappy.service",
        "sockets.target.wants/triggerhappy.socket": "/lib/systemd/system/triggerhappy.socket",
        "multi-user.target.wants/ModemManager.service": "/lib/systemd/system/ModemManager.service",
        "dbus-org.freedesktop.ModemManager1.service": "/lib/systemd/system/ModemManager.service",
        "timers.target.wants/apt-daily.timer": "/lib/systemd/system/apt-daily.timer",
        "timers.target.wants/fstrim.timer": "/lib/systemd/system/fstrim.timer",
        "multi-user.target.wants/avahi-daemon.service": "/lib/systemd/system/avahi-daemon.service",
        "multi-user.target.wants/hciuart.service": "/lib/systemd/system/hciuart.service",
    }
    for name in ("triggerhappy.service", "triggerhappy.socket", "ModemManager.service"):
        (lib / name).write_text("[Unit]\n")
    (lib / "apt-daily.timer").write_text("[Unit]\n")
    for name in ("fstrim.timer", "avahi-daemon.service", "hciuart.service"):
        (lib / name).write_text("[Unit]\n")
    for link, to in links.items():
        (etc / link).parent.mkdir(parents=True, exist_ok=True)
        (etc / link).symlink_to(to)
    # man-db.timer is enabled but its unit file is gone: not this installer's business.
    (etc / "timers.target.wants/man-db.timer").symlink_to("/lib/systemd/system/man-db.timer")

    dry = install("--root", root, "--dry-run").stdout
    assert (
        "would disable apt-daily.timer: remove /etc/systemd/system/timers.target.wants/"
        "apt-daily.timer (undo: systemctl enable apt-daily.timer)"
    ) in dry
    out = install("--root", root).stdout
    for gone in (
        "multi-user.target.wants/triggerhappy.service",
        "sockets.target.wants/triggerhappy.socket",
        "multi-user.target.wants/ModemManager.service",
        "dbus-org.freedesktop.ModemManager1.service",
        "timers.target.wants/apt-daily.timer",
    ):
        assert not (etc / gone).is_symlink(), gone
        assert f"remove /etc/systemd/system/{gone}" in out
    for kept in (
        "timers.target.wants/fstrim.timer",
        "multi-user.target.wants/avahi-daemon.service",  # Wi-Fi updates reach pacer.local
        "multi-user.target.wants/hciuart.service",  # Bluetooth on the Zero 2 W's UART
        "timers.target.wants/man-db.timer",
    ):
        assert (etc / kept).is_symlink(), kept
    for unit in ("triggerhappy.service", "apt-daily.timer"):
        assert (lib / unit).is_file(), "disabled, not deleted"
    assert "pacer install: 0 changes" in install("--root", root).stdout


def test_pi_os_only_package_is_skipped_when_the_archive_lacks_it(tmp_path: Path) -> None:
    """A root whose apt lists are there (apt-get update ran) and lack python3-lgpio: a
    note, no command; with the package in the lists it is installed."""
    root = make_pi_root(tmp_path / "root")
    lists = root / "var/lib/apt/lists"
    lists.mkdir(parents=True)
    debian = lists / "deb.debian.org_debian_dists_bookworm_main_binary-arm64_Packages"
    debian.write_text("Package: bluez\nVersion: 5.66-1\n\nPackage: python3-lgpio-doc\n")
    out = install("--root", root).stdout
    note = "note: python3-lgpio is only in the Raspberry Pi OS archive: skipped"
    assert any(line.startswith(note) for line in out.splitlines())
    assert not any("python3-lgpio" in c for c in pending_commands(out))

    pi = lists / "archive.raspberrypi.com_debian_dists_bookworm_main_binary-arm64_Packages"
    pi.write_text("Package: python3-lgpio\nVersion: 0.2.2-1~rpt1\n")
    out = install("--root", root).stdout
    assert not any(line.startswith(note) for line in out.splitlines())
    assert any("python3-lgpio" in c for c in pending_commands(out))


POLKIT_RULE = FIRMWARE / "polkit/50-pacer.rules"
POWER_OFF_ACTIONS = (
    "org.freedesktop.login1.power-off",
    "org.freedesktop.login1.power-off-multiple-sessions",
)


def test_polkit_rule_is_well_formed_and_names_the_actions_and_user() -> None:
    """Structure (always): one polkit.addRule, balanced brackets outside strings and
    comments, ES5 only (polkitd's duktape), the two action ids and the pacer user."""
    text = POLKIT_RULE.read_text()
    code = re.sub(r"//[^\n]*", "", text)
    strings = re.findall(r'"([^"\\]*)"', code)
    bare = re.sub(r'"[^"\\]*"', '""', code)
    assert bare.count("polkit.addRule(") == 1
    for open_, close in ("()", "{}", "[]"):
        depth = 0
        for ch in bare:
            depth += (ch == open_) - (ch == close)
            assert depth >= 0, open_
        assert depth == 0, open_
    for es6 in ("=>", "let ", "const ", "`"):
        assert es6 not in bare, es6
    assert set(POWER_OFF_ACTIONS) <= set(strings)
    assert "pacer" in strings
    assert "subject.user ===" in bare
    assert "polkit.Result.YES" in bare
    assert not any(s.startswith("org.") and s not in POWER_OFF_ACTIONS for s in strings)


# Loads the rule the way polkitd does (a global `polkit` with addRule and Result) and asks
# it about subjects and actions given as JSON on argv; prints each answer.
POLKIT_HARNESS = """
const fs = require("fs"), vm = require("vm");
const rules = [];
const polkit = {Result: {YES: "yes", NO: "no", AUTH_ADMIN: "auth_admin",
                         NOT_HANDLED: null}, addRule: (f) => rules.push(f),
                log: () => {}};
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), {polkit});
for (const [user, id] of JSON.parse(process.argv[3])) {
  let answer = null;
  for (const rule of rules) {
    const r = rule({id: id}, {user: user, active: false, local: false});
    if (r !== undefined && r !== null) { answer = r; break; }
  }
  console.log(answer === null ? "not-handled" : answer);
}
"""


def test_polkit_rule_answers_yes_only_for_pacer_powering_off(tmp_path: Path) -> None:
    """The rule run for real in node (a JavaScript engine like polkitd's); skips where node
    is not installed (CI has the structural check above)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed: the structural check covers the rule")

    def syntax_ok(text: str) -> bool:
        script = tmp_path / "rule.js"  # node picks the parser by the file's extension
        script.write_text(text)
        check = subprocess.run([node, "--check", str(script)], capture_output=True, timeout=30)
        return check.returncode == 0

    assert syntax_ok(POLKIT_RULE.read_text())
    cases = [
        ["pacer", POWER_OFF_ACTIONS[0]],
        ["pacer", POWER_OFF_ACTIONS[1]],
        ["pacer", "org.freedesktop.login1.reboot"],
        ["pacer", "org.freedesktop.login1.power-off-ignore-inhibit"],
        ["pi", POWER_OFF_ACTIONS[0]],
        ["pacer-admin", POWER_OFF_ACTIONS[1]],
    ]
    harness = tmp_path / "harness.js"
    harness.write_text(POLKIT_HARNESS)

    run = subprocess.run(
        [node, str(harness), str(POLKIT_RULE), json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["yes", "yes", *["not-handled"] * 4]
    assert not syntax_ok(POLKIT_RULE.read_text().replace("});", "}")), "a broken rule fails"


def test_rfkill_belongs_to_the_pacer_group() -> None:
    rule = (FIRMWARE / "udev/90-pacer-device.rules").read_text()
    assert 'KERNEL=="rfkill", SUBSYSTEM=="misc", GROUP="pacer", MODE="0664"' in rule
    u = _unit(REPO / "systemd/pacer.service")
    assert u["Group"] == ["pacer"]
    assert "/dev/rfkill rw" in u["DeviceAllow"]
