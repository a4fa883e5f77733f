"""The screens of a running workout, rendered from an engine :class:`Snapshot` (pure).

Layout of the main screen (128x64)::

    [2/5] Z2 high          ♥ 👟 ▭     header: step k/N, short name, sensors, battery
    ┌──────────────┐ 12:34           the primary metric, big; time left in the step
    │  142      ↑  │ 137-143         trend arrow (heart rate); the target range
    └──────────────┘
    ▕▁▁▁▁███▼███▁▁▁▁▏                 zone bar: the target band and a marker
    5:12/km            172spm        secondary metrics, small (or the engine's turnover cue)

When the primary metric is outside its target the big number turns black on white: the one
thing that changes the whole screen's brightness, readable from the corner of an eye.

A ramp shows the target where it is now (the band moves along the zone bar as the step
goes on) with a small triangle before the numbers pointing up (rising) or down (falling).
A single-value target (``88% FTP``) shows its value; its band is the profile's tolerance.
:func:`render_cue` is the banner of a timed cue: the text wrapped, never cut.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image, ImageDraw

from pacer.engine.snapshot import Snapshot, TargetStatus
from pacer.engine.text import CUE_TEXT
from pacer.screens.base import (
    BIG,
    HEIGHT,
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
    label_box,
    largest_size,
    pace_unit,
    speed,
    speed_unit,
    target_range,
    target_unit,
    text,
    text_width,
    wrap,
    wrap_all,
)
from pacer.screens.icons import (
    draw_pause,
    draw_status_icons,
    draw_trend,
)
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, ResolvedTarget, format_speed_as_pace

#: top and bottom of the big-number box; the zone bar below it
BOX_TOP, BOX_BOTTOM = 12, 41
BAR_TOP, BAR_BOTTOM = 45, 53
#: the right-hand column (time left, target range) is this wide at most
COLUMN_MAX = 52
#: how far the zone bar reaches beyond the target, at least, per metric (base units)
BAR_MARGIN = {Metric.HR: 8.0, Metric.SPEED: 0.25, Metric.CADENCE: 6.0, Metric.POWER: 25.0}


def primary_metric(snap: Snapshot, *, bike: bool = False) -> Metric:
    """The target's metric; without a target, heart rate (or power on a bike that has it)."""
    if snap.target is not None:
        return snap.target.metric
    if bike and snap.power_w is not None:
        return Metric.POWER
    return Metric.HR


def metric_value(snap: Snapshot, metric: Metric) -> float | None:
    match metric:
        case Metric.HR:
            return None if snap.hr is None else float(snap.hr)
        case Metric.SPEED:
            return snap.smooth_speed_mps if snap.smooth_speed_mps is not None else snap.speed_mps
        case Metric.CADENCE:
            return snap.cadence
        case Metric.POWER:
            return None if snap.power_w is None else float(snap.power_w)
    raise AssertionError(metric)  # pragma: no cover


def metric_text(snap: Snapshot, metric: Metric, units: Units, *, bike: bool = False) -> str:
    """The big number: ``142``, ``5:12`` (pace), ``32.4`` (bike speed), ``--`` when unknown."""
    value = metric_value(snap, metric)
    if metric is Metric.SPEED:
        if bike:
            return speed(value, units)
        return format_speed_as_pace(value, units)
    return "--" if value is None else f"{value:.0f}"


def _secondary(snap: Snapshot, primary: Metric, units: Units, bike: bool) -> list[str]:
    """Up to two small readings that are not the primary one, most useful first."""
    out: list[str] = []
    if primary is not Metric.HR and snap.hr is not None:
        out.append(f"{snap.hr} bpm")
    if primary is not Metric.SPEED and snap.speed_mps is not None:
        if bike:
            out.append(f"{speed(snap.speed_mps, units)} {speed_unit(units)}")
        else:
            out.append(format_speed_as_pace(snap.speed_mps, units) + pace_unit(units))
    if primary is not Metric.CADENCE and snap.cadence is not None:
        out.append(f"{snap.cadence:.0f} {'rpm' if bike else 'spm'}")
    if primary is not Metric.POWER and snap.power_w is not None:
        out.append(f"{snap.power_w} W")
    return out[:2]


def _header(draw: ImageDraw.ImageDraw, snap: Snapshot, title: str | None = None) -> None:
    left = label_box(draw, 0, 0, f"{snap.step_number}/{snap.step_count}")
    icons_left = draw_status_icons(draw, WIDTH - 1, 1, snap.sensors, snap.battery_percent)
    name = snap.step_name if title is None else title
    text(draw, (left + 3, 9), fit(name, icons_left - left - 6, SMALL), SMALL)


