"""Reading real FIT files from other devices (../shared/fixtures/fit) into the model."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.engine.events import EventType
from pacer.formats.activities.fitreader import read_fit_file
from pacer.recording.summary import activity_summary
from pacer.workout.model import Sport
from tests.support.paths import require_fit_fixtures


def raw(name: str) -> dict[str, Any]:
    from garmin_fit_sdk import Decoder, Stream

    path = require_fit_fixtures() / name
    messages, errors = Decoder(Stream.from_file(str(path))).read()
    assert errors == []
    return messages  # type: ignore[return-value]


def test_fenix_run_doubles_running_cadence_and_keeps_rr() -> None:
    activity = read_fit_file(require_fit_fixtures() / "garmin-fenix-5-run.fit")
    m = raw("garmin-fenix-5-run.fit")
    assert activity.sport is Sport.RUN
    assert activity.device == "garmin fenix5"
    assert len(activity.records) == len(m["record_mesgs"]) == 21
    for ours, theirs in zip(activity.records, m["record_mesgs"], strict=True):
        assert ours.hr == theirs["heart_rate"]
        per_leg = theirs["cadence"] + theirs.get("fractional_cadence", 0.0)
        assert ours.cadence == pytest.approx(2 * per_leg)
    hrv = [v for msg in m["hrv_mesgs"] for v in msg["time"] if v is not None]
    assert [v for r in activity.records for v in r.rr] == pytest.approx(hrv)
    hrs = [r.hr for r in activity.records if r.hr is not None]
    assert (min(hrs), max(hrs)) == (56, 112)


def test_smart_recording_ride_weighs_sparse_records_and_honours_pauses() -> None:
    activity = read_fit_file(require_fit_fixtures() / "sample-activity.fit")
    (session,) = raw("sample-activity.fit")["session_mesgs"]
    assert activity.sport is Sport.BIKE
    gaps = [b.t - a.t for a, b in zip(activity.records, activity.records[1:], strict=False)]
    assert max(gaps) > 5  # smart recording: not every second
    assert any(e.type == EventType.PAUSED for e in activity.events)
    total = activity_summary(activity)
    # timer time (pauses out) and the weighted averages agree with the watch's own session
    assert total.seconds == pytest.approx(session["total_timer_time"], abs=2.0)
    assert total.hr.avg == pytest.approx(session["avg_heart_rate"], abs=1.0)
    assert total.hr.max == session["max_heart_rate"]
    assert total.speed.avg == pytest.approx(session["avg_speed"], rel=0.01)
    assert activity.distance == pytest.approx(session["total_distance"])
    # bike cadence is rpm already: not doubled
    assert total.cadence.max == session["max_cadence"]
    assert [lap.step for lap in activity.laps] == [0, 1, 2, 3]
