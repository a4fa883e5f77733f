"""Device side of the USB serial link: the request dispatcher and the port loop.

Two layers:

* :class:`DeviceService` answers requests. It is I/O-free apart from the store: it takes
  the :class:`pacer.storage.store.Store`, a settable clock and an :class:`EngineControl` (the
  running workout) and turns one framed line into one reply line. Rejected input changes nothing;
  an unexpected exception becomes an ``internal`` error reply, never a dead server.
  A :class:`Session` is one host's conversation: its line framer, its outgoing queue and
  its status subscription.
* :class:`SerialServer` owns the port (``/dev/ttyGS0`` on the Pi, opened with pyserial).
  It tolerates the port being absent (it retries until it appears), a host that goes away
  and comes back (a read or write error, or output stalled for ``write_stall_s``, ends
  the session; the port is reopened and a new session starts), and it never blocks the
  event loop, so a workout keeps running beside it.

pyserial is imported lazily, inside :class:`SerialServer`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from pacer import __version__
from pacer.ble.pairing import Pairing, forget_in, pair_in, store_pairings
from pacer.config.file import Config
from pacer.config.settings import check_update, effective
from pacer.config.validate import SettingError
from pacer.core.clock import Clock
from pacer.core.errors import ConfigError, InputErrors, ProtocolError, StoreError
from pacer.core.samples import CadenceUnit, SensorRole
from pacer.link.protocol import (
    DEFAULT_LIMITS,
    PROTOCOL_VERSION,
    Args,
    ErrorCode,
    ErrorDetail,
    Limits,
    LineFramer,
    Overlong,
    Request,
    RequestError,
    decode_request,
    encode_error,
    encode_event,
    encode_reply,
    request_id_of,
)
from pacer.storage.store import ActivityStatus, Store, StoreFull, read_activity_payload

if TYPE_CHECKING:  # pragma: no cover - typing only
    import serial

    from pacer.engine.snapshot import Snapshot

log = logging.getLogger(__name__)

DEFAULT_PORT: Final = "/dev/ttyGS0"
#: The earliest and latest wall time ``time.set`` accepts (2017 .. 2103).
MIN_WALL: Final = 1.5e9
MAX_WALL: Final = 4.2e9
#: Validation messages returned at most (a broken file can produce hundreds).
MAX_DETAILS: Final = 50
MAX_SCAN_S: Final = 30

StatusCallback = Callable[[dict[str, Any]], None]


class EngineControl(Protocol):
    """What the serial link may do to the workout engine; the daemon implements it.

    Every method is called from the event loop thread; ``subscribe``'s callback must be
    called from it too, and must not be slowed by the link (the server only queues it).
    """

    def running(self) -> str | None:
        """The name of the workout being run (paused counts), None when idle."""
        ...

    async def start(self, name: str, source: str) -> None:
        """Start ``name`` (its validated source text); ProtocolError(CONFLICT) if busy."""
        ...

    async def stop(self) -> None:
        """Stop the running workout (ends its activity); ProtocolError(CONFLICT) if idle."""
        ...

    def select(self, name: str | None) -> None:
        """The selection changed (the menu shows it, the start button runs it)."""
        ...

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot: at least ``state`` ("idle", "running", ...)."""
        ...

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        """Call ``callback(status)`` about once a second; returns the unsubscribe."""
        ...


class SettableClock(Clock, Protocol):
    """The clock with a settable wall time (:class:`pacer.core.clock.SystemClock`, and
    :class:`pacer.sim.clock.SimClock`): a Pi Zero has no real-time clock."""

    def set_wall(self, epoch_seconds: float) -> None: ...


class SensorScanner(Protocol):
    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        """Nearby sensors: ``[{"address", "name", "rssi", "roles": [...]}, ...]``."""
        ...


class ServiceControl(Protocol):
    """Restart or shut down the pacer service; called after the reply has been sent."""

    def restart(self) -> None: ...

    def shutdown(self) -> None: ...


