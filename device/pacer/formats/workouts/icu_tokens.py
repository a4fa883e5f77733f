"""intervals.icu step text to tokens (pure): durations, targets, ramps, cadences and free
words, each with its column, and the timed prompts before ``<!>``. The parser of
:mod:`pacer.formats.workouts.icu` (and the ``workout_doc`` converter, for prompts) reads
them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pacer.formats.workouts.common import clean_text
from pacer.workout.model import Cue

_N = r"\d+(?:\.\d+)?"
_END = r"(?=$|[\s,;])"
_PACE_UNIT = r"/(?:km|mi|\d*m|\d*y)"
_KIND_PERCENT = r"(?:\s+(hr|lthr|pace|ftp|power|mmp)\b)?"

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("ramp", rf"ramp{_END}"),
        ("freeride", rf"free\s?ride{_END}"),
        ("lap", rf"(?:press\s+lap|lap\s+press){_END}"),
        ("percent", rf"({_N})%?\s*-\s*({_N})%{_KIND_PERCENT}{_END}"),
        ("percent", rf"({_N})%(){_KIND_PERCENT}{_END}"),
        ("watts", rf"(\d+)\s*w?\s*-\s*(\d+)\s*w{_END}"),
        ("watts", rf"(\d+)\s*w(){_END}"),
        ("zone", rf"(c?)z(\d)(?:\s*-\s*c?z(\d))?(?:\s+(hr|pace|power)\b)?{_END}"),
        ("clock", rf"(\d+):([0-5]\d):([0-5]\d){_END}"),
        (
            "pace",
            rf"(\d+:[0-5]\d)({_PACE_UNIT})?(?:\s*-\s*(\d+:[0-5]\d)({_PACE_UNIT})?)?"
            rf"(\s+pace\b)?{_END}",
        ),
        ("cadence", rf"(\d+)(?:\s*-\s*(\d+))?\s*(rpm|spm){_END}"),
        ("bpm", rf"(\d+)(?:\s*-\s*(\d+))?\s*bpm{_END}"),
        ("distance", rf"({_N})\s*(km|mi|mtr|meters?|metres?|yrd|yards?){_END}"),
        ("time", rf"(?:(\d+)h)?(?:(\d+)m(?![a-z]))?(?:(\d+)s)?{_END}"),
        ("time", rf"(?:(\d+)h)?(\d+)m(\d+){_END}"),
        ("time", rf"()(\d+)'(?:(\d+)\")?{_END}"),
        ("time", rf"()()(\d+)\"{_END}"),
    )
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    col: int  # 1-based column in the line
    groups: tuple[str | None, ...]


PROMPT_AT = re.compile(r"(\d+)\^")


def prompts(text: str) -> list[Cue]:
    """``First 33^Second at 33 s``: the text before the first ``N^`` at 0 s, each ``N^text``
    at N seconds."""
    out: list[Cue] = []
    parts = PROMPT_AT.split(text)
    head = clean_text(parts[0])
    if head:
        out.append(Cue(head, at_s=0.0))
    for at, body in zip(parts[1::2], parts[2::2], strict=True):
        text_ = clean_text(body)
        if text_:
            out.append(Cue(text_, at_s=float(at)))
    return out


def tokenize(text: str, offset: int) -> tuple[list[Token], list[tuple[int, str]]]:
    """Tokens and free words of a step's text; ``offset`` is the column of ``text[0]`` - 1."""
    tokens: list[Token] = []
    words: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        for kind, pattern in _TOKENS:
            m = pattern.match(text, pos)
            if m and m.end() > pos:
                tokens.append(Token(kind, m.group(0), offset + pos + 1, m.groups()))
                pos = m.end()
                break
        else:
            end = pos
            while end < len(text) and not text[end].isspace():
                end += 1
            words.append((offset + pos + 1, text[pos:end]))
            pos = end
    return tokens, words


POWER_PERCENT_KINDS = (None, "ftp", "power")


def is_power(tok: Token) -> bool:
    if tok.kind == "percent":
        return percent_kind(tok) in POWER_PERCENT_KINDS
    if tok.kind == "zone":
        return (tok.groups[3] or "").lower() == "power"
    return tok.kind in ("watts", "freeride") or (
        tok.kind == "cadence" and (tok.groups[2] or "").lower() == "rpm"
    )


def percent_kind(tok: Token) -> str | None:
    return (tok.groups[2] or "").lower() or None


__all__ = [
    "POWER_PERCENT_KINDS",
    "PROMPT_AT",
    "Token",
    "is_power",
    "percent_kind",
    "prompts",
    "tokenize",
]
