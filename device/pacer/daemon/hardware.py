"""Build the :class:`~pacer.devices.bundle.Hardware` bundle from the config: real or simulated.

``real`` (the Pi): the OLED through luma (``[display]``; ``driver = "none"`` gives luma's
dummy device), the motor and buttons through gpiozero (``[haptics]``, ``[buttons]``), the
paired BLE sensors (:class:`~pacer.ble.session.BleSensors`), the serial link on
``[serial] port``, the fuel gauge of ``[battery]`` and the machine's power and Wi-Fi
(:class:`~pacer.devices.power.SystemPower`).

``sim`` (a laptop, CI): a simulated athlete's sensors (:mod:`pacer.sim.device`) on a clock
sped up ``speed`` times, the screen drawn in the terminal (luma's dummy device when
``headless``), buttons on the keyboard, a draining simulated battery, and the serial link on
a simulated USB cable (:class:`~pacer.link.cable.PtyCable`, two pty pairs): the daemon
serves one end, ``pacer device --port HOST_PORT`` talks to the other. Power-off and Wi-Fi
are recorded, not done (:class:`~pacer.devices.power.RecordedPower`).

Driver libraries are imported here, inside the functions, in the order the daemon needs
them; bleak is imported only when the daemon enters the sensors, after its first frame.
Call :func:`build_hardware` inside the running event loop (gpiozero's callbacks are handed
to it).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from pacer.config.file import Config
from pacer.core.clock import Clock
from pacer.devices.bundle import Display, Haptics, Hardware, Sensors

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.ble.pairing import Pairing
    from pacer.devices.battery import BatteryGauge
    from pacer.storage.store import Store

log = logging.getLogger(__name__)

Mode = Literal["real", "sim"]


@dataclass
class Device:
    """A built bundle and what comes with it: the port a host uses (the simulated cable's
    far end; the port the daemon serves is the bundle's ``serial_port``)."""

    hardware: Hardware
    host_port: str | None = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    def close(self) -> None:
        """Release what the bundle does not own (the simulated cable)."""
        self._stack.close()


def build_hardware(
    config: Config,
    mode: Mode = "real",
    *,
    store: Store | None = None,
    data_dir: Path | None = None,
    headless: bool = False,
    athlete: str | None = None,
    seed: int = 1,
    speed: float = 1.0,
    stream: IO[str] | None = None,
) -> Device:
    """The hardware of ``mode``. ``store`` and ``data_dir`` give the paired sensors (real);
    ``athlete``, ``seed`` and ``speed`` shape the simulation; ``stream`` takes the terminal
    view (standard output by default)."""
    if mode == "sim":
        return _simulated(headless=headless, athlete=athlete, seed=seed, speed=speed, stream=stream)
    if mode == "real":
        return _real(config, store=store, data_dir=data_dir)
    raise ValueError(f"no hardware mode {mode!r}: real or sim")


# --- the Pi ----------------------------------------------------------------------------


def _real(config: Config, *, store: Store | None, data_dir: Path | None) -> Device:
    from pacer.core.clock import SystemClock
    from pacer.devices.buttons import GpioButtons

    clock = SystemClock()
    display = _real_display(config)
    haptics = _real_haptics(config)
    buttons = GpioButtons(config.buttons)
    sensors = _ble_sensors(config, clock, _pairings(store, data_dir))
    from pacer.devices.power import SystemPower

    hardware = Hardware(
        clock=clock,
        display=display,
        haptics=haptics,
        buttons=buttons,
        sensors=sensors,
        serial_port=config.serial.port,
        gauge=_real_gauge(config),
        scanner=BleScanner(),
        power=SystemPower(),
    )
    return Device(hardware)


def _real_display(config: Config) -> Display:
    from pacer.devices.oled import dummy_display, open_oled

    if config.display.driver == "none":
        return dummy_display()
    return open_oled(config.display)


def _real_haptics(config: Config) -> Haptics:
    from pacer.haptics.player import HapticPlayer, HapticRecorder

    if not config.haptics.enabled:
        return HapticRecorder(time.monotonic)
    from pacer.devices.motor import PwmMotor

    return HapticPlayer(PwmMotor(config.haptics), strength=config.haptics.strength)


def _pairings(store: Store | None, data_dir: Path | None) -> tuple[Pairing, ...]:
    """The paired sensors, from the device's store (``pacer sensors pair`` and the serial
    link's ``sensors.pair`` both write there)."""
    from pacer.ble.pairing import load_pairings, store_pairings

    if store is not None:
        return store_pairings(store)
    return load_pairings(data_dir) if data_dir is not None else ()


def _ble_sensors(config: Config, clock: Clock, pairings: tuple[Pairing, ...]) -> Sensors:
    from pacer.ble.session import BleSensors, SessionSettings

    settings = SessionSettings(
        find_timeout_s=config.sensors.scan_timeout_s,
        silence_timeout_s=config.sensors.silence_timeout_s,
    )
    return BleSensors(pairings, clock=clock, settings=settings)


def _real_gauge(config: Config) -> BatteryGauge | None:
    from pacer.devices.battery import Max17048Gauge, PiSugarGauge

    if config.battery.gauge == "max17048":
        return Max17048Gauge(bus=config.battery.i2c_port)
    if config.battery.gauge == "pisugar":
        return PiSugarGauge()
    return None


class BleScanner:
    """``sensors.scan`` over serial: a BLE scan for heart-rate, foot-pod, cadence and power
    sensors (bleak is imported on the first scan)."""

    async def scan(self, seconds: float) -> list[dict[str, Any]]:
        from pacer.ble.radio import scan

        found = await scan(seconds)
        return [
            {
                "address": a.address,
                "name": a.name,
                "rssi": a.rssi,
                "roles": [r.value for r in a.roles],
            }
            for a in found
        ]


# --- the simulated device --------------------------------------------------------------


def _simulated(
    *,
    headless: bool,
    athlete: str | None,
    seed: int,
    speed: float,
    stream: IO[str] | None,
) -> Device:
    from pacer.devices.battery import SimulatedGauge
    from pacer.devices.power import RecordedPower
    from pacer.haptics.player import HapticRecorder
    from pacer.link.cable import PtyCable
    from pacer.sim.athlete import Behaviour
    from pacer.sim.clock import ScaledClock
    from pacer.sim.device import SimulatedButtons, SimulatedSensors

    clock = ScaledClock(speed)
    keyboard = None if headless or not sys.stdin.isatty() else sys.stdin.fileno()
    buttons = SimulatedButtons(keyboard=keyboard)
    sensors = SimulatedSensors(
        clock,
        behaviour=Behaviour(athlete) if athlete else None,
        seed=seed,
        press=buttons.press,
    )
    device = Device(
        Hardware(
            clock=clock,
            display=_sim_display(headless, stream),
            haptics=HapticRecorder(clock.monotonic),
            buttons=buttons,
            sensors=sensors,
            gauge=SimulatedGauge(clock.monotonic),
            power=RecordedPower(clock.monotonic),
        )
    )
    cable = device._stack.enter_context(PtyCable())
    device.hardware.serial_port, device.host_port = cable.device_path, cable.host_path
    return device


def _sim_display(headless: bool, stream: IO[str] | None) -> Display:
    if headless:
        from pacer.devices.oled import dummy_display

        return dummy_display()
    from pacer.sim.device import terminal_view

    return terminal_view(stream)


__all__ = ["BleScanner", "Device", "Mode", "build_hardware"]
