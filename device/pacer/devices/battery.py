"""The battery: a fuel gauge behind one small protocol, and when to warn.

Two real gauges and a simulated one, each an async ``read() -> BatteryReading``:

- :class:`Max17048Gauge`: a MAX17048 LiPo fuel gauge on I2C (bus 1, address 0x36, as in
  :data:`pacer.config.pinout.DEFAULT_PINOUT`). Register decoding is pure
  (:func:`decode_vcell`, :func:`decode_soc`, :func:`decode_crate`); the reader is a thin
  layer over ``smbus2``, imported when the gauge opens, and runs in a worker thread so the
  event loop never waits on the bus.
- :class:`PiSugarGauge`: a PiSugar 2/3 battery board, through the ``pisugar-server``
  daemon's TCP command port on 127.0.0.1:8423 (``get battery`` answers ``battery: 87.5``).
- :class:`SimulatedGauge`: a cell draining at a steady rate on an injected clock.

:class:`BatteryThresholds` decides ok / low / critical with hysteresis, and
:class:`BatteryWatch` reports only the changes, so the daemon warns once at the low level
and saves and shuts down once at the critical level.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from pacer.config.validate import battery_problem
from pacer.core.errors import ConfigError, HardwareError

# --------------------------------------------------------------------------- readings


@dataclass(frozen=True, slots=True)
class BatteryReading:
    #: State of charge, 0-100 %.
    percent: float
    #: Cell voltage, when the gauge reports it.
    volts: float | None = None
    #: True while charging, when the gauge can tell.
    charging: bool | None = None


class BatteryLevel(StrEnum):
    OK = "ok"
    LOW = "low"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class BatteryThresholds:
    """When a battery is low (warn on screen, buzz) and critical (save and shut down).

    ``critical_volts`` catches a gauge whose percentage is still badly calibrated: a LiPo
    at 3.3 V under load is empty whatever the state of charge says. ``hysteresis_percent``
    keeps a reading that wobbles around a threshold from warning again and again: leaving a
    level takes that much more charge.
    """

    low_percent: float = 20.0
    critical_percent: float = 5.0
    critical_volts: float | None = 3.3
    hysteresis_percent: float = 3.0

    def __post_init__(self) -> None:
        problem = battery_problem(self.low_percent, self.critical_percent)
        if problem is not None:
            raise ConfigError(problem)
        if self.hysteresis_percent < 0:
            raise ConfigError(
                f"battery hysteresis_percent must be >= 0, not {self.hysteresis_percent}"
            )
        if self.critical_volts is not None and not 2.5 <= self.critical_volts <= 4.2:
            raise ConfigError(
                f"battery critical_volts must be a LiPo voltage (2.5-4.2), not "
                f"{self.critical_volts}"
            )

    def level(
        self, reading: BatteryReading, previous: BatteryLevel = BatteryLevel.OK
    ) -> BatteryLevel:
        """The level for ``reading``, given the level before it (for the hysteresis)."""
        if reading.charging:
            return BatteryLevel.OK
        pct, hyst = reading.percent, self.hysteresis_percent
        volts_empty = (
            self.critical_volts is not None
            and reading.volts is not None
            and reading.volts <= self.critical_volts
        )
        critical_at = self.critical_percent + (hyst if previous is BatteryLevel.CRITICAL else 0)
        if volts_empty or pct <= critical_at:
            return BatteryLevel.CRITICAL
        low_at = self.low_percent + (hyst if previous is not BatteryLevel.OK else 0)
        if pct <= low_at:
            return BatteryLevel.LOW
        return BatteryLevel.OK


class BatteryWatch:
    """Feeds readings through the thresholds and reports each change of level once."""

    def __init__(self, thresholds: BatteryThresholds | None = None) -> None:
        self.thresholds = thresholds or BatteryThresholds()
        self.level = BatteryLevel.OK
        self.last: BatteryReading | None = None

    def update(self, reading: BatteryReading) -> BatteryLevel | None:
        """The new level if it changed with this reading, else None."""
        self.last = reading
        new = self.thresholds.level(reading, self.level)
        if new is self.level:
            return None
        self.level = new
        return new


class BatteryGauge(Protocol):
    """Anything that can tell the battery's state."""

    async def read(self) -> BatteryReading: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- MAX17048

MAX17048_ADDRESS = 0x36
REG_VCELL = 0x02
REG_SOC = 0x04
REG_MODE = 0x06
REG_VERSION = 0x08
REG_CONFIG = 0x0C
REG_CRATE = 0x16
#: One VCELL step: 78.125 µV per cell (datasheet, "VCELL register").
VCELL_VOLTS_PER_LSB = 78.125e-6
#: One CRATE step: 0.208 % per hour, signed (positive while charging).
CRATE_PERCENT_PER_HOUR_PER_LSB = 0.208
#: |CRATE| below this is noise, not charging.
CHARGING_MIN_PERCENT_PER_HOUR = 1.0


def _check16(raw: int, what: str) -> int:
    if not 0 <= raw <= 0xFFFF:
        raise ValueError(f"{what} register value must be 16 bits, not {raw}")
    return raw


def decode_vcell(raw: int) -> float:
    """VCELL register -> cell voltage in volts (78.125 µV per LSB)."""
    return _check16(raw, "VCELL") * VCELL_VOLTS_PER_LSB


def decode_soc(raw: int) -> float:
    """SOC register -> state of charge in percent (high byte %, low byte 1/256 %)."""
    return _check16(raw, "SOC") / 256


def decode_crate(raw: int) -> float:
    """CRATE register (two's complement) -> charge rate in % per hour."""
    value = _check16(raw, "CRATE")
    if value & 0x8000:
        value -= 0x10000
    return value * CRATE_PERCENT_PER_HOUR_PER_LSB


