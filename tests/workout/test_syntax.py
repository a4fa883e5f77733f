"""The compact syntax for durations and targets."""

from __future__ import annotations

import pytest

from pacer.workout.model import (
    CadenceRange,
    CadenceTargetUnit,
    Comparison,
    ConditionDuration,
    DistanceDuration,
    DistanceUnit,
    HrBasis,
    HrPercent,
    HrRange,
    HrZone,
    IntRange,
    OpenDuration,
    PaceRange,
    PaceRef,
    PaceUnit,
    PowerPercent,
    PowerRange,
    Ramp,
    RelativePace,
    SetsDuration,
    TimeDuration,
    ZonePosition,
)
from pacer.workout.syntax import (
    TermError,
    format_duration,
    format_target,
    parse_duration,
    parse_rest,
    parse_target,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20m", TimeDuration(1200)),
        ("20min", TimeDuration(1200)),
        ("90s", TimeDuration(90)),
        ("1h30m", TimeDuration(5400)),
        ("1h 30m 15s", TimeDuration(5415)),
        ("1:20:00", TimeDuration(4800)),
        ("2:30", TimeDuration(150)),
        ("99m", TimeDuration(99 * 60)),
        ("5km", DistanceDuration(5, DistanceUnit.KM)),
        ("800m", DistanceDuration(800, DistanceUnit.M)),
        ("100m", DistanceDuration(100, DistanceUnit.M)),
        ("60mtr", DistanceDuration(60, DistanceUnit.M)),
        ("3.1mi", DistanceDuration(3.1, DistanceUnit.MI)),
        ("open", OpenDuration()),
        ("lap", OpenDuration()),
        ("3 sets", SetsDuration(IntRange(3, 3))),
        ("1 set", SetsDuration(IntRange(1, 1))),
        ("2-3 sets", SetsDuration(IntRange(2, 3))),
        ("until HR < 120 bpm, max 3m", ConditionDuration(Comparison.BELOW, 120, 180)),
        ("until hr > 150", ConditionDuration(Comparison.ABOVE, 150, None)),
    ],
)
def test_durations_parse(text: str, expected: object) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Z2", HrZone("2")),
        ("Z2 high", HrZone("2", ZonePosition.HIGH)),
        ("high zone 2", HrZone("2", ZonePosition.HIGH)),
        ("Z3 mid", HrZone("3", ZonePosition.MID)),
        ("Z5a", HrZone("5a")),
        ("145-155 bpm", HrRange(145, 155)),
        ("70-80% HRmax", HrPercent(70, 80, HrBasis.MAX)),
        ("60-70% HRR", HrPercent(60, 70, HrBasis.RESERVE)),
        ("90-95% LTHR", HrPercent(90, 95, HrBasis.LTHR)),
        ("4:30-4:50/km", PaceRange(270, 290, PaceUnit.KM)),
        ("MP+5s..MP+10s/mi", RelativePace(PaceRef.MARATHON, 5, 10, PaceUnit.MI)),
        ("MP-20s..MP-15s/mi", RelativePace(PaceRef.MARATHON, -20, -15, PaceUnit.MI)),
        ("10K..10K+5s/km", RelativePace(PaceRef.TEN_K, 0, 5, PaceUnit.KM)),
        ("170-180 spm", CadenceRange(170, 180, CadenceTargetUnit.SPM)),
        ("85-95 rpm", CadenceRange(85, 95, CadenceTargetUnit.RPM)),
        ("250-270 W", PowerRange(250, 270)),
        ("88-94% FTP", PowerPercent(88, 94)),
        ("88% FTP", PowerPercent(88, 88)),
        ("300% FTP", PowerPercent(300, 300)),
        ("150 bpm", HrRange(150, 150)),
        ("90% LTHR", HrPercent(90, 90, HrBasis.LTHR)),
        ("7:00/mi", PaceRange(420, 420, PaceUnit.MI)),
        ("MP+10s/mi", RelativePace(PaceRef.MARATHON, 10, 10, PaceUnit.MI)),
        ("90 rpm", CadenceRange(90, 90, CadenceTargetUnit.RPM)),
        ("250 W", PowerRange(250, 250)),
        ("ramp 60% FTP to 90% FTP", Ramp(PowerPercent(60, 60), PowerPercent(90, 90))),
        ("ramp 130 bpm to 150 bpm", Ramp(HrRange(130, 130), HrRange(150, 150))),
        (
            "ramp 7:30/mi to 7:00/mi",
            Ramp(PaceRange(450, 450, PaceUnit.MI), PaceRange(420, 420, PaceUnit.MI)),
        ),
        ("ramp Z1 to Z3 low", Ramp(HrZone("1"), HrZone("3", ZonePosition.LOW))),
        ("ramp 60-65% FTP to 85-90% FTP", Ramp(PowerPercent(60, 65), PowerPercent(85, 90))),
        ("open", None),
    ],
)
def test_targets_parse_and_format_back(text: str, expected: object) -> None:
    target = parse_target(text)
    assert target == expected
    assert parse_target(format_target(target)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("20 parsecs", "not a duration"),
        ("until HR", "not a condition"),
        ("3-2 sets", "min > max"),
        ("", "not a duration"),
    ],
)
def test_bad_durations(text: str, message: str) -> None:
    with pytest.raises(TermError, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("155-145 bpm", "min > max"),
        ("MP+10s..MP+5s/mi", "min > max"),
        ("MP+5s..10K+10s/mi", "same reference"),
        ("high Z2 low", "position once"),
        ("fast", "not a target"),
        ("ramp 60% FTP to 150 bpm", "same kind"),
        ("ramp 7:00/mi to 4:20/km", "same kind"),
        ("ramp 60% FTP", "not a ramp"),
        ("ramp open to 90% FTP", "cannot start or end open"),
    ],
)
def test_bad_targets(text: str, message: str) -> None:
    with pytest.raises(TermError, match=message):
        parse_target(text)


def test_single_values_never_print_as_zero_width_ranges() -> None:
    assert format_target(PowerPercent(72, 72)) == "72% FTP"
    assert format_target(PowerRange(180, 180)) == "180 W"
    assert format_target(PaceRange(200, 200, PaceUnit.KM)) == "3:20/km"
    assert format_target(RelativePace(PaceRef.THRESHOLD, 53, 53, PaceUnit.MI)) == "TP+53s/mi"


def test_canonical_spellings() -> None:
    assert format_duration(TimeDuration(4800)) == "80m"
    assert format_duration(TimeDuration(6000)) == "1:40:00"
    assert format_duration(TimeDuration(150)) == "2:30"
    # a bare m below 100 would read as minutes, so short distances use 'mtr'
    assert format_duration(DistanceDuration(60, DistanceUnit.M)) == "60mtr"
    assert format_duration(ConditionDuration(Comparison.BELOW, 120, 180)) == (
        "until HR < 120 bpm, max 3m"
    )


def test_rest_ranges() -> None:
    assert parse_rest("2-3m") == IntRange(120, 180)
    assert parse_rest("90s") == IntRange(90, 90)
    assert parse_rest("90s-2m") == IntRange(90, 120)
    with pytest.raises(TermError):
        parse_rest("3-2m")
