"""Pure decoders for the GATT measurements pacer subscribes to.

Every ``parse_*`` function takes the raw value of one notification and returns a frozen
measurement, or raises :class:`pacer.core.errors.SensorParseError` when the payload is truncated,
over-long, or inconsistent (flags that promise fields the payload does not carry, a value
the specification forbids). They never raise anything else, whatever the bytes
(a hypothesis test feeds them random byte strings).

Field layouts follow the Bluetooth SIG GATT Specification Supplement:

* Heart Rate Measurement (0x2A37)
* RSC Measurement (0x2A53)
* CSC Measurement (0x2A5B)
* Cycling Power Measurement (0x2A63)
* Battery Level (0x2A19)

Two small stateful-but-pure helpers turn measurements into what the engine wants, with time
passed in (never read from a clock):

* :class:`RevolutionRate` and :class:`CscCalculator` - cadence and speed from the deltas of
  cumulative revolution counters, with modular rollover, coasting, reset detection and a spike
  filter.
* :class:`StepCadence` - foot-pod cadence as steps per minute, whatever the pod reports.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from pacer.core.errors import SensorParseError
from pacer.core.samples import PodCadenceUnit as PodCadenceUnit  # the one enum, re-exported

_U16 = struct.Struct("<H")
_S16 = struct.Struct("<h")
_U32 = struct.Struct("<I")


class _Reader:
    """Reads little-endian fields in order and names the one that is missing."""

    __slots__ = ("data", "name", "pos")

    def __init__(self, data: bytes | bytearray | memoryview, name: str) -> None:
        self.data = bytes(data)
        self.name = name
        self.pos = 0

    def _need(self, size: int, what: str) -> int:
        start = self.pos
        if start + size > len(self.data):
            raise SensorParseError(
                f"{self.name}: truncated: {what} needs bytes {start}..{start + size - 1}, "
                f"payload has {len(self.data)} ({self.data.hex(' ')})"
            )
        self.pos = start + size
        return start

    def u8(self, what: str) -> int:
        return self.data[self._need(1, what)]

    def u16(self, what: str) -> int:
        value: int = _U16.unpack_from(self.data, self._need(2, what))[0]
        return value

    def s16(self, what: str) -> int:
        value: int = _S16.unpack_from(self.data, self._need(2, what))[0]
        return value

    def u32(self, what: str) -> int:
        value: int = _U32.unpack_from(self.data, self._need(4, what))[0]
        return value

    def raw(self, size: int, what: str) -> bytes:
        start = self._need(size, what)
        return self.data[start : start + size]

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def end(self) -> None:
        if self.pos != len(self.data):
            raise SensorParseError(
                f"{self.name}: over-long: {len(self.data) - self.pos} unexpected byte(s) after "
                f"byte {self.pos - 1} ({self.data.hex(' ')})"
            )


# --- Heart Rate Measurement (0x2A37) ------------------------------------------------------

HR_FLAG_UINT16 = 0x01
HR_FLAG_CONTACT_DETECTED = 0x02
HR_FLAG_CONTACT_SUPPORTED = 0x04
HR_FLAG_ENERGY = 0x08
HR_FLAG_RR = 0x10


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    bpm: int
    #: True/False when the strap supports contact detection, None when it does not (the
    #: "detected" bit means nothing unless the "supported" bit is set).
    contact: bool | None
    #: Energy expended since the strap's last reset, kJ.
    energy_kj: int | None
    #: RR intervals in units of 1/1024 s, in the order received.
    rr_1024: tuple[int, ...]

    @property
    def rr_s(self) -> tuple[float, ...]:
        return tuple(rr / 1024 for rr in self.rr_1024)


def parse_heart_rate(data: bytes | bytearray | memoryview) -> HeartRateMeasurement:
    r = _Reader(data, "heart rate measurement")
    flags = r.u8("flags")
    bpm = r.u16("heart rate (uint16)") if flags & HR_FLAG_UINT16 else r.u8("heart rate (uint8)")
    contact: bool | None = None
    if flags & HR_FLAG_CONTACT_SUPPORTED:
        contact = bool(flags & HR_FLAG_CONTACT_DETECTED)
    energy = r.u16("energy expended") if flags & HR_FLAG_ENERGY else None
    rr: tuple[int, ...] = ()
    if flags & HR_FLAG_RR:
        if r.remaining == 0:
            r.u16("RR interval")  # the flag promises at least one: raises "truncated"
        if r.remaining % 2:
            raise SensorParseError(
                f"heart rate measurement: RR intervals are uint16 but {r.remaining} byte(s) "
                f"follow ({r.data.hex(' ')})"
            )
        rr = tuple(r.u16("RR interval") for _ in range(r.remaining // 2))
    r.end()
    return HeartRateMeasurement(bpm=bpm, contact=contact, energy_kj=energy, rr_1024=rr)


# --- RSC Measurement (0x2A53) -------------------------------------------------------------

RSC_FLAG_STRIDE = 0x01
RSC_FLAG_DISTANCE = 0x02
RSC_FLAG_RUNNING = 0x04


@dataclass(frozen=True, slots=True)
class RscMeasurement:
    speed_mps: float
    #: Cadence as the pod reports it, per minute: steps or strides (see :class:`StepCadence`).
    cadence: int
    stride_m: float | None
    distance_m: float | None
    running: bool


def parse_rsc(data: bytes | bytearray | memoryview) -> RscMeasurement:
    r = _Reader(data, "RSC measurement")
    flags = r.u8("flags")
    speed = r.u16("instantaneous speed") / 256
    cadence = r.u8("instantaneous cadence")
    stride = r.u16("stride length") / 100 if flags & RSC_FLAG_STRIDE else None
    distance = r.u32("total distance") / 10 if flags & RSC_FLAG_DISTANCE else None
    r.end()
    return RscMeasurement(
        speed_mps=speed,
        cadence=cadence,
        stride_m=stride,
        distance_m=distance,
        running=bool(flags & RSC_FLAG_RUNNING),
    )


# --- CSC Measurement (0x2A5B) -------------------------------------------------------------

CSC_FLAG_WHEEL = 0x01
CSC_FLAG_CRANK = 0x02


@dataclass(frozen=True, slots=True)
class CscMeasurement:
    #: Cumulative wheel revolutions (uint32) and last wheel event time (1/1024 s, uint16).
    wheel_revs: int | None
    wheel_time: int | None
    #: Cumulative crank revolutions (uint16) and last crank event time (1/1024 s, uint16).
    crank_revs: int | None
    crank_time: int | None


def parse_csc(data: bytes | bytearray | memoryview) -> CscMeasurement:
    r = _Reader(data, "CSC measurement")
    flags = r.u8("flags")
    wheel_revs = wheel_time = crank_revs = crank_time = None
    if flags & CSC_FLAG_WHEEL:
        wheel_revs = r.u32("cumulative wheel revolutions")
        wheel_time = r.u16("last wheel event time")
    if flags & CSC_FLAG_CRANK:
        crank_revs = r.u16("cumulative crank revolutions")
        crank_time = r.u16("last crank event time")
    r.end()
    return CscMeasurement(wheel_revs, wheel_time, crank_revs, crank_time)


# --- Cycling Power Measurement (0x2A63) ---------------------------------------------------

CP_FLAG_BALANCE = 1 << 0
CP_FLAG_BALANCE_LEFT = 1 << 1
CP_FLAG_ACC_TORQUE = 1 << 2
CP_FLAG_TORQUE_CRANK = 1 << 3
CP_FLAG_WHEEL = 1 << 4
CP_FLAG_CRANK = 1 << 5
CP_FLAG_EXTREME_FORCE = 1 << 6
CP_FLAG_EXTREME_TORQUE = 1 << 7
CP_FLAG_EXTREME_ANGLES = 1 << 8
CP_FLAG_TOP_DEAD_SPOT = 1 << 9
CP_FLAG_BOTTOM_DEAD_SPOT = 1 << 10
CP_FLAG_ENERGY = 1 << 11
CP_FLAG_OFFSET_COMPENSATION = 1 << 12


@dataclass(frozen=True, slots=True)
class CyclingPowerMeasurement:
    #: Instantaneous power, W (signed: a trainer braking reports negative power).
    power_w: int
    #: Pedal power balance, percent (resolution 1/2 %), of the left pedal when
    #: ``balance_left`` is set, reference unknown otherwise.
    balance_pct: float | None = None
    balance_left: bool = False
    #: Accumulated torque, N·m (resolution 1/32), crank based when ``torque_crank``.
    accumulated_torque_nm: float | None = None
    torque_crank: bool = False
    #: Cumulative wheel revolutions (uint32), last wheel event time in 1/2048 s.
    wheel_revs: int | None = None
    wheel_time: int | None = None
    #: Cumulative crank revolutions (uint16), last crank event time in 1/1024 s.
    crank_revs: int | None = None
    crank_time: int | None = None
    max_force_n: int | None = None
    min_force_n: int | None = None
    max_torque_nm: float | None = None
    min_torque_nm: float | None = None
    max_angle_deg: int | None = None
    min_angle_deg: int | None = None
    top_dead_spot_deg: int | None = None
    bottom_dead_spot_deg: int | None = None
    #: Accumulated energy, kJ.
    energy_kj: int | None = None
    offset_compensation: bool = False


def parse_cycling_power(data: bytes | bytearray | memoryview) -> CyclingPowerMeasurement:
    r = _Reader(data, "cycling power measurement")
    flags = r.u16("flags")
    power = r.s16("instantaneous power")
    fields: dict[str, float | int | bool | None] = {}
    if flags & CP_FLAG_BALANCE:
        raw = r.u8("pedal power balance")
        if raw > 200:
            raise SensorParseError(
                f"cycling power measurement: pedal power balance {raw / 2:g} % is over 100 %"
            )
        fields["balance_pct"] = raw / 2
    fields["balance_left"] = bool(flags & CP_FLAG_BALANCE_LEFT)
    if flags & CP_FLAG_ACC_TORQUE:
        fields["accumulated_torque_nm"] = r.u16("accumulated torque") / 32
    fields["torque_crank"] = bool(flags & CP_FLAG_TORQUE_CRANK)
    if flags & CP_FLAG_WHEEL:
        fields["wheel_revs"] = r.u32("cumulative wheel revolutions")
        fields["wheel_time"] = r.u16("last wheel event time")
    if flags & CP_FLAG_CRANK:
        fields["crank_revs"] = r.u16("cumulative crank revolutions")
        fields["crank_time"] = r.u16("last crank event time")
    if flags & CP_FLAG_EXTREME_FORCE:
        fields["max_force_n"] = r.s16("maximum force magnitude")
        fields["min_force_n"] = r.s16("minimum force magnitude")
    if flags & CP_FLAG_EXTREME_TORQUE:
        fields["max_torque_nm"] = r.s16("maximum torque magnitude") / 32
        fields["min_torque_nm"] = r.s16("minimum torque magnitude") / 32
    if flags & CP_FLAG_EXTREME_ANGLES:
        b0, b1, b2 = r.raw(3, "extreme angles")
        fields["max_angle_deg"] = b0 | (b1 & 0x0F) << 8
        fields["min_angle_deg"] = b1 >> 4 | b2 << 4
    if flags & CP_FLAG_TOP_DEAD_SPOT:
        fields["top_dead_spot_deg"] = r.u16("top dead spot angle")
    if flags & CP_FLAG_BOTTOM_DEAD_SPOT:
        fields["bottom_dead_spot_deg"] = r.u16("bottom dead spot angle")
    if flags & CP_FLAG_ENERGY:
        fields["energy_kj"] = r.u16("accumulated energy")
    fields["offset_compensation"] = bool(flags & CP_FLAG_OFFSET_COMPENSATION)
    r.end()
    return CyclingPowerMeasurement(power, **fields)  # type: ignore[arg-type]


# --- Battery Level (0x2A19) ---------------------------------------------------------------


def parse_battery_level(data: bytes | bytearray | memoryview) -> int:
    """Battery level in percent (0..100)."""
    r = _Reader(data, "battery level")
    level = r.u8("battery level")
    r.end()
    if level > 100:
        raise SensorParseError(f"battery level: {level} % is over 100 %")
    return level


# --- Rates from cumulative counters -------------------------------------------------------

#: Event times are uint16 in every measurement pacer reads.
EVENT_TIME_MODULUS = 1 << 16


@dataclass
class RevolutionRate:
    """Revolutions per minute from a cumulative counter and a last-event time.

    Feed every measurement with :meth:`update` (``t`` is the arrival time in seconds, from
    the caller's clock). The rate is computed from the deltas since the previous *new* event,
    modulo the counter and timer widths, so rollovers are seamless:

    * no new revolution: the sensor is coasting; the last rate is held until
      ``coast_timeout_s`` (arrival time) after the last new event, then it is 0. The first
      event after such a stop only sets a new baseline (its delta spans the stop);
    * the counter went backwards (modular delta over half the range): the sensor was reset;
      new baseline, the rate is held (``resets`` counts these);
    * a rate above ``max_per_min``, or revolutions with no time step: a spike; the baseline
      moves on (the counters are cumulative) but the rate is held (``spikes`` counts these);
    * more than one timer period (64 s at 1/1024 s) since the last new event: the timer may
      have wrapped more than once, so no rate from this delta; new baseline.

    ``total_revs`` adds up every plausible delta (distance for a wheel).
    """

    revs_modulus: int
    ticks_per_s: int
    max_per_min: float
    coast_timeout_s: float = 3.0
    rate: float | None = field(default=None, init=False)
    total_revs: int = field(default=0, init=False)
    resets: int = field(default=0, init=False)
    spikes: int = field(default=0, init=False)
    _revs: int | None = field(default=None, init=False, repr=False)
    _ticks: int = field(default=0, init=False, repr=False)
    _event_t: float = field(default=0.0, init=False, repr=False)

    @property
    def _timer_period_s(self) -> float:
        return EVENT_TIME_MODULUS / self.ticks_per_s

    def update(self, revs: int, ticks: int, t: float) -> float | None:
        """The rate in revolutions per minute after this measurement (None: not known yet)."""
        revs %= self.revs_modulus
        ticks %= EVENT_TIME_MODULUS
        if self._revs is None:
            self._revs, self._ticks, self._event_t = revs, ticks, t
            return self.rate
        d_revs = (revs - self._revs) % self.revs_modulus
        d_ticks = (ticks - self._ticks) % EVENT_TIME_MODULUS
        if d_revs == 0:
            # No new revolution: coasting (a sensor that moves the event time anyway is
            # followed, but that is not an event either).
            self._ticks = ticks
            if t - self._event_t >= self.coast_timeout_s:
                self.rate = 0.0
            return self.rate
        elapsed = t - self._event_t
        self._revs, self._ticks, self._event_t = revs, ticks, t
        if d_revs * 2 > self.revs_modulus:
            self.resets += 1
            return self.rate
        if elapsed > self._timer_period_s:
            # The event timer may have wrapped more than once: count the revolutions if
            # they are plausible for the time that passed, but compute no rate from them.
            if d_revs <= self.max_per_min * elapsed / 60:
                self.total_revs += d_revs
            return self.rate
        if d_ticks == 0:
            self.spikes += 1
            return self.rate
        rate = d_revs * self.ticks_per_s * 60 / d_ticks
        if rate > self.max_per_min:
            self.spikes += 1
            return self.rate
        self.total_revs += d_revs
        if self.rate == 0.0 and d_ticks >= self.coast_timeout_s * self.ticks_per_s:
            # The first event after a stop: its delta spans the stop. Wait for the next.
            return self.rate
        self.rate = rate
        return rate


#: A 700x25C road wheel, m; configurable per sensor.
DEFAULT_WHEEL_CIRCUMFERENCE_M = 2.105


@dataclass(frozen=True, slots=True)
class BikeRates:
    cadence_rpm: float | None
    speed_mps: float | None
    distance_m: float | None


@dataclass
class CscCalculator:
    """Cadence, speed and distance from CSC (or Cycling Power) measurements.

    ``wheel_ticks_per_s`` is 1024 for CSC and 2048 for Cycling Power wheel data.
    """

    wheel_circumference_m: float = DEFAULT_WHEEL_CIRCUMFERENCE_M
    wheel_ticks_per_s: int = 1024
    coast_timeout_s: float = 3.0
    max_cadence_rpm: float = 250.0
    max_speed_mps: float = 30.0
    crank: RevolutionRate = field(init=False)
    wheel: RevolutionRate = field(init=False)

    def __post_init__(self) -> None:
        self.crank = RevolutionRate(
            revs_modulus=1 << 16,
            ticks_per_s=1024,
            max_per_min=self.max_cadence_rpm,
            coast_timeout_s=self.coast_timeout_s,
        )
        self.wheel = RevolutionRate(
            revs_modulus=1 << 32,
            ticks_per_s=self.wheel_ticks_per_s,
            max_per_min=self.max_speed_mps / self.wheel_circumference_m * 60,
            coast_timeout_s=self.coast_timeout_s,
        )

    def update(
        self,
        t: float,
        *,
        wheel_revs: int | None = None,
        wheel_time: int | None = None,
        crank_revs: int | None = None,
        crank_time: int | None = None,
    ) -> BikeRates:
        cadence = speed = distance = None
        if crank_revs is not None and crank_time is not None:
            cadence = self.crank.update(crank_revs, crank_time, t)
        if wheel_revs is not None and wheel_time is not None:
            wheel_rpm = self.wheel.update(wheel_revs, wheel_time, t)
            if wheel_rpm is not None:
                speed = wheel_rpm / 60 * self.wheel_circumference_m
            distance = self.wheel.total_revs * self.wheel_circumference_m
        return BikeRates(cadence, speed, distance)

    def update_csc(self, m: CscMeasurement, t: float) -> BikeRates:
        return self.update(
            t,
            wheel_revs=m.wheel_revs,
            wheel_time=m.wheel_time,
            crank_revs=m.crank_revs,
            crank_time=m.crank_time,
        )

    @property
    def resets(self) -> int:
        return self.crank.resets + self.wheel.resets

    @property
    def spikes(self) -> int:
        return self.crank.spikes + self.wheel.spikes


# --- Foot-pod cadence ---------------------------------------------------------------------


#: Above this speed (m/s) a runner takes well over 120 steps a minute ...
PLAUSIBLE_SPEED_MPS = 2.0
#: ... so a cadence under this is almost surely strides per minute.
PLAUSIBLE_MIN_SPM = 120
#: Below PLAUSIBLE_SPEED_MPS a cadence of this or more is steps: as strides it would be 200+
#: steps a minute at a walk.
WALK_MAX_STRIDES = 100
#: The most steps a minute pacer reports (a sprinter's turnover is about 240): a pod's 255, or
#: 255 strides (510), is clamped to this.
MAX_SPM = 250.0


@dataclass
class StepCadence:
    """Foot-pod cadence as steps per minute.

    Pods disagree: the RSC specification's cadence is steps per minute, but some pods report
    strides (one foot). ``unit`` is the per-sensor setting (strides are doubled). For a pod set
    to steps, a guard weighs the evidence, one sample at a time:

    * stride-like: faster than 2 m/s with a cadence under 120 (a runner takes more steps);
    * step-like: a cadence of 120 or more, or of 100 or more under 2 m/s (as strides, 200+
      steps a minute at a walk);
    * anything else (a cadence of 0, a slow low cadence) is no evidence.

    A tally goes up by one for stride-like evidence and down by one for step-like, between 0
    and ``latch_after``: the pod is taken to report strides (``looks_like_strides``) when the
    tally reaches ``latch_after`` and no longer when it is back at 0, so it engages and releases
    on the same amount of consistent evidence, and a few odd samples do neither. While engaged,
    samples that are not step-like are doubled. Every result is clamped to 0..``MAX_SPM``.
    """

    unit: PodCadenceUnit = PodCadenceUnit.STEPS
    latch_after: int = 8
    looks_like_strides: bool = field(default=False, init=False)
    _tally: int = field(default=0, init=False, repr=False)

    def steps_per_minute(self, m: RscMeasurement) -> float:
        raw = float(m.cadence)
        if self.unit is PodCadenceUnit.STRIDES:
            return min(raw * 2, MAX_SPM)
        fast = m.speed_mps > PLAUSIBLE_SPEED_MPS
        step_like = raw >= PLAUSIBLE_MIN_SPM or (not fast and raw >= WALK_MAX_STRIDES)
        stride_like = fast and 0 < raw < PLAUSIBLE_MIN_SPM
        if stride_like:
            self._tally = min(self.latch_after, self._tally + 1)
        elif step_like:
            self._tally = max(0, self._tally - 1)
        if self._tally >= self.latch_after:
            self.looks_like_strides = True
        elif self._tally == 0:
            self.looks_like_strides = False
        if self.looks_like_strides and not step_like:
            raw *= 2
        return min(raw, MAX_SPM)
