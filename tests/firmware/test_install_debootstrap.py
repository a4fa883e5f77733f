"""A real install: ``firmware/install.sh --root ROOT --chroot`` into a Debian bookworm root.

Raspberry Pi OS Lite is Debian bookworm underneath, so a bookworm root built by debootstrap
(this machine's own architecture: chroot runs its programs natively) runs every command
install.sh runs on a Pi: apt-get, groupadd/useradd/usermod, the venv and pip install of
pacer from the copied source tree. Then, inside that root, the installed pacer: ``--version``,
``validate`` on the examples, ``run --hardware sim --headless`` as the ``pacer`` user up to
READY=1 on a notify socket this test owns, and ``systemd-analyze verify`` of the units.

Caches, in ``.cache/`` (ignored by git; a CI clone starts without it): the debootstrap root
with its apt lists as a tarball in ``.cache/debootstrap/``, the downloaded .deb files in
``.cache/apt-archives/`` and pip's cache in ``.cache/pip/`` (both bind-mounted into the
root), and the root after a fresh install passed, keyed on install.sh, pyproject.toml and
this file: a warm run starts from that one and upgrades it (see the test's docstring).
Needs root (chroot, mount) and debootstrap: without them the test skips, under ``.ci/run``
(``PACER_REQUIRE_SYSTEM_TOOLS=1``) it fails.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.support.notify_socket import NotifySocket
from tests.support.paths import EXAMPLES, REPO, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

SUITE = "bookworm"
MIRROR = os.environ.get("PACER_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# minbase + what the test itself needs in the root: systemd (systemd-analyze; Raspberry Pi
# OS has it) and ca-certificates (pip over https). install.sh installs everything else.
INCLUDE = ("ca-certificates", "systemd")
CACHE = REPO / ".cache"
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def require_root() -> None:
    if os.geteuid() != 0:
        if os.environ.get("PACER_REQUIRE_SYSTEM_TOOLS"):
            pytest.fail("the debootstrap install test needs root (chroot, mount) in CI")
        pytest.skip("not root: chroot and mount need root")


def dpkg_arch() -> str:
    out = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def base_tarball() -> Path:
    """The cached debootstrap root (built on the first call: a few minutes, network)."""
    debootstrap = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if debootstrap is None:
        require_tool("debootstrap")  # skips, or fails in CI
        raise AssertionError("unreachable")
    arch = dpkg_arch()
    recipe = f"{SUITE} {arch} minbase {','.join(INCLUDE)} {MIRROR} apt-lists"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    folder = CACHE / "debootstrap"
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / f"{SUITE}-{arch}-{key}.tar"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions never build it at once
        if tarball.exists():
            return tarball
        build = folder / f"build-{key}"
        shutil.rmtree(build, ignore_errors=True)
        result = subprocess.run(
            [
                debootstrap,
                "--variant=minbase",
                f"--include={','.join(INCLUDE)}",
                f"--arch={arch}",
                SUITE,
                str(build),
                MIRROR,
            ],
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        # The package lists too: install.sh's own apt-get update then only revalidates them.
        (build / "etc/resolv.conf").write_bytes(Path("/etc/resolv.conf").read_bytes())
        update = subprocess.run(
            ["chroot", str(build), "apt-get", "update"],
            capture_output=True,
            text=True,
            timeout=600,
            env=chroot_env(),
        )
        assert update.returncode == 0, update.stdout[-3000:] + update.stderr[-3000:]
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(build), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
        shutil.rmtree(build)
    return tarball


def mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve())
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


@contextmanager
def mounted(root: Path) -> Iterator[None]:
    """/proc, /sys, /dev/pts and the download caches inside ``root``; always unmounted."""
    apt_cache = CACHE / "apt-archives"
    pip_cache = CACHE / "pip"
    (apt_cache / "partial").mkdir(parents=True, exist_ok=True)
    pip_cache.mkdir(parents=True, exist_ok=True)
    plan: list[list[str]] = [
        ["-t", "proc", "proc", str(root / "proc")],
        ["-t", "sysfs", "sysfs", str(root / "sys")],
        ["--bind", "/dev/pts", str(root / "dev/pts")],
        ["--bind", str(apt_cache), str(root / "var/cache/apt/archives")],
        ["--bind", str(pip_cache), str(root / "root/.cache/pip")],
    ]
    ca = host_ca_bundle()
    if ca is not None:
        shutil.copyfile(ca, root / HOST_CA.lstrip("/"))
    done: list[str] = []
    try:
        for args in plan:
            Path(args[-1]).mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)
            done.append(args[-1])
        yield
    finally:
        for point in reversed(done):
            if subprocess.run(["umount", point], capture_output=True).returncode != 0:
                subprocess.run(["umount", "--lazy", point], capture_output=True)
        assert not mounts_under(root), mounts_under(root)


@contextmanager
def scratch_root(base: Path, parent: Path) -> Iterator[Path]:
    """The cached root extracted into ``parent``; deleted afterwards (never while mounted)."""
    root = parent / "root"
    root.mkdir()
    subprocess.run(["tar", "-C", str(root), "-xf", str(base)], check=True, timeout=300)
    try:
        yield root
    finally:
        if not mounts_under(root):
            shutil.rmtree(root, ignore_errors=True)


HOST_CA = "/etc/ssl/pacer-test-host-ca.crt"  # in the root: this machine's CA bundle


def host_ca_bundle() -> Path | None:
    """The CA bundle this machine's pip trusts (``PIP_CERT`` or ``cert =`` in
    /etc/pip.conf), when it names one: an https proxy's own CA, say, that the root's
    ca-certificates does not have."""
    cert = os.environ.get("PIP_CERT")
    if not cert and Path("/etc/pip.conf").is_file():
        m = re.search(r"^\s*cert\s*=\s*(\S+)", Path("/etc/pip.conf").read_text(), re.M)
        cert = m[1] if m else None
    return Path(cert) if cert and Path(cert).is_file() else None


def chroot_env() -> dict[str, str]:
    """A clean environment for the root, with this machine's pip index settings when they
    point at a network index (a file:// index on this machine is not in the root) and its
    CA bundle (copied in by ``mounted``)."""
    env = {
        "PATH": CHROOT_PATH,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_DEFAULT_TIMEOUT": os.environ.get("PIP_DEFAULT_TIMEOUT", "120"),
    }
    if host_ca_bundle() is not None:
        env["PIP_CERT"] = HOST_CA
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "http_proxy", "https_proxy"):
        value = os.environ.get(key, "")
        urls = [u for u in value.split() if u.startswith(("http://", "https://"))]
        if urls:
            env[key] = " ".join(urls)
    return env


def install(root: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(REPO / "firmware/install.sh"), "--root", str(root), "--chroot"],
        capture_output=True,
        text=True,
        timeout=1500,
        env=chroot_env(),
    )
    assert result.returncode == 0, result.stdout[-5000:] + "\n" + result.stderr[-5000:]
    return result


def userspec(root: Path, user: str) -> str:
    """``--userspec=UID:GID`` of a user of the root (numbers: chroot(1) would look names up
    in this machine's /etc/passwd)."""
    for line in (root / "etc/passwd").read_text().splitlines():
        name, _, uid, gid, *_ = line.split(":")
        if name == user:
            return f"--userspec={uid}:{gid}"
    raise AssertionError(f"no user {user} in the root")


def in_root(
    root: Path, *cmd: str, user: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    spec = [userspec(root, user)] if user else []
    return subprocess.run(
        ["chroot", *spec, str(root), *cmd],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=chroot_env(),
    )


def changes(output: str) -> int:
    m = re.search(r"^pacer install: (\d+) changes$", output, re.M)
    assert m, output[-3000:]
    return int(m[1])


def installed_snapshot(base: Path) -> Path:
    """Where the root is kept after a fresh install passed every check: keyed on the base,
    install.sh, pyproject.toml (the dependencies) and this test."""
    digest = hashlib.sha256(base.name.encode())
    for f in (REPO / "firmware/install.sh", REPO / "pyproject.toml", Path(__file__)):
        digest.update(f.read_bytes())
    return base.parent / f"installed-{digest.hexdigest()[:12]}.tar"


def save_snapshot(root: Path, snapshot: Path) -> None:
    for old in snapshot.parent.glob("installed-*.tar"):
        old.unlink()
    partial = snapshot.with_suffix(".partial")
    subprocess.run(
        [
            *("tar", "-C", str(root), "-cf", str(partial)),
            *("--exclude=./tmp/*", "--exclude=./run/pacer-test", "."),
        ],
        check=True,
        timeout=600,
    )
    partial.rename(snapshot)


def test_install_sh_for_real_in_a_debian_root(tmp_path: Path) -> None:
    """Fresh: install.sh on the bare debootstrap root (every CI run: the clone has no
    .cache). Warm: on a root saved after a fresh install of the same install.sh and
    dependencies, so the run is an upgrade (the current source, pip install of pacer
    when it changed) and the checks after it are the same."""
    require_root()
    require_tool("chroot")
    t0 = time.monotonic()
    base = base_tarball()
    print(f"debootstrap root (cached in {base.parent}): {time.monotonic() - t0:.1f} s")
    snapshot = installed_snapshot(base)
    fresh = not snapshot.exists()
    with ExitStack() as stack:
        t0 = time.monotonic()
        root = stack.enter_context(scratch_root(base if fresh else snapshot, tmp_path))
        mounts = stack.enter_context(ExitStack())
        mounts.enter_context(mounted(root))
        print(f"extract and mount: {time.monotonic() - t0:.1f} s")

        started = time.monotonic()
        first = install(root)
        kind = "fresh install" if fresh else "upgrade of the saved install"
        print(f"install.sh --chroot, {kind}: {time.monotonic() - started:.1f} s")
        out = first.stdout
        if fresh:
            assert changes(out) > 0
            assert "run: apt-get update" in out
            assert "note: python3-lgpio is only in the Raspberry Pi OS archive: skipped" in out
            assert "run: useradd --system --user-group" in out
            assert "run: python3 -m venv --system-site-packages /opt/pacer/venv" in out
            assert "disable apt-daily.timer" in out
        else:
            assert "apt-get" not in out, out
            assert "useradd" not in out, out

        # Idempotent on a real system too: the second run finds everything in place.
        t0 = time.monotonic()
        again = install(root)
        assert changes(again.stdout) == 0, again.stdout
        print(f"install.sh again (0 changes): {time.monotonic() - t0:.1f} s")

        t0 = time.monotonic()
        check_installed_tree(root)
        check_cli(root)
        check_ready(root, tmp_path)
        check_units(root)
        print(f"checks inside the root: {time.monotonic() - t0:.1f} s")

        mounts.close()  # unmounted before the root is archived
        if fresh:
            t0 = time.monotonic()
            save_snapshot(root, snapshot)
            print(f"saved {snapshot.name}: {time.monotonic() - t0:.1f} s")


def check_installed_tree(root: Path) -> None:
    status = (root / "var/lib/dpkg/status").read_text()
    for pkg in (
        "python3-venv",
        "bluez",
        "i2c-tools",
        "polkitd",
        "rfkill",
        "libopenblas0",
        "libfribidi0",
    ):
        assert re.search(rf"^Package: {pkg}\nStatus: install ok installed$", status, re.M), pkg
    group = (root / "etc/group").read_text()
    for g in ("gpio", "i2c", "bluetooth", "dialout"):
        members = re.search(rf"^{g}:x:\d+:(.*)$", group, re.M)
        assert members, g
        assert "pacer" in members[1].split(","), g
    passwd = (root / "etc/passwd").read_text()
    assert re.search(r"^pacer:x:\d+:\d+::/var/lib/pacer:/usr/sbin/nologin$", passwd, re.M)
    for path in (
        "opt/pacer/venv/bin/pacer",
        "opt/pacer/bin/pacer-gadget",
        "opt/pacer/src/pyproject.toml",
        "etc/systemd/system/pacer.service",
        "etc/systemd/system/pacer-gadget.service",
        "etc/udev/rules.d/90-pacer-device.rules",
        "etc/dbus-1/system.d/pacer.conf",
        "etc/polkit-1/rules.d/50-pacer.rules",
        "etc/modules-load.d/pacer.conf",
        "etc/pacer/config.toml",
    ):
        assert (root / path).exists(), path
    wants = root / "etc/systemd/system/multi-user.target.wants"
    assert os.readlink(wants / "pacer.service") == "/etc/systemd/system/pacer.service"
    timers = root / "etc/systemd/system/timers.target.wants"
    assert not (timers / "apt-daily.timer").exists()
    assert not (timers / "apt-daily-upgrade.timer").exists()
    assert (timers / "fstrim.timer").is_symlink(), "only the listed units are disabled"
    # The venv: pacer from the copied source, with the system site packages (python3-lgpio
    # on a Pi); matplotlib is not needed on the device but may still be a core dependency.
    cfg = (root / "opt/pacer/venv/pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg


def check_cli(root: Path) -> None:
    version = in_root(root, "/opt/pacer/venv/bin/pacer", "--version")
    assert version.returncode == 0, version.stderr
    expected = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert expected
    assert version.stdout.strip() == f"pacer {expected[1]}"

    shutil.copytree(EXAMPLES, root / "tmp/examples")
    files = sorted(p.name for p in EXAMPLES.glob("*.yaml") if p.name != "profile.yaml")
    validate = in_root(
        root,
        "/opt/pacer/venv/bin/pacer",
        "validate",
        "--profile",
        "/tmp/examples/profile.yaml",
        *(f"/tmp/examples/{f}" for f in files),
        user="pacer",
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    for f in files:
        assert f"/tmp/examples/{f}: ok: " in validate.stdout, f


def check_ready(root: Path, tmp_path: Path) -> None:
    """The daemon as systemd starts it, but simulated: as the pacer user, READY=1 on a
    socket this test owns (bound inside the root, so the chroot sees it)."""
    sock_dir = root / "run/pacer-test"
    sock_dir.mkdir(parents=True)
    with NotifySocket(sock_dir / "notify") as notify:
        os.chmod(sock_dir / "notify", 0o777)  # the pacer user sends to it
        log = tmp_path / "run.log"
        with log.open("w") as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                [
                    *("chroot", userspec(root, "pacer"), str(root)),
                    "/usr/bin/env",
                    "NOTIFY_SOCKET=/run/pacer-test/notify",
                    *("/opt/pacer/venv/bin/pacer", "run", "--hardware", "sim", "--headless"),
                    *("--data-dir", "/tmp/pacer-data"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=chroot_env(),
            )
        try:
            ready = notify.wait_for(lambda m: m.fields.get("READY") == "1", 90)
            print(
                f"READY=1 after {ready.t - started:.2f} s: "
                + " ".join(f"{k}={v}" for k, v in ready.fields.items())
            )
            assert ready.fields["STATUS"].startswith("idle:"), ready.fields
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert (root / "tmp/pacer-data").is_dir()


def check_units(root: Path) -> None:
    verify = in_root(
        root,
        "systemd-analyze",
        "verify",
        "--man=no",
        "/etc/systemd/system/pacer.service",
        "/etc/systemd/system/pacer-gadget.service",
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "pacer" not in verify.stdout + verify.stderr, verify.stdout + verify.stderr