def target_trend(snap: Snapshot) -> int:
    """+1 rising, -1 falling, 0 fixed: the engine's word, else the target's own."""
    if snap.target_trend:
        return snap.target_trend
    return 0 if snap.target is None else snap.target.trend


def _bar_scale(target: ResolvedTarget) -> tuple[float, float]:
    low = min(target.low, target.end_low if target.end_low is not None else target.low)
    high = max(target.high, target.end_high if target.end_high is not None else target.high)
    margin = max(target.high - target.low, BAR_MARGIN[target.metric])
    return low - margin, high + margin


def draw_ramp_marker(draw: ImageDraw.ImageDraw, x: int, baseline: int, trend: int) -> None:
    """A small filled triangle 5 px wide ending at ``x``: up for a rising ramp, down for a
    falling one."""
    top, bottom = baseline - 7, baseline - 2
    if trend > 0:
        draw.polygon([(x - 4, bottom), (x, bottom), (x - 2, top)], fill=ON)
    elif trend < 0:
        draw.polygon([(x - 4, top), (x, top), (x - 2, bottom)], fill=ON)


def zone_bar(
    draw: ImageDraw.ImageDraw,
    target: ResolvedTarget,
    value: float | None,
    band: tuple[float, float] | None = None,
) -> None:
    """Outline, the target band filled, a marker (a notch above, a line through) at ``value``.

    The bar spans the band plus a margin either side, so the band sits in the middle third
    (a ramp's whole course plus the margin: its band moves along the bar); a value off the
    scale pins the marker to the end with a second notch that says "further".
    """
    lo, hi = _bar_scale(target)
    band_low, band_high = band or (target.low, target.high)
    x0, x1 = 1, WIDTH - 2

    def x_of(v: float) -> int:
        return round(x0 + (v - lo) / (hi - lo) * (x1 - x0))

    draw.rectangle((0, BAR_TOP, WIDTH - 1, BAR_BOTTOM), outline=ON)
    draw.rectangle((x_of(band_low), BAR_TOP + 2, x_of(band_high), BAR_BOTTOM - 2), fill=ON)
    if value is None:
        return
    x = min(x1 - 2, max(x0 + 2, x_of(value)))
    # a white line with a black gap either side reads on the band and off it
    draw.rectangle((x - 1, BAR_TOP + 1, x + 1, BAR_BOTTOM - 1), fill=OFF)
    draw.line((x, BAR_TOP - 1, x, BAR_BOTTOM), fill=ON)
    draw.polygon([(x - 3, BAR_TOP - 4), (x + 3, BAR_TOP - 4), (x, BAR_TOP - 1)], fill=ON)
    if value < lo or value > hi:
        dx = 5 if value < lo else -5
        draw.polygon(
            [(x + dx - 2, BAR_TOP - 4), (x + dx + 2, BAR_TOP - 4), (x + dx, BAR_TOP - 2)],
            fill=ON,
        )


def _time_left(snap: Snapshot, units: Units) -> str:
    if snap.step_remaining_s is not None:
        return clock(snap.step_remaining_s)
    if snap.step_remaining_m is not None:
        return distance(snap.step_remaining_m, units)
    return elapsed(snap.step_elapsed_s)


