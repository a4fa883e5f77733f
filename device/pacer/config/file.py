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

    [alerts]               # any AlertPolicy parameter, see docs/engine.md
    hr_over_dwell_s = 6    # <metric>_<rule> for hr, speed, cadence, power
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pacer.config.schema import (
    SECTIONS,
    BatteryConfig,
    ButtonsConfig,
    Config,
    DisplayConfig,
    HapticsConfig,
    PowerConfig,
    SensorsConfig,
    SerialConfig,
    StorageConfig,
)
from pacer.config.validate import (
    config_problems,
    field_names,
    normalise,
    overlay,
    value_problem,
)
from pacer.core.errors import ConfigError, InputErrors, Location
from pacer.core.files import FileTooLarge, read_limited

__all__ = [
    "BatteryConfig",
    "ButtonsConfig",
    "Config",
    "DisplayConfig",
    "HapticsConfig",
    "PowerConfig",
    "SensorsConfig",
    "SerialConfig",
    "StorageConfig",
    "load_config",
    "read_config",
]


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


def load_config(text: str, source: str = "<config>") -> Config:
    """Parse and check a config with :mod:`pacer.config.validate`; raises InputErrors
    naming every bad key with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = Location(source, int(m[1]), int(m[2])) if m else Location(source, 1, 1)
        raise InputErrors([ConfigError(f"TOML syntax error: {exc}", where)]) from None
    errors: list[ConfigError] = []
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section not in (*SECTIONS, "alerts") or not isinstance(table, dict):
            close = difflib.get_close_matches(section, [*SECTIONS, "alerts"], n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            message = (
                f"[{section}] must be a table"
                if section in (*SECTIONS, "alerts")
                else f"unknown section [{section}]{hint}"
            )
            errors.append(ConfigError(message, _position(text, source, section, None)))
            continue
        names = field_names(section)
        for key, v in table.items():
            where = _position(text, source, section, key)
            if section != "alerts" and key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(ConfigError(f"unknown key {section}.{key}{hint}", where))
                continue
            problem = value_problem(f"{section}.{key}", v)
            if problem is not None:
                errors.append(ConfigError(problem, where))
                continue
            values[f"{section}.{key}"] = normalise(f"{section}.{key}", v)
    if errors:
        raise InputErrors(list(errors))
    config = overlay(Config(), values)
    for rule in config_problems(config):
        written = [k for k in rule.keys if k in values] or list(rule.keys)
        section, _, key = written[0].partition(".")
        where = _position(text, source, section, key or None)
        errors.append(ConfigError(rule.message, where))
    if errors:
        raise InputErrors(list(errors))
    return config


#: A config file is a page of TOML; anything larger is refused before it is read.
MAX_CONFIG_BYTES = 64 * 1024


def read_config(path: Path | None) -> Config:
    """The config at ``path`` (None: all defaults)."""
    if path is None:
        return Config()
    try:
        text = read_limited(path, MAX_CONFIG_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError, FileTooLarge) as exc:
        raise InputErrors(
            [ConfigError(f"cannot read config: {exc}", Location(str(path), 1, 1))]
        ) from None
    return load_config(text, str(path))
