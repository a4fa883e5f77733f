"""A ``dbus-daemon`` of the test's own: stands in for the Pi's system D-Bus, so bleak's BlueZ
backend and the BlueZ double (:mod:`tests.support.bluez_double`) talk over a real bus."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    """A ``dbus-daemon`` of our own: ``address`` is what ``DBUS_SYSTEM_BUS_ADDRESS`` takes."""

    def __init__(self, dbus_daemon: str = "dbus-daemon") -> None:
        self._daemon = dbus_daemon
        # unix socket paths are short (108 bytes): not under pytest's long tmp_path
        self._dir = Path(tempfile.mkdtemp(prefix="pacer-dbus-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self.address = ""

    def start(self) -> PrivateBus:
        config = self._dir / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=self._dir / "system_bus_socket"))
        self._proc = subprocess.Popen(
            [self._daemon, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._proc.stdout is not None
        self.address = self._proc.stdout.readline().decode().strip()
        if not self.address:
            self.stop()
            raise RuntimeError("dbus-daemon did not start")
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> PrivateBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
