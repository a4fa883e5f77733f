"""The Pi's CPU on this machine: Debian bookworm's arm64 CPython 3.11 under qemu-user.

A Pi Zero 2 W runs Raspberry Pi OS (64-bit) bookworm: Debian's ``python3.11`` for arm64 and,
in pacer's venv, the aarch64 wheels of its dependencies. This rig puts the same two things
in folders on an x86-64 machine and runs them with ``qemu-aarch64-static``, the emulator
called by name: nothing is registered with the kernel (no binfmt_misc), nothing is installed
into this machine's dpkg (no ``--add-architecture``), nothing needs root.

* ``root``: the ``.deb`` files of ``python3.11-minimal`` and ``libpython3.11-stdlib`` for
  arm64, the shared libraries firmware/install.sh installs and those they all need, from
  Debian's archive through a private apt state (its own sources, lists, status and download
  folder; this machine's apt.conf.d, so its proxy settings, still applies), unpacked with
  ``dpkg-deb -x`` (no maintainer script runs), then the standard library byte-compiled (as
  Debian's postinst would; bytecode is the same on every CPU).
  ``qemu-aarch64-static -L root`` finds the dynamic loader and the libraries there.
* ``site``: ``pip install --target`` of the Pi's requirements (pyproject's dependencies and
  its ``pi`` extra, markers decided for the Pi: lgpio in, the ``report`` extra out) as
  aarch64 / CPython 3.11 wheels only, the tags a bookworm Pi's pip takes.

Both are cached in ``.cache/aarch64/KEY/`` (ignored by git), KEY a digest of the recipe:
the suite and mirrors, the packages, pyproject.toml and this file. The first build takes
about a minute (10 MB of package lists, 18 MB of .deb files, 50 MB of wheels); a lock file
makes a second process (another pytest worker, the benchmark) wait for it instead of
building it again. pacer itself runs from the source tree: ``PYTHONPATH=site:device``.

``python -m tests.support.aarch64`` builds (or finds) it and prints where it is.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO

CACHE = REPO / ".cache" / "aarch64"

QEMU = "qemu-aarch64-static"
SUITE = "bookworm"
MIRROR = os.environ.get("PACER_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SECURITY_MIRROR = os.environ.get(
    "PACER_DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security"
)
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
#: What the Pi's interpreter is made of; the libraries they depend on are added by
#: :func:`closure`, and so are the libraries firmware/install.sh installs
#: (:func:`install_sh_libraries`). libstdc++6: the C++ runtime that manylinux wheels may
#: link and do not bundle (like libc and libgcc_s).
ROOT_PACKAGES = ("python3.11-minimal", "libpython3.11-stdlib", "libstdc++6")
INSTALL_SH = REPO / "firmware" / "install.sh"
PYTHON = "3.11"
INTERPRETER = f"usr/bin/python{PYTHON}"
GLIBC_MINOR = 36  # Debian bookworm's glibc 2.36
#: The wheel platforms pip on a bookworm Pi accepts (glibc 2.17 to 2.36).
PLATFORMS = (
    "manylinux2014_aarch64",
    *(f"manylinux_2_{minor}_aarch64" for minor in range(17, GLIBC_MINOR + 1)),
)
#: The marker environment of the Pi, for pyproject's requirements.
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

Progress = Callable[[str], None]


class Aarch64Unavailable(RuntimeError):
    """A tool the rig needs is missing on this machine (the message says which)."""


def pi_requirements(*, build: bool = False) -> list[str]:
    """The requirements a Pi install resolves, markers decided for the Pi and dropped;
    ``build``: with pyproject's build requirements too (pip builds pacer on the Pi)."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["pi"],
        *(project["build-system"]["requires"] if build else ()),
    ]
    out = []
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not Marker(str(req.marker)).evaluate(PI_ENVIRONMENT):
            continue
        req.marker = None
        out.append(str(req))
    return out


