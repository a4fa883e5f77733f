"""Device settings changed over serial: overrides of the device config, kept in the store.

A setting is ``section.key`` of :class:`pacer.config.file.Config` (``display.contrast``,
``haptics.strength``, ``buttons.pins``, ``battery.warn_percent``...) or ``alerts.<param>``
(an engine alert parameter). Values are checked by the one validator
(:mod:`pacer.config.validate`), each alone and together with the rest of the config, so a
setting can never hold what the config file could not, and a host can never store what the
daemon would refuse to start with. The config file stays the base (the wiring); the store
keeps only the values a user set; :func:`usable_settings` overlays them into the
:class:`~pacer.config.file.Config` the daemon runs with.

Sections that name a place (``serial``: the port this link runs on; ``storage``: a
directory) cannot be set from a host. Units live in the athlete profile (``units``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import Any, Final

from pacer.config.schema import SECTIONS, Config
from pacer.config.validate import (
    ALERT_KEY,
    CHECKS,
    KINDS,
    Problem,
    SettingError,
    config_problems,
    default_of,
    overlay,
    value_problem,
)
from pacer.core.errors import ConfigError

log = logging.getLogger(__name__)

#: The config sections a host may change.
SETTABLE: Final = ("display", "haptics", "buttons", "battery", "sensors")
_ALERT_RE: Final = ALERT_KEY
_default = default_of


def settable_keys() -> list[str]:
    return [
        f"{section}.{f.name}" for section in SETTABLE for f in dataclasses.fields(SECTIONS[section])
    ]


def describe(key: str) -> str:
    """What a good value looks like, for ``settings get``."""
    if _ALERT_RE.fullmatch(key):
        from pacer.engine.policy import alert_ranges

        limits = alert_ranges().get(key.partition(".")[2])
        return "a number" if limits is None else limits.text()
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
    """A JSON value for ``key``, checked alone; :class:`SettingError` naming the key."""
    if not _ALERT_RE.fullmatch(key):
        try:
            _known_default(key)
        except ConfigError as exc:
            raise SettingError(key, exc.message) from None
    problem = value_problem(key, value)
    if problem is not None:
        raise SettingError(key, problem)
    return value


def check_update(
    base: Config, stored: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """``settings.set``: ``values`` (None removes an override) checked each alone, then the
    settings they leave in force checked together over ``base``, the way start-up checks
    them. :class:`SettingError` names a key of ``values``; nothing is stored here."""
    checked = {k: None if v is None else check_value(k, v) for k, v in values.items()}
    after = {k: v for k, v in stored.items() if value_problem_or_unknown(k, v) is None}
    for key, value in checked.items():
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
    for problem in config_problems(overlay(base, after)):
        named = [k for k in problem.keys if k in checked] or [
            k for k in values if k.partition(".")[0] == problem.keys[0].partition(".")[0]
        ]
        raise SettingError(named[0] if named else problem.keys[0], problem.message)
    return checked


def value_problem_or_unknown(key: str, value: Any) -> str | None:
    """Why a stored ``key`` cannot be used alone (unknown, or a bad value), or None."""
    try:
        check_value(key, value)
    except ConfigError as exc:
        return exc.message
    return None


def usable_settings(base: Config, stored: Mapping[str, Any]) -> tuple[Config, list[Problem]]:
    """Start-up: ``base`` with every stored override it can use, and the problems of those
    it cannot (written by an older release, or stored behind the validator's back). A key
    that breaks a rule alone is left out; then the keys of each rule the rest break
    together, until what is left passes; at worst ``base`` itself."""
    problems: list[Problem] = []
    kept: dict[str, Any] = {}
    for key, value in stored.items():
        why = value_problem_or_unknown(key, value)
        if why is None:
            kept[key] = value
        else:
            problems.append(Problem((key,), why))
    while broken := config_problems(overlay(base, kept)):
        dropped_any = False
        for problem in broken:
            dropped = [k for k in problem.keys if k in kept]
            for key in dropped:
                kept.pop(key)
            if dropped:
                dropped_any = True
                problems.append(Problem(tuple(dropped), problem.message))
        if not dropped_any:  # the base config itself breaks a rule: nothing stored helps
            if kept:
                problems.append(Problem(tuple(kept), "left out: the config breaks a rule"))
            kept.clear()
            break
    return overlay(base, kept), problems


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
    """``base`` with the stored overrides it can use (see :func:`usable_settings`)."""
    return usable_settings(base, stored)[0]
