"""Workout and profile texts sent by a host: bounded before they are parsed, parsed off the
event loop.

A YAML text nested thousands of levels deep would exhaust the parser's recursion (and hold
the loop for seconds): :func:`nesting_error` is a cheap linear scan that finds where the text
nests deeper than ``Limits.max_text_depth`` (flow brackets, block indentation, ``- - -``),
and only a text that passes it is parsed. Scan and parse both run in a worker thread
(:func:`asyncio.to_thread`), so the workout running beside the link keeps its 1 Hz tick.
"""

from __future__ import annotations

import asyncio
import re
from typing import Final

from pacer.core.errors import InputErrors
from pacer.link.protocol import ErrorCode, ErrorDetail, RequestError

#: Validation messages returned at most (a broken file can produce hundreds).
MAX_DETAILS: Final = 50

_BRACKETS: Final = re.compile(r"[\[\]{}]")
_MARKERS: Final = re.compile(r"(?:[-?](?: +|$))+")


def nesting_error(text: str, max_depth: int) -> ErrorDetail | None:
    """Where ``text`` nests deeper than ``max_depth``, or None: block levels (indentation,
    and each ``-``/``?`` marker) plus flow brackets. Conservative: a bracket inside quotes
    counts too, so it may refuse a text with dozens of unmatched ``[`` in its notes; it
    never lets a deep one through."""
    indents: list[int] = []
    flow = base = 0
    for number, raw in enumerate(text.split("\n"), 1):
        body = raw.lstrip(" ")
        if flow == 0:  # inside a flow collection, indentation means nothing
            if not body.strip() or body.startswith("#"):
                continue
            indent = len(raw) - len(body)
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            markers = _MARKERS.match(body)
            base = len(indents) + (len(markers.group().split()) if markers else 0)
            if base > max_depth:
                return _too_deep(max_depth, number, indent + 1)
        for match in _BRACKETS.finditer(raw):
            if match.group() in "[{":
                flow += 1
                if base + flow > max_depth:
                    return _too_deep(max_depth, number, match.start() + 1)
            elif flow:
                flow -= 1
    return None


def _too_deep(max_depth: int, line: int, col: int) -> ErrorDetail:
    return ErrorDetail(f"nested deeper than {max_depth} levels", line, col)


def invalid(code: ErrorCode, what: str, exc: InputErrors) -> RequestError:
    """A loader's located errors as one error reply (``field`` is ``args.text``)."""
    details = []
    for e in exc.errors[:MAX_DETAILS]:
        loc = getattr(e, "location", None)
        details.append(
            ErrorDetail(
                getattr(e, "message", str(e))[:500],
                loc.line if loc is not None else None,
                loc.col if loc is not None else None,
            )
        )
    n = len(exc.errors)
    return _problems(code, what, n, details)


def _problems(code: ErrorCode, what: str, n: int, details: list[ErrorDetail]) -> RequestError:
    return RequestError(
        code,
        f"{what} has {n} problem{'s' if n != 1 else ''}",
        field="args.text",
        details=details,
    )


def _check_workout(name: str, text: str, profile_text: str | None, max_depth: int) -> None:
    """The same validator as ``pacer validate``, against the stored profile if it loads."""
    from pacer.workout.fileformat import load_workout
    from pacer.workout.profile import Profile, load_profile
    from pacer.workout.resolve import require_profile_values

    what = f"workout {name!r}"
    _shape(ErrorCode.INVALID_WORKOUT, what, text, max_depth)
    profile = None
    if profile_text is not None:
        try:
            profile = load_profile(profile_text, source="profile")
        except (InputErrors, RecursionError):
            profile = None
    try:
        workout = load_workout(text, source=name, profile=profile)
        require_profile_values(workout, profile or Profile(), name)
    except InputErrors as exc:
        raise invalid(ErrorCode.INVALID_WORKOUT, what, exc) from None
    except RecursionError:  # the scan is the guard; this is the backstop
        raise _deep(ErrorCode.INVALID_WORKOUT, what) from None


def _check_profile(text: str, max_depth: int) -> None:
    from pacer.workout.profile import load_profile

    _shape(ErrorCode.INVALID_PROFILE, "the profile", text, max_depth)
    try:
        load_profile(text, source="profile")
    except InputErrors as exc:
        raise invalid(ErrorCode.INVALID_PROFILE, "the profile", exc) from None
    except RecursionError:
        raise _deep(ErrorCode.INVALID_PROFILE, "the profile") from None


def _shape(code: ErrorCode, what: str, text: str, max_depth: int) -> None:
    detail = nesting_error(text, max_depth)
    if detail is not None:
        raise _problems(code, what, 1, [detail])


def _deep(code: ErrorCode, what: str) -> RequestError:
    return _problems(code, what, 1, [ErrorDetail("nested too deeply to read", 1, 1)])


async def check_workout(name: str, text: str, profile_text: str | None, max_depth: int) -> None:
    """Validate a workout in a worker thread; RequestError(INVALID_WORKOUT) with details."""
    await asyncio.to_thread(_check_workout, name, text, profile_text, max_depth)


async def check_profile(text: str, max_depth: int) -> None:
    """Validate a profile in a worker thread; RequestError(INVALID_PROFILE) with details."""
    await asyncio.to_thread(_check_profile, text, max_depth)
