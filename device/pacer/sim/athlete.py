"""A simulated athlete: effort in, heart rate, pace, cadence and power out (pure, seeded).

The model, per second:

* **Effort** ``E`` is a fraction of heart-rate reserve: at steady state
  ``HR = resting + E * (max - resting)``.
* **Heart rate** follows its steady state with first-order kinetics (time constant
  ``tau_up_s`` rising, ``tau_down_s`` falling, both in the 30-60 s the physiology gives), plus
  a settling term that fades over the first ~15 minutes (the seed: "my HR takes around 15
  minutes to settle"), cardiac drift that grows with time and effort, and strap noise.
* **Speed** grows with effort around marathon pace (the seed's step-up: high Z2 is a few
  seconds per mile slower than marathon pace, Z4 15-20 s faster) and drops on a climb at the
  same effort; **cadence** grows with effort and holds on hills (seed: "keep churning those
  legs at the same rate"); **power** (bike) is proportional to effort.

Behaviours decide the effort: ``disciplined`` eases into each step and follows the cues
(and a ramp's band as it moves),
``eager`` jumps into each hard step too hard until an over alert reins it in, ``fader``
cannot hold the last hard step, ``dropout`` is disciplined with a strap that loses contact or
disconnects now and then, ``strength`` presses the button after each set, ``hot-start``
warms up too hard and carries it into the first step until an over alert, ``artefacts`` is
disciplined with a strap that spikes to 200+ bpm (one reading or two) and drops out. Effort
moves first: speed, cadence and power answer it at once, heart rate follows it with its
kinetics. Everything random
comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from pacer.core.actions import ButtonAction
from pacer.core.samples import (
    BikeSample,
    HeartRateSample,
    Sample,
    SensorRole,
    SensorStatus,
    StrideSample,
)
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.snapshot import Snapshot
from pacer.sim.body import WALK_EFFORT, Heart, Physiology, wobble_sd
from pacer.workout.model import (
    ConditionDuration,
    Intensity,
    OpenDuration,
    SetsDuration,
    Sport,
)
from pacer.workout.resolve import Metric, ResolvedTarget, ResolvedWorkout


class Behaviour(StrEnum):
    DISCIPLINED = "disciplined"
    EAGER = "eager"
    FADER = "fader"
    DROPOUT = "dropout"
    STRENGTH = "strength"
    HOT_START = "hot-start"
    ARTEFACTS = "artefacts"


BEHAVIOURS: dict[Behaviour, str] = {
    Behaviour.DISCIPLINED: "eases into each step and follows the cues",
    Behaviour.EAGER: "jumps into each hard step too hard until an over alert",
    Behaviour.FADER: "cannot hold the last hard step",
    Behaviour.DROPOUT: "disciplined, but the HR strap loses contact now and then",
    Behaviour.STRENGTH: "presses the button after each set, waits for the rest timer",
    Behaviour.HOT_START: "warms up too hard and carries it into the first step",
    Behaviour.ARTEFACTS: "disciplined, with a strap that spikes (single and paired) and drops",
}


@dataclass(frozen=True, slots=True)
class Act:
    """What the athlete did in one second: sensor samples and button presses."""

    samples: tuple[Sample, ...] = ()
    actions: tuple[ButtonAction, ...] = ()


#: effort with no target, by intensity ("super easy" warm-up, jog-home cool-down)
EASY_EFFORT = {
    Intensity.WARMUP: 0.42,
    Intensity.COOLDOWN: 0.38,
    Intensity.RECOVERY: 0.30,
    Intensity.REST: 0.15,
    Intensity.ACTIVE: 0.65,
}
#: strength: effort during a set, and resting between sets
SET_EFFORT, REST_EFFORT = 0.55, 0.12
#: a runner on a pace target looks at the average pace of the last few minutes, now and then
PACE_GLANCE_S, PACE_AVERAGE_S = 30.0, 120.0
#: rolling hills (``hills=True``): grade swings +-2 % over 800 m, 16 m from trough to top
HILL_GRADE_PCT, HILL_PERIOD_M = 2.0, 800.0


@dataclass(slots=True)
class _Plan:
    """The athlete's intent for the step in progress."""

    index: int
    start_t: float
    start_effort: float
    goal_effort: float
    ease_in_s: float
    aim: tuple[Metric, float] | None
    hard: bool
    correction: float = 0.0
    next_glance_t: float = 0.0
    overshoot: bool = False
    fade_from: float | None = None
    sets_done: int = 0
    set_started_t: float | None = None
    lap_at: float | None = None


