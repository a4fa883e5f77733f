"""Hand-built activities for the exporter and report tests: small, deterministic, with
every kind of content (RR intervals, a pause, alerts, sensor changes, a missing HR stretch).
"""

from __future__ import annotations

import random

from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    Lap,
    LapTrigger,
    PauseClock,
    Record,
    status_of,
)
from pacer.workout.model import Intensity, Sport
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, ResolvedTarget

START = 1_750_000_000.0  # 2025-06-15T15:06:40Z

STEPS = (
    ("Warm-up", Intensity.WARMUP, None, 115),
    ("Z2 high", Intensity.ACTIVE, ResolvedTarget(Metric.HR, 142, 148, "Z2 high 142-148 bpm"), 145),
    ("Z3 mid", Intensity.ACTIVE, ResolvedTarget(Metric.HR, 154, 160, "Z3 mid 154-160 bpm"), 157),
    ("Z4", Intensity.ACTIVE, ResolvedTarget(Metric.HR, 167, 176, "Z4 167-176 bpm"), 171),
    ("Cool-down", Intensity.COOLDOWN, None, 125),
)


def step_up(step_seconds: int = 60, *, seed: int = 7, pause_at: float | None = 100.0) -> Activity:
    """Five laps of ``step_seconds`` each, HR drifting toward each step's level with noise,
    a 20 s pause at ``pause_at`` and an HR dropout of 8 s in the third step."""
    rng = random.Random(seed)
    events: list[ActivityEvent] = [
        ActivityEvent(0.0, EventKind.START, 0, {"sport": "run", "units": "metric"})
    ]
    pause = None if pause_at is None else (pause_at, pause_at + 20.0)
    if pause is not None:
        events.append(ActivityEvent(pause[0], EventType.PAUSED, None))
        events.append(ActivityEvent(pause[1], EventType.RESUMED, None))
    clock = PauseClock.of_events(events)
    laps: list[Lap] = []
    records: list[Record] = []
    t = 0.0
    hr = 100.0
    distance = 0.0
    for index, (name, intensity, target, level) in enumerate(STEPS):
        lap_start = t
        timer_start = clock.timer(t)
        while clock.timer(t) - timer_start < step_seconds:
            if pause is not None and pause[0] <= t < pause[1]:
                t += 1.0
                continue
            hr += (level - hr) * 0.08 + rng.uniform(-1.5, 1.5)
            speed = 2.6 + (level - 110) * 0.02 + rng.uniform(-0.1, 0.1)
            distance += speed
            cadence = 160 + (level - 110) * 0.3 + rng.uniform(-2, 2)
            bpm = None if index == 2 and 20 <= t - lap_start < 28 else round(hr)
            rr = () if bpm is None else (round(60 / bpm, 3),) * (2 if bpm > 120 else 1)
            status = (
                status_of(None if bpm is None else float(bpm), target)
                if target is not None
                else TargetStatus.NONE
            )
            records.append(
                Record(
                    t=t,
                    timer=clock.timer(t),
                    hr=bpm,
                    rr=rr,
                    speed=round(speed, 3),
                    cadence=round(cadence, 1),
                    distance=round(distance, 2),
                    power=None,
                    step=index,
                    target_low=None if target is None else target.low,
                    target_high=None if target is None else target.high,
                    status=status,
                    battery=90 - int(t // 60),
                )
            )
            if status is TargetStatus.OVER and rng.random() < 0.2:
                events.append(ActivityEvent(t, EventType.ALERT_OVER, index, {"hr": bpm}))
            elif status is TargetStatus.UNDER and rng.random() < 0.1:
                events.append(ActivityEvent(t, EventType.ALERT_UNDER, index, {"hr": bpm}))
            t += 1.0
        laps.append(Lap(index, name, intensity, lap_start, t, target, LapTrigger.TIME))
        events.append(ActivityEvent(lap_start, EventKind.STEP, index, {"name": name}))
    events.append(ActivityEvent(t, EventKind.STOP, 4, {}))
    events.sort(key=lambda e: e.t)
    return Activity(
        id="test-step-up",
        start=START,
        sport=Sport.RUN,
        workout="Step-up run",
        units=Units.METRIC,
        profile="Test runner",
        laps=tuple(laps),
        records=tuple(records),
        events=tuple(events),
    )
