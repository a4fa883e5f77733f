"""The daemon's side of the device's own sync (:mod:`pacer.sync.when`).

:class:`SyncState` publishes what the ``pacer-sync`` unit needs in the runtime directory (a
lock held for the daemon's life, the state file replaced when a workout starts or ends) and
notices when another process (that sync) changed the store, so the idle screen shows the
workouts it brought in. Publishing never stops the daemon: a write that fails is logged once
and pacing goes on (the sync then sees no fresh state and waits).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from pacer.core.clock import Clock
from pacer.storage.store import Store
from pacer.sync.when import DaemonState, StatePublisher

log = logging.getLogger(__name__)


class SyncState:
    """Publish the daemon's state for the sync; see the module's docstring."""

    def __init__(
        self, runtime_dir: Path | None, clock: Clock, store: Store, *, wifi_when_idle: bool
    ) -> None:
        self.clock = clock
        self.store = store
        self.wifi_when_idle = wifi_when_idle
        self._publisher = None if runtime_dir is None else StatePublisher(runtime_dir)
        self._running: str | None = None
        self._idle_since = clock.monotonic()
        self._version = store.data_version()
        self._failed = False

    def open(self) -> None:
        if self._publisher is None:
            return
        try:
            self._publisher.open()
        except OSError as exc:
            log.error("cannot publish the state for the device's sync: %s", exc)
            self._publisher = None
            return
        self._publish()

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()

    def run_started(self, name: str) -> None:
        self._running = name
        self._publish()

    def run_ended(self) -> None:
        self._running = None
        self._idle_since = self.clock.monotonic()
        self._publish()

    def store_changed_elsewhere(self) -> bool:
        """Whether another connection committed to the store since the last call (the
        sync put workouts or the profile): cheap, ``PRAGMA data_version``."""
        version = self.store.data_version()
        changed = version != self._version
        self._version = version
        return changed

    def _publish(self) -> None:
        if self._publisher is None:
            return
        state = DaemonState(
            running=self._running,
            idle_since=self._idle_since,
            wifi_when_idle=self.wifi_when_idle,
            wall_offset=self.clock.wall() - time.time(),
            pid=os.getpid(),
        )
        try:
            self._publisher.publish(state)
            self._failed = False
        except OSError as exc:
            if not self._failed:
                log.error("cannot publish the state for the device's sync: %s", exc)
            self._failed = True


__all__ = ["SyncState"]
