"""intervals.icu plain-text workouts to native workouts (pure).

    Step-up run

    Warmup
    - Super easy 20m

    Main set 3x
    - 5km 4:30-4:40/km Pace 170-180spm
    - Recover 3m Z1 HR

    Cooldown
    - 10m ramp 60-50% LTHR

A line starting with ``-`` is a step: a duration (``10m``, ``1h30m``, ``90s``, ``5'``,
``1:30:00``, ``5km``, ``400mtr``, ``2mi``, ``press lap``), targets (``Z2 HR``, ``70-80% HR``,
``95% LTHR``, ``88-94%`` of FTP, ``250w``, ``4:30/km Pace``, ``90-95% Pace`` of threshold
pace, ``140-150bpm``), ``ramp``, ``freeride``, a cadence (``90rpm``, ``175spm``) and any
other words, which become the step's note. Timed text prompts come before ``<!>``:
``- Settle in 60^Relax your shoulders <!> 5m Z2 HR`` shows "Settle in" at the start and
"Relax your shoulders" 60 s in (the step's cues). ``ramp 50-75%`` (also of HR, LTHR or a
pace) is a ramp target from the first value to the second. Any other line is a section
header when steps follow it directly (``Main set 3x`` repeats the steps below it up to the
next blank line; ``- 4x 100m 90% pace`` repeats that one step), and otherwise free text:
the first such line names the workout, the rest describe it.

Every malformed step is reported as ``FILE:LINE:COL``; what pacer cannot hold exactly (a
zone range, a percentage of threshold pace) is a warning on that step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pacer.core.errors import Location, WorkoutError
from pacer.formats.workouts.common import (
    MAX_DESCRIPTION,
    Collector,
    ImportKind,
    ImportResult,
    clean_text,
    default_pace_unit,
    finish,
    pace_percent,
    power_zone,
    power_zone_message,
    ramp_over,
    workout_name_from_source,
)
from pacer.formats.workouts.icu_tokens import (
    POWER_PERCENT_KINDS,
    PROMPT_AT,
    Token,
    is_power,
    percent_kind,
    prompts,
    tokenize,
)
from pacer.workout.limits import MAX_NAME, MAX_REPEAT
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Cue,
    DistanceDuration,
    DistanceUnit,
    Duration,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    Intensity,
    Item,
    OpenDuration,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    Repeat,
    Sport,
    Step,
    Target,
    TimeDuration,
    Workout,
)
from pacer.workout.profile import Profile
from pacer.workout.syntax import format_duration, format_target
from pacer.workout.yamlnodes import decode_text

_INLINE_REPEAT = re.compile(r"^\d+\s*x$", re.IGNORECASE)
_REPEAT_LINE = re.compile(r"^(?P<title>.*?)\s*(?P<n>\d+)\s*x$", re.IGNORECASE)
_STEP_LINE = re.compile(r"^(\s*-\s*)(.*)$")
_INTENSITY_WORDS: tuple[tuple[re.Pattern[str], Intensity], ...] = (
    (re.compile(r"\bwarm[\s-]?up\b", re.IGNORECASE), Intensity.WARMUP),
    (re.compile(r"\bcool[\s-]?down\b", re.IGNORECASE), Intensity.COOLDOWN),
    (re.compile(r"\brecover\w*", re.IGNORECASE), Intensity.RECOVERY),
    (re.compile(r"\brest\b", re.IGNORECASE), Intensity.REST),
)


@dataclass
class _Line:
    number: int
    tokens: list[Token] = field(default_factory=list)
    words: list[tuple[int, str]] = field(default_factory=list)  # free text, with columns
    prompts: list[Cue] = field(default_factory=list)
    #: ``- 4x 100m 90% pace``: the step repeated (an inline repeat of one step)
    repeat: int | None = None
    bad: bool = False  # a number out of range was reported here (its token dropped)


_PROMPTS_END = "<!>"
_REPEAT_PREFIX = re.compile(r"(\d+)\s*x\s+(?=\S)", re.IGNORECASE)
# --- the parser ------------------------------------------------------------------------


@dataclass
class _Block:
    """A repeat in progress: its count, the header line and its steps."""

    count: int
    at: Location
    items: list[Item] = field(default_factory=list)
    lines: int = 0  # step lines seen, imported or not


class _Parser:
    def __init__(
        self,
        source: str,
        profile: Profile | None,
        pace_unit: PaceUnit,
        c: Collector,
        sport: Sport | None = None,
    ) -> None:
        self.source = source
        self.profile = profile
        self.pace_unit = pace_unit
        self.c = c
        self.given_sport = sport
        self.sport = sport or Sport.RUN

    def loc(self, line: int, col: int = 1) -> Location:
        return Location(self.source, line, col)

    def parse(self, text: str) -> Workout | None:
        lines = text.splitlines()
        steps: dict[int, _Line] = {}
        for i, raw in enumerate(lines):
            m = _STEP_LINE.match(raw)
            if m and m.group(2).strip():
                entry = _Line(i + 1)
                body, offset = m.group(2), len(m.group(1))
                said, sep, rest = body.partition(_PROMPTS_END)
                if sep:
                    ats = [(offset + a.start(), a[1]) for a in PROMPT_AT.finditer(said)]
                    entry.bad = any(
                        [self.c.too_long(self.loc(i + 1, col + 1), a) for col, a in ats]
                    )
                    entry.prompts = [] if entry.bad else prompts(said)
                    body, offset = rest, offset + len(said) + len(sep)
                inline = _REPEAT_PREFIX.match(body)
                if inline:
                    count = int(inline.group(1)) if len(inline.group(1)) <= 4 else 0
                    if not 1 <= count <= MAX_REPEAT:
                        self.c.error(
                            self.loc(i + 1, offset + 1),
                            f"repeat count {inline.group(1)} is out of range (1 to {MAX_REPEAT})",
                        )
                        count = 1
                    entry.repeat = count
                    body, offset = body[inline.end() :], offset + inline.end()
                tokens, entry.words = tokenize(body, offset)
                entry.tokens = [
                    t for t in tokens if not self.c.too_long(self.loc(i + 1, t.col), t.text)
                ]
                entry.bad = entry.bad or len(entry.tokens) < len(tokens)
                steps[i] = entry
            elif m:
                self.c.error(self.loc(i + 1, len(raw) + 1), "an empty step ('-' and nothing else)")
        self.sport = self.infer_sport(steps)

        name: str | None = None
        description: list[str] = []
        items: list[Item] = []
        block: _Block | None = None
        section = ""
        seen_step = False

        def close() -> None:
            nonlocal block
            if block is not None:
                if not block.lines:
                    self.c.error(block.at, f"{block.count}x with no steps below it")
                elif block.items:
                    items.append(Repeat(block.count, tuple(block.items)))
            block = None

        for i, raw in enumerate(lines):
            stripped = raw.strip()
            if not stripped:
                close()
                section = ""
                continue
            if i in steps:
                seen_step = True
                if block is not None:
                    block.lines += 1
                step = self.step(steps[i], section)
                if step is not None:
                    times = steps[i].repeat
                    item: Item = step if times is None else Repeat(times, (step,))
                    (block.items if block is not None else items).append(item)
                continue
            if _STEP_LINE.match(raw):
                continue  # the empty step, reported above
            repeat = _REPEAT_LINE.match(stripped)
            next_is_step = i + 1 in steps
            if repeat:
                close()
                col = raw.index(stripped) + 1
                if self.c.too_long(self.loc(i + 1), raw):
                    continue
                count = int(repeat["n"])
                if not 1 <= count <= MAX_REPEAT:
                    self.c.error(
                        self.loc(i + 1, col),
                        f"repeat count {count} is out of range (1 to {MAX_REPEAT})",
                    )
                    count = 1
                block = _Block(count, self.loc(i + 1, col))
                section = repeat["title"]
            elif next_is_step:
                close()
                section = stripped
            else:
                close()
                if name is None and not seen_step and not description:
                    name = stripped
                else:
                    description.append(stripped)
        close()

        empty = "no steps: intervals.icu steps are lines starting with '-'"
        if not self.c.complete(self.loc(1), tuple(items), empty):
            return None
        head = self.loc(1)
        title = self.c.text(head, None, name, MAX_NAME, "workout name")
        desc = self.c.text(head, None, " ".join(description), MAX_DESCRIPTION, "description")
        return Workout(
            title or workout_name_from_source(self.source), tuple(items), self.sport, desc
        )

    def infer_sport(self, steps: dict[int, _Line]) -> Sport:
        """The sport given (``--sport``), else a guess: bike when a step has a power target,
        said in a warning that names the option (a run with power is a run)."""
        if self.given_sport is not None:
            return self.given_sport
        power = [t for line in steps.values() for t in line.tokens if is_power(t)]
        if power:
            line = next(line for line in steps.values() if power[0] in line.tokens)
            self.c.warn(
                self.loc(line.number, power[0].col),
                f"no sport in the text; taken as bike from '{power[0].text}' "
                "(pacer import --sport run if it is a run)",
            )
            return Sport.BIKE
        return Sport.RUN

    # --- one step ----------------------------------------------------------------------

    def step(self, line: _Line, section: str) -> Step | None:
        n = self.c.begin_step()
        ok = True
        duration: Duration | None = None
        lap: Token | None = None
        ramp: Token | None = None
        targets: list[Target] = []
        cadence: list[Target] = []
        free = False
        for tok in line.tokens:
            at = self.loc(line.number, tok.col)
            if tok.kind == "ramp":
                ramp = tok
            elif tok.kind == "freeride":
                free = True
            elif tok.kind == "lap":
                lap = tok
            elif tok.kind in ("time", "clock", "distance") or (
                tok.kind == "pace" and self.is_clock(tok, duration)
            ):
                d = self.duration(tok, at, n)
                if d is None:
                    ok = False
                elif duration is not None:
                    self.c.error(
                        at,
                        f"a second duration '{tok.text}' (the step already lasts "
                        f"{format_duration(duration)}); put each step on its own line",
                    )
                    ok = False
                else:
                    duration = d
            elif tok.kind == "cadence":
                cadence.append(self.cadence(tok))
            else:
                target = self.target(tok, at, n, ramp)
                if target is not None:
                    targets.append(target)
        if line.words and _INLINE_REPEAT.match(line.words[0][1]):
            col, word = line.words[0]
            if not line.tokens or col < line.tokens[0].col:
                self.c.error(
                    self.loc(line.number, col),
                    f"'{word}' inside a step: put the repeat on its own line above its steps",
                )
                ok = False
        if lap is not None:
            if duration is not None:
                self.c.warn(
                    self.loc(line.number, lap.col),
                    f"the step ends on lap press; its {format_duration(duration)} is dropped "
                    "(it was only an estimate)",
                    n,
                )
            duration = OpenDuration()
        if duration is None:
            if ok and not line.bad:
                self.c.error(
                    self.loc(line.number, 1),
                    "the step has no duration (try 10m, 90s, 1h30m, 5km, 400mtr or press lap)",
                )
            return None
        if ramp is not None and not any(isinstance(t, Ramp) for t in targets):
            self.c.warn(self.loc(line.number, ramp.col), "'ramp' without a range to ramp over", n)
        if free and targets:
            self.c.warn(
                self.loc(line.number, 1),
                "freeride (ERG off) with targets: the targets are kept",
                n,
            )
        if not ok:
            return None
        note = " ".join(word for _col, word in line.words)
        intensity = _intensity(note) or _intensity(section) or Intensity.ACTIVE
        primary = targets[0] if targets else None
        return self.c.step(
            self.loc(line.number, 1),
            n,
            intensity,
            duration,
            primary,
            tuple(targets[1:] + cadence),
            None,
            clean_text(note),
            cues=tuple(line.prompts),
        )

    def is_clock(self, tok: Token, duration: Duration | None) -> bool:
        """``1:30:00`` or ``5:00`` with no pace unit and no 'Pace' is a duration, if the step
        has none yet; otherwise a pace."""
        _fast, unit1, slow, unit2, pace_word = tok.groups
        return duration is None and not (unit1 or slow or unit2 or pace_word)

    def duration(self, tok: Token, at: Location, n: int) -> Duration | None:
        g = tok.groups
        if tok.kind == "distance":
            value, unit = float(g[0] or 0), (g[1] or "").lower()
            if unit.startswith(("yrd", "yard")):
                return DistanceDuration(round(value * 0.9144, 2), DistanceUnit.M)
            if unit.startswith(("mtr", "met")):
                return DistanceDuration(value, DistanceUnit.M)
            return DistanceDuration(value, DistanceUnit(unit))
        if tok.kind in ("clock", "pace"):
            return TimeDuration(_clock(tok.text))
        hours, mins, secs = (int(x or 0) for x in g[:3])
        if mins >= 100 and not hours and not secs and tok.text.lower().endswith("m"):
            self.c.warn(
                at,
                f"'{tok.text}' is {mins} minutes in intervals.icu (metres are written {mins}mtr)",
                n,
            )
        return TimeDuration(hours * 3600 + mins * 60 + secs)

    def cadence(self, tok: Token) -> Target:
        low, high, unit = tok.groups
        lo = int(low or 0)
        hi = int(high) if high else lo
        return CadenceRange(min(lo, hi), max(lo, hi), CadenceTargetUnit((unit or "rpm").lower()))

    def target(self, tok: Token, at: Location, n: int, ramp: Token | None) -> Target | None:
        handler: dict[str, Callable[[Token, Location, int], Target | None]] = {
            "percent": self.percent,
            "watts": self.watts,
            "zone": self.zone,
            "pace": self.pace,
            "bpm": self.bpm,
        }
        target = handler[tok.kind](tok, at, n)
        if ramp is not None and target is not None and tok.kind != "zone":
            return ramp_over(target, _written_descending(tok))
        return target

    def percent(self, tok: Token, at: Location, n: int) -> Target | None:
        a = float(tok.groups[0] or 0)
        b = float(tok.groups[1]) if tok.groups[1] else a
        low, high = min(a, b), max(a, b)
        kind = percent_kind(tok)
        if kind in POWER_PERCENT_KINDS:
            return PowerPercent(low, high)
        if kind == "hr":
            return HrPercent(low, high, HrBasis.MAX)
        if kind == "lthr":
            return HrPercent(low, high, HrBasis.LTHR)
        if kind == "pace":
            return pace_percent(low, high, PaceRef.THRESHOLD)
        self.c.warn(at, f"'{tok.text}' (% of mean maximal power) cannot be represented", n)
        return None

    def watts(self, tok: Token, at: Location, n: int) -> Target | None:
        a = int(tok.groups[0] or 0)
        b = int(tok.groups[1]) if tok.groups[1] else a
        return PowerRange(min(a, b), max(a, b))

    def zone(self, tok: Token, at: Location, n: int) -> Target | None:
        custom, first, last, kind_raw = tok.groups
        if custom:
            self.c.warn(at, f"custom zone '{tok.text}' cannot be represented", n)
            return None
        zone = int(first or 0)
        if last and int(last) != zone:
            self.c.warn(
                at,
                f"zone range '{tok.text}' cannot be represented; kept Z{zone}, the lower zone",
                n,
            )
        kind = (kind_raw or "").lower() or None
        if kind is None:
            kind = "power" if self.sport is Sport.BIKE else "hr"
            self.c.warn(
                at,
                f"'{tok.text}' names no HR, Pace or Power; taken as a "
                f"{'power' if kind == 'power' else 'heart-rate'} zone",
                n,
            )
        if kind == "hr":
            return HrZone(str(zone))
        if kind == "power":
            target = power_zone(zone)
            if target is None:
                self.c.error(at, f"power zone {zone} does not exist (1 to 7)")
                return None
            self.c.warn(at, power_zone_message(zone, target), n)
            return target
        self.c.warn(at, f"pace zone '{tok.text}' cannot be represented (no pace zones)", n)
        return None

    def pace(self, tok: Token, at: Location, n: int) -> Target | None:
        fast_text, unit1, slow_text, unit2, _word = tok.groups
        written = (unit2 or unit1 or "").lstrip("/").lower()
        seconds = [_clock(t) for t in (fast_text, slow_text or fast_text) if t]
        unit = PaceUnit(written) if written in ("km", "mi") else self.pace_unit
        scale = 1.0
        if written and written not in ("km", "mi"):
            # per 100m, 400m, 500m, 100y...: the same speed, per km or mile
            per = float(written[:-1] or 1) * (0.9144 if written.endswith("y") else 1.0)
            scale = unit.meters / per
        values = [round(s * scale) for s in seconds]
        target = PaceRange(min(values), max(values), unit)
        if scale != 1.0:
            self.c.warn(at, f"pace per {written} taken as {format_target(target)}", n)
        return target

    def bpm(self, tok: Token, at: Location, n: int) -> Target | None:
        a = int(tok.groups[0] or 0)
        b = int(tok.groups[1]) if tok.groups[1] else a
        return HrRange(min(a, b), max(a, b))


def _written_descending(tok: Token) -> bool:
    """Whether a range token is written high to low (``65-40%``, ``5:30-5:00/km``)."""
    if tok.kind == "pace":
        first, second = tok.groups[0], tok.groups[2]
        return bool(first and second and _clock(first) > _clock(second))
    first, second = tok.groups[0], tok.groups[1]
    return bool(first and second and float(first) > float(second))


def _clock(text: str) -> int:
    """Seconds of ``m:ss`` or ``h:mm:ss``."""
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return total


def _intensity(text: str) -> Intensity | None:
    for pattern, intensity in _INTENSITY_WORDS:
        if pattern.search(text):
            return intensity
    return None


MINUTES_HINT = (
    "intervals.icu reads a bare m as minutes ('400m' is 400 minutes); write 400mtr for metres"
)


def import_icu(
    data: bytes | str,
    source: str,
    *,
    profile: Profile | None = None,
    pace_unit: PaceUnit | None = None,
    sport: Sport | None = None,
) -> ImportResult:
    """``sport``: the text's sport (intervals.icu text does not say it); None guesses."""
    text = decode_text(data, source, WorkoutError)
    collector = Collector()
    unit = pace_unit or default_pace_unit(profile)
    parser = _Parser(source, profile, unit, collector, sport)
    workout = parser.parse(text)
    if workout is not None:
        collector.plausibility(Location(source, 1, 1), workout, MINUTES_HINT)
    warnings = finish(collector)
    assert workout is not None
    return ImportResult(workout, warnings, ImportKind.ICU)


__all__ = ["import_icu"]
