"""What the screen costs: milliseconds per frame, frames sent per simulated hour.

    PYTHONPATH=device python benchmarks/bench_display.py [--runs 5]

Frame cost: the main workout screen rendered from a snapshot (text bitmaps cached, as in a
run, and cold), the driver's change check, and luma's SSD1306 driver packing the frame for
the bus (over a recorder instead of I2C). Frames per hour: the seed's 1:20 step-up run,
simulated by the engine (``pacer.sim``), through the real Face and DisplayDriver, with
snapshots at 1 Hz (the engine's tick) and at 4 Hz with a jittery heart rate, to show the
2 Hz cap at work. Medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "device"))

from pacer.config.file import DisplayConfig
from pacer.devices.oled import dummy_display, open_oled
from pacer.engine.events import EngineEvent
from pacer.engine.snapshot import Snapshot
from pacer.screens import Face, render_workout
from pacer.screens import base as screen_base
from pacer.screens.driver import DisplayDriver
from pacer.screens.examples import step_up_z2
from pacer.sim.runner import simulation
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import Units, load_profile
from pacer.workout.resolve import resolve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: I2C at 400 kHz, 9 bits a byte (8 + ack), plus luma's command bytes per frame
I2C_HZ = 400_000


class NullBus:
    """luma's serial interface with nowhere to go: counts bytes."""

    def __init__(self) -> None:
        self.bytes = 0

    def command(self, *cmd: int) -> None:
        self.bytes += len(cmd) + 1

    def data(self, data: list[int]) -> None:
        self.bytes += len(data) + 1

    def cleanup(self) -> None:
        pass


def per_call_ms(fn: Callable[[int], object], n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t0) / n * 1000


def frame_costs(runs: int) -> dict[str, float]:
    snaps = [step_up_z2(hr=120 + i % 40, step_remaining_s=900 - i) for i in range(200)]
    images = [render_workout(s, Units.METRIC) for s in snaps]
    panel = open_oled(serial_interface=NullBus())
    results: dict[str, list[float]] = {"warm": [], "cold": [], "compare": [], "pack": []}

    def cold(i: int) -> None:
        screen_base._rendered.cache_clear()
        screen_base.text_width.cache_clear()
        render_workout(snaps[i], Units.METRIC)

    for _ in range(runs):
        results["warm"].append(per_call_ms(lambda i: render_workout(snaps[i], Units.METRIC), 200))
        results["cold"].append(per_call_ms(cold, 50))
        results["compare"].append(
            per_call_ms(lambda i: images[i].tobytes() == images[i - 1].tobytes(), 200)
        )
        results["pack"].append(per_call_ms(lambda i: panel.show(images[i]), 200))
    return {k: statistics.median(v) for k, v in results.items()}


Tick = tuple[float, Snapshot, tuple[EngineEvent, ...]]


def engine_run(name: str = "step-up-run.yaml") -> list[Tick]:
    """(simulated time, snapshot, events of the tick) of a simulated run of an example."""
    profile = load_profile((EXAMPLES / "profile.yaml").read_bytes(), "profile.yaml")
    path = EXAMPLES / name
    workout = resolve(load_workout(path.read_bytes(), str(path), profile=profile), profile)
    runner = simulation(workout)
    ticks: list[Tick] = []
    pending: list[EngineEvent] = []

    def on_snapshot(snap: Snapshot) -> None:
        ticks.append((runner.clock.monotonic(), snap, tuple(pending)))
        pending.clear()

    runner.on_event(pending.append)
    runner.on_snapshot(on_snapshot)
    asyncio.run(runner.run())
    return ticks


def at_4hz(ticks: list[Tick]) -> Iterator[Tick]:
    """Each tick offered four times, a quarter second apart, heart rate jittering."""
    rng = random.Random(4)
    for t, snap, events in ticks:
        for q in range(4):
            hr = None if snap.hr is None else snap.hr + rng.choice((-1, 0, 1))
            yield t + q / 4, replace(snap, hr=hr), events if q == 0 else ()


def frames_per_hour(ticks: Iterable[Tick]) -> tuple[float, float, float]:
    """(pictures offered, frames sent, seconds simulated), per hour, through Face+driver."""
    clock = [0.0]
    driver = DisplayDriver(dummy_display(), lambda: clock[0], DisplayConfig(max_fps=2.0))
    face = Face(Units.METRIC)
    start = None
    for t, snap, events in ticks:
        start = t if start is None else start
        clock[0] = t
        driver.update(face.update(snap, events), workout=True)
        driver.tick()
    seconds = clock[0] - (start or 0.0)
    hours = seconds / 3600
    return driver.frames_offered / hours, driver.frames_sent / hours, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repeat each timing (median)")
    args = parser.parse_args()

    costs = frame_costs(args.runs)
    print(f"frame cost, median of {args.runs} runs (this machine):")
    print(f"  render workout screen, text cache warm   {costs['warm']:7.3f} ms")
    print(f"  render workout screen, text cache cold   {costs['cold']:7.3f} ms")
    print(f"  change check (compare frame bytes)       {costs['compare']:7.3f} ms")
    print(f"  luma ssd1306 pack + send (null bus)      {costs['pack']:7.3f} ms")
    total = costs["warm"] + costs["compare"] + costs["pack"]
    print(f"  a frame, render to bus (warm)            {total:7.3f} ms")

    bus = NullBus()
    panel = open_oled(serial_interface=bus)
    after_init = bus.bytes
    panel.show(render_workout(step_up_z2(), Units.METRIC))
    frame_bytes = bus.bytes - after_init
    print(
        f"  one frame on the I2C bus: {frame_bytes} bytes, "
        f"{frame_bytes * 9 / I2C_HZ * 1000:.1f} ms at 400 kHz"
    )

    print("frames sent per simulated hour (the seed's 1:20 step-up run, max_fps 2):")
    ticks = engine_run()
    for hz, stream in ((1, ticks), (4, list(at_4hz(ticks)))):
        offered, sent, seconds = frames_per_hour(stream)
        print(
            f"  snapshots at {hz} Hz: {offered:7.0f} offered/h, {sent:6.0f} sent/h "
            f"({sent / offered:5.1%} of offers, {sent / 3600:.2f}/s; "
            f"{sent * frame_bytes / 3600 / 1024:.2f} KiB/s on the bus; "
            f"{seconds / 60:.0f} simulated min)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
