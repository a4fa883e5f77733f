"""Zone resolution under each zone model; every number here was worked out by hand."""

from __future__ import annotations

import pytest

from pacer.core.errors import InputErrors, ProfileError
from pacer.workout.model import (
    HrBasis,
    HrPercent,
    HrZone,
    PaceRef,
    PaceUnit,
    PowerPercent,
    RelativePace,
    ZonePosition,
)
from pacer.workout.profile import Profile, Units, ZoneModel, load_profile
from pacer.workout.resolve import Metric, resolve_target


def bounds(profile: Profile) -> list[tuple[str, int, int]]:
    return [(z.name, z.low, z.high) for z in profile.zones()]


def test_five_zone_max_hr() -> None:
    # 185 x 50/60/70/80/90/100 % = 92.5, 111, 129.5, 148, 166.5, 185 (halves round up)
    assert bounds(Profile(max_hr=185)) == [
        ("1", 93, 111),
        ("2", 111, 130),
        ("3", 130, 148),
        ("4", 148, 167),
        ("5", 167, 185),
    ]


def test_karvonen_hr_reserve() -> None:
    # reserve 185 - 50 = 135; Z2 = 50 + 0.6 x 135 = 131 .. 50 + 0.7 x 135 = 144.5 -> 145
    p = Profile(max_hr=185, resting_hr=50, zone_model=ZoneModel.HRR)
    assert bounds(p)[1] == ("2", 131, 145)
    assert bounds(p)[4] == ("5", 172, 185)  # 50 + 0.9 x 135 = 171.5 -> 172


def test_friel_lthr() -> None:
    # LTHR 168: Z2 85 % = 142.8 -> 143, 89 % = 149.52 -> 150; Z5a 100-102 % = 168-171
    p = Profile(max_hr=190, lthr=168, zone_model=ZoneModel.LTHR)
    zones = dict((n, (lo, hi)) for n, lo, hi in bounds(p))
    assert zones["2"] == (143, 150)
    assert zones["5a"] == (168, 171)
    assert zones["5c"] == (178, 190)  # 106 % = 178.08 up to max HR


def test_custom_bpm_boundaries() -> None:
    p = Profile(zone_model=ZoneModel.CUSTOM, custom_bounds=(100, 120, 140, 155, 170, 185))
    assert bounds(p)[2] == ("3", 140, 155)


def test_zone_positions_are_thirds() -> None:
    p = Profile(max_hr=185)
    # Z2 111-130: width 19, high third 111 + 12.67 = 123.67 -> 124 .. 130
    high = resolve_target(HrZone("2", ZonePosition.HIGH), p)
    assert (high.metric, high.low, high.high) == (Metric.HR, 124, 130)
    # Z3 130-148: width 18, mid third 136 .. 142
    mid = resolve_target(HrZone("3", ZonePosition.MID), p)
    assert (mid.low, mid.high) == (136, 142)
    assert mid.label == "Z3 mid 136-142 bpm"


def test_profile_overrides_positions() -> None:
    p = load_profile("max_hr: 185\nzone_positions:\n  high: 50-100\n")
    high = resolve_target(HrZone("2", ZonePosition.HIGH), p)
    assert (high.low, high.high) == (121, 130)  # 111 + 9.5 = 120.5 -> 121


def test_percent_targets() -> None:
    p = Profile(max_hr=185, resting_hr=50, lthr=168)
    r = resolve_target(HrPercent(70, 80, HrBasis.MAX), p)
    assert (r.low, r.high) == (130, 148)  # 129.5 -> 130, 148
    r = resolve_target(HrPercent(60, 70, HrBasis.RESERVE), p)
    assert (r.low, r.high) == (131, 145)
    r = resolve_target(HrPercent(90, 95, HrBasis.LTHR), p)
    assert (r.low, r.high) == (151, 160)  # 151.2, 159.6


def test_relative_pace_resolves_to_speed_in_profile_units() -> None:
    p = load_profile('paces: {marathon: "7:00/mi"}\nunits: imperial\n')
    r = resolve_target(RelativePace(PaceRef.MARATHON, 5, 10, PaceUnit.MI), p)
    assert r.metric is Metric.SPEED
    # 7:10/mi = 430 s per 1609.344 m = 3.7427 m/s; 7:05/mi = 425 s = 3.7867 m/s
    assert r.low == pytest.approx(1609.344 / 430)
    assert r.high == pytest.approx(1609.344 / 425)
    assert r.label == "MP+5s..MP+10s/mi 7:05-7:10/mi"


def test_ftp_percent_to_watts() -> None:
    r = resolve_target(PowerPercent(88, 94), Profile(ftp=250))
    assert (r.low, r.high) == (220, 235)


