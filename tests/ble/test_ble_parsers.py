"""The BLE parsers on byte tables, the rate helpers, the per-role decoders.

Tables hold the examples published with the issue (the Bluetooth SIG's heart-rate example
``1E 55 32 00 21 00`` and the CSC crank rollover pair) and payloads written field by field
from the GATT Specification Supplement's layouts, each commented with its fields.
"""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.ble.decode import decoder_for
from pacer.ble.parsers import (
    MAX_SPM,
    CscCalculator,
    CyclingPowerMeasurement,
    HeartRateMeasurement,
    PodCadenceUnit,
    RevolutionRate,
    RscMeasurement,
    StepCadence,
    parse_battery_level,
    parse_csc,
    parse_cycling_power,
    parse_heart_rate,
    parse_rsc,
)
from pacer.core.errors import SensorParseError
from pacer.core.samples import BatterySample, BikeSample, HeartRateSample, SensorRole, StrideSample


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- Heart Rate Measurement ---------------------------------------------------------------

HR_TABLE = [
    # The SIG example: flags 0x1E = contact supported+detected, energy, RR; 85 bpm; 50 kJ;
    # one RR interval of 33/1024 s.
    ("1E 55 32 00 21 00", HeartRateMeasurement(85, True, 50, (33,))),
    # Bare uint8 heart rate, contact not supported.
    ("00 48", HeartRateMeasurement(72, None, None, ())),
    # uint16 format flag: 0x012C = 300 bpm.
    ("01 2C 01", HeartRateMeasurement(300, None, None, ())),
    # Contact supported, not detected.
    ("04 48", HeartRateMeasurement(72, False, None, ())),
    # "Detected" without "supported" means nothing.
    ("02 48", HeartRateMeasurement(72, None, None, ())),
    # Supported and detected.
    ("06 48", HeartRateMeasurement(72, True, None, ())),
    # Two RR intervals: 1024 (1 s) and 512 (0.5 s).
    ("10 48 00 04 00 02", HeartRateMeasurement(72, None, None, (1024, 512))),
    # uint16 HR 300, energy 10 kJ, RR 1024.
    ("19 2C 01 0A 00 00 04", HeartRateMeasurement(300, None, 10, (1024,))),
    # Contact, three RR intervals (800, 784, 768).
    ("16 3C 20 03 10 03 00 03", HeartRateMeasurement(60, True, None, (800, 784, 768))),
    # Reserved bits (5..7) set: ignored.
    ("E0 48", HeartRateMeasurement(72, None, None, ())),
]

HR_ERRORS = [
    ("", "truncated"),  # no flags
    ("00", "truncated"),  # no heart rate
    ("01 48", "truncated"),  # uint16 flag, one byte
    ("08 48 32", "truncated"),  # energy promised, one byte
    ("10 48", "truncated"),  # RR promised, none there
    ("10 48 00 04 00", "RR intervals are uint16"),  # odd RR bytes
    ("00 48 00", "over-long"),  # trailing byte
    ("0E 48 32 00 FF", "over-long"),  # energy then a stray byte, no RR flag
]


@pytest.mark.parametrize(("payload", "expected"), HR_TABLE)
def test_heart_rate_table(payload: str, expected: HeartRateMeasurement) -> None:
    assert parse_heart_rate(h(payload)) == expected


def test_heart_rate_rr_in_seconds() -> None:
    assert parse_heart_rate(h("1E 55 32 00 21 00")).rr_s == (33 / 1024,)
    assert parse_heart_rate(h("10 48 00 04 00 02")).rr_s == (1.0, 0.5)


@pytest.mark.parametrize(("payload", "message"), HR_ERRORS)
def test_heart_rate_errors(payload: str, message: str) -> None:
    with pytest.raises(SensorParseError, match=message):
        parse_heart_rate(h(payload))


# --- RSC Measurement ----------------------------------------------------------------------

RSC_TABLE = [
    # Walking, speed 0x0200/256 = 2.0 m/s, cadence 180.
    ("00 00 02 B4", RscMeasurement(2.0, 180, None, None, False)),
    # Running, 3.0 m/s, cadence 90, stride 140 cm, total distance 1000 dm.
    ("07 00 03 5A 8C 00 E8 03 00 00", RscMeasurement(3.0, 90, 1.4, 100.0, True)),
    # Running, 2.5 m/s, cadence 170.
    ("04 80 02 AA", RscMeasurement(2.5, 170, None, None, True)),
    # Distance only: 0x00012345 dm.
    ("02 00 01 50 45 23 01 00", RscMeasurement(1.0, 80, None, 7456.5, False)),
]

