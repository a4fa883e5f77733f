"""The post-run report: a per-step table (pure text) and a figure (matplotlib, Agg).

The table gives, for each step: its target, how long it lasted, the share of the time in,
over and under the target, average and maximum heart rate, pace, cadence, power and the
alerts pacer gave. The figure shows heart rate over time, coloured by in/over/under, on each
step's target band; alerts are marked where they fired; pace and cadence are below on the
same time axis. matplotlib is imported only when a figure is drawn, through its
object-oriented API (no pyplot state).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pacer.core.terminal import escaped
from pacer.core.textable import table
from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import Activity, Lap, Record, pause_intervals
from pacer.recording.summary import Summary, activity_summary, lap_summaries
from pacer.workout.model import Intensity, Sport
from pacer.workout.profile import Units
from pacer.workout.resolve import Metric, format_speed_as_pace, pace_of, pace_unit_label
from pacer.workout.syntax import format_clock

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

# --- the table ---------------------------------------------------------------------------


def _pct(s: Summary, seconds: float) -> str:
    share = s.share(seconds)
    return "-" if share is None else f"{round(100 * share)}%"


def _int(x: float | None) -> str:
    return "-" if x is None else str(round(x))


def _distance(meters: float | None, units: Units) -> str:
    if meters is None:
        return "-"
    if units is Units.IMPERIAL:
        return f"{meters / 1609.344:.2f} mi"
    return f"{meters / 1000:.2f} km"


HEADERS = (
    "#",
    "Step",
    "Target",
    "Time",
    "In",
    "Over",
    "Under",
    "Avg HR",
    "Max HR",
    "Pace",
    "Cad",
    "Power",
    "Alerts",
)
#: columns aligned right (the numbers)
RIGHT = (0, *range(3, len(HEADERS)))


def step_rows(
    activity: Activity, limit: int | None = None, total: Summary | None = None
) -> list[tuple[str, ...]]:
    """One row per step (the first ``limit`` of them, all when None; then a row saying
    how many more), then a total row (``total``, default the activity's summary); cells as
    printed. Only the steps listed are summarised."""
    rows = []
    laps = activity.laps if limit is None else activity.laps[:limit]
    for lap, s in zip(laps, lap_summaries(activity, len(laps)), strict=True):
        rows.append(_row(activity, str(lap.step + 1), lap.name, _target_label(lap), s))
    hidden = len(activity.laps) - len(laps)
    if hidden:
        more = f"… {hidden:,} more step{'s' if hidden != 1 else ''}"
        rows.append(("", more, *[""] * (len(HEADERS) - 2)))
    total = activity_summary(activity) if total is None else total
    rows.append(_row(activity, "", "Total", "", total))
    return rows


def _target_label(lap: Lap) -> str:
    if lap.target is None:
        return "open" if lap.intensity is Intensity.ACTIVE else "-"
    label = lap.target.label
    # "Z2 high 142-148 bpm" is long: keep the numbers, they are what the athlete ran
    return label


def _row(activity: Activity, number: str, name: str, target: str, s: Summary) -> tuple[str, ...]:
    pace = (
        "-"
        if s.speed.avg is None or activity.sport is not Sport.RUN
        else format_speed_as_pace(s.speed.avg, activity.units)
    )
    if activity.sport is Sport.BIKE and s.speed.avg is not None:
        pace = f"{s.speed.avg * 3.6:.1f} km/h"
    alerts = "-"
    if s.alerts:
        parts = []
        if s.alerts_over:
            parts.append(f"{s.alerts_over}▲")
        if s.alerts_under:
            parts.append(f"{s.alerts_under}▼")
        if s.alerts_predicted:
            parts.append(f"{s.alerts_predicted}△")
        alerts = " ".join(parts)
    return (
        number,
        name,
        target,
        format_clock(s.seconds),
        _pct(s, s.in_s),
        _pct(s, s.over_s),
        _pct(s, s.under_s),
        _int(s.hr.avg),
        _int(s.hr.max),
        pace,
        _int(s.cadence.avg),
        _int(s.power.avg),
        alerts,
    )


def title(activity: Activity) -> str:
    when = datetime.fromtimestamp(activity.start, UTC).strftime("%Y-%m-%d %H:%M UTC")
    name = activity.workout or f"{activity.sport.value} activity"
    return escaped(f"{name}, {when}")  # a foreign file's workout name


def report_text(activity: Activity, *, steps: int | None = None) -> str:
    """The title, the totals and the step table (the first ``steps`` steps, all when
    None)."""
    total = activity_summary(activity)
    lines = [
        title(activity),
        f"time {format_clock(total.seconds)} (elapsed {format_clock(activity.duration)}), "
        f"distance {_distance(activity.distance, activity.units)}, "
        f"avg HR {_int(total.hr.avg)}, max HR {_int(total.hr.max)}"
        + ("" if activity.ended else "  [interrupted: not stopped by the athlete]"),
        "",
        table(HEADERS, step_rows(activity, steps, total), right=RIGHT),
        "",
        "In/Over/Under: share of the step's time with data against its target. "
        "Alerts: ▲ over, ▼ under, △ predicted over.",
    ]
    if steps is not None and len(activity.laps) > steps:
        lines.append(
            f"Listed: the first {steps:,} of {len(activity.laps):,} steps "
            "(--steps 0 lists them all)."
        )
    if activity.device != "pacer":
        lines.insert(1, f"recorded by {escaped(activity.device)}")
    return "\n".join(lines)


# --- the figure ----------------------------------------------------------------------------

INTENSITY_COLOURS = {
    Intensity.WARMUP: "#9ecae1",
    Intensity.ACTIVE: "#fdae6b",
    Intensity.REST: "#c7e9c0",
    Intensity.RECOVERY: "#c7e9c0",
    Intensity.COOLDOWN: "#9ecae1",
}
STATUS_COLOURS = {
    TargetStatus.IN: "#2ca02c",
    TargetStatus.OVER: "#d62728",
    TargetStatus.UNDER: "#1f77b4",
    TargetStatus.NONE: "#444444",
}


def _smooth(values: list[float | None], window: int) -> list[float | None]:
    """A centred moving average that skips holes (None stays None)."""
    out: list[float | None] = []
    half = window // 2
    for i, v in enumerate(values):
        if v is None:
            out.append(None)
            continue
        near = [x for x in values[max(0, i - half) : i + half + 1] if x is not None]
        out.append(sum(near) / len(near))
    return out


def _series(
    records: Sequence[Record], values: Sequence[float | None], max_gap_s: float = 15.0
) -> tuple[list[float], list[float]]:
    """Minutes and values for a line that breaks at holes and pauses (NaN breaks a line)."""
    nan = float("nan")
    xs: list[float] = []
    ys: list[float] = []
    previous: Record | None = None
    for r, v in zip(records, values, strict=True):
        if previous is not None and r.t - previous.t > max_gap_s:
            xs.append(nan)
            ys.append(nan)
        xs.append(r.t / 60)
        ys.append(nan if v is None else v)
        previous = r
    return xs, ys


def _robust_ylim(ax: Axes, values: list[float], *, margin: float, invert: bool = False) -> None:
    """Fit the axis to the 1st..99th percentile, so a standing start does not squash it."""
    if not values:
        return
    ordered = sorted(values)
    lo = ordered[int((len(ordered) - 1) * 0.01)]
    hi = ordered[int((len(ordered) - 1) * 0.99)]
    if invert:
        ax.set_ylim(hi + margin, lo - margin)
    else:
        ax.set_ylim(lo - margin, hi + margin)


#: Laps named on the figure (each with its share in target): past this they would overlap
#: into a smear, so a watch's thousand auto-laps draw without names ...
LABELLED_LAPS = 60
#: ... and past this without separators either (they would grey the whole plot).
SEPARATED_LAPS = 500


def _nearest(records: Sequence[Record], times: Sequence[float], t: float) -> Record | None:
    """The record nearest in time to ``t`` (``times``: the records' ``t``, ascending)."""
    k = bisect_left(times, t)
    near = [records[i] for i in (k - 1, k) if 0 <= i < len(records)]
    return min(near, key=lambda r: abs(r.t - t), default=None)


def _band(ax: Axes, activity: Activity, metric: Metric, convert: Any = None) -> None:
    """Each lap's target band for ``metric``, shaded in the step's colour; a ramp's band
    slopes from where it starts to where it ends (one collection for all laps: a file of many
    laps draws as fast as a file of few)."""
    from matplotlib.collections import LineCollection, PolyCollection

    shapes, colours, edges = [], [], []
    for lap in activity.laps:
        target = lap.target
        if target is None or target.metric is not metric:
            continue
        start, end = target.bounds_at(0.0), target.bounds_at(1.0)
        if convert is not None:
            start = tuple(sorted((convert(start[0]), convert(start[1]))))
            end = tuple(sorted((convert(end[0]), convert(end[1]))))
        x0, x1 = lap.start / 60, lap.end / 60
        shapes.append([(x0, start[0]), (x1, end[0]), (x1, end[1]), (x0, start[1])])
        colours.append(INTENSITY_COLOURS[lap.intensity])
        edges += [[(x0, start[0]), (x1, end[0])], [(x0, start[1]), (x1, end[1])]]
    if not shapes:
        return
    ax.add_collection(
        PolyCollection(shapes, facecolors=colours, alpha=0.45, linewidths=0, zorder=1)
    )
    ax.add_collection(LineCollection(edges, colors="#e6550d", linewidths=0.8, alpha=0.8, zorder=2))
    ax.autoscale_view()


def draw_figure(activity: Activity, *, width: float = 11.0, height: float = 7.5) -> Any:
    """The report figure (a matplotlib ``Figure`` on an Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    run = activity.sport is Sport.RUN
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3, 1.3]})
    ax_hr, ax_pace, ax_cad = axes
    fig.suptitle(title(activity), fontsize=13, fontweight="bold")
    end = activity.duration / 60

    # step backgrounds, separators and names
    starts = (
        [lap.start / 60 for lap in activity.laps] if len(activity.laps) <= SEPARATED_LAPS else []
    )
    for ax in axes:
        if starts:
            ax.vlines(
                starts,
                0,
                1,
                transform=ax.get_xaxis_transform(),
                color="#bbbbbb",
                linewidth=0.8,
                zorder=0,
            )
        for a, b in pause_intervals(activity.events):
            ax.axvspan(a / 60, min(b / 60, end), color="#eeeeee", zorder=0, linewidth=0)
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    # heart rate, coloured by where it stands against the target
    _band(ax_hr, activity, Metric.HR)
    segments = []
    colours = []
    records = activity.records
    for ra, rb in itertools.pairwise(records):
        if ra.hr is None or rb.hr is None or rb.t - ra.t > 15:
            continue
        segments.append([(ra.t / 60, ra.hr), (rb.t / 60, rb.hr)])
        colours.append(STATUS_COLOURS[ra.status])
    width_hr = 1.6 if activity.duration < 30 * 60 else 1.0
    ax_hr.add_collection(LineCollection(segments, colors=colours, linewidths=width_hr, zorder=3))
    hrs = [r.hr for r in records if r.hr is not None]
    bands = [
        v
        for lap in activity.laps
        if lap.target is not None and lap.target.metric is Metric.HR
        for f in (0.0, 1.0)
        for v in lap.target.bounds_at(f)
    ]
    if hrs or bands:
        lo, hi = min(hrs + bands), max(hrs + bands)
        ax_hr.set_ylim(lo - 8, hi + 14)
    ax_hr.set_ylabel("heart rate (bpm)")
    top = ax_hr.get_ylim()[1]
    labelled = activity.laps if len(activity.laps) <= LABELLED_LAPS else ()
    for lap, s in zip(labelled, lap_summaries(activity) if labelled else (), strict=True):
        mid = (lap.start + lap.end) / 120
        label = lap.name if len(lap.name) <= 18 else lap.name[:17] + "…"
        share = s.share(s.in_s)
        if share is not None:
            label += f"\n{round(100 * share)}% in"
        ax_hr.text(mid, top, label, ha="center", va="top", fontsize=8.5, color="#333333")

    # alerts where they fired, on the HR line (or at the top for other metrics)
    times = [r.t for r in records]
    for e in activity.events:
        if e.type not in (
            EventType.ALERT_OVER,
            EventType.ALERT_UNDER,
            EventType.ALERT_PREDICTED_OVER,
        ):
            continue
        near = _nearest(records, times, e.t)
        y = near.hr if near is not None and near.hr is not None else top - 10
        marker, colour = {
            EventType.ALERT_OVER: ("v", STATUS_COLOURS[TargetStatus.OVER]),
            EventType.ALERT_UNDER: ("^", STATUS_COLOURS[TargetStatus.UNDER]),
            EventType.ALERT_PREDICTED_OVER: ("v", "#ff9896"),
        }[EventType(e.type)]
        offset = 4 if e.type != EventType.ALERT_UNDER else -4
        ax_hr.plot(
            e.t / 60,
            y + offset,
            marker=marker,
            color=colour,
            markersize=7,
            markeredgecolor="white",
            markeredgewidth=0.6,
            zorder=4,
        )
    handles: list[Any] = []
    if any(lap.target is not None for lap in activity.laps):
        handles += [
            Line2D([], [], color=STATUS_COLOURS[TargetStatus.IN], lw=2, label="in target"),
            Line2D([], [], color=STATUS_COLOURS[TargetStatus.OVER], lw=2, label="over"),
            Line2D([], [], color=STATUS_COLOURS[TargetStatus.UNDER], lw=2, label="under"),
            Patch(color=INTENSITY_COLOURS[Intensity.ACTIVE], alpha=0.45, label="target band"),
        ]
    kinds = {e.type for e in activity.events}
    if EventType.ALERT_OVER in kinds:
        over = STATUS_COLOURS[TargetStatus.OVER]
        handles.append(Line2D([], [], marker="v", ls="", color=over, label="alert: slow down"))
    if EventType.ALERT_PREDICTED_OVER in kinds:
        handles.append(
            Line2D([], [], marker="v", ls="", color="#ff9896", label="alert: about to go over")
        )
    if EventType.ALERT_UNDER in kinds:
        under = STATUS_COLOURS[TargetStatus.UNDER]
        handles.append(Line2D([], [], marker="^", ls="", color=under, label="alert: speed up"))
    if pause_intervals(activity.events):
        handles.append(Patch(color="#eeeeee", label="paused"))
    if handles:
        ax_hr.legend(handles=handles, loc="lower right", fontsize=8, ncols=4, frameon=False)

    # pace (or speed on a bike): smoothed over 15 s, faster up
    speeds = _smooth([r.speed for r in records], 15)
    if run:
        per = 1609.344 if activity.units is Units.IMPERIAL else 1000.0

        def to_pace(v: float) -> float:
            return per / v / 60

        paces = [
            None
            if v is None or pace_of(v, activity.units) is None or to_pace(v) > 20
            else to_pace(v)
            for v in speeds
        ]
        _band(ax_pace, activity, Metric.SPEED, convert=to_pace)
        ax_pace.plot(*_series(records, paces), color="#6a51a3", linewidth=1.3, zorder=3)
        _robust_ylim(ax_pace, [p for p in paces if p is not None], margin=0.3, invert=True)
        ax_pace.yaxis.set_major_formatter(
            lambda v, _pos: f"{round(v * 60) // 60}:{round(v * 60) % 60:02d}"
        )
        ax_pace.set_ylabel(f"pace (min{pace_unit_label(activity.units)})")
    else:
        _band(ax_pace, activity, Metric.SPEED, convert=lambda v: v * 3.6)
        kmh = [None if v is None else v * 3.6 for v in speeds]
        ax_pace.plot(*_series(records, kmh), color="#6a51a3", linewidth=1.3, zorder=3)
        ax_pace.set_ylabel("speed (km/h)")

    # cadence (and power, when there is some)
    _band(ax_cad, activity, Metric.CADENCE)
    cad = _smooth([r.cadence if r.cadence else None for r in records], 5)
    ax_cad.plot(*_series(records, cad), color="#8c6d31", linewidth=1.2, zorder=3)
    _robust_ylim(ax_cad, [c for c in cad if c is not None], margin=4.0)
    ax_cad.set_ylabel("cadence (spm)" if run else "cadence (rpm)")
    if any(r.power is not None for r in records):
        ax_pow = ax_cad.twinx()
        _band(ax_pow, activity, Metric.POWER)
        power = _smooth([None if r.power is None else float(r.power) for r in records], 5)
        ax_pow.plot(*_series(records, power), color="#e377c2", linewidth=1.0, alpha=0.8)
        ax_pow.set_ylabel("power (W)", color="#e377c2")
        ax_pow.spines["top"].set_visible(False)
    ax_cad.set_xlabel("time (minutes)")
    ax_cad.set_xlim(0, max(end, 1 / 60))
    return fig


def render_png(activity: Activity, path: Path | None = None) -> bytes:
    """The figure as PNG bytes, also written to ``path`` when given."""
    import io

    fig = draw_figure(activity)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


__all__ = ["HEADERS", "draw_figure", "render_png", "report_text", "step_rows"]
