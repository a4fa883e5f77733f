"""What the motor plays: the pattern library (pure) and the sequencer and player.
May import: core..engine.
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
