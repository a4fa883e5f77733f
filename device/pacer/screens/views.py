"""What the screens outside a running workout show: plain data, built by whoever owns it.

The workout screens render the engine's :class:`~pacer.engine.snapshot.Snapshot`; the menus,
the pairing list, the summary and the errors have their own small views here. The summary
is accumulated from the snapshot stream by :class:`SummaryTracker` (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pacer.engine.snapshot import RunState, Snapshot, TargetStatus
from pacer.samples import SensorRole


@dataclass(frozen=True, slots=True)
class IdleView:
    """The home screen: the workout that a press will start."""

    workout_name: str | None
    step_count: int = 0
    total_s: float | None = None
    total_m: float | None = None
    sensors: tuple[tuple[SensorRole, bool], ...] = ()
    battery_percent: int | None = None
    #: the line at the bottom, in a white box
    hint: str = "press to start"


@dataclass(frozen=True, slots=True)
class FoundSensor:
    role: SensorRole
    name: str
    rssi: int | None = None
    paired: bool = False


@dataclass(frozen=True, slots=True)
class PairingView:
    """A BLE scan in progress (``scanning``) or finished, with what it found."""

    found: tuple[FoundSensor, ...] = ()
    scanning: bool = True
    #: drives the little animation; the owner bumps it about once a second
    frame: int = 0
    hint: str = "A: pair  hold A: done"


class ErrorKind(StrEnum):
    NO_HR_STRAP = "no_hr_strap"
    STORAGE_FULL = "storage_full"
    BLUETOOTH_UNAVAILABLE = "bluetooth_unavailable"
    NO_WORKOUT = "no_workout"


#: title and what to do, as the screen shows them
ERROR_TEXT: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.NO_HR_STRAP: ("No HR strap", "Wet the strap, put it on, wait a moment"),
    ErrorKind.STORAGE_FULL: ("Storage full", "Sync and delete old runs from the host"),
    ErrorKind.BLUETOOTH_UNAVAILABLE: ("Bluetooth unavailable", "Restart the pacer; check rfkill"),
    ErrorKind.NO_WORKOUT: ("No workout", "Send one from the host over USB"),
}


@dataclass(frozen=True, slots=True)
class ErrorView:
    kind: ErrorKind
    #: replaces the default advice line when given
    detail: str | None = None
    hint: str = "A: retry  hold A: skip"


@dataclass(frozen=True, slots=True)
class SummaryView:
    name: str
    elapsed_s: float
    distance_m: float
    avg_hr: int | None
    max_hr: int | None
    #: share of the targeted time spent in the target (0..1); None without targets
    in_target: float | None
    steps_done: int
    steps: int
    saved: bool = True


class SummaryTracker:
    """Accumulates a :class:`SummaryView` from the snapshots of a run (pure, O(1) memory).

    Heart rate is averaged over time (each snapshot weighs the time since the previous one),
    so a tick rate change does not bias it; paused time (``t`` does not advance) weighs
    nothing.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._last: Snapshot | None = None
        self._hr_weighted = 0.0
        self._hr_time = 0.0
        self._max_hr: int | None = None
        self._targeted = 0.0
        self._in = 0.0
        self._steps_done = 0

    def add(self, snap: Snapshot) -> None:
        prev = self._last
        dt = 0.0 if prev is None else max(0.0, snap.t - prev.t)
        if snap.hr is not None:
            self._max_hr = snap.hr if self._max_hr is None else max(self._max_hr, snap.hr)
            if prev is not None and prev.hr is not None:
                self._hr_weighted += prev.hr * dt
                self._hr_time += dt
        if prev is not None and prev.status is not TargetStatus.NONE:
            self._targeted += dt
            if prev.status is TargetStatus.IN:
                self._in += dt
        if snap.state is RunState.DONE:
            self._steps_done = snap.step_count
        else:
            self._steps_done = max(self._steps_done, snap.step_index)
        self._last = snap

    def view(self, *, saved: bool = True) -> SummaryView:
        last = self._last
        return SummaryView(
            name=self.name,
            elapsed_s=0.0 if last is None else last.t,
            distance_m=0.0 if last is None else last.distance_m,
            avg_hr=None if self._hr_time == 0 else round(self._hr_weighted / self._hr_time),
            max_hr=self._max_hr,
            in_target=None if self._targeted == 0 else self._in / self._targeted,
            steps_done=self._steps_done,
            steps=0 if last is None else last.step_count,
            saved=saved,
        )
