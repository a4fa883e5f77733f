"""The simulated twin of the USB cable.

:class:`PtyCable` makes two pseudo-terminal pairs and relays bytes between their master
sides in a thread. Each slave side is a real tty device (``device_path``, ``host_path``)
that pyserial opens like ``/dev/ttyGS0`` on the Pi and ``/dev/ttyACM0`` on a laptop. The
cable can be unplugged and plugged back (bytes in flight are lost, as when a USB cable is
pulled) or cut after a given number of bytes, to test a link dropped mid-transfer.

POSIX only (``os.openpty``), like the device itself.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from types import TracebackType

TO_DEVICE = 0
TO_HOST = 1


class PtyCable:
    """Two pty pairs joined by a relay thread. Use as a context manager."""

    def __init__(self, *, buffer_limit: int = 1 << 16) -> None:
        self._dev_master, self._dev_slave = os.openpty()
        self._host_master, self._host_slave = os.openpty()
        for fd in (self._dev_slave, self._host_slave):
            tty.setraw(fd)  # no echo, no line editing: bytes pass through unchanged
        for fd in (self._dev_master, self._host_master):
            os.set_blocking(fd, False)
        self.device_path = os.ttyname(self._dev_slave)
        self.host_path = os.ttyname(self._host_slave)
        self.buffer_limit = buffer_limit
        #: bytes delivered in each direction (TO_DEVICE, TO_HOST)
        self.delivered = [0, 0]
        self._pending = [bytearray(), bytearray()]
        self._plugged = True
        self._cut_after: list[int | None] = [None, None]
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._stop = False
        self._thread = threading.Thread(target=self._relay, name="pty-cable", daemon=True)

    # --- control ------------------------------------------------------------------------

    @property
    def plugged(self) -> bool:
        return self._plugged

    def unplug(self) -> None:
        """Pull the cable: nothing passes, and whatever was in flight is lost."""
        with self._lock:
            self._plugged = False
            for buf in self._pending:
                buf.clear()
            self._cut_after = [None, None]
        self._wake()

    def plug(self) -> None:
        with self._lock:
            self._plugged = True
        self._wake()

    def cut_after(self, nbytes: int, direction: int = TO_DEVICE) -> None:
        """Unplug once ``nbytes`` more bytes have been delivered in ``direction``."""
        with self._lock:
            self._cut_after[direction] = self.delivered[direction] + nbytes
        self._wake()

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> PtyCable:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop = True
        self._wake()
        if self._thread.is_alive():
            self._thread.join(5)
        for fd in (
            self._dev_master,
            self._dev_slave,
            self._host_master,
            self._host_slave,
            self._wake_r,
            self._wake_w,
        ):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyCable:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the relay ----------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _relay(self) -> None:
        ends = (self._host_master, self._dev_master)  # source of TO_DEVICE, of TO_HOST
        dests = (self._dev_master, self._host_master)
        while not self._stop:
            readers = [self._wake_r]
            writers = []
            for direction in (TO_DEVICE, TO_HOST):
                if len(self._pending[direction]) < self.buffer_limit:
                    readers.append(ends[direction])
                if self._pending[direction]:
                    writers.append(dests[direction])
            try:
                # no timeout: stop, plug and cut_after write to the wake pipe
                readable, writable, _ = select.select(readers, writers, [])
            except (OSError, ValueError):
                return
            if self._wake_r in readable:
                os.read(self._wake_r, 4096)
            for direction in (TO_DEVICE, TO_HOST):
                if ends[direction] in readable:
                    try:
                        data = os.read(ends[direction], 65536)
                    except (BlockingIOError, InterruptedError):
                        data = b""
                    except OSError:
                        data = b""  # EIO: no one has the slave open right now
                    with self._lock:
                        if self._plugged and data:
                            self._pending[direction] += data
                if dests[direction] in writable:
                    self._deliver(direction, dests[direction])

    def _deliver(self, direction: int, fd: int) -> None:
        with self._lock:
            buf = self._pending[direction]
            limit = self._cut_after[direction]
            allowed = len(buf) if limit is None else max(0, limit - self.delivered[direction])
            chunk = bytes(buf[:allowed])
        n = 0
        if chunk:
            try:
                n = os.write(fd, chunk)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError:
                n = len(chunk)  # nobody listening: the bytes fall on the floor
        with self._lock:
            del self._pending[direction][:n]
            self.delivered[direction] += n
            limit = self._cut_after[direction]
            if limit is not None and self.delivered[direction] >= limit:
                self._plugged = False
                for b in self._pending:
                    b.clear()
                self._cut_after = [None, None]
