"""A private D-Bus bus with a small BlueZ double on it, for the real bleak stack to talk to.

:class:`~tests.support.private_bus.PrivateBus` starts ``dbus-daemon`` with its own
configuration and socket; point bleak at it with ``DBUS_SYSTEM_BUS_ADDRESS`` (read by
dbus-fast each time bleak opens a connection, so setting it in the test's environment before
bleak connects is enough).

:class:`BlueZDouble` owns ``org.bluez`` on that bus and serves what bleak uses, the way
bluetoothd does: the object manager (dbus-fast answers ``GetManagedObjects`` and emits
``InterfacesAdded``/``InterfacesRemoved`` as objects are exported), ``org.bluez.Adapter1``
with discovery, ``org.bluez.Device1`` with ``Connect``/``Disconnect``/``ServicesResolved``,
``org.bluez.GattService1`` and ``org.bluez.GattCharacteristic1`` with
``StartNotify``/``StopNotify``/``ReadValue`` and ``Value`` change signals. Peripherals are
simulated (:mod:`tests.support.ble_peripherals`): they advertise while in range, drop out of
range, come back; the adapter can vanish.

Used by ``tests/ble/test_ble_bluez_double.py`` and ``benchmarks/bench_ble.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from dataclasses import dataclass
from typing import Annotated, Any

from dbus_fast import BusType, DBusError, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
)
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_method, dbus_property

from tests.support.ble_peripherals import ADAPTER_PATH, Characteristic, Peripheral, uuid16

DBusStrList = Annotated[list[str], DBusSignature("as")]
DBusPathList = Annotated[list[str], DBusSignature("ao")]
DBusManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


class SystemClock:
    """The real clock (the :class:`pacer.core.clock.Clock` protocol) for tests on real time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- D-Bus interfaces (method and property names are BlueZ's) --------------------------


class Adapter(ServiceInterface):
    def __init__(self, double: BlueZDouble) -> None:
        super().__init__("org.bluez.Adapter1")
        self._double = double
        self.discovering = False

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return "00:1A:7D:DA:71:13"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return "pacer-test"

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return "pacer-test"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> DBusBool:
        return self.discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> DBusStrList:
        return ["central", "peripheral"]

    @dbus_method()
    def SetDiscoveryFilter(self, properties: DBusDict):
        self._double.discovery_filter = {k: v.value for k, v in properties.items()}
        self._double.discovery_filters.append(self._double.discovery_filter)

    @dbus_method()
    def StartDiscovery(self):
        self._double.start_discovery()

    @dbus_method()
    def StopDiscovery(self):
        if not self.discovering:
            raise DBusError("org.bluez.Error.Failed", "No discovery started")
        self._double.stop_discovery()

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath):
        self._double.remove_device(device)