@dataclass(frozen=True, slots=True)
class Aarch64Python:
    """An arm64 CPython 3.11 with the Pi's packages, run through qemu-user."""

    qemu: str
    root: Path
    site: Path

    def command(self, *args: str) -> list[str]:
        """``python3.11 ARGS`` on the emulated CPU."""
        return [self.qemu, "-L", str(self.root), str(self.root / INTERPRETER), *args]

    def env(self, **extra: str) -> dict[str, str]:
        """This environment, with pacer's source and the aarch64 site on the path and
        nothing of this machine's Python (no user site, no venv, no PYTHONHOME)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PYTHON") and k not in ("VIRTUAL_ENV", "QEMU_LD_PREFIX")
        }
        env.update(
            PYTHONPATH=f"{self.site}{os.pathsep}{REPO / 'device'}",
            PYTHONNOUSERSITE="1",
            **extra,
        )
        return env

    def run(
        self, *args: str, timeout: float = 300, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env=dict(env) if env is not None else self.env(),
        )


def qemu_path() -> str:
    found = shutil.which(QEMU)
    if found is None:
        raise Aarch64Unavailable(f"{QEMU} not installed (apt-get install qemu-user-static)")
    return found


def install_sh_libraries() -> tuple[str, ...]:
    """The shared libraries (``lib*``) of install.sh's ``APT_PACKAGES``: what the Pi gets
    besides Python. Pillow's wheel, for one, loads libfribidi at run time and lays text out
    differently without it."""
    m = re.search(r"^APT_PACKAGES=\(([^)]*)\)", INSTALL_SH.read_text(), re.M)
    if m is None:
        raise RuntimeError(f"no APT_PACKAGES=(...) line in {INSTALL_SH}")
    return tuple(p for p in m[1].split() if p.startswith("lib"))


def root_packages() -> tuple[str, ...]:
    return (*ROOT_PACKAGES, *install_sh_libraries())


def cache_key() -> str:
    recipe = [
        SUITE,
        MIRROR,
        SECURITY_MIRROR,
        *root_packages(),
        *PLATFORMS,
        (REPO / "pyproject.toml").read_text(),
        Path(__file__).read_text(),
    ]
    return hashlib.sha256("\n".join(recipe).encode()).hexdigest()[:12]


def aarch64_python(progress: Progress = print) -> Aarch64Python:
    """The cached interpreter and site, built first when missing (about a minute)."""
    qemu = qemu_path()
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise Aarch64Unavailable(f"{tool} not found: the rig needs Debian's apt and dpkg")
    if not KEYRING.is_file():
        raise Aarch64Unavailable(f"{KEYRING} missing (apt-get install debian-archive-keyring)")
    key = cache_key()
    CACHE.mkdir(parents=True, exist_ok=True)
    done = CACHE / key
    with (CACHE / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker builds it: wait, then reuse
        if not (done / "complete").exists():
            build(done, qemu, progress)
    return Aarch64Python(qemu, done / "root", done / "site")


def build(done: Path, qemu: str, progress: Progress) -> None:
    started = time.monotonic()
    for old in CACHE.iterdir():  # an older recipe's build, or a build that was cut short
        if old.is_dir() and old.name != "apt":
            shutil.rmtree(old)
    work = CACHE / f"build-{done.name}"
    root, site = work / "root", work / "site"
    root.mkdir(parents=True)
    apt = AptArm64(CACHE / "apt")

    t0 = time.monotonic()
    apt.update()
    progress(f"aarch64: package lists of {SUITE} arm64: {time.monotonic() - t0:.1f} s")
    t0 = time.monotonic()
    packages = closure(apt, root_packages())
    debs = apt.download(packages, work / "debs")
    for deb in debs:
        run_checked(["dpkg-deb", "-x", str(deb), str(root)], 120)
    size = sum(d.stat().st_size for d in debs)
    shutil.rmtree(work / "debs")
    progress(
        f"aarch64: {len(debs)} packages ({size / 1e6:.0f} MB) downloaded and"
        f" unpacked: {time.monotonic() - t0:.1f} s"
    )
    # Bytecode depends on the Python version only, not on the CPU: this machine's 3.11
    # compiles it ten times faster than the emulated one (which does it when this is not 3.11).
    t0 = time.monotonic()
    same = sys.version_info[:2] == tuple(map(int, PYTHON.split(".")))
    python = [sys.executable] if same else Aarch64Python(qemu, root, site).command()
    stdlib = root / "usr/lib" / f"python{PYTHON}"
    run_checked([*python, "-m", "compileall", "-q", "-j", "0", str(stdlib)], 900)
    where = "here" if same else "under qemu"
    progress(f"aarch64: standard library byte-compiled {where}: {time.monotonic() - t0:.1f} s")

    t0 = time.monotonic()
    run_checked(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--target", str(site), "--only-binary=:all:", "--implementation", "cp"),
            *("--python-version", PYTHON, "--abi", "cp" + PYTHON.replace(".", "")),
            *(arg for p in PLATFORMS for arg in ("--platform", p)),
            *pi_requirements(),
        ],
        900,
    )
    wheels = sorted(p.name for p in site.glob("*.dist-info"))
    progress(
        f"aarch64: {len(wheels)} wheels into the site: {time.monotonic() - t0:.1f} s\n  "
        + "\n  ".join(wheels)
    )
    (work / "complete").write_text(" ".join(packages) + "\n" + "\n".join(wheels) + "\n")
    work.rename(done)
    progress(f"aarch64: built {done} in {time.monotonic() - started:.1f} s")


def run_checked(cmd: list[str], timeout: float) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:6])} ... exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


class AptArm64:
    """apt-get and apt-cache on a private state for Debian's arm64 packages."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for sub in ("lists/partial", "archives/partial", "cache", "sources.list.d", "prefs.d"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "status").touch()  # nothing is installed: every dependency is listed
        source = f"[arch=arm64 signed-by={KEYRING}]"
        (folder / "sources.list").write_text(
            f"deb {source} {MIRROR} {SUITE} main\n"
            f"deb {source} {MIRROR} {SUITE}-updates main\n"
            f"deb {source} {SECURITY_MIRROR} {SUITE}-security main\n"
        )

    def options(self) -> list[str]:
        f = self.folder
        settings = {
            "Dir::State": f,
            "Dir::State::Lists": f / "lists",
            "Dir::State::status": f / "status",
            "Dir::Cache": f / "cache",
            "Dir::Cache::archives": f / "archives",
            "Dir::Etc::SourceList": f / "sources.list",
            "Dir::Etc::SourceParts": f / "sources.list.d",
            "Dir::Etc::Preferences": f / "preferences",
            "Dir::Etc::PreferencesParts": f / "prefs.d",
            "APT::Architecture": "arm64",
            "APT::Architectures": "arm64",
            "Debug::NoLocking": "true",  # the private state is guarded by the rig's lock
            "APT::Sandbox::User": "root" if os.geteuid() == 0 else "",
        }
        return [arg for k, v in settings.items() if v != "" for arg in ("-o", f"{k}={v}")]

    def update(self) -> None:
        run_checked(["apt-get", *self.options(), "-q", "update"], 600)

    def depends(self, packages: Iterable[str]) -> dict[str, list[str]]:
        """Each package's Depends and Pre-Depends (the first of alternatives)."""
        out = run_checked(
            [
                *("apt-cache", *self.options(), "depends", "--no-recommends", "--no-suggests"),
                *("--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"),
                *packages,
            ],
            120,
        )
        found: dict[str, list[str]] = {}
        current: list[str] = []
        alternative = False  # the previous line ended with '|': this one is an alternative
        for line in out.splitlines():
            if not line.startswith(" "):
                current = found.setdefault(line.strip(), [])
                alternative = False
                continue
            text = line.strip()
            skip, alternative = alternative, text.startswith("|")
            kind, _, name = text.lstrip("|").partition(": ")
            if not skip and kind in ("Depends", "PreDepends"):
                current.append(name.strip("<>"))
        return found

    def download(self, packages: Iterable[str], into: Path) -> list[Path]:
        """The candidate version of each package (the newest, security updates included)."""
        into.mkdir(parents=True, exist_ok=True)
        cmd = ["apt-get", *self.options(), "-q", "download", *packages]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=into)
        if result.returncode != 0:
            raise RuntimeError(f"apt-get download exited {result.returncode}:\n{result.stderr}")
        return sorted(into.glob("*.deb"))


def closure(apt: AptArm64, roots: Iterable[str]) -> list[str]:
    """``roots`` and, transitively, the libraries they depend on: shared libraries
    (``lib*``, ``zlib1g``) and python3.11's own packages. Not the tools that maintainer
    scripts run (dpkg, perl, tar): a folder that is only read runs none."""

    def wanted(name: str) -> bool:
        return name.startswith(("lib", "zlib1g", f"python{PYTHON}"))

    seen: set[str] = set()
    todo = set(roots)
    while todo:
        seen |= todo
        deps = apt.depends(sorted(todo))
        todo = {d for ds in deps.values() for d in ds if wanted(d)} - seen
    return sorted(seen)


if __name__ == "__main__":
    python = aarch64_python()
    print(" ".join(python.command()))
    print(f"PYTHONPATH={python.env()['PYTHONPATH']}")