def swap16(word: int) -> int:
    """SMBus words arrive low byte first; the MAX17048 sends its registers high byte first."""
    word = _check16(word, "SMBus word")
    return ((word & 0xFF) << 8) | (word >> 8)


def reading_from_registers(vcell: int, soc: int, crate: int | None = None) -> BatteryReading:
    """A reading from raw (big-endian) register values."""
    percent = min(100.0, max(0.0, decode_soc(soc)))  # SOC overshoots 100 % after a charge
    charging = None
    if crate is not None:
        charging = decode_crate(crate) >= CHARGING_MIN_PERCENT_PER_HOUR
    return BatteryReading(percent=percent, volts=decode_vcell(vcell), charging=charging)


class SMBusLike(Protocol):
    def read_word_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int: ...

    def close(self) -> None: ...


class Max17048Gauge:
    """A MAX17048 on an I2C bus. Opens the bus lazily, on the first read."""

    def __init__(
        self,
        bus: int = 1,
        address: int = MAX17048_ADDRESS,
        *,
        open_bus: Callable[[int], SMBusLike] | None = None,
    ) -> None:
        self.bus_number = bus
        self.address = address
        self._open_bus = open_bus or _open_smbus
        self._bus: SMBusLike | None = None

    def _word(self, register: int) -> int:
        assert self._bus is not None
        return swap16(self._bus.read_word_data(self.address, register))

    def read_sync(self) -> BatteryReading:
        """Read the gauge (blocking; :meth:`read` runs this in a worker thread)."""
        try:
            if self._bus is None:
                self._bus = self._open_bus(self.bus_number)
            return reading_from_registers(
                self._word(REG_VCELL), self._word(REG_SOC), self._word(REG_CRATE)
            )
        except OSError as exc:
            self.close()
            raise HardwareError(
                f"fuel gauge MAX17048 at 0x{self.address:02X} on I2C bus {self.bus_number}: "
                f"{exc.strerror or exc}"
            ) from exc

    async def read(self) -> BatteryReading:
        return await asyncio.to_thread(self.read_sync)

    def close(self) -> None:
        if self._bus is not None:
            bus, self._bus = self._bus, None
            bus.close()


def _open_smbus(bus: int) -> SMBusLike:
    try:
        from smbus2 import SMBus
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise HardwareError(
            "the MAX17048 fuel gauge needs smbus2 (pip install 'pacer[pi]')"
        ) from exc
    return SMBus(bus)


# --------------------------------------------------------------------------- PiSugar

PISUGAR_HOST = "127.0.0.1"
PISUGAR_PORT = 8423


def parse_pisugar_reply(line: str, key: str) -> str | None:
    """The value in a ``pisugar-server`` reply ``"key: value"``; None for any other reply."""
    name, sep, value = line.strip().partition(":")
    if not sep or name.strip() != key:
        return None
    return value.strip()


class PiSugarGauge:
    """A PiSugar 2/3 read through ``pisugar-server``'s local TCP command port.

    Each :meth:`read` opens one connection and asks ``get battery`` (required), then
    ``get battery_v`` and ``get battery_charging`` (either may be missing on some models
    and server versions; they then read as unknown).
    """

    def __init__(
        self, host: str = PISUGAR_HOST, port: int = PISUGAR_PORT, *, timeout: float = 2.0
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def _where(self) -> str:
        return f"PiSugar server at {self.host}:{self.port}"

    async def read(self) -> BatteryReading:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            raise HardwareError(f"{self._where()}: cannot connect ({exc})") from exc
        try:
            level = await self._ask(reader, writer, "battery")
            if level is None:
                raise HardwareError(f"{self._where()}: no answer to 'get battery'")
            try:
                percent = float(level)
            except ValueError:
                raise HardwareError(
                    f"{self._where()}: 'get battery' answered {level!r}, not a number"
                ) from None
            volts = charging = None
            v = await self._ask(reader, writer, "battery_v")
            if v is not None:
                try:
                    volts = float(v)
                except ValueError:
                    volts = None
            c = await self._ask(reader, writer, "battery_charging")
            if c in {"true", "false"}:
                charging = c == "true"
            return BatteryReading(
                percent=min(100.0, max(0.0, percent)), volts=volts, charging=charging
            )
        except (OSError, TimeoutError) as exc:
            raise HardwareError(f"{self._where()}: {exc}") from exc
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _ask(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str
    ) -> str | None:
        """``get KEY`` -> the value, or None if the server has no such key or hung up."""
        if reader.at_eof():
            return None
        writer.write(f"get {key}\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), self.timeout)
        if not line:
            return None
        return parse_pisugar_reply(line.decode(errors="replace"), key)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- simulated


class SimulatedGauge:
    """A cell that drains linearly on an injected clock (``pacer sim``, tests)."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        start_percent: float = 100.0,
        drain_percent_per_hour: float = 12.0,
        full_volts: float = 4.2,
        empty_volts: float = 3.3,
    ) -> None:
        self._clock = clock
        self._t0 = clock()
        self.start_percent = start_percent
        self.drain_percent_per_hour = drain_percent_per_hour
        self.full_volts = full_volts
        self.empty_volts = empty_volts

    def read_now(self) -> BatteryReading:
        hours = (self._clock() - self._t0) / 3600
        pct = max(0.0, self.start_percent - hours * self.drain_percent_per_hour)
        # A crude but monotonic voltage curve: empty_volts at 0 %, full_volts at 100 %.
        volts = self.empty_volts + (self.full_volts - self.empty_volts) * pct / 100
        return BatteryReading(percent=pct, volts=volts, charging=False)

    async def read(self) -> BatteryReading:
        return self.read_now()

    def close(self) -> None:
        pass
