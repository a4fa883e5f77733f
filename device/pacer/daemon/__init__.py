"""``pacer run``: the daemon that paces a workout from power-on, one event loop.
May import: core..sync.

* :mod:`pacer.daemon.app` - :func:`run_daemon`: the one event loop, its tasks, what happens;
* :mod:`pacer.daemon.ticker` - every second of the clock, a stall's seconds caught up;
* :mod:`pacer.daemon.screen`, :mod:`pacer.daemon.home` - frames, notices, the idle screen;
* :mod:`pacer.daemon.live` - one workout being run: engine, recording, screen;
* :mod:`pacer.daemon.menu` - the idle screen's choices (pure);
* :mod:`pacer.daemon.control`, :mod:`pacer.daemon.links` - the serial link, the gauge;
* :mod:`pacer.daemon.status` - ``status.get`` and the systemd ``STATUS=`` line;
* :mod:`pacer.daemon.signals`, :mod:`pacer.daemon.idle` - stop signals; off when idle;
* :mod:`pacer.daemon.options`, :mod:`pacer.daemon.sdnotify` - options; systemd's protocol;
* :mod:`pacer.daemon.syncstate` - the state the device's own sync reads (``pacer.sync.when``);
* :mod:`pacer.daemon.hardware` - :func:`build_hardware`: the bundle, real or simulated.

Hardware comes in as a :class:`pacer.devices.bundle.Hardware` bundle, built by
:func:`pacer.daemon.hardware.build_hardware` (real or simulated: it assembles ``ble``,
``sim`` and ``link`` parts, so it lives here, above them). The daemon may import every room
below it (core to link); nothing but the CLI imports the daemon.
"""

from pacer.daemon.app import Daemon, run_daemon
from pacer.daemon.options import EXIT_OK, EXIT_RESTART, DaemonOptions

__all__ = ["EXIT_OK", "EXIT_RESTART", "Daemon", "DaemonOptions", "run_daemon"]
