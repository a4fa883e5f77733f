"""Haptics: the pattern library (:mod:`.patterns`, pure), the sequencer and the asyncio player
(:mod:`.player`). The motor itself is :mod:`pacer.devices.motor`.
"""

from pacer.haptics.patterns import PATTERNS, Pattern, Segment, doc_table, pattern
from pacer.haptics.player import (
    HapticPlayer,
    HapticRecord,
    HapticRecorder,
    MotorOutput,
    Outcome,
    Sequencer,
)

__all__ = [
    "PATTERNS",
    "HapticPlayer",
    "HapticRecord",
    "HapticRecorder",
    "MotorOutput",
    "Outcome",
    "Pattern",
    "Segment",
    "Sequencer",
    "doc_table",
    "pattern",
]
