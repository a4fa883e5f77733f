"""Foreign text made safe to print (pure): a BLE sensor's name, a file name, an activity's
maker, the text an error message quotes. A terminal acts on escape sequences (``\\x1b[2J``
clears the screen, ``\\x1b]`` sets its title) and the bidirectional overrides (U+202E)
reorder what follows, so a name a stranger chose could rewrite what the user sees.

:func:`unsafe` is the one definition of such a character (the workout loader refuses them in
names and notes; every printer of foreign text escapes them with :func:`escaped`): Unicode's
control, format, surrogate, private-use and unassigned categories (``C*``) and the line and
paragraph separators. They are shown as Python writes them (``\\x1b``, ``\\u202e``), so the
text stays one line and the user sees what was there.
"""

from __future__ import annotations

import unicodedata


def unsafe(ch: str) -> bool:
    """Whether one character must not reach a terminal as it is."""
    return unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029"


def escaped(text: str, *, newlines: bool = False) -> str:
    """``text`` with every :func:`unsafe` character escaped; ``newlines`` keeps ``\\n`` (a
    message of several lines, each escaped)."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if not unsafe(ch) or (newlines and ch == "\n")
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


__all__ = ["escaped", "unsafe"]
