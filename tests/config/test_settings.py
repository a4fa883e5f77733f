"""Settings changed over serial: checked with the config's own rules, overlaid on it."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.cli.run import checked_config
from pacer.config.file import Config, load_config, read_config
from pacer.config.settings import (
    apply_settings,
    check_update,
    check_value,
    describe,
    effective,
    parse_text,
    settable_keys,
    usable_settings,
)
from pacer.config.validate import SettingError, config_problems, overlay
from pacer.core.errors import ConfigError, InputErrors, ProtocolError
from pacer.link.host import DeviceClient
from pacer.link.protocol import ErrorCode
from pacer.storage.store import Store
from tests.support.daemon_process import daemon
from tests.support.notify_socket import NotifySocket
from tests.support.serial_rig import ask_in_process as _ask
from tests.support.serial_rig import in_process_service as _service

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


# --- one validator, three paths (issue 12, issue 14 item 1) ---------------------------------

#: what a host could once store and the daemon then refused to start with: (key, value, words)
REFUSED: list[tuple[str, Any, str]] = [
    ("alerts.nope", 1, "unknown alert parameter alerts.nope"),
    ("battery.warn_percent", 3, "critical_percent < low_percent"),
    ("display.dim_after_s", -1e300, "0 (never) to 86400"),
    ("buttons.double_s", 0, "above 0"),
    ("display.i2c_port", 1e30, "whole number"),
    ("haptics.pin", 27, "a button's pin"),
    ("buttons.pins", [2, 3], "I2C bus"),
    ("display.max_fps", float("inf"), "finite"),  # 1e400 in a request
    ("alerts.over_dwell_s", float("inf"), "finite"),
]


def _toml(value: Any) -> str:
    return json.dumps(value) if isinstance(value, list) else repr(value)


@pytest.mark.parametrize(("key", "value", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_serial_file_and_start_up_refuse_alike(
    tmp_path: Path, key: str, value: Any, words: str
) -> None:
    section, _, name = key.partition(".")
    # 1. serial settings.set: invalid_field naming the key, nothing stored
    with Store(tmp_path / "pacer.db") as store:
        reply = _ask(_service(store), "settings.set", values={key: value})
        assert reply["ok"] is False, reply
        assert store.get_settings() == {}
        if reply["error"]["code"] != ErrorCode.INVALID_FIELD:  # 1e400 may stop at the codec
            assert value in (float("inf"), float("-inf")), reply
            assert reply["error"]["code"] == ErrorCode.BAD_JSON, reply
        else:
            assert reply["error"]["field"] == f"args.values.{key}"
            assert words in reply["error"]["message"]
    # 2. the config file: file:line naming the key
    path = tmp_path / "pacer.toml"
    path.write_text(f"# a config\n[{section}]\n{name} = {_toml(value)}\n")
    with pytest.raises(InputErrors) as info:
        read_config(path)
    [error] = info.value.errors
    assert str(error).startswith(f"{path}:3:1: ")
    assert words in str(error)
    assert key in str(error)
    # 3. start-up: the same file refused before anything opens; stored, it is left out
    with pytest.raises(InputErrors, match=re.escape(words)):
        checked_config(path)
    config, problems = usable_settings(Config(), {key: value, "display.contrast": 9})
    assert [p.keys for p in problems] == [(key,)]
    assert words in problems[0].message
    assert config == overlay(Config(), {"display.contrast": 9})


def test_a_combination_is_refused_naming_the_key_sent() -> None:
    base = Config()
    stored = {"battery.critical_percent": 10}
    with pytest.raises(SettingError) as info:
        check_update(base, stored, {"battery.warn_percent": 8})
    assert info.value.key == "battery.warn_percent"
    assert check_update(base, stored, {"battery.warn_percent": 30}) == {"battery.warn_percent": 30}
    # removing an override is checked too: back to the default pins clashes with the motor
    with pytest.raises(SettingError) as info:
        check_update(base, {"buttons.pins": [5, 6]}, {"buttons.pins": None, "haptics.pin": 27})
    assert info.value.key == "haptics.pin"


SETTABLE_KEYS = [*settable_keys(), "alerts.over_dwell_s", "alerts.countdown_s", "alerts.nope"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=300),
    st.sampled_from([0.0, 0.2, 1.5, -1e300, 1e30, 1e308, 0.35, 2.0]),
    st.lists(st.integers(min_value=0, max_value=30), max_size=4),
    st.sampled_from(["none", "ssd1306", "max17048", "x"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(SETTABLE_KEYS), VALUES, min_size=1, max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_the_daemon_starts_after_any_settings_a_host_can_send(
    tmp_path_factory: pytest.TempPathFactory, requests: list[dict[str, Any]]
) -> None:
    """Whatever sequence of settings.set a host sends, what is stored passes start-up."""
    from pacer.buttons.presses import Keypad
    from pacer.devices.battery import BatteryThresholds
    from pacer.engine.policy import policy_with

    with Store(tmp_path_factory.mktemp("s") / "pacer.db") as store:
        service = _service(store)
        for values in requests:
            reply = _ask(service, "settings.set", values=values)
            assert reply["ok"] or reply["error"]["code"] == ErrorCode.INVALID_FIELD, reply
        stored = store.get_settings()
    config, problems = usable_settings(Config(), stored)
    assert problems == []
    assert config_problems(config) == []
    # what the daemon builds from it at start
    policy_with(config.alerts)
    Keypad(config.buttons)
    BatteryThresholds(config.battery.warn_percent, config.battery.critical_percent)


def test_stored_settings_the_daemon_cannot_use_do_not_stop_it(tmp_path: Path) -> None:
    """Bad settings injected into the store behind the validator's back: the daemon starts
    on the rest, logs the keys, shows the card, and the serial link can repair them."""
    with Store.open_dir(tmp_path / "data") as store:
        store.update_settings({"alerts.nope": 1, "battery.warn_percent": 3, "display.contrast": 7})
    with NotifySocket(tmp_path / "notify") as notify, daemon(tmp_path, notify) as d:
        notify.wait_for(lambda m: m.fields.get("READY") == "1", 20)
        with DeviceClient(d.port, timeout=10) as host:
            host.hello()
            shown = host.settings_get()
            assert set(shown["set"]) == {"alerts.nope", "battery.warn_percent", "display.contrast"}
            host.settings_set({"alerts.nope": None, "battery.warn_percent": None})
            assert host.settings_get()["set"] == ["display.contrast"]
            # a change is checked against the config file's values, not the ones in force
            host.settings_set({"buttons.pins": [5, 6], "haptics.pin": 27})
            with pytest.raises(ProtocolError) as info:
                host.settings_set({"buttons.pins": None})  # back to 17, 27, 22: clashes
            assert info.value.field == "args.values.buttons.pins"
            assert host.settings_get()["settings"]["buttons.pins"] == [5, 6]
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(15) == 0, d.log()
    log = d.log()
    assert "stored setting alerts.nope not used: unknown alert parameter" in log
    assert "stored setting battery.warn_percent not used" in log
    assert "display.contrast not used" not in log


async def test_the_daemon_shows_the_settings_refused_card(tmp_path: Path) -> None:
    """What ``pacer run`` finds in the store reaches the screen through the notice card."""
    from pacer.cli.run import settings_in_force
    from pacer.screens import render
    from pacer.screens.views import ErrorKind, ErrorView
    from tests.support.daemon_rig import FrameLog, make_hw, running

    with Store.open_dir(tmp_path / "data") as store:
        store.update_settings({"haptics.pin": 27, "display.contrast": 7})
        config, refused = settings_in_force(Config(), store)
        assert refused == "haptics.pin"
        assert config.haptics.pin == Config().haptics.pin
        assert config.display.contrast == 7
        display = FrameLog()
        hw, _ = make_hw(60.0, display=display)
        card = render(ErrorView(ErrorKind.SETTINGS_REFUSED, detail=refused, hint=""))
        notice = (ErrorKind.SETTINGS_REFUSED, refused)
        async with running(store, config=config, hw=hw, notice=notice) as rig:
            await rig.until(lambda: any(f.tobytes() == card.tobytes() for f in display.frames))
