"""The one validator of the device configuration: what a good value and a good combination is.

Three callers run exactly these checks: the config file (:func:`pacer.config.file.load_config`
locates each problem at its file:line), serial ``settings.set``
(:func:`pacer.config.settings.check_update` refuses naming the key) and start-up
(:func:`pacer.config.settings.usable_settings` falls back to the last good values). So a host
can never store a setting the daemon would refuse to start with.

Per key (:func:`value_problem`): the type of the default, a finite number, the key's range
(:data:`CHECKS`; for ``alerts.*`` the :class:`~pacer.engine.policy.Range` declared beside
each :class:`~pacer.engine.policy.AlertPolicy` field). Across keys
(:func:`config_problems`): battery critical < warn, button timings bounce < double < hold
(:func:`battery_problem`, :func:`buttons_problem`: the objects that use them check
themselves with the same functions), GPIO pins used once and never the I2C pins,
``alerts.*`` together as the engine's :class:`AlertPolicy`. Imports only ``pacer.core``,
the config's own modules and (for ``alerts.*``) ``pacer.engine.policy``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any, Final

from pacer.config.pinout import header_pin
from pacer.config.schema import SECTIONS, Config
from pacer.core.errors import ConfigError

#: BCM numbers of the I2C bus the display and the fuel gauge share (SDA1, SCL1).
I2C_PINS: Final = tuple(
    sorted(
        p.bcm
        for p in map(header_pin, range(1, 41))
        if p.bcm is not None and p.alt in ("SDA1", "SCL1")
    )
)

ALERT_KEY: Final = re.compile(r"alerts\.[a-z][a-z0-9_]{0,47}")


#: the shortest idle time before the device switches itself off (0 is never): a host
#: pausing between requests, or an athlete reading the summary, must not find it off
MIN_IDLE_OFF_MIN: Final = 2.0


def _gpio(v: int) -> bool:
    return 0 <= v <= 27


#: value checks per (section, key): (predicate, what a good value looks like). Every number
#: is also checked finite (:func:`value_problem`).
CHECKS: dict[tuple[str, str], tuple[Any, str]] = {
    ("display", "driver"): (
        lambda v: v in ("ssd1306", "sh1106", "none"),
        "ssd1306, sh1106 or none",
    ),
    ("display", "i2c_port"): (lambda v: 0 <= v <= 255, "an I2C bus number 0-255"),
    ("display", "i2c_address"): (lambda v: 0x03 <= v <= 0x77, "a 7-bit I2C address like 0x3C"),
    ("display", "rotation"): (lambda v: v in (0, 2), "0 or 2 (the screens are landscape)"),
    ("display", "max_fps"): (lambda v: 0.1 <= v <= 30, "0.1 to 30"),
    ("display", "dim_after_s"): (lambda v: 0 <= v <= 86_400, "0 (never) to 86400 seconds"),
    ("display", "contrast"): (lambda v: 0 <= v <= 255, "0 to 255"),
    ("haptics", "pin"): (_gpio, "a BCM GPIO number 0-27"),
    ("haptics", "strength"): (lambda v: 0 < v <= 1, "a duty cycle above 0 and at most 1"),
    ("haptics", "frequency_hz"): (lambda v: 1 <= v <= 100_000, "1 to 100000 Hz"),
    ("buttons", "pins"): (
        lambda v: 1 <= len(v) <= 3 and all(_gpio(p) for p in v) and len(set(v)) == len(v),
        "one to three different BCM GPIO numbers",
    ),
    ("buttons", "bounce_ms"): (lambda v: 0 <= v <= 1000, "0 to 1000 ms"),
    ("buttons", "hold_s"): (lambda v: 0 < v <= 60, "a duration above 0 and at most 60 s"),
    ("buttons", "double_s"): (lambda v: 0 < v <= 60, "a duration above 0 and at most 60 s"),
    ("serial", "baudrate"): (lambda v: 1 <= v <= 10_000_000, "a baud rate like 115200"),
    ("storage", "max_mb"): (lambda v: 1 <= v <= 1_000_000, "1 or more"),
    ("battery", "gauge"): (
        lambda v: v in ("none", "max17048", "pisugar"),
        "none, max17048 or pisugar",
    ),
    ("battery", "warn_percent"): (lambda v: 0 <= v <= 100, "0 to 100"),
    ("battery", "critical_percent"): (lambda v: 0 <= v <= 100, "0 to 100"),
    ("battery", "i2c_port"): (lambda v: 0 <= v <= 255, "an I2C bus number 0-255"),
    ("sensors", "silence_timeout_s"): (lambda v: 0 < v <= 3600, "a duration above 0, up to 3600 s"),
    ("sensors", "scan_timeout_s"): (lambda v: 0 < v <= 3600, "a duration above 0, up to 3600 s"),
    ("power", "idle_off_min"): (
        lambda v: v == 0 or MIN_IDLE_OFF_MIN <= v <= 24 * 60,
        f"0 (never) or {MIN_IDLE_OFF_MIN:g} to 1440 minutes (less would switch the device "
        "off between a host's requests)",
    ),
}

KINDS: Final = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "tuple": "a list of whole numbers",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a configuration: the keys involved (the first is the one to
    name when nothing better is known) and what is wrong."""

    keys: tuple[str, ...]
    message: str


class SettingError(ConfigError):
    """A setting refused: ``key`` is the ``section.name`` (or ``alerts.<param>``) at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def type_ok(value: Any, default: Any) -> bool:
    """``value`` (as TOML or JSON gives it) has the type of ``default``."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, tuple):
        return isinstance(value, list | tuple) and all(
            isinstance(x, int) and not isinstance(x, bool) for x in value
        )
    return isinstance(value, type(default))


