"""Replay: how would pacer have paced that run? (pure)

Feeds a recorded activity (a FIT file from any watch, a pacer recording, a CSV) through the
real engine, second by second at its recorded timing, as fast as the machine goes. The engine
decides every alert and cue as it would have on the run; the result holds its events and its
per-step summary (time in target, compliance). :mod:`pacer.recording.feed` turns the recording
into samples; see there for smart-recording gaps, missing heart rate and pauses.

Replaying a recording of one sport against a workout of another (a ride against a run) is
allowed (the heart-rate steps still say something) but warned, and the engine's turnover
cues, a runner's advice, are suppressed: :attr:`ReplayResult.warnings` says so and
:attr:`ReplayResult.suppressed` counts them by cue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pacer.core.actions import ButtonAction
from pacer.engine.engine import Engine
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.policy import AlertPolicy
from pacer.engine.summary import WorkoutSummary
from pacer.recording.feed import HOLD_S, QUIET_S, replay_feed
from pacer.recording.model import Activity
from pacer.workout.model import OpenDuration
from pacer.workout.resolve import ResolvedWorkout


@dataclass(frozen=True, slots=True)
class ReplayResult:
    summary: WorkoutSummary
    events: tuple[EngineEvent, ...]
    #: recorded seconds fed through the engine
    seconds: float
    #: the workout reached its end within the recording
    completed: bool
    #: what does not fit (the recording's sport differs from the workout's)
    warnings: tuple[str, ...] = ()
    #: cues left out, by cue ("ease_turnover": 3)
    suppressed: dict[str, int] = field(default_factory=dict)


def sport_warning(activity: Activity, workout: ResolvedWorkout) -> str | None:
    """The warning for replaying a recording against a workout of another sport."""
    if activity.sport is workout.sport:
        return None
    return (
        f"the recording is a {activity.sport.value}, the workout '{workout.name}' a "
        f"{workout.sport.value}: turnover cues suppressed"
    )


def replay(
    activity: Activity,
    workout: ResolvedWorkout,
    *,
    policy: AlertPolicy | None = None,
    on_event: Callable[[EngineEvent], None] | None = None,
    hold_s: float = HOLD_S,
    quiet_s: float | None = None,
) -> ReplayResult:
    """Run ``workout`` on ``activity``'s data. The replay stops when the workout ends or
    the recording does (then the engine is stopped as an athlete would: not completed).
    A gap with no data is jumped over after ``quiet_s`` (default: :data:`QUIET_S`, or longer
    than the policy's sensor timeout); ``math.inf`` ticks every second of it."""
    engine = Engine(workout, policy)
    warning = sport_warning(activity, workout)
    suppressed: Counter[str] = Counter()
    kept: list[EngineEvent] = []

    def emit(events: list[EngineEvent]) -> None:
        for e in events:
            if warning is not None and e.type is EventType.CADENCE_CUE:
                suppressed[str(e.data["cue"])] += 1
                continue
            if warning is not None and "cue" in e.data:
                e = replace(e, data={k: v for k, v in e.data.items() if k != "cue"})
            kept.append(e)
            if on_event is not None:
                on_event(e)

    now = 0.0
    if quiet_s is None:
        quiet_s = max(QUIET_S, engine.policy.sensor_timeout_s + 1.0)
    for tick in replay_feed(activity, hold_s=hold_s, quiet_s=quiet_s):
        before, workout_before = now, engine.workout_time
        now = tick.t
        for action in tick.actions:
            emit(engine.on_action(action, now))
        for sample in tick.samples:
            emit(engine.on_sample(sample))
        for action in tick.late_actions:
            emit(engine.on_action(action, now))
        # a lap press where the recording has one, if the step waits for a press
        step = engine.workout.steps[engine.step_index]
        if tick.lap and not engine.done and isinstance(step.duration, OpenDuration):
            emit(engine.on_action(ButtonAction.LAP, now))
        emit(engine.tick(now))
        if engine.done:
            if now - before > 1.0 and not (tick.actions or tick.late_actions):
                # it ended inside a gap the feed jumped over (no pause in one): say when
                now = min(now, before + engine.workout_time - workout_before)
            break
    completed = engine.done
    if not engine.done:
        emit(engine.on_action(ButtonAction.STOP, now))
    return ReplayResult(
        engine.summary(),
        tuple(kept),
        now,
        completed,
        warnings=() if warning is None else (warning,),
        suppressed=dict(suppressed),
    )


__all__ = ["ReplayResult", "replay", "sport_warning"]