RSC_ERRORS = [
    ("", "truncated"),
    ("00 00 02", "truncated"),  # no cadence
    ("01 00 02 B4 64", "truncated"),  # stride length promised, one byte
    ("02 00 02 B4 E8 03 00", "truncated"),  # distance promised, three bytes
    ("00 00 02 B4 00", "over-long"),
]


@pytest.mark.parametrize(("payload", "expected"), RSC_TABLE)
def test_rsc_table(payload: str, expected: RscMeasurement) -> None:
    assert parse_rsc(h(payload)) == expected


@pytest.mark.parametrize(("payload", "message"), RSC_ERRORS)
def test_rsc_errors(payload: str, message: str) -> None:
    with pytest.raises(SensorParseError, match=message):
        parse_rsc(h(payload))


# --- CSC Measurement ----------------------------------------------------------------------

CSC_TABLE = [
    ("01 0A 00 00 00 00 04", (10, 1024, None, None)),  # wheel: 10 revs at 1 s
    ("02 FF FF 00 FC", (None, None, 65535, 64512)),  # the SIG rollover example, part 1
    ("02 01 00 00 04", (None, None, 1, 1024)),  # ... part 2
    ("03 E8 03 00 00 00 08 2D 00 00 06", (1000, 2048, 45, 1536)),  # wheel then crank
    ("00", (None, None, None, None)),  # nothing present
]

CSC_ERRORS = [
    ("", "truncated"),
    ("01 0A 00 00", "truncated"),
    ("02 01 00 00", "truncated"),
    ("03 E8 03 00 00 00 08", "truncated"),  # crank promised after the wheel data
    ("02 01 00 00 04 00", "over-long"),
]


@pytest.mark.parametrize(("payload", "expected"), CSC_TABLE)
def test_csc_table(payload: str, expected: tuple[int | None, ...]) -> None:
    m = parse_csc(h(payload))
    assert (m.wheel_revs, m.wheel_time, m.crank_revs, m.crank_time) == expected


@pytest.mark.parametrize(("payload", "message"), CSC_ERRORS)
def test_csc_errors(payload: str, message: str) -> None:
    with pytest.raises(SensorParseError, match=message):
        parse_csc(h(payload))


# --- Cycling Power Measurement ------------------------------------------------------------

EVERY_FIELD = (
    "FF 0F"  # flags: bits 0..11
    " C8 00"  # power 200 W
    " 64"  # balance 100/2 = 50 % (left, bit 1)
    " 40 01"  # accumulated torque 320/32 = 10 N·m (crank based, bit 3)
    " 88 13 00 00 00 10"  # wheel: 5000 revs, event 4096/2048 s
    " 2C 01 00 08"  # crank: 300 revs, event 2048/1024 s
    " F4 01 9C FF"  # extreme forces: 500 N, -100 N
    " C0 03 C0 FF"  # extreme torques: 960/32 = 30, -64/32 = -2 N·m
    " 0E A1 05"  # extreme angles: uint12 270, uint12 90
    " 0A 00"  # top dead spot 10°
    " BE 00"  # bottom dead spot 190°
    " 7B 00"  # accumulated energy 123 kJ
)

CP_TABLE = [
    ("00 00 2C 01", CyclingPowerMeasurement(300)),
    ("00 00 F6 FF", CyclingPowerMeasurement(-10)),  # signed power
    ("20 00 FA 00 0A 00 00 04", CyclingPowerMeasurement(250, crank_revs=10, crank_time=1024)),
    ("00 10 2C 01", CyclingPowerMeasurement(300, offset_compensation=True)),
    (
        EVERY_FIELD,
        CyclingPowerMeasurement(
            200,
            balance_pct=50.0,
            balance_left=True,
            accumulated_torque_nm=10.0,
            torque_crank=True,
            wheel_revs=5000,
            wheel_time=4096,
            crank_revs=300,
            crank_time=2048,
            max_force_n=500,
            min_force_n=-100,
            max_torque_nm=30.0,
            min_torque_nm=-2.0,
            max_angle_deg=270,
            min_angle_deg=90,
            top_dead_spot_deg=10,
            bottom_dead_spot_deg=190,
            energy_kj=123,
        ),
    ),
]

