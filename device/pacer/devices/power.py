"""The :class:`~pacer.devices.bundle.Power` port: switching the machine off, Wi-Fi on and off.

Real (:class:`SystemPower`, the Pi): power-off is ``systemctl poweroff``, which asks logind
over D-Bus (``org.freedesktop.login1.Manager.PowerOff``); the polkit rule the installer
writes (``org.freedesktop.login1.power-off`` for the ``pacer`` user, see
``docs/power.md``) lets the service ask without a password. systemd then stops
``pacer.service`` like any shutdown (SIGTERM: a clean stop). Wi-Fi is switched with rfkill:
one ``struct rfkill_event`` (``RFKILL_OP_CHANGE_ALL`` for ``RFKILL_TYPE_WLAN``) written to
``/dev/rfkill``, else the ``rfkill`` command; Bluetooth is left alone (the sensors use it,
and on the Zero 2 W it shares the radio chip).

Commands run in a thread of their own, so the daemon's loop never waits for them; a failure
is logged, never raised: a device that cannot switch its Wi-Fi off paces the run all the
same.

Simulated (:class:`RecordedPower`): remembers what was asked, with the clock's time, and
calls ``on_power_off`` (a test checks the store was flushed by then).
"""

from __future__ import annotations

import logging
import struct
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

RFKILL_DEVICE = Path("/dev/rfkill")
#: linux/rfkill.h: RFKILL_TYPE_WLAN, RFKILL_OP_CHANGE_ALL; struct rfkill_event is
#: idx (u32), type, op, soft, hard (u8 each)
RFKILL_TYPE_WLAN = 1
RFKILL_OP_CHANGE_ALL = 3


def rfkill_event(*, block: bool) -> bytes:
    """The 8-byte event that soft-blocks (or unblocks) every Wi-Fi radio."""
    return struct.pack("=IBBBB", 0, RFKILL_TYPE_WLAN, RFKILL_OP_CHANGE_ALL, int(block), 0)


class SystemPower:
    """The Pi's power and Wi-Fi (see the module's docstring)."""

    def __init__(
        self,
        *,
        rfkill: Path = RFKILL_DEVICE,
        run: Callable[[list[str]], object] | None = None,
    ) -> None:
        self.rfkill = rfkill
        self._run = run or _run

    def power_off(self) -> None:
        log.warning("idle for too long: switching off")
        self._run(["systemctl", "poweroff"])

    def wifi(self, on: bool) -> None:
        try:
            with self.rfkill.open("wb", buffering=0) as dev:
                dev.write(rfkill_event(block=not on))
        except OSError as exc:
            log.debug("%s: %s; trying the rfkill command", self.rfkill, exc)
            self._run(["rfkill", "unblock" if on else "block", "wifi"])
        log.info("Wi-Fi %s", "on" if on else "off")


def _run(command: list[str]) -> object:
    """Run ``command`` in a thread of its own: the event loop that asked never waits for it
    (a failure is logged from that thread)."""

    def run() -> None:
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            log.error("%s failed: %s", " ".join(command), exc)

    thread = threading.Thread(target=run, name="pacer-power", daemon=True)
    thread.start()
    return thread


@dataclass
class RecordedPower:
    """The simulated device's power: what was asked, with ``clock()``'s time."""

    clock: Callable[[], float]
    on_power_off: Callable[[], None] | None = None
    #: (time, "power_off" | "wifi on" | "wifi off") in order
    asked: list[tuple[float, str]] = field(default_factory=list)

    @property
    def powered_off(self) -> bool:
        return any(what == "power_off" for _, what in self.asked)

    @property
    def wifi_on(self) -> bool | None:
        """The last Wi-Fi state asked (None: never asked)."""
        states = [what == "wifi on" for _, what in self.asked if what.startswith("wifi")]
        return states[-1] if states else None

    def power_off(self) -> None:
        self.asked.append((self.clock(), "power_off"))
        if self.on_power_off is not None:
            self.on_power_off()

    def wifi(self, on: bool) -> None:
        self.asked.append((self.clock(), "wifi on" if on else "wifi off"))


__all__ = ["RFKILL_DEVICE", "RecordedPower", "SystemPower", "rfkill_event"]
