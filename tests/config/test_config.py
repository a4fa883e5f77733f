"""The device config: defaults, and bad keys named with their line."""

from __future__ import annotations

import pytest

from pacer.config.file import Config, load_config
from pacer.core.errors import InputErrors


def test_empty_config_is_all_defaults() -> None:
    assert load_config("") == Config()


def test_values_are_typed() -> None:
    cfg = load_config(
        "[display]\ndriver = 'sh1106'\ni2c_address = 0x3D\nrotation = 2\n"
        "[buttons]\npins = [5, 6]\n[alerts]\nover_dwell_s = 4\n"
    )
    assert cfg.display.driver == "sh1106"
    assert cfg.display.i2c_address == 0x3D
    assert cfg.display.rotation == 2
    assert cfg.buttons.pins == (5, 6)
    assert cfg.alerts == (("over_dwell_s", 4.0),)
    assert cfg.haptics == Config().haptics


def test_every_bad_key_is_named_with_its_line() -> None:
    text = """[display]
driver = "ssd1309"
rotaton = 1

[haptics]
strength = 1.5

[buttons]
pins = [17, 17]

[sensor]
x = 1
"""
    with pytest.raises(InputErrors) as info:
        load_config(text, "pacer.toml")
    assert [str(e) for e in info.value.errors] == [
        "pacer.toml:2:1: display.driver = 'ssd1309': expected ssd1306, sh1106 or none",
        "pacer.toml:3:1: unknown key display.rotaton (did you mean 'rotation'?)",
        "pacer.toml:6:1: haptics.strength = 1.5: expected a duty cycle above 0 and at most 1",
        "pacer.toml:9:1: buttons.pins = [17, 17]: expected one to three different BCM GPIO numbers",
        "pacer.toml:11:1: unknown section [sensor] (did you mean [sensors]?)",
    ]


def test_wrong_types_and_syntax() -> None:
    with pytest.raises(
        InputErrors, match=r"c:2:1: display.rotation must be a whole number, not '2'"
    ):
        load_config("[display]\nrotation = '2'\n", "c")
    with pytest.raises(InputErrors, match=r"c:2:\d+: TOML syntax error"):
        load_config("[display]\nrotation = \n", "c")


def test_installed_template_lists_every_key_with_its_default() -> None:
    import dataclasses
    import re

    from tests.support.paths import REPO

    template = (REPO / "firmware" / "etc" / "config.toml").read_text()
    assert load_config(template) == Config()  # everything is commented out
    uncommented = load_config(re.sub(r"^# ([a-z_]+ = )", r"\1", template, flags=re.M))
    expected = dataclasses.replace(
        Config(),
        storage=dataclasses.replace(Config().storage, data_dir="/var/lib/pacer"),
        alerts=(("hr_over_dwell_s", 6.0), ("speed_tolerance", 0.02)),
    )
    assert uncommented == expected
    for section in (
        "display",
        "haptics",
        "buttons",
        "serial",
        "storage",
        "battery",
        "sensors",
        "power",
    ):
        body = template.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
        for f in dataclasses.fields(getattr(Config(), section)):
            assert re.search(rf"^# {f.name} = ", body, re.M), (section, f.name)


def test_alert_overrides_are_checked_by_the_engine_policy_with_their_line() -> None:
    text = (
        "[alerts]\nhr_over_dwell_s = 4\nover_dwel_s = 4\ncountdown_s = 1.5\nspeed_tolerance = -1\n"
    )
    with pytest.raises(InputErrors) as info:
        load_config(text, "pacer.toml")
    assert [str(e) for e in info.value.errors] == [
        "pacer.toml:3:1: unknown alert parameter alerts.over_dwel_s (did you mean 'over_dwell_s'?)",
        "pacer.toml:4:1: alerts.countdown_s must be a whole number, not 1.5",
        "pacer.toml:5:1: alerts.speed_tolerance = -1: expected 0 to 0.5",
    ]


def test_alert_overrides_reach_the_policy() -> None:
    from pacer.engine.policy import AlertPolicy, policy_with

    cfg = load_config("[alerts]\nover_dwell_s = 4\nspeed_ramp_in_s = 30\nextend_s = 90\n")
    policy = policy_with(cfg.alerts)
    assert policy.hr.over_dwell_s == 4, "a bare rule name is heart rate's"
    assert policy.speed.ramp_in_s == 30
    assert policy.extend_s == 90
    assert isinstance(policy.extend_s, int)
    assert policy.power == AlertPolicy().power


def test_odd_alert_names_and_sections_are_located_errors() -> None:
    with pytest.raises(InputErrors) as info:
        load_config('[alerts]\n"Bad-Name" = 3\n[display]\ncontrast = 9\n[haptics]\n', "c.toml")
    assert [str(e) for e in info.value.errors] == [
        "c.toml:1:1: unknown alert parameter alerts.Bad-Name"
    ]
    with pytest.raises(InputErrors, match=r"c\.toml:1:1: \[display\] must be a table"):
        load_config("display = 3\n", "c.toml")
