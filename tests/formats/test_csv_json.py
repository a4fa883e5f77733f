"""CSV and JSON export, and reading both back."""

from __future__ import annotations

import json

import pytest

from pacer.formats.activities.csvfile import ActivityCsvError, encode_csv, read_csv
from pacer.formats.activities.jsonfile import ActivityJsonError, encode_json, read_json
from pacer.formats.activities.load import read_activity, sniff
from tests.support.activity_factory import step_up


def test_json_round_trip_is_exact() -> None:
    activity = step_up(30)
    data = encode_json(activity)
    assert json.loads(data)["format"] == "pacer-activity"
    assert read_json(data) == activity
    assert sniff(data) == "json"


def test_json_errors_name_the_field() -> None:
    doc = json.loads(encode_json(step_up(5, pause_at=None)))
    doc["records"][3]["hr"] = "fast"
    with pytest.raises(ActivityJsonError, match=r"run\.json: records\[3\]"):
        read_json(json.dumps(doc).encode(), "run.json")


def test_csv_round_trip_keeps_the_samples() -> None:
    activity = step_up(30)
    data = encode_csv(activity)
    header = data.split(b"\n", 1)[0].decode()
    assert header.startswith("time,t,timer,step,hr,rr_ms,speed,pace,cadence")
    back = read_activity(data, "run.csv")
    assert back.start == activity.start
    assert [r.hr for r in back.records] == [r.hr for r in activity.records]
    assert [r.rr for r in back.records] == [r.rr for r in activity.records]
    assert [r.status for r in back.records] == [r.status for r in activity.records]
    assert [lap.step for lap in back.laps] == [0, 1, 2, 3, 4]


def test_csv_from_another_tool() -> None:
    data = b"timestamp,heart_rate,speed,cadence\n" + b"\n".join(
        f"2024-05-01T07:00:{s:02d}Z,{120 + s},3.0,170".encode() for s in range(10)
    )
    activity = read_csv(data, "other.csv")
    assert [r.t for r in activity.records] == [float(s) for s in range(10)]
    assert activity.records[-1].hr == 129
    assert len(activity.laps) == 1


def test_csv_errors_name_the_line() -> None:
    with pytest.raises(ActivityCsvError, match=r"x\.csv:3:"):
        read_csv(b"t,hr\n0,120\n1,abc\n", "x.csv")
    with pytest.raises(ActivityCsvError, match="no time column"):
        read_csv(b"hr\n120\n", "x.csv")
