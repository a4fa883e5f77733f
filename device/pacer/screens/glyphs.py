"""What the OLED can draw of a workout's text (pure; reads the shipped font).

The screen has one font, DejaVu Sans Condensed Bold (:data:`pacer.screens.base.FONT_FILE`):
Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic, arrows, maths and box drawing,
most symbols. It has no Chinese, Japanese or Korean characters, no Thai or Devanagari and few
emoji: a character without a glyph is drawn as an empty box. Hebrew and Arabic are laid out
right to left and Arabic shaped by Pillow's Raqm layout, which needs libfribidi at run time
(``firmware/install.sh`` installs it; without it they come out left to right, unshaped: see
docs/screens.md).

:func:`text_warnings` names each text of a workout (name, step names, notes, cues, exercise,
load) with characters the screen cannot draw: ``pacer validate`` and ``pacer import`` print
it as a warning; nothing is refused (the report and the host show the text as it is).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pacer.screens.base import SMALL, font
from pacer.workout.model import Workout, expand
from pacer.workout.resolve import step_name

#: Size the glyphs are compared at: big enough that no drawn glyph matches the empty box.
_PROBE = SMALL * 2
#: A character no font has (plane 16's last private-use point): drawn as the font's box.
_NO_GLYPH = "\U0010fffd"


def _drawn(ch: str) -> tuple[object, bytes]:
    mask = font(_PROBE, basic=True).getmask(ch, mode="1")
    return mask.size, bytes(mask)


@lru_cache(maxsize=4096)
def has_glyph(ch: str) -> bool:
    """Whether the screen's font draws ``ch`` as itself, not as the empty box."""
    if unicodedata.category(ch) in ("Zs", "Mn", "Me", "Cf"):
        return True  # spaces and marks draw nothing of their own
    return _drawn(ch) != _drawn(_NO_GLYPH)


def screen_problem(text: str) -> str | None:
    """What the screen does wrong with ``text``, or None when it shows it as written."""
    missing = list(dict.fromkeys(ch for ch in text if not has_glyph(ch)))
    if not missing:
        return None
    shown = "".join(missing[:8]) + ("..." if len(missing) > 8 else "")
    return f"no glyph for {shown} (drawn as empty boxes)"


def text_warnings(workout: Workout) -> list[str]:
    """One warning per text of ``workout`` the screen cannot show as written, naming it
    (a step's text once, however often a repeat runs it)."""
    out: list[str] = []

    def check(where: str, text: str | None) -> None:
        problem = None if text is None else screen_problem(text)
        if problem is not None:
            out.append(f"{where} '{text}' will not show on the screen as written: {problem}")

    check("the name", workout.name)
    seen: set[int] = set()
    for i, flat in enumerate(expand(workout.items)):
        step = flat.step
        if id(step) in seen:
            continue
        seen.add(id(step))
        where = f"step {i + 1} '{step_name(step)}':"
        check(f"{where} the name", step.name)
        check(f"{where} the note", step.note)
        for cue in step.cues:
            check(f"{where} a cue", cue.text)
        if step.strength is not None:
            check(f"{where} the exercise", step.strength.exercise)
            check(f"{where} the load", step.strength.load)
    return out


__all__ = ["has_glyph", "screen_problem", "text_warnings"]
