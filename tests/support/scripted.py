"""Scripted traces for engine tests: a fake clock passed as ``now``, one sample per sensor
and one tick per second, and every event collected."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from pacer.core.actions import ButtonAction
from pacer.core.samples import BikeSample, HeartRateSample, StrideSample
from pacer.engine.engine import Engine
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.policy import AlertPolicy
from pacer.engine.snapshot import Snapshot
from pacer.workout.fileformat import load_workout
from pacer.workout.model import Cue
from pacer.workout.profile import Profile
from pacer.workout.resolve import ResolvedWorkout, resolve

PROFILE = Profile(max_hr=190, resting_hr=55)
POLICY = AlertPolicy()
ALERTS = {EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER}

Trace = Callable[[float], float | None]
Pod = Callable[[float], tuple[float, float] | None]  # speed m/s, cadence spm


def workout_for(text: str) -> ResolvedWorkout:
    return resolve(load_workout(text, "test.yaml", profile=PROFILE), PROFILE)


def engine_for(text: str | ResolvedWorkout, policy: AlertPolicy = POLICY) -> Engine:
    return Engine(workout_for(text) if isinstance(text, str) else text, policy)


class Script:
    """One sample per sensor and one tick per second; collects every event."""

    def __init__(self, text: str | ResolvedWorkout, policy: AlertPolicy = POLICY) -> None:
        self.engine = engine_for(text, policy)
        self.events: list[EngineEvent] = []
        self.snaps: dict[int, Snapshot] = {}
        self.t = 0

    def start(self, hr: float | None = None) -> Script:
        if hr is not None:
            self.engine.on_sample(HeartRateSample(0.0, round(hr), contact=True))
        self.events += self.engine.on_action(ButtonAction.START_PAUSE, now=0.0)
        self.events += self.engine.tick(0.0)
        return self

    def run(
        self,
        seconds: int,
        hr: Trace | None = None,
        pod: Pod | None = None,
        contact: Callable[[float], bool] = lambda t: True,
        power: Trace | None = None,
    ) -> Script:
        for _ in range(seconds):
            self.t += 1
            t = float(self.t)
            bpm = None if hr is None else hr(t)
            if bpm is not None:
                sample = HeartRateSample(t, round(bpm), contact=contact(t))
                self.events += self.engine.on_sample(sample)
            reading = None if pod is None else pod(t)
            if reading is not None:
                speed, cadence = reading
                self.events += self.engine.on_sample(StrideSample(t, speed, cadence))
            watts = None if power is None else power(t)
            if watts is not None:
                self.events += self.engine.on_sample(BikeSample(t, 90.0, 8.0, round(watts)))
            self.events += self.engine.tick(t)
            self.snaps[self.t] = self.engine.snapshot()
        return self

    def press(self, action: ButtonAction) -> list[EngineEvent]:
        out = self.engine.on_action(action, now=float(self.t))
        self.events += out
        return out

    def of(self, *types: EventType) -> list[EngineEvent]:
        return [e for e in self.events if e.type in types]

    def alerts(self) -> list[EngineEvent]:
        return [e for e in self.events if e.type in ALERTS]


def const(v: float) -> Trace:
    return lambda t: v


def first_above(trace: Trace, bound: float, until: int) -> int:
    return next(s for s in range(1, until) if round(trace(float(s)) or 0) > bound)


# --- the issue-13 traces (tests/engine/test_engine_guidance.py, benchmarks/bench_guidance.py) ---

#: warm-up, a hard step, a recovery float (a step down), cool-down
GUIDED = """
name: guided
steps:
  - warmup: 10m
  - active: 10m
    target: 140-150 bpm
  - active: 5m
    target: 120-130 bpm
  - cooldown: 5m
