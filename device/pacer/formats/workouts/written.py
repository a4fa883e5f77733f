"""The file ``pacer import`` writes (pure): a header of comments (where it came from and
every warning), then the workout in pacer's format, made to fit what ``pacer validate``
takes.

A native file is at most :data:`~pacer.workout.yamlnodes.MAX_FILE_BYTES`. An import that
would be larger (hundreds of steps, each with twenty long texts) loses, in this order and
each time with a warning saying how much: the texts (cues) of the last steps, then their
notes, then their names. The header quotes at most :data:`MAX_HEADER_NOTES` warnings, each
at most :data:`MAX_NOTE_CHARS` characters; the rest are only printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pacer.core.terminal import escaped
from pacer.workout.fileformat import dump_workout
from pacer.workout.model import Item, Repeat, Step, Workout
from pacer.workout.yamlnodes import MAX_FILE_BYTES

MAX_HEADER_NOTES = 40
MAX_NOTE_CHARS = 240


def _map_steps(
    items: tuple[Item, ...], f: Callable[[int, Step], Step], start: int = 0
) -> tuple[tuple[Item, ...], int]:
    """``items`` with ``f(index, step)`` applied to each step in file order (not expanded)."""
    out: list[Item] = []
    i = start
    for item in items:
        if isinstance(item, Repeat):
            inner, i = _map_steps(item.items, f, i)
            out.append(Repeat(item.count, inner))
        else:
            out.append(f(i, item))
            i += 1
    return tuple(out), i


def _count_steps(items: tuple[Item, ...]) -> int:
    return _map_steps(items, lambda _i, s: s)[1]


def _without(workout: Workout, what: str, keep: int) -> Workout:
    """``workout`` with ``what`` (cues, note, name) dropped from every step from ``keep`` on."""

    def strip(i: int, step: Step) -> Step:
        if i < keep:
            return step
        if what == "cues":
            return replace(step, cues=())
        if what == "note":
            return replace(step, note=None)
        return replace(step, name=None)

    return replace(workout, items=_map_steps(workout.items, strip)[0])


def header_lines(source: str, kind: str, notes: list[str]) -> list[str]:
    """The comment lines at the top of an imported file."""
    out = [f"# Imported from {escaped(source)} ({kind}) by pacer import."]
    for note in notes[:MAX_HEADER_NOTES]:
        cut = note if len(note) <= MAX_NOTE_CHARS else note[: MAX_NOTE_CHARS - 1] + "…"
        out.append("# " + escaped(cut))
    if len(notes) > MAX_HEADER_NOTES:
        out.append(f"# … and {len(notes) - MAX_HEADER_NOTES} more warnings (printed by the import)")
    return out


def imported_text(
    workout: Workout, source: str, kind: str, notes: list[str], limit: int = MAX_FILE_BYTES
) -> tuple[str, list[str]]:
    """The text of the imported file within ``limit`` bytes, and the notes with one more for
    each kind of thing left out to make it fit."""
    notes = list(notes)

    def render(w: Workout, extra: list[str]) -> str:
        return "\n".join(header_lines(source, kind, extra + notes)) + "\n" + dump_workout(w)

    def size(w: Workout, extra: list[str]) -> int:
        return len(render(w, extra).encode("utf-8"))

    steps = _count_steps(workout.items)
    extra: list[str] = []
    for what in ("cues", "note", "name"):
        reserve = [f"{source}: warning: {'x' * 120}"] * (len(extra) + 1)
        if size(workout, extra) <= limit:
            break
        # the most steps, from the first, that can keep theirs: a binary search
        lo, hi = 0, steps
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if size(_without(workout, what, mid), reserve) <= limit:
                lo = mid
            else:
                hi = mid - 1
        label = {"cues": "texts (cues)", "note": "notes", "name": "step names"}[what]
        extra.append(
            f"{source}: warning: the workout is too large for one file "
            f"({MAX_FILE_BYTES // 1024} KiB): the {label} of steps {lo + 1} to {steps} left out"
        )
        workout = _without(workout, what, lo)
    return render(workout, extra), extra + notes


__all__ = ["MAX_HEADER_NOTES", "MAX_NOTE_CHARS", "header_lines", "imported_text"]
