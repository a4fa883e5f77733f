"""The pacing engine: walks an athlete through a resolved workout (pure, clock injected).

Feed it sensor samples (:meth:`Engine.on_sample`), button actions (:meth:`Engine.on_action`)
and the passing of time (:meth:`Engine.tick`); each call returns the :class:`EngineEvent`
objects it produced, in order, and :meth:`Engine.snapshot` says what to show. No I/O, no
asyncio: the daemon and the simulator drive the same object, one in real time and one as
fast as it can.

Two time bases: samples and ``now`` are the injected clock's monotonic seconds; the workout
clock (``t`` of events and snapshots) counts running seconds only, so a pause freezes it.
The engine is the conductor of four small parts: the step timeline
(:mod:`pacer.engine.timeline`), the signal conditioning (:mod:`pacer.engine.signals`, with
the effort model of :mod:`pacer.engine.effort`), the judge (:mod:`pacer.engine.judge`, its
rules in :mod:`pacer.engine.policy`) and the snapshot (:mod:`pacer.engine.view`).
"""

from __future__ import annotations

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
from pacer.engine.effort import EffortModel
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.judge import Call, Reading, StepJudge
from pacer.engine.policy import AlertPolicy, ramp_in_s, step_direction
from pacer.engine.signals import Conditioning
from pacer.engine.snapshot import RunState, Snapshot, TargetStatus
from pacer.engine.summary import StepTally, WorkoutSummary, summarize
from pacer.engine.timeline import (
    Mark,
    StepRun,
    due_distance_cues,
    end_of,
    fraction_done,
    next_mark,
)
from pacer.engine.view import EASE_TURNOVER, TURNOVER_UP, build_snapshot, turnover_cue
from pacer.engine.zones import status_of
from pacer.workout.model import (
    Comparison,
    ConditionDuration,
    DistanceDuration,
    SetsDuration,
    Sport,
    TimeDuration,
)
from pacer.workout.resolve import Metric, ResolvedStep, ResolvedWorkout
from pacer.workout.syntax import format_duration


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
        self.signals = Conditioning(self.policy)
        inputs = (Metric.POWER,) if workout.sport is Sport.BIKE else (Metric.SPEED, Metric.CADENCE)
        prof = workout.profile
        self.effort = EffortModel(self.policy, inputs, float(prof.max_hr - prof.resting_hr))
        self._cue: tuple[str, float] | None = None
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
        """Let time pass up to ``now`` (monotonic seconds): step ends, countdowns, cues, rest
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
                self.state, self._start_mono, self._t = RunState.RUNNING, now, 0.0
                self._begin_step(0, 0.0, "start", out)
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
        self._t = start_t
        self._begin_step(step_index, start_t, "resume", out)
        run, step = self._run, self._step
        if run.end_t is not None:
            run.countdown_fired.update(
                v for v in self.policy.countdown_marks if run.end_t - v <= workout_t
            )
        for i, cue in enumerate(step.cues):
            past_s = cue.at_s is not None and start_t + cue.at_s < workout_t
            if past_s or (cue.at_m is not None and cue.at_m <= step_distance_m):
                run.cues_fired.add(i)
        self.signals.distance_m = distance_m
        self._t = workout_t
        self._tally.elapsed_s = workout_t - start_t
        return out

    def on_sample(self, sample: Sample) -> list[EngineEvent]:
        """A sensor reading or a connection change."""
        out: list[EngineEvent] = []
        sig, running = self.signals, self.state is RunState.RUNNING
        match sample:
            case HeartRateSample(t=ts, bpm=bpm, contact=contact, rr_s=rr):
                live, believed = sig.heart_rate(ts, bpm, contact, rr)
                if live:
                    self._valid(SensorRole.HR, ts, out)
                if running:
                    for _, x in believed:
                        self._tally.add_hr(round(x))
            case StrideSample(t=ts, speed_mps=speed, cadence_spm=cadence, distance_m=dist):
                self._valid(SensorRole.POD, ts, out)
                sig.running = sample.running
                self._stride(ts, speed, dist)
                self._cadence(ts, cadence)
            case BikeSample(t=ts, cadence_rpm=cadence, speed_mps=speed, power_w=power):
                if power is not None:
                    self._valid(SensorRole.POWER, ts, out)
                    sig.power(ts, power)
                    if running:
                        self._tally.power_sum += power
                        self._tally.power_n += 1
                if cadence is not None or speed is not None:
                    self._valid(SensorRole.CADENCE, ts, out)
                    if speed is not None:
                        self._stride(ts, speed, sample.distance_m)
                    if cadence is not None:
                        self._cadence(ts, cadence)
            case SensorStatus(t=ts, role=role, connected=False):
                self._lose(role, ts, "disconnected", out)
            case _:
                pass  # connected (data will follow), battery levels
        return out

    def snapshot(self) -> Snapshot:
        """What to show now (as of the last tick)."""
        run = self._run
        cue = self._cue[0] if self._cue and self._cue[1] > self._t else None
        return build_snapshot(
            self.workout,
            self.policy,
            self.state,
            self._t,
            run,
            self.signals,
            bounds=self._bounds(),
            status=self._status(),
            timed_after=self._timed_after[run.index],
            cue=cue,
            ramp_in=self._tally.ramp_in_s > self._t - run.start_t,
        )

    @property
    def dropped_hr(self) -> int:
        """Heart-rate readings rejected as artefacts so far."""
        return self.signals.dropped_hr

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

    def _advance(self, t: float, out: list[EngineEvent]) -> None:
        """Run the clock forward to workout second ``t``, firing marks at their own times."""
        while self.state is RunState.RUNNING:
            mark = next_mark(self._run, self._step, self.policy)
            if mark is None or mark[0] > t + 1e-9:
                break
            at, kind, value = mark
            self._account(at)
            run = self._run
            if kind is Mark.COUNTDOWN:
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
            elif kind is Mark.CUE:
                self._give_cue(value, at, out)
            elif kind is Mark.REST_WARNING:
                run.rest_warned = True
                self._emit(out, at, EventType.REST_WARNING, remaining=value, set=run.set_index + 1)
            elif kind is Mark.REST_END:
                self._end_rest(at, out, early=False)
            else:
                reason = "cap" if isinstance(self._step.duration, ConditionDuration) else "time"
                self._end_step(at, reason, out)
        if self.state is RunState.RUNNING:
            self._account(t)

    def _give_cue(self, index: int, t: float, out: list[EngineEvent]) -> None:
        self._run.cues_fired.add(index)
        cue = self._step.cues[index]
        at = {"at_s": cue.at_s} if cue.at_s is not None else {"at_m": cue.at_m}
        self._emit(out, t, EventType.CUE, text=cue.text, **at)

    def _account(self, t_to: float) -> None:
        """Credit the time since the last accounting to the current step."""
        dt = t_to - self._t
        if dt <= 0:
            return
        self._t = t_to
        tally, run = self._tally, self._run
        tally.elapsed_s += dt
        if self._step.target is None or run.resting:
            return
        status = self._status()
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

    def _fraction(self) -> float:
        """How much of the step is done (only a ramp needs to know)."""
        step = self._step
        if step.target is None or not step.target.is_ramp:
            return 0.0
        return fraction_done(step, self._run, self._t, self.signals.distance_m)

    def _bounds(self) -> tuple[float, float] | None:
        target = self._step.target
        return None if target is None else target.bounds_at(self._fraction())

    def _status(self) -> TargetStatus:
        target = self._step.target
        if target is None or self._run.resting:
            return TargetStatus.NONE
        return status_of(self.signals.value(target.metric), target, self._fraction())

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

    def _begin_step(self, index: int, t: float, reason: str, out: list[EngineEvent]) -> None:
        self.signals.restart_step()
        self._run = self._new_run(index, t)
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
        compliance = self.summary().compliance
        self._emit(
            out,
            t,
            EventType.WORKOUT_DONE,
            completed=completed,
            reason=reason,
            compliance=compliance,
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
        back = self.signals.valid(role, ts)
        if back is not None:
            t = self._event_t(ts)
            self._emit(out, t, EventType.SENSOR_BACK, role=role.value, away_s=back[0])

    def _lose(self, role: SensorRole, ts: float, reason: str, out: list[EngineEvent]) -> None:
        if not self.signals.lose(role, ts):
            return
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self.signals.sensors[role].announced = True
            t = self._event_t(ts)
            self._emit(out, t, EventType.SENSOR_LOST, role=role.value, reason=reason)

    def _stride(self, ts: float, speed: float, distance: float | None) -> None:
        running = self.state is RunState.RUNNING
        delta = self.signals.stride(ts, speed, distance, running)
        if running:
            self._tally.distance_m += delta
            self._tally.speed_sum += speed
            self._tally.speed_n += 1

    def _cadence(self, ts: float, cadence: float) -> None:
        self.signals.cadence(ts, cadence)
        if self.state is RunState.RUNNING:
            self._tally.cadence_sum += cadence
            self._tally.cadence_n += 1

    # --- the checks of a tick --------------------------------------------------------

    def _check(self, now: float, out: list[EngineEvent]) -> None:
        sig = self.signals
        for role, reason in sig.stale(now):
            self._lose(role, now, reason, out)
        sig.update_trend()
        quick = {m: s.value for m, s in sig.quick.items()}
        self.effort.update(self._t, sig.value(Metric.HR), quick, sig.running is not False)
        for index in due_distance_cues(self._step, self._run, sig.distance_m):
            self._give_cue(index, self._t, out)
        self._check_duration(out)
        if self.state is RunState.RUNNING:
            self._judge(out, quick)

    def _check_duration(self, out: list[EngineEvent]) -> None:
        d, run, t = self._step.duration, self._run, self._t
        if isinstance(d, DistanceDuration):
            if self.signals.distance_m - run.start_distance >= d.meters - 1e-6:
                self._end_step(t, "distance", out)
        elif isinstance(d, ConditionDuration):
            hr = self.signals.value(Metric.HR)
            met = hr is not None and (hr < d.bpm if d.op is Comparison.BELOW else hr > d.bpm)
            if not met:
                run.condition_since = None
            else:
                if run.condition_since is None:
                    run.condition_since = t
                if t - run.condition_since >= self.policy.condition_hold_s:
                    self._end_step(t, "condition", out)

    def _judge(self, out: list[EngineEvent], quick: dict[Metric, float | None]) -> None:
        run, p, t, sig = self._run, self.policy, self._t, self.signals
        target, judge = self._step.target, run.judge
        if target is None or judge is None or run.resting:
            return
        value = sig.value(target.metric)
        if value is None:
            judge.no_data()
            return
        low, high = target.bounds_at(self._fraction())
        change = sig.cadence_change()
        hr = sig.value(Metric.HR)
        is_hr = target.metric is Metric.HR
        reading = Reading(
            t=t,
            metric=target.metric,
            value=value,
            low=low,
            high=high,
            slope=sig.hr_slope,
            effort=self.effort.predict(value, quick) if is_hr else None,
            tau_s=self.effort.tau_s(),
            hr=hr,
            cadence_rising=change is not None and change >= p.cadence_flat_spm,
            resumed_recently=self._resumed_t is not None and t - self._resumed_t < p.resume_grace_s,
            near_end=run.end_t is not None and run.end_t - t <= p.quiet_before_change_s,
        )
        for call in judge.judge(reading):
            self._call(out, call, target.label)

    def _call(self, out: list[EngineEvent], call: Call, label: str) -> None:
        t, tally = self._t, self._tally
        fields = {**call.fields, "label": label}
        if call.type is EventType.BACK_IN_ZONE:
            self._emit(out, t, call.type, **fields)
            return
        key = {EventType.ALERT_OVER: "over", EventType.ALERT_UNDER: "under"}.get(
            call.type, "predicted_over"
        )
        tally.alerts[key] = tally.alerts.get(key, 0) + 1
        cue = turnover_cue(self._step.target, call.side, self.signals, self.policy)
        if cue is not None:
            fields["cue"] = cue
        self._emit(out, t, call.type, **fields)
        if cue is not None:
            self._cue = (cue, t + self.policy.cue_display_s)
            cadence = self.signals.value(Metric.CADENCE)
            rounded = None if cadence is None else round(cadence, 1)
            self._emit(out, t, EventType.CADENCE_CUE, cue=cue, cadence=rounded)


__all__ = ["EASE_TURNOVER", "TURNOVER_UP", "Engine"]
