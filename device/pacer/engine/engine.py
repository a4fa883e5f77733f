"""The pacing engine: walks an athlete through a resolved workout (pure, clock injected).

Feed it sensor samples (:meth:`Engine.on_sample`), button actions (:meth:`Engine.on_action`)
and the passing of time (:meth:`Engine.tick`); each call returns the :class:`EngineEvent`
objects it produced, in order, and :meth:`Engine.snapshot` says what to show. No I/O, no
asyncio: the daemon and the simulator drive the same object, one in real time and one as
fast as it can.

Two time bases: samples and ``now`` are the injected clock's monotonic seconds; the workout
clock (``t`` of events and snapshots) counts running seconds only, so a pause freezes it.
What the alerts decide comes from :mod:`pacer.engine.policy`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock
from pacer.core.errors import WorkoutError
from pacer.core.samples import (
    BikeSample,
    HeartRateSample,
    Sample,
    SensorRole,
    SensorStatus,
    StrideSample,
)
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.policy import (
    AlertPolicy,
    Excursion,
    Lag,
    Verdict,
    hr_trend,
    judge,
    lag_direction,
    least_squares_slope,
    ramp_in_s,
    seconds_to_cross,
)
from pacer.engine.snapshot import RunState, Snapshot, StrengthView, TargetStatus
from pacer.engine.summary import StepTally, WorkoutSummary, format_reps, summarize
from pacer.workout.model import (
    Comparison,
    ConditionDuration,
    DistanceDuration,
    SetsDuration,
    TimeDuration,
)
from pacer.workout.resolve import Metric, ResolvedStep, ResolvedTarget, ResolvedWorkout
from pacer.workout.syntax import format_duration

#: Heart-rate readings outside this range are strap noise, not a heart.
HR_PLAUSIBLE = (25, 250)
#: A jump in a foot pod's cumulative distance larger than this is a counter reset.
MAX_DISTANCE_STEP_M = 100.0
#: Integrating speed across a gap longer than this would invent distance.
MAX_SPEED_GAP_S = 5.0

TURNOVER_UP = "turnover_up"
EASE_TURNOVER = "ease_turnover"

#: Which signals each sensor feeds (a lost sensor blanks them).
_ROLE_SIGNALS: dict[SensorRole, tuple[Metric, ...]] = {
    SensorRole.HR: (Metric.HR,),
    SensorRole.POD: (Metric.SPEED, Metric.CADENCE),
    SensorRole.CADENCE: (Metric.CADENCE, Metric.SPEED),
    SensorRole.POWER: (Metric.POWER,),
}


@dataclass(slots=True)
class _Signal:
    """One metric: the latest reading and its moving average over ``window`` seconds."""

    window: float
    raw: float | None = None
    points: deque[tuple[float, float]] = field(default_factory=deque)
    total: float = 0.0

    def update(self, t: float, x: float) -> None:
        self.raw = x
        self.points.append((t, x))
        self.total += x
        while len(self.points) > 1 and t - self.points[0][0] >= self.window:
            self.total -= self.points.popleft()[1]

    @property
    def value(self) -> float | None:
        return self.total / len(self.points) if self.points else None

    def restart(self) -> None:
        """Forget the average (a new step), keep the latest reading."""
        self.points.clear()
        self.total = 0.0

    def reset(self) -> None:
        self.restart()
        self.raw = None


@dataclass(slots=True)
class _Sensor:
    seen: bool = False
    lost: bool = False
    last_valid: float | None = None
    lost_at: float | None = None
    #: the last reading came without skin contact
    no_contact: bool = False
    #: ``sensor_lost`` was emitted for the current loss (so ``sensor_back`` will be)
    announced: bool = False


@dataclass(slots=True)
class _StepRun:
    """The state of the step being run."""

    index: int
    start_t: float
    ramp_in_s: float
    lag: Lag
    start_distance: float
    #: deterministic end in workout seconds (timed step, condition cap), after extensions
    end_t: float | None
    countdown_fired: set[int] = field(default_factory=set)
    over: Excursion = field(default_factory=Excursion)
    under: Excursion = field(default_factory=Excursion)
    predicted_armed: bool = True
    predicted_since: float | None = None
    last_predicted_t: float | None = None
    set_index: int = 1
    resting: bool = False
    rest_start_t: float | None = None
    rest_end_t: float | None = None
    rest_warned: bool = False
    condition_since: float | None = None
    #: pace steps: heart rate while the pace was on target (sum, seconds)
    effort_hr_sum: float = 0.0
    effort_hr_n: int = 0


class Engine:
    """Walks one workout. Create it IDLE; ``START_PAUSE`` starts it."""

    def __init__(
        self,
        workout: ResolvedWorkout,
        policy: AlertPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not workout.steps:
            raise WorkoutError(f"workout '{workout.name}' has no steps")
        self.workout = workout
        self.policy = policy or AlertPolicy()
        self._clock = clock
        self._steps = workout.steps
        self.state = RunState.IDLE
        self._tallies = [
            StepTally(
                s,
                ramp_in_s(self.policy, self._steps, i),
                planned_s=float(s.duration.seconds)
                if isinstance(s.duration, TimeDuration)
                else None,
            )
            for i, s in enumerate(self._steps)
        ]
        self._events: list[EngineEvent] = []
        #: planned seconds of the timed steps after each step
        self._timed_after = [
            sum(
                s.duration.seconds
                for s in self._steps[i + 1 :]
                if isinstance(s.duration, TimeDuration)
            )
            for i in range(len(self._steps))
        ]
        self._t = 0.0
        self._start_mono = 0.0
        self._paused_total = 0.0
        self._pause_mono: float | None = None
        self._resumed_t: float | None = None
        self._completed = False
        p = self.policy
        self._signals = {m: _Signal(p.rules(m).smoothing_s) for m in Metric}
        self._hr_points: deque[tuple[float, float]] = deque()
        self._hr_slope: float | None = None  # bpm per minute
        self._cadence_hist: deque[tuple[float, float]] = deque()
        self._sensors = {role: _Sensor() for role in SensorRole}
        self._distance_m = 0.0
        self._pod_distance: float | None = None
        self._speed_t: float | None = None
        self._cue: tuple[str, float] | None = None
        self._predict_s: float | None = None
        self._run = self._new_run(0, 0.0)

    # --- public ----------------------------------------------------------------------

    @property
    def events(self) -> tuple[EngineEvent, ...]:
        """Every event so far, in order."""
        return tuple(self._events)

    @property
    def step_index(self) -> int:
        return self._run.index

    @property
    def workout_time(self) -> float:
        return self._t

    @property
    def done(self) -> bool:
        return self.state is RunState.DONE

    def summary(self) -> WorkoutSummary:
        return summarize(self.workout.name, self._tallies, self._completed)

    def tick(self, now: float) -> list[EngineEvent]:
        """Let time pass up to ``now`` (monotonic seconds): step ends, countdowns, rest
        timers, sensor timeouts and alerts."""
        out: list[EngineEvent] = []
        if self.state is not RunState.RUNNING:
            return out
        self._advance(self._workout_t(now), out)
        if self.state is RunState.RUNNING:
            self._check(now, out)
        return out

    def on_action(self, action: ButtonAction, now: float | None = None) -> list[EngineEvent]:
        """A button press; ``now`` defaults to the injected clock."""
        if now is None:
            if self._clock is None:
                raise TypeError("on_action needs now= when the engine has no clock")
            now = self._clock.monotonic()
        out: list[EngineEvent] = []
        if self.state is RunState.IDLE:
            if action is ButtonAction.START_PAUSE:
                self._start(now, out)
            return out
        if self.state is RunState.DONE:
            return out
        if self.state is RunState.RUNNING:
            self._advance(self._workout_t(now), out)
            if self.state is not RunState.RUNNING:
                return out
        if action is ButtonAction.STOP:
            self._finish(self._t, out, completed=False, reason="stopped")
        elif action is ButtonAction.START_PAUSE:
            self._pause_or_resume(now, out)
        elif self.state is RunState.RUNNING:
            if action is ButtonAction.LAP:
                self._lap(out)
            elif action is ButtonAction.SKIP:
                self._end_step(self._t, "skip", out)
            elif action is ButtonAction.EXTEND:
                self._extend(out)
        return out

    def restore(
        self,
        step_index: int,
        step_elapsed_s: float,
        workout_t: float,
        now: float,
        *,
        distance_m: float = 0.0,
        step_distance_m: float = 0.0,
    ) -> list[EngineEvent]:
        """Continue a run cut off by a crash or power cut (the recorder's resume point):
        RUNNING in step ``step_index`` with ``step_elapsed_s`` of it done, the workout clock
        at ``workout_t`` and ``distance_m`` run (``step_distance_m`` of it in this step).
        Earlier steps count as done; countdowns already past do not fire again. Emits the
        step's ``step_start`` with reason "resume"."""
        if self.state is not RunState.IDLE:
            raise WorkoutError("restore needs an engine that has not started")
        if not 0 <= step_index < len(self._steps):
            raise WorkoutError(
                f"cannot resume at step {step_index + 1}: '{self.workout.name}' has "
                f"{len(self._steps)} steps"
            )
        out: list[EngineEvent] = []
        for tally in self._tallies[:step_index]:
            tally.started = True
            tally.ended = "restored"
            tally.elapsed_s = tally.planned_s or 0.0
        self.state = RunState.RUNNING
        self._start_mono = now - workout_t
        self._paused_total = 0.0
        self._distance_m = max(0.0, distance_m - step_distance_m)
        start_t = max(0.0, workout_t - step_elapsed_s)
        self._t = start_t
        self._begin_step(step_index, start_t, "resume", out)
        run = self._run
        if run.end_t is not None:
            run.countdown_fired.update(
                v for v in self.policy.countdown_marks if run.end_t - v <= workout_t
            )
        self._distance_m = distance_m
        self._t = workout_t
        self._tally.elapsed_s = workout_t - start_t
        return out

    def on_sample(self, sample: Sample) -> list[EngineEvent]:
        """A sensor reading or a connection change."""
        out: list[EngineEvent] = []
        match sample:
            case HeartRateSample(t=ts, bpm=bpm, contact=contact):
                if contact is not False and HR_PLAUSIBLE[0] <= bpm <= HR_PLAUSIBLE[1]:
                    self._valid(SensorRole.HR, ts, out)
                    self._signals[Metric.HR].update(ts, bpm)
                    self._hr_points.append((ts, float(bpm)))
                    while self._hr_points and ts - self._hr_points[0][0] > (
                        self.policy.predict_window_s
                    ):
                        self._hr_points.popleft()
                    if self.state is RunState.RUNNING:
                        self._tally.add_hr(bpm)
                else:
                    self._sensors[SensorRole.HR].no_contact = contact is False
            case StrideSample(t=ts, speed_mps=speed, cadence_spm=cadence, distance_m=dist):
                self._valid(SensorRole.POD, ts, out)
                self._speed(ts, speed, dist)
                self._cadence(ts, cadence)
            case BikeSample(t=ts, cadence_rpm=cadence, speed_mps=speed, power_w=power):
                if power is not None:
                    self._valid(SensorRole.POWER, ts, out)
                    self._signals[Metric.POWER].update(ts, power)
                    if self.state is RunState.RUNNING:
                        self._tally.power_sum += power
                        self._tally.power_n += 1
                if cadence is not None or speed is not None:
                    self._valid(SensorRole.CADENCE, ts, out)
                    if speed is not None:
                        self._speed(ts, speed, sample.distance_m)
                    if cadence is not None:
                        self._cadence(ts, cadence)
            case SensorStatus(t=ts, role=role, connected=False):
                self._lose(role, ts, "disconnected", out)
            case _:
                pass  # connected (data will follow), battery levels
        return out

    def snapshot(self) -> Snapshot:
        """What to show now (as of the last tick)."""
        run, step = self._run, self._step
        p = self.policy
        target = step.target
        nxt = self._steps[run.index + 1] if run.index + 1 < len(self._steps) else None
        elapsed = self._t - run.start_t
        remaining_s = None if run.end_t is None else max(0.0, run.end_t - self._t)
        remaining_m = None
        if isinstance(step.duration, DistanceDuration):
            done_m = self._distance_m - run.start_distance
            remaining_m = max(0.0, step.duration.meters - done_m)
        timed_after = self._timed_after[run.index]
        if self.state is RunState.DONE:
            total: float | None = 0.0
        elif remaining_s is None and not timed_after:
            total = None
        else:
            total = (remaining_s or 0.0) + timed_after
        countdown = None
        if remaining_s is not None and self.state is RunState.RUNNING:
            left = int(remaining_s + 0.999)
            countdown = left if 0 < left <= p.countdown_s else None
        hr = self._signals[Metric.HR]
        speed = self._signals[Metric.SPEED]
        power = self._signals[Metric.POWER].raw
        cue = self._cue[0] if self._cue and self._cue[1] > self._t else None
        return Snapshot(
            state=self.state,
            t=self._t,
            step_index=run.index,
            step_count=len(self._steps),
            step_name=step.name,
            intensity=step.intensity,
            target=target,
            secondary=step.secondary,
            note=step.note,
            status=self._status(target),
            hr=None if hr.raw is None else round(hr.raw),
            hr_trend=hr_trend(self._hr_slope, p),
            hr_slope=self._hr_slope,
            speed_mps=speed.raw,
            smooth_speed_mps=speed.value,
            cadence=self._signals[Metric.CADENCE].raw,
            power_w=None if power is None else round(power),
            distance_m=self._distance_m,
            step_elapsed_s=elapsed,
            step_remaining_s=remaining_s,
            step_remaining_m=remaining_m,
            total_remaining_s=total,
            next_step_name=None if nxt is None else nxt.name,
            next_target=None if nxt is None else nxt.target,
            strength=self._strength_view(),
            sensors=tuple((role, not s.lost) for role, s in self._sensors.items() if s.seen),
            cue=cue,
            countdown=countdown,
            predict_s=self._predict_s,
            ramp_in=target is not None and elapsed < run.ramp_in_s,
        )

    # --- time ------------------------------------------------------------------------

    @property
    def _step(self) -> ResolvedStep:
        return self._steps[self._run.index]

    @property
    def _tally(self) -> StepTally:
        return self._tallies[self._run.index]

    def _event_t(self, ts: float) -> float:
        """Workout time of a sample stamped ``ts`` (never before the last tick)."""
        if self.state is not RunState.RUNNING:
            return self._t
        return max(self._t, ts - self._start_mono - self._paused_total)

    def _workout_t(self, now: float) -> float:
        if self.state is RunState.PAUSED and self._pause_mono is not None:
            now = self._pause_mono
        return max(self._t, now - self._start_mono - self._paused_total)

    def _emit(self, out: list[EngineEvent], t: float, kind: EventType, **data: object) -> None:
        ev = EngineEvent(t, kind, self._run.index + 1, dict(data))
        out.append(ev)
        self._events.append(ev)

    def _start(self, now: float, out: list[EngineEvent]) -> None:
        self.state = RunState.RUNNING
        self._start_mono = now
        self._t = 0.0
        self._begin_step(0, 0.0, "start", out)

    def _pause_or_resume(self, now: float, out: list[EngineEvent]) -> None:
        if self.state is RunState.RUNNING:
            self.state = RunState.PAUSED
            self._pause_mono = now
            self._emit(out, self._t, EventType.PAUSED)
        elif self.state is RunState.PAUSED and self._pause_mono is not None:
            self._paused_total += now - self._pause_mono
            self._pause_mono = None
            self.state = RunState.RUNNING
            self._resumed_t = self._t
            self._emit(out, self._t, EventType.RESUMED)

    def _next_mark(self) -> tuple[float, str, int] | None:
        """The next timed thing in the current step: (time, kind, value)."""
        run = self._run
        best: tuple[float, str, int] | None = None

        def offer(mark: tuple[float, str, int]) -> None:
            nonlocal best
            if best is None or mark[0] < best[0]:
                best = mark

        if run.resting and run.rest_end_t is not None and run.rest_start_t is not None:
            warn_at = run.rest_end_t - self.policy.rest_warning_s
            if not run.rest_warned and warn_at > run.rest_start_t:
                offer((warn_at, "rest_warning", self.policy.rest_warning_s))
            offer((run.rest_end_t, "rest_end", 0))
        if run.end_t is not None:
            for v in self.policy.countdown_marks:
                at = run.end_t - v
                if v not in run.countdown_fired and at > run.start_t:
                    offer((at, "countdown", v))
            offer((run.end_t, "end", 0))
        return best

    def _advance(self, t: float, out: list[EngineEvent]) -> None:
        """Run the clock forward to workout second ``t``, firing marks at their own times."""
        while self.state is RunState.RUNNING:
            mark = self._next_mark()
            if mark is None or mark[0] > t + 1e-9:
                break
            at, kind, value = mark
            self._account(at)
            run = self._run
            if kind == "countdown":
                run.countdown_fired.add(value)
                nxt = run.index + 1
                self._emit(
                    out,
                    at,
                    EventType.STEP_COUNTDOWN,
                    remaining=value,
                    final=value != self.policy.countdown_s,
                    next=self._steps[nxt].name if nxt < len(self._steps) else None,
                )
            elif kind == "rest_warning":
                run.rest_warned = True
                self._emit(out, at, EventType.REST_WARNING, remaining=value, set=run.set_index + 1)
            elif kind == "rest_end":
                self._end_rest(at, out, early=False)
            else:
                reason = "cap" if isinstance(self._step.duration, ConditionDuration) else "time"
                self._end_step(at, reason, out)
        if self.state is RunState.RUNNING:
            self._account(t)

    def _account(self, t_to: float) -> None:
        """Credit the time since the last accounting to the current step."""
        dt = t_to - self._t
        if dt <= 0:
            return
        self._t = t_to
        tally, run = self._tally, self._run
        tally.elapsed_s += dt
        target = self._step.target
        if target is None or run.resting:
            return
        status = self._status(target)
        if status is TargetStatus.NONE:
            tally.nodata_s += dt
            return
        if status is TargetStatus.IN:
            tally.in_s += dt
        elif status is TargetStatus.OVER:
            tally.over_s += dt
        else:
            tally.under_s += dt
        if t_to - run.start_t > run.ramp_in_s:
            tally.measured_after_ramp_s += dt
            if status is TargetStatus.IN:
                tally.in_after_ramp_s += dt
        elif status is (TargetStatus.UNDER if run.lag is Lag.UP else TargetStatus.OVER):
            tally.excused_s += dt  # the lag the ramp-in allows for

    def _value(self, metric: Metric) -> float | None:
        return self._signals[metric].value

    def _status(self, target: ResolvedTarget | None) -> TargetStatus:
        if target is None or self._run.resting:
            return TargetStatus.NONE
        value = self._value(target.metric)
        if value is None:
            return TargetStatus.NONE
        if value > target.high:
            return TargetStatus.OVER
        if value < target.low:
            return TargetStatus.UNDER
        return TargetStatus.IN

    # --- steps -----------------------------------------------------------------------

    def _new_run(self, index: int, t: float) -> _StepRun:
        step = self._steps[index]
        d = step.duration
        end_t: float | None = None
        if isinstance(d, TimeDuration):
            end_t = t + d.seconds
        elif isinstance(d, ConditionDuration) and d.cap_seconds is not None:
            end_t = t + d.cap_seconds
        target = step.target
        value = None if target is None else self._value(target.metric)
        return _StepRun(
            index=index,
            start_t=t,
            ramp_in_s=self._tallies[index].ramp_in_s,
            lag=lag_direction(value, target.high if target else 0.0),
            start_distance=self._distance_m,
            end_t=end_t,
        )

    def _begin_step(self, index: int, t: float, reason: str, out: list[EngineEvent]) -> None:
        for metric, signal in self._signals.items():
            if self.policy.rules(metric).per_step:
                signal.restart()
        self._run = self._new_run(index, t)
        self._predict_s = None
        self._cue = None
        step = self._step
        self._tally.started = True
        self._emit(
            out,
            t,
            EventType.STEP_START,
            name=step.name,
            intensity=step.intensity.value,
            duration=format_duration(step.duration),
            target=None if step.target is None else step.target.label,
            reason=reason,
        )

    def _end_step(self, t: float, reason: str, out: list[EngineEvent]) -> None:
        self._tally.ended = reason
        if self._run.index + 1 < len(self._steps):
            self._begin_step(self._run.index + 1, t, reason, out)
        else:
            self._finish(t, out, completed=True, reason="finished")

    def _finish(self, t: float, out: list[EngineEvent], *, completed: bool, reason: str) -> None:
        if not completed:
            self._tally.ended = reason
        self._completed = completed
        self.state = RunState.DONE
        self._pause_mono = None
        summary = self.summary()
        self._emit(
            out,
            t,
            EventType.WORKOUT_DONE,
            completed=completed,
            reason=reason,
            compliance=summary.compliance,
        )

    def _lap(self, out: list[EngineEvent]) -> None:
        run, step, t = self._run, self._step, self._t
        if run.resting:
            self._end_rest(t, out, early=True)
            return
        d = step.duration
        if not isinstance(d, SetsDuration):
            self._end_step(t, "lap", out)
            return
        self._tally.sets_done = run.set_index
        self._emit(out, t, EventType.SET_DONE, set=run.set_index, sets=d.sets.high)
        if run.set_index >= d.sets.high:
            self._end_step(t, "sets", out)
            return
        rest = step.strength.rest if step.strength else None
        rest_s = rest.low if rest is not None else self.policy.default_rest_s
        run.resting, run.rest_start_t, run.rest_end_t = True, t, t + rest_s
        run.rest_warned = False
        self._emit(out, t, EventType.REST_START, set=run.set_index, rest_s=rest_s)

    def _end_rest(self, t: float, out: list[EngineEvent], *, early: bool) -> None:
        run = self._run
        run.resting, run.rest_start_t, run.rest_end_t = False, None, None
        run.set_index += 1
        self._emit(out, t, EventType.REST_END, set=run.set_index, early=early)

    def _extend(self, out: list[EngineEvent]) -> None:
        run, by = self._run, self.policy.extend_s
        if run.resting and run.rest_end_t is not None:
            run.rest_end_t += by
            run.rest_warned = False
            left = run.rest_end_t - self._t
        elif run.end_t is not None:
            run.end_t += by
            run.countdown_fired.clear()
            left = run.end_t - self._t
        else:
            return
        self._emit(out, self._t, EventType.STEP_EXTENDED, by_s=by, remaining_s=round(left, 1))

    # --- sensors ---------------------------------------------------------------------

    def _valid(self, role: SensorRole, ts: float, out: list[EngineEvent]) -> None:
        s = self._sensors[role]
        s.seen = True
        s.last_valid = ts
        s.no_contact = False
        if s.lost:
            s.lost = False
            if s.announced:
                s.announced = False
                away = None if s.lost_at is None else round(ts - s.lost_at, 1)
                self._emit(
                    out, self._event_t(ts), EventType.SENSOR_BACK, role=role.value, away_s=away
                )

    def _lose(self, role: SensorRole, ts: float, reason: str, out: list[EngineEvent]) -> None:
        s = self._sensors[role]
        if not s.seen or s.lost:
            return
        s.lost, s.lost_at = True, ts
        for metric in _ROLE_SIGNALS[role]:
            self._signals[metric].reset()
        if role is SensorRole.HR:
            self._hr_points.clear()
            self._hr_slope = None
        if role in (SensorRole.POD, SensorRole.CADENCE):
            self._cadence_hist.clear()
            self._speed_t = None
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            s.announced = True
            self._emit(
                out, self._event_t(ts), EventType.SENSOR_LOST, role=role.value, reason=reason
            )

    def _speed(self, ts: float, speed: float, distance: float | None) -> None:
        self._signals[Metric.SPEED].update(ts, speed)
        running = self.state is RunState.RUNNING
        if distance is not None:
            last, self._pod_distance = self._pod_distance, distance
            delta = 0.0 if last is None else distance - last
            if not 0 <= delta <= MAX_DISTANCE_STEP_M:
                delta = 0.0  # the pod's counter wrapped or reset
        else:
            gap = 0.0 if self._speed_t is None else ts - self._speed_t
            delta = speed * gap if 0 < gap <= MAX_SPEED_GAP_S else 0.0
        self._speed_t = ts
        if running:
            self._distance_m += delta
            self._tally.distance_m += delta
            self._tally.speed_sum += speed
            self._tally.speed_n += 1

    def _cadence(self, ts: float, cadence: float) -> None:
        sig = self._signals[Metric.CADENCE]
        sig.update(ts, cadence)
        assert sig.value is not None
        self._cadence_hist.append((ts, sig.value))
        while self._cadence_hist and ts - self._cadence_hist[0][0] > self.policy.cadence_window_s:
            self._cadence_hist.popleft()
        if self.state is RunState.RUNNING:
            self._tally.cadence_sum += cadence
            self._tally.cadence_n += 1

    def _cadence_change(self) -> float | None:
        """Smoothed cadence now minus a window ago; None without a full window of data."""
        h = self._cadence_hist
        if len(h) < 2 or h[-1][0] - h[0][0] < 0.8 * self.policy.cadence_window_s:
            return None
        return h[-1][1] - h[0][1]

    # --- the checks of a tick --------------------------------------------------------

    def _check(self, now: float, out: list[EngineEvent]) -> None:
        p = self.policy
        for role, s in self._sensors.items():
            stale = s.last_valid is not None and now - s.last_valid > p.sensor_timeout_s
            if s.seen and not s.lost and stale:
                reason = "no_contact" if s.no_contact else "no_data"
                self._lose(role, now, reason, out)
        pts = self._hr_points
        slope = least_squares_slope(pts) if pts and pts[-1][0] - pts[0][0] >= 5 else None
        self._hr_slope = None if slope is None else slope * 60.0
        self._check_duration(out)
        if self.state is RunState.RUNNING:
            self._judge(out)

    def _check_duration(self, out: list[EngineEvent]) -> None:
        d, run, t = self._step.duration, self._run, self._t
        if isinstance(d, DistanceDuration):
            if self._distance_m - run.start_distance >= d.meters - 1e-6:
                self._end_step(t, "distance", out)
        elif isinstance(d, ConditionDuration):
            hr = self._value(Metric.HR)
            met = hr is not None and (hr < d.bpm if d.op is Comparison.BELOW else hr > d.bpm)
            if not met:
                run.condition_since = None
            else:
                if run.condition_since is None:
                    run.condition_since = t
                if t - run.condition_since >= self.policy.condition_hold_s:
                    self._end_step(t, "condition", out)

    def _judge(self, out: list[EngineEvent]) -> None:
        run, p, t = self._run, self.policy, self._t
        target = self._step.target
        self._predict_s = None
        if target is None or run.resting:
            return
        value = self._value(target.metric)
        if value is None:  # no data: no zone alerts, excursions forgotten
            run.over, run.under, run.predicted_since = Excursion(), Excursion(), None
            return
        rules = p.rules(target.metric)
        low, high = target.low, target.high
        hyst = rules.effective_hysteresis(low, high)
        in_ramp = t - run.start_t < run.ramp_in_s
        cadence_change = self._cadence_change()
        cadence_rising = cadence_change is not None and cadence_change >= p.cadence_flat_spm
        terrain_slow, terrain_fast = self._terrain(target, value)
        under_held = (
            (in_ramp and run.lag is Lag.UP)
            or (self._resumed_t is not None and t - self._resumed_t < p.resume_grace_s)
            or (run.end_t is not None and run.end_t - t <= p.quiet_before_change_s)
            or (target.metric is Metric.HR and cadence_rising)
            or terrain_slow
        )
        run.over, over = judge(
            run.over,
            t,
            beyond=value > high * (1 + rules.tolerance),
            back_inside=value <= high - hyst,
            held=(in_ramp and run.lag is Lag.DOWN) or terrain_fast,
            dwell_s=rules.over_dwell_s,
            repeat_s=p.over_repeat_s,
            max_alerts=p.max_alerts_per_excursion,
        )
        run.under, under = judge(
            run.under,
            t,
            beyond=value < low * (1 - rules.tolerance),
            back_inside=value >= low + hyst,
            held=under_held,
            dwell_s=rules.under_dwell_s,
            repeat_s=p.under_repeat_s,
            max_alerts=p.max_alerts_per_excursion,
        )
        fields: dict[str, object] = {
            "metric": target.metric.value,
            "value": round(value, 2),
            "low": target.low,
            "high": target.high,
            "label": target.label,
        }
        for verdict, ex, kind, side in (
            (over, run.over, EventType.ALERT_OVER, "over"),
            (under, run.under, EventType.ALERT_UNDER, "under"),
        ):
            if verdict is Verdict.ALERT:
                cue = self._cue_for(target, side)
                self._alert(out, kind, cue, n=ex.alerts, **fields)
            elif verdict is Verdict.CLEARED:
                self._emit(out, t, EventType.BACK_IN_ZONE, side=side, **fields)
        if target.metric is Metric.HR:
            self._predict(out, value, high, hyst, fields)

    def _terrain(self, target: ResolvedTarget, pace: float) -> tuple[bool, bool]:
        """Pace steps: is a slow (fast) pace the terrain rather than the effort? So while the
        heart rate holds near what it was with the pace on target (a climb, a descent)."""
        run, margin = self._run, self.policy.pace_effort_bpm
        hr = self._value(Metric.HR)
        if target.metric is not Metric.SPEED or margin <= 0 or hr is None:
            return False, False
        if target.low <= pace <= target.high:
            run.effort_hr_sum += hr
            run.effort_hr_n += 1
        if not run.effort_hr_n:
            return False, False
        effort = run.effort_hr_sum / run.effort_hr_n
        return hr >= effort - margin, hr <= effort + margin

    def _predict(
        self,
        out: list[EngineEvent],
        value: float,
        high: float,
        hyst: float,
        fields: dict[str, object],
    ) -> None:
        run, p, t = self._run, self.policy, self._t
        slope = self._hr_slope
        eta = None if slope is None else seconds_to_cross(value, slope, high, p)
        self._predict_s = eta
        if not run.predicted_armed:
            if value <= high - hyst and (slope is None or slope <= 0):
                run.predicted_armed = True  # eased off: a new approach may be warned again
            return
        recent = [x for x in (run.last_predicted_t, run.over.last_alert_t) if x is not None]
        blocked = (
            run.over.beyond_since is not None
            or run.over.alerts > 0
            or any(t - x < p.over_repeat_s for x in recent)
        )
        if eta is None or blocked:
            run.predicted_since = None
            return
        if run.predicted_since is None:
            run.predicted_since = t
        if t - run.predicted_since >= p.predict_confirm_s:
            run.predicted_armed, run.predicted_since, run.last_predicted_t = False, None, t
            self._tally.alerts["predicted_over"] = self._tally.alerts.get("predicted_over", 0) + 1
            cue = self._cue_for(self._step.target, "over")
            self._alert(
                out,
                EventType.ALERT_PREDICTED_OVER,
                cue,
                in_s=round(eta),
                slope_bpm_min=round(slope or 0.0, 1),
                **fields,
            )

    def _cue_for(self, target: ResolvedTarget | None, side: str) -> str | None:
        """The turnover advice that goes with a heart-rate alert (seed: effort is turnover)."""
        if target is None or target.metric is not Metric.HR:
            return None
        if self._signals[Metric.CADENCE].value is None:
            return None
        if side == "over":
            return EASE_TURNOVER
        change = self._cadence_change()
        return (
            TURNOVER_UP
            if change is not None and abs(change) < self.policy.cadence_flat_spm
            else None
        )

    def _alert(
        self, out: list[EngineEvent], kind: EventType, cue: str | None, **fields: object
    ) -> None:
        t = self._t
        if kind is not EventType.ALERT_PREDICTED_OVER:
            key = "over" if kind is EventType.ALERT_OVER else "under"
            self._tally.alerts[key] = self._tally.alerts.get(key, 0) + 1
        if cue is not None:
            fields["cue"] = cue
        self._emit(out, t, kind, **fields)
        if cue is not None:
            self._cue = (cue, t + self.policy.cue_display_s)
            cadence = self._signals[Metric.CADENCE].value
            self._emit(
                out,
                t,
                EventType.CADENCE_CUE,
                cue=cue,
                cadence=None if cadence is None else round(cadence, 1),
            )

    def _strength_view(self) -> StrengthView | None:
        step, run = self._step, self._run
        if step.strength is None or not isinstance(step.duration, SetsDuration):
            return None
        s = step.strength
        return StrengthView(
            exercise=s.exercise,
            set_index=run.set_index,
            sets=step.duration.sets.high,
            reps=format_reps(s),
            resting=run.resting,
            rest_remaining_s=None if run.rest_end_t is None else max(0.0, run.rest_end_t - self._t),
            load=s.load,
        )


__all__ = ["EASE_TURNOVER", "TURNOVER_UP", "Engine"]
