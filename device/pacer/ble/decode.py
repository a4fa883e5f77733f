"""From one notification's bytes to the samples the engine reads (pure, per role).

A decoder keeps the little state its role needs (the counters of a cadence sensor, the
steps/strides guess of a foot pod) and is fed the arrival time by its caller, so it is driven
by tests exactly as by a live session. A payload that cannot be parsed raises
:class:`pacer.core.errors.SensorParseError` and leaves that state untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacer.ble.parsers import (
    DEFAULT_WHEEL_CIRCUMFERENCE_M,
    CscCalculator,
    PodCadenceUnit,
    StepCadence,
    parse_battery_level,
    parse_csc,
    parse_cycling_power,
    parse_heart_rate,
    parse_rsc,
)
from pacer.core.samples import (
    BatterySample,
    BikeSample,
    HeartRateSample,
    Sample,
    SensorRole,
    StrideSample,
)


@dataclass
class Decoder:
    """Base: what a session asks of every role's decoder."""

    role: SensorRole

    def decode(self, data: bytes | bytearray, t: float) -> tuple[Sample, ...]:
        raise NotImplementedError

    def battery(self, data: bytes | bytearray, t: float) -> BatterySample:
        return BatterySample(t=t, role=self.role, percent=parse_battery_level(data))

    @property
    def counter_resets(self) -> int:
        """Times the sensor's cumulative counters went backwards (battery change, reset)."""
        return 0

    @property
    def spikes(self) -> int:
        """Implausible rates dropped by the spike filter."""
        return 0

    @property
    def looks_like_strides(self) -> bool:
        """A foot pod set to steps whose cadence looks like strides (see StepCadence)."""
        return False


@dataclass
class HeartRateDecoder(Decoder):
    role: SensorRole = SensorRole.HR

    def decode(self, data: bytes | bytearray, t: float) -> tuple[Sample, ...]:
        m = parse_heart_rate(data)
        return (
            HeartRateSample(t=t, bpm=m.bpm, contact=m.contact, rr_s=m.rr_s, energy_kj=m.energy_kj),
        )


@dataclass
class FootPodDecoder(Decoder):
    role: SensorRole = SensorRole.POD
    cadence: StepCadence = field(default_factory=StepCadence)

    def decode(self, data: bytes | bytearray, t: float) -> tuple[Sample, ...]:
        m = parse_rsc(data)
        return (
            StrideSample(
                t=t,
                speed_mps=m.speed_mps,
                cadence_spm=self.cadence.steps_per_minute(m),
                distance_m=m.distance_m,
                stride_m=m.stride_m,
                running=m.running,
            ),
        )

    @property
    def looks_like_strides(self) -> bool:
        return self.cadence.looks_like_strides


@dataclass
class _RevolutionDecoder(Decoder):
    calculator: CscCalculator = field(default_factory=CscCalculator)

    @property
    def counter_resets(self) -> int:
        return self.calculator.resets

    @property
    def spikes(self) -> int:
        return self.calculator.spikes


@dataclass
class CadenceDecoder(_RevolutionDecoder):
    """A cycling speed/cadence sensor (CSC): one sample per notification once a rate is known."""

    role: SensorRole = SensorRole.CADENCE

    def decode(self, data: bytes | bytearray, t: float) -> tuple[Sample, ...]:
        rates = self.calculator.update_csc(parse_csc(data), t)
        if rates.cadence_rpm is None and rates.speed_mps is None:
            return ()
        return (
            BikeSample(
                t=t,
                cadence_rpm=rates.cadence_rpm,
                speed_mps=rates.speed_mps,
                distance_m=rates.distance_m,
            ),
        )


@dataclass
class PowerDecoder(_RevolutionDecoder):
    """A power meter: power every notification, cadence (and speed) from its crank/wheel data."""

    role: SensorRole = SensorRole.POWER
    calculator: CscCalculator = field(default_factory=lambda: CscCalculator(wheel_ticks_per_s=2048))

    def decode(self, data: bytes | bytearray, t: float) -> tuple[Sample, ...]:
        m = parse_cycling_power(data)
        rates = self.calculator.update(
            t,
            wheel_revs=m.wheel_revs,
            wheel_time=m.wheel_time,
            crank_revs=m.crank_revs,
            crank_time=m.crank_time,
        )
        return (
            BikeSample(
                t=t,
                cadence_rpm=rates.cadence_rpm,
                speed_mps=rates.speed_mps,
                power_w=m.power_w,
                distance_m=rates.distance_m,
            ),
        )


def decoder_for(
    role: SensorRole,
    *,
    cadence_unit: PodCadenceUnit = PodCadenceUnit.STEPS,
    wheel_circumference_m: float = DEFAULT_WHEEL_CIRCUMFERENCE_M,
) -> Decoder:
    """A fresh decoder for a sensor of ``role``."""
    if role is SensorRole.HR:
        return HeartRateDecoder()
    if role is SensorRole.POD:
        return FootPodDecoder(cadence=StepCadence(unit=cadence_unit))
    if role is SensorRole.CADENCE:
        return CadenceDecoder(calculator=CscCalculator(wheel_circumference_m=wheel_circumference_m))
    return PowerDecoder(
        calculator=CscCalculator(
            wheel_circumference_m=wheel_circumference_m, wheel_ticks_per_s=2048
        )
    )