def status_json(snapshot: Snapshot, workout: str | None = None) -> dict[str, Any]:
    """An engine snapshot as the link streams it: plain JSON (enums as their values, tuples
    as lists, non-finite numbers as null), ``sensors`` as ``{role: connected}``, plus the
    ``workout`` name and the 1-based ``step``."""
    data = dataclasses.asdict(snapshot)
    data["sensors"] = {str(role): connected for role, connected in snapshot.sensors}
    data["step"] = snapshot.step_number
    data["workout"] = workout
    plain = _plain(data)
    assert isinstance(plain, dict)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_device_id() -> str:
    """A stable id for ``hello``: the Pi's serial number, else a hash of the machine id."""
    from pathlib import Path

    for path in (Path("/proc/device-tree/serial-number"), Path("/etc/machine-id")):
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


# --- a session: one host's conversation ----------------------------------------------


class Outbox:
    """What a session sends: replies in order, and the latest event of each kind.

    Replies are never dropped; :meth:`put_reply` waits while ``max_replies`` are queued (the
    reader then stops reading, so a host that does not read is slowed, not buffered).
    Events are coalesced: a slow host gets the newest status, not a backlog. One producer
    of replies (the session's reader), one consumer (the port's writer).
    """

    def __init__(self, max_replies: int = 8) -> None:
        self.max_replies = max_replies
        self._replies: deque[tuple[bytes, Callable[[], None] | None]] = deque()
        self._events: dict[str, bytes] = {}
        self._ready = asyncio.Event()  # something to send
        self._space = asyncio.Event()  # room for a reply
        self._space.set()

    def __len__(self) -> int:
        return len(self._replies) + len(self._events)

    async def put_reply(self, data: bytes, after: Callable[[], None] | None = None) -> None:
        while len(self._replies) >= self.max_replies:
            self._space.clear()
            await self._space.wait()
        self._replies.append((data, after))
        self._ready.set()

    def put_event(self, name: str, data: bytes) -> None:
        self._events.pop(name, None)
        self._events[name] = data
        self._ready.set()

    def take_nowait(self) -> tuple[bytes, Callable[[], None] | None] | None:
        if self._replies:
            item = self._replies.popleft()
            self._space.set()
            return item
        if self._events:
            name = next(iter(self._events))
            return self._events.pop(name), None
        return None

    async def get(self) -> tuple[bytes, Callable[[], None] | None]:
        while True:
            item = self.take_nowait()
            if item is not None:
                return item
            self._ready.clear()
            await self._ready.wait()

    def drop_events(self) -> None:
        self._events.clear()


