"""The default wiring of a pacer: the one source of truth for pins, buses and addresses.

Everything that names a pin reads it from here: the device defaults (display bus and
address, motor pin, button pins, fuel-gauge address), ``hardware/wiring.md`` and
``hardware/wiring.svg`` (written by ``python hardware/generate.py`` with
``hardware/wiring.py``; a test checks the committed files still match) and
``docs/hardware.md``.

Pins are given twice, because people and programs count differently: ``bcm`` is the
Broadcom GPIO number that software uses (gpiozero's ``"GPIO18"``), ``physical`` is the
position on the 40-pin header that a soldering iron uses (pin 1, 3V3, is the square pad at
the end nearest the microSD slot; odd pins run along the inner row, even pins along the
board's edge).

Pure data and small queries: nothing here touches hardware.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class PinKind(StrEnum):
    POWER_3V3 = "3V3"
    POWER_5V = "5V"
    GROUND = "GND"
    GPIO = "GPIO"


@dataclass(frozen=True, slots=True)
class HeaderPin:
    """One pin of the Raspberry Pi 40-pin header."""

    physical: int
    kind: PinKind
    bcm: int | None = None
    #: The alternate function people know the pin by ("SDA1", "PWM0", "TXD"), if any.
    alt: str = ""

    @property
    def label(self) -> str:
        """``"GPIO2 (SDA1)"``, ``"3V3"``, ``"GND"``."""
        if self.kind is not PinKind.GPIO:
            return self.kind.value
        return f"GPIO{self.bcm} ({self.alt})" if self.alt else f"GPIO{self.bcm}"

    @property
    def short(self) -> str:
        """``"GPIO2"``, ``"3V3"``, ``"GND"``."""
        return self.kind.value if self.kind is not PinKind.GPIO else f"GPIO{self.bcm}"


def _header() -> tuple[HeaderPin, ...]:
    power = {
        1: PinKind.POWER_3V3,
        17: PinKind.POWER_3V3,
        2: PinKind.POWER_5V,
        4: PinKind.POWER_5V,
    }
    ground = {6, 9, 14, 20, 25, 30, 34, 39}
    # physical pin -> (BCM number, alternate function)
    gpio = {
        3: (2, "SDA1"),
        5: (3, "SCL1"),
        7: (4, "GPCLK0"),
        8: (14, "TXD"),
        10: (15, "RXD"),
        11: (17, ""),
        12: (18, "PWM0"),
        13: (27, ""),
        15: (22, ""),
        16: (23, ""),
        18: (24, ""),
        19: (10, "MOSI"),
        21: (9, "MISO"),
        22: (25, ""),
        23: (11, "SCLK"),
        24: (8, "CE0"),
        26: (7, "CE1"),
        27: (0, "ID_SD"),
        28: (1, "ID_SC"),
        29: (5, ""),
        31: (6, ""),
        32: (12, "PWM0"),
        33: (13, "PWM1"),
        35: (19, "PWM1"),
        36: (16, ""),
        37: (26, ""),
        38: (20, ""),
        40: (21, ""),
    }
    pins = []
    for n in range(1, 41):
        if n in power:
            pins.append(HeaderPin(n, power[n]))
        elif n in ground:
            pins.append(HeaderPin(n, PinKind.GROUND))
        else:
            bcm, alt = gpio[n]
            pins.append(HeaderPin(n, PinKind.GPIO, bcm, alt))
    return tuple(pins)


#: The 40-pin header, index ``physical - 1``.
HEADER: tuple[HeaderPin, ...] = _header()


def header_pin(physical: int) -> HeaderPin:
    """The header pin at a physical position (1-40)."""
    if not 1 <= physical <= 40:
        raise ValueError(f"header pins are numbered 1-40, not {physical}")
    return HEADER[physical - 1]


def physical_pin(bcm: int) -> int:
    """The physical header position of a BCM GPIO number."""
    for pin in HEADER:
        if pin.bcm == bcm:
            return pin.physical
    raise ValueError(f"GPIO{bcm} is not on the 40-pin header")


@dataclass(frozen=True, slots=True)
class Wire:
    """One wire from a header pin to a terminal (pad) of a part."""

    #: Physical header pin (1-40).
    pin: int
    #: The part's pad as printed on its silk-screen: "SDA", "VCC", "GND", "IN", "1".
    terminal: str
    colour: str
    note: str = ""

    @property
    def header(self) -> HeaderPin:
        return header_pin(self.pin)

    @property
    def bcm(self) -> int | None:
        return self.header.bcm


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """A part wired to the header."""

    #: Short identifier ("oled", "motor", "button_a", "fuel_gauge").
    key: str
    #: What to buy/look for, as a person says it.
    name: str
    wires: tuple[Wire, ...]
    notes: tuple[str, ...] = ()
    #: Optional parts may be left off; the software then does without them.
    optional: bool = False

    def wire(self, terminal: str) -> Wire:
        for w in self.wires:
            if w.terminal == terminal:
                return w
        raise KeyError(f"{self.key} has no terminal {terminal!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class I2CPart(Part):
    bus: int
    address: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Oled(I2CPart):
    controller: Literal["ssd1306", "sh1106"] = "ssd1306"
    width: int = 128
    height: int = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class Motor(Part):
    """A coin vibration motor switched by a transistor whose base/gate the GPIO drives."""

    #: The GPIO (BCM) driving the transistor; PWM duty cycle sets the strength.
    bcm: int
    pwm_hz: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPart(Part):
    """A push button between a GPIO and GND; the GPIO's internal pull-up holds it high."""

    bcm: int
    pull_up: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class FuelGauge(I2CPart):
    """A MAX17048 LiPo fuel gauge sharing the display's I2C bus."""

    chip: Literal["max17048"] = "max17048"


