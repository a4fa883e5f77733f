"""Read a FIT activity from any watch or bike computer into the activity model.

Uses Garmin's ``garmin-fit-sdk`` Decoder (CRC checked). What real files demand:

* Smart recording: records every 1-10 s instead of every second. They are kept as they
  are, at their own times; every figure weighs a record by the seconds it stands for
  (:func:`pacer.recording.model.record_seconds`) and replay holds a value until the next.
* Missing heart rate (no strap, lost contact, or 0 written for "none"): ``hr`` is None.
* Running cadence per leg: FIT's ``cadence`` (+ ``fractional_cadence``) counts one foot;
  pacer counts steps, so running, walking and hiking cadence is doubled.
* Pauses: timer stop/start events become paused/resumed events, so timer time excludes them.
* RR intervals: ``hrv`` messages belong to the record written before them.
* Laps keep ``wkt_step_index`` (the workout step) and ``intensity`` when the file has them;
  alert events (``hr_high_alert`` ...) become pacer alerts with their metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from pacer.core.errors import PacerError
from pacer.core.files import read_limited
from pacer.engine.events import EventType
from pacer.formats.activities.fit import FIT_EPOCH_UNIX, unix_time
from pacer.formats.activities.numbers import MAX_ACTIVITY_BYTES
from pacer.recording.model import (
    Activity,
    ActivityEvent,
    EventKind,
    Lap,
    LapTrigger,
    PauseClock,
    Record,
    first_laps,
)
from pacer.workout.model import Intensity, Sport

#: FIT sports whose cadence is per leg (pacer doubles it to steps per minute).
PER_LEG_SPORTS = frozenset({"running", "walking", "hiking"})
BIKE_SPORTS = frozenset({"cycling", "e_biking"})
STRENGTH_SPORTS = frozenset({"training", "fitness_equipment"})

_INTENSITY = {
    "warmup": Intensity.WARMUP,
    "active": Intensity.ACTIVE,
    "interval": Intensity.ACTIVE,
    "rest": Intensity.REST,
    "recovery": Intensity.RECOVERY,
    "cooldown": Intensity.COOLDOWN,
}

_ALERTS = {
    "hr_high_alert": (EventType.ALERT_OVER, "hr"),
    "hr_low_alert": (EventType.ALERT_UNDER, "hr"),
    "speed_high_alert": (EventType.ALERT_OVER, "speed"),
    "speed_low_alert": (EventType.ALERT_UNDER, "speed"),
    "cad_high_alert": (EventType.ALERT_OVER, "cadence"),
    "cad_low_alert": (EventType.ALERT_UNDER, "cadence"),
    "power_high_alert": (EventType.ALERT_OVER, "power"),
    "power_low_alert": (EventType.ALERT_UNDER, "power"),
}

_RECORD, _HRV = 20, 78


class FitFileError(PacerError):
    """A FIT file that cannot be read as an activity; names the file."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if math.isnan(value):
        return None
    return float(value)


def _unix(value: Any) -> float | None:
    if isinstance(value, datetime):
        return unix_time(value.timestamp() - FIT_EPOCH_UNIX)
    return None


def read_fit(data: bytes, name: str = "<fit>") -> Activity:
    """Raises :class:`FitFileError` for a file that is not FIT, fails its CRC, or holds no
    records."""
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    if not decoder.is_fit():
        raise FitFileError(f"{name}: not a FIT file")
    if not decoder.check_integrity():
        raise FitFileError(f"{name}: the FIT file fails its integrity check (truncated?)")
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    # RR intervals belong to the record before them: follow the file order.
    order: list[tuple[int, dict[str, Any]]] = []

    def listen(num: int, mesg: dict[str, Any]) -> None:
        if num in (_RECORD, _HRV):
            order.append((num, mesg))

    messages, errors = decoder.read(mesg_listener=listen)
    if errors:
        # The SDK's errors are Python's own text ("can only concatenate str..."): say what
        # it means for the file, and keep the SDK's words out of the message.
        raise FitFileError(f"{name}: the FIT file passes its CRC but a message does not decode")
    return activity_from_messages(cast("Mapping[str, list[dict[str, Any]]]", messages), order, name)


def read_fit_file(path: Path) -> Activity:

    return read_fit(read_limited(path, MAX_ACTIVITY_BYTES), str(path))


