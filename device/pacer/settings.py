"""Device settings a user may change over serial: a typed table with defaults and bounds.

The store keeps only the values a user set (``settings`` table, JSON values); everything
else reads its default from :data:`SETTINGS`. Checking is pure: :func:`check_value` for a
JSON value from the host, :func:`parse_text` for ``pacer device settings set KEY=VALUE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pacer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    default: int | bool | str
    help: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if isinstance(self.default, bool):
            return "boolean"
        if isinstance(self.default, int):
            return "integer"
        return "string"

    def describe(self) -> str:
        if self.choices:
            return " | ".join(self.choices)
        if self.kind == "integer":
            return f"integer {self.minimum}..{self.maximum}"
        return self.kind


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting("display.contrast", 200, "OLED contrast", 0, 255),
    Setting("display.flip", False, "rotate the display 180 degrees (worn upside down)"),
    Setting("display.i2c_address", 0x3C, "I2C address of the SSD1306 panel", 0x3C, 0x3D),
    Setting("haptics.strength", 80, "vibration strength, percent", 0, 100),
    Setting("units.distance", "km", "distance and pace units on the display", choices=("km", "mi")),
    Setting("units.speed", "pace", "show pace or speed", choices=("pace", "speed")),
    Setting("alerts.hr_margin_bpm", 2, "beats outside the zone before an alert", 0, 20),
    Setting("alerts.repeat_s", 30, "seconds between repeated alerts", 5, 600),
    Setting("alerts.predictive", True, "warn before the heart rate leaves the zone"),
    Setting("alerts.countdown_s", 10, "countdown before a step ends, seconds", 0, 60),
    Setting("pins.button_a", 5, "BCM pin of button A (start/pause)", 2, 27),
    Setting("pins.button_b", 6, "BCM pin of button B (lap/next)", 2, 27),
    Setting("pins.haptic", 18, "BCM pin of the vibration motor (PWM)", 2, 27),
)

BY_KEY: Final[Mapping[str, Setting]] = {s.key: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    return {s.key: s.default for s in SETTINGS}


def effective(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with the stored values (unknown stored keys are ignored)."""
    out = defaults()
    out.update({k: v for k, v in stored.items() if k in BY_KEY})
    return out


def _setting(key: str) -> Setting:
    setting = BY_KEY.get(key)
    if setting is None:
        raise ConfigError(f"unknown setting {key!r} (known: {', '.join(BY_KEY)})")
    return setting


def check_value(key: str, value: Any) -> int | bool | str:
    """A JSON value for ``key``, checked; raises ConfigError naming the key."""
    s = _setting(key)
    if s.kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false")
        return value
    if s.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer")
        assert s.minimum is not None
        assert s.maximum is not None
        if not s.minimum <= value <= s.maximum:
            raise ConfigError(f"{key} must be within {s.minimum}..{s.maximum}, not {value}")
        return value
    if not isinstance(value, str) or value not in s.choices:
        raise ConfigError(f"{key} must be one of {', '.join(s.choices)}")
    return value


def parse_text(key: str, text: str) -> int | bool | str:
    """``KEY=VALUE`` from a command line to a checked value (``0x3c`` and ``yes`` work)."""
    s = _setting(key)
    raw: Any = text
    if s.kind == "boolean":
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            raw = True
        elif lowered in ("false", "no", "off", "0"):
            raw = False
    elif s.kind == "integer":
        try:
            raw = int(text.strip(), 0)
        except ValueError:
            raise ConfigError(f"{key} must be an integer, not {text!r}") from None
    return check_value(key, raw)
