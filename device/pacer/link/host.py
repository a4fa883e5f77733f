"""Host side of the USB serial link: find the pacer, talk to it, download activities.

Runs on Linux, macOS and Windows with plain blocking pyserial (imported lazily). A
:class:`DeviceClient` sends one request at a time and waits for the reply with the same id;
events that arrive meanwhile (live status) are queued for :meth:`DeviceClient.next_event`;
replies to ids it did not send (left over from an earlier session) are ignored. Every
device error is raised as :class:`pacer.link.protocol.RequestError` with its code, field and
details.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import os
import random
import time
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol

from pacer.core.errors import HardwareError, ProtocolError
from pacer.link.framing import LineFramer, Overlong
from pacer.link.ops import Op
from pacer.link.protocol import (
    DEFAULT_LIMITS,
    PROTOCOL_VERSION,
    ErrorCode,
    ErrorReply,
    Event,
    Limits,
    Reply,
    Request,
    RequestError,
    decode_message,
    encode_request,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import serial

#: The USB identity of a pacer: the Linux Foundation's composite-gadget ids, and the
#: product string the firmware's gadget configuration sets.
PACER_VID: Final = 0x1D6B
PACER_PID: Final = 0x0104
PACER_PRODUCT: Final = "pacer"
BAUDRATE: Final = 115200

Progress = Callable[[int, int], None]


class LinkError(HardwareError):
    """No pacer to talk to: none plugged in, several, or it stopped answering."""


class PortLike(Protocol):
    """What :func:`pacer_ports` reads of pyserial's ``ListPortInfo``."""

    @property
    def device(self) -> str: ...

    @property
    def vid(self) -> int | None: ...

    @property
    def pid(self) -> int | None: ...

    @property
    def product(self) -> str | None: ...


def is_pacer(port: PortLike) -> bool:
    """The product string says "pacer"; where the OS gives no product string (Windows),
    the gadget's VID:PID alone decides. Another gadget with those ids but a different
    product string is not a pacer."""
    if port.product:
        return port.product.strip().lower() == PACER_PRODUCT
    return (port.vid, port.pid) == (PACER_VID, PACER_PID)


def pacer_ports(ports: Iterable[PortLike]) -> list[str]:
    return sorted(p.device for p in ports if is_pacer(p))


def find_port(ports: Iterable[PortLike] | None = None) -> str:
    """The one pacer plugged in; LinkError when there is none or several."""
    if ports is None:
        from serial.tools import list_ports

        ports = list_ports.comports()
    found = pacer_ports(ports)
    if not found:
        raise LinkError(
            "no pacer found on USB: plug it in (a data cable, not a charge-only one), "
            "wait for it to boot, or name the port with --port"
        )
    if len(found) > 1:
        raise LinkError(f"several pacers plugged in ({', '.join(found)}): choose one with --port")
    return found[0]


def activity_filename(info: Mapping[str, Any]) -> str:
    """``pacer-20260509-073500-12.jsonl``: UTC start time and id, stable for resuming."""
    started = datetime.fromtimestamp(float(info["started"]), UTC).strftime("%Y%m%d-%H%M%S")
    return f"pacer-{started}-{int(info['id'])}.jsonl"


