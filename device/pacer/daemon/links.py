"""The daemon's two outward-facing loops that are not the screen: the serial link (its
requests keep the device awake) and the fuel gauge."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, cast

from pacer.core.errors import HardwareError
from pacer.devices.battery import BatteryGauge, BatteryReading, BatteryThresholds, BatteryWatch

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.config.file import Config
    from pacer.core.clock import Clock
    from pacer.daemon.control import LinkControl
    from pacer.devices.battery import BatteryLevel
    from pacer.devices.bundle import SensorScanner
    from pacer.link.service.base import ServiceControl, SettableClock
    from pacer.storage.store import Store

log = logging.getLogger(__name__)


async def serve_serial(
    port: str,
    *,
    store: Store,
    clock: Clock,
    control: LinkControl,
    config: Config,
    service: ServiceControl,
    on_change: Callable[[str], None],
    on_request: Callable[[], AbstractContextManager[None]],
    scanner: SensorScanner | None,
    device_id: str | None,
) -> None:
    """Serve the protocol on ``port`` forever; every request is handled inside
    ``on_request()`` (the power saver's "in use" while it is in flight)."""
    from pacer.link.server import SerialServer, read_device_id
    from pacer.link.service import DeviceService

    class Service(DeviceService):
        async def handle(self, item: Any, session: Any) -> Any:
            with on_request():  # a host talking keeps the device on, a long request too
                return await super().handle(item, session)

    served = Service(
        store,
        cast("SettableClock", clock),
        control,
        device_id=device_id or read_device_id(),
        scanner=scanner,
        service=service,
        on_change=on_change,
        config=config,
    )
    server = SerialServer(served, port, baudrate=config.serial.baudrate)
    log.info("serial link on %s", port)
    await server.run()


async def watch_battery(
    gauge: BatteryGauge,
    clock: Clock,
    thresholds: BatteryThresholds,
    every_s: float,
    on_reading: Callable[[BatteryReading, BatteryLevel | None], None],
) -> None:
    """Read ``gauge`` every ``every_s`` of ``clock``: each reading with the level change it
    brings (None: no change); a failing gauge is logged once, not fatal."""
    watch = BatteryWatch(thresholds)
    failing = False
    while True:
        try:
            reading = await gauge.read()
        except HardwareError as exc:
            if not failing:
                log.warning("battery: %s", exc)
            failing = True
        else:
            failing = False
            on_reading(reading, watch.update(reading))
        await clock.sleep(every_s)


__all__ = ["serve_serial", "watch_battery"]