class Device(ServiceInterface):
    def __init__(self, double: BlueZDouble, peripheral: Peripheral) -> None:
        super().__init__("org.bluez.Device1")
        self._double = double
        self.p = peripheral
        self.connected = False
        self.services_resolved = False
        self.rssi = peripheral.rssi

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return self.p.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> DBusStr:
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> DBusStr:
        return self.p.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> DBusStr:
        return self.p.name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> DBusObjectPath:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Blocked(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> DBusBool:
        return self.services_resolved

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> DBusStrList:
        return self.p.advertised

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> DBusInt16:
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> DBusManufacturerData:
        return {}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> DBusDict:
        return {}

    @dbus_method()
    async def Connect(self):
        await self._double.connect(self)

    @dbus_method()
    def Disconnect(self):
        self._double.disconnect(self)


class GattService(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self._uuid = uuid
        self._device = device_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> DBusObjectPath:
        return self._device

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> DBusPathList:
        return []


class GattCharacteristic(ServiceInterface):
    def __init__(
        self, double: BlueZDouble, device: Device, spec: Characteristic, service_path: str
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self._double = double
        self.device = device
        self.spec = spec
        self._service = service_path
        self.value = spec.value
        self.notifying = False

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self.spec.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return self._service

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> DBusStrList:
        return self.spec.flags

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        if "read" not in self.spec.flags:
            raise DBusError("org.bluez.Error.NotPermitted", "Read not permitted")
        return self.value

    @dbus_method()
    def StartNotify(self):
        if "notify" not in self.spec.flags:
            raise DBusError("org.bluez.Error.NotSupported", "Operation is not supported")
        if not self.notifying:
            self.notifying = True
            self.emit_properties_changed({"Notifying": True})
            self._double.notify_started(self)

    @dbus_method()
    def StopNotify(self):
        if self.notifying:
            self.notifying = False
            self.emit_properties_changed({"Notifying": False})

    def send(self, value: bytes) -> None:
        """A notification: BlueZ sets ``Value`` and signals the change."""
        self.value = value
        self.emit_properties_changed({"Value": value})


# --- the double ---------------------------------------------------------------------------


@dataclass
class Counters:
    connects: int = 0
    failed_connects: int = 0
    disconnects: int = 0
    active_connects: int = 0
    max_active_connects: int = 0
    start_discovery: int = 0
    notifications: int = 0


class BlueZDouble:
    """``org.bluez`` on a bus: one adapter, simulated peripherals.

    ``connect_delay_s`` is how long a Connect takes; a Connect to a peripheral out of range
    fails after ``connect_fail_s`` with ``org.bluez.Error.Failed: Page Timeout``.
    """

    def __init__(self, *, connect_delay_s: float = 0.02, connect_fail_s: float = 0.2) -> None:
        self.connect_delay_s = connect_delay_s
        self.connect_fail_s = connect_fail_s
        self.peripherals: dict[str, Peripheral] = {}
        self.devices: dict[str, Device] = {}
        self.discovery_filter: dict[str, Any] = {}
        self.discovery_filters: list[dict[str, Any]] = []
        self.counters = Counters()
        self.adapter_present = False
        self._bus: MessageBus | None = None
        self._adapter: Adapter | None = None
        self._gatt: dict[str, list[tuple[str, ServiceInterface]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._notifiers: dict[str, asyncio.Task[None]] = {}
        self._advertiser: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, bus_address: str) -> BlueZDouble:
        self._bus = await MessageBus(bus_address=bus_address, bus_type=BusType.SYSTEM).connect()
        await self._bus.request_name("org.bluez")
        self.add_adapter()
        return self

    async def stop(self) -> None:
        for task in [*self._tasks, *self._notifiers.values()]:
            task.cancel()
        if self._advertiser is not None:
            self._advertiser.cancel()
        tasks = [*self._tasks, *self._notifiers.values()]
        if self._advertiser is not None:
            tasks.append(self._advertiser)
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._bus is not None:
            self._bus.disconnect()
            with contextlib.suppress(Exception):
                await self._bus.wait_for_disconnect()
            self._bus = None

    def tasks(self) -> set[asyncio.Task[None]]:
        """The double's own running tasks (advertising, notifying)."""
        running = {*self._tasks, *self._notifiers.values()}
        if self._advertiser is not None:
            running.add(self._advertiser)
        return running

    @property
    def bus(self) -> MessageBus:
        assert self._bus is not None, "start() first"
        return self._bus

    # --- the room -------------------------------------------------------------------------

    def add(self, peripheral: Peripheral) -> Peripheral:
        self.peripherals[peripheral.address] = peripheral
        return peripheral

    def drop(self, address: str) -> None:
        """The peripheral leaves radio range: the link drops, it stops advertising."""
        self.peripherals[address].in_range = False
        device = self.devices.get(address)
        if device is not None and device.connected:
            self._link_down(device)

    def come_back(self, address: str) -> None:
        self.peripherals[address].in_range = True

    def remove_adapter(self) -> None:
        """The USB dongle is pulled (or the controller crashed): everything under it goes."""
        for device in list(self.devices.values()):
            if device.connected:
                self._link_down(device)
            self.remove_device(device.p.path)
        self.stop_discovery()
        self.bus.unexport(ADAPTER_PATH)
        self._adapter = None
        self.adapter_present = False

    def add_adapter(self) -> None:
        self._adapter = Adapter(self)
        self.bus.export(ADAPTER_PATH, self._adapter)
        self.adapter_present = True

    def notify_now(self, address: str, payload: bytes) -> bool:
        """Send one notification right now (when the central subscribed); False if not."""
        device = self.devices.get(address)
        if device is None or not device.connected:
            return False
        for _path, iface in self._gatt.get(address, []):
            if (
                isinstance(iface, GattCharacteristic)
                and iface.notifying
                and iface.spec.uuid == device.p.notify_uuid
            ):
                iface.send(payload)
                self.counters.notifications += 1
                return True
        return False

    def set_battery(self, address: str, percent: int) -> None:
        for _path, iface in self._gatt.get(address, []):
            if isinstance(iface, GattCharacteristic) and iface.spec.uuid == uuid16(0x2A19):
                if iface.notifying:
                    iface.send(bytes([percent]))
                else:
                    iface.value = bytes([percent])

    @property
    def discovering(self) -> bool:
        return self._adapter is not None and self._adapter.discovering

    # --- BlueZ behaviour ------------------------------------------------------------------

    def start_discovery(self) -> None:
        assert self._adapter is not None
        self.counters.start_discovery += 1
        if self._adapter.discovering:
            return
        self._adapter.discovering = True
        self._adapter.emit_properties_changed({"Discovering": True})
        self._advertiser = asyncio.get_running_loop().create_task(self._advertise())

    def stop_discovery(self) -> None:
        if self._advertiser is not None:
            self._retire(self._advertiser)
            self._advertiser = None
        if self._adapter is not None and self._adapter.discovering:
            self._adapter.discovering = False
            self._adapter.emit_properties_changed({"Discovering": False})

    def _matches_filter(self, p: Peripheral) -> bool:
        wanted = {u.lower() for u in self.discovery_filter.get("UUIDs", [])}
        return not wanted or bool(wanted & {u.lower() for u in p.advertised})

    async def _advertise(self) -> None:
        """While discovering: new devices appear, known ones refresh their RSSI."""
        for tick in itertools.count():
            for p in list(self.peripherals.values()):
                if not p.in_range or not self._matches_filter(p):
                    continue
                device = self.devices.get(p.address)
                if device is None:
                    device = self.devices[p.address] = Device(self, p)
                    self.bus.export(p.path, device)
                elif not device.connected:
                    device.rssi = p.rssi - tick % 2  # a real change, so a real signal
                    device.emit_properties_changed({"RSSI": device.rssi})
            await asyncio.sleep(0.05)

    def remove_device(self, path: str) -> None:
        for address, device in list(self.devices.items()):
            if device.p.path == path:
                if device.connected:
                    self._link_down(device)
                self.bus.unexport(path)
                del self.devices[address]

    async def connect(self, device: Device) -> None:
        c = self.counters
        c.active_connects += 1
        c.max_active_connects = max(c.max_active_connects, c.active_connects)
        try:
            if not device.p.in_range:
                fail_s = device.p.connect_fail_s
                await asyncio.sleep(self.connect_fail_s if fail_s is None else fail_s)
                c.failed_connects += 1
                raise DBusError("org.bluez.Error.Failed", "Page Timeout")
            await asyncio.sleep(self.connect_delay_s)
            if device.connected:
                return
            self._export_gatt(device)
            device.connected = True
            device.emit_properties_changed({"Connected": True})
            device.services_resolved = True
            device.emit_properties_changed({"ServicesResolved": True})
            c.connects += 1
        finally:
            c.active_connects -= 1

    def disconnect(self, device: Device) -> None:
        if device.connected:
            self.counters.disconnects += 1
            self._link_down(device)

    def _link_down(self, device: Device) -> None:
        task = self._notifiers.pop(device.p.address, None)
        if task is not None:
            self._retire(task)
        device.services_resolved = False
        device.connected = False
        device.emit_properties_changed({"ServicesResolved": False, "Connected": False})
        for path, _iface in reversed(self._gatt.pop(device.p.address, [])):
            self.bus.unexport(path)

    def _export_gatt(self, device: Device) -> None:
        handle = itertools.count(0x000C)
        exported: list[tuple[str, ServiceInterface]] = []
        for service_uuid, chars in device.p.services.items():
            service_path = f"{device.p.path}/service{next(handle):04x}"
            service = GattService(service_uuid, device.p.path)
            self.bus.export(service_path, service)
            exported.append((service_path, service))
            for spec in chars:
                char_path = f"{service_path}/char{next(handle):04x}"
                char = GattCharacteristic(self, device, spec, service_path)
                self.bus.export(char_path, char)
                exported.append((char_path, char))
        self._gatt[device.p.address] = exported

    def _retire(self, task: asyncio.Task[None]) -> None:
        """Cancel a task and keep it until it is done (stop() awaits what is left)."""
        task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def notify_started(self, char: GattCharacteristic) -> None:
        p = char.device.p
        if char.spec.uuid != p.notify_uuid or p.interval_s is None:
            return
        old = self._notifiers.pop(p.address, None)
        if old is not None:
            self._retire(old)
        self._notifiers[p.address] = asyncio.get_running_loop().create_task(
            self._notify_loop(char, p.interval_s)
        )

    async def _notify_loop(self, char: GattCharacteristic, interval_s: float) -> None:
        for n in itertools.count():
            await asyncio.sleep(interval_s)
            if not char.notifying or not char.device.connected:
                return
            char.send(char.device.p.payload(n))
            self.counters.notifications += 1


async def release_bleak() -> None:
    """Close the D-Bus connection bleak's BlueZ manager keeps for this event loop.

    bleak keeps one manager per event loop for the life of the process; tests run one loop
    per test and one private bus per test, so each test closes its own (and resets
    bleak-retry-connector's "no D-Bus socket" memo) to leak no socket into the next.
    """
    from bleak.backends.bluezdbus import manager
    from bleak_retry_connector.bleak_manager import _reset_dbus_socket_cache

    _reset_dbus_socket_cache()
    instance = manager._global_instances.pop(asyncio.get_running_loop(), None)
    bus = getattr(instance, "_bus", None)
    if bus is not None:
        bus.disconnect()
        with contextlib.suppress(Exception):
            await bus.wait_for_disconnect()
    watcher = getattr(instance, "_bus_watcher_task", None)
    if watcher is not None:
        await asyncio.gather(watcher, return_exceptions=True)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))
