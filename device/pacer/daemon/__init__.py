"""``pacer run``: the daemon that paces a workout from power-on, one event loop.
May import: core..link.

* :mod:`pacer.daemon.app` - :func:`run_daemon` and the one event loop with all its tasks;
* :mod:`pacer.daemon.live` - one workout being run: engine, recording, screen;
* :mod:`pacer.daemon.menu` - the idle screen's choices (pure);
* :mod:`pacer.daemon.control` - the serial link's control of the engine, status fan-out.

Hardware comes in as a :class:`pacer.devices.bundle.Hardware` bundle, built by
:func:`pacer.devices.build.build_hardware` (real or simulated).
"""

from pacer.daemon.app import EXIT_OK, EXIT_RESTART, Daemon, DaemonOptions, run_daemon

__all__ = ["EXIT_OK", "EXIT_RESTART", "Daemon", "DaemonOptions", "run_daemon"]
