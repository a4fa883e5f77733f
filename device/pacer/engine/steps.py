"""The step machine: the engine's state, its timeline and its step lifecycle (pure).

:class:`StepMachine` holds what a run is (the workout, the clock, the step being run and
its tallies, the events so far, the conditioned signals) and moves it through the
workout: time passing (marks at their own second, accounting), the buttons' effects on
the steps (lap, sets and rests, extend, pause), cues, and resuming a cut-off run.
:class:`pacer.engine.engine.Engine` holds one (composition, not inheritance) and adds the
sensors, the checks of a tick and the judge; its public surface is only what it declares.
"""

from __future__ import annotations

from pacer.core.clock import Clock
from pacer.core.errors import WorkoutError
from pacer.engine.effort import EffortModel, Prediction
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.forecast import Forecast
from pacer.engine.judge import StepJudge
from pacer.engine.policy import AlertPolicy, ramp_in_s, step_direction
from pacer.engine.signals import Conditioning
from pacer.engine.snapshot import RunState, TargetStatus
from pacer.engine.summary import StepTally, WorkoutSummary, summarize
from pacer.engine.timeline import Mark, StepRun, end_of, fraction_done, next_mark
from pacer.engine.zones import status_of
from pacer.workout.model import ConditionDuration, SetsDuration, Sport, TimeDuration
from pacer.workout.resolve import Metric, ResolvedStep, ResolvedWorkout
from pacer.workout.syntax import format_duration


