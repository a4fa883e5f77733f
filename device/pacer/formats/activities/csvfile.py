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
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise ActivityCsvError(f"{name}:1: {_csv_problem(exc)}") from None
    cols = {key: _column(header, key) for key in (*_ALIASES, "timer", "step", "rr_ms")}
    cols |= {k: _column(header, k) for k in ("target_low", "target_high", "status", "battery")}
    if cols["t"] is None and cols["time"] is None:
        raise ActivityCsvError(f"{name}:1: no time column (t, time or timestamp)")
    # each key's cell by position (the last of equal headers, as a dict of the row kept it);
    # -1 for a column the file lacks
    at = {h: i for i, h in enumerate(header)}
    index = {key: -1 if col is None else at[col] for key, col in cols.items()}
    i_time, i_t, i_timer, i_step, i_hr = (index[k] for k in ("time", "t", "timer", "step", "hr"))
    i_rr, i_speed, i_cad, i_dist, i_power = (
        index[k] for k in ("rr_ms", "speed", "cadence", "distance", "power")
    )
    i_low, i_high, i_status, i_battery = (
        index[k] for k in ("target_low", "target_high", "status", "battery")
    )

    def get(row: list[str], i: int) -> str | None:
        # the callers skip the columns a file lacks (i < 0): a million rows of ``t,step``
        # read in seconds
        value = row[i].strip() if 0 <= i < len(row) else None
        return value or None

    def num(row: list[str], i: int) -> float | None:
        value = get(row, i)
        return None if value is None else number(value)

    start: float | None = None
    records: list[Record] = []
    line = reader.line_num  # the last line of the last row read
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # the row that does not parse begins on the line after the last one read
            raise ActivityCsvError(f"{name}:{line + 1}: {_csv_problem(exc)}") from None
        line = reader.line_num
        if not row:
            continue  # a blank line, as DictReader skipped it
        try:
            wall = get(row, i_time) if i_time >= 0 else None
            rel = num(row, i_t)
            if wall is not None and start is None:
                start = _time(wall) - (rel or 0.0)
            if rel is None:
                assert wall is not None
                assert start is not None
                rel = _time(wall) - start
            step = num(row, i_step) if i_step >= 0 else None
            rr = get(row, i_rr) if i_rr >= 0 else None
            hr = num(row, i_hr) if i_hr >= 0 else None
            power = num(row, i_power) if i_power >= 0 else None
            battery = num(row, i_battery) if i_battery >= 0 else None
            timer = num(row, i_timer) if i_timer >= 0 else None
            records.append(
                Record(
                    t=rel,
                    timer=rel if timer is None else timer,
                    hr=None if hr is None or hr <= 0 else round(hr),
                    rr=() if rr is None else tuple(number(v) / 1000 for v in rr.split()),
                    speed=num(row, i_speed) if i_speed >= 0 else None,
                    cadence=num(row, i_cad) if i_cad >= 0 else None,
                    distance=num(row, i_dist) if i_dist >= 0 else None,
                    power=None if power is None else round(power),
                    step=None if step is None else int(step) - 1,
                    target_low=num(row, i_low) if i_low >= 0 else None,
                    target_high=num(row, i_high) if i_high >= 0 else None,
                    status=TargetStatus(get(row, i_status) or "none")
                    if i_status >= 0
                    else TargetStatus.NONE,
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