@pytest.mark.parametrize(
    ("target", "profile", "message"),
    [
        (HrZone("6"), Profile(), "Z6 is not defined"),
        (HrZone("5a"), Profile(), "Z5a is not defined"),
        (PowerPercent(88, 94), Profile(), "needs ftp"),
        (RelativePace(PaceRef.MARATHON, 5, 10, PaceUnit.MI), Profile(), "no MP reference"),
        (HrPercent(90, 95, HrBasis.LTHR), Profile(), "needs lthr"),
    ],
)
def test_targets_the_profile_cannot_resolve(target: object, profile: Profile, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        resolve_target(target, profile)  # type: ignore[arg-type]


def test_profile_file_errors_are_located() -> None:
    text = "max_hr: 185\nresting: 50\nzones: [100, 90]\nunits: furlongs\n"
    with pytest.raises(InputErrors) as info:
        load_profile(text, "me.yaml")
    messages = [str(e) for e in info.value.errors]
    assert messages == [
        "me.yaml:2:1: unknown key 'resting' in a profile (did you mean 'resting_hr'?)",
        "me.yaml:3:8: zone boundaries must increase",
        "me.yaml:4:8: units must be one of metric, imperial, not 'furlongs'",
    ]


# --- single values and ramps -------------------------------------------------------------


def test_single_values_are_bands_of_the_default_tolerances() -> None:
    from pacer.workout.model import CadenceRange, CadenceTargetUnit, HrPercent, HrRange, PaceRange
    from pacer.workout.model import PaceUnit as PU
    from pacer.workout.model import PowerPercent as PP

    p = Profile(ftp=250, max_hr=190)
    power = resolve_target(PP(88, 88), p)
    assert (power.low, power.high, power.label, power.single) == (
        212.5,
        227.5,
        "88% FTP 220 W",
        True,
    )
    hr = resolve_target(HrRange(150, 150), p)
    assert (hr.low, hr.high, hr.label) == (147, 153, "150 bpm")
    pct = resolve_target(HrPercent(80, 80, HrBasis.MAX), p)
    assert (pct.low, pct.high, pct.label) == (149, 155, "80% HRmax 152 bpm")
    pace = resolve_target(PaceRange(420, 420, PU.MI), Profile(units=Units.IMPERIAL))
    mile = 1609.344
    assert pace.low == pytest.approx(mile / 425)  # 7:05/mi, 5 s slower
    assert pace.high == pytest.approx(mile / 415)
    assert pace.label == "7:00/mi"
    rpm = resolve_target(CadenceRange(90, 90, CadenceTargetUnit.RPM), p)
    assert (rpm.low, rpm.high, rpm.label) == (87, 93, "90 rpm")
    # a range stays as written: no tolerance added
    assert resolve_target(PP(88, 94), p).low == 220


def test_profile_tolerances_change_the_bands() -> None:
    from pacer.workout.model import HrRange, PaceRange
    from pacer.workout.model import PaceUnit as PU
    from pacer.workout.model import PowerPercent as PP

    p = load_profile("ftp: 200\ntolerances: {power: 5, hr: 2, pace: 3s/km, cadence: 1}\n")
    assert resolve_target(PP(100, 100), p).low == 190
    assert resolve_target(HrRange(150, 150), p).high == 152
    pace = resolve_target(PaceRange(300, 300, PU.KM), p)
    assert pace.high == pytest.approx(1000 / 297)
    with pytest.raises(InputErrors) as info:
        load_profile("tolerances: {power: lots, pace: 5s, speed: 1}\n", "p.yaml")
    assert sorted(str(e) for e in info.value.errors) == [
        "p.yaml:1:21: tolerances.power must be a number from 0 to 20",
        "p.yaml:1:33: tolerances.pace must look like 5s/mi or 3s/km (at most a minute)",
        "p.yaml:1:37: unknown key 'speed' in tolerances",
    ]


def test_a_ramp_resolves_to_a_moving_band() -> None:
    from pacer.workout.model import PowerPercent as PP
    from pacer.workout.model import Ramp

    t = resolve_target(Ramp(PP(60, 60), PP(90, 90)), Profile(ftp=200))
    assert t.is_ramp
    assert t.trend == 1
    assert t.label == "ramp 60% FTP 120 W to 90% FTP 180 W"
    assert t.bounds_at(0.0) == (114, 126)
    assert t.bounds_at(0.5) == (144, 156)
    assert t.bounds_at(1.0) == (174, 186)
    assert t.contains(150, 0.5)
    assert not t.contains(120, 0.5)  # the ramp's start is under by then
    down = resolve_target(Ramp(HrZone("3"), HrZone("1")), Profile())
    assert down.trend == -1
