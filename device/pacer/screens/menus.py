"""Screens outside a running workout: home, pairing, the summary and the errors (pure)."""

from __future__ import annotations

from PIL import Image

from pacer.screens.base import (
    LARGE,
    MEDIUM,
    OFF,
    ON,
    SMALL,
    TITLE,
    WIDTH,
    canvas,
    clock,
    distance,
    elapsed,
    fit,
    largest_size,
    text,
    text_width,
    wrap,
)
from pacer.screens.icons import (
    SENSOR_ICONS,
    draw_check,
    draw_play,
    draw_spinner,
    draw_status_icons,
    draw_warning,
)
from pacer.screens.views import ERROR_TEXT, ErrorView, IdleView, PairingView, SummaryView
from pacer.workout.profile import Units


def render_idle(view: IdleView, units: Units) -> Image.Image:
    """Home: the selected workout, its length, the sensors and battery, "press to start"."""
    image, draw = canvas()
    icons_left = draw_status_icons(draw, WIDTH - 1, 1, view.sensors, view.battery_percent)
    text(draw, (0, 9), fit("pacer", icons_left - 2, SMALL), SMALL)

    name = view.workout_name or "No workout"
    if text_width(name, MEDIUM) <= WIDTH:
        text(draw, (0, 30), name, MEDIUM)
    else:
        for i, line in enumerate(wrap(name, WIDTH, TITLE, 2)):
            text(draw, (0, 24 + i * 13), line, TITLE)
    parts = []
    if view.step_count:
        parts.append(f"{view.step_count} step{'s' if view.step_count != 1 else ''}")
    if view.total_s is not None:
        parts.append(clock(view.total_s))
    if view.total_m:
        parts.append(distance(view.total_m, units))
    if parts:
        text(draw, (0, 47), fit(" · ".join(parts), WIDTH, SMALL), SMALL)

    draw.rectangle((0, 54, WIDTH - 1, 63), fill=ON)
    label = fit(view.hint, WIDTH - 14, SMALL)
    w = text_width(label, SMALL) + 9
    x = (WIDTH - w) // 2
    draw_play(draw, x, 55, 8, fill=OFF)
    text(draw, (x + 9, 62), label, SMALL, fill=OFF)
    return image


def render_pairing(view: PairingView) -> Image.Image:
    """A scan: what was found (role icon, name, signal), three rows at most."""
    image, draw = canvas()
    draw.rectangle((0, 0, WIDTH - 1, 11), fill=ON)
    text(draw, (2, 10), "Pairing", SMALL, fill=OFF)
    if view.scanning:
        draw_spinner(draw, 46, 4, view.frame, fill=OFF)
    count = f"{len(view.found)} found"
    text(draw, (WIDTH - 3, 10), count, SMALL, anchor="rs", fill=OFF)

    if not view.found:
        msg = "Looking for sensors…" if view.scanning else "Nothing found"
        text(draw, (WIDTH // 2, 28), msg, SMALL, anchor="ms")
        for i, line in enumerate(wrap("Wet the strap, shake the foot pod", WIDTH, SMALL, 2)):
            text(draw, (WIDTH // 2, 40 + i * 10), line, SMALL, anchor="ms")
    for i, sensor in enumerate(view.found[:3]):
        y = 14 + i * 13
        x = 0
        if sensor.paired:
            x += draw_check(draw, 0, y + 1, 8) + 2
        icon = SENSOR_ICONS[sensor.role]
        icon(draw, x, y + 1, True)
        name_x = x + 14
        rssi = "" if sensor.rssi is None else f"{sensor.rssi}"
        rssi_w = text_width(rssi, SMALL) + 3 if rssi else 0
        text(draw, (name_x, y + 9), fit(sensor.name, WIDTH - name_x - rssi_w, SMALL), SMALL)
        if rssi:
            text(draw, (WIDTH - 1, y + 9), rssi, SMALL, anchor="rs")
    text(draw, (WIDTH // 2, 63), fit(view.hint, WIDTH, SMALL), SMALL, anchor="ms")
    return image


def render_summary(view: SummaryView, units: Units) -> Image.Image:
    """End of the workout: time, distance, heart rate, time in target, saved or not."""
    image, draw = canvas()
    draw.rectangle((0, 0, WIDTH - 1, 11), fill=ON)
    x = 2 + draw_check(draw, 2, 2, 8, fill=OFF) + 3
    text(draw, (x, 10), "Done", SMALL, fill=OFF)
    text(
        draw, (WIDTH - 3, 10), "saved" if view.saved else "NOT saved", SMALL, anchor="rs", fill=OFF
    )
    text(draw, (WIDTH // 2, 23), fit(view.name, WIDTH, SMALL), SMALL, anchor="ms")

    t = elapsed(view.elapsed_s)
    text(draw, (WIDTH // 2, 42), t, largest_size(t, WIDTH, (LARGE, MEDIUM)), anchor="ms")
    cells = [
        distance(view.distance_m, units),
        "avg --" if view.avg_hr is None else f"avg {view.avg_hr}",
        "in zone --" if view.in_target is None else f"in zone {round(view.in_target * 100)}%",
        "max --" if view.max_hr is None else f"max {view.max_hr}",
    ]
    text(draw, (0, 53), cells[0], SMALL)
    text(draw, (WIDTH - 1, 53), cells[1], SMALL, anchor="rs")
    text(draw, (0, 63), cells[2], SMALL)
    text(draw, (WIDTH - 1, 63), cells[3], SMALL, anchor="rs")
    return image


def render_error(view: ErrorView) -> Image.Image:
    """A problem the athlete must act on: a warning sign, what is wrong, what to do."""
    image, draw = canvas()
    title, advice = ERROR_TEXT[view.kind]
    draw_warning(draw, 0, 1, 26)
    lines = wrap(title, WIDTH - 34, TITLE, 2)
    if len(lines) == 1 and text_width(title, MEDIUM) <= WIDTH - 34:
        text(draw, (34, 21), title, MEDIUM)
    else:
        for i, line in enumerate(lines):
            text(draw, (34, 12 + i * 14), line, TITLE)
    for i, line in enumerate(wrap(view.detail or advice, WIDTH, SMALL, 2)):
        text(draw, (0, 40 + i * 10), line, SMALL)
    draw.line((0, 53, WIDTH - 1, 53), fill=ON)
    text(draw, (WIDTH // 2, 63), fit(view.hint, WIDTH, SMALL), SMALL, anchor="ms")
    return image
