"""A scratch Raspberry Pi OS (Bookworm) root for firmware/install.sh: stands in for the Pi's
filesystem as rpi-imager writes it (config.txt, cmdline.txt, dpkg status), plus how a test
runs the installer into it and snapshots what it changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.support.paths import REPO

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
