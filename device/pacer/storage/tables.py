"""The rows the store keeps, as typed values, and the store's own errors.

:class:`Pairing` is the one pairing type (``pacer sensors``, the serial link and the BLE
sessions all use it) with the one Bluetooth address check, :func:`normalize_address`.
A recorded second has no row type here: the store keeps the activity format's sample
objects (:mod:`pacer.storage.payload`), made from the recording model's ``Record`` at the
recording room's edge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from pacer.core.errors import ConfigError, StoreError
from pacer.core.samples import PodCadenceUnit, SensorRole

_ADDRESS: Final = re.compile(r"[0-9A-F]{2}(:[0-9A-F]{2}){5}")


def normalize_address(address: str) -> str:
    """A Bluetooth address as BlueZ writes it (upper case, colons): ``aa:bb:cc:dd:ee:ff``
    and ``AA-BB-CC-DD-EE-FF`` are both accepted; anything else is a ConfigError."""
    candidate = address.strip().upper().replace("-", ":")
    if not _ADDRESS.fullmatch(candidate):
        raise ConfigError(
            f"{address!r} is not a Bluetooth address (six hex pairs, e.g. F0:13:C3:5A:2B:01)"
        )
    return candidate


class StoreFull(StoreError):
    """No room: the store holds the maximum number of items of that kind, or the disk is
    full (:class:`StorageFull`). The serial link answers ``full``."""


class StorageFull(StoreFull):
    """The file system holding the store is full: nothing of that write was kept."""


class NotStorable(StoreError):
    """A value the store cannot keep as it is (a non-finite number): nothing was written."""


@dataclass(frozen=True, slots=True)
class Pairing:
    """A sensor pacer connects to: at most one per role and one role per address."""

    address: str
    role: SensorRole
    name: str = ""
    #: Only foot pods: what their cadence counts (see :class:`pacer.ble.parsers.StepCadence`).
    cadence_unit: PodCadenceUnit = PodCadenceUnit.STEPS

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalize_address(self.address))
        object.__setattr__(self, "role", SensorRole(self.role))
        object.__setattr__(self, "cadence_unit", PodCadenceUnit(self.cadence_unit))

    def to_json(self) -> dict[str, Any]:
        pod = self.role is SensorRole.POD
        return {
            "address": self.address,
            "role": self.role.value,
            "name": self.name or None,
            "cadence_unit": self.cadence_unit.value if pod else None,
        }


class ActivityStatus(StrEnum):
    RECORDING = "recording"
    #: Was recording when the device stopped (power cut, crash); found at the next start.
    INTERRUPTED = "interrupted"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class WorkoutInfo:
    name: str
    bytes: int
    updated: float
    #: where a synced workout came from (``intervals.icu/event/12345``); None: the athlete's
    origin: str | None = None
    #: the upstream ``updated`` stamp it was made from
    origin_updated: str | None = None


@dataclass(frozen=True, slots=True)
class StoredText:
    """A workout or the profile: the source text exactly as the host sent it."""

    name: str
    source: str
    updated: float


@dataclass(frozen=True, slots=True)
class ActivityInfo:
    id: int
    started: float
    workout: str | None
    status: ActivityStatus
    downloaded: bool
    bytes: int
    #: why it holds less than was run (``"storage_full"``), None when nothing is missing
    incomplete: str | None = None
    #: the origin of its workout when the run started (the planned event it ran)
    workout_origin: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": self.started,
            "workout": self.workout,
            "status": self.status.value,
            "downloaded": self.downloaded,
            "bytes": self.bytes,
            **({"incomplete": self.incomplete} if self.incomplete else {}),
            **({"workout_origin": self.workout_origin} if self.workout_origin else {}),
        }


@dataclass(frozen=True, slots=True)
class EventRow:
    t: float
    type: str
    step: int | None = None
    data: Mapping[str, Any] | None = None