def render_workout(snap: Snapshot, units: Units, *, bike: bool = False) -> Image.Image:
    """The main screen while a workout runs (see the module docstring for the layout)."""
    image, draw = canvas()
    _header(draw, snap)

    metric = primary_metric(snap, bike=bike)
    left = _time_left(snap, units)
    trend = target_trend(snap)
    rng = None if snap.target is None else target_range(snap.target, units, snap.band)
    mark = 6 if trend else 0
    col = min(COLUMN_MAX, max(text_width(left, MEDIUM), text_width(rng or "", SMALL) + mark))
    box_right = WIDTH - col - 3

    out = snap.status in (TargetStatus.OVER, TargetStatus.UNDER)
    ink = OFF if out else ON
    if out:
        draw.rectangle((0, BOX_TOP, box_right, BOX_BOTTOM), fill=ON)
    big = metric_text(snap, metric, units, bike=bike)
    show_trend = metric is Metric.HR and snap.hr is not None
    room = box_right - 2 - (11 if show_trend else 0)
    size = largest_size(big, room, (BIG, 30, LARGE))
    text(draw, (2, BOX_BOTTOM - 1), big, size, fill=ink)
    if show_trend:
        x = min(box_right - 9, 2 + text_width(big, size) + 2)
        _trend(draw, x, BOX_TOP + 9, snap, ink)

    text(draw, (WIDTH - 1, 27), left, largest_size(left, col, (MEDIUM, TITLE, SMALL)), anchor="rs")
    if snap.target is not None and rng is not None:
        size = largest_size(rng, col - mark, (SMALL, 9, 8))
        text(draw, (WIDTH - 1, 40), rng, size, anchor="rs")
        draw_ramp_marker(draw, WIDTH - 2 - text_width(rng, size), 40, trend)
        zone_bar(draw, snap.target, metric_value(snap, metric), snap.band)
    else:
        line = snap.note or (f"next: {snap.next_step_name}" if snap.next_step_name else "open")
        text(draw, (WIDTH - 1, 40), "open", SMALL, anchor="rs")
        text(draw, (0, BAR_BOTTOM - 1), fit(line, WIDTH, SMALL), SMALL)

    if snap.cue is not None:  # the turnover advice of the last alert, in a white band
        draw.rectangle((0, 55, WIDTH - 1, HEIGHT - 1), fill=ON)
        cue = CUE_TEXT.get(snap.cue, snap.cue)
        text(draw, (WIDTH // 2, 63), fit(cue, WIDTH - 4, SMALL), SMALL, anchor="ms", fill=OFF)
        return image
    small = _secondary(snap, metric, units, bike)
    if small:
        text(draw, (0, 63), small[0], SMALL)
    if len(small) > 1:
        text(draw, (WIDTH - 1, 63), small[1], SMALL, anchor="rs")
    return image


def _trend(draw: ImageDraw.ImageDraw, x: int, y: int, snap: Snapshot, ink: int) -> None:
    if ink == ON:
        draw_trend(draw, x, y, snap.hr_trend)
        return
    # on the white box: draw the arrow into a scratch image and paste it inverted
    scratch = Image.new("1", (9, 12), OFF)
    sd = ImageDraw.Draw(scratch)
    draw_trend(sd, 0, 0, snap.hr_trend)
    draw.bitmap((x, y), scratch, fill=OFF)


def render_totals(snap: Snapshot, units: Units) -> Image.Image:
    """The second page (next-screen button): the run so far and what comes next."""
    image, draw = canvas()
    _header(draw, snap, "Totals")
    rows = [
        ("time", elapsed(snap.t)),
        ("dist", distance(snap.distance_m, units)),
        ("left", clock(snap.total_remaining_s)),
    ]
    for i, (label, value) in enumerate(rows):
        y = 25 + i * 13
        text(draw, (0, y), label, SMALL)
        text(draw, (WIDTH - 1, y), value, TITLE, anchor="rs")
    nxt = "last step" if snap.next_step_name is None else f"next: {snap.next_step_name}"
    text(draw, (0, 63), fit(nxt, WIDTH, SMALL), SMALL)
    return image


def _duration_of(snap: Snapshot, units: Units) -> str:
    if snap.strength is not None:
        sets = snap.strength.sets
        return f"{sets} set{'s' if sets != 1 else ''}"
    if snap.step_remaining_s is not None:
        return clock(snap.step_remaining_s)
    if snap.step_remaining_m is not None:
        return distance(snap.step_remaining_m, units)
    return "lap"


def render_step_change(snap: Snapshot, units: Units, *, bike: bool = False) -> Image.Image:
    """Shown for a few seconds when a step starts: its name, target, length and note."""
    image, draw = canvas()
    draw.rectangle((0, 0, WIDTH - 1, 11), fill=ON)
    text(draw, (2, 10), f"STEP {snap.step_number}/{snap.step_count}", SMALL, fill=OFF)
    text(draw, (WIDTH - 3, 10), _duration_of(snap, units), SMALL, anchor="rs", fill=OFF)

    name = snap.step_name
    size = largest_size(name, WIDTH - 4, (18, MEDIUM, TITLE))
    text(draw, (WIDTH // 2, 30), fit(name, WIDTH - 2, size), size, anchor="ms")
    if snap.strength is not None:
        goal = snap.strength.reps
    elif snap.target is not None:
        goal = f"{target_range(snap.target, units)} {target_unit(snap.target, units, bike=bike)}"
        if snap.target.is_ramp:  # where the ramp starts and ends
            end = replace(snap.target, low=snap.target.end_low or 0, high=snap.target.end_high or 0)
            goal = f"{target_range(snap.target, units)} to {target_range(end, units)}"
            goal += f" {target_unit(snap.target, units, bike=bike)}"
    else:
        goal = "open effort"
    gsize = largest_size(goal, WIDTH - 2, (TITLE, SMALL))
    text(draw, (WIDTH // 2, 44), goal, gsize, anchor="ms")
    below = snap.note or (snap.strength.load if snap.strength is not None else None)
    if below:
        for i, line in enumerate(wrap(below, WIDTH - 2, SMALL, 2)):
            text(draw, (WIDTH // 2, 54 + i * 9), line, SMALL, anchor="ms")
    return image


def render_strength(snap: Snapshot, units: Units) -> Image.Image:
    """A strength step: exercise, set k/N, reps and load; during rest a big countdown."""
    s = snap.strength
    if s is None:
        raise ValueError("render_strength needs a snapshot with a strength view")
    image, draw = canvas()
    if s.resting:
        _header(draw, snap, "Rest")
        rest = clock(s.rest_remaining_s)
        text(draw, (WIDTH // 2, 47), rest, largest_size(rest, WIDTH, (BIG, LARGE)), anchor="ms")
        nxt = (
            f"set {s.set_index}/{s.sets} done, next {s.set_index + 1}/{s.sets}"
            if s.set_index < s.sets
            else f"next: {snap.next_step_name or 'done'}"
        )
        text(draw, (WIDTH // 2, 63), fit(nxt, WIDTH, SMALL), SMALL, anchor="ms")
        return image

    _header(draw, snap, f"Set {s.set_index}/{s.sets}")
    if text_width(s.exercise, MEDIUM) <= WIDTH:
        text(draw, (0, 29), s.exercise, MEDIUM)
    else:
        for i, line in enumerate(wrap(s.exercise, WIDTH, TITLE, 2)):
            text(draw, (0, 24 + i * 13), line, TITLE)
    reps = s.reps
    text(draw, (0, 52), fit(reps, WIDTH, MEDIUM), largest_size(reps, WIDTH, (MEDIUM, TITLE)))
    bottom = s.load if s.load else "press when done"
    text(draw, (0, 63), fit(bottom, WIDTH, SMALL), SMALL)
    return image


def render_paused(snap: Snapshot, units: Units) -> Image.Image:
    """Paused: the clock stopped at the workout time, where in the workout, how to go on."""
    image, draw = canvas()
    draw.rectangle((0, 0, WIDTH - 1, 14), fill=ON)
    label = "PAUSED"
    w = text_width(label, TITLE) + 11
    x = (WIDTH - w) // 2 - 2
    draw_pause(draw, x, 3, 9, fill=OFF)
    text(draw, (x + 13, 12), label, TITLE, fill=OFF)

    t = elapsed(snap.t)
    text(draw, (WIDTH // 2, 40), t, largest_size(t, WIDTH, (LARGE, MEDIUM)), anchor="ms")
    where = f"step {snap.step_number}/{snap.step_count}"
    if snap.step_remaining_s is not None:
        where += f" · {clock(snap.step_remaining_s)} left"
    elif snap.step_remaining_m is not None:
        where += f" · {distance(snap.step_remaining_m, units)} left"
    text(draw, (WIDTH // 2, 52), fit(where, WIDTH, SMALL), SMALL, anchor="ms")
    text(draw, (WIDTH // 2, 63), "A: resume · hold A: stop", SMALL, anchor="ms")
    return image


#: lines of cue text on one page of the banner, and seconds a page stays
CUE_LINES = 4
CUE_PAGE_S = 4.0


def cue_pages(message: str) -> list[list[str]]:
    """The cue text wrapped to the screen width, in pages of :data:`CUE_LINES` lines."""
    lines = wrap_all(message, WIDTH - 4, SMALL) or [""]
    return [lines[i : i + CUE_LINES] for i in range(0, len(lines), CUE_LINES)]


def render_cue(snap: Snapshot, message: str, page: int = 0) -> Image.Image:
    """A timed cue's banner: the step in the header, the text in white on black below it,
    wrapped and paged (``page`` of :func:`cue_pages`), with "k/n" when it takes pages."""
    image, draw = canvas()
    pages = cue_pages(message)
    page = min(max(page, 0), len(pages) - 1)
    _header(
        draw, snap, f"{snap.step_name}" + (f"  {page + 1}/{len(pages)}" if len(pages) > 1 else "")
    )
    draw.rectangle((0, 12, WIDTH - 1, HEIGHT - 1), fill=ON)
    for i, line in enumerate(pages[page]):
        text(draw, (WIDTH // 2, 24 + i * 12), line, SMALL, anchor="ms", fill=OFF)
    return image
