"""Scripted traces for engine tests: a fake clock passed as ``now``, one sample per sensor
and one tick per second, and every event collected."""

from __future__ import annotations

from collections.abc import Callable

from pacer.core.actions import ButtonAction
from pacer.core.samples import HeartRateSample, StrideSample
from pacer.engine.engine import Engine
from pacer.engine.events import EngineEvent, EventType
from pacer.engine.policy import AlertPolicy
from pacer.engine.snapshot import Snapshot
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Profile
from pacer.workout.resolve import resolve

PROFILE = Profile(max_hr=190, resting_hr=55)
POLICY = AlertPolicy()
ALERTS = {EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER}

Trace = Callable[[float], float | None]
Pod = Callable[[float], tuple[float, float] | None]  # speed m/s, cadence spm


def engine_for(text: str, policy: AlertPolicy = POLICY) -> Engine:
    return Engine(resolve(load_workout(text, "test.yaml", profile=PROFILE), PROFILE), policy)


class Script:
    """One sample per sensor and one tick per second; collects every event."""

    def __init__(self, text: str, policy: AlertPolicy = POLICY) -> None:
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
