"""The pacing engine: walks an athlete through a resolved workout (pure, clock injected).

Feed it sensor samples (:meth:`Engine.on_sample`), button actions (:meth:`Engine.on_action`)
and the passing of time (:meth:`Engine.tick`); each call returns the :class:`EngineEvent`
objects it produced, in order, and :meth:`Engine.snapshot` says what to show. No I/O, no
asyncio: the daemon and the simulator drive the same object, one in real time and one as
fast as it can.

Two time bases: samples and ``now`` are the injected clock's monotonic seconds; the workout
clock (``t`` of events and snapshots) counts running seconds only, so a pause freezes it.
The engine is the conductor of small parts: the step machine (:mod:`pacer.engine.steps`: state,
timeline of :mod:`pacer.engine.timeline`, step lifecycle), the signal conditioning
(:mod:`pacer.engine.signals`, with the effort model of :mod:`pacer.engine.effort`), the judge
(:mod:`pacer.engine.judge`, its thresholds in :mod:`pacer.engine.policy`) and the snapshot
(:mod:`pacer.engine.view`). This module adds the sensors and the checks of a tick.
"""

from __future__ import annotations

from pacer.core.actions import ButtonAction
from pacer.core.clock import Clock
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
from pacer.engine.judge import Call, Reading
from pacer.engine.policy import AlertPolicy
from pacer.engine.signals import Conditioning
from pacer.engine.snapshot import RunState, Snapshot
from pacer.engine.steps import StepMachine
from pacer.engine.summary import WorkoutSummary
from pacer.engine.timeline import (
    due_distance_cues,
)
from pacer.engine.view import EASE_TURNOVER, TURNOVER_UP, build_snapshot, turnover_cue
from pacer.workout.model import (
    Comparison,
    ConditionDuration,
    DistanceDuration,
)
from pacer.workout.resolve import Metric, ResolvedWorkout


