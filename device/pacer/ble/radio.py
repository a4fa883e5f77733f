"""The only module that talks to bleak: scanning, finding paired sensors, connecting.

bleak and bleak-retry-connector are imported inside the functions, so importing pacer (or
this module) never touches D-Bus. Everything here is the edge: the sessions in
:mod:`pacer.ble.session` drive a :class:`BleakRadio` through the small ``Radio`` protocol and
tests drive the sessions with a fake radio.

Two rules from BlueZ practice:

* scan once and connect with the ``BLEDevice`` the scan found (a bare address makes bleak
  start a scan of its own, and two scans interfere). The device is kept and reused for
  reconnects while BlueZ still knows it; it is dropped after a failed connection, so the
  next attempt scans again;
* one scanner for every sensor, running only while some session is looking for its sensor,
  so scanning stops once all sensors are connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pacer.ble.gatt import SENSOR_SERVICES, roles_for_services
from pacer.core.errors import HardwareError
from pacer.core.samples import SensorRole

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bleak import BleakClient, BleakScanner
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData

log = logging.getLogger(__name__)

#: Bound on starting discovery (a D-Bus call that should take milliseconds).
SCAN_START_S = 10.0

#: D-Bus errors that mean "there is no Bluetooth stack to talk to".
_NO_BLUEZ_ERRORS = frozenset(
    {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoServer",
        "org.freedesktop.DBus.Error.AccessDenied",
    }
)


def bluetooth_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the Bluetooth stack itself is missing, not one sensor.

    No D-Bus socket, no BlueZ on the bus, no (powered) adapter, the adapter vanished, or the
    bus connection died.
    """
    if isinstance(exc, OSError | EOFError):
        return True
    from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError

    if isinstance(exc, BleakBluetoothNotAvailableError):
        return True
    if isinstance(exc, BleakDBusError):
        return exc.dbus_error in _NO_BLUEZ_ERRORS
    if isinstance(exc, BleakError):
        text = str(exc)
        return "adapter" in text and "not found" in text
    return False


def describe_error(exc: BaseException) -> str:
    """A short, readable reason for a status line or a log entry."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError | EOFError):
        # The only sockets bleak opens are D-Bus connections.
        reason = (exc.strerror if isinstance(exc, OSError) else None) or text
        return f"cannot reach the D-Bus system bus ({reason})"
    return text


@dataclass(frozen=True, slots=True)
class Advert:
    """A sensor seen by ``pacer sensors scan``."""

    name: str
    address: str
    rssi: int
    roles: tuple[SensorRole, ...]


async def scan(
    duration_s: float,
    *,
    adapter: str | None = None,
    on_found: Callable[[Advert], None] | None = None,
) -> list[Advert]:
    """Nearby devices advertising a heart-rate, RSC, CSC or cycling-power service.

    Strongest signal first. ``on_found`` is called once per device as it is first seen
    (progress for a command line). Raises :class:`HardwareError` ("Bluetooth unavailable:
    ...") when there is no D-Bus, no BlueZ or no adapter.
    """
    from bleak import BleakScanner
    from bleak.exc import BleakError

    seen: dict[str, Advert] = {}

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        advert = Advert(
            name=adv.local_name or device.name or "",
            address=device.address.upper(),
            rssi=adv.rssi,
            roles=roles_for_services(adv.service_uuids),
        )
        if not advert.roles:
            return
        first = advert.address not in seen
        seen[advert.address] = advert
        if first and on_found is not None:
            on_found(advert)

    try:
        async with BleakScanner(
            on_advertisement,
            service_uuids=list(SENSOR_SERVICES),
            bluez={"adapter": adapter} if adapter else {},
        ):
            await asyncio.sleep(duration_s)
    except (OSError, EOFError, BleakError) as exc:
        raise HardwareError(f"Bluetooth unavailable: {describe_error(exc)}") from exc
    return sorted(seen.values(), key=lambda a: (-a.rssi, a.address))


class BleakRadio:
    """Finds paired sensors with one shared scanner and connects to them.

    Use as an async context manager (or call :meth:`aclose`) so the scanner is stopped.
    """

    def __init__(self, *, adapter: str | None = None, connect_attempts: int = 2) -> None:
        self._adapter = adapter
        self._connect_attempts = connect_attempts
        self._devices: dict[str, BLEDevice] = {}
        self._found: dict[str, asyncio.Event] = {}
        self._waiting = 0
        self._scanner: BleakScanner | None = None
        self._scan_lock = asyncio.Lock()

    async def __aenter__(self) -> BleakRadio:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def scanning(self) -> bool:
        return self._scanner is not None

    async def find(self, address: str, within_s: float) -> BLEDevice | None:
        """The ``BLEDevice`` of a paired sensor, or None if it was not seen within ``within_s``.

        A device found before is reused while BlueZ still knows it (no new scan).
        """
        key = address.upper()
        if key in self._devices:
            from bleak_retry_connector import get_device

            fresh = await get_device(key)
            if fresh is not None:
                self._devices[key] = fresh
                return fresh
            del self._devices[key]
        event = self._found.setdefault(key, asyncio.Event())
        event.clear()
        self._waiting += 1
        try:
            try:
                async with asyncio.timeout(SCAN_START_S):
                    await self._start_scanning()
                async with asyncio.timeout(within_s):
                    await event.wait()
            except TimeoutError:
                return None
            return self._devices.get(key)
        finally:
            self._waiting -= 1
            if self._waiting == 0:
                await self._stop_scanning()

    def invalidate(self, address: str) -> None:
        """Forget the ``BLEDevice`` of ``address`` (after a failed connection): scan again."""
        self._devices.pop(address.upper(), None)

    async def connect(self, device: BLEDevice, on_disconnect: Callable[[], None]) -> BleakClient:
        """Connect with bleak-retry-connector, after closing stale BlueZ connections."""
        from bleak_retry_connector import (
            BleakClientWithServiceCache,
            close_stale_connections,
            establish_connection,
        )

        await close_stale_connections(device)
        client: BleakClient = await establish_connection(
            BleakClientWithServiceCache,
            device,
            device.name or device.address,
            disconnected_callback=lambda _client: on_disconnect(),
            max_attempts=self._connect_attempts,
        )
        return client

    async def aclose(self) -> None:
        await self._stop_scanning()

    def _on_advertisement(self, device: BLEDevice, _adv: AdvertisementData) -> None:
        key = device.address.upper()
        event = self._found.get(key)
        if event is not None:
            self._devices[key] = device
            event.set()

    async def _start_scanning(self) -> None:
        async with self._scan_lock:
            if self._scanner is not None:
                return
            from bleak import BleakScanner

            scanner = BleakScanner(
                self._on_advertisement, bluez={"adapter": self._adapter} if self._adapter else {}
            )
            await scanner.start()
            self._scanner = scanner
            log.debug("scanning for paired sensors")

    async def _stop_scanning(self) -> None:
        async with self._scan_lock:
            scanner, self._scanner = self._scanner, None
            if scanner is None:
                return
            log.debug("scanning stopped")
            # The bus or the adapter may be gone already: nothing left to stop then.
            with contextlib.suppress(Exception):
                await scanner.stop()
