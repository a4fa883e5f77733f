"""The signals that stop the daemon: SIGTERM (systemd), SIGINT (Ctrl-C) and SIGHUP (the
terminal or SSH session that started it went away).

Every one of them is a clean stop: the recording saved as ended, the motor off, the display
blank, exit 0. SIGHUP is *not* a config reload: settings change over serial or by editing
``/etc/pacer/config.toml``, and both take effect at the next start (``systemctl restart
pacer``), which checks the whole config before anything opens; a half-applied reload in the
middle of a run is the one thing a pacer must not do.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

#: the signals handled as "save and stop"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def stop_on_signals(stop: Callable[[str], None]) -> Iterator[None]:
    """Call ``stop(signal name)`` from the running loop on each of :data:`STOP_SIGNALS`."""
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        yield
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


__all__ = ["STOP_SIGNALS", "stop_on_signals"]
