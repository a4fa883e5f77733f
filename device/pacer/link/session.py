"""One host's conversation with the device: its line framer, its outgoing queue (replies in
order, the newest event of each kind) and its status subscription. No I/O: the server feeds
it bytes and writes what its :class:`Outbox` gives."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from pacer.link.framing import LineFramer
from pacer.link.protocol import encode_event

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.link.framing import Overlong
    from pacer.link.protocol import Limits
    from pacer.link.service.base import EngineControl

log = logging.getLogger(__name__)


class LineService(Protocol):
    """What a session needs of the device's service (:class:`pacer.link.service.DeviceService`):
    its limits and one framed line turned into one reply line."""

    @property
    def limits(self) -> Limits: ...

    async def handle(
        self, item: bytes | Overlong, session: Session
    ) -> tuple[bytes, Callable[[], None] | None]: ...


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

    def __init__(self, service: LineService) -> None:
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
