"""The device as sync sees it: the one port both sides of sync code against.

Sync (:mod:`pacer.sync`) reads and writes a pacer only through :class:`SyncDevice`. Two
classes implement it:

* :class:`pacer.sync.serial_device.SerialDevice` (laptop side, ``pacer sync``): the port
  over the USB serial link, using the host client of ``pacer device``
  (:class:`pacer.link.host.DeviceClient`).
* ``StoreDevice`` (device side, the ``pacer-sync`` unit): the port directly on the device's
  own SQLite store (:class:`pacer.storage.store.Store`), for the sync the device runs by
  itself on home Wi-Fi.

Names follow the store and the serial protocol: a workout's *origin* is where a synced
workout came from (``intervals.icu/event/12345``) and *origin_updated* the upstream
``updated`` stamp it was converted from (both None for the athlete's own workouts, which
sync never touches). They are not the store's ``source`` (the workout's YAML text) nor its
``updated`` (when the device stored it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from pacer.core.errors import PacerError
from pacer.workout.profile import Profile

#: The origin prefix of a workout synced from an intervals.icu planned event.
ICU_EVENT_ORIGIN: Final = "intervals.icu/event/"


@dataclass(frozen=True, slots=True)
class DeviceWorkout:
    """A workout on the device."""

    name: str
    #: ``intervals.icu/event/12345`` for a synced workout, None for the athlete's own.
    origin: str | None = None
    #: the upstream ``updated`` stamp (as the service wrote it) the workout was made from.
    origin_updated: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceActivity:
    """A finished run on the device (status ``ended``)."""

    #: the device store's activity id
    id: int
    #: when the run started (UTC, timezone-aware)
    started: datetime
    #: the workout it ran (its device name), None for a free run
    workout_name: str | None = None
    #: that workout's origin when the run started (the planned event it ran), or None
    workout_origin: str | None = None


class SyncStopped(PacerError):
    """The device asks the sync to stop here, between two items: a workout started on the
    device that syncs by itself (:mod:`pacer.sync.on_device`). Not a failure: whatever sync
    was doing is left for the next one, the ledger as it is; never caught as a problem."""


class SyncDevice(Protocol):
    """A pacer, as sync reads and writes it. Every method raises a
    :class:`pacer.core.errors.PacerError` subclass on failure and changes nothing then
    (:class:`SyncStopped`: stop the sync here)."""

    def workouts(self) -> list[DeviceWorkout]:
        """Every workout on the device, synced or not."""
        ...

    def put_workout(
        self, name: str, workout_yaml: str, *, origin: str, origin_updated: str
    ) -> None:
        """Store (or replace) a workout and remember where it came from."""
        ...

    def remove_workout(self, name: str) -> None: ...

    def select_workout(self, name: str) -> None: ...

    def activities(self) -> list[DeviceActivity]:
        """Finished runs only (not one still recording)."""
        ...

    def activity_fit(self, activity_id: int) -> bytes:
        """The run as a FIT activity file."""
        ...

    def profile(self) -> Profile:
        """The athlete profile the device uses (the default one when none is stored)."""
        ...

    def set_profile(self, profile: Profile) -> None:
        """Replace the device's profile (written out with
        :func:`pacer.workout.profile.dump_profile`)."""
        ...


def external_id(activity: DeviceActivity) -> str:
    """The id a service keeps for a pacer run, stable across syncs and devices' resets:
    ``pacer-20260509-073500-12`` (UTC start and the device's activity id)."""
    return f"pacer-{activity.started.strftime('%Y%m%d-%H%M%S')}-{activity.id}"
