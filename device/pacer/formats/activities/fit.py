"""A FIT activity file from an :class:`~pacer.recording.model.Activity`.

Written with Garmin's official FIT Python SDK (``garmin-fit-sdk``), whose ``Encoder`` exists
since release 21.200: it is the reference implementation of the FIT profile, released with
every profile update, and its ``Decoder`` (with CRC and integrity checks) is what the tests
read our files back with. The bytes are the ``Encoder``'s, written by
:class:`~pacer.formats.activities.fitencoder.FitWriter` from the SDK's profile at a cost per
message that does not grow with the file (the ``Encoder`` took two minutes for a million
laps). fit-tool also writes FIT, but it is a third-party re-implementation
that follows the profile with a delay; one library for both directions keeps the field
names, scales and enums identical on the way out and back in.

What the file holds (the FIT "activity file" layout, in time order):

* ``file_id`` (type activity, manufacturer development, product name "pacer"),
  ``device_info`` for the creator;
* ``event`` timer start / stop_all around every pause and at the end;
* one ``record`` a second (heart rate, cadence, speed, distance, power), each followed by
  ``hrv`` messages carrying its RR intervals (up to five per message);
* alerts as ``event`` markers: ``hr_high_alert``/``hr_low_alert``, ``speed_high_alert``/
  ``speed_low_alert``, ``cad_high_alert``/``cad_low_alert``,
  ``power_high_alert``/``power_low_alert`` (the metric is the step's target metric; data is
  the target's bound in FIT units). Predicted-over warnings are not alerts in FIT's sense
  and stay out;
* one ``lap`` per workout step with ``wkt_step_index`` and ``intensity``;
* ``session`` and ``activity``.

Running cadence follows FIT's convention: ``cadence`` is strides (one foot) per minute, the
half of pacer's steps per minute, and ``fractional_cadence`` keeps the half stride.
"""

from __future__ import annotations

import heapq
import itertools
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from pacer import __version__
from pacer.engine.events import EventType
from pacer.recording.model import Activity, PauseClock, Record
from pacer.recording.summary import Stat, Summary, activity_summary, iter_lap_summaries
from pacer.workout.model import Intensity, Sport
from pacer.workout.resolve import Metric

#: FIT timestamps count seconds from 1989-12-31T00:00:00Z ...
FIT_EPOCH_UNIX = 631065600
#: ... and one under this is no date but FIT's relative "system time" (seconds from a
#: device's power-on, the FIT profile's ``date_time``): what an undated activity (a CSV with
#: relative times only, which starts at the Unix epoch) is written as and read back to.
FIT_MIN_DATE = 0x10000000

FIT_SPORT = {
    Sport.RUN: ("running", "generic"),
    Sport.BIKE: ("cycling", "generic"),
    Sport.STRENGTH: ("training", "strength_training"),
}

FIT_INTENSITY = {
    Intensity.WARMUP: "warmup",
    Intensity.ACTIVE: "active",
    Intensity.REST: "rest",
    Intensity.RECOVERY: "recovery",
    Intensity.COOLDOWN: "cooldown",
}

#: (metric, over?) -> the FIT event
FIT_ALERTS = {
    (Metric.HR, True): "hr_high_alert",
    (Metric.HR, False): "hr_low_alert",
    (Metric.SPEED, True): "speed_high_alert",
    (Metric.SPEED, False): "speed_low_alert",
    (Metric.CADENCE, True): "cad_high_alert",
    (Metric.CADENCE, False): "cad_low_alert",
    (Metric.POWER, True): "power_high_alert",
    (Metric.POWER, False): "power_low_alert",
}

#: RR intervals per ``hrv`` message (the field is an array of up to five)
HRV_PER_MESSAGE = 5


def fit_time(unix: float) -> int:
    """FIT's ``date_time`` of a Unix time; an undated activity's (before FIT's epoch: seconds
    from its start) as relative system time, never a date that wraps past 2106."""
    if unix < FIT_EPOCH_UNIX:
        return max(0, min(round(unix), FIT_MIN_DATE - 1))
    return round(unix) - FIT_EPOCH_UNIX


def unix_time(fit_date: float) -> float:
    """The Unix time of FIT's ``date_time`` (seconds from FIT's epoch); relative system time
    (an undated activity) stays relative, as :func:`fit_time` wrote it."""
    if fit_date < FIT_MIN_DATE:
        return float(fit_date)
    return fit_date + FIT_EPOCH_UNIX


def per_leg(steps_per_min: float) -> tuple[int, float]:
    """Steps per minute as FIT's running cadence: (strides per minute, fraction of one)."""
    strides = steps_per_min / 2.0
    whole = int(strides)
    return whole, strides - whole


