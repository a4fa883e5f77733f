"""TCX export validated against Garmin's TrainingCenterDatabase v2 schema (tests/data)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pacer.formats.activities.fitreader import read_fit_file
from pacer.formats.activities.tcx import TCX_NS, encode_tcx
from tests.support.activity_factory import step_up
from tests.support.paths import require_fit_fixtures

XSD = Path(__file__).parents[1] / "data" / "TrainingCenterDatabasev2.xsd"
NS = {"t": TCX_NS, "x": "http://www.garmin.com/xmlschemas/ActivityExtension/v2"}


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema(str(XSD))


def test_step_up_run_validates_and_holds_every_record(schema) -> None:  # type: ignore[no-untyped-def]
    activity = step_up(60)
    data = encode_tcx(activity)
    schema.validate(data.decode())
    root = ET.fromstring(data)
    laps = root.findall(".//t:Lap", NS)
    assert len(laps) == 5
    points = root.findall(".//t:Trackpoint", NS)
    assert len(points) == len(activity.records)
    hrs = [p.find("t:HeartRateBpm/t:Value", NS) for p in points]
    assert [None if h is None else int(h.text or 0) for h in hrs] == [
        r.hr for r in activity.records
    ]
    # the pause splits the second lap's track in two
    assert [len(lap.findall("t:Track", NS)) for lap in laps] == [1, 2, 1, 1, 1]
    assert laps[1].findtext("t:Notes", namespaces=NS) == "Z2 high: Z2 high 142-148 bpm"
    run_cadence = points[0].findtext(".//x:RunCadence", namespaces=NS)
    assert int(run_cadence or 0) == round(activity.records[0].cadence / 2)  # type: ignore[operator]


def test_the_schema_catches_a_broken_document(schema) -> None:  # type: ignore[no-untyped-def]
    data = encode_tcx(step_up(10, pause_at=None)).decode()
    broken = data.replace("<Intensity>Active</Intensity>", "<Intensity>Hard</Intensity>", 1)
    assert not schema.is_valid(broken)


@pytest.mark.parametrize("name", ["garmin-fenix-5-run.fit", "sample-activity.fit"])
def test_foreign_recordings_export_valid_tcx(schema, name: str) -> None:  # type: ignore[no-untyped-def]
    activity = read_fit_file(require_fit_fixtures() / name)
    schema.validate(encode_tcx(activity).decode())
