"""The Bluetooth SIG assigned numbers pacer uses, and what each sensor role listens to."""

from __future__ import annotations

from dataclasses import dataclass

from pacer.core.samples import SensorRole


def uuid16(short: int) -> str:
    """The full 128-bit UUID string of a 16-bit SIG assigned number (how bleak names them)."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


HEART_RATE_SERVICE = uuid16(0x180D)
RUNNING_SPEED_CADENCE_SERVICE = uuid16(0x1814)
CYCLING_SPEED_CADENCE_SERVICE = uuid16(0x1816)
CYCLING_POWER_SERVICE = uuid16(0x1818)
BATTERY_SERVICE = uuid16(0x180F)

HEART_RATE_MEASUREMENT = uuid16(0x2A37)
RSC_MEASUREMENT = uuid16(0x2A53)
CSC_MEASUREMENT = uuid16(0x2A5B)
CYCLING_POWER_MEASUREMENT = uuid16(0x2A63)
BATTERY_LEVEL = uuid16(0x2A19)


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """The service a sensor of this role advertises and the characteristic pacer subscribes to."""

    role: SensorRole
    service: str
    measurement: str
    label: str


ROLE_SPECS: dict[SensorRole, RoleSpec] = {
    SensorRole.HR: RoleSpec(
        SensorRole.HR, HEART_RATE_SERVICE, HEART_RATE_MEASUREMENT, "heart rate"
    ),
    SensorRole.POD: RoleSpec(
        SensorRole.POD, RUNNING_SPEED_CADENCE_SERVICE, RSC_MEASUREMENT, "running speed/cadence"
    ),
    SensorRole.CADENCE: RoleSpec(
        SensorRole.CADENCE, CYCLING_SPEED_CADENCE_SERVICE, CSC_MEASUREMENT, "cycling speed/cadence"
    ),
    SensorRole.POWER: RoleSpec(
        SensorRole.POWER, CYCLING_POWER_SERVICE, CYCLING_POWER_MEASUREMENT, "cycling power"
    ),
}

#: Services ``pacer sensors scan`` looks for, in display order.
SENSOR_SERVICES: tuple[str, ...] = tuple(spec.service for spec in ROLE_SPECS.values())


def roles_for_services(uuids: list[str] | tuple[str, ...]) -> tuple[SensorRole, ...]:
    """The roles a device can fill, judged by the service UUIDs it advertises."""
    offered = {u.lower() for u in uuids}
    return tuple(spec.role for spec in ROLE_SPECS.values() if spec.service in offered)
