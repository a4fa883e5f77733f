"""Drawing helpers shared by every screen: the canvas, the shipped font, text and numbers.

Everything draws in one colour on black, in PIL mode ``"1"`` at 128x64, with text rendered
without anti-aliasing (``fontmode = "1"``): an OLED pixel is on or off, and grey edges only
turn into ragged ones. The one font is DejaVu Sans Condensed Bold, shipped in
``pacer/fonts`` with its licence; bold and condensed reads best at 9-10 px on a small OLED
and leaves room for big digits.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from pacer.workout.profile import Units
from pacer.workout.resolve import MILE, Metric, ResolvedTarget, format_speed_as_pace
from pacer.workout.syntax import format_clock

WIDTH, HEIGHT = 128, 64
ON, OFF = 1, 0

FONT_FILE = "DejaVuSansCondensed-Bold.ttf"

#: Sizes in pixels (the em size FreeType is asked for). Cap height is about 0.73 of it.
BIG = 36
LARGE = 24
MEDIUM = 16
TITLE = 13
SMALL = 10


@lru_cache(maxsize=16)
def font(size: int, *, basic: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped font at ``size`` pixels (cached: fonts are immutable); ``basic`` asks for
    Pillow's basic layout (no shaping), whatever the machine has."""
    data = resources.files("pacer").joinpath("fonts", FONT_FILE).read_bytes()
    if basic:
        return ImageFont.truetype(BytesIO(data), size, layout_engine=ImageFont.Layout.BASIC)
    return ImageFont.truetype(BytesIO(data), size)


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("1", (WIDTH, HEIGHT), OFF)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    return image, draw


@lru_cache(maxsize=4096)
def text_width(text: str, size: int) -> int:
    return int(font(size).getlength(text))


def fit(text: str, width: int, size: int) -> str:
    """``text`` cut to ``width`` pixels at ``size``, with an ellipsis when cut."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def largest_size(text: str, width: int, sizes: tuple[int, ...]) -> int:
    """The first of ``sizes`` (largest first) at which ``text`` fits in ``width``."""
    for size in sizes:
        if text_width(text, size) <= width:
            return size
    return sizes[-1]


def wrap(text: str, width: int, size: int, max_lines: int) -> list[str]:
    """Words wrapped into at most ``max_lines`` lines; the last one ellipsised if cut."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines:
            rest = " ".join(words[i:])
            lines[-1] = fit(lines[-1] + " " + rest, width, size)
            return lines
    if current:
        lines.append(current)
    if len(lines) > max_lines:  # pragma: no cover - guarded above
        lines = lines[:max_lines]
    return [fit(line, width, size) for line in lines]


def wrap_all(text: str, width: int, size: int) -> list[str]:
    """Every word of ``text`` in lines of ``width`` pixels, none cut: a word longer than a
    line is split across lines."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while text_width(word, size) > width:  # split an over-long word
            n = len(word)
            while n > 1 and text_width(word[:n], size) > width:
                n -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:n])
            word = word[n:]
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    s: str,
    size: int,
    *,
    anchor: str = "ls",
    fill: int = ON,
) -> None:
    """Draw ``s``; ``anchor`` as in PIL (default: left end of the baseline at ``xy``).

    The rendered text is cached as a bitmap: most of a screen's strings repeat from one
    frame to the next, and FreeType is the bulk of a frame's cost.
    """
    mask, (dx, dy) = _rendered(s, size, anchor)
    if mask is not None:
        draw.bitmap((round(xy[0]) + dx, round(xy[1]) + dy), mask, fill=fill)


@lru_cache(maxsize=2048)
def _rendered(s: str, size: int, anchor: str) -> tuple[Image.Image | None, tuple[int, int]]:
    """``s`` drawn once into a tight one-bit bitmap, and its offset from the anchor point."""
    f = font(size)
    left, top, right, bottom = (int(v) for v in f.getbbox(s, anchor=anchor))
    if right <= left or bottom <= top:
        return None, (0, 0)
    mask = Image.new("1", (right - left, bottom - top), OFF)
    d = ImageDraw.Draw(mask)
    d.fontmode = "1"
    d.text((-left, -top), s, font=f, fill=ON, anchor=anchor)
    return mask, (left, top)


def label_box(draw: ImageDraw.ImageDraw, x: int, y: int, s: str, size: int = SMALL) -> int:
    """White box with black text (``y`` is the box's top); returns the box's right edge + 1."""
    w = text_width(s, size)
    h = round(size * 0.73) + 3
    draw.rectangle((x, y, x + w + 3, y + h), fill=ON)
    text(draw, (x + 2, y + h - 1), s, size, fill=OFF)
    return x + w + 4


# --- numbers as a runner reads them ----------------------------------------------------


def clock(seconds: float | None) -> str:
    """A countdown: ``12:34`` or ``1:02:03``, rounded up (it shows 0:01 until time is up);
    ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    return format_clock(math.ceil(seconds))


def elapsed(seconds: float) -> str:
    """Time that counts up, like a stopwatch: rounded down."""
    return format_clock(math.floor(seconds))


def distance(meters: float, units: Units) -> str:
    """``850 m``, ``4.25 km``, ``2.64 mi`` (``0.32 mi`` below a mile)."""
    if units is Units.IMPERIAL:
        return f"{meters / MILE:.2f} mi"
    if meters < 1000:
        return f"{meters:.0f} m"
    return f"{meters / 1000:.2f} km"


def pace_unit(units: Units) -> str:
    return "/mi" if units is Units.IMPERIAL else "/km"


def speed(speed_mps: float | None, units: Units) -> str:
    """Road speed for the bike: ``32.4`` (km/h or mph, see :func:`speed_unit`)."""
    if speed_mps is None:
        return "--.-"
    factor = 3600 / MILE if units is Units.IMPERIAL else 3.6
    return f"{speed_mps * factor:.1f}"


def speed_unit(units: Units) -> str:
    return "mph" if units is Units.IMPERIAL else "km/h"


def target_range(
    target: ResolvedTarget, units: Units, band: tuple[float, float] | None = None
) -> str:
    """The target's numbers only, as the big number reads: ``137-143``, ``5:05-5:15``; a
    single value as itself (``220``, ``7:00``), never ``220-220``. ``band``: where a ramp
    is now (the snapshot's ``band``); without it, the target's start."""
    low, high = band or (target.low, target.high)
    if target.metric is Metric.SPEED:
        if target.single:  # the pace in the middle of the band, as written
            return format_speed_as_pace(2 / (1 / low + 1 / high), units)
        # fast end first, as a runner says it ("five-oh-five to five-fifteen")
        return f"{format_speed_as_pace(high, units)}-{format_speed_as_pace(low, units)}"
    if target.single:
        return f"{(low + high) / 2:.0f}"
    return f"{low:.0f}-{high:.0f}"


def target_unit(target: ResolvedTarget, units: Units, *, bike: bool = False) -> str:
    match target.metric:
        case Metric.HR:
            return "bpm"
        case Metric.SPEED:
            return pace_unit(units)
        case Metric.CADENCE:
            return "rpm" if bike else "spm"
        case Metric.POWER:
            return "W"
    raise AssertionError(target.metric)  # pragma: no cover
