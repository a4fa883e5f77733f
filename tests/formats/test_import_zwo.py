"""Importing Zwift .zwo workouts: every segment kind, text events, run paces, and errors
located by line and column."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.core.errors import InputErrors
from pacer.formats.workouts import ImportKind, detect_kind, import_workout
from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Cue,
    DistanceDuration,
    DistanceUnit,
    Intensity,
    PacePercent,
    PaceRef,
    PowerPercent,
    Ramp,
    Repeat,
    Sport,
    Step,
    TimeDuration,
)
from pacer.workout.profile import load_profile
from pacer.workout.resolve import resolve_target
from tests.support.paths import EXAMPLES

PROFILE = load_profile((EXAMPLES / "profile.yaml").read_text(), "profile.yaml")


def zwo(body: str, head: str = "<name>Test</name>", **kw: Any) -> Any:
    text = (
        f'<?xml version="1.0"?>\n<workout_file>\n{head}\n'
        f"<workout>\n{body}\n</workout>\n</workout_file>\n"
    )
    data = text.encode()
    assert detect_kind(data) is ImportKind.ZWO
    return import_workout(data, "w.zwo", **kw)


def messages(result: Any) -> list[str]:
    return [w.message for w in result.warnings]


SAMPLE = """\
<Warmup Duration="600" PowerLow="0.25" PowerHigh="0.75" Cadence="85">
    <textevent timeoffset="0" message="Easy spin"/>
</Warmup>
<SteadyState Duration="300" Power="0.88" CadenceLow="85" CadenceHigh="95"/>
<IntervalsT Repeat="4" OnDuration="60" OffDuration="120" OnPower="1.2" OffPower="0.5"
            Cadence="100" CadenceResting="85">
    <textevent timeoffset="0" message="Go hard"/>
    <textevent timeoffset="60" message="Spin"/>
