"""The vibration patterns: what each engine event feels like (pure data).

A pattern is a timeline of ``(duty, seconds)`` segments, duty 0 being a pause, and a priority:
a more important pattern cuts a lesser one short (see :class:`pacer.haptics.player.Sequencer`).
Every pattern differs from the others in rhythm, length or strength, so a runner can tell
them apart without looking; :func:`doc_table` renders the table of ``docs/haptics.md``.

The engine decides which events the athlete feels and asks for these names.
"""

from __future__ import annotations

from dataclasses import dataclass

#: times closer than this are the same time (sums of segment lengths are not exact floats)
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Segment:
    duty: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    priority: int
    segments: tuple[Segment, ...]
    #: how it feels, in words (long-long, three short...)
    feel: str
    #: what it tells the athlete
    meaning: str

    @property
    def duration(self) -> float:
        return sum(s.seconds for s in self.segments)

    def duty_at(self, offset: float) -> float:
        """Duty ``offset`` seconds into the pattern (0 outside it)."""
        if offset < -EPS:
            return 0.0
        for s, edge in zip(self.segments, self.edges(), strict=True):
            if offset < edge - EPS:
                return s.duty
        return 0.0

    def edges(self) -> tuple[float, ...]:
        """Offsets at which the duty changes, ending with the pattern's end."""
        out: list[float] = []
        edge = 0.0
        for s in self.segments:
            edge += s.seconds
            out.append(round(edge, 9))
        return tuple(out)


def buzz(*spec: tuple[float, int]) -> tuple[Segment, ...]:
    """Segments from ``(duty, milliseconds)`` pairs."""
    return tuple(Segment(duty, ms / 1000) for duty, ms in spec)


def _repeat(on: tuple[float, int], off_ms: int, times: int) -> tuple[Segment, ...]:
    spec: list[tuple[float, int]] = []
    for i in range(times):
        if i:
            spec.append((0.0, off_ms))
        spec.append(on)
    return buzz(*spec)


FULL, MEDIUM, SOFT = 1.0, 0.7, 0.45

# Priorities follow the engine's order of importance (``pacer.engine.feel.PRIORITY``): the
# end, a new step, then the alerts, then timers and reassurances, then button feedback.
_ALL = (
    Pattern("done", 100, buzz((FULL, 1500)), "one long", "workout over, saved"),
    Pattern("step_change", 90, _repeat((FULL, 500), 200, 2), "long-long", "a new step starts"),
    Pattern("over", 80, _repeat((FULL, 80), 70, 3), "rapid triple", "above the target: ease off"),
    Pattern(
        "predicted_over",
        70,
        _repeat((SOFT, 150), 200, 2),
        "two soft",
        "heading over the target: settle",
    ),
    Pattern(
        "sensor_lost",
        65,
        buzz((FULL, 400), (0.0, 150), (FULL, 120), (0.0, 150), (FULL, 400)),
        "long-short-long",
        "a sensor stopped sending",
    ),
    Pattern(
        "battery_low",
        62,
        buzz((FULL, 400), (0.0, 150), (MEDIUM, 400), (0.0, 150), (SOFT, 400)),
        "three long, fading",
        "the battery is low: charge soon (from the daemon, not the engine)",
    ),
    Pattern(
        "under",
        60,
        buzz((0.3, 200), (0.6, 200), (0.9, 400)),
        "one slow swell",
        "below the target: pick it up",
    ),
    Pattern("rest_end", 55, _repeat((FULL, 350), 150, 3), "three long", "rest over: next set"),
    Pattern("set_done", 50, buzz((MEDIUM, 300)), "one medium", "set logged, rest starts"),
    Pattern("rest_warning", 45, _repeat((MEDIUM, 100), 100, 2), "two quick", "rest ends in 10 s"),
    Pattern("tick", 40, buzz((FULL, 90)), "one sharp tap", "3, 2, 1 s before the step changes"),
    Pattern(
        "countdown",
        35,
        _repeat((FULL, 120), 150, 3),
        "three short",
        "the step ends in 10 s",
    ),
    Pattern("back_in_zone", 30, buzz((0.35, 60)), "one faint tap", "back in the target"),
    Pattern("cue", 28, buzz((SOFT, 150)), "one soft tap", "a message of the step on screen"),
    Pattern(
        "sensor_back",
        25,
        buzz((SOFT, 120), (0.0, 150), (SOFT, 300)),
        "soft short-long",
        "the sensor is back",
    ),
    Pattern(
        "paused",
        20,
        buzz((FULL, 300), (0.0, 120), (SOFT, 300)),
        "strong, then soft",
        "the clock stopped (button)",
    ),
    Pattern(
        "resumed",
        20,
        buzz((SOFT, 300), (0.0, 120), (FULL, 300)),
        "soft, then strong",
        "the clock runs again (button)",
    ),
    Pattern(
        "cadence_cue",
        10,
        _repeat((0.6, 50), 283, 4),
        "four ticks at 180/min",
        "quicker, lighter steps (not asked for by the engine yet)",
    ),
)

#: every pattern by name, most important first
PATTERNS: dict[str, Pattern] = {p.name: p for p in _ALL}


def pattern(name: str, patterns: dict[str, Pattern] | None = None) -> Pattern:
    table = PATTERNS if patterns is None else patterns
    try:
        return table[name]
    except KeyError:
        known = ", ".join(table)
        raise ValueError(f"no haptic pattern {name!r} (known: {known})") from None


def describe(p: Pattern) -> str:
    """The timeline in milliseconds: ``100%·500 –200 100%·500``."""
    parts = []
    for s in p.segments:
        ms = round(s.seconds * 1000)
        parts.append(f"–{ms}" if s.duty == 0 else f"{round(s.duty * 100)}%·{ms}")
    return " ".join(parts)


def doc_table(patterns: dict[str, Pattern] | None = None) -> str:
    """The Markdown table of ``docs/haptics.md`` (a test checks the doc carries it)."""
    table = PATTERNS if patterns is None else patterns
    rows = [
        "| pattern | priority | feels like | timeline (duty·ms, –pause ms) | total | means |",
        "| --- | ---: | --- | --- | ---: | --- |",
    ]
    for p in sorted(table.values(), key=lambda p: -p.priority):
        rows.append(
            f"| `{p.name}` | {p.priority} | {p.feel} | {describe(p)} | "
            f"{p.duration:.2f} s | {p.meaning} |"
        )
    return "\n".join(rows)