def field_names(section: str) -> list[str]:
    cls = SECTIONS.get(section)
    return [] if cls is None else [f.name for f in dataclasses.fields(cls)]


def default_of(key: str, base: Config | None = None) -> Any:
    """The value of ``section.name`` in ``base`` (the defaults when None)."""
    section, _, name = key.partition(".")
    return getattr(getattr(base or Config(), section), name)


def value_problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for the known key ``section.name``/``alerts.<p>``, or None."""
    if key.startswith("alerts."):  # the range declared beside the AlertPolicy field
        from pacer.engine.policy import alert_ranges, policy_with

        name = key.partition(".")[2]
        limits = alert_ranges().get(name)
        if limits is not None:
            return limits.problem(name, value)
        try:
            policy_with([(name, 0.0)])  # unknown: its message says which key was meant
        except ConfigError as exc:
            return exc.message
        return f"unknown alert parameter {key}"  # pragma: no cover - policy_with refuses it
    section, _, name = key.partition(".")
    default = default_of(key)
    if not type_ok(value, default):
        return f"{key} must be {KINDS[type(default).__name__]}, not {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{key} must be a finite number, not {value!r}"
    check = CHECKS.get((section, name))
    if check is not None and not check[0](value):
        return f"{key} = {value!r}: expected {check[1]}"
    return None


def normalise(key: str, value: Any) -> Any:
    """A checked value in the config's own type (a tuple for a list, float for a number)."""
    if ALERT_KEY.fullmatch(key):
        return float(value)
    default = default_of(key)
    if isinstance(default, tuple):
        return tuple(value)
    if isinstance(default, float):
        return float(value)
    return value


def overlay(base: Config, values: dict[str, Any]) -> Config:
    """``base`` with checked ``values`` (``section.name`` / ``alerts.<p>``) put in."""
    sections: dict[str, dict[str, Any]] = {}
    alerts = dict(base.alerts)
    for key, value in values.items():
        section, _, name = key.partition(".")
        if section == "alerts":
            alerts[name] = float(value)
        else:
            sections.setdefault(section, {})[name] = normalise(key, value)
    changes: dict[str, Any] = {
        s: dataclasses.replace(getattr(base, s), **kw) for s, kw in sections.items()
    }
    return dataclasses.replace(base, **changes, alerts=tuple(sorted(alerts.items())))


def battery_problem(low_percent: float, critical_percent: float) -> str | None:
    """The battery thresholds' rule (``BatteryThresholds`` checks itself with it too)."""
    if not 0 <= critical_percent < low_percent <= 100:
        return (
            "battery thresholds need 0 <= critical_percent < low_percent <= 100, got "
            f"critical_percent={critical_percent}, low_percent={low_percent}"
        )
    return None


def buttons_problem(bounce_ms: float, double_s: float, hold_s: float) -> str | None:
    """The press timings' rule (``Keypad`` checks itself with it too)."""
    if not 0 <= bounce_ms / 1000 < double_s < hold_s:
        return (
            "buttons: need bounce_ms < double_s < hold_s, got "
            f"{bounce_ms} ms, {double_s} s, {hold_s} s"
        )
    return None


def config_problems(config: Config) -> list[Problem]:
    """Every rule across keys ``config`` breaks (each key's own value is checked already)."""
    from pacer.engine.policy import policy_with

    problems: list[Problem] = []
    battery = battery_problem(config.battery.warn_percent, config.battery.critical_percent)
    if battery is not None:
        keys: tuple[str, ...] = ("battery.warn_percent", "battery.critical_percent")
        problems.append(Problem(keys, f"{keys[0]}: {battery}"))
    b = config.buttons
    buttons = buttons_problem(b.bounce_ms, b.double_s, b.hold_s)
    if buttons is not None:
        keys = ("buttons.double_s", "buttons.hold_s", "buttons.bounce_ms")
        problems.append(Problem(keys, buttons))
    pins = config.buttons.pins
    if config.haptics.pin in pins:
        problems.append(
            Problem(
                ("haptics.pin", "buttons.pins"),
                f"haptics.pin = {config.haptics.pin} is a button's pin (buttons.pins = "
                f"{list(pins)}): each GPIO does one thing",
            )
        )
    for key, used in (("buttons.pins", pins), ("haptics.pin", (config.haptics.pin,))):
        clash = sorted(set(used) & set(I2C_PINS))
        if clash:
            problems.append(
                Problem(
                    (key,),
                    f"{key} uses GPIO {', '.join(map(str, clash))}: the I2C bus "
                    f"(GPIO {I2C_PINS[0]} SDA, GPIO {I2C_PINS[1]} SCL) of the display and gauge",
                )
            )
    for name, value in config.alerts:
        problem = value_problem(f"alerts.{name}", value)
        if problem is not None:
            problems.append(Problem((f"alerts.{name}",), problem))
    if not any(p.keys[0].startswith("alerts.") for p in problems):
        try:
            policy_with(config.alerts)
        except ConfigError as exc:
            keys = tuple(f"alerts.{n}" for n, _ in config.alerts) or ("alerts",)
            problems.append(Problem(keys, exc.message))
    return problems


def check_config(config: Config) -> None:
    """Raise :class:`SettingError` for the first rule ``config`` breaks."""
    for problem in config_problems(config):
        raise SettingError(problem.keys[0], problem.message)
