"""The sensors on the air, simulated: stand in for a heart-rate strap, a foot pod and a
speaker that advertise while in range, drop out of range and come back. The BlueZ double
(:mod:`tests.support.bluez_double`) serves them to bleak."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: The simulated adapter's object path (BlueZ's first adapter).
ADAPTER_PATH = "/org/bluez/hci0"


def uuid16(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


@dataclass
class Characteristic:
    uuid: str
    flags: list[str]
    value: bytes = b""


@dataclass
class Peripheral:
    """A sensor in the room. ``payload(n)`` is its n-th notification (n from 0)."""

    address: str
    name: str
    services: dict[str, list[Characteristic]]
    notify_uuid: str | None = None
    payload: Callable[[int], bytes] = lambda n: bytes([0x00, 60 + n % 100])
    interval_s: float | None = 1.0
    rssi: int = -60
    in_range: bool = True
    #: How long a Connect out of range takes to fail (None: the double's ``connect_fail_s``).
    connect_fail_s: float | None = None

    @property
    def path(self) -> str:
        return f"{ADAPTER_PATH}/dev_{self.address.upper().replace(':', '_')}"

    @property
    def advertised(self) -> list[str]:
        return list(self.services)


def heart_rate_strap(
    address: str = "F0:13:C3:5A:2B:01", name: str = "Polar H10 1234", battery: int = 88
) -> Peripheral:
    return Peripheral(
        address=address,
        name=name,
        services={
            uuid16(0x180D): [
                Characteristic(uuid16(0x2A37), ["notify"]),
                Characteristic(uuid16(0x2A38), ["read"], b"\x01"),
            ],
            uuid16(0x180F): [Characteristic(uuid16(0x2A19), ["read", "notify"], bytes([battery]))],
        },
        notify_uuid=uuid16(0x2A37),
    )


def foot_pod(address: str = "C4:7C:8D:6A:00:12", name: str = "Stryd") -> Peripheral:
    return Peripheral(
        address=address,
        name=name,
        services={uuid16(0x1814): [Characteristic(uuid16(0x2A53), ["notify"])]},
        notify_uuid=uuid16(0x2A53),
        payload=lambda n: bytes.fromhex("04 00 03 AA"),
        rssi=-70,
    )


def speaker(address: str = "00:11:22:33:44:55") -> Peripheral:
    """Not a sensor: an audio sink, to show the scan filters it out."""
    return Peripheral(address=address, name="Speaker", services={uuid16(0x110B): []}, rssi=-40)
