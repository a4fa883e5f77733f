"""Off when not in use: the device switches itself off after a long idle, and keeps Wi-Fi off
while a workout runs.

:class:`PowerSaver` runs as a task on the injected clock and sleeps until the idle time
could be up (one wake per ``[power] idle_off_min``, not a poll). Idle means: no workout
running, no host subscribed to the status, no button pressed, no serial request in flight
(:meth:`PowerSaver.serving`: a long download or scan is one request that may outlast the
window) and none within the window (each of those calls :meth:`PowerSaver.touch`). When the
time is up the display dims; :data:`DIM_BEFORE_OFF_S` later, still idle, the daemon is
asked to switch off: it stops as on SIGTERM (a recording saved, motor off, display blank),
checkpoints the store (:func:`flush_store`) and only then asks the
:class:`~pacer.devices.bundle.Power` port.

Wi-Fi: off when a workout starts, back on when it ends if ``[power] wifi_when_idle``
(Bluetooth is never touched).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pacer.config.file import PowerConfig
from pacer.core.clock import Clock
from pacer.devices.bundle import Power

log = logging.getLogger(__name__)

#: seconds the dimmed display stays up before the device switches off (a press keeps it on)
DIM_BEFORE_OFF_S = 30.0


class PowerSaver:
    """Switch off after ``config.idle_off_min`` idle (0: never); Wi-Fi off during runs.

    ``busy()`` says whether something keeps the device on right now (a workout, a host
    following the status); ``dim()`` dims the display; ``switch_off()`` asks the daemon to
    stop and power off.
    """

    def __init__(
        self,
        clock: Clock,
        power: Power | None,
        config: PowerConfig,
        *,
        busy: Callable[[], bool],
        dim: Callable[[], None],
        switch_off: Callable[[], None],
    ) -> None:
        self.clock = clock
        self.power = power
        self.config = config
        self._busy = busy
        self._dim = dim
        self._switch_off = switch_off
        self._since = clock.monotonic()
        self._in_flight = 0

    @property
    def idle_s(self) -> float:
        """Seconds without a press, a request, a run or a host following the status."""
        return self.clock.monotonic() - self._since

    def touch(self) -> None:
        """Someone is using the device: a press, a serial request, a run starting or ending."""
        self._since = self.clock.monotonic()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around one serial request: the device stays on while it is in flight, and the
        idle count starts again when its reply is ready."""
        self._in_flight += 1
        self.touch()
        try:
            yield
        finally:
            self._in_flight -= 1
            self.touch()

    def _in_use(self) -> bool:
        return self._in_flight > 0 or self._busy()

    def run_started(self) -> None:
        self.touch()
        self._wifi(False)

    def run_ended(self) -> None:
        self.touch()
        self._wifi(self.config.wifi_when_idle)

    def idle_started(self) -> None:
        """At start-up: Wi-Fi as the idle setting says."""
        self._wifi(self.config.wifi_when_idle)

    def _wifi(self, on: bool) -> None:
        if self.power is not None:
            self.power.wifi(on)

    async def run(self) -> None:
        """The task: wait out the idle time, dim, wait again, switch off."""
        limit = self.config.idle_off_min * 60.0
        if limit <= 0 or self.power is None:
            return
        while True:
            if self._in_use():
                self.touch()
            remaining = self._since + limit - self.clock.monotonic()
            if remaining > 0:
                await self.clock.sleep(remaining)
                continue
            since = self._since
            log.info("idle for %.0f min: dimming, then switching off", self.idle_s / 60)
            self._dim()
            await self.clock.sleep(DIM_BEFORE_OFF_S)
            if self._since == since and not self._in_use():
                self._switch_off()
                return


def flush_store(path: Path) -> None:
    """Checkpoint the store's write-ahead log into the database file (and truncate it), so
    a power cut right after leaves one complete file."""
    db = sqlite3.connect(path, timeout=5.0)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


__all__ = ["DIM_BEFORE_OFF_S", "PowerSaver", "flush_store"]
