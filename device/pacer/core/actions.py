"""The engine's input vocabulary from the buttons (pure)."""

from __future__ import annotations

from enum import StrEnum


class ButtonAction(StrEnum):
    """What a press means to the engine and the menus."""

    START_PAUSE = "start_pause"
    LAP = "lap"
    STOP = "stop"
    EXTEND = "extend"
    #: end the current step now, whatever its duration (strength: skip the remaining sets)
    SKIP = "skip"
    NEXT_SCREEN = "next_screen"