@dataclass(slots=True)
class _Dropout:
    start: float
    end: float
    disconnect: bool
    announced: bool = False


@dataclass
class Athlete:
    """One simulated athlete doing one workout. Call :meth:`act` once a second."""

    workout: ResolvedWorkout
    behaviour: Behaviour = Behaviour.DISCIPLINED
    seed: int = 1
    hills: bool = False
    physiology: Physiology | None = None
    #: seconds from an alert to the athlete's response
    reaction_s: float = 5.0
    #: disciplined ease-in over this many seconds (the seed: "slowly bring your cadence up")
    ease_in_s: float = 90.0
    #: eager: aim this many bpm above the top of each hard step
    overshoot_bpm: float = 12.0
    #: fader: in the last hard step, effort starts to fail after this long ...
    fade_after_s: float = 180.0
    #: ... and falls by this much effort per minute
    fade_per_min: float = 0.025
    #: an open step (lap button) lasts this long
    open_step_s: float = 300.0
    #: hot-start: warm up this many bpm above the top of the first hard step
    hot_bpm: float = 8.0
    #: artefacts: seconds between strap spikes (mean)
    spike_every_s: float = 90.0
    _rng: random.Random = field(init=False, repr=False)
    _phys: Physiology = field(init=False, repr=False)
    _t0: float | None = field(default=None, init=False)
    _last_t: float | None = field(default=None, init=False)
    _heart: Heart = field(init=False, repr=False)
    _effort: float = field(default=0.0, init=False)
    _distance: float = field(default=0.0, init=False)
    _plan: _Plan | None = field(default=None, init=False)
    _reactions: list[tuple[float, float, bool]] = field(default_factory=list, init=False)
    _dropout: _Dropout | None = field(default=None, init=False)
    _next_dropout: float = field(default=0.0, init=False)
    _last_hard_index: int = field(default=-1, init=False)
    _track: deque[tuple[float, float]] = field(default_factory=deque, init=False)
    _first_hard: ResolvedTarget | None = field(default=None, init=False)
    _next_spike: float = field(default=0.0, init=False)
    _spike_left: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        # a body drawn from the real recordings' ranges, unless one is given
        ride = self.workout.sport is Sport.BIKE
        drawn = Physiology.from_profile(self.workout.profile).drawn(self._rng, ride=ride)
        self._phys = self.physiology or drawn
        self._heart = Heart(self._phys, lagged=self._phys.resting_hr + 20.0)
        self._effort = REST_EFFORT
        hard = [i for i, s in enumerate(self.workout.steps) if _is_hard(s.intensity, s.target)]
        self._last_hard_index = hard[-1] if hard else -1
        self._first_hard = self.workout.steps[hard[0]].target if hard else None
        self._next_dropout = self._rng.uniform(240.0, 600.0)
        self._next_spike = self._rng.uniform(30.0, 2 * self.spike_every_s)

    @property
    def heart_rate(self) -> float:
        """The true heart rate now (before the strap's noise and artefacts): what the
        benchmarks judge the engine against."""
        return self._heart.bpm

    @property
    def body(self) -> Physiology:
        """The body this athlete was given or drew."""
        return self._phys

    # --- the engine talks back ---------------------------------------------------------

    def on_event(self, event: EngineEvent) -> None:
        """React to what the athlete feels and reads (after ``reaction_s``)."""
        if self._last_t is None:
            return
        at = self._last_t + self.reaction_s
        if event.type is EventType.ALERT_OVER:
            self._reactions.append((at, -0.03, True))
        elif event.type is EventType.ALERT_PREDICTED_OVER and self.behaviour is not Behaviour.EAGER:
            self._reactions.append((at, -0.02, False))
        elif event.type is EventType.ALERT_UNDER:
            self._reactions.append((at, +0.02, False))

    # --- one second --------------------------------------------------------------------

    def act(self, now: float, view: Snapshot) -> Act:
        """Advance the body to ``now`` and report what the sensors measured."""
        if self._t0 is None:
            self._t0 = now
        dt = 0.0 if self._last_t is None else now - self._last_t
        self._last_t = now
        actions: list[ButtonAction] = []
        plan = self._plan
        if plan is None or plan.index != view.step_index:
            plan = self._plan = self._new_plan(view)
        for _at, delta, settle in [r for r in self._reactions if r[0] <= now]:
            plan.correction += delta
            if settle:
                plan.overshoot = False
        self._reactions = [r for r in self._reactions if r[0] > now]
        effort = self._decide(now, view, plan, actions)
        self._effort = effort
        self._body(now, dt)
        return Act(self._measure(now, dt), tuple(actions))

    def _new_plan(self, view: Snapshot) -> _Plan:
        step = self.workout.steps[view.step_index]
        p, rng = self._phys, self._rng
        target = step.target
        aim: tuple[Metric, float] | None = None
        if target is not None and target.metric is not Metric.CADENCE:
            aim = (target.metric, (target.low + target.high) / 2)
        hard = _is_hard(step.intensity, target)
        goal = self._effort_for(aim) if aim else EASY_EFFORT[step.intensity]
        goal += rng.gauss(0.0, 0.015)  # nobody judges an effort exactly
        ease = self.ease_in_s if hard else 30.0
        overshoot = False
        if self.behaviour is Behaviour.EAGER and hard and aim and aim[0] is Metric.HR:
            assert target is not None
            goal = p.effort_for_hr(target.high + self.overshoot_bpm)
            ease, overshoot = 5.0, True
        hot = self.behaviour is Behaviour.HOT_START and self._first_hard is not None
        if hot and step.intensity is Intensity.WARMUP and self._first_hard is not None:
            goal = p.effort_for_hr(self._first_hard.high + self.hot_bpm)
        elif hot and step.target is self._first_hard and self._plan is not None:
            goal, ease, overshoot = self._effort, 5.0, True  # carries the warm-up's effort
        start_t = self._last_t or 0.0
        # what the runner learned about the day's effort-HR relation carries over
        carried = 0.0
        old = self._plan
        if old is not None and old.aim and aim and old.aim[0] is aim[0] and not overshoot:
            carried = old.correction
        return _Plan(
            index=view.step_index,
            start_t=start_t,
            start_effort=self._effort,
            goal_effort=goal,
            ease_in_s=ease,
            aim=aim,
            hard=hard,
            next_glance_t=start_t + ease,
            overshoot=overshoot,
            correction=carried,
        )

    def _effort_for(self, aim: tuple[Metric, float]) -> float:
        metric, value = aim
        p = self._phys
        if metric is Metric.HR:
            return p.effort_for_hr(value - self._heart.drift)
        if metric is Metric.SPEED:
            return p.effort_for_speed(value)
        return p.effort_for_power(value)

    def _decide(
        self, now: float, view: Snapshot, plan: _Plan, actions: list[ButtonAction]
    ) -> float:
        step = self.workout.steps[view.step_index]
        elapsed = now - plan.start_t
        d = step.duration
        if isinstance(d, SetsDuration):
            return self._strength(now, view, plan, actions)
        if isinstance(d, OpenDuration) and elapsed >= self.open_step_s:
            actions.append(ButtonAction.LAP)
        if isinstance(d, ConditionDuration):
            return EASY_EFFORT[Intensity.RECOVERY]
        if plan.overshoot and elapsed > 240.0:
            plan.overshoot = False  # even the eager settle down in the end
        if plan.overshoot:
            return plan.goal_effort
        hasty = self.behaviour in (Behaviour.EAGER, Behaviour.HOT_START)
        if hasty and plan.hard and plan.aim and plan.ease_in_s < 10:
            # reined in: head for the middle of the range quickly
            plan.goal_effort = self._effort_for(plan.aim)
            plan.start_effort, plan.start_t, plan.ease_in_s = self._effort, now, 20.0
            plan.next_glance_t = now + 60.0
            elapsed = 0.0
        frac = 1.0 if plan.ease_in_s <= 0 else min(1.0, elapsed / plan.ease_in_s)
        effort = plan.start_effort + (plan.goal_effort - plan.start_effort) * frac
        aim = plan.aim
        low, high = view.target_low, view.target_high
        if aim and view.target_trend and low is not None and high is not None:
            # a ramp: follow the band the screen shows now, as far as it has moved
            moved = (aim[0], (low + high) / 2)
            effort += self._effort_for(moved) - self._effort_for(aim)
            aim = moved
        if aim and now >= plan.next_glance_t:
            # heart rate every 10 s; pace only now and then, on its average over the hills
            slow = aim[0] is Metric.SPEED
            plan.next_glance_t = now + (PACE_GLANCE_S if slow else 10.0)
            plan.correction += self._glance(view, aim)
        effort += plan.correction
        fading = self.behaviour is Behaviour.FADER and view.step_index == self._last_hard_index
        if fading and elapsed > self.fade_after_s:
            if plan.fade_from is None:
                plan.fade_from = effort
            lost = self.fade_per_min * (elapsed - self.fade_after_s) / 60.0
            effort = min(effort, plan.fade_from - lost)
        return min(1.05, max(0.1, effort))

    def _glance(self, view: Snapshot, aim: tuple[Metric, float]) -> float:
        """A look at the watch: the effort correction a sensible runner makes."""
        metric, value = aim
        p = self._phys
        if metric is Metric.HR:
            if view.hr is None:
                return 0.0
            # where HR is heading, not where it is: it lags the effort
            heading = view.hr + (view.hr_slope or 0.0) / 60.0 * p.tau_up_s
            return 0.25 * (value - heading) / p.reserve
        if metric is Metric.SPEED:
            # hold the effort, let the pace average out (the seed): judge minutes, not a hill
            h = self._track
            if len(h) < 2 or h[-1][0] - h[0][0] < PACE_GLANCE_S:
                return 0.0
            average = (h[-1][1] - h[0][1]) / (h[-1][0] - h[0][0])
            return 0.25 * (p.effort_for_speed(value) - p.effort_for_speed(average))
        if view.power_w is None:
            return 0.0
        return 0.25 * (p.effort_for_power(value) - p.effort_for_power(view.power_w))

    def _strength(
        self, now: float, view: Snapshot, plan: _Plan, actions: list[ButtonAction]
    ) -> float:
        sv = view.strength
        step = self.workout.steps[view.step_index]
        if sv is None or step.strength is None:
            return REST_EFFORT
        if sv.resting:
            plan.set_started_t = None
            return REST_EFFORT
        if plan.set_started_t is None:
            plan.set_started_t = now
            reps = step.strength.reps.high * (2 if step.strength.per_leg else 1)
            plan.lap_at = now + reps * 2.5 + self._rng.uniform(5.0, 12.0)
        if plan.lap_at is not None and now >= plan.lap_at:
            actions.append(ButtonAction.LAP)
            plan.lap_at = None
            plan.sets_done += 1
        return SET_EFFORT

    # --- physiology ----------------------------------------------------------------------

    def _body(self, now: float, dt: float) -> None:
        if dt <= 0:
            return
        self._heart.advance(self._effort, dt, now - (self._t0 or now), self._rng)
        self._distance += self._speed_now() * dt
        self._track.append((now, self._distance))
        while now - self._track[0][0] > PACE_AVERAGE_S:
            self._track.popleft()

    def _grade(self) -> float:
        if not self.hills:
            return 0.0
        return HILL_GRADE_PCT * math.sin(2 * math.pi * self._distance / HILL_PERIOD_M)

    def _speed_now(self) -> float:
        return self._phys.speed(self._effort, self._grade())

    def _measure(self, now: float, dt: float) -> tuple[Sample, ...]:
        p, rng = self._phys, self._rng
        out: list[Sample] = []
        true_bpm = self._heart.bpm
        bpm = self._heart.measured(rng)
        rr = 60.0 / max(30.0, true_bpm)
        beats = tuple(
            round(rr * (1 + rng.gauss(0.0, 0.02)), 3) for _ in range(max(1, round(true_bpm / 60)))
        )
        hr_sample: Sample | None = HeartRateSample(now, bpm, contact=True, rr_s=beats)
        if self.behaviour in (Behaviour.DROPOUT, Behaviour.ARTEFACTS):
            hr_sample = self._strap(now, HeartRateSample(now, bpm, contact=True, rr_s=beats), out)
        if self.behaviour is Behaviour.ARTEFACTS and hr_sample is not None:
            hr_sample = self._spike(now, hr_sample)
        if hr_sample is not None:
            out.append(hr_sample)
        if self.workout.sport is Sport.STRENGTH:
            pass  # a strap in the gym, no foot pod
        elif self.workout.sport is Sport.BIKE:
            level = p.power(self._effort)
            power = round(level + rng.gauss(0.0, wobble_sd(p.power_wobble_pct, level)))
            speed = 4.0 + 6.0 * self._effort
            out.append(
                BikeSample(
                    now,
                    cadence_rpm=round(88 + rng.gauss(0.0, 2.0), 1),
                    speed_mps=round(speed, 3),
                    power_w=max(0, power),
                    distance_m=round(self._distance, 2),
                )
            )
        else:
            level = self._speed_now()
            speed = max(0.0, level + rng.gauss(0.0, wobble_sd(p.speed_wobble_pct, level)))
            cadence = p.cadence(self._effort) + rng.gauss(0.0, 1.0)
            out.append(
                StrideSample(
                    now,
                    speed_mps=round(speed, 3),
                    cadence_spm=round(cadence, 1),
                    distance_m=round(self._distance, 2),
                    stride_m=round(speed * 60.0 / max(cadence, 1.0), 3),
                    running=self._effort >= WALK_EFFORT,
                )
            )
        return tuple(out)

    def _strap(self, now: float, sample: Sample, out: list[Sample]) -> Sample | None:
        """The dropout athlete's strap: contact lost now and then, sometimes a disconnect."""
        rng = self._rng
        since = now - (self._t0 or now)
        d = self._dropout
        if d is None and since >= self._next_dropout:
            length = rng.uniform(15.0, 60.0)
            d = self._dropout = _Dropout(since, since + length, rng.random() < 0.3)
        if d is None:
            return sample
        if since >= d.end:
            self._dropout = None
            self._next_dropout = since + rng.uniform(300.0, 900.0)
            if d.disconnect:
                out.append(SensorStatus(now, SensorRole.HR, connected=True))
            return sample
        if d.disconnect:
            if not d.announced:
                d.announced = True
                out.append(SensorStatus(now, SensorRole.HR, connected=False))
            return None
        garbage = rng.choice((0, rng.randint(40, 220)))
        return HeartRateSample(now, garbage, contact=False)

    def _spike(self, now: float, sample: Sample) -> Sample:
        """The artefacts athlete's strap: now and then a 200+ bpm reading, one or two."""
        rng = self._rng
        since = now - (self._t0 or now)
        if not self._spike_left and since >= self._next_spike:
            self._spike_left = rng.choice((1, 2))
            self._next_spike = since + rng.uniform(0.5, 1.5) * self.spike_every_s
        if not self._spike_left:
            return sample
        self._spike_left -= 1
        return HeartRateSample(now, rng.randint(200, 230), contact=True)


def _is_hard(intensity: Intensity, target: ResolvedTarget | None) -> bool:
    return intensity is Intensity.ACTIVE and target is not None


__all__ = ["BEHAVIOURS", "Act", "Athlete", "Behaviour", "Physiology"]
