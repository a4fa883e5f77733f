"""What every request handler works with: the device's ports, the shared context, the
handler shape. Pure apart from the store the context holds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pacer.config.file import Config
from pacer.core.clock import Clock
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import Limits, Request
from pacer.link.status import StatusCallback
from pacer.storage.store import Store

log = logging.getLogger("pacer.link.service")


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


class ServiceControl(Protocol):
    """Restart or shut down the pacer service; called after the reply has been sent."""

    def restart(self) -> None: ...

    def shutdown(self) -> None: ...


@dataclass
class Context:
    """The device as the handlers see it."""

    store: Store
    clock: SettableClock
    engine: EngineControl
    limits: Limits
    #: The device config the settings override (for the effective values shown).
    config: Config
    on_change: Callable[[str], None] | None = None

    def changed(self, topic: str) -> None:
        """Tell the daemon that ``topic`` changed (after the change is committed)."""
        if self.on_change is not None:
            try:
                self.on_change(topic)
            except Exception:  # a listener's bug must not fail a committed request
                log.exception("on_change(%r) failed", topic)


@dataclass
class Result:
    """A handler's outcome: the reply's ``result`` and an action to run once it is sent."""

    result: dict[str, Any]
    after: Callable[[], None] | None = None


class SessionPort(Protocol):
    """A host's conversation as the handlers see it (:class:`pacer.link.session.Session`):
    its status subscription. Declared here so the handlers need not import the session,
    which imports them."""

    def subscribe(self, engine: EngineControl) -> None: ...

    def unsubscribe(self) -> None: ...


Handler = Callable[[Request, Args, SessionPort], Awaitable[dict[str, Any] | Result]]


class Requests:
    """One concern's handlers over the shared :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def handlers(self) -> dict[Op, Handler]:
        """The ops this concern serves on this device."""
        raise NotImplementedError
