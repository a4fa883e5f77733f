"""The end-of-workout summary: per step time in target, heart rate, pace, alerts, and one
compliance score (pure).

The engine fills one :class:`StepTally` per step as the run goes; :func:`summarize` turns them
into frozen :class:`StepSummary` rows and a :class:`WorkoutSummary`.

**In target** has one meaning everywhere (this table's In column and total, ``pacer report``,
the device's end screen): the time in the band over the time with a target and a value.

Compliance (0-100) scores that share with one allowance, and says so: the ramp-in's lag (time
under the range while HR catches up on a step up, over it while it decays on a step down;
jumping in too hard does count) is left out of the time judged, times the share of the workout
done (each step counts as the fraction
of it completed: time run of a timed step, sets of a strength step, 1 for a step that ended on
its own or on lap, 0 for steps never reached). A workout without targets scores its completion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacer.core.textable import table
from pacer.workout.model import Intensity, SetsDuration, Strength, TimeDuration
from pacer.workout.profile import Units
from pacer.workout.resolve import (
    ResolvedStep,
    ResolvedTarget,
    format_speed_as_pace,
    pace_unit_label,
)
from pacer.workout.syntax import format_clock, format_duration, format_int_range

#: Why a step ended, as ``step_start`` events and summaries report it. "restored": the run
#: was past it when the device restarted and resumed a cut-off recording (Engine.restore).
ENDED_NATURALLY = frozenset({"time", "distance", "condition", "cap", "sets", "lap", "restored"})


def format_reps(s: Strength) -> str:
    """``6-8 / leg``: the reps of one set."""
    return format_int_range(s.reps) + (" / leg" if s.per_leg else "")


@dataclass
class StepTally:
    """Running totals for one step, kept by the engine (mutable on purpose, engine-private)."""

    step: ResolvedStep
    ramp_in_s: float
    started: bool = False
    ended: str | None = None
    elapsed_s: float = 0.0
    in_s: float = 0.0
    over_s: float = 0.0
    under_s: float = 0.0
    nodata_s: float = 0.0
    in_after_ramp_s: float = 0.0
    measured_after_ramp_s: float = 0.0
    #: ramp-in time beyond the range in the direction HR lags (not held against the athlete)
    excused_s: float = 0.0
    hr_sum: float = 0.0
    hr_n: int = 0
    hr_max: int | None = None
    speed_sum: float = 0.0
    speed_n: int = 0
    cadence_sum: float = 0.0
    cadence_n: int = 0
    power_sum: float = 0.0
    power_n: int = 0
    distance_m: float = 0.0
    alerts: dict[str, int] = field(default_factory=dict)
    sets_done: int = 0
    planned_s: float | None = None

    def add_hr(self, bpm: int) -> None:
        self.hr_sum += bpm
        self.hr_n += 1
        self.hr_max = bpm if self.hr_max is None else max(self.hr_max, bpm)

    def completion(self) -> float:
        if not self.started:
            return 0.0
        d = self.step.duration
        if isinstance(d, TimeDuration) and self.planned_s:
            return min(1.0, self.elapsed_s / self.planned_s)
        if isinstance(d, SetsDuration):
            return min(1.0, self.sets_done / d.sets.low) if d.sets.low else 1.0
        return 1.0 if self.ended in ENDED_NATURALLY else 0.0


@dataclass(frozen=True, slots=True)
class StepSummary:
    number: int  # 1-based
    name: str
    intensity: Intensity
    target: ResolvedTarget | None
    planned: str
    ended: str | None
    elapsed_s: float
    in_s: float
    over_s: float
    under_s: float
    nodata_s: float
    in_after_ramp_s: float
    measured_after_ramp_s: float
    excused_s: float
    avg_hr: float | None
    max_hr: int | None
    avg_speed_mps: float | None
    avg_cadence: float | None
    avg_power_w: float | None
    distance_m: float
    alerts: int
    alerts_by_type: tuple[tuple[str, int], ...]
    sets_done: int
    completion: float
    #: strength steps: the reps of a set, as written ("6-8 / leg")
    reps: str | None = None

    @property
    def judged_s(self) -> float:
        """Seconds with a target and a value: what In, Over and Under are shares of."""
        return self.in_s + self.over_s + self.under_s

    @property
    def in_target_after_ramp(self) -> float | None:
        """Fraction of the measured time after ramp-in spent in target (None: no target)."""
        if self.target is None or self.measured_after_ramp_s <= 0:
            return None
        return self.in_after_ramp_s / self.measured_after_ramp_s


@dataclass(frozen=True, slots=True)
class WorkoutSummary:
    name: str
    steps: tuple[StepSummary, ...]
    completed: bool
    elapsed_s: float
    #: time in target over the time with a target and a value, all steps, percent (None: no
    #: target): the In column's meaning
    in_target_pct: float | None
    completion_pct: float
    compliance: int
    alerts: int
    #: the ramp-in's lag the rules allow, left out of what compliance judges (s)
    lag_s: float = 0.0
    #: time in target once the lag is left out, percent: what compliance scores
    scored_pct: float | None = None

    def step(self, number: int) -> StepSummary:
        return self.steps[number - 1]


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


def summarize(name: str, tallies: list[StepTally], completed: bool) -> WorkoutSummary:
    rows = []
    for i, t in enumerate(tallies):
        rows.append(
            StepSummary(
                number=i + 1,
                name=t.step.name,
                intensity=t.step.intensity,
                target=t.step.target,
                planned=format_duration(t.step.duration),
                ended=t.ended,
                elapsed_s=t.elapsed_s,
                in_s=t.in_s,
                over_s=t.over_s,
                under_s=t.under_s,
                nodata_s=t.nodata_s,
                in_after_ramp_s=t.in_after_ramp_s,
                measured_after_ramp_s=t.measured_after_ramp_s,
                excused_s=t.excused_s,
                avg_hr=_mean(t.hr_sum, t.hr_n),
                max_hr=t.hr_max,
                avg_speed_mps=_mean(t.speed_sum, t.speed_n),
                avg_cadence=_mean(t.cadence_sum, t.cadence_n),
                avg_power_w=_mean(t.power_sum, t.power_n),
                distance_m=t.distance_m,
                alerts=sum(t.alerts.values()),
                alerts_by_type=tuple(sorted(t.alerts.items())),
                sets_done=t.sets_done,
                completion=t.completion(),
                reps=None if t.step.strength is None else format_reps(t.step.strength),
            )
        )
    targeted = [r for r in rows if r.target is not None]
    judged = sum(r.judged_s for r in targeted)
    lag = sum(r.excused_s for r in targeted)
    inside = sum(r.in_s for r in targeted)
    in_pct = 100.0 * inside / judged if judged > 0 else None
    scored_pct = 100.0 * inside / (judged - lag) if judged - lag > 0 else None
    completion = 100.0 * sum(r.completion for r in rows) / len(rows) if rows else 0.0
    score = completion if scored_pct is None else scored_pct * completion / 100.0
    return WorkoutSummary(
        name=name,
        steps=tuple(rows),
        completed=completed,
        elapsed_s=sum(r.elapsed_s for r in rows),
        in_target_pct=in_pct,
        completion_pct=completion,
        compliance=round(score),
        alerts=sum(r.alerts for r in rows),
        lag_s=lag,
        scored_pct=scored_pct,
    )


# --- the table -------------------------------------------------------------------------


def _pct(part: float, whole: float) -> str:
    return f"{round(100 * part / whole)}%" if whole > 0 else "-"


def _num(x: float | None, fmt: str = "{:.0f}") -> str:
    return "-" if x is None else fmt.format(x)


def _target_text(r: StepSummary) -> str:
    if r.target is not None:
        return r.target.label
    if r.reps is not None:
        return r.reps
    return "open"


def format_summary(summary: WorkoutSummary, units: Units) -> str:
    """The per-step table (In, Over, Under: shares of the step's time with a target and a
    value), the totals line and the compliance line, columns aligned."""
    pace_head = "Pace" + pace_unit_label(units)
    head: tuple[str, ...] = ("#", "Step", "Target", "Time", "In", "Over", "Under", "HR", "Max")
    head += (pace_head, "Cad", "W", "Alerts")
    rows: list[tuple[str, ...]] = []
    for r in summary.steps:
        with_data = r.judged_s
        targeted = r.target is not None
        time = format_clock(r.elapsed_s)
        if r.sets_done:
            time += f" ({r.sets_done} sets)"
        if r.ended not in (None, *ENDED_NATURALLY):
            time += f" {r.ended}"
        rows.append(
            (
                str(r.number),
                r.name,
                _target_text(r),
                time,
                _pct(r.in_s, with_data) if targeted else "-",
                _pct(r.over_s, with_data) if targeted else "-",
                _pct(r.under_s, with_data) if targeted else "-",
                _num(r.avg_hr),
                _num(r.max_hr),
                format_speed_as_pace(r.avg_speed_mps, units) if r.avg_speed_mps else "-",
                _num(r.avg_cadence),
                _num(r.avg_power_w),
                str(r.alerts),
            )
        )
    lines = [table(head, rows, right=[0, *range(3, len(head))])]
    minutes = summary.elapsed_s / 60
    done = f"{summary.completion_pct:.0f}% of the workout done"
    lines.append("")
    lines.append(
        (
            "No target"
            if summary.in_target_pct is None
            else f"In target {summary.in_target_pct:.0f}% of the time"
        )
        + f", {done}, {summary.alerts} alert{'s' if summary.alerts != 1 else ''} "
        f"in {minutes:.0f} min" + ("" if summary.completed else " (ended early)")
    )
    if summary.scored_pct is None:
        why = "no target"
    elif summary.lag_s >= 1:
        why = (
            f"in target {summary.scored_pct:.0f}% leaving out the ramp-in's lag "
            f"({format_clock(summary.lag_s)})"
        )
    else:
        why = f"in target {summary.scored_pct:.0f}%"
    lines.append(f"Compliance {summary.compliance}/100: {why}, times {done}")
    return "\n".join(lines)


__all__ = ["StepSummary", "StepTally", "WorkoutSummary", "format_summary", "summarize"]
