"""How long importing and exporting a workout takes (the Pi Zero 2 W does this on demand).

    PYTHONPATH=device python benchmarks/bench_import_export.py

Prints the median of several runs for importing the seed's step-up run from each foreign
format, and for writing each example as a FIT workout, with the FIT decoder's and
encoder's share of it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pacer.formats.workouts import import_workout
from pacer.formats.workouts.fit import decode_fit
from pacer.formats.workouts.fit_export import encode_fit_workout, workout_messages
from pacer.workout.fileformat import load_workout
from pacer.workout.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RUNS, LOOPS = 7, 50


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(LOOPS):
            fn()
        times.append((time.perf_counter() - start) / LOOPS * 1000)
    return statistics.median(times)


def main() -> None:
    profile = load_profile((EXAMPLES / "profile.yaml").read_text())
    print(f"median of {RUNS} runs x {LOOPS} loops, ms per call")
    for name in ("step-up-run.txt", "step-up-run.zwo", "step-up-run.fit"):
        data = (EXAMPLES / "import" / name).read_bytes()
        total = median_ms(lambda d=data, n=name: import_workout(d, n, profile=profile))
        line = f"  import {name:<18} {total:7.3f}"
        if name.endswith(".fit"):
            decode = median_ms(lambda d=data: decode_fit(d, "x.fit"))
            line += f"   (SDK decode {decode:.3f}, {decode / total:.0%})"
        print(line)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    for name in ("step-up-run.yaml", "bike-sweet-spot.yaml", "step-up-run-pace.yaml"):
        w = load_workout((EXAMPLES / name).read_text(), name, profile=profile)
        total = median_ms(lambda w=w: encode_fit_workout(w, profile, created=created))
        build = median_ms(lambda w=w: workout_messages(w, profile, created=created))
        print(
            f"  export {name:<22} {total:7.3f}   (pacer's messages {build:.3f}, "
            f"SDK encode {(total - build) / total:.0%})"
        )


if __name__ == "__main__":
    main()
