"""The device side of :class:`~pacer.sync.port.SyncDevice`: the port on the device's own store.

The ``pacer-sync`` unit runs the same sync as ``pacer sync`` on a laptop, with this in
place of the serial link: workouts and the profile go straight into the SQLite store (the
daemon's own database, opened on a connection of this process: WAL lets both write), runs
come out of it as FIT through the same exporter as ``pacer export``. Each method checks what
the serial link's handler checks, so a workout the link would refuse is refused here too:

* a workout is validated as ``workout.put`` does (against the stored profile, with the
  profile values it needs), and at most :attr:`Limits.max_workouts` are kept;
* the workout being run is never replaced or removed (``running`` says which one, from the daemon's
  published state: :mod:`pacer.sync.when`);
* a profile is written by :func:`~pacer.workout.profile.dump_profile` and read back before
  it is stored.

The daemon sees the change by itself: its store connection notices another connection's
commit (``PRAGMA data_version``) and redraws the idle screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pacer.core.clock import Clock, SystemClock
from pacer.core.errors import InputErrors, StoreError
from pacer.link.protocol import DEFAULT_LIMITS, NAME_RE, NAME_RULE, Limits
from pacer.storage.store import ActivityStatus, Store, read_activity_payload
from pacer.sync.port import DeviceActivity, DeviceWorkout
from pacer.workout.profile import Profile, dump_profile, load_profile


class StoreDevice:
    """:class:`~pacer.sync.port.SyncDevice` on ``store`` (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        running: Callable[[], str | None] = lambda: None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.running = running
        self.limits = limits

    def __repr__(self) -> str:
        return f"StoreDevice({str(self.store.path)!r})"

    # --- workouts -----------------------------------------------------------------------

    def workouts(self) -> list[DeviceWorkout]:
        return [
            DeviceWorkout(w.name, w.origin, w.origin_updated) for w in self.store.list_workouts()
        ]

    def put_workout(
        self, name: str, workout_yaml: str, *, origin: str, origin_updated: str
    ) -> None:
        """Validated as ``workout.put`` validates (InputErrors naming ``name``), then
        stored with its origin; StoreFull past the device's maximum."""
        from pacer.workout.fileformat import load_workout
        from pacer.workout.resolve import require_profile_values

        if not NAME_RE.fullmatch(name):
            raise StoreError(f"bad workout name {name!r}: {NAME_RULE}")
        if self.running() == name:
            raise StoreError(f"{name!r} is running; it is not replaced")
        text_bytes = len(workout_yaml.encode("utf-8"))
        if text_bytes > self.limits.max_text_bytes:
            raise StoreError(
                f"workout {name!r} is {text_bytes} bytes, over the device's limit of "
                f"{self.limits.max_text_bytes}"
            )
        try:
            profile: Profile | None = self.profile()
        except StoreError:  # as workout.put: a stored profile that does not load is ignored
            profile = None
        workout = load_workout(workout_yaml, source=name, profile=profile)
        require_profile_values(workout, profile or Profile(), name)
        self.store.put_workout(
            name,
            workout_yaml,
            self.clock.wall(),
            max_count=self.limits.max_workouts,
            origin=origin,
            origin_updated=origin_updated,
        )

    def remove_workout(self, name: str) -> None:
        """StoreError when it is the workout being run, or there is none by that name."""
        if self.running() == name:
            raise StoreError(f"{name!r} is running; it is left on the device")
        if not self.store.delete_workout(name):
            raise StoreError(f"no workout named {name!r} on the device")

    def select_workout(self, name: str) -> None:
        self.store.select_workout(name)

    # --- activities ---------------------------------------------------------------------

    def activities(self) -> list[DeviceActivity]:
        """Ended runs only: one still recording, or interrupted (the athlete may resume
        it from the idle menu), is not finished yet."""
        return [
            DeviceActivity(
                a.id, datetime.fromtimestamp(a.started, UTC), a.workout, a.workout_origin
            )
            for a in self.store.list_activities()
            if a.status is ActivityStatus.ENDED
        ]

    def activity_fit(self, activity_id: int) -> bytes:
        """The run as FIT (laps per step, HRV, alerts), exactly what ``pacer export ID
        --format fit`` writes; read on a read-only connection of its own."""
        from pacer.formats.activities.fit import encode_activity
        from pacer.recording.payload import read_payload

        payload = read_activity_payload(self.store.path, activity_id)
        return encode_activity(read_payload(payload, f"{self.store.path} activity {activity_id}"))

    # --- the profile --------------------------------------------------------------------

    def profile(self) -> Profile:
        stored = self.store.get_profile()
        if stored is None:
            return Profile()
        try:
            return load_profile(stored.source, source="device profile")
        except InputErrors as exc:
            raise StoreError(f"the device's stored profile does not load: {exc}") from None

    def set_profile(self, profile: Profile) -> None:
        text = dump_profile(profile)
        load_profile(text, source="profile (synced)")  # what profile.put checks
        self.store.put_profile(text, self.clock.wall())


__all__ = ["StoreDevice"]
