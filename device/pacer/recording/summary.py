"""Per-step and whole-activity figures (pure): what the report prints, what the FIT and TCX
laps and session carry, and the compliance ``pacer replay`` shows.

Every average is weighted by the timer seconds each record stands for
(:func:`pacer.recording.model.record_seconds`), so sparse "smart recording" files and 1 Hz
pacer recordings give the same answer for the same run.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    Lap,
    Record,
    by_lap,
    metric_value,
    record_seconds,
    status_of,
)


@dataclass(frozen=True, slots=True)
class Stat:
    """A weighted average with its maximum; None when there was no value at all."""

    avg: float | None = None
    max: float | None = None
    min: float | None = None


_NO_STAT = Stat()


def _stat(values: Sequence[float | None], weights: Sequence[float]) -> Stat:
    """``values`` weighted by ``weights``; the Nones left out."""
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None]
    if not pairs:
        return _NO_STAT
    weight = sum(w for _, w in pairs)
    avg = (
        sum(v * w for v, w in pairs) / weight
        if weight > 0
        else sum(v for v, _ in pairs) / len(pairs)
    )
    return Stat(avg, max(v for v, _ in pairs), min(v for v, _ in pairs))


@dataclass(frozen=True, slots=True)
class Summary:
    """Figures of one lap (``lap`` set) or of the whole activity (``lap`` None)."""

    lap: Lap | None
    #: timer seconds (pauses excluded) and wall seconds
    seconds: float
    elapsed: float
    distance_m: float | None
    in_s: float
    over_s: float
    under_s: float
    #: seconds with no target or no value for it
    none_s: float
    hr: Stat
    speed: Stat
    cadence: Stat
    power: Stat
    alerts_over: int
    alerts_under: int
    alerts_predicted: int

    @property
    def alerts(self) -> int:
        return self.alerts_over + self.alerts_under + self.alerts_predicted

    @property
    def judged_s(self) -> float:
        return self.in_s + self.over_s + self.under_s

    def share(self, seconds: float) -> float | None:
        """Fraction of the judged time (time with a target and a value), None without any."""
        return None if self.judged_s <= 0 else seconds / self.judged_s


def _status(record: Record, lap: Lap | None) -> TargetStatus:
    """The recorded status, or (for foreign files) the record against its lap's target."""
    if record.status is not TargetStatus.NONE:
        return record.status
    if lap is None or lap.target is None:
        return TargetStatus.NONE
    span = lap.end - lap.start
    done = (record.t - lap.start) / span if span > 0 else 0.0  # where a ramp's band is
    return status_of(metric_value(record, lap.target.metric), lap.target, done)


_STATUSES = tuple(TargetStatus)
_ALERTS = (EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER)


def summarize(
    activity: Activity,
    lap: Lap | None,
    records: Sequence[Record],
    *,
    events: Sequence[ActivityEvent] | None = None,
    distance_before: float | None = None,
) -> Summary:
    """The figures of ``records``: one lap's (``lap`` set; ``events`` its events, default
    :meth:`~pacer.recording.model.Activity.lap_events`; ``distance_before`` the distance of
    the last record before them, default looked up) or the whole activity's (``lap`` None)."""
    weights = record_seconds(records)
    times = dict.fromkeys(_STATUSES, 0.0)
    if lap is not None:
        for r, w in zip(records, weights, strict=True):
            times[_status(r, lap)] += w
    else:
        laps = activity.laps_at([r.t for r in records])
        for r, w, here in zip(records, weights, laps, strict=True):
            times[_status(r, here)] += w
    if lap is None:
        events = list(activity.events)
        elapsed = activity.duration
    else:
        events = activity.lap_events(lap) if events is None else events
        elapsed = lap.end - lap.start
    alerts: dict[str, int] = dict.fromkeys(_ALERTS, 0)
    for e in events:
        if e.type in alerts:
            alerts[e.type] += 1
    distances = [r.distance for r in records if r.distance is not None]
    distance = None
    if distances:
        # a lap's distance is what it added: from the end of the previous lap's records
        if lap is not None and distance_before is None and records:
            distance_before = _distances_before(activity.records, [records[0].t])[0]
        distance = max(distances) - (distance_before or 0.0)
    return Summary(
        lap=lap,
        seconds=sum(weights),
        elapsed=elapsed,
        distance_m=distance,
        in_s=times[TargetStatus.IN],
        over_s=times[TargetStatus.OVER],
        under_s=times[TargetStatus.UNDER],
        none_s=times[TargetStatus.NONE],
        hr=_stat([None if r.hr is None else float(r.hr) for r in records], weights),
        speed=_stat([r.speed for r in records], weights),
        cadence=_stat([r.cadence if r.cadence else None for r in records], weights),
        power=_stat([None if r.power is None else float(r.power) for r in records], weights),
        alerts_over=alerts[EventType.ALERT_OVER],
        alerts_under=alerts[EventType.ALERT_UNDER],
        alerts_predicted=alerts[EventType.ALERT_PREDICTED_OVER],
    )


def _distances_before(records: Sequence[Record], times: Sequence[float]) -> list[float | None]:
    """For each of ``times``, the distance of the last record (in time) before it that has
    one: one sort and a binary search each."""
    known = sorted((r.t, r.distance) for r in records if r.distance is not None)
    at = [t for t, _d in known]
    out: list[float | None] = []
    for t in times:
        k = bisect_left(at, t)
        out.append(known[k - 1][1] if k > 0 else None)
    return out


def lap_summaries(activity: Activity, count: int | None = None) -> list[Summary]:
    """One summary per lap (of the first ``count`` laps, all when None); records and
    events matched to laps in one pass, so a file of a million laps is summarised in
    seconds, in memory proportional to the file."""
    return list(iter_lap_summaries(activity, count))


def iter_lap_summaries(activity: Activity, count: int | None = None) -> Iterator[Summary]:
    """:func:`lap_summaries` one at a time, in lap order: a writer that needs each lap's
    figures once (the FIT file's lap messages) keeps one summary in memory, not a million."""
    laps = activity.laps
    records: Sequence[Record] = activity.records
    events: Sequence[ActivityEvent] = activity.events
    if count is not None and count < len(laps):
        # a record belongs to the first lap containing it, so matching against the first
        # laps only gives them what matching against all of them would (and what none of
        # them reaches need not be matched)
        laps = laps[: max(0, count)]
        end = max((lap.end for lap in laps), default=-math.inf)
        records = [r for r in records if r.t < end]
        events = [e for e in events if e.t < end]
    by_records = by_lap([r.t for r in records], records, laps)
    by_events = by_lap([e.t for e in events], events, laps)
    starts = [rs[0].t if rs else lap.start for lap, rs in zip(laps, by_records, strict=True)]
    before = _distances_before(activity.records, starts)
    del starts
    for k, lap in enumerate(laps):
        rs, es = by_records[k], by_events[k]
        by_records[k] = []  # let each lap's lists go once summarised
        by_events[k] = []
        yield summarize(activity, lap, rs, events=es, distance_before=before[k])


def activity_summary(activity: Activity) -> Summary:
    return summarize(activity, None, activity.records)


__all__ = [
    "Stat",
    "Summary",
    "activity_summary",
    "iter_lap_summaries",
    "lap_summaries",
    "summarize",
]
