"""The FIT activity writer at scale (issue 20, D5): the bytes Garmin's SDK Encoder writes,
one definition message per message shape (not one per lap), a CRC computed as the SDK's,
and an activity of many laps that reads back and reports."""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.cli import main
from pacer.engine.events import EventType
from pacer.formats.activities.csvfile import read_csv
from pacer.formats.activities.fit import encode_activity, fit_messages
from pacer.formats.activities.fitencoder import FitWriter, fit_crc
from pacer.formats.activities.fitreader import read_fit
from pacer.recording.model import ActivityEvent, EventKind
from tests.support.activity_factory import step_up


def sdk_encoded(messages: list[tuple[str, dict[str, Any]]]) -> bytes:
    from garmin_fit_sdk import Encoder, Profile

    encoder = Encoder()
    for name, fields in messages:
        encoder.on_mesg(Profile["mesg_num"][name.upper()], fields)
    data: bytes = encoder.close()
    return data


def definition_messages(data: bytes) -> dict[int, int]:
    """How many definition messages the file holds, by global message number: a walk over
    the records of the file (normal headers only, which is what both encoders write)."""
    size = data[0]
    end = size + struct.unpack_from("<I", data, 4)[0]
    at = size
    fields: dict[int, list[int]] = {}  # local number -> its field sizes
    out: dict[int, int] = {}
    while at < end:
        header = data[at]
        assert not header & 0x80, "compressed timestamp headers are not written"
        local = header & 0x0F
        if header & 0x40:  # a definition
            (global_num,) = struct.unpack_from("<H", data, at + 3)
            count = data[at + 5]
            fields[local] = [data[at + 6 + 3 * i + 1] for i in range(count)]
            out[global_num] = out.get(global_num, 0) + 1
            at += 6 + 3 * count
        else:
            at += 1 + sum(fields[local])
    assert at == end
    return out


def step_lines(report: str) -> list[str]:
    return [line for line in report.splitlines() if re.match(r"\s*\d+\s+(Lap|Step) \d+", line)]


def many_laps(n: int) -> bytes:
    return ("t,step\n" + "".join(f"{i},{i + 1}\n" for i in range(n))).encode()


@pytest.mark.parametrize("pause_at", [100.0, None])
def test_the_writer_writes_the_bytes_the_sdk_encoder_writes(pause_at: float | None) -> None:
    activity = step_up(60, pause_at=pause_at)
    # a cut-off too, and a record with more RR intervals than one HRV message holds
    events = (*activity.events, ActivityEvent(95.0, EventKind.INTERRUPTED, 1, {"since": 90.0}))
    records = list(activity.records)
    records[3] = replace(records[3], rr=(0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56))
    activity = replace(activity, events=tuple(sorted(events, key=lambda e: e.t)))
    activity = replace(activity, records=tuple(records))
    assert any(e.type in (EventType.ALERT_OVER, EventType.ALERT_UNDER) for e in activity.events)
    assert encode_activity(activity) == sdk_encoded(fit_messages(activity))


def test_messages_of_changing_shapes_reuse_the_sixteen_local_definitions_as_the_sdk_does() -> None:
    # seventeen shapes of record in turn: the local numbers wrap, definitions are written
    # again, and a shape seen before finds its definition while it is still in place
    shapes = [{"timestamp": 1000 + k, "heart_rate": 100 + k, "power": k} for k in range(17)]
    for k, fields in enumerate(shapes):
        fields["distance" if k % 2 else "speed"] = 1.5 * k
        for extra in range(k % 5):
            fields[("cadence", "altitude", "temperature", "calories")[extra]] = extra + 1
        fields["product_name" if k == 3 else "timestamp"] = "x" * k if k == 3 else 1000 + k
    messages: list[tuple[str, dict[str, Any]]] = [("file_id", {"type": "activity"})]
    for k in (*range(17), 0, 1, 16, 5, 5, 2):
        messages.append(("record", dict(shapes[k])))
    messages.append(("event", {"timestamp": 5, "event": "timer", "event_type": "start"}))
    writer = FitWriter()
    from garmin_fit_sdk import Profile

    for name, fields in messages:
        writer.write(Profile["mesg_num"][name.upper()], fields)
    assert writer.close() == sdk_encoded(messages)


def test_a_thousand_laps_need_one_lap_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK built a definition for every message (what made a million laps take
    minutes); the writer builds one per shape of message, and laps of one shape share one
    definition message in the file."""
    from pacer.formats.activities import fitencoder

    built: list[int] = []

    class Counted(fitencoder._Definition):
        def __init__(self, mesg_num: int, mesg: dict[str, Any]) -> None:
            built.append(mesg_num)
            super().__init__(mesg_num, mesg)

    monkeypatch.setattr(fitencoder, "_Definition", Counted)  # a spy: it counts, changes nothing
    activity = read_csv(many_laps(1000), "laps.csv")
    data = encode_activity(activity)
    assert built.count(19) == 1  # lap: the last one's session_end is an enum, one byte too
    assert built.count(20) == 1  # record
    assert len(built) <= 9
    written = definition_messages(data)
    assert written[19] == 1  # lap: one definition for a thousand laps
    assert written[20] == 1  # record
    assert sum(written.values()) <= 8  # file_id, device_info, event, record, lap, session...
    assert data == sdk_encoded(fit_messages(activity))


def test_values_the_profile_cannot_hold_are_refused_naming_the_message() -> None:
    writer = FitWriter()
    with pytest.raises(ValueError, match=r"Could not write message 20: .*'fast'"):
        writer.write(20, {"timestamp": 1, "speed": "fast"})
    with pytest.raises(ValueError, match=r"Could not write message 21: .*'nonsense'"):
        writer.write(21, {"timestamp": 1, "event": "nonsense"})
    with pytest.raises(ValueError, match="No valid fields"):
        writer.write(20, {"no_such_field": 1})


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_the_crc_is_the_sdks(data: bytes) -> None:
    from garmin_fit_sdk import CrcCalculator

    assert fit_crc(data) == CrcCalculator.calculate_crc(data, 0, len(data))


def test_twenty_thousand_laps_export_read_back_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 20_000
    csv = tmp_path / "laps.csv"
    csv.write_bytes(many_laps(n))
    fit = tmp_path / "laps.fit"
    assert main(["export", str(csv), "--format", "fit", "-o", str(fit)]) == 0
    assert f"{n} laps, {n} records" in capsys.readouterr().err
    back = read_fit(fit.read_bytes(), str(fit))
    assert len(back.laps) == n
    assert [lap.start for lap in back.laps[:3]] == [0.0, 1.0, 2.0]
    assert back.laps[-1].end == n
    assert [r.t for r in back.records] == [float(i) for i in range(n)]
    assert definition_messages(fit.read_bytes())[19] == 1

    assert main(["report", str(fit)]) == 0
    text = capsys.readouterr().out
    assert f"… {n - 100:,} more steps" in text
    assert f"Listed: the first 100 of {n:,} steps (--steps 0 lists them all)." in text
    total = next(line for line in text.splitlines() if "Total" in line)
    assert "5:33:20" in total  # every step counted: 20,000 s
    assert len(step_lines(text)) == 100  # rows 1..100, not 20,000

    assert main(["report", str(csv), "--steps", "0"]) == 0
    text = capsys.readouterr().out
    assert "more steps" not in text
    assert len(step_lines(text)) == n
