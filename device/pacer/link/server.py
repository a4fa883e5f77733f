"""Device side of the USB serial link: the port loop, and the device id ``hello`` reports.

:class:`SerialServer` serves a :class:`~pacer.link.service.DeviceService` on a serial port
(``/dev/ttyGS0`` on the Pi, opened with pyserial). It tolerates the port being absent (it
retries until it appears), a host that goes away and comes back (a read or write error, or
output stalled for ``write_stall_s``, ends the session; the port is reopened and a new session
starts), and it never blocks the event loop, so a workout keeps running beside it.
:func:`read_device_id` reads the Pi's serial number. This is the link's I/O edge; the codec
(:mod:`pacer.link.protocol`) and the service (:mod:`pacer.link.service`) do none.

pyserial is imported lazily, inside :class:`SerialServer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pacer.link.service import DeviceService, EngineControl, SensorScanner, SettableClock
from pacer.link.session import Session

if TYPE_CHECKING:  # pragma: no cover - typing only
    import serial

log = logging.getLogger(__name__)

DEFAULT_PORT: Final = "/dev/ttyGS0"


def read_device_id(
    paths: tuple[Path, ...] = (Path("/proc/device-tree/serial-number"), Path("/etc/machine-id")),
) -> str:
    """A stable id for ``hello``: the Pi's serial number, else a hash of the machine id."""
    for path in paths:
        try:
            raw = path.read_bytes().strip(b"\0\n ")
        except OSError:
            continue
        if raw:
            if path.name == "machine-id":
                return "m-" + hashlib.sha256(raw).hexdigest()[:16]
            return raw.decode("ascii", "replace")
    import socket

    return "host-" + socket.gethostname()


class HostGone(Exception):
    """The host stopped reading (output stalled) or the port failed."""


class SerialServer:
    """Serve :class:`DeviceService` on a serial port, forever (cancel the task to stop)."""

    def __init__(
        self,
        service: DeviceService,
        port: str = DEFAULT_PORT,
        *,
        baudrate: int = 115200,
        retry_s: float = 1.0,
        write_stall_s: float = 5.0,
    ) -> None:
        self.service = service
        self.port = port
        self.baudrate = baudrate
        self.retry_s = retry_s
        self.write_stall_s = write_stall_s
        #: How many times the port was opened / sessions ended (for logs and tests).
        self.opened = 0
        self.sessions_ended = 0
        self.session: Session | None = None
        self.connected = asyncio.Event()

    def _open(self) -> serial.Serial | None:
        import serial

        try:
            port = serial.Serial(
                self.port, self.baudrate, timeout=0, write_timeout=0, exclusive=True
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            if self.opened == 0 and self.sessions_ended == 0:
                log.debug("serial port %s not available yet: %s", self.port, exc)
            return None
        # A new session starts clean: requests a stalled or vanished host left unread are
        # not answered to whoever comes next.
        with contextlib.suppress(serial.SerialException, OSError):
            port.reset_input_buffer()
        self.opened += 1
        log.info("serial port %s open", self.port)
        return port

    async def run(self) -> None:
        while True:
            port = self._open()
            if port is None:
                await asyncio.sleep(self.retry_s)
                continue
            try:
                await self._serve(port)
            finally:
                self.connected.clear()
                await asyncio.to_thread(_close_quietly, port)
                self.sessions_ended += 1
            await asyncio.sleep(min(self.retry_s, 0.2))

    async def _serve(self, port: serial.Serial) -> None:
        import serial

        session = self.service.session()
        self.session = session
        self.connected.set()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._reader(port, session))
                tg.create_task(self._writer(port, session))
        except* (serial.SerialException, OSError, HostGone) as group:
            log.info("serial session ended: %s", group.exceptions[0])
        finally:
            session.close()
            self.session = None

    async def _wait_fd(self, fd: int, *, write: bool, limit_s: float | None) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        if write:
            loop.add_writer(fd, wake)
        else:
            loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(ready, limit_s)
        finally:
            if write:
                loop.remove_writer(fd)
            else:
                loop.remove_reader(fd)

    async def _reader(self, port: serial.Serial, session: Session) -> None:
        fd = port.fileno()
        while True:
            await self._wait_fd(fd, write=False, limit_s=None)
            data = port.read(max(1, port.in_waiting))  # raises SerialException on hang-up
            if data:
                await session.feed(data)

    async def _writer(self, port: serial.Serial, session: Session) -> None:
        # A session opens with a bare newline: it ends any half line an earlier session
        # left on the host's side, so the first reply is read whole (hosts skip blank lines).
        await self._write_all(port, b"\n")
        while True:
            data, after = await session.outbox.get()
            await self._write_all(port, data)
            if after is not None:
                after()

    async def _write_all(self, port: serial.Serial, data: bytes) -> None:
        """Write without blocking the loop; HostGone if nothing drains for write_stall_s."""
        fd = port.fileno()
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                n = 0
            if n:
                view = view[n:]
                continue
            try:
                await self._wait_fd(fd, write=True, limit_s=self.write_stall_s)
            except TimeoutError:
                with contextlib.suppress(Exception):
                    port.reset_output_buffer()
                raise HostGone(f"output stalled for {self.write_stall_s} s") from None


def _close_quietly(port: serial.Serial) -> None:
    with contextlib.suppress(Exception):
        port.reset_output_buffer()
    with contextlib.suppress(Exception):
        port.close()


__all__ = [
    "DEFAULT_PORT",
    "DeviceService",
    "EngineControl",
    "HostGone",
    "SensorScanner",
    "SerialServer",
    "SettableClock",
    "read_device_id",
]
