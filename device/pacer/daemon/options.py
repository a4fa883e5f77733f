"""What ``pacer run`` decides for the daemon outside the config file and the hardware bundle,
and the daemon's exit statuses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.daemon.sdnotify import Notifier

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.config.file import Config
    from pacer.screens.views import ErrorKind

#: exit status of a clean stop, and of ``service.restart`` (non-zero: systemd's
#: ``Restart=on-failure`` starts the daemon again)
EXIT_OK = 0
EXIT_RESTART = 75


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """What ``pacer run`` decides outside the config file and the hardware bundle."""

    battery_every_s: float = 30.0
    #: where STATUS=/READY=1/WATCHDOG=1 go (None: a silent notifier)
    notifier: Notifier | None = None
    #: seconds between watchdog pings (None: systemd asked for none)
    watchdog_s: float | None = None
    #: ``hello``'s device id (None: read from the machine)
    device_id: str | None = None
    tick_s: float = 1.0
    #: a card to show at start (``pacer run``: stored settings it could not use)
    notice: tuple[ErrorKind, str] | None = None
    #: the config file's values, under the stored settings: what ``settings.set`` checks a
    #: change against (None: the config the daemon runs with)
    settings_base: Config | None = None
    #: where the daemon publishes its state for the device's own sync
    #: (:mod:`pacer.sync.when`; None: nothing published)
    runtime_dir: Path | None = None


__all__ = ["EXIT_OK", "EXIT_RESTART", "DaemonOptions"]
