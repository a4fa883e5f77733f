"""ERG and MRC workouts (TrainerRoad, GoldenCheetah, ERGdb) to native workouts (pure).

    [COURSE HEADER]
    VERSION = 2
    UNITS = ENGLISH
    DESCRIPTION = Sweet spot 3x10
    FILE NAME = sweetspot.mrc
    FTP = 250
    MINUTES PERCENT
    [END COURSE HEADER]
    [COURSE DATA]
    0.00    50
    10.00   75
    10.00   90
    20.00   90
    [END COURSE DATA]
    [COURSE TEXT]
    600     Settle in at sweet spot     10
    [END COURSE TEXT]

``[COURSE DATA]`` is a power profile over time, a line through its points: two consecutive
points with the same power make a steady step, a slope makes a ramp, and two points at the
same minute a jump. ``MINUTES WATTS`` (an ERG file) gives watts, ``MINUTES PERCENT`` (an MRC
file) % FTP. Collinear slopes join into one ramp, equal steady steps into one step.
``[COURSE TEXT]`` lines (seconds from the start, text, how long it shows) become timed cues
of the step they fall in; how long a text shows is not kept (pacer shows a cue until the
next). Header keys pacer has no use for are listed in one warning.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from pacer.core.errors import Location
from pacer.formats.workouts.common import (
    MAX_DESCRIPTION,
    Collector,
    ImportKind,
    ImportResult,
    clean_text,
    finish,
    workout_name_from_source,
)
from pacer.workout.limits import FTP_PERCENT_BOUNDS, MAX_NAME, POWER_BOUNDS
from pacer.workout.model import (
    Cue,
    FixedTarget,
    Intensity,
    Item,
    PowerPercent,
    PowerRange,
    Ramp,
    Sport,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.syntax import format_clock, num

#: header keys that change nothing pacer can show
_HEADER_QUIET = {"version", "units", "file name", "ftp", "description"}
_SECTIONS = ("course header", "course data", "course text")


def looks_like_erg(head: bytes) -> bool:
    """True for text whose first non-blank line is ``[COURSE HEADER]``."""
    for line in head.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped.upper().replace(b" ", b"") == b"[COURSEHEADER]"
    return False


@dataclass
class _Segment:
    """One piece of the power line: from ``t0`` to ``t1`` (whole seconds), power ``p0`` to
    ``p1``, at the line of its first point."""

    t0: int
    t1: int
    p0: float
    p1: float
    line: int

    def slope(self) -> float:
        return (self.p1 - self.p0) / (self.t1 - self.t0)


class _Reader:
    def __init__(self, source: str, c: Collector) -> None:
        self.source = source
        self.c = c
        self.percent = False

    def loc(self, line: int, col: int = 1) -> Location:
        return Location(self.source, line, col)

    def read(self, text: str) -> Workout | None:
        sections: dict[str, list[tuple[int, str]]] = {}
        current: str | None = None
        for i, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                tag = " ".join(line[1:-1].lower().split())
                if tag.startswith("end "):
                    current = None
                elif tag in _SECTIONS:
                    current = tag
                    sections.setdefault(tag, [])
                else:
                    self.c.warn(self.loc(i), f"section [{line[1:-1]}] ignored")
                    current = "ignored"
                continue
            if current is None:
                self.c.error(self.loc(i), "text outside a [COURSE ...] section")
            elif current != "ignored":
                sections[current].append((i, line))
        name, description = self.header(sections.get("course header", []))
        if "course data" not in sections:
            self.c.error(self.loc(1), "no [COURSE DATA] section: the file has no steps")
            return None
        segments = self.segments(sections["course data"])
        cues = self.cues(sections.get("course text", []))
        items = self.steps(segments, cues)
        if not self.c.complete(self.loc(1), items, "[COURSE DATA] has no steps"):
            return None
        name = name or workout_name_from_source(self.source)
        return Workout(name, items, Sport.BIKE, description)

    # --- header ------------------------------------------------------------------------

    def header(self, lines: list[tuple[int, str]]) -> tuple[str | None, str | None]:
        name: str | None = None
        description: str | None = None
        units_seen = False
        ignored: list[str] = []
        for i, line in lines:
            words = " ".join(line.replace("/", " ").split()).upper()
            if words in ("MINUTES WATTS", "MINUTES PERCENT"):
                self.percent = words.endswith("PERCENT")
                units_seen = True
                continue
            if words.startswith(("DISTANCE ", "KILOMETERS ", "MILES ")):
                self.c.error(self.loc(i), f"'{line}': a course by distance and grade is no workout")
                continue
            key, eq, value = line.partition("=")
            if not eq:
                ignored.append(line)
                continue
            key = " ".join(key.lower().split())
            value = value.strip()
            if key == "description":
                description = self.c.text(self.loc(i), None, value, MAX_DESCRIPTION, "description")
            elif key == "file name":
                stem = value.rsplit(".", 1)[0] if "." in value else value
                name = self.c.text(self.loc(i), None, stem, MAX_NAME, "name")
            elif key not in _HEADER_QUIET:
                ignored.append(line)
        if ignored:
            self.c.warn(self.loc(lines[0][0]), f"header lines ignored: {'; '.join(ignored)}")
        if not units_seen:
            where = self.loc(lines[0][0]) if lines else self.loc(1)
            self.c.warn(where, "no MINUTES WATTS or MINUTES PERCENT line: read as watts")
        return name, description

    # --- the power line ----------------------------------------------------------------

    def point(self, i: int, line: str) -> tuple[float, float] | None:
        fields = line.replace(",", " ").split()
        if len(fields) < 2:
            self.c.error(self.loc(i), f"'{line}' is not 'MINUTES POWER'")
            return None
        try:
            minute, power = float(fields[0]), float(fields[1])
        except ValueError:
            self.c.error(self.loc(i), f"'{line}' is not 'MINUTES POWER' in numbers")
            return None
        if not (math.isfinite(minute) and math.isfinite(power)) or minute < 0 or power < 0:
            self.c.error(self.loc(i), f"'{line}': minutes and power must be 0 or more")
            return None
        if minute * 60 > 10 * 24 * 3600:
            self.c.error(self.loc(i), f"minute {num(minute)} is past any workout's end")
            return None
        return minute, power

    def segments(self, lines: list[tuple[int, str]]) -> list[_Segment]:
        points: list[tuple[int, float, int]] = []
        for i, line in lines:
            p = self.point(i, line)
            if p is None:
                continue
            t = round(p[0] * 60)
            if points and t < points[-1][0]:
                self.c.error(self.loc(i), f"minute {num(p[0])} goes back in time")
                continue
            points.append((t, p[1], i))
        out: list[_Segment] = []
        for (t0, p0, at), (t1, p1, _next) in itertools.pairwise(points):
            if t1 == t0:
                continue  # a jump
            seg = _Segment(t0, t1, p0, p1, at)
            last = out[-1] if out else None
            if (
                last is not None
                and last.t1 == seg.t0
                and last.p1 == seg.p0
                and math.isclose(last.slope(), seg.slope(), rel_tol=1e-6, abs_tol=1e-9)
            ):
                last.t1, last.p1 = seg.t1, seg.p1  # the same line goes on
            else:
                out.append(seg)
        return out

    def cues(self, lines: list[tuple[int, str]]) -> list[tuple[int, float, str]]:
        out: list[tuple[int, float, str]] = []
        for i, line in lines:
            # SECONDS<tab>TEXT<tab>SHOW-SECONDS (tabs), or SECONDS TEXT [SHOW-SECONDS]
            fields = line.split("\t") if "\t" in line else line.split(None, 1)
            words = " ".join(fields[1:]).split()
            if len(words) > 1 and _is_number(words[-1]):
                words.pop()  # how long it shows: pacer shows a cue until the next
            at = float(fields[0]) if _is_number(fields[0]) else math.nan
            text = clean_text(" ".join(words))
            if text is None or not math.isfinite(at) or at < 0:
                self.c.warn(self.loc(i), f"course text '{line}' has no time or no text; left out")
                continue
            out.append((i, at, text))
        return out

    def steps(
        self, segments: list[_Segment], cues: list[tuple[int, float, str]]
    ) -> tuple[Item, ...]:
        items: list[Item] = []
        placed: set[int] = set()
        for seg in segments:
            n = self.c.begin_step()
            mine = [(i, at, text) for i, at, text in cues if seg.t0 <= at < seg.t1]
            placed.update(i for i, _a, _t in mine)
            target = self.target(seg, n)
            step = self.c.step(
                self.loc(seg.line),
                n,
                Intensity.ACTIVE if target is not None else Intensity.REST,
                TimeDuration(seg.t1 - seg.t0),
                target,
                cues=tuple(Cue(t, at_s=at - seg.t0) for _i, at, t in mine),
            )
            if step is not None:
                items.append(step)
        end = segments[-1].t1 if segments else 0
        for i, at, text in cues:
            if i not in placed and not (at >= end and segments):
                self.c.warn(self.loc(i), f"course text '{text}' at {num(at)} s is in no step")
            elif i not in placed:
                self.c.warn(
                    self.loc(i),
                    f"course text '{text}' at {num(at)} s comes after the workout's end "
                    f"({format_clock(end)}); left out",
                )
        return tuple(items)

    def target(self, seg: _Segment, n: int) -> Target | None:
        """The step's target; None (a rest step with no target) for 0 power throughout."""
        unit = "% FTP" if self.percent else "W"
        if seg.p0 == 0 and seg.p1 == 0:
            self.c.warn(self.loc(seg.line), f"0 {unit}: a rest step with no target", n)
            return None
        low = FTP_PERCENT_BOUNDS[0] if self.percent else POWER_BOUNDS[0]
        ends: list[FixedTarget] = []
        for p in (seg.p0, seg.p1):
            if p < low:
                self.c.warn(
                    self.loc(seg.line),
                    f"power {num(p)} {unit} raised to {num(low)} {unit} (the lowest target "
                    "pacer holds)",
                    n,
                )
                p = low
            ends.append(PowerPercent(round(p, 1), round(p, 1)) if self.percent else _watts(p))
        if ends[0] == ends[1]:
            return ends[0]
        return Ramp(ends[0], ends[1])


def _watts(p: float) -> PowerRange:
    w = round(p)
    return PowerRange(w, w)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def import_erg(data: bytes, source: str) -> ImportResult:
    collector = Collector()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        collector.warn(Location(source, 1, 1), "not UTF-8: read as Windows-1252")
    reader = _Reader(source, collector)
    workout = reader.read(text)
    if workout is not None:
        collector.plausibility(Location(source, 1, 1), workout)
    warnings = finish(collector)
    assert workout is not None
    kind = ImportKind.MRC if reader.percent else ImportKind.ERG
    return ImportResult(workout, warnings, kind)


__all__ = ["import_erg", "looks_like_erg"]
