"""What the screens outside a running workout show: plain data, built by whoever owns it.

The workout screens render the engine's :class:`~pacer.engine.snapshot.Snapshot`; the menus,
the pairing list, the summary and the errors have their own small views here. The summary
view comes from the engine's :class:`~pacer.engine.summary.WorkoutSummary`
(:func:`summary_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pacer.core.samples import SensorRole
from pacer.engine.snapshot import RunState, Snapshot
from pacer.engine.summary import WorkoutSummary


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
    #: the daemon's notices: a workout it could not start, the battery
    CANNOT_START = "cannot_start"
    BATTERY_LOW = "battery_low"
    BATTERY_EMPTY = "battery_empty"
    #: stored settings the daemon could not use: it runs on the last good ones
    SETTINGS_REFUSED = "settings_refused"


#: title and what to do, as the screen shows them
ERROR_TEXT: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.NO_HR_STRAP: ("No HR strap", "Wet the strap, put it on, wait a moment"),
    ErrorKind.STORAGE_FULL: ("Storage full", "Sync and delete old runs from the host"),
    ErrorKind.BLUETOOTH_UNAVAILABLE: ("Bluetooth unavailable", "Restart the pacer; check rfkill"),
    ErrorKind.NO_WORKOUT: ("No workout", "Send one from the host over USB"),
    ErrorKind.CANNOT_START: ("Cannot start", "The workout does not resolve; resend it"),
    ErrorKind.BATTERY_LOW: ("Battery low", "Charge soon"),
    ErrorKind.BATTERY_EMPTY: ("Battery empty", "Saving the run, shutting down"),
    ErrorKind.SETTINGS_REFUSED: ("Settings refused", "Fix them from the host over USB"),
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


def summary_view(summary: WorkoutSummary, *, saved: bool = True) -> SummaryView:
    """The end screen from the engine's summary: heart rate averaged over the steps by their
    time, the time in target (over the time with a target and a value, as the summary's In
    column and ``pacer report`` count it)."""
    steps = summary.steps
    weighted = [(s.avg_hr, s.elapsed_s) for s in steps if s.avg_hr is not None and s.elapsed_s]
    seconds = sum(w for _, w in weighted)
    maxima = [s.max_hr for s in steps if s.max_hr is not None]
    return SummaryView(
        name=summary.name,
        elapsed_s=summary.elapsed_s,
        distance_m=sum(s.distance_m for s in steps),
        avg_hr=round(sum(h * w for h, w in weighted) / seconds) if seconds else None,
        max_hr=max(maxima, default=None),
        in_target=None if summary.in_target_pct is None else summary.in_target_pct / 100,
        steps_done=sum(1 for s in steps if s.completion > 0),
        steps=len(steps),
        saved=saved,
    )


def snapshot_summary(snap: Snapshot, name: str, *, saved: bool = True) -> SummaryView:
    """The end screen from the last snapshot alone (time and distance), for want of the
    engine's summary."""
    return SummaryView(
        name=name,
        elapsed_s=snap.t,
        distance_m=snap.distance_m,
        avg_hr=None,
        max_hr=None,
        in_target=None,
        steps_done=snap.step_count if snap.state is RunState.DONE else snap.step_index,
        steps=snap.step_count,
        saved=saved,
    )