CP_ERRORS = [
    ("", "truncated"),
    ("00", "truncated"),  # half the flags
    ("00 00 2C", "truncated"),  # half the power
    ("20 00 FA 00 0A 00", "truncated"),  # crank event time missing
    ("00 01 2C 01 0E A1", "truncated"),  # extreme angles need three bytes
    ("00 00 2C 01 00", "over-long"),
    ("01 00 2C 01 CA", "over 100 %"),  # balance 202/2 = 101 %
]


@pytest.mark.parametrize(("payload", "expected"), CP_TABLE)
def test_cycling_power_table(payload: str, expected: CyclingPowerMeasurement) -> None:
    assert parse_cycling_power(h(payload)) == expected


@pytest.mark.parametrize(("payload", "message"), CP_ERRORS)
def test_cycling_power_errors(payload: str, message: str) -> None:
    with pytest.raises(SensorParseError, match=message):
        parse_cycling_power(h(payload))


# --- Battery ------------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "percent"), [("64", 100), ("00", 0), ("37", 55)])
def test_battery_table(payload: str, percent: int) -> None:
    assert parse_battery_level(h(payload)) == percent


@pytest.mark.parametrize(
    ("payload", "message"), [("", "truncated"), ("65", "over 100"), ("64 00", "over-long")]
)
def test_battery_errors(payload: str, message: str) -> None:
    with pytest.raises(SensorParseError, match=message):
        parse_battery_level(h(payload))


# --- No byte string raises anything but SensorParseError ----------------------------------

PARSERS = [parse_heart_rate, parse_rsc, parse_csc, parse_cycling_power, parse_battery_level]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(data=st.binary(max_size=48))
@settings(max_examples=400, deadline=None)
def test_any_bytes_parse_or_raise_parse_error(parser: object, data: bytes) -> None:
    with contextlib.suppress(SensorParseError):
        parser(data)  # type: ignore[operator]


@given(
    flags=st.integers(0, 0xFF),
    bpm=st.integers(0, 0xFFFF),
    energy=st.integers(0, 0xFFFF),
    rr=st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=8),
)
def test_heart_rate_roundtrip(flags: int, bpm: int, energy: int, rr: list[int]) -> None:
    """Any payload built by the spec's layout parses back to the fields it was built from."""
    if not flags & 0x01:
        bpm &= 0xFF
    payload = bytes([flags]) + (struct.pack("<H", bpm) if flags & 0x01 else bytes([bpm]))
    if flags & 0x08:
        payload += struct.pack("<H", energy)
    if flags & 0x10:
        payload += struct.pack(f"<{len(rr)}H", *rr)
    m = parse_heart_rate(payload)
    assert m.bpm == bpm
    assert m.energy_kj == (energy if flags & 0x08 else None)
    assert m.rr_1024 == (tuple(rr) if flags & 0x10 else ())
    assert m.contact == (bool(flags & 0x02) if flags & 0x04 else None)


#: (flag bit, size) of the optional cycling power fields, in spec order.
CP_FIELDS = [(0, 1), (2, 2), (4, 6), (5, 4), (6, 4), (7, 4), (8, 3), (9, 2), (10, 2), (11, 2)]


@given(flags=st.integers(0, 0xFFFF), power=st.integers(-32768, 32767), data=st.data())
def test_cycling_power_truncation_always_detected(
    flags: int, power: int, data: st.DataObject
) -> None:
    """A payload laid out as the flags say parses; every shorter prefix is a parse error."""
    body = b""
    for bit, size in CP_FIELDS:
        if flags & (1 << bit):
            chunk = data.draw(st.binary(min_size=size, max_size=size))
            if bit == 0:
                chunk = bytes([chunk[0] % 201])  # a balance of at most 100 %
            body += chunk
    payload = struct.pack("<Hh", flags, power) + body
    assert parse_cycling_power(payload).power_w == power
    cut = data.draw(st.integers(0, len(payload) - 1))
    with pytest.raises(SensorParseError):
        parse_cycling_power(payload[:cut])


