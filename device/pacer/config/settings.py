"""Device settings changed over serial: overrides of the device config, kept in the store.

A setting is ``section.key`` of :class:`pacer.config.file.Config` (``display.contrast``,
``haptics.strength``, ``buttons.pins``, ``battery.warn_percent``...) or ``alerts.<param>``
(an engine alert parameter). Values are checked with the config's own types and checks, so a
setting can never hold what the config file could not. The config file stays the base (the
wiring); the store keeps only the values a user set; :func:`apply_settings` overlays them
into the :class:`~pacer.config.file.Config` the daemon runs with.

Sections that name a place (``serial``: the port this link runs on; ``storage``: a
directory) cannot be set from a host. Units live in the athlete profile (``units``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from pacer.config.file import CHECKS, KINDS, SECTIONS, Config, type_ok
from pacer.core.errors import ConfigError

#: The config sections a host may change.
SETTABLE: Final = ("display", "haptics", "buttons", "battery", "sensors")
_ALERT_RE: Final = re.compile(r"alerts\.[a-z][a-z0-9_]{0,47}")


def _default(key: str, base: Config | None = None) -> Any:
    section, _, name = key.partition(".")
    return getattr(getattr(base or Config(), section), name)


def settable_keys() -> list[str]:
    return [
        f"{section}.{f.name}" for section in SETTABLE for f in dataclasses.fields(SECTIONS[section])
    ]


def describe(key: str) -> str:
    """What a good value looks like, for ``settings get``."""
    if _ALERT_RE.fullmatch(key):
        return "a number"
    section, _, name = key.partition(".")
    check = CHECKS.get((section, name))
    if check is not None:
        return str(check[1])
    return KINDS[type(_default(key)).__name__]


def _known_default(key: str) -> Any:
    """The config default of a settable key; ConfigError for any other key."""
    section, _, name = key.partition(".")
    if section not in SETTABLE or name not in {
        f.name for f in dataclasses.fields(SECTIONS[section])
    }:
        why = " (it names a place: edit the config file)" if section in SECTIONS else ""
        raise ConfigError(f"unknown setting {key!r}{why}; see 'pacer device settings get'")
    return _default(key)


def check_value(key: str, value: Any) -> Any:
    """A JSON value for ``key``, checked and normalised; ConfigError naming the key."""
    if _ALERT_RE.fullmatch(key):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} must be a number")
        return value
    section, _, name = key.partition(".")
    default = _known_default(key)
    if not type_ok(value, default):
        raise ConfigError(f"{key} must be {KINDS[type(default).__name__]}, not {value!r}")
    check = CHECKS.get((section, name))
    if check is not None and not check[0](value):
        raise ConfigError(f"{key} = {value!r}: expected {check[1]}")
    return value


def parse_text(key: str, text: str) -> Any:
    """``KEY=VALUE`` from a command line to a checked value (``0x3c``, ``yes``, ``17,27``)."""
    raw: Any = text.strip()
    kind: Any = 0.0 if _ALERT_RE.fullmatch(key) else _known_default(key)
    try:
        if isinstance(kind, bool):
            lowered = raw.lower()
            if lowered in ("true", "yes", "on", "1"):
                raw = True
            elif lowered in ("false", "no", "off", "0"):
                raw = False
        elif isinstance(kind, float):
            raw = float(int(raw, 0)) if raw.lower().startswith("0x") else float(raw)
        elif isinstance(kind, int):
            raw = int(raw, 0)
        elif isinstance(kind, tuple):
            raw = json.loads(raw) if raw.startswith("[") else [int(p, 0) for p in raw.split(",")]
    except ValueError:
        raise ConfigError(f"{key}: cannot read {text!r} as {describe(key)}") from None
    return check_value(key, raw)


def effective(stored: Mapping[str, Any], base: Config | None = None) -> dict[str, Any]:
    """Every settable key with the value in force: the stored override, else the base."""
    out: dict[str, Any] = {}
    for key in settable_keys():
        value = stored.get(key, _default(key, base))
        out[key] = list(value) if isinstance(value, tuple) else value
    for key in sorted(k for k in stored if _ALERT_RE.fullmatch(k)):
        out[key] = stored[key]
    return out


def apply_settings(base: Config, stored: Mapping[str, Any]) -> Config:
    """``base`` with the stored overrides applied; keys no longer valid are ignored."""
    sections: dict[str, dict[str, Any]] = {}
    alerts = dict(base.alerts)
    for key, value in stored.items():
        try:
            value = check_value(key, value)
        except ConfigError:
            continue  # written by an older release; the config value stays
        section, _, name = key.partition(".")
        if section == "alerts":
            alerts[name] = float(value)
            continue
        default = _default(key)
        if isinstance(default, tuple):
            value = tuple(value)
        elif isinstance(default, float):
            value = float(value)
        sections.setdefault(section, {})[name] = value
    changes: dict[str, Any] = {
        s: dataclasses.replace(getattr(base, s), **kw) for s, kw in sections.items()
    }
    return dataclasses.replace(base, **changes, alerts=tuple(sorted(alerts.items())))
