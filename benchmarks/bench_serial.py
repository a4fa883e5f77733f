"""Serial link figures over a pty pair: ``hello`` round trip and activity download speed.

The device (pacer.link.service behind pacer.link.server, with its SQLite store) runs on its
own event loop in a thread; the host client (pacer.link.host, blocking pyserial) runs here.
Between them the simulated USB cable of pacer.link.cable: two pty pairs joined by a relay
thread, so every byte crosses the kernel four times. The raw figure is the same cable without
the protocol (bytes written on one end, read on the other), to show what the protocol costs.

    PYTHONPATH=device python benchmarks/bench_serial.py [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import serial

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO)]

from tests.fakes import IdleEngine  # noqa: E402
from tests.serial_rig import LagMeter, worst_lines  # noqa: E402

from pacer.core.clock import SystemClock  # noqa: E402
from pacer.link.cable import PtyCable  # noqa: E402
from pacer.link.host import DeviceClient  # noqa: E402
from pacer.link.server import SerialServer  # noqa: E402
from pacer.link.service import DeviceService  # noqa: E402
from pacer.storage.store import Store  # noqa: E402


def make_activity(path: Path, seconds: int) -> int:
    """A recorded run of ``seconds`` 1 Hz samples, as the recorder would leave it."""
    with Store(path) as store:
        aid = store.create_activity(1_700_000_000.0, "step-up-run")
        store.add_samples(
            aid,
            (
                {
                    "t": float(i),
                    "hr": 120 + i % 50,
                    "rr": [0.48, 0.49],
                    "speed": 3.2,
                    "cadence": 172.0,
                    "distance": 3.2 * i,
                    "step": 1 + i // 1200,
                }
                for i in range(seconds)
            ),
        )
        store.end_activity(aid)
        return aid


class DeviceThread:
    """The device side on its own loop, as on the Pi (where it shares it with the engine)."""

    def __init__(self, port: str, db: Path) -> None:
        self.port, self.db = port, db
        self.ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self.server: SerialServer | None = None
        self.lag = LagMeter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        with Store(self.db) as store:
            service = DeviceService(store, SystemClock(), IdleEngine(), device_id="bench")
            server = self.server = SerialServer(service, self.port, retry_s=0.05)
            task = asyncio.create_task(server.run())
            await server.connected.wait()
            self.lag.start()
            self.ready.set()
            await self._stop.wait()
            self.lag.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def __enter__(self) -> DeviceThread:
        self._thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("device server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_hello(dev: DeviceClient, runs: int, n: int) -> tuple[float, float, list[float]]:
    samples: list[float] = []
    medians: list[float] = []
    for _ in range(runs):
        run: list[float] = []
        for _ in range(n):
            t0 = time.perf_counter()
            dev.hello()
            run.append(time.perf_counter() - t0)
        medians.append(statistics.median(run))
        samples += run
    return statistics.median(samples), percentile(samples, 0.95), medians


def bench_download(
    dev: DeviceClient, out: Path, runs: int, chunk: int, repeat: int = 3
) -> list[float]:
    """kB/s of whole downloads (chunks, checksums, file writes, the final ack)."""
    activity = dev.activities()[0]
    rates = []
    for _ in range(runs):
        total = 0
        t0 = time.perf_counter()
        for _ in range(repeat):
            for f in out.glob("*"):
                f.unlink()
            total += dev.download(activity, out, chunk_bytes=chunk).stat().st_size
        rates.append(total / (time.perf_counter() - t0) / 1000)
    return rates


def bench_loop_lag(
    dev: DeviceClient, lag: LagMeter, runs: int, max_line: int
) -> list[tuple[float, float]]:
    """Per run, the largest gap of a 2 ms ticker on the device's loop (wall ms, and CPU ms
    of the loop's thread) while the worst requests are served, one after the other."""
    cases = worst_lines(max_line)
    out = []
    for _ in range(runs):
        lag.max_wall = lag.max_cpu = 0.0
        for _, line, _ in cases:
            dev._write(line + b"\n")
            for message in dev._read_messages(time.monotonic() + 30):
                if not hasattr(message, "event"):
                    break
        out.append((lag.max_wall * 1000, lag.max_cpu * 1000))
    return out


def bench_raw(runs: int, size: int) -> list[float]:
    """The cable alone: ``size`` bytes from the device end to the host end."""
    rates = []
    data = b"x" * 1023 + b"\n"
    blob = data * (size // len(data))
    for _ in range(runs):
        with PtyCable() as cable:
            tx = serial.Serial(cable.device_path, timeout=5)
            rx = serial.Serial(cable.host_path, timeout=5)
            writer = threading.Thread(target=tx.write, args=(blob,))
            t0 = time.perf_counter()
            writer.start()
            got = 0
            while got < len(blob):
                got += len(rx.read(max(1, rx.in_waiting)))
            elapsed = time.perf_counter() - t0
            writer.join()
            tx.close()
            rx.close()
        rates.append(len(blob) / elapsed / 1000)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (5)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (CI)")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    hellos = 50 if args.quick else 200
    seconds = 1800 if args.quick else 7200  # a 30 min or a 2 h run at 1 Hz

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "pacer.db"
        make_activity(db, seconds)
        with (
            PtyCable() as cable,
            DeviceThread(cable.device_path, db) as device,
            DeviceClient(cable.host_path, timeout=10) as dev,
        ):
            assert device.server is not None
            session = device.server.session
            assert session is not None
            before = session.replies
            median, p95, medians = bench_hello(dev, runs, hellos)
            assert session.replies - before == runs * hellos  # every hello really served
            size = dev.activities()[0]["bytes"]
            print(f"hello round trip over pty ({runs} runs x {hellos}):")
            print(f"  median {median * 1e3:.2f} ms   p95 {p95 * 1e3:.2f} ms   ", end="")
            print("per-run medians " + " ".join(f"{m * 1e3:.2f}" for m in medians) + " ms")
            print(f"activity download ({seconds} s of 1 Hz samples, {size / 1000:.0f} kB):")
            best = 0.0
            for chunk in (8 * 1024, 16 * 1024, 32 * 1024, 48 * 1024):
                rates = bench_download(dev, Path(tmp) / "out", runs, chunk)
                rate = statistics.median(rates)
                best = max(best, rate)
                print(
                    f"  chunk {chunk // 1024:2d} KiB: median {rate:7.0f} kB/s "
                    f"(runs {' '.join(f'{r:.0f}' for r in rates)})"
                )
            lags = bench_loop_lag(dev, device.lag, runs, 256 * 1024)
            walls = [w for w, _ in lags]
            print(f"device loop lag while serving the worst requests ({runs} runs):")
            print(
                f"  max gap per run: median {statistics.median(walls):.1f} ms wall "
                f"(runs {' '.join(f'{w:.1f}' for w in walls)}), "
                f"max {max(c for _, c in lags):.1f} ms CPU of the loop thread"
            )
        raw = statistics.median(bench_raw(runs, 4 * 1024 * 1024 if not args.quick else 1 << 20))
        print(f"raw cable (same pty relay, no protocol): median {raw:.0f} kB/s")
        print(f"best download / raw cable: {best / raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