# --- Rates from cumulative counters -------------------------------------------------------


def test_csc_crank_rollover_is_60_rpm() -> None:
    """The issue's example: 0xFFFF revs at 0xFC00, then 1 rev at 0x0400 = 2 revs in 2 s."""
    calc = CscCalculator()
    assert calc.update_csc(parse_csc(h("02 FF FF 00 FC")), t=10.0).cadence_rpm is None
    assert calc.update_csc(parse_csc(h("02 01 00 00 04")), t=12.0).cadence_rpm == 60.0


def crank(calc: CscCalculator, revs: int, ticks: int, t: float) -> float | None:
    return calc.update(t, crank_revs=revs, crank_time=ticks).cadence_rpm


def test_coasting_holds_then_drops_to_zero() -> None:
    calc = CscCalculator(coast_timeout_s=3.0)
    crank(calc, 100, 0, 0.0)
    assert crank(calc, 101, 1024, 1.0) == 60.0
    # The sensor keeps notifying the same event: hold ...
    assert crank(calc, 101, 1024, 2.0) == 60.0
    assert crank(calc, 101, 1024, 3.9) == 60.0
    # ... until 3 s after the last new event.
    assert crank(calc, 101, 1024, 4.0) == 0.0
    # The first event after the stop spans the stop: it stays 0 ...
    assert crank(calc, 102, 1024 * 9, 9.0) == 0.0
    # ... and the next one gives the new cadence.
    assert crank(calc, 103, 1024 * 9 + 683, 9.7) == pytest.approx(89.96, abs=0.01)


def test_never_pedalled_reads_zero_after_the_timeout() -> None:
    calc = CscCalculator(coast_timeout_s=3.0)
    assert crank(calc, 7, 500, 0.0) is None
    assert crank(calc, 7, 500, 2.0) is None
    assert crank(calc, 7, 500, 3.0) == 0.0


def test_sensor_reset_is_detected_and_rate_held() -> None:
    calc = CscCalculator()
    crank(calc, 5000, 0, 0.0)
    assert crank(calc, 5001, 1024, 1.0) == 60.0
    # New battery: the counter restarts from 0.
    assert crank(calc, 0, 300, 2.0) == 60.0
    assert calc.resets == 1
    assert crank(calc, 1, 300 + 512, 2.5) == 120.0


def test_spike_is_dropped_and_baseline_moves_on() -> None:
    calc = CscCalculator(max_cadence_rpm=250)
    crank(calc, 10, 0, 0.0)
    assert crank(calc, 11, 1024, 1.0) == 60.0
    # 50 revolutions in one second (3000 rpm): a glitch.
    assert crank(calc, 61, 2048, 2.0) == 60.0
    assert calc.spikes == 1
    # The next delta is from the glitched count, so it is sane again.
    assert crank(calc, 62, 3072, 3.0) == 60.0
    # Revolutions with no time step are a spike too.
    assert crank(calc, 63, 3072, 3.5) == 60.0
    assert calc.spikes == 2


def test_timer_wrapped_more_than_once_gives_no_rate() -> None:
    calc = CscCalculator(coast_timeout_s=100.0)
    crank(calc, 10, 0, 0.0)
    assert crank(calc, 11, 1024, 1.0) == 60.0
    # 70 s later (past the 64 s timer period): the time delta is ambiguous.
    assert crank(calc, 12, 1024 + 512, 71.0) == 60.0
    assert crank(calc, 13, 1024 + 1024, 71.5) == 120.0


def test_wheel_speed_and_distance() -> None:
    calc = CscCalculator(wheel_circumference_m=2.0)
    r = calc.update(0.0, wheel_revs=1000, wheel_time=0)
    assert (r.speed_mps, r.distance_m) == (None, 0.0)
    r = calc.update(1.0, wheel_revs=1005, wheel_time=1024)
    assert r.speed_mps == 10.0
    assert r.distance_m == 10.0
    r = calc.update(2.0, wheel_revs=1009, wheel_time=2048)
    assert r.speed_mps == 8.0
    assert r.distance_m == 18.0


