"""The step timeline: where the run is in the workout and what is due next (pure).

:class:`StepRun` is the state of the step being run (its start, its deterministic end after
extensions, the strength sets and rests, which countdowns and cues have fired);
:func:`next_mark` names the next timed thing in it, so the engine can fire each at its own
second however far a tick jumps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pacer.engine.judge import StepJudge
from pacer.engine.policy import AlertPolicy
from pacer.workout.model import ConditionDuration, DistanceDuration, TimeDuration
from pacer.workout.resolve import ResolvedStep


class Mark(StrEnum):
    COUNTDOWN = "countdown"
    REST_WARNING = "rest_warning"
    REST_END = "rest_end"
    CUE = "cue"
    END = "end"


@dataclass(slots=True)
class StepRun:
    """The state of the step being run."""

    index: int
    start_t: float
    start_distance: float
    #: deterministic end in workout seconds (timed step, condition cap), after extensions
    end_t: float | None
    judge: StepJudge | None = None
    countdown_fired: set[int] = field(default_factory=set)
    #: indexes of the step's cues already given
    cues_fired: set[int] = field(default_factory=set)
    set_index: int = 1
    resting: bool = False
    rest_start_t: float | None = None
    rest_end_t: float | None = None
    rest_warned: bool = False
    condition_since: float | None = None


def end_of(step: ResolvedStep, t: float) -> float | None:
    """The deterministic end of ``step`` started at ``t`` (None: distance, open, sets)."""
    d = step.duration
    if isinstance(d, TimeDuration):
        return t + d.seconds
    if isinstance(d, ConditionDuration) and d.cap_seconds is not None:
        return t + d.cap_seconds
    return None


def fraction_done(step: ResolvedStep, run: StepRun, t: float, distance_m: float) -> float:
    """How much of the step is done (0..1): time steps by the clock, distance steps by the
    metres; 0 for steps without a planned length (a ramp then holds its start)."""
    d = step.duration
    if isinstance(d, TimeDuration) and d.seconds > 0:
        return min(1.0, max(0.0, (t - run.start_t) / d.seconds))
    if isinstance(d, DistanceDuration) and d.meters > 0:
        return min(1.0, max(0.0, (distance_m - run.start_distance) / d.meters))
    return 0.0


def due_distance_cues(step: ResolvedStep, run: StepRun, distance_m: float) -> list[int]:
    """Indexes of the distance cues the step has reached and not yet given."""
    done = distance_m - run.start_distance
    return [
        i
        for i, cue in enumerate(step.cues)
        if cue.at_m is not None and i not in run.cues_fired and done >= cue.at_m - 1e-6
    ]


def next_mark(
    run: StepRun, step: ResolvedStep, policy: AlertPolicy
) -> tuple[float, Mark, int] | None:
    """The next timed thing in the current step: (time, kind, value)."""
    best: tuple[float, Mark, int] | None = None

    def offer(mark: tuple[float, Mark, int]) -> None:
        nonlocal best
        if best is None or mark[0] < best[0]:
            best = mark

    if run.resting and run.rest_end_t is not None and run.rest_start_t is not None:
        warn_at = run.rest_end_t - policy.rest_warning_s
        if not run.rest_warned and warn_at > run.rest_start_t:
            offer((warn_at, Mark.REST_WARNING, policy.rest_warning_s))
        offer((run.rest_end_t, Mark.REST_END, 0))
    for i, cue in enumerate(step.cues):
        if cue.at_s is not None and i not in run.cues_fired:
            offer((run.start_t + cue.at_s, Mark.CUE, i))
    if run.end_t is not None:
        for v in policy.countdown_marks:
            at = run.end_t - v
            if v not in run.countdown_fired and at > run.start_t:
                offer((at, Mark.COUNTDOWN, v))
        offer((run.end_t, Mark.END, 0))
    return best


__all__ = ["Mark", "StepRun", "due_distance_cues", "end_of", "fraction_done", "next_mark"]