def _cadence_fields(value: float | None, sport: Sport, prefix: str = "") -> dict[str, Any]:
    if value is None:
        return {}
    if sport is Sport.RUN:
        whole, frac = per_leg(value)
        frac_name = f"{prefix}fractional_cadence"
        return {f"{prefix}cadence": whole, frac_name: round(frac * 128) / 128}
    return {f"{prefix}cadence": round(value)}


def _stat_fields(name: str, stat: Stat, *, whole: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (("avg", stat.avg), ("max", stat.max)):
        if value is not None:
            out[f"{key}_{name}"] = round(value) if whole else value
    return out


def _figures(s: Summary, sport: Sport) -> dict[str, Any]:
    """The lap/session fields both messages share."""
    out: dict[str, Any] = {
        "total_elapsed_time": max(0.0, s.elapsed),
        "total_timer_time": max(0.0, s.seconds),
    }
    if s.distance_m is not None:
        out["total_distance"] = max(0.0, s.distance_m)
    out |= _stat_fields("heart_rate", s.hr, whole=True)
    if s.hr.min is not None:
        out["min_heart_rate"] = round(s.hr.min)
    out |= _stat_fields("speed", s.speed)
    out |= _stat_fields("power", s.power, whole=True)
    if s.cadence.avg is not None:
        if sport is Sport.RUN:
            whole, frac = per_leg(s.cadence.avg)
            out["avg_cadence"], out["avg_fractional_cadence"] = whole, round(frac * 128) / 128
        else:
            out["avg_cadence"] = round(s.cadence.avg)
    if s.cadence.max is not None:
        if sport is Sport.RUN:
            whole, frac = per_leg(s.cadence.max)
            out["max_cadence"], out["max_fractional_cadence"] = whole, round(frac * 128) / 128
        else:
            out["max_cadence"] = round(s.cadence.max)
    return out


def _record(activity: Activity, r: Record) -> dict[str, Any]:
    msg: dict[str, Any] = {"timestamp": fit_time(activity.start + r.t)}
    if r.hr is not None:
        msg["heart_rate"] = r.hr
    msg |= _cadence_fields(r.cadence, activity.sport)
    if r.speed is not None:
        msg["speed"] = r.speed
    if r.distance is not None:
        msg["distance"] = r.distance
    if r.power is not None:
        msg["power"] = r.power
    return msg


def _alert_data(metric: Metric, bound: float, sport: Sport) -> int:
    """The bound an alert crossed, in the unit of FIT's alert sub-field."""
    match metric:
        case Metric.SPEED:
            return round(bound * 1000)
        case Metric.CADENCE:
            return round(bound / 2) if sport is Sport.RUN else round(bound)
        case _:
            return round(bound)


def fit_messages(activity: Activity) -> list[tuple[str, dict[str, Any]]]:
    """The messages in file order, as (message name, fields): pure, no SDK needed."""
    return list(iter_fit_messages(activity))


#: (t, order, message name, fields): at equal t, events that stop the timer (0), then
#: records (1), their HRV and alerts (2), a cut-off's stop (3), then laps (4)
_Timed = tuple[float, int, str, dict[str, Any]]


def _by_time(items: Iterable[_Timed]) -> list[_Timed]:
    return sorted(items, key=lambda x: (x[0], x[1]))  # stable: equal times keep their order


def iter_fit_messages(activity: Activity) -> Iterator[tuple[str, dict[str, Any]]]:
    """:func:`fit_messages` one at a time: records, events and laps are merged as they are
    made (each stream in time order), so a million laps never sit in memory as messages."""
    sport, sub_sport = FIT_SPORT[activity.sport]
    start = fit_time(activity.start)
    end = fit_time(activity.start + activity.duration)
    serial = (zlib.crc32(activity.id.encode()) & 0x7FFFFFFF) | 1
    major, minor, *_ = (int(x) for x in [*__version__.split("."), "0", "0"])
    yield (
        "file_id",
        {
            "type": "activity",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial,
            "time_created": start,
            "product_name": "pacer",
        },
    )
    yield (
        "device_info",
        {
            "timestamp": start,
            "device_index": "creator",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial,
            "product_name": "pacer",
            "software_version": major + minor / 100,
            "source_type": "local",
        },
    )
    yield "event", _timer(start, "start")
    clock = PauseClock.of_events(activity.events)
    # what a stable sort of records, then events, then laps by (t, order) gave: a merge of
    # the three, each in that order (equal keys: the earlier stream first)
    streams = (_record_stream(activity), _event_stream(activity), _lap_stream(activity, clock))
    for _t, _order, name, fields in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
        yield name, fields
    total = activity_summary(activity)
    yield "event", _timer(end, "stop_all")
    yield (
        "session",
        {
            "message_index": 0,
            "timestamp": end,
            "start_time": start,
            "event": "session",
            "event_type": "stop",
            "sport": sport,
            "sub_sport": sub_sport,
            "first_lap_index": 0,
            "num_laps": len(activity.laps),
            "trigger": "activity_end",
        }
        | _figures(total, activity.sport)
        | {"total_timer_time": max(0.0, clock.timer(activity.duration))},
    )
    yield (
        "activity",
        {
            "timestamp": end,
            "total_timer_time": max(0.0, clock.timer(activity.duration)),
            "num_sessions": 1,
            "type": "manual",
            "event": "activity",
            "event_type": "stop",
        },
    )


def _record_stream(activity: Activity) -> Iterable[_Timed]:
    def made() -> Iterator[_Timed]:
        for r in activity.records:
            yield (r.t, 1, "record", _record(activity, r))
            for i in range(0, len(r.rr), HRV_PER_MESSAGE):
                yield (r.t, 2, "hrv", {"time": list(r.rr[i : i + HRV_PER_MESSAGE])})

    records = activity.records
    if all(a.t < b.t for a, b in itertools.pairwise(records)):
        return made()  # already in order (every reader sorts): made as merged
    return _by_time(made())


def _event_stream(activity: Activity) -> list[_Timed]:
    timed: list[_Timed] = []
    alerts = [e for e in activity.events if e.type in (EventType.ALERT_OVER, EventType.ALERT_UNDER)]
    metrics = activity.alert_metrics(alerts)
    alert_laps = {
        id(e): (metric, lap)
        for e, metric, lap in zip(
            alerts, metrics, activity.laps_at([e.t for e in alerts]), strict=True
        )
    }
    for e in activity.events:
        ts = fit_time(activity.start + e.t)
        if e.type == EventType.PAUSED:
            timed.append((e.t, 0, "event", _timer(ts, "stop_all")))
        elif e.type == EventType.RESUMED:
            timed.append((e.t, 0, "event", _timer(ts, "start")))
        elif e.type == "interrupted":
            since = float(e.data.get("since", e.t))
            timed.append((since, 3, "event", _timer(fit_time(activity.start + since), "stop_all")))
            timed.append((e.t, 0, "event", _timer(ts, "start")))
        elif e.type in (EventType.ALERT_OVER, EventType.ALERT_UNDER):
            metric, lap = alert_laps[id(e)]
            if metric is None:
                continue
            over = e.type == EventType.ALERT_OVER
            bound = None
            if lap is not None and lap.target is not None and lap.target.metric is metric:
                bound = lap.target.high if over else lap.target.low
            msg: dict[str, Any] = {
                "timestamp": ts,
                "event": FIT_ALERTS[(metric, over)],
                "event_type": "marker",
            }
            if bound is not None:
                msg["data"] = _alert_data(metric, bound, activity.sport)
            timed.append((e.t, 2, "event", msg))
    return _by_time(timed)


def _lap_stream(activity: Activity, clock: PauseClock) -> Iterable[_Timed]:
    sport, sub_sport = FIT_SPORT[activity.sport]
    laps = activity.laps

    def made() -> Iterator[_Timed]:
        for index, (lap, s) in enumerate(zip(laps, iter_lap_summaries(activity), strict=True)):
            last = index == len(laps) - 1
            fields = {
                "message_index": index,
                "timestamp": fit_time(activity.start + lap.end),
                "start_time": fit_time(activity.start + lap.start),
                "event": "lap",
                "event_type": "stop",
                "sport": sport,
                "sub_sport": sub_sport,
                "intensity": FIT_INTENSITY[lap.intensity],
                "wkt_step_index": lap.step,
                "lap_trigger": "session_end" if last else lap.trigger.value,
            } | _figures(s, activity.sport)
            fields["total_timer_time"] = max(0.0, clock.timer(lap.end) - clock.timer(lap.start))
            yield (lap.end, 4, "lap", fields)

    if all(a.end <= b.end for a, b in itertools.pairwise(laps)):
        return made()
    return _by_time(made())


def _timer(ts: int, event_type: str) -> dict[str, Any]:
    # data 0: timer_trigger "manual" (the SDK writes sub-fields through their main field)
    return {"timestamp": ts, "event": "timer", "event_type": event_type, "data": 0}


def encode_activity(activity: Activity) -> bytes:
    """The FIT file's bytes (header, messages, CRC): what the SDK's ``Encoder`` writes for
    :func:`fit_messages`, written by :class:`FitWriter` as the messages are made."""
    from garmin_fit_sdk import Profile

    from pacer.formats.activities.fitencoder import FitWriter

    numbers: dict[str, int] = Profile["mesg_num"]
    writer = FitWriter()
    for name, fields in iter_fit_messages(activity):
        writer.write(numbers[name.upper()], fields)
    return writer.close()


__all__ = [
    "FIT_ALERTS",
    "FIT_EPOCH_UNIX",
    "FIT_MIN_DATE",
    "encode_activity",
    "fit_messages",
    "fit_time",
    "iter_fit_messages",
    "per_leg",
    "unix_time",
]
