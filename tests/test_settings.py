"""Settings changed over serial: checked with the config's own rules, overlaid on it."""

from __future__ import annotations

from typing import Any

import pytest

from pacer.config.file import Config, load_config
from pacer.config.settings import apply_settings, check_value, describe, effective, parse_text
from pacer.core.errors import ConfigError

GOOD = [
    ("display.contrast", 0),
    ("display.contrast", 255),
    ("display.rotation", 2),
    ("haptics.strength", 0.5),
    ("haptics.strength", 1),
    ("haptics.enabled", False),
    ("buttons.pins", [5, 6, 13]),
    ("battery.warn_percent", 20),
    ("sensors.silence_timeout_s", 12),
    ("alerts.over_dwell_s", 4.5),
]

BAD = [
    ("display.contrast", 256, "0 to 255"),
    ("display.contrast", True, "whole number"),
    ("display.contrast", "10", "whole number"),
    ("haptics.strength", 0, "duty cycle"),
    ("buttons.pins", [5, 5], "different"),
    ("buttons.pins", [], "one to three"),
    ("buttons.pins", [1.5], "list of whole numbers"),
    ("serial.port", "/dev/sda", "names a place"),
    ("storage.data_dir", "/", "names a place"),
    ("display.nope", 1, "unknown setting"),
    ("units.distance", "km", "unknown setting"),
    ("alerts.over_dwell_s", "5", "a number"),
    ("alerts.Bad-Name", 5, "unknown setting"),
]


@pytest.mark.parametrize(("key", "value"), GOOD)
def test_good_values(key: str, value: Any) -> None:
    assert check_value(key, value) == value


@pytest.mark.parametrize(("key", "value", "words"), BAD)
def test_bad_values_name_the_key(key: str, value: Any, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        check_value(key, value)
    assert key.split(".")[0] in str(info.value)


PARSE = [
    ("display.i2c_address", "0x3d", 0x3D),
    ("display.contrast", " 12 ", 12),
    ("haptics.enabled", "no", False),
    ("haptics.enabled", "on", True),
    ("haptics.strength", "0.25", 0.25),
    ("buttons.pins", "5,6", [5, 6]),
    ("buttons.pins", "[17, 27]", [17, 27]),
    ("alerts.over_dwell_s", "7", 7.0),
]


@pytest.mark.parametrize(("key", "text", "value"), PARSE)
def test_parse_text(key: str, text: str, value: Any) -> None:
    assert parse_text(key, text) == value


def test_parse_text_errors() -> None:
    with pytest.raises(ConfigError, match="cannot read 'x'"):
        parse_text("display.contrast", "x")
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_text("serial.port", "/dev/x")


def test_effective_and_apply_over_the_config_file() -> None:
    base = load_config("[display]\ncontrast = 100\n[alerts]\nover_dwell_s = 6\n")
    stored = {"haptics.strength": 0.5, "buttons.pins": [5, 6], "alerts.under_dwell_s": 9}
    shown = effective(stored, base)
    assert shown["display.contrast"] == 100  # from the file
    assert shown["haptics.strength"] == 0.5  # from the store
    assert shown["buttons.pins"] == [5, 6]
    assert shown["alerts.under_dwell_s"] == 9
    assert "serial.port" not in shown

    config = apply_settings(base, {**stored, "display.flip": 1, "gone.key": 3})
    assert config.display.contrast == 100
    assert config.haptics.strength == 0.5
    assert config.buttons.pins == (5, 6)
    assert dict(config.alerts) == {"over_dwell_s": 6.0, "under_dwell_s": 9.0}
    assert config.serial == base.serial
    assert apply_settings(Config(), {}) == Config()


def test_describe() -> None:
    assert describe("display.contrast") == "0 to 255"
    assert describe("display.max_fps") == "0.1 to 30"
    assert describe("haptics.enabled") == "true or false"
    assert describe("alerts.x") == "a number"
