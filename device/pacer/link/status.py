"""The live status as the link streams it: the snapshot codec and the subscriber registry.

:func:`status_json` turns an engine snapshot into plain JSON (pure). :class:`StatusHub` is
the one registry of status subscribers (one per host session): the daemon publishes each
second's status into it, the simulated engine controls of the tests too.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.engine.snapshot import Snapshot

log = logging.getLogger(__name__)

#: Called with each status (a JSON-able dict), from the event loop; it only queues.
StatusCallback = Callable[[dict[str, Any]], None]


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


class StatusHub:
    """Subscribers to the status (one per host session). ``publish`` runs every callback;
    one that fails is logged and kept: a host's bug must not stop the ticker."""

    def __init__(self) -> None:
        self._subscribers: dict[int, StatusCallback] = {}
        self._ids = itertools.count()

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self, callback: StatusCallback) -> Callable[[], None]:
        """Add ``callback``; returns the function that removes it (idempotent)."""
        key = next(self._ids)
        self._subscribers[key] = callback

        def unsubscribe() -> None:
            self._subscribers.pop(key, None)

        return unsubscribe

    def publish(self, status: dict[str, Any]) -> None:
        for callback in list(self._subscribers.values()):
            try:
                callback(status)
            except Exception:
                log.exception("status subscriber failed")