</IntervalsT>
<Ramp Duration="300" PowerLow="0.6" PowerHigh="0.9"/>
<FreeRide Duration="600" FlatRoad="1"/>
<MaxEffort Duration="20"/>
<Cooldown Duration="600" PowerLow="0.75" PowerHigh="0.25"/>"""


def test_every_segment_kind() -> None:
    result = zwo(SAMPLE, "<name>Mix</name><description>All\n  kinds</description>")
    w = result.workout
    assert w.name == "Mix"
    assert w.description == "All kinds"
    assert w.sport is Sport.BIKE
    rpm = CadenceTargetUnit.RPM
    assert w.items == (
        Step(Intensity.WARMUP, TimeDuration(600), ramp(25, 75),
             (CadenceRange(85, 85, rpm),), cues=(Cue("Easy spin", at_s=0.0),)),
        Step(Intensity.ACTIVE, TimeDuration(300), PowerPercent(88, 88),
             (CadenceRange(85, 95, rpm),)),
        Repeat(4, (
            Step(Intensity.ACTIVE, TimeDuration(60), PowerPercent(120, 120),
                 (CadenceRange(100, 100, rpm),), cues=(Cue("Go hard", at_s=0.0),)),
            Step(Intensity.RECOVERY, TimeDuration(120), PowerPercent(50, 50),
                 (CadenceRange(85, 85, rpm),), cues=(Cue("Spin", at_s=0.0),)),
        )),
        Step(Intensity.ACTIVE, TimeDuration(300), ramp(60, 90)),
        Step(Intensity.ACTIVE, TimeDuration(600)),
        Step(Intensity.ACTIVE, TimeDuration(20), name="Max effort"),
        Step(Intensity.COOLDOWN, TimeDuration(600), ramp(75, 25)),
    )  # fmt: skip
    # the interval's texts repeat with its steps (step numbers count both: on 3, off 4)
    assert [(w.step, w.where) for w in result.warnings] == [(3, "w.zwo:10:1"), (3, "w.zwo:10:1")]


def ramp(start: float, end: float) -> Ramp:
    return Ramp(PowerPercent(start, start), PowerPercent(end, end))


def test_a_cooldown_ramps_from_power_low_to_power_high_as_written() -> None:
    result = zwo('<Cooldown Duration="600" PowerLow="0.75" PowerHigh="0.25"/>')
    assert result.workout.items[0].target == ramp(75, 25)
    assert messages(result) == []


def test_a_300_percent_sprint_imports_and_1000_percent_warns() -> None:
    result = zwo('<SteadyState Duration="15" Power="3.0"/><SteadyState Duration="5" Power="9.5"/>')
    sprint, typo = result.workout.items
    assert sprint.target == PowerPercent(300, 300)
    assert typo.target == PowerPercent(950, 950)
    assert messages(result) == [
        "step 2 '950% FTP': 950% FTP is above 400% FTP, more than a sprint holds: check the number"
    ]


def test_windows_1252_without_a_declaration_imports_with_a_warning() -> None:
    body = (
        '<SteadyState Duration="60" Power="0.5">'
        '<textevent timeoffset="5" message="Caf\xe9 \x93ok\x94"/></SteadyState>'
    )
    data = f"<workout_file><name>C\xf4te</name><workout>{body}</workout></workout_file>"
    result = import_workout(data.encode("latin-1"), "w.zwo")
    assert result.workout.name == "C\xf4te"
    assert result.workout.items[0].cues == (Cue("Caf\xe9 \u201cok\u201d", at_s=5.0),)
    assert [str(w) for w in result.warnings] == [
        "w.zwo:1:1: warning: not UTF-8 and no encoding declared: read as Windows-1252"
    ]


def test_a_declared_encoding_is_honoured() -> None:
    head = '<?xml version="1.0" encoding="windows-1252"?>\n'
    data = (
        head + "<workout_file><name>\x93Q\x94</name><workout>"
        '<SteadyState Duration="60" Power="0.5"/></workout></workout_file>'
    ).encode("latin-1")
    result = import_workout(data, "w.zwo")
    assert result.workout.name == "\u201cQ\u201d"
    assert result.warnings == []


def test_power_is_rounded_to_a_tenth_of_a_percent() -> None:
    result = zwo('<SteadyState Duration="60" Power="0.8844353"/>')
    assert result.workout.items[0].target == PowerPercent(88.4, 88.4)


def test_text_events_become_cues_at_their_offsets() -> None:
    long = "Keep the cadence high and the shoulders loose " * 3
    result = zwo(
        '<SteadyState Duration="600" Power="0.9">'
        '<textevent timeoffset="0" message="Settle in"/>'
        f'<textevent timeoffset="540" message="{long}"/>'
        '<TextEvent timeoffset="300" message="Halfway"/></SteadyState>'
    )
    step = result.workout.items[0]
    assert step.note is None
    assert step.cues == (
        Cue("Settle in", at_s=0.0),
        Cue("Halfway", at_s=300.0),
        Cue(long.strip(), at_s=540.0),  # whole: no more 120-character note
    )
    assert messages(result) == []


def test_text_events_directly_in_the_workout_go_to_the_step_at_their_time() -> None:
    result = zwo(
        '<SteadyState Duration="300" Power="0.6"/>\n'
        '<SteadyState Duration="300" Power="0.9"/>\n'
        '<textevent timeoffset="300" message="Now push"/>\n'
        '<textevent timeoffset="9999" message="Too late"/>'
    )
    first, second = result.workout.items
    assert first.cues == ()
    assert second.cues == (Cue("Now push", at_s=0.0),)
    assert messages(result) == ["text event 'Too late' at 9999 s falls in no plain step; left out"]


def test_run_workout_power_is_a_fraction_of_a_reference_speed() -> None:
    body = (
        '<SteadyState Duration="1200" PowerLow="0.9767" PowerHigh="0.9882" pace="4"/>\n'
        '<SteadyState Duration="600" Power="1.0" pace="1" Cadence="180"/>'
    )
    result = zwo(body, "<sportType>run</sportType>", profile=PROFILE)
    mp, five_k = result.workout.items
    assert result.workout.sport is Sport.RUN
    # kept relative to the race pace Zwift names, resolved at show and run time
    assert mp.target == PacePercent(97.7, 98.8, PaceRef.MARATHON)
    assert five_k.target == PacePercent(100, 100, PaceRef.FIVE_K)
    assert five_k.secondary == (CadenceRange(180, 180, CadenceTargetUnit.SPM),)
    assert messages(result) == []
    band = resolve_target(mp.target, PROFILE)  # MP 7:00/mi: 420/0.988 .. 420/0.977 s/mi
    assert band.label == "97.7-98.8% MP pace 7:05-7:10/mi"


def test_run_pace_without_a_profile_stays_relative_but_one_mile_pace_has_no_target() -> None:
    result = zwo(
        '<SteadyState Duration="60" Power="1.0" pace="3"/><SteadyState Duration="60" Power="1.0"/>',
        "<sportType>run</sportType>",
    )
    assert [s.target for s in result.workout.items] == [PacePercent(100, 100, PaceRef.HALF), None]
    (said,) = messages(result)
    assert "1 mile pace cannot be represented" in said


def test_distance_based_run_workout() -> None:
    result = zwo(
        '<SteadyState Duration="1000" Power="1.0" pace="4"/>',
        "<sportType>run</sportType><durationType>distance</durationType>",
        profile=PROFILE,
    )
    assert result.workout.items[0].duration == DistanceDuration(1, DistanceUnit.KM)


def test_warmup_without_power_is_open_effort() -> None:
    result = zwo('<Warmup Duration="1200"/>')
    assert result.workout.items == (Step(Intensity.WARMUP, TimeDuration(1200)),)
    assert result.warnings == []


def test_unknown_attribute_and_top_element_warn() -> None:
    result = zwo('<SteadyState Duration="60" Power="0.5" Wobble="3"/>', "<mood>fine</mood>")
    assert messages(result) == ["<mood> ignored", "attribute wobble of <SteadyState> ignored"]


def test_ftp_override_warns() -> None:
    result = zwo('<SteadyState Duration="60" Power="0.5"/>', "<ftpOverride>250</ftpOverride>")
    assert "ftpOverride ignored" in messages(result)[0]


def test_no_name_takes_the_file_name() -> None:
    data = (
        b'<workout_file><workout><SteadyState Duration="60" Power="0.5"/></workout></workout_file>'
    )
    assert import_workout(data, "zwift/over_unders.zwo").workout.name == "over unders"


# --- errors -----------------------------------------------------------------------------


def errors(data: bytes) -> list[str]:
    with pytest.raises(InputErrors) as err:
        import_workout(data, "w.zwo")
    return [str(e) for e in err.value.errors]


def test_every_bad_element_is_located() -> None:
    data = b"""<workout_file>
  <workout>
    <SteadyState Duration="ten" Power="0.5"/>
    <Sprint Duration="10"/>
    <IntervalsT Repeat="0" OnDuration="30" OffDuration="30"/>
    <Ramp PowerLow="0.5" PowerHigh="0.7"/>
    <SteadyState Duration="60" Power="30"/>
  </workout>