@dataclass(frozen=True, slots=True)
class Pinout:
    """The whole wiring: which part sits on which pins."""

    oled: Oled
    motor: Motor
    buttons: tuple[ButtonPart, ...]
    fuel_gauge: FuelGauge | None = None
    #: Where a LiPo build's 5 V boost converter feeds the Pi (None with a PiSugar or USB).
    power_in: Part | None = None
    #: I2C bus speed set in config.txt (``dtparam=i2c_arm_baudrate``).
    i2c_baudrate: int = 400_000
    notes: tuple[str, ...] = field(default=())

    def parts(self) -> tuple[Part, ...]:
        parts: list[Part] = [self.oled, *self.buttons]
        if self.fuel_gauge is not None:
            parts.append(self.fuel_gauge)
        parts.append(self.motor)
        if self.power_in is not None:
            parts.append(self.power_in)
        return tuple(parts)

    def part(self, key: str) -> Part:
        for p in self.parts():
            if p.key == key:
                return p
        raise KeyError(f"no part {key!r} in the pinout")

    def connections(self) -> Iterator[tuple[Part, Wire]]:
        for p in self.parts():
            for w in p.wires:
                yield p, w

    def by_pin(self) -> dict[int, tuple[tuple[Part, Wire], ...]]:
        """Every used physical pin with what is connected to it, in pin order."""
        used: dict[int, list[tuple[Part, Wire]]] = {}
        for p, w in self.connections():
            used.setdefault(w.pin, []).append((p, w))
        return {pin: tuple(used[pin]) for pin in sorted(used)}

    def gpio_pins(self) -> dict[int, str]:
        """BCM number -> what it is used for (``"oled SDA"``)."""
        out: dict[int, str] = {}
        for p, w in self.connections():
            if w.bcm is not None:
                out.setdefault(w.bcm, f"{p.key} {w.terminal}")
        return out

    def problems(self) -> list[str]:
        """What is wrong with this wiring (empty when it is sound).

        A GPIO may carry one signal only, except the I2C pair, which every I2C part shares;
        power and ground pins may feed several parts; a power terminal must sit on a power
        pin and a ground terminal on a ground pin; two I2C parts may not share an address.
        """
        problems: list[str] = []
        i2c_pins = {physical_pin(2), physical_pin(3)}
        for pin, users in self.by_pin().items():
            hp = header_pin(pin)
            if hp.kind is PinKind.GPIO and pin not in i2c_pins and len(users) > 1:
                names = ", ".join(f"{p.key} {w.terminal}" for p, w in users)
                problems.append(f"pin {pin} ({hp.label}) is wired to several signals: {names}")
            for p, w in users:
                if w.terminal in {"GND", "-", "OUT-"} and hp.kind is not PinKind.GROUND:
                    problems.append(f"{p.key} {w.terminal} is on pin {pin} ({hp.label})")
                if w.terminal in {"VCC", "VIN", "+", "OUT+"} and hp.kind not in {
                    PinKind.POWER_3V3,
                    PinKind.POWER_5V,
                }:
                    problems.append(f"{p.key} {w.terminal} is on pin {pin} ({hp.label})")
                if w.terminal in {"SDA", "SCL"}:
                    want = {"SDA": 2, "SCL": 3}[w.terminal]
                    if hp.bcm != want:
                        problems.append(
                            f"{p.key} {w.terminal} must be on GPIO{want} "
                            f"(pin {physical_pin(want)}), not pin {pin}"
                        )
        addresses: dict[tuple[int, int], str] = {}
        for p in self.parts():
            if isinstance(p, I2CPart):
                slot = (p.bus, p.address)
                if slot in addresses:
                    problems.append(
                        f"{p.key} and {addresses[slot]} both use address 0x{p.address:02X} "
                        f"on I2C bus {p.bus}"
                    )
                addresses[slot] = p.key
        keys = [p.key for p in self.parts()]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(f"two parts are called {key!r}")
        return problems


# Wire colours: the usual convention for jumper leads, so a photo of the build reads like
# the diagram.
RED, BLACK, BLUE, YELLOW, ORANGE = "red", "black", "blue", "yellow", "orange"
GREEN, PURPLE, WHITE, BROWN = "green", "purple", "white", "brown"


