"""The device configuration's shape: one frozen dataclass per ``[section]``, with defaults.

What a good value is lives in :mod:`pacer.config.validate`; reading the TOML file in
:mod:`pacer.config.file`; the serial overrides in :mod:`pacer.config.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pacer.config.pinout import DEFAULT_PINOUT

# Defaults come from the one source of truth for the wiring (hardware/wiring.md is generated
# from it too).
_OLED = DEFAULT_PINOUT.oled
_MOTOR = DEFAULT_PINOUT.motor
_BUTTONS = tuple(b.bcm for b in DEFAULT_PINOUT.buttons)


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    driver: str = _OLED.controller
    i2c_port: int = _OLED.bus
    i2c_address: int = _OLED.address
    rotation: int = 0
    max_fps: float = 2.0
    dim_after_s: float = 30.0
    contrast: int = 255


@dataclass(frozen=True, slots=True)
class HapticsConfig:
    enabled: bool = True
    pin: int = _MOTOR.bcm
    strength: float = 0.8
    frequency_hz: int = _MOTOR.pwm_hz


@dataclass(frozen=True, slots=True)
class ButtonsConfig:
    pins: tuple[int, ...] = _BUTTONS
    bounce_ms: int = 30
    hold_s: float = 1.2
    double_s: float = 0.35


@dataclass(frozen=True, slots=True)
class SerialConfig:
    port: str = "/dev/ttyGS0"
    baudrate: int = 115200


@dataclass(frozen=True, slots=True)
class StorageConfig:
    data_dir: str = ""  # empty: the platform default (see pacer.storage.store)
    max_mb: int = 512


@dataclass(frozen=True, slots=True)
class BatteryConfig:
    gauge: str = "none"
    warn_percent: int = 15
    critical_percent: int = 5
    i2c_port: int = 1


@dataclass(frozen=True, slots=True)
class SensorsConfig:
    silence_timeout_s: float = 10.0
    scan_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class PowerConfig:
    #: minutes on the idle screen (no run, no host talking) before the device switches
    #: itself off; 0 never
    idle_off_min: float = 15.0
    #: Wi-Fi back on when no workout runs (it is always off during one)
    wifi_when_idle: bool = True


@dataclass(frozen=True, slots=True)
class Config:
    display: DisplayConfig = field(default_factory=DisplayConfig)
    haptics: HapticsConfig = field(default_factory=HapticsConfig)
    buttons: ButtonsConfig = field(default_factory=ButtonsConfig)
    serial: SerialConfig = field(default_factory=SerialConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    battery: BatteryConfig = field(default_factory=BatteryConfig)
    sensors: SensorsConfig = field(default_factory=SensorsConfig)
    power: PowerConfig = field(default_factory=PowerConfig)
    #: overrides of the engine's AlertPolicy parameters (checked against its fields)
    alerts: tuple[tuple[str, float], ...] = ()


#: the sections by their TOML name (``alerts`` is not a dataclass: engine parameters)
SECTIONS: dict[str, type] = {
    "display": DisplayConfig,
    "haptics": HapticsConfig,
    "buttons": ButtonsConfig,
    "serial": SerialConfig,
    "storage": StorageConfig,
    "battery": BatteryConfig,
    "sensors": SensorsConfig,
    "power": PowerConfig,
}
