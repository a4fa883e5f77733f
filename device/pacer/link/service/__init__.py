"""The device's answers to the protocol: a thin dispatcher over one module per concern.

:class:`DeviceService` takes the :class:`pacer.storage.store.Store`, a settable clock and an
:class:`EngineControl` (the running workout), and turns one framed line into one reply line.
Its handlers live by concern: :mod:`.device` (hello, time, service), :mod:`.workouts`,
:mod:`.run` (start/stop, status), :mod:`.settings` (settings, profile), :mod:`.sensors`,
:mod:`.activities`, :mod:`.secrets` (write-only credentials); :mod:`.texts` bounds and
parses workout/profile texts off the loop.
Rejected input changes nothing; an unexpected exception becomes an ``internal`` error reply,
never a dead server. Nothing here blocks the event loop for long: a line over
:data:`INLINE_DECODE_BYTES` is decoded in a worker thread, texts are parsed in one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from pacer.config.file import Config
from pacer.core.errors import ProtocolError
from pacer.devices.bundle import SensorScanner
from pacer.link.args import Args
from pacer.link.framing import Overlong
from pacer.link.ops import Op
from pacer.link.protocol import (
    DEFAULT_LIMITS,
    ErrorCode,
    Limits,
    Request,
    decode_request,
    encode_error,
    encode_reply,
    request_id_of,
)
from pacer.link.service.activities import ActivityRequests
from pacer.link.service.base import (
    Context,
    EngineControl,
    Handler,
    Result,
    ServiceControl,
    SessionPort,
    SettableClock,
)
from pacer.link.service.device import DeviceRequests
from pacer.link.service.run import RunRequests
from pacer.link.service.secrets import SecretRequests
from pacer.link.service.sensors import SensorRequests
from pacer.link.service.settings import SettingsRequests
from pacer.link.service.workouts import WorkoutRequests
from pacer.storage.store import Store, StoreFull

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.link.session import Session

log = logging.getLogger(__name__)

#: Lines up to this size are decoded on the loop (a few ms at most even on a Pi Zero);
#: longer ones (up to ``max_line_bytes``) in a worker thread.
INLINE_DECODE_BYTES: Final = 8 * 1024


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
        self.ctx = Context(store, clock, engine, limits, config or Config(), on_change)
        self.device_id = device_id
        self._handlers: dict[str, Handler] = {}
        for concern in (
            DeviceRequests(self.ctx, device_id, lambda: self.capabilities, service),
            WorkoutRequests(self.ctx),
            RunRequests(self.ctx),
            SettingsRequests(self.ctx),
            SensorRequests(self.ctx, scanner),
            ActivityRequests(self.ctx),
            SecretRequests(self.ctx),
        ):
            for op, handler in concern.handlers().items():
                self._handlers[op] = handler
        self._capabilities = sorted(str(op) for op in self._handlers)

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def limits(self) -> Limits:
        return self.ctx.limits

    @property
    def engine(self) -> EngineControl:
        return self.ctx.engine

    @property
    def config(self) -> Config:
        """The device config the settings override (``settings.get`` shows the result)."""
        return self.ctx.config

    @config.setter
    def config(self, config: Config) -> None:
        self.ctx.config = config

    @property
    def capabilities(self) -> list[str]:
        """The ops this device serves, sorted (``hello`` lists them)."""
        return list(self._capabilities)

    def session(self) -> Session:
        from pacer.link.session import Session

        return Session(self)

    async def _decode(self, line: bytes) -> Request:
        if len(line) <= INLINE_DECODE_BYTES:
            return _decode_line(line, self.limits)
        return await asyncio.to_thread(_decode_line, line, self.limits)

    async def handle(
        self, item: bytes | Overlong, session: SessionPort
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
            request = await self._decode(item)
        except ProtocolError as exc:
            return encode_error(exc), None
        try:
            handler = self._handlers.get(request.op)
            if handler is None:
                raise ProtocolError(
                    ErrorCode.UNKNOWN_OP,
                    f"unknown request {request.op!r}; 'hello' lists the capabilities",
                    field="op",
                )
            outcome = await handler(request, Args(request), session)
            if isinstance(outcome, dict):
                outcome = Result(outcome)
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


def _decode_line(line: bytes, limits: Limits) -> Request:
    """decode_request; a refused line's error carries its id whenever one can be read."""
    try:
        return decode_request(line, limits)
    except ProtocolError as exc:
        if exc.request_id is None:
            exc.request_id = request_id_of(line, limits)
        raise


__all__ = [
    "INLINE_DECODE_BYTES",
    "DeviceService",
    "EngineControl",
    "Op",
    "SensorScanner",
    "ServiceControl",
    "SettableClock",
]