def test_wheel_counter_rolls_over_at_32_bits() -> None:
    calc = CscCalculator(wheel_circumference_m=2.0)
    calc.update(0.0, wheel_revs=0xFFFFFFFE, wheel_time=0xFE00)
    r = calc.update(1.0, wheel_revs=3, wheel_time=0x0200)
    assert r.speed_mps == 10.0  # 5 revs in 1024 ticks


def test_power_meter_wheel_time_is_in_1_2048_s() -> None:
    rate = RevolutionRate(revs_modulus=1 << 32, ticks_per_s=2048, max_per_min=10_000)
    rate.update(0, 0, 0.0)
    assert rate.update(4, 2048, 1.0) == 240.0


@given(
    steps=st.lists(
        st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.floats(0, 80)),
        max_size=40,
    )
)
def test_rates_stay_within_bounds(steps: list[tuple[int, int, float]]) -> None:
    calc = CscCalculator(max_cadence_rpm=250)
    t = 0.0
    for revs, ticks, dt in steps:
        t += dt
        cadence = crank(calc, revs, ticks, t)
        assert cadence is None or 0 <= cadence <= 250


# --- Foot-pod cadence ---------------------------------------------------------------------


def rsc(speed: float, cadence: int) -> RscMeasurement:
    return RscMeasurement(speed, cadence, None, None, True)


def test_steps_pod_passes_through() -> None:
    c = StepCadence(PodCadenceUnit.STEPS)
    assert c.steps_per_minute(rsc(3.0, 172)) == 172
    assert c.steps_per_minute(rsc(1.2, 110)) == 110  # slow: could be walking steps


def test_strides_setting_always_doubles() -> None:
    c = StepCadence(PodCadenceUnit.STRIDES)
    assert c.steps_per_minute(rsc(3.0, 86)) == 172
    assert c.steps_per_minute(rsc(1.0, 55)) == 110


def spm(c: StepCadence, samples: list[tuple[float, int]]) -> list[float]:
    return [c.steps_per_minute(rsc(speed, cadence)) for speed, cadence in samples]


WALK = (1.5, 110)  # a brisk walk: 110 steps a minute
ODD = (2.6, 85)  # a speed spike with a walking cadence: looks like strides, alone


def test_a_few_odd_samples_do_not_double_a_walk() -> None:
    """Issue 14: three odd samples latched the guard, then a walk read 220 spm."""
    c = StepCadence(PodCadenceUnit.STEPS)
    got = spm(c, [WALK, ODD, ODD, ODD, WALK, WALK, ODD, ODD, ODD, *[WALK] * 20])
    assert not c.looks_like_strides
    assert got == [110, 85, 85, 85, 110, 110, 85, 85, 85, *[110] * 20]


def test_consistent_evidence_engages_the_guard_and_as_much_releases_it() -> None:
    c = StepCadence(PodCadenceUnit.STEPS, latch_after=8)
    strides = spm(c, [(3.0, 86)] * 8)  # a pod that counts strides, running
    assert strides == [86] * 7 + [172]  # engaged on the 8th consistent sample
    assert c.looks_like_strides
    assert spm(c, [(1.2, 55), (0.0, 0)]) == [110, 0]  # its walk, doubled; standing, no evidence
    assert c.looks_like_strides
    # The same amount of step-like evidence releases it; step-like samples are never doubled.
    steps = spm(c, [(3.2, 174)] * 8)
    assert steps == [174] * 8
    assert not c.looks_like_strides
    assert spm(c, [(3.0, 86)]) == [86]  # one stride-like sample alone: no longer doubled


def test_mixed_evidence_does_not_flip_the_guard() -> None:
    c = StepCadence(PodCadenceUnit.STEPS, latch_after=8)
    spm(c, [(3.0, 86), (3.0, 172)] * 50)  # alternating: no consistent evidence either way
    assert not c.looks_like_strides
    spm(c, [(3.0, 86)] * 8)
    assert c.looks_like_strides
    spm(c, [(3.0, 172), (3.0, 86)] * 50)  # engaged: mixed evidence does not release it either
    assert c.looks_like_strides


def test_a_walking_cadence_under_an_engaged_guard_is_step_like() -> None:
    """Engaged wrongly (a pod set to steps with long stride-like stretches), a walk of 110
    steps is not read as 220: 100 or more under 2 m/s is steps, and it releases the guard."""
    c = StepCadence(PodCadenceUnit.STEPS, latch_after=4)
    spm(c, [(3.0, 90)] * 4)
    assert c.looks_like_strides
    assert spm(c, [WALK] * 4) == [110] * 4
    assert not c.looks_like_strides