class Session:
    """One host's conversation; :meth:`close` when the link goes."""

    def __init__(self, service: DeviceService) -> None:
        self.service = service
        self.framer = LineFramer(service.limits.max_line_bytes)
        self.outbox = Outbox()
        self._unsubscribe: Callable[[], None] | None = None
        self.closed = False
        self.replies = 0

    @property
    def subscribed(self) -> bool:
        return self._unsubscribe is not None

    def subscribe(self, engine: EngineControl) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = engine.subscribe(self._on_status)

    def unsubscribe(self) -> None:
        if self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            unsubscribe()
        self.outbox.drop_events()

    def _on_status(self, status: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            line = encode_event("status", status)
        except (TypeError, ValueError):
            log.exception("engine status is not plain JSON; dropped")
            return
        self.outbox.put_event("status", line)

    async def feed(self, chunk: bytes) -> None:
        """Frame ``chunk`` and queue one reply per complete line."""
        for item in self.framer.feed(chunk):
            reply, after = await self.service.handle(item, self)
            self.replies += 1
            await self.outbox.put_reply(reply, after)

    def close(self) -> None:
        self.unsubscribe()
        self.closed = True


# --- the dispatcher ------------------------------------------------------------------


@dataclass
class _Result:
    """A handler's outcome: the reply's ``result`` and an action to run once it is sent."""

    result: dict[str, Any]
    after: Callable[[], None] | None = None


Handler = Callable[[Request, Args, Session], Awaitable[dict[str, Any] | _Result]]


class DeviceService:
    """Serves every request of the protocol (``docs/protocol.md``) against the store."""

    def __init__(
        self,
        store: Store,
        clock: SettableClock,
        engine: EngineControl,
        *,
        device_id: str,
        limits: Limits = DEFAULT_LIMITS,
        scanner: SensorScanner | None = None,
        service: ServiceControl | None = None,
        on_change: Callable[[str], None] | None = None,
        config: Config | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.engine = engine
        self.device_id = device_id
        self.limits = limits
        self.scanner = scanner
        self.service = service
        self._on_change = on_change
        #: The device config the settings override (for the effective values shown).
        self.config = config or Config()
        self._payload: tuple[int, bytes, str] | None = None  # activity id, bytes, sha256
        self._handlers: dict[str, Handler] = {
            "hello": self._hello,
            "time.get": self._time_get,
            "time.set": self._time_set,
            "profile.get": self._profile_get,
            "profile.put": self._profile_put,
            "workout.list": self._workout_list,
            "workout.get": self._workout_get,
            "workout.put": self._workout_put,
            "workout.delete": self._workout_delete,
            "workout.select": self._workout_select,
            "workout.start": self._workout_start,
            "workout.stop": self._workout_stop,
            "sensors.list": self._sensors_list,
            "sensors.pair": self._sensors_pair,
            "sensors.forget": self._sensors_forget,
            "settings.get": self._settings_get,
            "settings.set": self._settings_set,
            "activity.list": self._activity_list,
            "activity.get": self._activity_get,
            "activity.ack": self._activity_ack,
            "activity.delete": self._activity_delete,
            "status.get": self._status_get,
            "status.subscribe": self._status_subscribe,
            "status.unsubscribe": self._status_unsubscribe,
        }
        if scanner is not None:
            self._handlers["sensors.scan"] = self._sensors_scan
        if service is not None:
            self._handlers["service.restart"] = self._service_restart
            self._handlers["service.shutdown"] = self._service_shutdown

    @property
    def capabilities(self) -> list[str]:
        return sorted(self._handlers)

    def session(self) -> Session:
        return Session(self)

    def _changed(self, topic: str) -> None:
        if self._on_change is not None:
            try:
                self._on_change(topic)
            except Exception:  # a listener's bug must not fail a committed request
                log.exception("on_change(%r) failed", topic)

    async def handle(
        self, item: bytes | Overlong, session: Session
    ) -> tuple[bytes, Callable[[], None] | None]:
        """One framed line to one reply line (and an action to run once it is sent)."""
        if isinstance(item, Overlong):
            exc = ProtocolError(
                ErrorCode.LINE_TOO_LONG,
                f"line of {item.size} bytes is over the limit of {self.limits.max_line_bytes}"
                "; it was dropped",
            )
            return encode_error(exc), None
        try:
            request = decode_request(item, self.limits)
        except ProtocolError as exc:
            return encode_error(exc, exc.request_id or request_id_of(item)), None
        try:
            handler = self._handlers.get(request.op)
            if handler is None:
                raise ProtocolError(
                    ErrorCode.UNKNOWN_OP,
                    f"unknown request {request.op!r}; 'hello' lists the capabilities",
                    field="op",
                )
            args = Args(request)
            outcome = await handler(request, args, session)
            if isinstance(outcome, dict):
                outcome = _Result(outcome)
            return encode_reply(request.id, outcome.result), outcome.after
        except ProtocolError as exc:
            return encode_error(exc, request.id), None
        except StoreFull as exc:  # the disk is full, whatever the request wrote
            return encode_error(ProtocolError(ErrorCode.FULL, str(exc)), request.id), None
        except Exception:
            log.exception("request %r (%s) failed", request.id, request.op)
            internal = ProtocolError(
                ErrorCode.INTERNAL,
                f"the device failed to serve {request.op!r} (see its log); the link still works",
            )
            return encode_error(internal, request.id), None

    # --- hello and time -----------------------------------------------------------------

    async def _hello(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        version = args.integer("protocol", minimum=0, maximum=1_000_000, default=PROTOCOL_VERSION)
        args.text("client", max_bytes=128, required=False)
        args.done()
        if version != PROTOCOL_VERSION:
            raise ProtocolError(
                ErrorCode.UNSUPPORTED_VERSION,
                f"this device speaks protocol {PROTOCOL_VERSION}, not {version}",
                field="args.protocol",
            )
        session.unsubscribe()  # a new host conversation starts clean
        return {
            "protocol": PROTOCOL_VERSION,
            "software": __version__,
            "device_id": self.device_id,
            "capabilities": self.capabilities,
            "limits": self.limits.to_json(),
            "time": self.clock.wall(),
        }

    async def _time_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        return {"wall": self.clock.wall()}

    async def _time_set(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        wall = args.number("wall", minimum=MIN_WALL, maximum=MAX_WALL)
        args.done()
        previous = self.clock.wall()
        self.clock.set_wall(wall)
        self._changed("time")
        return {"wall": self.clock.wall(), "previous": previous}

    # --- profile ------------------------------------------------------------------------

    async def _profile_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        profile = self.store.get_profile()
        if profile is None:
            return {"text": None, "updated": None}
        return {"text": profile.source, "updated": profile.updated}

    async def _profile_put(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        text = args.text("text", max_bytes=self.limits.max_text_bytes)
        args.done()
        assert text is not None
        from pacer.workout.profile import load_profile

        try:
            load_profile(text, source="profile")
        except InputErrors as exc:
            raise _invalid(ErrorCode.INVALID_PROFILE, "the profile", exc) from None
        self.store.put_profile(text, self.clock.wall())
        self._changed("profile")
        return {"bytes": len(text.encode())}

    # --- workouts -----------------------------------------------------------------------

    async def _workout_list(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        selected = self.store.selected_workout()
        running = self.engine.running()
        return {
            "workouts": [
                {
                    "name": w.name,
                    "bytes": w.bytes,
                    "updated": w.updated,
                    "selected": w.name == selected,
                    "running": w.name == running,
                }
                for w in self.store.list_workouts()
            ],
            "selected": selected,
            "running": running,
            "max": self.limits.max_workouts,
        }

    def _stored_workout(self, args: Args, name: str) -> str:
        stored = self.store.get_workout(name)
        if stored is None:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        return stored.source

    async def _workout_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        stored = self.store.get_workout(name)
        if stored is None:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        return {"name": stored.name, "text": stored.source, "updated": stored.updated}

    async def _workout_put(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.name()
        text = args.text("text", max_bytes=self.limits.max_text_bytes)
        args.done()
        assert name is not None
        assert text is not None
        if self.engine.running() == name:
            raise args.error(
                "name", f"{name!r} is running; stop it before replacing it", ErrorCode.CONFLICT
            )
        self._validate_workout(name, text)
        try:
            replaced = self.store.put_workout(
                name, text, self.clock.wall(), max_count=self.limits.max_workouts
            )
        except StoreFull as exc:
            raise args.error("name", f"{exc}; delete one first", ErrorCode.FULL) from None
        self._changed("workouts")
        return {"name": name, "bytes": len(text.encode()), "replaced": replaced}

    def _validate_workout(self, name: str, text: str) -> None:
        """The same validator as ``pacer validate``, against the stored profile if any."""
        from pacer.workout.fileformat import load_workout
        from pacer.workout.profile import load_profile

        stored = self.store.get_profile()
        profile = None
        if stored is not None:
            with contextlib.suppress(InputErrors):
                profile = load_profile(stored.source, source="profile")
        try:
            load_workout(text, source=name, profile=profile)
        except InputErrors as exc:
            raise _invalid(ErrorCode.INVALID_WORKOUT, f"workout {name!r}", exc) from None

    async def _workout_delete(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        if self.engine.running() == name:
            raise args.error(
                "name", f"{name!r} is running; stop it before deleting it", ErrorCode.CONFLICT
            )
        was_selected = self.store.selected_workout() == name
        if not self.store.delete_workout(name):
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        if was_selected:
            self.engine.select(None)
        self._changed("workouts")
        return {"name": name}

    async def _workout_select(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        try:
            self.store.select_workout(name)
        except StoreFull:
            raise  # the disk is full: answered "full" by the dispatcher
        except StoreError:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND) from None
        self.engine.select(name)
        self._changed("selection")
        return {"selected": name}

    async def _workout_start(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.name(required=False)
        args.done()
        if name is None:
            name = self.store.selected_workout()
            if name is None:
                raise args.error("name", "no workout selected: name one")
        running = self.engine.running()
        if running is not None:
            raise ProtocolError(
                ErrorCode.CONFLICT, f"{running!r} is already running; stop it first"
            )
        source = self._stored_workout(args, name)
        if self.store.selected_workout() != name:
            self.store.select_workout(name)
            self.engine.select(name)
            self._changed("selection")
        await self.engine.start(name, source)
        return {"running": name}

    async def _workout_stop(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        running = self.engine.running()
        if running is None:
            raise ProtocolError(ErrorCode.CONFLICT, "no workout is running")
        await self.engine.stop()
        return {"stopped": running}

    # --- sensors ------------------------------------------------------------------------

    async def _sensors_list(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        return {"sensors": [p.to_json() for p in store_pairings(self.store)]}

    async def _sensors_scan(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        seconds = args.integer("seconds", minimum=1, maximum=MAX_SCAN_S, default=5)
        args.done()
        assert self.scanner is not None
        if self.engine.running() is not None:
            raise ProtocolError(ErrorCode.CONFLICT, "cannot scan during a workout")
        return {"found": await self.scanner.scan(seconds)}

    async def _sensors_pair(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        address = args.text("address", max_bytes=64)
        role = args.choice("role", SensorRole)
        name = args.text("name", max_bytes=64, required=False)
        unit = args.choice("cadence_unit", CadenceUnit, required=False)
        args.done()
        assert address is not None
        assert role is not None
        if unit is not None and role is not SensorRole.POD:
            raise args.error("cadence_unit", "only a foot pod has a cadence unit")
        try:
            pairing = Pairing(address, role, name or "", unit or CadenceUnit.STEPS)
        except ConfigError as exc:
            raise args.error("address", exc.message) from None
        # One role per device as well as one device per role: the daemon keeps one BLE
        # connection per address (the same rule as `pacer sensors pair`).
        replaced = pair_in(self.store, pairing)
        self._changed("pairings")
        return {"paired": pairing.to_json(), "replaced": [p.to_json() for p in replaced]}

    async def _sensors_forget(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        address = args.text("address", max_bytes=64)
        args.done()
        assert address is not None
        try:
            removed = forget_in(self.store, address)
        except ConfigError as exc:
            raise args.error("address", exc.message) from None
        if not removed:
            raise args.error("address", f"no sensor paired at {address}", ErrorCode.NOT_FOUND)
        self._changed("pairings")
        return {"forgotten": [p.to_json() for p in removed]}

    # --- settings -----------------------------------------------------------------------

    async def _settings_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        stored = self.store.get_settings()
        return {"settings": effective(stored, self.config), "set": sorted(stored)}

    async def _settings_set(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        values = args.mapping("values", max_items=self.limits.max_items)
        args.done()
        try:
            checked = check_update(self.config, self.store.get_settings(), values)
        except SettingError as exc:
            raise args.error(f"values.{exc.key}", exc.message) from None
        self.store.update_settings(checked)
        self._changed("settings")
        return {"settings": effective(self.store.get_settings(), self.config)}

    # --- activities ---------------------------------------------------------------------

    async def _activity_list(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        return {"activities": [a.to_json() for a in self.store.list_activities()]}

    def _activity(self, args: Args, key: str = "id") -> tuple[int, ActivityStatus]:
        activity = args.integer(key, minimum=1, maximum=2**53)
        info = self.store.get_activity(activity)
        if info is None:
            raise args.error(key, f"no activity {activity}", ErrorCode.NOT_FOUND)
        return activity, info.status

    async def _payload_of(self, activity: int) -> tuple[bytes, str]:
        """The activity's bytes and sha256, built once per activity in a worker thread (a
        long run takes a while on a Pi Zero; the loop keeps serving the workout)."""
        if self._payload is None or self._payload[0] != activity:
            data, sha = await asyncio.to_thread(_export, self.store.path, activity)
            self._payload = (activity, data, sha)
        return self._payload[1], self._payload[2]

    async def _activity_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        activity, status = self._activity(args)
        offset = args.integer("offset", minimum=0, maximum=2**53, default=0)
        length = args.integer(
            "length",
            minimum=1,
            maximum=self.limits.max_chunk_bytes,
            default=self.limits.default_chunk_bytes,
        )
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        data, sha = await self._payload_of(activity)
        if offset > len(data):
            raise args.error("offset", f"offset {offset} is past the end ({len(data)} bytes)")
        chunk = data[offset : offset + length]
        return {
            "id": activity,
            "offset": offset,
            "length": len(chunk),
            "size": len(data),
            "data": base64.b64encode(chunk).decode("ascii"),
            "crc32": zlib.crc32(chunk),
            "sha256": sha,
            "eof": offset + len(chunk) >= len(data),
        }

    async def _activity_ack(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        activity, status = self._activity(args)
        sha = args.text("sha256", max_bytes=64)
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        _, expected = await self._payload_of(activity)
        if sha != expected:
            raise args.error("sha256", "does not match the activity; download it again")
        self.store.mark_downloaded(activity)
        self._changed("activities")
        return {"id": activity, "downloaded": True}

    async def _activity_delete(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        activity, status = self._activity(args)
        force = args.boolean("force")
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        info = self.store.get_activity(activity)
        if info is not None and not info.downloaded and not force:
            raise args.error(
                "id",
                f"activity {activity} was never downloaded; pass force to delete it anyway",
                ErrorCode.CONFLICT,
            )
        self.store.delete_activity(activity)
        if self._payload is not None and self._payload[0] == activity:
            self._payload = None
        self._changed("activities")
        return {"id": activity}

    # --- status and service -------------------------------------------------------------

    async def _status_get(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        return {"status": self.engine.status()}

    async def _status_subscribe(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        session.subscribe(self.engine)
        return {"subscribed": True, "status": self.engine.status()}

    async def _status_unsubscribe(
        self, req: Request, args: Args, session: Session
    ) -> dict[str, Any]:
        args.done()
        session.unsubscribe()
        return {"subscribed": False}

    def _service_action(self, args: Args, what: str) -> None:
        force = args.boolean("force")
        args.done()
        running = self.engine.running()
        if running is not None and not force:
            raise ProtocolError(
                ErrorCode.CONFLICT, f"{running!r} is running; stop it or pass force to {what}"
            )

    async def _service_restart(self, req: Request, args: Args, session: Session) -> _Result:
        self._service_action(args, "restart")
        assert self.service is not None
        return _Result({"restarting": True}, self.service.restart)

    async def _service_shutdown(self, req: Request, args: Args, session: Session) -> _Result:
        self._service_action(args, "shut down")
        assert self.service is not None
        return _Result({"shutting_down": True}, self.service.shutdown)


def _export(path: Path, activity: int) -> tuple[bytes, str]:
    data = read_activity_payload(path, activity)
    return data, hashlib.sha256(data).hexdigest()


def _invalid(code: ErrorCode, what: str, exc: InputErrors) -> RequestError:
    details = []
    for e in exc.errors[:MAX_DETAILS]:
        loc = getattr(e, "location", None)
        details.append(
            ErrorDetail(
                getattr(e, "message", str(e))[:500],
                loc.line if loc is not None else None,
                loc.col if loc is not None else None,
            )
        )
    n = len(exc.errors)
    return RequestError(
        code,
        f"{what} has {n} problem{'s' if n != 1 else ''}",
        field="args.text",
        details=details,
    )


# --- the port ------------------------------------------------------------------------


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
