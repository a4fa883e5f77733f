"""Hostile inputs shared by the unit tests and the fuzz tests (issue 20, section 2): each
defect's class as data, so the CLI fuzz, the serial fuzz and the room's own tests draw from
one list.

* :data:`NUMBER_FIELDS`: every place a workout holds a number, in the native YAML and in
  intervals.icu text, as a template with ``{n}`` for the number and the line and column
  where the number starts (where the error must point).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberField:
    """A workout with ``{n}`` where a number goes."""

    what: str
    suffix: str  # ".yaml" or ".txt" (intervals.icu)
    template: str

    def text(self, digits: str) -> str:
        return self.template.format(n=digits)

    @property
    def where(self) -> str:
        """``LINE:COL`` where the number starts (where the error must point)."""
        before = self.text("\0").split("\0")[0].split("\n")
        return f"{len(before)}:{len(before[-1]) + 1}"


_HEAD = "name: x\nsport: bike\nsteps:\n"
NUMBER_FIELDS: tuple[NumberField, ...] = (
    NumberField("duration", ".yaml", _HEAD + "  - active: {n}s\n"),
    NumberField("distance", ".yaml", _HEAD + "  - active: {n}km\n"),
    NumberField("watts", ".yaml", _HEAD + "  - active: 10m\n    target: {n} W\n"),
    NumberField("bpm", ".yaml", _HEAD + "  - active: 10m\n    target: {n} bpm\n"),
    NumberField("rpm", ".yaml", _HEAD + "  - active: 10m\n    also: {n} rpm\n"),
    NumberField("% FTP", ".yaml", _HEAD + "  - active: 10m\n    target: {n}% FTP\n"),
    NumberField("HR condition", ".yaml", _HEAD + "  - active: until HR < {n} bpm\n"),
    NumberField("ramp end", ".yaml", _HEAD + "  - active: 10m\n    target: ramp 100 W to {n} W\n"),
    NumberField("repeat", ".yaml", _HEAD + "  - repeat: {n}\n    steps:\n      - active: 1m\n"),
    NumberField("cue", ".yaml", _HEAD + "  - active: 10m\n    cues: [{{at: {n}s, text: go}}]\n"),
    NumberField("icu duration", ".txt", "- {n}m 200w\n"),
    NumberField("icu watts", ".txt", "- 10m {n}w\n"),
    NumberField("icu bpm", ".txt", "- 10m {n}bpm\n"),
    NumberField("icu rpm", ".txt", "- 10m 200w {n}rpm\n"),
    NumberField("icu ramp end", ".txt", "- 10m ramp 50-{n}%\n"),
    NumberField("icu repeat", ".txt", "Main set {n}x\n- 10m 200w\n"),
    NumberField("icu prompt", ".txt", "- Go {n}^Now <!> 10m 200w\n"),
)

#: Digit counts that broke it: 400 digits (no float holds it: OverflowError) and 5,000
#: (over Python's 4,300-digit limit on int(): ValueError); 10 is the first one refused.
LONG_DIGITS = ("1" * 10, "1" * 400, "9" * 5000)

#: Events of a recording (or a JSON export) whose data the model would trip over later (in
#: the laps, the pauses or the replay), with what the located error must say (issue 20 D7).
BAD_EVENTS: tuple[tuple[dict[str, object], str], ...] = (
    ({"t": 5, "type": "interrupted", "data": {"since": "x"}}, "since 'x' is not a number"),
    ({"t": 5, "type": "interrupted", "data": {"since": None}}, "since None is not a number"),
    (
        {"t": 0, "type": "step", "step": 0, "data": {"intensity": "bogus"}},
        "intensity 'bogus' is not one of warmup",
    ),
    ({"t": 0, "type": "step", "step": 0, "data": {"trigger": 7}}, "trigger 7 is not one of"),
    ({"t": 0, "type": "step", "step": 0, "data": {"target": {"low": 1}}}, "target"),
    ({"t": 0, "type": "step", "step": 0, "data": {"target": [1, 2]}}, "target"),
    ({"t": 0, "type": "start", "data": {"sport": "chess"}}, "sport 'chess' is not one of run"),
    ({"t": 0, "type": "start", "data": {"units": ["si"]}}, "units ['si'] is not one of"),
    ({"t": 3, "type": "sensor", "data": {"connected": True}}, "role None is not one of"),
    (
        {"t": 3, "type": "sensor", "data": {"role": "toaster", "connected": False}},
        "role 'toaster' is not one of",
    ),
    ({"t": 3, "type": "battery", "data": {"percent": "full"}}, "percent 'full' is not a number"),
    ({"t": 3, "type": "pause", "data": [1, 2]}, "data must be an object"),
)

#: What a terminal acts on, or what reorders the text after it (issue 20 D10): clear the
#: screen, set the window title, colour, a C1 CSI, the right-to-left override, a line
#: separator, a bell. Each must reach the terminal escaped.
TERMINAL_ATTACKS = (
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x1b[31m",
    "\x9b31m",
    "\u202e",
    "\u2028",
    "\x07",
)
