"""The typed events the engine emits. Every event the athlete must feel has a haptic pattern
(see :mod:`pacer.haptics.patterns`); every event goes to the recorder and ``--events`` files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    STEP_START = "step_start"
    STEP_COUNTDOWN = "step_countdown"
    ALERT_OVER = "alert_over"
    ALERT_UNDER = "alert_under"
    ALERT_PREDICTED_OVER = "alert_predicted_over"
    BACK_IN_ZONE = "back_in_zone"
    CADENCE_CUE = "cadence_cue"
    SENSOR_LOST = "sensor_lost"
    SENSOR_BACK = "sensor_back"
    SET_DONE = "set_done"
    REST_START = "rest_start"
    REST_END = "rest_end"
    REST_WARNING = "rest_warning"
    PAUSED = "paused"
    RESUMED = "resumed"
    WORKOUT_DONE = "workout_done"
    #: the extend button added time to a step, a rest timer or a condition cap
    STEP_EXTENDED = "step_extended"
    #: a timed message of the step (``Cue``) reached its second or metre: ``text`` with it
    CUE = "cue"


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """``t``: workout seconds (pauses excluded); ``step``: 1-based step number."""

    t: float
    type: EventType
    step: int
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``--events`` line: ``t``, ``type``, ``step`` and the event's own fields."""
        return {"t": round(self.t, 1), "type": self.type.value, "step": self.step, **self.data}
