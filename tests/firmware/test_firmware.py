"""install.sh into scratch Raspberry Pi OS roots (dry run, real run, again, repair, a read-only
root, chroot) and the power-saving part of it (services, polkit, rfkill)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.pi_root import (
    BOOT_SETTINGS,
    FIRMWARE,
    GADGET,
    INSTALL,
    PI_CMDLINE,
    PI_CONFIG_TXT,
    install,
    make_pi_root,
    pending_commands,
    snapshot,
)

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
