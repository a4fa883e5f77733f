"""What the athlete feels: the haptic pattern name for each engine event (pure).

The engine only names a pattern; :mod:`pacer.haptics` owns the vibration timeline behind each
name. Too high and too low must feel different (a long buzz against short taps), and the
names stay plain words so both sides can agree on them. docs/engine.md lists them all.
"""

from __future__ import annotations

from pacer.engine.events import EngineEvent, EventType

#: Every haptic pattern the engine asks for.
STEP_CHANGE = "step_change"
COUNTDOWN = "countdown"  # 10 s before a step change
TICK = "tick"  # each of 3-2-1 before a step change
OVER = "over"
PREDICTED_OVER = "predicted_over"
UNDER = "under"
BACK_IN_ZONE = "back_in_zone"
SENSOR_LOST = "sensor_lost"
SENSOR_BACK = "sensor_back"
SET_DONE = "set_done"
REST_WARNING = "rest_warning"
REST_END = "rest_end"
PAUSED = "paused"
RESUMED = "resumed"
DONE = "done"
CUE = "cue"  # a timed message of the step: one soft tap

PATTERN_NAMES: tuple[str, ...] = (
    STEP_CHANGE,
    COUNTDOWN,
    TICK,
    OVER,
    PREDICTED_OVER,
    UNDER,
    BACK_IN_ZONE,
    SENSOR_LOST,
    SENSOR_BACK,
    SET_DONE,
    REST_WARNING,
    REST_END,
    PAUSED,
    RESUMED,
    DONE,
    CUE,
)

#: Event type -> pattern. ``None``: shown on screen, not felt on its own (a cadence cue rides
#: on the zone alert it comes with; a rest starts on the ``set_done`` buzz).
PATTERNS: dict[EventType, str | None] = {
    EventType.STEP_START: STEP_CHANGE,
    EventType.STEP_COUNTDOWN: COUNTDOWN,
    EventType.ALERT_OVER: OVER,
    EventType.ALERT_UNDER: UNDER,
    EventType.ALERT_PREDICTED_OVER: PREDICTED_OVER,
    EventType.BACK_IN_ZONE: BACK_IN_ZONE,
    EventType.CADENCE_CUE: None,
    EventType.SENSOR_LOST: SENSOR_LOST,
    EventType.SENSOR_BACK: SENSOR_BACK,
    EventType.SET_DONE: SET_DONE,
    EventType.REST_START: None,
    EventType.REST_WARNING: REST_WARNING,
    EventType.REST_END: REST_END,
    EventType.PAUSED: PAUSED,
    EventType.RESUMED: RESUMED,
    EventType.WORKOUT_DONE: DONE,
    EventType.STEP_EXTENDED: None,
    EventType.CUE: CUE,
}

#: When several events land on the same tick only the most important is played
#: (earlier here is more important): a step change beats the alert of the old step.
PRIORITY: tuple[str, ...] = (
    DONE,
    STEP_CHANGE,
    OVER,
    PREDICTED_OVER,
    SENSOR_LOST,
    UNDER,
    REST_END,
    SET_DONE,
    REST_WARNING,
    TICK,
    COUNTDOWN,
    BACK_IN_ZONE,
    CUE,
    SENSOR_BACK,
    PAUSED,
    RESUMED,
)


def pattern_for(event: EngineEvent) -> str | None:
    """The pattern to play for ``event``, or None when it is only shown."""
    if event.type is EventType.STEP_COUNTDOWN and event.data.get("final"):
        return TICK
    return PATTERNS[event.type]


def pattern_for_batch(events: list[EngineEvent]) -> str | None:
    """The one pattern to play for events that arrived together."""
    names = {p for p in map(pattern_for, events) if p is not None}
    for name in PRIORITY:
        if name in names:
            return name
    return None


__all__ = ["PATTERNS", "PATTERN_NAMES", "PRIORITY", "pattern_for", "pattern_for_batch"]