def activity_from_messages(
    messages: Mapping[str, list[dict[str, Any]]],
    order: list[tuple[int, dict[str, Any]]],
    name: str,
) -> Activity:
    sessions = messages.get("session_mesgs", [])
    session = sessions[0] if sessions else {}
    fit_sport = str(session.get("sport", "running"))
    if not sessions:
        sports = messages.get("sport_mesgs", [])
        fit_sport = str(sports[0].get("sport", "running")) if sports else "running"
    per_leg = fit_sport in PER_LEG_SPORTS
    if fit_sport in BIKE_SPORTS:
        sport = Sport.BIKE
    elif fit_sport in STRENGTH_SPORTS and session.get("sub_sport") == "strength_training":
        sport = Sport.STRENGTH
    else:
        sport = Sport.RUN

    # records (merged when two share a timestamp) with the RR of the hrv messages after them
    raw: dict[float, dict[str, Any]] = {}
    rr: dict[float, list[float]] = {}
    last: float | None = None
    for num, mesg in order:
        if num == _RECORD:
            ts = _unix(mesg.get("timestamp"))
            if ts is None:
                continue
            raw.setdefault(ts, {}).update({k: v for k, v in mesg.items() if v is not None})
            last = ts
        else:
            times = mesg.get("time")
            values = times if isinstance(times, list) else [times]
            numbers = [_number(v) for v in values]
            good = [v for v in numbers if v is not None and 0 < v < 65]
            if good:
                key = last if last is not None else -math.inf
                rr.setdefault(key, []).extend(good)
    if not raw:
        raise FitFileError(f"{name}: the FIT file holds no records")

    events_raw = messages.get("event_mesgs", [])
    starts = [
        _unix(e.get("timestamp"))
        for e in events_raw
        if e.get("event") == "timer" and e.get("event_type") == "start"
    ]
    candidates = [x for x in (_unix(session.get("start_time")), *starts[:1]) if x is not None]
    start = min([*candidates, min(raw)])

    # pauses and alerts
    events: list[ActivityEvent] = [
        ActivityEvent(0.0, EventKind.START, None, {"sport": sport.value, "fit_sport": fit_sport})
    ]
    stopped = False
    for e in sorted(events_raw, key=lambda e: _unix(e.get("timestamp")) or 0.0):
        ts = _unix(e.get("timestamp"))
        if ts is None:
            continue
        t = ts - start
        kind, etype = e.get("event"), e.get("event_type")
        if kind == "timer":
            if etype in ("stop", "stop_all", "stop_disable", "stop_disable_all") and not stopped:
                events.append(ActivityEvent(t, EventType.PAUSED, None, {"source": "fit"}))
                stopped = True
            elif etype == "start" and stopped:
                events.append(ActivityEvent(t, EventType.RESUMED, None, {"source": "fit"}))
                stopped = False
        elif isinstance(kind, str) and kind in _ALERTS:
            alert, metric = _ALERTS[kind]
            data: dict[str, Any] = {"metric": metric, "fit_event": kind}
            value = _number(e.get("data"))
            if value is not None:
                data["bound"] = value
            events.append(ActivityEvent(t, alert, None, data))
    clock = PauseClock.of_events(events)

    # laps
    laps: list[Lap] = []
    for index, lap in enumerate(
        sorted(messages.get("lap_mesgs", []), key=lambda m: _unix(m.get("start_time")) or 0.0)
    ):
        lap_start = _unix(lap.get("start_time"))
        lap_end = _unix(lap.get("timestamp"))
        elapsed = _number(lap.get("total_elapsed_time"))
        if lap_start is None:
            continue
        if elapsed is not None:
            lap_end = lap_start + elapsed
        if lap_end is None:
            continue
        step = lap.get("wkt_step_index")
        step_index = step if isinstance(step, int) else index
        trigger = str(lap.get("lap_trigger", "manual"))
        laps.append(
            Lap(
                step=step_index,
                name=f"Lap {index + 1}",
                intensity=_INTENSITY.get(str(lap.get("intensity", "active")), Intensity.ACTIVE),
                start=lap_start - start,
                end=lap_end - start,
                trigger=LapTrigger(trigger)
                if trigger in LapTrigger._value2member_map_
                else (LapTrigger.MANUAL),
            )
        )
    # the last lap reaches the last record
    end = max(raw) - start + 1.0
    if laps and laps[-1].end < end:
        laps[-1] = replace(laps[-1], end=end)
    if not laps:
        laps = [Lap(0, "Lap 1", Intensity.ACTIVE, 0.0, end, trigger=LapTrigger.SESSION_END)]

    records = []
    early_rr = rr.pop(-math.inf, [])
    stamps = sorted(raw)
    laps_here = first_laps([ts - start for ts in stamps], laps)
    for i, ts in enumerate(stamps):
        m = raw[ts]
        t = ts - start
        hr = _number(m.get("heart_rate"))
        cadence = _number(m.get("cadence"))
        if cadence is not None:
            cadence += _number(m.get("fractional_cadence")) or 0.0
            if per_leg:
                cadence *= 2.0
        speed = _number(m.get("enhanced_speed"))
        if speed is None:
            speed = _number(m.get("speed"))
        power = _number(m.get("power"))
        k = laps_here[i]
        lap_here = None if k is None else laps[k]
        records.append(
            Record(
                t=t,
                timer=clock.timer(t),
                hr=None if hr is None or hr <= 0 else int(hr),
                rr=tuple((early_rr if i == 0 else []) + rr.get(ts, [])),
                speed=speed,
                cadence=cadence,
                distance=_number(m.get("distance")),
                power=None if power is None else int(power),
                step=None if lap_here is None else lap_here.step,
            )
        )
    events.append(ActivityEvent(end, EventKind.STOP, None, {}))

    file_ids = messages.get("file_id_mesgs", [])
    device = "unknown device"
    if file_ids:
        fid = file_ids[0]
        product = fid.get("garmin_product") or fid.get("product_name") or fid.get("product")
        device = " ".join(str(x) for x in (fid.get("manufacturer"), product) if x is not None)
    return Activity(
        id=Path(name).stem,
        start=start,
        sport=sport,
        workout=None,
        laps=tuple(laps),
        records=tuple(records),
        events=tuple(sorted(events, key=lambda e: e.t)),
        ended=True,
        device=device,
    )


__all__ = ["FitFileError", "read_fit", "read_fit_file"]
