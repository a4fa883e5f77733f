"""FIT export: decoded back with Garmin's own SDK, integrity checked, field by field."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.engine.events import EventType
from pacer.formats.activities.csvfile import read_csv
from pacer.formats.activities.fit import (
    FIT_ALERTS,
    FIT_EPOCH_UNIX,
    encode_activity,
    fit_time,
    per_leg,
)
from pacer.formats.activities.fitreader import FitFileError, read_fit
from pacer.workout.resolve import Metric
from tests.support.activity_factory import START, step_up


def decode(data: bytes) -> dict[str, Any]:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.is_fit()
    assert decoder.check_integrity()
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(enable_crc_check=True)
    assert errors == []
    return messages  # type: ignore[return-value]


@pytest.fixture(scope="module")
def exported() -> tuple[Any, dict[str, Any]]:
    activity = step_up(60)
    return activity, decode(encode_activity(activity))


def test_structure(exported: tuple[Any, dict[str, Any]]) -> None:
    activity, m = exported
    assert m["file_id_mesgs"][0]["type"] == "activity"
    assert m["file_id_mesgs"][0]["manufacturer"] == "development"
    assert m["device_info_mesgs"][0]["product_name"] == "pacer"
    assert len(m["record_mesgs"]) == len(activity.records)
    (session,) = m["session_mesgs"]
    assert session["sport"] == "running"
    assert session["num_laps"] == 5
    assert session["total_timer_time"] == pytest.approx(300.0)
    assert session["total_elapsed_time"] == pytest.approx(320.0)
    assert session["start_time"].timestamp() == START
    assert m["activity_mesgs"][0]["num_sessions"] == 1


def test_five_laps_with_step_index_and_intensity(exported: tuple[Any, dict[str, Any]]) -> None:
    _, m = exported
    laps = m["lap_mesgs"]
    assert [lap["wkt_step_index"] for lap in laps] == [0, 1, 2, 3, 4]
    assert [lap["intensity"] for lap in laps] == [
        "warmup",
        "active",
        "active",
        "active",
        "cooldown",
    ]
    assert [lap["total_timer_time"] for lap in laps] == pytest.approx([60.0] * 5)
    assert laps[1]["total_elapsed_time"] == pytest.approx(80.0)  # holds the pause
    assert laps[-1]["lap_trigger"] == "session_end"


def test_records_hold_what_was_recorded(exported: tuple[Any, dict[str, Any]]) -> None:
    activity, m = exported
    records = m["record_mesgs"]
    assert [r.get("heart_rate") for r in records] == [r.hr for r in activity.records]
    assert any(r.hr is None for r in activity.records)  # the dropout stays a hole
    for fit, ours in zip(records, activity.records, strict=True):
        assert fit["timestamp"].timestamp() == START + ours.t
        assert fit["speed"] == pytest.approx(ours.speed, abs=1e-3)
        assert fit["distance"] == pytest.approx(ours.distance, abs=0.01)
        # FIT running cadence is per leg: strides + a fraction of 1/128
        steps = 2 * (fit["cadence"] + fit["fractional_cadence"])
        assert steps == pytest.approx(ours.cadence, abs=2 / 128)


def test_rr_intervals_become_hrv_messages_in_order(exported: tuple[Any, dict[str, Any]]) -> None:
    activity, m = exported
    ours = [v for r in activity.records for v in r.rr]
    theirs: list[float] = []
    for msg in m["hrv_mesgs"]:
        t = msg["time"]
        theirs.extend(v for v in (t if isinstance(t, list) else [t]) if v is not None)
    assert theirs == pytest.approx(ours, abs=1e-3)


def test_alerts_are_fit_alert_events_and_pauses_stop_the_timer(
    exported: tuple[Any, dict[str, Any]],
) -> None:
    activity, m = exported
    events = m["event_mesgs"]
    alerts = [e for e in events if e["event"] not in ("timer",)]
    expected = [
        FIT_ALERTS[(Metric.HR, e.type == EventType.ALERT_OVER)]
        for e in activity.events
        if e.type in (EventType.ALERT_OVER, EventType.ALERT_UNDER)
    ]
    assert expected  # the synthetic run does alert
    assert [e["event"] for e in alerts] == expected
    low_bounds = {lap.step: lap.target.low for lap in activity.laps if lap.target}
    for e in alerts:
        if e["event"] == "hr_low_alert":
            assert e["data"] in low_bounds.values()
    timer = [
        (e["event_type"], e["timestamp"].timestamp() - START)
        for e in events
        if e["event"] == "timer"
    ]
    assert timer == [("start", 0.0), ("stop_all", 100.0), ("start", 120.0), ("stop_all", 320.0)]


def test_per_leg_cadence() -> None:
    assert per_leg(171.0) == (85, 0.5)
    assert per_leg(180.0) == (90, 0.0)


def test_round_trip_through_the_fit_reader() -> None:
    activity = step_up(60)
    back = read_fit(encode_activity(activity))
    assert [r.hr for r in back.records] == [r.hr for r in activity.records]
    assert [r.timer for r in back.records] == [r.timer for r in activity.records]
    assert [lap.step for lap in back.laps] == [0, 1, 2, 3, 4]
    assert [r.cadence for r in back.records] == pytest.approx(
        [r.cadence for r in activity.records], abs=2 / 128
    )
    assert [e.type for e in back.events if e.is_alert] == [
        e.type for e in activity.events if e.type in (EventType.ALERT_OVER, EventType.ALERT_UNDER)
    ]


def test_a_truncated_file_is_refused_by_name() -> None:
    data = encode_activity(step_up(20, pause_at=None))
    with pytest.raises(FitFileError, match=r"run\.fit: .*integrity"):
        read_fit(data[: len(data) // 2], "run.fit")
    with pytest.raises(FitFileError, match="not a FIT file"):
        read_fit(b"hello world, not fit", "x.fit")


def test_an_undated_activity_stays_undated_through_fit() -> None:
    # a CSV of relative times only starts at the Unix epoch: before FIT's, so its times go out
    # as FIT's relative system time (on main they wrapped to 2106-02-07)
    undated = read_csv(b"t,hr\n0,120\n1,121\n90,150\n", "undated.csv")
    assert undated.start == 0.0
    back = read_fit(encode_activity(undated))
    assert back.start == 0.0
    assert [(r.t, r.hr) for r in back.records] == [(0.0, 120), (1.0, 121), (90.0, 150)]
    assert fit_time(undated.start + 90) == 90


def test_a_dated_activity_keeps_its_date_through_fit() -> None:
    dated = read_fit(encode_activity(step_up()))
    assert dated.start == START
    assert fit_time(START) == START - FIT_EPOCH_UNIX
