"""The limits of what is read from an activity file: the one check of a number (CSV, JSON),
finite and not absurd, and the largest file read (every reader, FIT included).

``1e400`` (infinity once parsed), ``nan`` and ``1e308`` would otherwise get past the reader
and fail far away (an ``OverflowError`` rounding a heart rate, a report axis from 0 to 1e308).
"""

from __future__ import annotations

import math
from typing import Any

#: The largest activity file read, checked before reading: a day-long run at 1 Hz with HRV
#: is about 8 MB of FIT (decoding takes about 2 s per MB in garmin-fit-sdk).
MAX_ACTIVITY_BYTES = 16 << 20


#: Larger than any time (Unix seconds until 2286), distance, power or rate in an activity.
MAX_MAGNITUDE = 1e10


def number(value: Any) -> float:
    """``value`` as a float; ValueError naming it when it is not finite or over 1e10."""
    result = float(value)
    if not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        raise ValueError(f"{value!r} is not a plausible number (finite, at most 1e10)")
    return result


def whole(value: Any) -> int:
    """``value`` as an int (truncated, as ``int``), with :func:`number`'s check."""
    return int(number(value))


__all__ = ["MAX_MAGNITUDE", "number", "whole"]