"""
HARD_START, FLOAT_START = 600, 1200
HARD_TOP, FLOAT_TOP = 150, 130


def approach(start: float, steady: float, t0: float, tau: float = 40.0) -> Trace:
    """First-order HR from ``start`` towards ``steady`` from second ``t0``."""
    return lambda t: start if t < t0 else steady + (start - steady) * math.exp(-(t - t0) / tau)


def step_up_hot(hr: float = 158.0) -> Script:
    """A warm-up run too hot, carried into the hard step (HR over its top at the change)."""
    return Script(GUIDED).start(hr=hr).run(HARD_START + 60, const(hr))


def step_down(stubborn: bool) -> Script:
    """The float after the hard step: HR decays (tau 40 s) or stays flat at 148."""
    s = Script(GUIDED).start(hr=120).run(HARD_START, const(120)).run(600, const(148))
    hr = const(148.0) if stubborn else approach(148.0, 122.0, float(FLOAT_START))
    return s.run(120, hr)


def spikes(at: list[int], paired: bool) -> Script:
    """HR steady at 144 in the hard step; a 220 reading (two when ``paired``) at each second
    of ``at``."""
    hits = {a + k for a in at for k in ((0, 1) if paired else (0,))}
    return Script(GUIDED).start(hr=144).run(HARD_START + 500, lambda t: 220 if t in hits else 144)


def gap(away_s: int, back_bpm: float) -> Script:
    """HR 143 in the hard step, the strap away for ``away_s`` seconds, back at ``back_bpm``."""
    s = Script(GUIDED).start(hr=143).run(HARD_START + 200, const(143))
    s.run(away_s, None)
    return s.run(120, const(back_bpm))


#: the scripted runner's HR answers speed at this many bpm per m/s (time constant 40 s)
GAIN_BPM_PER_MPS = 50.0


def surge(start: float, steady: float, t0: int = HARD_START + 120) -> Script:
    """A runner with a foot pod, HR at ``start`` (inside the hard step's zone) at 3.0 m/s
    from the warm-up on. An easy dip late in the warm-up teaches the model how HR answers
    speed (2.8 m/s for two minutes); at ``t0`` a surge to the speed whose steady state is
    ``steady``. Cadence follows speed."""
    dip, back = HARD_START - 240, HARD_START - 120
    fast = 3.0 + (steady - start) / GAIN_BPM_PER_MPS

    def speed(t: float) -> float:
        return 2.8 if dip <= t < back else fast if t >= t0 else 3.0

    low = start - 0.2 * GAIN_BPM_PER_MPS

    def hr(t: float) -> float:
        if t < back:
            return approach(start, low, float(dip))(t)
        if t < t0:
            return approach(approach(start, low, float(dip))(back), start, float(back))(t)
        return approach(start, steady, float(t0))(t)

    s = Script(GUIDED).start(hr=start)
    return s.run(t0 + 90, hr, pod=lambda t: (speed(t), 150 + 8 * speed(t)))


def effort_first() -> Script:
    """Effort before HR: a surge from 141 bpm towards 166 (crossing 150 18 s later)."""
    return surge(141.0, 166.0)


def rise_inside(start: float, slope_bpm_min: float, t0: int = HARD_START + 240) -> Script:
    """No foot pod: HR steady at ``start`` (inside the hard step's zone), then rising at
    ``slope_bpm_min`` from second ``t0``."""

    def hr(t: float) -> float:
        return start if t < t0 else start + slope_bpm_min * (t - t0) / 60.0

    return Script(GUIDED).start(hr=start).run(t0 + 120, hr)


def wobble(seconds: int = 300, period: float = 40.0) -> Script:
    """HR +-2 bpm around the hard step's top for ``seconds`` (a triangle of ``period``)."""

    def hr(t: float) -> float:
        return HARD_TOP + 2 * (1 - 4 * abs((t / period) % 1 - 0.5))

    s = Script(GUIDED).start(hr=145).run(HARD_START + 60, const(145))
    return s.run(seconds, hr)


def rising_in(floor_gap: float = 0.6, rate_bpm_min: float = 3.0) -> Script:
    """HR climbing into the hard step's zone at ``rate_bpm_min``, still ``floor_gap`` bpm
    under the floor when the ramp-in and the under dwell are over (the first hard step's
    ramp-in is the long one)."""
    at = HARD_START + POLICY.first_hard_ramp_in_s + POLICY.hr.under_dwell_s
    floor = 140.0

    def hr(t: float) -> float:
        return min(145.0, floor - floor_gap + rate_bpm_min * (t - at) / 60.0)

    return Script(GUIDED).start(hr=hr(0.0)).run(HARD_START + 600, hr)


# --- ramps and cues (issue 15, the engine side) -------------------------------------------

RIDE = """
name: ramp ride
sport: bike
steps:
  - warmup: 5m
    target: 140-160 W
  - active: 10m
    target: 140-160 W
  - cooldown: 5m
"""
RAMP_START, RAMP_S = 300, 600


def ramp_ride(cues: tuple[Cue, ...] = ()) -> ResolvedWorkout:
    """The ride with its second step a ramp from 140-160 W to 240-260 W (and ``cues``)."""
    w = workout_for(RIDE)
    step = w.steps[1]
    assert step.target is not None
    target = replace(step.target, end_low=240.0, end_high=260.0)
    ramped = replace(step, target=target, written=replace(step.written, cues=cues))
    return replace(w, steps=(w.steps[0], ramped, *w.steps[2:]))


def ride(watts: Trace, cues: tuple[Cue, ...] = ()) -> Script:
    return Script(ramp_ride(cues)).start().run(RAMP_START + RAMP_S + 60, power=watts)


def following(t: float) -> float:
    """Power on the middle of the band: 150 W, then the ramp to 250 W, then easy."""
    if t < RAMP_START:
        return 150.0
    if t < RAMP_START + RAMP_S:
        return 150.0 + 100.0 * (t - RAMP_START) / RAMP_S
    return 120.0