class Engine:
    """Walks one workout. Create it IDLE; ``START_PAUSE`` starts it.

    It conducts a :class:`StepMachine` (held, not inherited): what follows is the whole
    public surface."""

    def __init__(
        self,
        workout: ResolvedWorkout,
        policy: AlertPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._m = StepMachine(workout, policy, clock)
        self._clock = clock

    # --- public ----------------------------------------------------------------------

    @property
    def workout(self) -> ResolvedWorkout:
        return self._m.workout

    @property
    def policy(self) -> AlertPolicy:
        return self._m.policy

    @property
    def state(self) -> RunState:
        return self._m.state

    @property
    def signals(self) -> Conditioning:
        """The conditioned sensor signals (read-only use: the simulator's view, tests)."""
        return self._m.signals

    @property
    def effort(self) -> EffortModel:
        """The effort model learned so far (read-only use)."""
        return self._m.effort

    @property
    def events(self) -> tuple[EngineEvent, ...]:
        """Every event so far, in order."""
        return self._m.events

    @property
    def step_index(self) -> int:
        return self._m.step_index

    @property
    def workout_time(self) -> float:
        return self._m.workout_time

    @property
    def done(self) -> bool:
        return self._m.done

    def summary(self) -> WorkoutSummary:
        return self._m.summary()

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
        """Continue a run cut off by a crash or power cut: see :meth:`StepMachine.restore`."""
        return self._m.restore(
            step_index,
            step_elapsed_s,
            workout_t,
            now,
            distance_m=distance_m,
            step_distance_m=step_distance_m,
        )

    def tick(self, now: float) -> list[EngineEvent]:
        """Let time pass up to ``now`` (monotonic seconds): step ends, countdowns, cues, rest
        timers, sensor timeouts and alerts."""
        out: list[EngineEvent] = []
        if self._m.state is not RunState.RUNNING:
            return out
        self._m.advance(self._m.workout_t(now), out)
        if self._m.state is RunState.RUNNING:
            self._check(now, out)
        return out

    def on_action(self, action: ButtonAction, now: float | None = None) -> list[EngineEvent]:
        """A button press; ``now`` defaults to the injected clock."""
        if now is None:
            if self._clock is None:
                raise TypeError("on_action needs now= when the engine has no clock")
            now = self._clock.monotonic()
        out: list[EngineEvent] = []
        if self._m.state is RunState.IDLE:
            if action is ButtonAction.START_PAUSE:
                self._m.start(now, out)
            return out
        if self._m.state is RunState.DONE:
            return out
        if self._m.state is RunState.RUNNING:
            self._m.advance(self._m.workout_t(now), out)
            if self._m.state is not RunState.RUNNING:
                return out
        if action is ButtonAction.STOP:
            self._m.finish(self._m.t, out, completed=False, reason="stopped")
        elif action is ButtonAction.START_PAUSE:
            self._m.pause_or_resume(now, out)
        elif self._m.state is RunState.RUNNING:
            if action is ButtonAction.LAP:
                self._m.lap(out)
            elif action is ButtonAction.SKIP:
                self._m.end_step(self._m.t, "skip", out)
            elif action is ButtonAction.EXTEND:
                self._m.extend(out)
        return out

    def on_sample(self, sample: Sample) -> list[EngineEvent]:
        """A sensor reading or a connection change."""
        out: list[EngineEvent] = []
        sig, running = self._m.signals, self._m.state is RunState.RUNNING
        match sample:
            case HeartRateSample(t=ts, bpm=bpm, contact=contact, rr_s=rr):
                live, believed = sig.heart_rate(ts, bpm, contact, rr)
                if live:
                    self._valid(SensorRole.HR, ts, out)
                if running:
                    for _, x in believed:
                        self._m.tally.add_hr(round(x))
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
                        self._m.tally.power_sum += power
                        self._m.tally.power_n += 1
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
        run = self._m.run
        cue = self._m.cue[0] if self._m.cue and self._m.cue[1] > self._m.t else None
        return build_snapshot(
            self._m.workout,
            self._m.policy,
            self._m.state,
            self._m.t,
            run,
            self._m.signals,
            bounds=self._m.bounds(),
            status=self._m.status(),
            timed_after=self._m.timed_after[run.index],
            cue=cue,
            ramp_in=self._m.tally.ramp_in_s > self._m.t - run.start_t,
        )

    @property
    def dropped_hr(self) -> int:
        """Heart-rate readings rejected as artefacts so far."""
        return self._m.signals.dropped_hr

    # --- sensors ---------------------------------------------------------------------

    def _valid(self, role: SensorRole, ts: float, out: list[EngineEvent]) -> None:
        back = self._m.signals.valid(role, ts)
        if back is not None:
            t = self._m.event_t(ts)
            self._m.emit(out, t, EventType.SENSOR_BACK, role=role.value, away_s=back[0])

    def _lose(self, role: SensorRole, ts: float, reason: str, out: list[EngineEvent]) -> None:
        if not self._m.signals.lose(role, ts):
            return
        if self._m.state in (RunState.RUNNING, RunState.PAUSED):
            self._m.signals.sensors[role].announced = True
            t = self._m.event_t(ts)
            self._m.emit(out, t, EventType.SENSOR_LOST, role=role.value, reason=reason)

    def _stride(self, ts: float, speed: float, distance: float | None) -> None:
        running = self._m.state is RunState.RUNNING
        delta = self._m.signals.stride(ts, speed, distance, running)
        if running:
            self._m.tally.distance_m += delta
            self._m.tally.speed_sum += speed
            self._m.tally.speed_n += 1

    def _cadence(self, ts: float, cadence: float) -> None:
        self._m.signals.cadence(ts, cadence)
        if self._m.state is RunState.RUNNING:
            self._m.tally.cadence_sum += cadence
            self._m.tally.cadence_n += 1

    # --- the checks of a tick --------------------------------------------------------

    def _check(self, now: float, out: list[EngineEvent]) -> None:
        sig = self._m.signals
        for role, reason in sig.stale(now):
            self._lose(role, now, reason, out)
        sig.update_trend()
        quick = {m: s.value for m, s in sig.quick.items()}
        hr = sig.value(Metric.HR)
        machine = self._m
        machine.effort.update(machine.t, hr, quick, sig.running is not False)
        machine.effort_now = None if hr is None else machine.effort.predict(hr, quick)
        machine.forecast.update(
            machine.t, hr, sig.hr_slope_short, machine.effort_now, sig.dropped_hr
        )
        for index in due_distance_cues(machine.step, machine.run, sig.distance_m):
            machine.give_cue(index, machine.t, out)
        self._check_duration(out)
        if self._m.state is RunState.RUNNING:
            self._judge(out, quick)

    def _check_duration(self, out: list[EngineEvent]) -> None:
        d, run, t = self._m.step.duration, self._m.run, self._m.t
        if isinstance(d, DistanceDuration):
            if self._m.signals.distance_m - run.start_distance >= d.meters - 1e-6:
                self._m.end_step(t, "distance", out)
        elif isinstance(d, ConditionDuration):
            hr = self._m.signals.value(Metric.HR)
            met = hr is not None and (hr < d.bpm if d.op is Comparison.BELOW else hr > d.bpm)
            if not met:
                run.condition_since = None
            else:
                if run.condition_since is None:
                    run.condition_since = t
                if t - run.condition_since >= self._m.policy.condition_hold_s:
                    self._m.end_step(t, "condition", out)

    def _judge(self, out: list[EngineEvent], quick: dict[Metric, float | None]) -> None:
        run, p, t, sig = self._m.run, self._m.policy, self._m.t, self._m.signals
        target, judge = self._m.step.target, run.judge
        if target is None or judge is None or run.resting:
            return
        value = sig.value(target.metric)
        if value is None:
            judge.no_data()
            return
        low, high = target.bounds_at(self._m.fraction())
        change = sig.cadence_change()
        hr = sig.value(Metric.HR)
        is_hr = target.metric is Metric.HR
        resumed = self._m.resumed_t
        reading = Reading(
            t=t,
            metric=target.metric,
            value=value,
            low=low,
            high=high,
            slope=sig.hr_slope,
            effort=self._m.effort_now if is_hr else None,
            outlook=self._m.forecast.outlook(value, high, sig.hr_slope_short, self._m.effort_now)
            if is_hr
            else None,
            tau_s=self._m.effort.tau_s(),
            wander=self._m.forecast.wander.sd,
            hr=hr,
            cadence_rising=change is not None and change >= p.cadence_flat_spm,
            resumed_recently=resumed is not None and t - resumed < p.resume_grace_s,
            near_end=run.end_t is not None and run.end_t - t <= p.quiet_before_change_s,
        )
        for call in judge.judge(reading):
            self._call(out, call, target.label)

    def _call(self, out: list[EngineEvent], call: Call, label: str) -> None:
        t, tally = self._m.t, self._m.tally
        fields = {**call.fields, "label": label}
        if call.type is EventType.BACK_IN_ZONE:
            self._m.emit(out, t, call.type, **fields)
            return
        key = {EventType.ALERT_OVER: "over", EventType.ALERT_UNDER: "under"}.get(
            call.type, "predicted_over"
        )
        tally.alerts[key] = tally.alerts.get(key, 0) + 1
        cue = turnover_cue(self._m.step.target, call.side, self._m.signals, self._m.policy)
        if cue is not None:
            fields["cue"] = cue
        self._m.emit(out, t, call.type, **fields)
        if cue is not None:
            self._m.cue = (cue, t + self._m.policy.cue_display_s)
            cadence = self._m.signals.value(Metric.CADENCE)
            rounded = None if cadence is None else round(cadence, 1)
            self._m.emit(out, t, EventType.CADENCE_CUE, cue=cue, cadence=rounded)


__all__ = ["EASE_TURNOVER", "TURNOVER_UP", "Engine"]
