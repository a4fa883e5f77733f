"""A pacer as sync sees it (:class:`pacer.sync.port.SyncDevice`), held in memory.

Stands in for the device in the runner's tests, where the serial link and the store are not
what is tested (the e2e tests run the real device over its pty). Its FIT files are real,
made by pacer's encoder from hand-built activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pacer.core.errors import StoreError
from pacer.formats.activities.fit import encode_activity
from pacer.sync.port import DeviceActivity, DeviceWorkout
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Profile, dump_profile, load_profile
from tests.support.activity_factory import step_up


@dataclass
class MemoryDevice:
    texts: dict[str, str] = field(default_factory=dict)
    workouts_: dict[str, DeviceWorkout] = field(default_factory=dict)
    runs: list[DeviceActivity] = field(default_factory=list)
    profile_text: str | None = None
    selected: str | None = None
    fits_read: list[int] = field(default_factory=list)

    def own(self, name: str, text: str) -> None:
        self.texts[name] = text
        self.workouts_[name] = DeviceWorkout(name)

    def add_run(
        self, workout: str | None = None, *, started: float = 1_778_310_000.0
    ) -> DeviceActivity:
        origin = self.workouts_[workout].origin if workout else None
        run = DeviceActivity(
            len(self.runs) + 1, datetime.fromtimestamp(started, UTC), workout, origin
        )
        self.runs.append(run)
        return run

    # --- the port ------------------------------------------------------------------------

    def workouts(self) -> list[DeviceWorkout]:
        return sorted(self.workouts_.values(), key=lambda w: w.name)

    def put_workout(
        self, name: str, workout_yaml: str, *, origin: str, origin_updated: str
    ) -> None:
        load_workout(workout_yaml, name, profile=self.profile())  # as the device validates
        self.texts[name] = workout_yaml
        self.workouts_[name] = DeviceWorkout(name, origin, origin_updated)

    def remove_workout(self, name: str) -> None:
        if name not in self.workouts_:
            raise StoreError(f"no workout named {name!r}")
        del self.workouts_[name], self.texts[name]
        if self.selected == name:
            self.selected = None

    def select_workout(self, name: str) -> None:
        if name not in self.workouts_:
            raise StoreError(f"no workout named {name!r}")
        self.selected = name

    def activities(self) -> list[DeviceActivity]:
        return list(self.runs)

    def activity_fit(self, activity_id: int) -> bytes:
        self.fits_read.append(activity_id)
        return encode_activity(step_up(20, seed=activity_id))

    def profile(self) -> Profile:
        return Profile() if self.profile_text is None else load_profile(self.profile_text)

    def set_profile(self, profile: Profile) -> None:
        self.profile_text = dump_profile(profile)
