"""The default wiring and the documents generated from it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hardware import wiring
from pacer.config.pinout import (
    DEFAULT_PINOUT,
    HEADER,
    ButtonPart,
    PinKind,
    Wire,
    header_pin,
    physical_pin,
)
from tests.support.paths import REPO


def test_header_is_the_raspberry_pi_40_pin_layout() -> None:
    assert len(HEADER) == 40
    assert [p.physical for p in HEADER] == list(range(1, 41))
    bcms = [p.bcm for p in HEADER if p.bcm is not None]
    assert sorted(bcms) == list(range(28))  # GPIO0..GPIO27, each once
    assert [p.physical for p in HEADER if p.kind is PinKind.GROUND] == [
        6, 9, 14, 20, 25, 30, 34, 39,
    ]  # fmt: skip
    assert header_pin(1).kind is PinKind.POWER_3V3
    assert header_pin(2).kind is PinKind.POWER_5V
    assert header_pin(3).label == "GPIO2 (SDA1)"
    assert physical_pin(18) == 12
    assert physical_pin(21) == 40
    with pytest.raises(ValueError, match="1-40"):
        header_pin(41)
    with pytest.raises(ValueError, match="GPIO28"):
        physical_pin(28)


def test_default_pinout_is_sound_and_matches_the_documented_defaults() -> None:
    p = DEFAULT_PINOUT
    assert p.problems() == []
    assert (p.oled.bus, p.oled.address) == (1, 0x3C)
    assert p.oled.wire("SDA").pin == 3
    assert p.oled.wire("SCL").pin == 5
    assert p.motor.wire("IN").bcm == p.motor.bcm == 18
    assert [b.bcm for b in p.buttons] == [b.wire("SW").bcm for b in p.buttons]
    assert p.fuel_gauge is not None
    assert p.fuel_gauge.address == 0x36
    # Every signal GPIO is used once; the I2C pair is shared by every I2C part.
    assert set(p.gpio_pins()) == {2, 3, 17, 18, 22, 27}
    assert [k for k, _ in p.by_pin()[3]] == [p.oled, p.fuel_gauge]


def test_problems_name_each_wiring_mistake() -> None:
    p = DEFAULT_PINOUT
    clash = dataclasses.replace(
        p, motor=dataclasses.replace(p.motor, wires=(Wire(11, "IN", "orange"), *p.motor.wires[::2]))
    )
    assert any("pin 11 (GPIO17) is wired to several signals" in s for s in clash.problems())

    bad_gnd = dataclasses.replace(
        p, oled=dataclasses.replace(p.oled, wires=(Wire(7, "GND", "black"), *p.oled.wires[1:]))
    )
    assert bad_gnd.problems() == ["oled GND is on pin 7 (GPIO4 (GPCLK0))"]

    assert p.fuel_gauge is not None
    same_address = dataclasses.replace(
        p, fuel_gauge=dataclasses.replace(p.fuel_gauge, address=0x3C)
    )
    assert same_address.problems() == ["fuel_gauge and oled both use address 0x3C on I2C bus 1"]

    sda_elsewhere = dataclasses.replace(
        p, oled=dataclasses.replace(p.oled, wires=(*p.oled.wires[:3], Wire(7, "SDA", "blue")))
    )
    assert sda_elsewhere.problems() == ["oled SDA must be on GPIO2 (pin 3), not pin 7"]


def test_pinout_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PINOUT.motor.bcm = 12  # type: ignore[misc]


def test_committed_wiring_files_are_generated_from_the_pinout() -> None:
    """hardware/wiring.{md,svg} equal a fresh render: run hardware/generate.py if not."""
    assert wiring.stale(REPO / "hardware") == []


def test_markdown_lists_every_wire_of_every_part() -> None:
    md = wiring.render_markdown()
    for part, w in DEFAULT_PINOUT.connections():
        row = f"| {w.terminal} | {w.pin} | {header_pin(w.pin).label} | {w.colour} |"
        assert row in md, (part.key, row)
    assert "![pacer wiring diagram" in md


def test_svg_is_well_formed_and_highlights_exactly_the_used_pins() -> None:
    svg = wiring.render_svg()
    root = ET.fromstring(svg.split("-->", 1)[1])
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    # Every part's title and every used GPIO appear as text.
    for part in DEFAULT_PINOUT.parts():
        if isinstance(part, ButtonPart):
            assert f"GPIO{part.bcm}" in texts
    # Pill rectangles filled with a wire colour: one per used pin, none for unused ones.
    pill_fills = [
        r.get("fill")
        for r in root.iter(f"{ns}rect")
        if r.get("height") == "18" and r.get("fill") in set(wiring.COLOURS.values())
    ]
    assert len(pill_fills) == len(DEFAULT_PINOUT.by_pin())


def test_generator_rewrites_stale_files(tmp_path: Path) -> None:
    d = tmp_path
    assert sorted(wiring.write(d)) == ["wiring.md", "wiring.svg"]
    assert wiring.write(d) == []
    (d / "wiring.md").write_text("edited by hand\n")
    assert wiring.stale(d) == ["wiring.md"]
    generate = [sys.executable, str(REPO / "hardware" / "generate.py")]
    check = subprocess.run([*generate, "--check", str(d)], capture_output=True, text=True)
    assert check.returncode == 1, check
    assert "out of date" in check.stdout
    assert "wiring.md" in check.stdout
    assert subprocess.run([*generate, "--write", str(d)], check=False).returncode == 0
    assert subprocess.run([*generate, "--check", str(d)], check=False).returncode == 0
