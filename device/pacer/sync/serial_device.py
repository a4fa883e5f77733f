"""The device port over the USB serial link (``pacer sync`` on the laptop).

Uses the host client of ``pacer device`` (:class:`pacer.link.host.DeviceClient`), already
opened and greeted by the caller. An activity is downloaded with the client's checked,
resumable download (which also marks it downloaded on the device) into a scratch folder,
and converted to FIT by the same encoder as ``pacer export``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pacer.link.host import DeviceClient
from pacer.sync.port import DeviceActivity, DeviceWorkout
from pacer.workout.profile import Profile, dump_profile, load_profile

Progress = Callable[[int, int], None]


class SerialDevice:
    """:class:`pacer.sync.port.SyncDevice` over a :class:`DeviceClient`."""

    def __init__(
        self, client: DeviceClient, scratch: Path | None = None, progress: Progress | None = None
    ) -> None:
        self.client = client
        self.scratch = scratch
        self.progress = progress
        self._listed: dict[int, dict[str, Any]] = {}

    def workouts(self) -> list[DeviceWorkout]:
        return [
            DeviceWorkout(str(w["name"]), w.get("origin"), w.get("origin_updated"))
            for w in self.client.workouts()["workouts"]
        ]

    def put_workout(
        self, name: str, workout_yaml: str, *, origin: str, origin_updated: str
    ) -> None:
        self.client.workout_put(name, workout_yaml, origin=origin, origin_updated=origin_updated)

    def remove_workout(self, name: str) -> None:
        self.client.workout_delete(name)

    def select_workout(self, name: str) -> None:
        self.client.select(name)

    def activities(self) -> list[DeviceActivity]:
        self._listed = {int(a["id"]): a for a in self.client.activities()}
        return [
            DeviceActivity(
                int(a["id"]),
                datetime.fromtimestamp(float(a["started"]), UTC),
                a.get("workout"),
                a.get("workout_origin"),
            )
            for a in self._listed.values()
            if a.get("status") == "ended"
        ]

    def activity_fit(self, activity_id: int) -> bytes:
        from pacer.formats.activities.fit import encode_activity
        from pacer.recording.payload import read_payload

        info = self._listed.get(activity_id)
        if info is None:
            self.activities()
            info = self._listed.get(activity_id)
        if info is None:
            from pacer.link.host import LinkError

            raise LinkError(f"no activity {activity_id} on the device")
        with tempfile.TemporaryDirectory(dir=self.scratch) as folder:
            path = self.client.download(info, Path(folder), progress=self.progress)
            data = path.read_bytes()
        return encode_activity(read_payload(data, f"activity {activity_id}"))

    def profile(self) -> Profile:
        text = self.client.profile_get()["text"]
        return Profile() if text is None else load_profile(text, source="device profile")

    def set_profile(self, profile: Profile) -> None:
        self.client.profile_put(dump_profile(profile))


__all__ = ["SerialDevice"]
