"""What the engine shows: an immutable snapshot of the run, built on every tick.

The display renders it, the serial link streams it as status, the recorder stores it. It is
plain data; everything derived (pace from speed, units) is computed by whoever shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pacer.core.samples import SensorRole
from pacer.workout.model import Intensity
from pacer.workout.resolve import ResolvedTarget


class RunState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


class TargetStatus(StrEnum):
    """Where the primary metric sits against the step's target."""

    IN = "in"
    UNDER = "under"
    OVER = "over"
    #: no target (open effort), or no data for the target's metric
    NONE = "none"


class Trend(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    STEADY = "steady"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StrengthView:
    exercise: str
    set_index: int  # 1-based set being done (or just done, during rest)
    sets: int  # planned sets (the high end of the range)
    reps: str  # "6-8 / leg"
    resting: bool = False
    rest_remaining_s: float | None = None
    load: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    state: RunState
    #: workout seconds, pauses excluded
    t: float
    step_index: int  # 0-based
    step_count: int
    step_name: str
    intensity: Intensity
    target: ResolvedTarget | None = None
    secondary: tuple[ResolvedTarget, ...] = ()
    note: str | None = None
    status: TargetStatus = TargetStatus.NONE
    hr: int | None = None
    hr_trend: Trend = Trend.UNKNOWN
    #: smoothed HR slope, bpm per minute
    hr_slope: float | None = None
    speed_mps: float | None = None
    #: smoothed speed used for pace targets
    smooth_speed_mps: float | None = None
    cadence: float | None = None
    power_w: int | None = None
    distance_m: float = 0.0
    step_elapsed_s: float = 0.0
    step_remaining_s: float | None = None
    step_remaining_m: float | None = None
    total_remaining_s: float | None = None
    next_step_name: str | None = None
    next_target: ResolvedTarget | None = None
    strength: StrengthView | None = None
    sensors: tuple[tuple[SensorRole, bool], ...] = ()
    battery_percent: int | None = None
    extra: dict[str, float] = field(default_factory=dict)
    #: turnover advice that came with the last heart-rate alert ("turnover_up",
    #: "ease_turnover"), shown for a while after it
    cue: str | None = None
    #: whole seconds to the step change when within the countdown (10..1), else None
    countdown: int | None = None
    #: seconds until HR crosses the upper bound at the current slope, when that is soon
    predict_s: float | None = None
    #: the step is still in its ramp-in window (HR lags; under is not alerted yet)
    ramp_in: bool = False
    #: the band the value is judged against now (a ramp's moves through the step)
    target_low: float | None = None
    target_high: float | None = None
    #: +1 a rising ramp, -1 a falling one, 0 a fixed target (the screen's marker)
    target_trend: int = 0

    @property
    def band(self) -> tuple[float, float] | None:
        """The band the value is judged against now: the engine's (a ramp's moves through
        its step), else the target's own; None without a target."""
        if self.target_low is not None and self.target_high is not None:
            return self.target_low, self.target_high
        return None if self.target is None else (self.target.low, self.target.high)

    @property
    def step_number(self) -> int:
        """1-based, as the athlete reads it."""
        return self.step_index + 1
