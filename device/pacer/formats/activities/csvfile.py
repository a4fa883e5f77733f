"""One CSV row per record, and back (pure, stdlib ``csv``).

Columns: ``time`` (ISO 8601, UTC), ``t`` and ``timer`` (seconds), ``step`` (1-based, as the
athlete reads it), ``hr``, ``rr_ms`` (space-separated), ``speed`` (m/s), ``pace`` (per km or
mile, the profile's units), ``cadence`` (steps/min running, rpm cycling), ``distance`` (m),
``power`` (W), ``target_low``, ``target_high``, ``status``, ``battery``.

:func:`read_csv` reads this file back and also any CSV with a header naming a time column
(``t``, ``time``, ``timestamp``, ``seconds``) and some of ``hr``/``heart_rate``,
``speed``, ``cadence``, ``distance``, ``power``: enough to replay a run exported by
another tool. Laps come from the ``step`` column when there is one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Any

from pacer.core.errors import PacerError
from pacer.engine.snapshot import TargetStatus
from pacer.formats.activities.numbers import number
from pacer.recording.model import Activity, ActivityEvent, EventKind, Lap, LapTrigger, Record
from pacer.workout.model import Intensity, Sport
from pacer.workout.resolve import format_speed_as_pace

COLUMNS = (
    "time",
    "t",
    "timer",
    "step",
    "hr",
    "rr_ms",
    "speed",
    "pace",
    "cadence",
    "distance",
    "power",
    "target_low",
    "target_high",
    "status",
    "battery",
)

_ALIASES = {
    "t": ("t", "seconds", "elapsed", "elapsed_s"),
    "time": ("time", "timestamp", "date"),
    "hr": ("hr", "heart_rate", "heartrate", "bpm"),
    "speed": ("speed", "speed_mps", "enhanced_speed"),
    "cadence": ("cadence", "cadence_spm", "spm"),
    "distance": ("distance", "distance_m"),
    "power": ("power", "watts", "power_w"),
}


class ActivityCsvError(PacerError):
    """A CSV that cannot be read as an activity; names the file and line."""


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return ""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def encode_csv(activity: Activity) -> bytes:
    from pacer.formats.activities.tcx import iso

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in activity.records:
        writer.writerow(
            (
                iso(activity.start + r.t),
                _fmt(r.t),
                _fmt(r.timer),
                "" if r.step is None else r.step + 1,
                "" if r.hr is None else r.hr,
                " ".join(str(round(v * 1000)) for v in r.rr),
                _fmt(r.speed),
                "" if r.speed is None else format_speed_as_pace(r.speed, activity.units),
                _fmt(r.cadence, 1),
                _fmt(r.distance, 2),
                "" if r.power is None else r.power,
                _fmt(r.target_low),
                _fmt(r.target_high),
                "" if r.status is TargetStatus.NONE else r.status.value,
                "" if r.battery is None else r.battery,
            )
        )
    return out.getvalue().encode()


def _column(header: list[str], key: str) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for alias in _ALIASES.get(key, (key,)):
        if alias in lowered:
            return lowered[alias]
    return None


def _time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _csv_problem(exc: csv.Error) -> str:
    """The stdlib's complaint in pacer's words (its field limit is 128 KiB)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a field longer than {csv.field_size_limit() // 1024} KiB: not an activity pacer reads"
        )
    return f"not CSV pacer reads ({text})"


def read_csv(data: bytes, name: str = "<csv>", *, sport: Sport = Sport.RUN) -> Activity:
    """Raises :class:`ActivityCsvError` (with the line) for a row that does not parse."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ActivityCsvError(
            f"{name}: not a FIT file, and not UTF-8 text (byte {exc.start}): "
            "not an activity pacer reads"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise ActivityCsvError(f"{name}:{reader.line_num + 1}: {_csv_problem(exc)}") from None
    cols = {key: _column(header, key) for key in (*_ALIASES, "timer", "step", "rr_ms")}
    cols |= {k: _column(header, k) for k in ("target_low", "target_high", "status", "battery")}
    if cols["t"] is None and cols["time"] is None:
        raise ActivityCsvError(f"{name}:1: no time column (t, time or timestamp)")

    def get(row: dict[str, Any], key: str) -> str | None:
        col = cols.get(key)
        value = None if col is None else row.get(col)
        return value.strip() if value and value.strip() else None

    def num(row: dict[str, Any], key: str) -> float | None:
        value = get(row, key)
        return None if value is None else number(value)

    start: float | None = None
    records: list[Record] = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ActivityCsvError(f"{name}:{reader.line_num + 1}: {_csv_problem(exc)}") from None
        line = reader.line_num
        try:
            wall = get(row, "time")
            rel = num(row, "t")
            if wall is not None and start is None:
                start = _time(wall) - (rel or 0.0)
            if rel is None:
                assert wall is not None
                assert start is not None
                rel = _time(wall) - start
            step = num(row, "step")
            rr = get(row, "rr_ms")
            hr = num(row, "hr")
            power = num(row, "power")
            battery = num(row, "battery")
            timer = num(row, "timer")
            records.append(
                Record(
                    t=rel,
                    timer=rel if timer is None else timer,
                    hr=None if hr is None or hr <= 0 else round(hr),
                    rr=() if rr is None else tuple(number(v) / 1000 for v in rr.split()),
                    speed=num(row, "speed"),
                    cadence=num(row, "cadence"),
                    distance=num(row, "distance"),
                    power=None if power is None else round(power),
                    step=None if step is None else int(step) - 1,
                    target_low=num(row, "target_low"),
                    target_high=num(row, "target_high"),
                    status=TargetStatus(get(row, "status") or "none"),
                    battery=None if battery is None else int(battery),
                )
            )
        except (ValueError, TypeError, AssertionError, OverflowError) as exc:
            raise ActivityCsvError(f"{name}:{line}: {exc}") from exc
    if not records:
        raise ActivityCsvError(f"{name}: no rows")
    records.sort(key=lambda r: r.t)
    end = records[-1].t + 1.0
    starts: list[tuple[int, float]] = []  # (step, start) of each lap
    for r in records:
        step = r.step if r.step is not None else 0
        if not starts or starts[-1][0] != step:
            starts.append((step, r.t))
    ends = [t for _step, t in starts[1:]] + [end]
    laps = [
        Lap(step, f"Step {step + 1}", Intensity.ACTIVE, t, stop)
        for (step, t), stop in zip(starts, ends, strict=True)
    ]
    laps[-1] = replace(laps[-1], trigger=LapTrigger.SESSION_END)
    return Activity(
        id=name.rsplit("/", 1)[-1].rsplit(".", 1)[0],
        start=start if start is not None else 0.0,
        sport=sport,
        laps=tuple(laps),
        records=tuple(records),
        events=(ActivityEvent(0.0, EventKind.START, None, {"source": "csv"}),),
        device="csv",
    )


__all__ = ["COLUMNS", "ActivityCsvError", "encode_csv", "read_csv"]
