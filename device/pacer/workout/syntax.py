"""The compact syntax for durations and targets, parsed and formatted (pure).

Durations: ``20m``, ``90s``, ``1h30m``, ``1:20:00``, ``2:30``, ``5km``, ``800m``, ``60mtr``,
``3mi``, ``open``, ``3 sets``, ``2-3 sets``, ``until HR < 120 bpm, max 3m``.

A bare ``m`` means minutes below 100 and metres from 100 up (``20m`` is twenty minutes,
``800m`` is eight hundred metres); ``min`` and ``mtr`` are never ambiguous.

Targets: ``Z2``, ``Z2 high``, ``high Z2``, ``145-155 bpm``, ``70-80% HRmax``, ``60-70% HRR``,
``90-95% LTHR``, ``4:30-4:50/km``, ``MP+5s..MP+10s/mi``, ``90-95% TP pace`` (of the
reference pace's speed), ``170-180 spm``, ``85-95 rpm``,
``250-270 W``, ``88-94% FTP``; a single value (``88% FTP``, ``150 bpm``, ``7:00/mi``,
``MP+10s/mi``, ``90 rpm``) is a range with equal ends, which the profile's tolerances widen
into a band. A ramp moves from one target to another over its step:
``ramp 60% FTP to 90% FTP``, ``ramp 130 bpm to 150 bpm``, ``ramp 7:30/mi to 7:00/mi``.

:func:`format_duration` and :func:`format_target` write the canonical spelling, which
:func:`parse_duration` and :func:`parse_target` read back to the same value.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pacer.core.errors import PacerError
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    DistanceDuration,
    DistanceUnit,
    Duration,
    FixedTarget,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    IntRange,
    OpenDuration,
    PacePercent,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    RelativePace,
    SetsDuration,
    Target,
    TimeDuration,
    ZonePosition,
)


class TermError(PacerError):
    """A duration or target that does not parse; the loader adds the file position."""


_NUM = r"\d+(?:\.\d+)?"


def num(x: float) -> str:
    """A number as the file format writes it: no trailing ``.0``, floats exactly."""
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def _number(text: str) -> float:
    return float(text)


# --- time ------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):([0-5]\d)$")
_UNITS = re.compile(
    r"^(?:(?P<h>\d+)\s*(?:h|hr|hrs|hours?))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?))?\s*"
    r"(?:(?P<s>\d+)\s*(?:s|sec|secs|seconds?))?$"
)


def parse_time(text: str) -> int:
    """Seconds from ``90s``, ``20m``, ``20min``, ``1h30m``, ``2:30`` or ``1:20:00``."""
    t = text.strip().lower()
    m = _CLOCK.match(t)
    if m:
        h, mins, secs = m.groups()
        return int(h or 0) * 3600 + int(mins) * 60 + int(secs)
    m = _UNITS.match(t)
    if t and m and any(m.groups()):
        return int(m["h"] or 0) * 3600 + int(m["m"] or 0) * 60 + int(m["s"] or 0)
    raise TermError(f"'{text}' is not a time (try 20m, 90s, 1h30m, 2:30 or 1:20:00)")


def format_time(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds % 60 == 0 and seconds < 6000:
        return f"{seconds // 60}m"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    h, rest = divmod(seconds, 3600)
    mins, secs = divmod(rest, 60)
    if h == 0:
        return f"{mins}:{secs:02d}"
    return f"{h}:{mins:02d}:{secs:02d}"


def format_clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss`` for display (tables, screens)."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    mins, secs = divmod(rest, 60)
    return f"{h}:{mins:02d}:{secs:02d}" if h else f"{mins}:{secs:02d}"


# --- durations -------------------------------------------------------------------------

_DISTANCE = re.compile(rf"^({_NUM})\s*(km|mi|mtr|m)$")
_SETS = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*sets?$")
_UNTIL = re.compile(
    r"^until\s+hr\s*(<|>)\s*(\d+)\s*(?:bpm)?\s*(?:,?\s*(?:max|cap)\s+(.+))?$",
)


def parse_int_range(text: str) -> IntRange:
    m = re.match(r"^(\d+)(?:\s*-\s*(\d+))?$", text.strip())
    if not m:
        raise TermError(f"'{text}' is not a number or a range like 6-8")
    low = int(m[1])
    high = int(m[2]) if m[2] else low
    if low > high:
        raise TermError(f"range {low}-{high} has min > max")
    return IntRange(low, high)


def format_int_range(r: IntRange) -> str:
    return str(r.low) if r.low == r.high else f"{r.low}-{r.high}"


def parse_duration(text: str) -> Duration:
    t = " ".join(text.strip().lower().split())
    if t in ("open", "lap", "until lap"):
        return OpenDuration()
    m = _SETS.match(t)
    if m:
        return SetsDuration(parse_int_range(t[: m.end(2) if m[2] else m.end(1)]))
    m = _UNTIL.match(t)
    if m:
        cap = parse_time(m[3]) if m[3] else None
        return ConditionDuration(Comparison(m[1]), int(m[2]), cap)
    if t.startswith("until"):
        raise TermError(f"'{text}' is not a condition (try: until HR < 120 bpm, max 3m)")
    m = _DISTANCE.match(t)
    if m:
        value, unit = _number(m[1]), m[2]
        if unit == "mtr":
            return DistanceDuration(value, DistanceUnit.M)
        if unit != "m" or value >= 100:
            return DistanceDuration(value, DistanceUnit(unit))
    try:
        return TimeDuration(parse_time(t))
    except TermError:
        raise TermError(
            f"'{text}' is not a duration (try 20m, 1:20:00, 5km, 800m, open, 3 sets, "
            "or until HR < 120 bpm, max 3m)"
        ) from None


def format_duration(d: Duration) -> str:
    match d:
        case TimeDuration(seconds):
            return format_time(seconds)
        case DistanceDuration(value, unit):
            if unit is DistanceUnit.M and value < 100:
                return f"{num(value)}mtr"
            return f"{num(value)}{unit.value}"
        case OpenDuration():
            return "open"
        case SetsDuration(sets):
            return f"{format_int_range(sets)} sets"
        case ConditionDuration(op, bpm, cap):
            text = f"until HR {op.value} {bpm} bpm"
            return text if cap is None else f"{text}, max {format_time(cap)}"
    raise AssertionError(d)  # pragma: no cover


def parse_rest(text: str) -> IntRange:
    """Rest between sets: ``2-3m``, ``90s``, ``90s-2m``, ``1:30-2:00``."""
    t = text.strip().lower()
    m = re.match(r"^(\d+)\s*-\s*(\d+)\s*(s|sec|m|min)$", t)
    if m:
        unit = 60 if m[3].startswith("m") else 1
        low, high = int(m[1]) * unit, int(m[2]) * unit
    elif "-" in t:
        a, _, b = t.partition("-")
        low, high = parse_time(a), parse_time(b)
    else:
        low = high = parse_time(t)
    if low > high:
        raise TermError(f"rest '{text}' has min > max")
    return IntRange(low, high)


def format_rest(r: IntRange) -> str:
    if r.low == r.high:
        return format_time(r.low)
    if r.low % 60 == 0 and r.high % 60 == 0:
        return f"{r.low // 60}-{r.high // 60}m"
    return f"{format_time(r.low)}-{format_time(r.high)}"


# --- targets ---------------------------------------------------------------------------

_POS = r"(low|mid|high)"
_ZONE = re.compile(rf"^(?:{_POS}\s+)?(?:z|zone\s*)([0-9][0-9a-z]*)(?:\s+{_POS})?$")
_BPM = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*bpm$")
_PERCENT = re.compile(rf"^({_NUM})(?:\s*-\s*({_NUM}))?\s*%\s*(hrmax|max\s*hr|hrr|lthr|ftp)$")
_PACE = re.compile(r"^(\d+:[0-5]\d)(?:\s*-\s*(\d+:[0-5]\d))?\s*/\s*(km|mi)$")
_REF = r"(mp|hmp|10k|5k|tp)"
_REL = re.compile(
    rf"^{_REF}\s*(?:([+-]\d+)\s*s?)?\s*(?:\.\.\s*{_REF}\s*(?:([+-]\d+)\s*s?)?)?\s*/\s*(km|mi)$"
)
_PACE_PERCENT = re.compile(rf"^({_NUM})(?:\s*-\s*({_NUM}))?\s*%\s*{_REF}(?:\s*pace)?$")
_CADENCE = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*(spm|rpm)$")
_WATTS = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*w$")
_RAMP = re.compile(r"^ramp\s+(.+?)\s+to\s+(.+)$")

TARGET_HELP = (
    "try Z2, Z2 high, 145-155 bpm, 150 bpm, 70-80% HRmax, 4:30-4:50/km, 7:00/mi, "
    "MP+5s..MP+10s/mi, 90-95% TP pace, 170-180 spm, 250-270 W, 88% FTP or ramp 60% FTP to 90% FTP"
)


def _ordered(low: float, high: float, text: str) -> None:
    if low > high:
        raise TermError(f"'{text}': min > max")


def same_kind(a: FixedTarget, b: FixedTarget) -> bool:
    """Whether a ramp can move from ``a`` to ``b``: one kind, basis, unit and reference."""
    if type(a) is not type(b):
        return False
    match a, b:
        case HrPercent(basis=x), HrPercent(basis=y):
            return x is y
        case PaceRange(unit=x), PaceRange(unit=y):
            return x is y
        case RelativePace(ref=r1, unit=u1), RelativePace(ref=r2, unit=u2):
            return r1 is r2 and u1 is u2
        case PacePercent(ref=r1), PacePercent(ref=r2):
            return r1 is r2
        case CadenceRange(unit=x), CadenceRange(unit=y):
            return x is y
    return True


def parse_target(text: str) -> Target | None:
    """A target, or None for ``open`` (open effort: no target)."""
    t = " ".join(text.strip().lower().split())
    if t in ("open", "none", "open effort"):
        return None
    m = _RAMP.match(t)
    if m:
        ends = [parse_fixed(part, text) for part in (m[1], m[2])]
        start, end = ends
        if not same_kind(start, end):
            raise TermError(
                f"'{text}': a ramp goes from one target to another of the same kind "
                "(ramp 60% FTP to 90% FTP, ramp 7:30/mi to 7:00/mi)"
            )
        return Ramp(start, end)
    if t.startswith("ramp"):
        raise TermError(f"'{text}' is not a ramp (try ramp 60% FTP to 90% FTP)")
    return parse_fixed(t, text)


def parse_fixed(t: str, text: str) -> FixedTarget:
    """A target that is not a ramp; ``t`` is the lower-cased, space-normalised ``text``."""
    if t in ("open", "none", "open effort"):
        raise TermError(f"'{text}': a ramp cannot start or end open")
    m = _ZONE.match(t)
    if m:
        before, zone, after = m.groups()
        if before and after:
            raise TermError(f"'{text}': give the position once (Z2 high)")
        pos = before or after
        return HrZone(zone, ZonePosition(pos) if pos else None)
    m = _BPM.match(t)
    if m:
        low, high = int(m[1]), int(m[2] or m[1])
        _ordered(low, high, text)
        return HrRange(low, high)
    m = _PERCENT.match(t)
    if m:
        lo, hi = _number(m[1]), _number(m[2] or m[1])
        _ordered(lo, hi, text)
        basis = m[3].replace(" ", "")
        if basis == "ftp":
            return PowerPercent(lo, hi)
        key = {"hrmax": HrBasis.MAX, "maxhr": HrBasis.MAX, "hrr": HrBasis.RESERVE}
        return HrPercent(lo, hi, key.get(basis, HrBasis.LTHR))
    m = _PACE.match(t)
    if m:
        fast, slow = parse_time(m[1]), parse_time(m[2] or m[1])
        _ordered(fast, slow, text)
        return PaceRange(fast, slow, PaceUnit(m[3]))
    m = _REL.match(t)
    if m:
        ref1, off1, ref2, off2, unit = m.groups()
        if ref2 is None:
            ref2, off2 = ref1, off1
        if ref1 != ref2:
            raise TermError(f"'{text}': both ends must use the same reference pace")
        fast, slow = int(off1 or 0), int(off2 or 0)
        _ordered(fast, slow, text)
        return RelativePace(PaceRef(ref1.upper()), fast, slow, PaceUnit(unit))
    m = _PACE_PERCENT.match(t)
    if m:
        lo, hi = _number(m[1]), _number(m[2] or m[1])
        _ordered(lo, hi, text)
        return PacePercent(lo, hi, PaceRef(m[3].upper()))
    m = _CADENCE.match(t)
    if m:
        low, high = int(m[1]), int(m[2] or m[1])
        _ordered(low, high, text)
        return CadenceRange(low, high, CadenceTargetUnit(m[3]))
    m = _WATTS.match(t)
    if m:
        low, high = int(m[1]), int(m[2] or m[1])
        _ordered(low, high, text)
        return PowerRange(low, high)
    raise TermError(f"'{text}' is not a target ({TARGET_HELP})")


def format_pace(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _span(low: float, high: float, show: Callable[[float], str] = num, sep: str = "-") -> str:
    """``low-high``, or the single value when the ends are equal (never ``88-88``)."""
    return show(low) if low == high else f"{show(low)}{sep}{show(high)}"


def format_target(t: Target | None) -> str:
    match t:
        case None:
            return "open"
        case Ramp(start, end):
            return f"ramp {format_target(start)} to {format_target(end)}"
        case HrZone(zone, pos):
            return f"Z{zone}" if pos is None else f"Z{zone} {pos.value}"
        case HrRange(low, high):
            return f"{_span(low, high)} bpm"
        case HrPercent(low, high, basis):
            return f"{_span(low, high)}% {basis.value}"
        case PaceRange(fast, slow, unit):
            return f"{_span(fast, slow, format_pace)}/{unit.value}"
        case RelativePace(ref, fast, slow, unit):
            return f"{_span(fast, slow, lambda o: f'{ref.value}{round(o):+d}s', '..')}/{unit.value}"
        case PacePercent(low, high, ref):
            return f"{_span(low, high)}% {ref.value} pace"
        case CadenceRange(low, high, unit):
            return f"{_span(low, high)} {unit.value}"
        case PowerRange(low, high):
            return f"{_span(low, high)} W"
        case PowerPercent(low, high):
            return f"{_span(low, high)}% FTP"
    raise AssertionError(t)  # pragma: no cover