def _button(
    key: str, label: str, bcm: int, colour: str, role: str, *, optional: bool = False
) -> ButtonPart:
    return ButtonPart(
        key=key,
        name=f"Button {label}: 6 mm tactile switch",
        bcm=bcm,
        wires=(
            Wire(physical_pin(bcm), "SW", colour, f"GPIO{bcm}, internal pull-up: reads low"),
            Wire(25, "GND", BLACK, "the buttons share one ground wire, daisy-chained"),
        ),
        notes=(role,),
        optional=optional,
    )


#: The wiring the software assumes when the configuration names no pins.
DEFAULT_PINOUT = Pinout(
    oled=Oled(
        key="oled",
        name="OLED 128x64, SSD1306 or SH1106, I2C (4-pin module)",
        bus=1,
        address=0x3C,
        wires=(
            Wire(9, "GND", BLACK),
            Wire(1, "VCC", RED, "3.3 V: the module's pull-ups then match the Pi's logic"),
            Wire(5, "SCL", YELLOW, "I2C clock"),
            Wire(3, "SDA", BLUE, "I2C data"),
        ),
        notes=(
            "Pad order differs between modules (GND-VCC-SCL-SDA or VCC-GND-SCL-SDA): "
            "follow the silk-screen, not the position.",
            "A module jumpered to 0x3D needs `i2c_address = 0x3D` under [display] in config.toml.",
            "GPIO3 (pin 5, SCL) is also the Pi's wake pin: a halted Pi starts when it is pulled "
            "low. An optional wake button from pin 5 to GND works, but pressed while pacer runs "
            "it breaks the I2C transfer in flight (docs/hardware.md, Off and on).",
        ),
    ),
    buttons=(
        _button("button_a", "A", 17, GREEN, "primary button (start/pause; hold to stop)"),
        _button("button_b", "B", 27, PURPLE, "second button (lap/next)"),
        _button("button_c", "C", 22, WHITE, "third button (next screen)", optional=True),
    ),
    fuel_gauge=FuelGauge(
        key="fuel_gauge",
        name="MAX17048 LiPo fuel gauge breakout",
        bus=1,
        address=0x36,
        optional=True,
        wires=(
            Wire(17, "VIN", RED, "3.3 V for the breakout's I2C side"),
            Wire(39, "GND", BLACK),
            Wire(3, "SDA", BLUE, "shares the OLED's SDA"),
            Wire(5, "SCL", YELLOW, "shares the OLED's SCL"),
        ),
        notes=(
            "The gauge measures the cell itself: its BAT pads go to the LiPo, in parallel "
            "with the charger.",
            "Leave it off with a PiSugar: the PiSugar reports the level through its own "
            "server instead.",
        ),
    ),
    motor=Motor(
        key="motor",
        name="Coin vibration motor (10 mm, 2-5 V) with NPN transistor driver",
        bcm=18,
        wires=(
            Wire(2, "+", RED, "5 V to the motor's red lead (and the diode's cathode)"),
            Wire(12, "IN", ORANGE, "GPIO18 through the 1 kΩ base resistor"),
            Wire(14, "-", BLACK, "GND to the transistor's emitter"),
        ),
        notes=(
            "2N2222 (or BC337): GPIO18 - 1 kΩ - base; collector to the motor's black lead; "
            "emitter to GND.",
            "1N4148 across the motor, cathode (band) to +5 V: it swallows the kick when the "
            "motor switches off.",
            "With an AO3400 MOSFET instead: gate through 100 Ω, 100 kΩ gate to GND, "
            "drain to the motor, source to GND.",
            "The motor draws 60-100 mA: never straight from a GPIO pin.",
            "A motor rated 3 V only: take + from 3V3 (pin 17, with the gauge) instead of 5 V.",
        ),
    ),
    power_in=Part(
        key="power_in",
        name="5 V boost converter output (LiPo builds)",
        optional=True,
        wires=(
            Wire(4, "OUT+", RED, "5.1 V into the Pi's 5 V rail"),
            Wire(6, "OUT-", BLACK),
        ),
        notes=(
            "Set an adjustable boost (MT3608) to 5.1 V with a multimeter BEFORE connecting "
            "the Pi: they often ship at 12 V or more.",
            "The header's 5 V pins bypass the Pi's input fuse: keep the LiPo's protection "
            "circuit and a switch between charger and boost.",
            "Leave it off with a PiSugar (it feeds the Pi through its pogo pins) or when "
            "running from a USB power bank.",
        ),
    ),
    notes=(
        "PiSugar 2/3: sits under the Pi on pogo pins, no wires; it shares I2C bus 1 "
        "(PiSugar 3 at 0x57/0x68, PiSugar 2 at 0x32/0x75), clear of the OLED and gauge.",
    ),
)


def main(argv: list[str] | None = None) -> int:
    """``python -m pacer.config.pinout``: print the default wiring as a table."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m pacer.config.pinout",
        description="Print pacer's default wiring (header pin, GPIO, part, wire colour).",
    )
    parser.parse_args(argv)
    for pin, users in DEFAULT_PINOUT.by_pin().items():
        hp = header_pin(pin)
        for p, w in users:
            print(f"pin {pin:2d}  {hp.label:<14} {p.key:<11} {w.terminal:<4} {w.colour}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
