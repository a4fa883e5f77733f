"""What sensors hand to the engine: small immutable samples stamped on arrival.

``t`` is the monotonic clock in seconds at the moment the notification arrived (the engine's
injected clock uses the same time base). Parsers in :mod:`pacer.ble.parsers` produce the raw
measurements; sessions turn them into these samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SensorRole(StrEnum):
    """What a paired sensor is used for."""

    HR = "hr"
    POD = "pod"
    CADENCE = "cadence"
    POWER = "power"


class PodCadenceUnit(StrEnum):
    """What a foot pod's cadence counts: every foot strike (steps, both feet) or one foot's
    (strides) per minute. The one definition: pairings, the BLE decoder, the profile's
    ``pod_cadence``, the serial link and the command lines all use it."""

    STEPS = "steps"
    STRIDES = "strides"


@dataclass(frozen=True, slots=True)
class HeartRateSample:
    t: float
    bpm: int
    #: True/False when the strap reports skin contact, None when it does not support it.
    contact: bool | None = None
    #: RR intervals in seconds, in arrival order.
    rr_s: tuple[float, ...] = ()
    energy_kj: int | None = None


@dataclass(frozen=True, slots=True)
class StrideSample:
    """From a running foot pod (RSC). Cadence is always steps per minute here."""

    t: float
    speed_mps: float
    cadence_spm: float
    distance_m: float | None = None
    stride_m: float | None = None
    running: bool | None = None


@dataclass(frozen=True, slots=True)
class BikeSample:
    """From a cycling speed/cadence sensor (CSC) or a power meter."""

    t: float
    cadence_rpm: float | None = None
    speed_mps: float | None = None
    power_w: int | None = None
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class BatterySample:
    t: float
    role: SensorRole
    percent: int


@dataclass(frozen=True, slots=True)
class SensorStatus:
    """A sensor connected or went away."""

    t: float
    role: SensorRole
    connected: bool


Sample = HeartRateSample | StrideSample | BikeSample | BatterySample | SensorStatus
