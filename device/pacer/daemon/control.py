"""The serial link's hold on the running workout: :class:`LinkControl` is the
:class:`~pacer.link.service.EngineControl` over the daemon's live engine, and
:class:`~pacer.link.status.StatusHub` (the link's one subscriber registry) fans each
second's status out to the hosts that subscribed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pacer.core.errors import InputErrors, ProtocolError, StoreError
from pacer.link.status import StatusCallback, StatusHub


class Workouts(Protocol):
    """What the link may ask of the daemon."""

    def running(self) -> str | None: ...

    async def start_workout(self, name: str, source: str) -> None: ...

    async def stop_workout(self) -> None: ...

    def selection_changed(self, name: str | None) -> None: ...

    def status(self) -> dict[str, Any]: ...


class LinkControl:
    """:class:`~pacer.link.service.EngineControl` on the daemon: ``workout.start`` runs the
    stored workout on the real engine exactly as a button press on the idle screen would."""

    def __init__(self, workouts: Workouts, hub: StatusHub) -> None:
        self._workouts = workouts
        self._hub = hub

    def running(self) -> str | None:
        return self._workouts.running()

    async def start(self, name: str, source: str) -> None:
        from pacer.link.protocol import ErrorCode

        running = self._workouts.running()
        if running is not None:
            raise ProtocolError(ErrorCode.CONFLICT, f"{running!r} is already running")
        try:
            await self._workouts.start_workout(name, source)
        except InputErrors as exc:  # the profile changed since the workout was stored
            raise ProtocolError(
                ErrorCode.INVALID_WORKOUT, f"{name!r} no longer resolves: {exc.errors[0]}"
            ) from None
        except StoreError as exc:  # no room to record it
            raise ProtocolError(ErrorCode.FULL, str(exc)) from None

    async def stop(self) -> None:
        from pacer.link.protocol import ErrorCode

        if self._workouts.running() is None:
            raise ProtocolError(ErrorCode.CONFLICT, "no workout is running")
        await self._workouts.stop_workout()

    def select(self, name: str | None) -> None:
        self._workouts.selection_changed(name)

    def status(self) -> dict[str, Any]:
        return self._workouts.status()

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        return self._hub.subscribe(callback)


__all__ = ["LinkControl", "StatusCallback", "StatusHub", "Workouts"]