class StepMachine:
    """The state of one run through one workout and how its steps advance."""

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
        self.timed_after = [
            sum(
                s.duration.seconds
                for s in self._steps[i + 1 :]
                if isinstance(s.duration, TimeDuration)
            )
            for i in range(len(self._steps))
        ]
        self.t = 0.0
        self._start_mono = 0.0
        self._paused_total = 0.0
        self._pause_mono: float | None = None
        self.resumed_t: float | None = None
        self._completed = False
        self.signals = Conditioning(self.policy)
        inputs = (Metric.POWER,) if workout.sport is Sport.BIKE else (Metric.SPEED, Metric.CADENCE)
        prof = workout.profile
        self.effort = EffortModel(self.policy, inputs, float(prof.max_hr - prof.resting_hr))
        self.forecast = Forecast(self.policy, float(prof.max_hr))
        #: the effort model's prediction of the last tick (None without effort or HR)
        self.effort_now: Prediction | None = None
        self.cue: tuple[str, float] | None = None
        self.run = self._new_run(0, 0.0)

    # --- public ----------------------------------------------------------------------

    @property
    def events(self) -> tuple[EngineEvent, ...]:
        """Every event so far, in order."""
        return tuple(self._events)

    @property
    def step_index(self) -> int:
        return self.run.index

    @property
    def workout_time(self) -> float:
        return self.t

    @property
    def done(self) -> bool:
        return self.state is RunState.DONE

    def summary(self) -> WorkoutSummary:
        return summarize(self.workout.name, self._tallies, self._completed)

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
        Earlier steps count as done; countdowns and cues already past do not fire again.
        Emits the step's ``step_start`` with reason "resume"."""
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
        self.signals.distance_m = max(0.0, distance_m - step_distance_m)
        start_t = max(0.0, workout_t - step_elapsed_s)
        self.t = start_t
        self.begin_step(step_index, start_t, "resume", out)
        run, step = self.run, self.step
        if run.end_t is not None:
            run.countdown_fired.update(
                v for v in self.policy.countdown_marks if run.end_t - v <= workout_t
            )
        for i, cue in enumerate(step.cues):
            past_s = cue.at_s is not None and start_t + cue.at_s < workout_t
            if past_s or (cue.at_m is not None and cue.at_m <= step_distance_m):
                run.cues_fired.add(i)
        self.signals.distance_m = distance_m
        self.t = workout_t
        self.tally.elapsed_s = workout_t - start_t
        return out

    def start(self, now: float, out: list[EngineEvent]) -> None:
        """IDLE to RUNNING at monotonic ``now``: the workout clock starts at 0 in step 1."""
        self.state, self._start_mono, self.t = RunState.RUNNING, now, 0.0
        self.begin_step(0, 0.0, "start", out)

    # --- time ------------------------------------------------------------------------
    # (the engine, which holds this machine, calls what follows; nothing else does)

    @property
    def step(self) -> ResolvedStep:
        return self._steps[self.run.index]

    @property
    def tally(self) -> StepTally:
        return self._tallies[self.run.index]

    def event_t(self, ts: float) -> float:
        """Workout time of a sample stamped ``ts`` (never before the last tick)."""
        if self.state is not RunState.RUNNING:
            return self.t
        return max(self.t, ts - self._start_mono - self._paused_total)

    def workout_t(self, now: float) -> float:
        if self.state is RunState.PAUSED and self._pause_mono is not None:
            now = self._pause_mono
        return max(self.t, now - self._start_mono - self._paused_total)

    def emit(self, out: list[EngineEvent], t: float, kind: EventType, **data: object) -> None:
        ev = EngineEvent(t, kind, self.run.index + 1, dict(data))
        out.append(ev)
        self._events.append(ev)

    def pause_or_resume(self, now: float, out: list[EngineEvent]) -> None:
        if self.state is RunState.RUNNING:
            self.state = RunState.PAUSED
            self._pause_mono = now
            self.emit(out, self.t, EventType.PAUSED)
        elif self.state is RunState.PAUSED and self._pause_mono is not None:
            self._paused_total += now - self._pause_mono
            self._pause_mono = None
            self.state = RunState.RUNNING
            self.resumed_t = self.t
            self.emit(out, self.t, EventType.RESUMED)

    def advance(self, t: float, out: list[EngineEvent]) -> None:
        """Run the clock forward to workout second ``t``, firing marks at their own times."""
        while self.state is RunState.RUNNING:
            mark = next_mark(self.run, self.step, self.policy)
            if mark is None or mark[0] > t + 1e-9:
                break
            at, kind, value = mark
            self._account(at)
            run = self.run
            if kind is Mark.COUNTDOWN:
                run.countdown_fired.add(value)
                nxt = run.index + 1
                self.emit(
                    out,
                    at,
                    EventType.STEP_COUNTDOWN,
                    remaining=value,
                    final=value != self.policy.countdown_s,
                    next=self._steps[nxt].name if nxt < len(self._steps) else None,
                )
            elif kind is Mark.CUE:
                self.give_cue(value, at, out)
            elif kind is Mark.REST_WARNING:
                run.rest_warned = True
                self.emit(out, at, EventType.REST_WARNING, remaining=value, set=run.set_index + 1)
            elif kind is Mark.REST_END:
                self._end_rest(at, out, early=False)
            else:
                reason = "cap" if isinstance(self.step.duration, ConditionDuration) else "time"
                self.end_step(at, reason, out)
        if self.state is RunState.RUNNING:
            self._account(t)

    def give_cue(self, index: int, t: float, out: list[EngineEvent]) -> None:
        self.run.cues_fired.add(index)
        cue = self.step.cues[index]
        at = {"at_s": cue.at_s} if cue.at_s is not None else {"at_m": cue.at_m}
        self.emit(out, t, EventType.CUE, text=cue.text, **at)

    def _account(self, t_to: float) -> None:
        """Credit the time since the last accounting to the current step."""
        dt = t_to - self.t
        if dt <= 0:
            return
        self.t = t_to
        tally, run = self.tally, self.run
        tally.elapsed_s += dt
        if self.step.target is None or run.resting:
            return
        status = self.status()
        if status is TargetStatus.NONE:
            tally.nodata_s += dt
            return
        if status is TargetStatus.IN:
            tally.in_s += dt
        elif status is TargetStatus.OVER:
            tally.over_s += dt
        else:
            tally.under_s += dt
        if t_to - run.start_t > tally.ramp_in_s:
            tally.measured_after_ramp_s += dt
            if status is TargetStatus.IN:
                tally.in_after_ramp_s += dt
        elif (
            status is not TargetStatus.IN
            and run.judge is not None
            and run.judge.excused(status is TargetStatus.OVER, t_to)
        ):
            tally.excused_s += dt  # the lag the rules allow for

    def fraction(self) -> float:
        """How much of the step is done (only a ramp needs to know)."""
        step = self.step
        if step.target is None or not step.target.is_ramp:
            return 0.0
        return fraction_done(step, self.run, self.t, self.signals.distance_m)

    def bounds(self) -> tuple[float, float] | None:
        target = self.step.target
        return None if target is None else target.bounds_at(self.fraction())

    def status(self) -> TargetStatus:
        target = self.step.target
        if target is None or self.run.resting:
            return TargetStatus.NONE
        return status_of(self.signals.value(target.metric), target, self.fraction())

    # --- steps -----------------------------------------------------------------------

    def _new_run(self, index: int, t: float) -> StepRun:
        step = self._steps[index]
        run = StepRun(index, t, self.signals.distance_m, end_of(step, t))
        if step.target is not None:
            run.judge = StepJudge(
                self.policy,
                t,
                self._tallies[index].ramp_in_s,
                step_direction(self._steps, index),
                self.signals.value(step.target.metric),
            )
        return run

    def begin_step(self, index: int, t: float, reason: str, out: list[EngineEvent]) -> None:
        self.signals.restart_step()
        self.run = self._new_run(index, t)
        self.cue = None
        step = self.step
        self.tally.started = True
        self.emit(
            out,
            t,
            EventType.STEP_START,
            name=step.name,
            intensity=step.intensity.value,
            duration=format_duration(step.duration),
            target=None if step.target is None else step.target.label,
            reason=reason,
        )

    def end_step(self, t: float, reason: str, out: list[EngineEvent]) -> None:
        self.tally.ended = reason
        if self.run.index + 1 < len(self._steps):
            self.begin_step(self.run.index + 1, t, reason, out)
        else:
            self.finish(t, out, completed=True, reason="finished")

    def finish(self, t: float, out: list[EngineEvent], *, completed: bool, reason: str) -> None:
        if not completed:
            self.tally.ended = reason
        self._completed = completed
        self.state = RunState.DONE
        self._pause_mono = None
        compliance = self.summary().compliance
        self.emit(
            out,
            t,
            EventType.WORKOUT_DONE,
            completed=completed,
            reason=reason,
            compliance=compliance,
        )

    def lap(self, out: list[EngineEvent]) -> None:
        run, step, t = self.run, self.step, self.t
        if run.resting:
            self._end_rest(t, out, early=True)
            return
        d = step.duration
        if not isinstance(d, SetsDuration):
            self.end_step(t, "lap", out)
            return
        self.tally.sets_done = run.set_index
        self.emit(out, t, EventType.SET_DONE, set=run.set_index, sets=d.sets.high)
        if run.set_index >= d.sets.high:
            self.end_step(t, "sets", out)
            return
        rest = step.strength.rest if step.strength else None
        rest_s = rest.low if rest is not None else self.policy.default_rest_s
        run.resting, run.rest_start_t, run.rest_end_t = True, t, t + rest_s
        run.rest_warned = False
        self.emit(out, t, EventType.REST_START, set=run.set_index, rest_s=rest_s)

    def _end_rest(self, t: float, out: list[EngineEvent], *, early: bool) -> None:
        run = self.run
        run.resting, run.rest_start_t, run.rest_end_t = False, None, None
        run.set_index += 1
        self.emit(out, t, EventType.REST_END, set=run.set_index, early=early)

    def extend(self, out: list[EngineEvent]) -> None:
        run, by = self.run, self.policy.extend_s
        if run.resting and run.rest_end_t is not None:
            run.rest_end_t += by
            run.rest_warned = False
            left = run.rest_end_t - self.t
        elif run.end_t is not None:
            run.end_t += by
            run.countdown_fired.clear()
            left = run.end_t - self.t
        else:
            return
        self.emit(out, self.t, EventType.STEP_EXTENDED, by_s=by, remaining_s=round(left, 1))


__all__ = ["StepMachine"]