class DeviceClient:
    """A connection to a pacer. ``with DeviceClient(port) as dev: dev.hello()``."""

    def __init__(
        self,
        port: str,
        *,
        timeout: float = 5.0,
        baudrate: int = BAUDRATE,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.port = port
        self.timeout = timeout
        self.baudrate = baudrate
        self.limits = limits
        self._serial: serial.Serial | None = None
        self._framer = LineFramer(limits.max_line_bytes)
        self._events: deque[Event] = deque(maxlen=256)
        # Random start: a late reply from an earlier session cannot match our ids.
        self._ids = itertools.count(random.randrange(1, 2**31))
        self.info: dict[str, Any] = {}

    # --- the link -----------------------------------------------------------------------

    def open(self) -> DeviceClient:
        import serial

        try:
            self._serial = serial.Serial(
                self.port, self.baudrate, timeout=0.05, write_timeout=self.timeout
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"cannot open {self.port}: {exc}") from None
        self._serial.reset_input_buffer()
        self._write(b"\n")  # ends any partial line an earlier session left on the device
        return self

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def __enter__(self) -> DeviceClient:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise LinkError("not connected")
        return self._serial

    def _write(self, data: bytes) -> None:
        import serial

        try:
            self._port().write(data)
        except serial.SerialTimeoutException:
            raise LinkError(f"the pacer on {self.port} is not reading (write timed out)") from None
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"{self.port}: {exc}") from None

    def _read_messages(self, deadline: float) -> Iterator[Reply | ErrorReply | Event]:
        """Messages as they arrive, until ``deadline`` (monotonic); then stops."""
        import serial

        port = self._port()
        while time.monotonic() < deadline:
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise LinkError(f"{self.port}: {exc}") from None
            for item in self._framer.feed(data):
                if isinstance(item, Overlong):
                    continue  # a device never sends one; skip rather than misread
                try:
                    yield decode_message(item, self.limits)
                except ProtocolError:
                    continue  # noise on the line (a console message): not ours

    def request(
        self, op: Op, args: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one request (an op of the catalogue) and return its ``result``; RequestError
        on an error reply."""
        rid = next(self._ids)
        self._write(encode_request(Request(rid, op, dict(args or {}))))
        wait = self.timeout if timeout is None else timeout
        for message in self._read_messages(time.monotonic() + wait):
            if isinstance(message, Event):
                self._events.append(message)
            elif message.id == rid:
                if isinstance(message, ErrorReply):
                    raise message.error
                return message.result
        raise LinkError(f"no answer from the pacer on {self.port} to {op!r} within {wait:g} s")

    def next_event(self, timeout: float) -> Event | None:
        """The next unsolicited message, or None after ``timeout`` seconds."""
        if self._events:
            return self._events.popleft()
        for message in self._read_messages(time.monotonic() + timeout):
            if isinstance(message, Event):
                return message
        return None

    # --- requests -----------------------------------------------------------------------

    def hello(self) -> dict[str, Any]:
        """Start the conversation. Asked again every second until ``timeout``: a device
        that is just opening its port drops what arrived before (a new session starts
        clean), and a late answer to an earlier try is ignored."""
        deadline = time.monotonic() + self.timeout
        args = {"protocol": PROTOCOL_VERSION, "client": "pacer-cli"}
        while True:
            wait = min(1.0, max(0.05, deadline - time.monotonic()))
            try:
                self.info = self.request(Op.HELLO, args, timeout=wait)
            except LinkError:
                if time.monotonic() >= deadline:
                    raise
                continue
            return self.info

    def time_get(self) -> float:
        return float(self.request(Op.TIME_GET)["wall"])

    def time_sync(self, now: Callable[[], float] = time.time) -> dict[str, Any]:
        """Set the device clock to this computer's; the result has ``previous``."""
        return self.request(Op.TIME_SET, {"wall": now()})

    def workouts(self) -> dict[str, Any]:
        return self.request(Op.WORKOUT_LIST)

    def workout_get(self, name: str) -> dict[str, Any]:
        return self.request(Op.WORKOUT_GET, {"name": name})

    def workout_put(
        self,
        name: str,
        text: str,
        *,
        origin: str | None = None,
        origin_updated: str | None = None,
    ) -> dict[str, Any]:
        """Store a workout; ``origin``/``origin_updated`` mark one synced from a service."""
        args: dict[str, Any] = {"name": name, "text": text}
        if origin is not None:
            args["origin"] = origin
        if origin_updated is not None:
            args["origin_updated"] = origin_updated
        return self.request(Op.WORKOUT_PUT, args)

    def workout_delete(self, name: str) -> dict[str, Any]:
        return self.request(Op.WORKOUT_DELETE, {"name": name})

    def select(self, name: str) -> dict[str, Any]:
        return self.request(Op.WORKOUT_SELECT, {"name": name})

    def start(self, name: str | None = None) -> dict[str, Any]:
        return self.request(Op.WORKOUT_START, {"name": name} if name else {})

    def stop(self) -> dict[str, Any]:
        return self.request(Op.WORKOUT_STOP)

    def profile_get(self) -> dict[str, Any]:
        return self.request(Op.PROFILE_GET)

    def profile_put(self, text: str) -> dict[str, Any]:
        return self.request(Op.PROFILE_PUT, {"text": text})

    def settings_get(self) -> dict[str, Any]:
        return self.request(Op.SETTINGS_GET)

    def settings_set(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.request(Op.SETTINGS_SET, {"values": dict(values)})

    def sensors(self) -> dict[str, Any]:
        return self.request(Op.SENSORS_LIST)

    def activities(self) -> list[dict[str, Any]]:
        return list(self.request(Op.ACTIVITY_LIST)["activities"])

    def status(self) -> dict[str, Any]:
        return dict(self.request(Op.STATUS_GET)["status"])

    def follow_status(self, *, poll_s: float = 2.0) -> Generator[dict[str, Any]]:
        """Subscribe and yield each status as it arrives (about 1 Hz while the engine
        ticks) until the consumer stops; when no event comes for ``poll_s`` seconds (an
        idle device), ask for the status instead, which also notices a device gone."""
        first = self.request(Op.STATUS_SUBSCRIBE)
        try:
            yield dict(first["status"])
            while True:
                event = self.next_event(poll_s)
                if event is None:
                    yield self.status()
                elif event.event == "status":
                    yield event.data
        finally:
            if self._serial is not None:
                with contextlib.suppress(LinkError, RequestError):
                    self.request(Op.STATUS_UNSUBSCRIBE, timeout=1.0)

    # --- activity download --------------------------------------------------------------

    def download(
        self,
        activity: Mapping[str, Any],
        dest_dir: Path,
        *,
        progress: Progress | None = None,
        chunk_bytes: int | None = None,
        retries: int = 3,
    ) -> Path:
        """Download one activity into ``dest_dir``, resuming a ``.part`` file left by a cut
        link; every chunk is checked (crc32) and the whole file too (sha256) before it is
        renamed into place and the device is told it was downloaded."""
        dest_dir.mkdir(parents=True, exist_ok=True)
        final = dest_dir / activity_filename(activity)
        part = final.with_name(final.name + ".part")
        for attempt in range(2):
            try:
                sha = self._fetch(int(activity["id"]), part, progress, chunk_bytes, retries)
            except _Restart:
                part.unlink(missing_ok=True)
                if attempt == 0:
                    continue
                raise
            os.replace(part, final)
            self.request(Op.ACTIVITY_ACK, {"id": int(activity["id"]), "sha256": sha})
            return final
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch(
        self,
        activity: int,
        part: Path,
        progress: Progress | None,
        chunk_bytes: int | None,
        retries: int,
    ) -> str:
        offset = part.stat().st_size if part.exists() else 0
        digest = hashlib.sha256()
        if offset:
            digest.update(part.read_bytes())
        expected: str | None = None
        with part.open("ab") as out:
            while True:
                args: dict[str, Any] = {"id": activity, "offset": offset}
                if chunk_bytes:
                    args["length"] = chunk_bytes
                try:
                    reply = self._chunk(args, retries)
                except RequestError as exc:
                    if exc.code == ErrorCode.INVALID_FIELD and exc.field == "args.offset":
                        raise _Restart from None  # a stale .part longer than the activity
                    raise
                data, size = reply["bytes"], int(reply["size"])
                if expected is None:
                    expected = str(reply["sha256"])
                elif expected != reply["sha256"]:
                    raise _Restart  # the activity changed under us
                out.write(data)
                out.flush()
                digest.update(data)
                offset += len(data)
                if progress is not None:
                    progress(offset, size)
                if reply["eof"]:
                    break
        if digest.hexdigest() != expected:
            raise _Restart
        assert expected is not None
        return expected

    def _chunk(self, args: dict[str, Any], retries: int) -> dict[str, Any]:
        """One chunk, its crc32 checked; retried on a bad checksum."""
        for _ in range(retries):
            reply = self.request(Op.ACTIVITY_GET, args)
            try:
                data = base64.b64decode(reply["data"], validate=True)
            except (ValueError, TypeError):
                continue
            if len(data) == reply["length"] and zlib.crc32(data) == reply["crc32"]:
                return {**reply, "bytes": data}
        raise LinkError(
            f"activity {args['id']}: chunk at {args['offset']} failed its checksum "
            f"{retries} times; check the cable"
        )


class _Restart(Exception):
    """The partial download cannot be continued; start it again from zero."""
