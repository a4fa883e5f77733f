"""Small icons drawn with PIL primitives: sensors, battery, trend arrows, status marks.

Each ``draw_*`` takes the top-left corner and returns the icon's width, so a row of icons
can be laid out right to left. A sensor drawn solid is connected, drawn hollow is missing.
"""

from __future__ import annotations

from PIL import ImageDraw

from pacer.core.samples import SensorRole
from pacer.engine.snapshot import Trend
from pacer.screens.base import OFF, ON

ICON_H = 8


def draw_heart(draw: ImageDraw.ImageDraw, x: int, y: int, connected: bool) -> int:
    """9x8 heart (HR strap)."""
    fill = ON if connected else None
    draw.pieslice((x, y, x + 4, y + 4), 180, 360, fill=fill, outline=ON)
    draw.pieslice((x + 4, y, x + 8, y + 4), 180, 360, fill=fill, outline=ON)
    draw.polygon([(x, y + 2), (x + 8, y + 2), (x + 4, y + 7)], fill=fill, outline=ON)
    if not connected:
        draw.line((x + 1, y + 2, x + 7, y + 2), fill=OFF)
    return 9


def draw_shoe(draw: ImageDraw.ImageDraw, x: int, y: int, connected: bool) -> int:
    """11x8 running shoe (foot pod)."""
    outline = [
        (x, y + 1),
        (x + 4, y + 1),
        (x + 5, y + 3),
        (x + 9, y + 4),
        (x + 10, y + 5),
        (x + 10, y + 7),
        (x, y + 7),
    ]
    draw.polygon(outline, fill=ON if connected else None, outline=ON)
    return 11


def draw_crank(draw: ImageDraw.ImageDraw, x: int, y: int, connected: bool) -> int:
    """8x8 chainring with a crank arm (cadence sensor)."""
    draw.ellipse((x, y, x + 7, y + 7), fill=ON if connected else None, outline=ON)
    colour = OFF if connected else ON
    draw.line((x + 3, y + 3, x + 6, y + 6), fill=colour)
    draw.point((x + 3, y + 3), fill=colour)
    return 8


def draw_bolt(draw: ImageDraw.ImageDraw, x: int, y: int, connected: bool) -> int:
    """7x8 lightning bolt (power meter)."""
    bolt = [(x + 4, y), (x, y + 4), (x + 3, y + 4), (x + 2, y + 7), (x + 6, y + 3), (x + 3, y + 3)]
    draw.polygon(bolt, fill=ON if connected else None, outline=ON)
    return 7


SENSOR_ICONS = {
    SensorRole.HR: draw_heart,
    SensorRole.POD: draw_shoe,
    SensorRole.CADENCE: draw_crank,
    SensorRole.POWER: draw_bolt,
}


def draw_battery(draw: ImageDraw.ImageDraw, x: int, y: int, percent: int | None) -> int:
    """14x8 battery; the fill moves in steps of an eighth so it does not redraw every %.

    Unknown level: an empty outline with a dot. 15 % and below: an exclamation mark.
    """
    draw.rectangle((x, y, x + 11, y + 7), outline=ON)
    draw.rectangle((x + 12, y + 2, x + 13, y + 5), fill=ON)
    if percent is None:
        draw.point((x + 6, y + 4), fill=ON)
        draw.point((x + 5, y + 3), fill=ON)
    elif percent <= 15:
        draw.line((x + 6, y + 2, x + 6, y + 3), fill=ON)
        draw.point((x + 6, y + 5), fill=ON)
    else:
        eighths = min(8, max(1, round(percent / 12.5)))
        draw.rectangle((x + 2, y + 2, x + 1 + eighths, y + 5), fill=ON)
    return 14


def draw_status_icons(
    draw: ImageDraw.ImageDraw,
    right: int,
    y: int,
    sensors: tuple[tuple[SensorRole, bool], ...],
    battery_percent: int | None,
    *,
    gap: int = 3,
) -> int:
    """Sensors then battery, right-aligned at ``right``; returns the left edge of the row."""
    x = right - 14 + 1
    draw_battery(draw, x, y, battery_percent)
    for role, connected in reversed(sensors):
        icon = SENSOR_ICONS[role]
        width = {draw_heart: 9, draw_shoe: 11, draw_crank: 8, draw_bolt: 7}[icon]
        x -= gap + width
        icon(draw, x, y, connected)
    return x


def draw_trend(draw: ImageDraw.ImageDraw, x: int, y: int, trend: Trend) -> int:
    """9x12 arrow: up (rising), down (falling), right (steady); nothing when unknown."""
    match trend:
        case Trend.RISING:
            draw.polygon([(x + 4, y), (x, y + 5), (x + 8, y + 5)], fill=ON)
            draw.rectangle((x + 3, y + 5, x + 5, y + 11), fill=ON)
        case Trend.FALLING:
            draw.polygon([(x + 4, y + 11), (x, y + 6), (x + 8, y + 6)], fill=ON)
            draw.rectangle((x + 3, y, x + 5, y + 6), fill=ON)
        case Trend.STEADY:
            draw.polygon([(x + 8, y + 6), (x + 3, y + 2), (x + 3, y + 10)], fill=ON)
            draw.rectangle((x, y + 5, x + 3, y + 7), fill=ON)
        case Trend.UNKNOWN:
            return 0
    return 9


def draw_pause(draw: ImageDraw.ImageDraw, x: int, y: int, h: int, fill: int = ON) -> int:
    """Two bars, ``h`` tall."""
    w = max(2, h // 3)
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=fill)
    draw.rectangle((x + 2 * w, y, x + 3 * w - 1, y + h - 1), fill=fill)
    return 3 * w


def draw_play(draw: ImageDraw.ImageDraw, x: int, y: int, h: int, fill: int = ON) -> int:
    """A right-pointing triangle ``h`` tall."""
    w = h // 2 + 1
    draw.polygon([(x, y), (x, y + h - 1), (x + w - 1, y + (h - 1) // 2)], fill=fill)
    return w


def draw_check(draw: ImageDraw.ImageDraw, x: int, y: int, h: int, fill: int = ON) -> int:
    """A tick mark ``h`` tall, 2 px strokes."""
    w = h + h // 3
    draw.line((x, y + h // 2, x + h // 3, y + h - 1, x + w - 1, y), fill=fill, width=2)
    return w


def draw_warning(draw: ImageDraw.ImageDraw, x: int, y: int, h: int) -> int:
    """A warning triangle with an exclamation mark, ``h`` tall."""
    w = h + h // 6
    draw.polygon([(x + w // 2, y), (x, y + h - 1), (x + w - 1, y + h - 1)], fill=ON)
    cx = x + w // 2
    bar = max(2, h // 9)
    draw.rectangle((cx - bar // 2, y + h // 3, cx - bar // 2 + bar - 1, y + h * 2 // 3), fill=OFF)
    draw.rectangle(
        (cx - bar // 2, y + h * 2 // 3 + 3, cx - bar // 2 + bar - 1, y + h * 2 // 3 + 2 + bar),
        fill=OFF,
    )
    return w


def draw_spinner(draw: ImageDraw.ImageDraw, x: int, y: int, frame: int, fill: int = ON) -> int:
    """Three dots, one of them big, moving with ``frame`` (pairing/scan)."""
    for i in range(3):
        r = 2 if i == frame % 3 else 1
        cx = x + 2 + i * 6
        draw.ellipse((cx - r, y + 2 - r, cx + r, y + 2 + r), fill=fill)
    return 16