def test_cadence_is_clamped_to_a_plausible_range() -> None:
    """``--cadence-unit strides`` and 255 (the byte's maximum) made 510 spm."""
    assert spm(StepCadence(PodCadenceUnit.STRIDES), [(3.0, 255), (3.0, 126), (3.0, 0)]) == [
        MAX_SPM,
        MAX_SPM,
        0,
    ]
    assert spm(StepCadence(PodCadenceUnit.STEPS), [(5.0, 255), (3.0, 250)]) == [MAX_SPM, 250]


#: RSC bytes (flags, speed u16 in 1/256 m/s, cadence u8) -> steps a minute, in order, for one
#: pod set to steps: a walk with speed spikes, then a strides pod's run.
RSC_TABLE = [
    ("00 80 01 6E", 110),  # 1.5 m/s, 110: a walk
    ("00 9A 02 55", 85),  # 2.6 m/s, 85: odd, alone
    ("00 9A 02 55", 85),
    ("00 9A 02 55", 85),
    *[("00 80 01 6E", 110)] * 3,  # the walk again: as much step-like evidence
    *[("00 00 03 56", 86)] * 7,  # 3.0 m/s, 86: strides; not enough evidence yet...
    ("00 00 03 56", 172),  # ... now it is
    ("00 00 03 FF", 255),  # 255: step-like, not doubled, clamped to 250 below
]


def test_foot_pod_decoder_guard_byte_table() -> None:
    decoder = decoder_for(SensorRole.POD, cadence_unit=PodCadenceUnit.STEPS)
    got = []
    for hexdata, _ in RSC_TABLE:
        (sample,) = decoder.decode(bytes.fromhex(hexdata), 0.0)
        assert isinstance(sample, StrideSample)
        got.append(sample.cadence_spm)
    assert got == [min(float(want), MAX_SPM) for _, want in RSC_TABLE]


# --- Decoders -----------------------------------------------------------------------------


def test_heart_rate_decoder_stamps_samples() -> None:
    d = decoder_for(SensorRole.HR)
    assert d.decode(h("1E 55 32 00 21 00"), 12.5) == (
        HeartRateSample(t=12.5, bpm=85, contact=True, rr_s=(33 / 1024,), energy_kj=50),
    )
    assert d.battery(h("4D"), 13.0) == BatterySample(t=13.0, role=SensorRole.HR, percent=77)


def test_foot_pod_decoder_reports_steps() -> None:
    d = decoder_for(SensorRole.POD, cadence_unit=PodCadenceUnit.STRIDES)
    (sample,) = d.decode(h("07 00 03 5A 8C 00 E8 03 00 00"), 5.0)
    assert sample == StrideSample(
        t=5.0, speed_mps=3.0, cadence_spm=180, distance_m=100.0, stride_m=1.4, running=True
    )


def test_cadence_decoder_waits_for_a_rate() -> None:
    d = decoder_for(SensorRole.CADENCE)
    assert d.decode(h("02 FF FF 00 FC"), 1.0) == ()
    assert d.decode(h("02 01 00 00 04"), 3.0) == (BikeSample(t=3.0, cadence_rpm=60.0),)


def test_power_decoder_reports_power_and_cadence() -> None:
    d = decoder_for(SensorRole.POWER)
    assert d.decode(h("20 00 FA 00 0A 00 00 04"), 1.0) == (BikeSample(t=1.0, power_w=250),)
    assert d.decode(h("20 00 04 01 0B 00 00 08"), 2.0) == (
        BikeSample(t=2.0, cadence_rpm=60.0, power_w=260),
    )


def test_decoder_state_untouched_by_a_bad_payload() -> None:
    d = decoder_for(SensorRole.CADENCE)
    d.decode(h("02 FF FF 00 FC"), 1.0)
    with pytest.raises(SensorParseError):
        d.decode(h("02 01 00 00"), 2.0)
    assert d.decode(h("02 01 00 00 04"), 3.0) == (BikeSample(t=3.0, cadence_rpm=60.0),)
