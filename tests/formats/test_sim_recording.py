"""A simulated step-up run, recorded by the real recorder, exported to FIT and TCX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pacer.engine.events import EventType
from pacer.formats.activities.fit import encode_activity
from pacer.formats.activities.tcx import encode_tcx
from tests.support.sim_recording import recorded_step_up

XSD = Path(__file__).parents[1] / "data" / "TrainingCenterDatabasev2.xsd"


def decode(data: bytes) -> dict[str, Any]:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.check_integrity()
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(enable_crc_check=True)
    assert errors == []
    return messages  # type: ignore[return-value]


def test_the_recording_holds_every_second_and_the_engine_events() -> None:
    activity, result = recorded_step_up()
    assert len(activity.records) == 80 * 60
    assert [r.t for r in activity.records] == [float(i) for i in range(4800)]
    assert [lap.step for lap in activity.laps] == [0, 1, 2, 3, 4]
    assert [lap.start for lap in activity.laps] == [0.0, 1200.0, 2400.0, 3600.0, 4200.0]
    assert sum(len(r.rr) for r in activity.records) > 4800  # RR from the simulated strap
    recorded = [e.type for e in activity.events if e.type in set(EventType)]
    assert recorded == [e.type.value for e in result.events]


def test_fit_of_a_simulated_step_up_run() -> None:
    activity, _ = recorded_step_up()
    m = decode(encode_activity(activity))
    laps = m["lap_mesgs"]
    assert len(laps) == 5
    assert [lap["wkt_step_index"] for lap in laps] == [0, 1, 2, 3, 4]
    assert [lap["intensity"] for lap in laps] == [
        "warmup",
        "active",
        "active",
        "active",
        "cooldown",
    ]
    assert [lap["total_timer_time"] for lap in laps] == pytest.approx([1200, 1200, 1200, 600, 600])
    assert [r.get("heart_rate") for r in m["record_mesgs"]] == [r.hr for r in activity.records]
    highs = [e for e in m["event_mesgs"] if e["event"] == "hr_high_alert"]
    assert len(highs) == sum(1 for e in activity.events if e.type == EventType.ALERT_OVER) > 0
    (session,) = m["session_mesgs"]
    assert session["num_laps"] == 5
    assert session["total_timer_time"] == pytest.approx(4800)


def test_tcx_of_a_simulated_step_up_run_validates() -> None:
    import xmlschema

    activity, _ = recorded_step_up()
    xmlschema.XMLSchema(str(XSD)).validate(encode_tcx(activity).decode())
