"""The device configuration (TOML), validated into typed frozen settings.

A bad config is a start-up error naming the file, line and key; the daemon refuses to start
rather than run half-configured. Every key has a default, so an empty file (or none) gives a
working simulated device; on the Pi the defaults match the wiring in ``hardware/``.

    [display]
    driver = "ssd1306"     # ssd1306 | sh1106 | none
    i2c_port = 1
    i2c_address = 0x3C
    rotation = 0           # 0 on the wrist or arm, 2 upside down (handlebar)
    max_fps = 2.0

    [haptics]
    pin = 18
    strength = 0.8

    [buttons]
    pins = [17, 27, 22]

    [serial]
    port = "/dev/ttyGS0"

    [storage]
    data_dir = "/var/lib/pacer"
    max_mb = 512

    [battery]
    gauge = "none"         # none | max17048 | pisugar

    [power]
    idle_off_min = 15      # switch off after this long idle; 0 never
    wifi_when_idle = true  # Wi-Fi is off during a run; back on when idle?

    [alerts]               # any AlertPolicy parameter, see docs/engine.md
    hr_over_dwell_s = 6    # <metric>_<rule> for hr, speed, cadence, power
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pacer.config.pinout import DEFAULT_PINOUT
from pacer.core.errors import ConfigError, InputErrors, Location

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
    #: overrides of the engine's AlertPolicy parameters, checked by the engine's own loader
    alerts: tuple[tuple[str, float], ...] = ()


#: value checks per (section, key): (predicate, what a good value looks like)
CHECKS: dict[tuple[str, str], tuple[Any, str]] = {
    ("display", "driver"): (
        lambda v: v in ("ssd1306", "sh1106", "none"),
        "ssd1306, sh1106 or none",
    ),
    ("display", "i2c_address"): (lambda v: 0x03 <= v <= 0x77, "a 7-bit I2C address like 0x3C"),
    ("display", "rotation"): (lambda v: v in (0, 2), "0 or 2 (the screens are landscape)"),
    ("display", "max_fps"): (lambda v: 0.1 <= v <= 30, "0.1 to 30"),
    ("display", "contrast"): (lambda v: 0 <= v <= 255, "0 to 255"),
    ("haptics", "pin"): (lambda v: 0 <= v <= 27, "a BCM GPIO number 0-27"),
    ("haptics", "strength"): (lambda v: 0 < v <= 1, "a duty cycle above 0 and at most 1"),
    ("buttons", "pins"): (
        lambda v: 1 <= len(v) <= 3 and all(0 <= p <= 27 for p in v) and len(set(v)) == len(v),
        "one to three different BCM GPIO numbers",
    ),
    ("storage", "max_mb"): (lambda v: 1 <= v <= 1_000_000, "1 or more"),
    ("battery", "gauge"): (
        lambda v: v in ("none", "max17048", "pisugar"),
        "none, max17048 or pisugar",
    ),
    ("battery", "warn_percent"): (lambda v: 0 <= v <= 100, "0 to 100"),
    ("battery", "critical_percent"): (lambda v: 0 <= v <= 100, "0 to 100"),
    ("power", "idle_off_min"): (lambda v: 0 <= v <= 24 * 60, "0 (never) to 1440 minutes"),
}

KINDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "tuple": "a list of whole numbers",
}

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


def _position(text: str, source: str, section: str, key: str | None) -> Location:
    """Where ``[section]`` (or ``key`` inside it) is written; tomllib keeps no positions."""
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return Location(source, 1, 1)
    if key is None:
        return Location(source, start + 1, 1)
    pattern = re.compile(rf"^(\s*){re.escape(key)}\s*=")
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[i]):
            break
        m = pattern.match(lines[i])
        if m:
            return Location(source, i + 1, len(m.group(1)) + 1)
    return Location(source, start + 1, 1)


def type_ok(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, tuple):
        return isinstance(value, list) and all(isinstance(x, int) for x in value)
    return isinstance(value, type(default))


def _alert_problem(key: str, value: float) -> str | None:
    """What is wrong with one ``[alerts]`` override, checked by the engine's own policy."""
    from pacer.engine.policy import policy_with

    try:
        policy_with([(key, value)])
    except ConfigError as exc:
        return exc.message
    return None


def load_config(text: str, source: str = "<config>") -> Config:
    """Parse and check a config; raises InputErrors naming every bad key with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = Location(source, int(m[1]), int(m[2])) if m else Location(source, 1, 1)
        raise InputErrors([ConfigError(f"TOML syntax error: {exc}", where)]) from None
    errors: list[ConfigError] = []
    built: dict[str, Any] = {}
    for section, value in data.items():
        if section == "alerts":
            if not isinstance(value, dict):
                errors.append(
                    ConfigError("[alerts] must be a table", _position(text, source, section, None))
                )
                continue
            alerts = []
            for k, v in value.items():
                where = _position(text, source, section, k)
                if isinstance(v, bool) or not isinstance(v, int | float):
                    errors.append(ConfigError(f"alerts.{k} must be a number", where))
                    continue
                problem = _alert_problem(k, float(v))
                if problem is not None:
                    errors.append(ConfigError(problem, where))
                else:
                    alerts.append((k, float(v)))
            built["alerts"] = tuple(alerts)
            continue
        cls = SECTIONS.get(section)
        if cls is None or not isinstance(value, dict):
            close = difflib.get_close_matches(section, [*SECTIONS, "alerts"], n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            where = _position(text, source, section, None)
            errors.append(ConfigError(f"unknown section [{section}]{hint}", where))
            continue
        defaults = cls()
        names = [f.name for f in fields(cls)]
        kwargs: dict[str, Any] = {}
        for key, v in value.items():
            where = _position(text, source, section, key)
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(ConfigError(f"unknown key {section}.{key}{hint}", where))
                continue
            default = getattr(defaults, key)
            if not type_ok(v, default):
                kind = KINDS[type(default).__name__]
                errors.append(ConfigError(f"{section}.{key} must be {kind}, not {v!r}", where))
                continue
            check = CHECKS.get((section, key))
            if check is not None and not check[0](v):
                errors.append(ConfigError(f"{section}.{key} = {v!r}: expected {check[1]}", where))
                continue
            kwargs[key] = (
                tuple(v)
                if isinstance(default, tuple)
                else (float(v) if isinstance(default, float) else v)
            )
        built[section] = cls(**kwargs)
    if errors:
        raise InputErrors(list(errors))
    return Config(**built)


def read_config(path: Path | None) -> Config:
    """The config at ``path`` (None: all defaults)."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputErrors(
            [ConfigError(f"cannot read config: {exc}", Location(str(path), 1, 1))]
        ) from None
    return load_config(text, str(path))
