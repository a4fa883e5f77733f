"""The snapshot: what the engine shows, built from the timeline and the signals (pure).

Also the turnover advice that rides on a heart-rate alert (the seed: effort is turnover),
since it is shown on screen for a while after the alert.
"""

from __future__ import annotations

from pacer.engine.policy import AlertPolicy, hr_trend
from pacer.engine.signals import Conditioning
from pacer.engine.snapshot import RunState, Snapshot, StrengthView, TargetStatus
from pacer.engine.summary import format_reps
from pacer.engine.timeline import StepRun
from pacer.workout.model import DistanceDuration, SetsDuration
from pacer.workout.resolve import Metric, ResolvedStep, ResolvedTarget, ResolvedWorkout

TURNOVER_UP = "turnover_up"
EASE_TURNOVER = "ease_turnover"


def turnover_cue(
    target: ResolvedTarget | None, side: str, signals: Conditioning, policy: AlertPolicy
) -> str | None:
    """The turnover advice that goes with a heart-rate alert: ease it on over; pick it up on
    under only when it has been flat (a rising cadence is already the answer)."""
    if target is None or target.metric is not Metric.HR:
        return None
    if signals.value(Metric.CADENCE) is None:
        return None
    if side == "over":
        return EASE_TURNOVER
    change = signals.cadence_change()
    flat = change is not None and abs(change) < policy.cadence_flat_spm
    return TURNOVER_UP if flat else None


def strength_view(step: ResolvedStep, run: StepRun, t: float) -> StrengthView | None:
    if step.strength is None or not isinstance(step.duration, SetsDuration):
        return None
    s = step.strength
    return StrengthView(
        exercise=s.exercise,
        set_index=run.set_index,
        sets=step.duration.sets.high,
        reps=format_reps(s),
        resting=run.resting,
        rest_remaining_s=None if run.rest_end_t is None else max(0.0, run.rest_end_t - t),
        load=s.load,
    )


def build_snapshot(
    workout: ResolvedWorkout,
    policy: AlertPolicy,
    state: RunState,
    t: float,
    run: StepRun,
    signals: Conditioning,
    *,
    bounds: tuple[float, float] | None,
    status: TargetStatus,
    timed_after: float,
    cue: str | None,
    ramp_in: bool,
) -> Snapshot:
    steps = workout.steps
    step = steps[run.index]
    target = step.target
    nxt = steps[run.index + 1] if run.index + 1 < len(steps) else None
    remaining_s = None if run.end_t is None else max(0.0, run.end_t - t)
    remaining_m = None
    if isinstance(step.duration, DistanceDuration):
        done_m = signals.distance_m - run.start_distance
        remaining_m = max(0.0, step.duration.meters - done_m)
    if state is RunState.DONE:
        total: float | None = 0.0
    elif remaining_s is None and not timed_after:
        total = None
    else:
        total = (remaining_s or 0.0) + timed_after
    countdown = None
    if remaining_s is not None and state is RunState.RUNNING:
        left = int(remaining_s + 0.999)
        countdown = left if 0 < left <= policy.countdown_s else None
    hr = signals.signals[Metric.HR]
    speed = signals.signals[Metric.SPEED]
    power = signals.signals[Metric.POWER].raw
    judge = run.judge
    return Snapshot(
        state=state,
        t=t,
        step_index=run.index,
        step_count=len(steps),
        step_name=step.name,
        intensity=step.intensity,
        target=target,
        secondary=step.secondary,
        note=step.note,
        status=status,
        hr=None if hr.raw is None else round(hr.raw),
        hr_trend=hr_trend(signals.hr_slope, policy),
        hr_slope=signals.hr_slope,
        speed_mps=speed.raw,
        smooth_speed_mps=speed.value,
        cadence=signals.signals[Metric.CADENCE].raw,
        power_w=None if power is None else round(power),
        distance_m=signals.distance_m,
        step_elapsed_s=t - run.start_t,
        step_remaining_s=remaining_s,
        step_remaining_m=remaining_m,
        total_remaining_s=total,
        next_step_name=None if nxt is None else nxt.name,
        next_target=None if nxt is None else nxt.target,
        strength=strength_view(step, run, t),
        sensors=tuple((role, not s.lost) for role, s in signals.sensors.items() if s.seen),
        cue=cue,
        countdown=countdown,
        predict_s=None if judge is None else judge.predict_s,
        ramp_in=target is not None and ramp_in,
        target_low=None if bounds is None else bounds[0],
        target_high=None if bounds is None else bounds[1],
        target_trend=0 if target is None else target.trend,
    )


__all__ = ["EASE_TURNOVER", "TURNOVER_UP", "build_snapshot", "strength_view", "turnover_cue"]
