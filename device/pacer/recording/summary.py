"""Per-step and whole-activity figures (pure): what the report prints, what the FIT and TCX
laps and session carry, and the compliance ``pacer replay`` shows.

Every average is weighted by the timer seconds each record stands for
(:func:`pacer.recording.model.record_seconds`), so sparse "smart recording" files and 1 Hz
pacer recordings give the same answer for the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pacer.engine.events import EventType
from pacer.engine.snapshot import TargetStatus
from pacer.recording.model import Activity, Lap, Record, metric_value, record_seconds, status_of


@dataclass(frozen=True, slots=True)
class Stat:
    """A weighted average with its maximum; None when there was no value at all."""

    avg: float | None = None
    max: float | None = None
    min: float | None = None


def _stat(values: Sequence[tuple[float | None, float]]) -> Stat:
    pairs = [(v, w) for v, w in values if v is not None]
    if not pairs:
        return Stat()
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


def summarize(activity: Activity, lap: Lap | None, records: Sequence[Record]) -> Summary:
    weights = record_seconds(records)
    times = {status: 0.0 for status in TargetStatus}
    for r, w in zip(records, weights, strict=True):
        times[_status(r, lap if lap is not None else activity.lap_at(r.t))] += w
    if lap is None:
        events = list(activity.events)
        elapsed = activity.duration
    else:
        events = activity.lap_events(lap)
        elapsed = lap.end - lap.start
    distances = [r.distance for r in records if r.distance is not None]
    distance = None
    if distances:
        # a lap's distance is what it added: from the end of the previous lap's records
        before = [
            r.distance
            for r in activity.records
            if r.distance is not None and records and r.t < records[0].t
        ]
        distance = max(distances) - (before[-1] if before else 0.0)
    return Summary(
        lap=lap,
        seconds=sum(weights),
        elapsed=elapsed,
        distance_m=distance,
        in_s=times[TargetStatus.IN],
        over_s=times[TargetStatus.OVER],
        under_s=times[TargetStatus.UNDER],
        none_s=times[TargetStatus.NONE],
        hr=_stat(
            [
                (None if r.hr is None else float(r.hr), w)
                for r, w in zip(records, weights, strict=True)
            ]
        ),
        speed=_stat([(r.speed, w) for r, w in zip(records, weights, strict=True)]),
        cadence=_stat(
            [(r.cadence if r.cadence else None, w) for r, w in zip(records, weights, strict=True)]
        ),
        power=_stat(
            [
                (None if r.power is None else float(r.power), w)
                for r, w in zip(records, weights, strict=True)
            ]
        ),
        alerts_over=sum(1 for e in events if e.type == EventType.ALERT_OVER),
        alerts_under=sum(1 for e in events if e.type == EventType.ALERT_UNDER),
        alerts_predicted=sum(1 for e in events if e.type == EventType.ALERT_PREDICTED_OVER),
    )


def lap_summaries(activity: Activity) -> list[Summary]:
    return [summarize(activity, lap, activity.lap_records(lap)) for lap in activity.laps]


def activity_summary(activity: Activity) -> Summary:
    return summarize(activity, None, activity.records)


__all__ = ["Stat", "Summary", "activity_summary", "lap_summaries", "summarize"]
