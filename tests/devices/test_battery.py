"""Battery: MAX17048 decoding, the PiSugar client against a local server, thresholds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from pacer.config.pinout import DEFAULT_PINOUT
from pacer.core.errors import ConfigError, HardwareError
from pacer.devices.battery import (
    MAX17048_ADDRESS,
    REG_CRATE,
    REG_SOC,
    REG_VCELL,
    BatteryLevel,
    BatteryReading,
    BatteryThresholds,
    BatteryWatch,
    Max17048Gauge,
    PiSugarGauge,
    SimulatedGauge,
    decode_crate,
    decode_soc,
    decode_vcell,
    parse_pisugar_reply,
    reading_from_registers,
    swap16,
)

# ----------------------------------------------------------------- MAX17048 decoding


def test_vcell_is_78_125_microvolts_per_lsb() -> None:
    assert decode_vcell(0) == 0.0
    assert decode_vcell(1) == pytest.approx(78.125e-6)
    # 3.7 V / 78.125 µV = 47360 = 0xB900 exactly.
    assert decode_vcell(0xB900) == pytest.approx(3.7)
    assert decode_vcell(0xFFFF) == pytest.approx(5.11992, abs=1e-5)


def test_soc_high_byte_is_percent_low_byte_is_256ths() -> None:
    assert decode_soc(0x5000) == 80.0
    assert decode_soc(0x5080) == 80.5
    assert decode_soc(0x0001) == pytest.approx(1 / 256)


def test_crate_is_signed_0_208_percent_per_hour() -> None:
    assert decode_crate(0x0001) == pytest.approx(0.208)
    assert decode_crate(0xFFFF) == pytest.approx(-0.208)
    assert decode_crate(0x8000) == pytest.approx(-32768 * 0.208)


@pytest.mark.parametrize("decode", [decode_vcell, decode_soc, decode_crate, swap16])
def test_values_outside_16_bits_are_refused(decode: Callable[[int], float]) -> None:
    with pytest.raises(ValueError, match="16 bits"):
        decode(0x10000)
    with pytest.raises(ValueError, match="16 bits"):
        decode(-1)


def test_smbus_words_are_byte_swapped() -> None:
    assert swap16(0x00B9) == 0xB900
    assert swap16(0x3412) == 0x1234


def test_reading_from_registers_clamps_and_infers_charging() -> None:
    r = reading_from_registers(vcell=0xB900, soc=0x6480, crate=0x0040)  # +13.3 %/h
    assert r.percent == 100.0  # 100.5 % after a full charge reads 100
    assert r.volts == pytest.approx(3.7)
    assert r.charging is True
    assert reading_from_registers(0xB900, 0x3200, 0xFFC0).charging is False  # discharging
    assert reading_from_registers(0xB900, 0x3200, 0x0002).charging is False  # noise
    assert reading_from_registers(0xB900, 0x3200).charging is None


class FakeBus:
    """Stands in for smbus2.SMBus: no I2C bus here. Answers like the chip, low byte first."""

    def __init__(self, registers: dict[int, int], fail: bool = False) -> None:
        self.registers = registers
        self.fail = fail
        self.closed = False
        self.reads: list[tuple[int, int]] = []

    def read_word_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int:
        if self.fail:
            raise OSError(121, "Remote I/O error")
        self.reads.append((i2c_addr, register))
        return swap16(self.registers[register])

    def close(self) -> None:
        self.closed = True


async def test_max17048_gauge_reads_the_registers_off_the_event_loop() -> None:
    bus = FakeBus({REG_VCELL: 0xC000, REG_SOC: 0x2A00, REG_CRATE: 0xFF00})
    opened: list[int] = []

    def open_bus(n: int) -> FakeBus:
        opened.append(n)
        return bus

    gauge = Max17048Gauge(open_bus=open_bus)
    r = await gauge.read()
    assert r == BatteryReading(percent=42.0, volts=pytest.approx(3.84), charging=False)
    assert {reg for _, reg in bus.reads} == {REG_VCELL, REG_SOC, REG_CRATE}
    assert {addr for addr, _ in bus.reads} == {MAX17048_ADDRESS}
    await gauge.read()
    assert opened == [1]  # the bus is opened once
    gauge.close()
    assert bus.closed


async def test_max17048_i2c_errors_name_the_device() -> None:
    gauge = Max17048Gauge(bus=3, open_bus=lambda n: FakeBus({}, fail=True))
    with pytest.raises(HardwareError, match=r"MAX17048 at 0x36 on I2C bus 3: Remote I/O error"):
        await gauge.read()


def test_gauge_defaults_match_the_pinout() -> None:
    g = Max17048Gauge()
    assert DEFAULT_PINOUT.fuel_gauge is not None
    assert (g.bus_number, g.address) == (
        DEFAULT_PINOUT.fuel_gauge.bus,
        DEFAULT_PINOUT.fuel_gauge.address,
    )


# ----------------------------------------------------------------- PiSugar

Answers = dict[str, str]
StartServer = Callable[..., Awaitable[tuple[int, list[str]]]]


async def _serve(
    answers: Answers, *, one_shot: bool = False
) -> tuple[asyncio.Server, int, list[str]]:
    """A pisugar-server look-alike on 127.0.0.1 (an ephemeral port): line in, line out."""
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                cmd = line.decode().strip()
                seen.append(cmd)
                writer.write((answers.get(cmd, "Invalid request.") + "\n").encode())
                await writer.drain()
                if one_shot:
                    break
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, seen


@pytest.fixture
async def pisugar() -> AsyncIterator[StartServer]:
    servers: list[asyncio.Server] = []

    async def start(answers: Answers, **kw: bool) -> tuple[int, list[str]]:
        server, port, seen = await _serve(answers, **kw)
        servers.append(server)
        return port, seen

    yield start
    for s in servers:
        s.close()
        await s.wait_closed()


async def test_pisugar_reads_level_voltage_and_charging(pisugar: StartServer) -> None:
    port, seen = await pisugar(
        {
            "get battery": "battery: 87.21",
            "get battery_v": "battery_v: 4.05",
            "get battery_charging": "battery_charging: true",
        }
    )
    r = await PiSugarGauge(port=port).read()
    assert r == BatteryReading(percent=87.21, volts=4.05, charging=True)
    assert seen == ["get battery", "get battery_v", "get battery_charging"]


async def test_pisugar_missing_optional_keys_read_as_unknown(pisugar: StartServer) -> None:
    port, _ = await pisugar({"get battery": "battery: 12.5"})
    assert await PiSugarGauge(port=port).read() == BatteryReading(percent=12.5)


async def test_pisugar_server_that_hangs_up_after_one_answer(pisugar: StartServer) -> None:
    port, _ = await pisugar({"get battery": "battery: 50"}, one_shot=True)
    assert await PiSugarGauge(port=port).read() == BatteryReading(percent=50.0)


async def test_pisugar_bad_answers_and_no_server_are_hardware_errors(
    pisugar: StartServer, unused_tcp_port: int
) -> None:
    port, _ = await pisugar({"get battery": "battery: lots"})
    with pytest.raises(HardwareError, match="answered 'lots', not a number"):
        await PiSugarGauge(port=port).read()
    port, _ = await pisugar({})
    with pytest.raises(HardwareError, match="no answer to 'get battery'"):
        await PiSugarGauge(port=port).read()
    with pytest.raises(HardwareError, match=f"127.0.0.1:{unused_tcp_port}: cannot connect"):
        await PiSugarGauge(port=unused_tcp_port).read()


async def test_pisugar_silent_server_times_out(pisugar: StartServer) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(HardwareError, match="PiSugar server"):
            await PiSugarGauge(port=port, timeout=0.1).read()
    finally:
        server.close()
        await server.wait_closed()


def test_parse_pisugar_reply() -> None:
    assert parse_pisugar_reply("battery: 63.1\n", "battery") == "63.1"
    assert parse_pisugar_reply("battery_v: 3.9", "battery") is None
    assert parse_pisugar_reply("Invalid request.", "battery") is None


# ----------------------------------------------------------------- thresholds


def test_threshold_levels_with_voltage_floor() -> None:
    t = BatteryThresholds()
    assert t.level(BatteryReading(50.0, 3.8)) is BatteryLevel.OK
    assert t.level(BatteryReading(20.0, 3.7)) is BatteryLevel.LOW
    assert t.level(BatteryReading(5.0, 3.6)) is BatteryLevel.CRITICAL
    assert t.level(BatteryReading(40.0, 3.25)) is BatteryLevel.CRITICAL  # sagging cell
    assert t.level(BatteryReading(3.0, 3.2, charging=True)) is BatteryLevel.OK


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigError, match="critical_percent < low_percent"):
        BatteryThresholds(low_percent=5, critical_percent=10)
    with pytest.raises(ConfigError, match="hysteresis"):
        BatteryThresholds(hysteresis_percent=-1)
    with pytest.raises(ConfigError, match="critical_volts"):
        BatteryThresholds(critical_volts=12)


def test_watch_reports_each_change_once_with_hysteresis() -> None:
    watch = BatteryWatch(
        BatteryThresholds(low_percent=20, critical_percent=5, hysteresis_percent=3)
    )
    seq = [60, 30, 20, 21, 19.5, 22.9, 23.5, 19, 6, 5, 7, 8.5, 4]
    changes = [watch.update(BatteryReading(float(p))) for p in seq]
    assert changes == [
        None, None, BatteryLevel.LOW, None, None, None, BatteryLevel.OK, BatteryLevel.LOW,
        None, BatteryLevel.CRITICAL, None, BatteryLevel.LOW, BatteryLevel.CRITICAL,
    ]  # fmt: skip


async def test_simulated_gauge_drains_on_the_injected_clock() -> None:
    now = [1000.0]
    gauge = SimulatedGauge(lambda: now[0], start_percent=30, drain_percent_per_hour=12)
    assert (await gauge.read()).percent == 30
    now[0] += 3600
    r = await gauge.read()
    assert r.percent == pytest.approx(18)
    assert BatteryThresholds().level(r) is BatteryLevel.LOW
    now[0] += 3 * 3600
    r = await gauge.read()
    assert r.percent == 0
    assert BatteryThresholds().level(r) is BatteryLevel.CRITICAL