</workout_file>"""
    assert errors(data) == [
        'w.zwo:3:5: Duration="ten" is not a number',
        "w.zwo:4:5: <Sprint> is not a workout segment (Warmup, SteadyState, IntervalsT, Ramp, "
        "FreeRide, MaxEffort, Cooldown)",
        'w.zwo:5:5: Repeat="0" is out of range (1 to 100)',
        "w.zwo:6:5: <Ramp> needs a Duration attribute",
        "w.zwo:7:5: 3000% FTP: % FTP 3000 is not plausible (1 to 1000)",
    ]


def test_xml_syntax_error_has_line_and_column() -> None:
    assert errors(
        b"<workout_file>\n  <workout>\n    <SteadyState Duration='60'>\n  </workout>"
    ) == ["w.zwo:4:5: XML syntax error: mismatched tag"]


def test_doctype_and_entities_are_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY a "aaaa">]>\n<workout_file/>'
    (message,) = errors(data)
    assert message.startswith("w.zwo:2:")  # expat reports where it read the declaration
    assert message.endswith(": a DOCTYPE is not allowed in a workout file")


def test_other_xml_is_not_a_zwift_workout() -> None:
    assert errors(b"<svg/>") == ["w.zwo:1:1: not a Zwift workout: the root is <svg>"]


def test_workout_without_segments() -> None:
    assert errors(b"<workout_file><workout/></workout_file>") == [
        "w.zwo:1:15: <workout> has no steps"
    ]
