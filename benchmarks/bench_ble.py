"""How fast pacer turns BLE notifications into samples.

1. Parsers and decoders: notifications per second for each characteristic, parser alone and
   parser + per-role decoder (the sample the engine gets). Median of several runs.
2. End to end through the real bleak stack: a BlueZ double on a private ``dbus-daemon`` sends
   a heart-rate notification (a D-Bus ``PropertiesChanged`` signal, as bluetoothd does);
   latency until the sample is stamped by the session and until the consumer of
   ``BleSensors.samples()`` holds it (p50, p99; median over runs).

    PYTHONPATH=device python benchmarks/bench_ble.py [--quick]

Needs ``dbus-daemon`` for part 2 (Debian package ``dbus``); part 1 runs anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO)]

from pacer.ble.decode import decoder_for  # noqa: E402
from pacer.ble.parsers import (  # noqa: E402
    parse_battery_level,
    parse_csc,
    parse_cycling_power,
    parse_heart_rate,
    parse_rsc,
)
from pacer.core.samples import SensorRole  # noqa: E402

PAYLOADS: dict[str, tuple[Callable[[bytes], object], SensorRole | None, list[bytes]]] = {
    "heart rate 0x2A37": (
        parse_heart_rate,
        SensorRole.HR,
        [bytes.fromhex("1E 55 32 00 21 00"), bytes.fromhex("16 3C 20 03 10 03 00 03")],
    ),
    "RSC 0x2A53": (
        parse_rsc,
        SensorRole.POD,
        [bytes.fromhex("07 00 03 5A 8C 00 E8 03 00 00"), bytes.fromhex("04 80 02 AA")],
    ),
    "CSC 0x2A5B": (
        parse_csc,
        SensorRole.CADENCE,
        [bytes.fromhex("03 E8 03 00 00 00 08 2D 00 00 06")],
    ),
    "cycling power 0x2A63": (
        parse_cycling_power,
        SensorRole.POWER,
        [bytes.fromhex("20 00 FA 00 0A 00 00 04"), bytes.fromhex("21 00 FA 00 64 0A 00 00 04")],
    ),
    "battery 0x2A19": (parse_battery_level, None, [bytes([88])]),
}


def rate(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    fn()
    return calls / (time.perf_counter() - start)


def bench_parsers(runs: int, n: int) -> None:
    print(f"parsers: notifications per second (median of {runs} runs of {n})")
    print(f"  {'characteristic':<22}{'parse':>14}{'parse+decode':>16}")
    for name, (parser, role, payloads) in PAYLOADS.items():
        batch = (payloads * (n // len(payloads) + 1))[:n]

        def parse_all(
            batch: list[bytes] = batch, parser: Callable[[bytes], object] = parser
        ) -> None:
            for data in batch:
                parser(data)

        parse_rates = [rate(parse_all, n) for _ in range(runs)]
        decode_cell = "-"
        if role is not None:

            def decode_all(batch: list[bytes] = batch, role: SensorRole = role) -> None:
                decoder = decoder_for(role)
                t = 0.0
                for data in batch:
                    t += 1.0
                    decoder.decode(data, t)

            decode_cell = f"{statistics.median(rate(decode_all, n) for _ in range(runs)):,.0f}"
        print(f"  {name:<22}{statistics.median(parse_rates):>14,.0f}{decode_cell:>16}")


async def latency_run(count: int, gap_s: float) -> tuple[list[float], list[float]]:
    from tests.support.ble_peripherals import heart_rate_strap
    from tests.support.bluez_double import (
        BlueZDouble,
        SystemClock,
        release_bleak,
    )
    from tests.support.private_bus import PrivateBus

    from pacer.ble.pairing import Pairing
    from pacer.ble.session import BleSensors
    from pacer.core.samples import HeartRateSample, SensorStatus

    stamped: list[float] = []
    delivered: list[float] = []
    with PrivateBus() as bus:
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
        double = await BlueZDouble().start(bus.address)
        strap = double.add(heart_rate_strap())
        strap.interval_s = None  # notifications sent by hand below
        try:
            pairing = Pairing(strap.address, SensorRole.HR)
            async with BleSensors([pairing], clock=SystemClock()) as sensors:
                stream = sensors.samples()
                async for event in stream:  # wait until connected and subscribed
                    if isinstance(event, SensorStatus) and event.connected:
                        break
                for i in range(count):
                    await asyncio.sleep(gap_s)
                    sent = time.monotonic()
                    double.notify_now(strap.address, bytes([0x00, 60 + i % 100]))
                    sample = await anext(stream)
                    while not isinstance(sample, HeartRateSample):  # the battery reading
                        sample = await anext(stream)
                    got = time.monotonic()
                    stamped.append(sample.t - sent)
                    delivered.append(got - sent)
                await stream.aclose()
        finally:
            await double.stop()
            await release_bleak()
    return stamped, delivered


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def bench_latency(runs: int, count: int) -> None:
    if shutil.which("dbus-daemon") is None:
        print("latency: skipped (no dbus-daemon; apt-get install dbus)")
        return
    print(
        f"latency: notification sent by the BlueZ double -> sample "
        f"(median of {runs} runs of {count}, one every 20 ms)"
    )
    results = [asyncio.run(latency_run(count, 0.02)) for _ in range(runs)]
    for label, index in (("stamped by the session", 0), ("held by the consumer", 1)):
        p50 = statistics.median(pct(r[index], 50) for r in results) * 1000
        p99 = statistics.median(pct(r[index], 99) for r in results) * 1000
        print(f"  {label:<24} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    runs, n, count = (3, 20_000, 100) if args.quick else (5, 100_000, 300)
    print(
        f"host: {platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    )
    bench_parsers(runs, n)
    bench_latency(runs, count)


if __name__ == "__main__":
    main()
