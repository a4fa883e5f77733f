"""Measure how often real heart rate crossed the top within a minute: the table of
:mod:`pacer.engine.odds` (the trend's chance of a crossing), from real recordings.

    python benchmarks/fit_crossing_odds.py ../shared/real-runs [--threshold 0.65] [--jobs 2]

For every recording of DIR, issue 19's workout (``guidance_real.setup``: alternating bands
of the file's own HR) and its truth (``guidance_real.crossings``: the centred 5-s mean going
over the top after >= 20 s at or below it, > 30 s into its step). Then every second of a
targeted step, >= 20 s in, with the reading and the engine's 5-s mean at or below the top,
is put in a cell by what the engine sees at that second:

* the **gap** below the top (bpm, of the 5-s mean of the readings, as the engine's ``Signal``);
* **when today's rise reaches the top**: the gap over the least-squares slope of the last
  15 s of readings (>= 5 of them, as ``Conditioning.update_trend``); never, for a flat or
  falling HR.

Each cell's rate is (crossed within 60 s + 1) / (seconds + 2), then made non-increasing along
each row by pooling adjacent violators weighted by their seconds (a rise that reaches the top
sooner never makes a crossing less likely; a sparse cell borrows from its neighbours).

**Held-out check**: each recording's seconds are scored by a table measured without it, and a
warning is the first second of an approach whose chance reaches ``--threshold`` (re-armed when
HR eases 3 bpm off the top, goes over, or after 120 s); precision (a crossing within 60 s) and
recall (crossings warned 5-60 s ahead) are printed beside the same with the whole table. The
two agree when the table generalises to recordings it has not seen.

``--rules`` adds the frontier of the simplest warnings there are: every rule "the first second
within G bpm of the top with a 15-s rise of at least S bpm/min", the best recall each reaches
at a given precision or false-warning rate, and the precision issue 19's recall and false-
warning goals need together.

Prints the table with its counts, then the ``REAL_CROSSING_ODDS`` literal to paste into
``device/pacer/engine/odds.py``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO / "benchmarks")]

from guidance_real import (  # noqa: E402
    AHEAD_S,
    Alerts,
    Crossing,
    Tally,
    crossings,
    score,
    setup,
    smoothed,
)
from pacer.engine.odds import REAL_CROSSING_ODDS  # noqa: E402
from pacer.engine.policy import least_squares_slope  # noqa: E402

GAP_EDGES = REAL_CROSSING_ODDS.gap_edges
ETA_EDGES = REAL_CROSSING_ODDS.eta_edges
#: seconds into a step before a second counts (the engine's slope needs them)
SETTLE_S = 20
#: the slope window and the readings it needs (``forecast_window_s``; ``update_trend``)
WINDOW_S = 15
MIN_POINTS = 5
REARM_BPM = 3.0
REARM_S = 120
#: and never two warnings closer than this (the engine's ``over_repeat_s``)
SPACING_S = 60


@dataclass(frozen=True, slots=True)
class Second:
    t: int
    cell: tuple[int, int]
    #: a crossing followed within 60 s
    crossed: bool
    #: bpm below the top (negative: over)
    gap: float
    #: the reading was at or below the top
    below: bool
    #: the 15-s slope (bpm/min)
    slope: float


@dataclass(frozen=True, slots=True)
class Recording:
    name: str
    sport: str
    seconds: tuple[Second, ...]
    crossings: tuple[Crossing, ...]


def measure(path: Path) -> Recording:
    s = setup(path)
    hr = s.hr
    end = max(hr) if hr else 0
    truth = smoothed(hr, end)
    steps = tuple((a, min(b, end + 1), lo, hi) for a, b, lo, hi in s.steps)
    truths = tuple(crossings(truth, steps))
    cross = [c.t for c in truths]
    out: list[Second] = []
    k = 0
    for start, stop, _low, high in steps:
        for t in range(start + SETTLE_S, stop):
            if t not in hr:
                continue
            recent = [hr[u] for u in range(t - 4, t + 1) if u in hr]
            mean = sum(recent) / len(recent)
            pts = [(float(u), hr[u]) for u in range(t - WINDOW_S + 1, t + 1) if u in hr]
            slope = least_squares_slope(pts) if len(pts) >= MIN_POINTS else None
            if slope is None:
                continue
            while k < len(cross) and cross[k] <= t:
                k += 1
            crossed = k < len(cross) and cross[k] - t <= AHEAD_S
            gap = high - mean
            out.append(
                Second(
                    t,
                    REAL_CROSSING_ODDS.cell(gap, slope * 60.0),
                    crossed,
                    gap,
                    hr[t] <= high and gap >= 0,
                    slope * 60.0,
                )
            )
    return Recording(s.name, s.sport.value, tuple(out), truths)


Counts = dict[tuple[int, int], list[int]]


def counts(rec: Recording) -> Counts:
    c: Counts = {}
    for x in rec.seconds:
        if x.below:
            n = c.setdefault(x.cell, [0, 0])
            n[0] += 1
            n[1] += x.crossed
    return c


def rates(total: Counts) -> tuple[tuple[float, ...], ...]:
    """Laplace rates made non-increasing along each row (pool adjacent violators)."""
    rows: list[tuple[float, ...]] = []
    for i in range(len(GAP_EDGES) + 1):
        blocks: list[list[float]] = []  # [rate, weight, cells]
        for j in range(len(ETA_EDGES) + 1):
            n, x = total.get((i, j), [0, 0])
            blocks.append([(x + 1) / (n + 2), max(n, 1e-9), 1])
            while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
                r2, w2, c2 = blocks.pop()
                r1, w1, c1 = blocks.pop()
                blocks.append([(r1 * w1 + r2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
        rows.append(tuple(round(r, 2) for r, _, c in blocks for _ in range(int(c))))
    return tuple(rows)


def add(into: Counts, c: Counts, sign: int = 1) -> None:
    for key, (n, x) in c.items():
        m = into.setdefault(key, [0, 0])
        m[0] += sign * n
        m[1] += sign * x


def first_of_approach(rec: Recording, due: Callable[[Second], bool]) -> list[int]:
    """A warning at the first second of an approach that ``due`` says is due (re-armed when HR
    eases ``REARM_BPM`` off the top, goes over, or after ``REARM_S``; ``SPACING_S`` apart)."""
    out: list[int] = []
    armed, last = True, -(10**9)
    for x in rec.seconds:
        if not armed and (x.gap >= REARM_BPM or x.gap < 0 or x.t - last > REARM_S):
            armed = True
        if armed and x.below and x.t - last >= SPACING_S and due(x):
            out.append(x.t)
            armed, last = False, x.t
    return out


def warnings(rec: Recording, table: Sequence[Sequence[float]], threshold: float) -> list[int]:
    return first_of_approach(rec, lambda x: table[x.cell[0]][x.cell[1]] >= threshold)


def frontier(recs: Sequence[Recording]) -> None:
    """Every rule "warn at the first second between G0 and G bpm under the top with a 15-s rise
    of at least S bpm/min": the best recall at a precision, and what the goals need."""
    hours = sum(len(r.seconds) for r in recs) / 3600.0
    crossed = sum(len(r.crossings) for r in recs)
    rows: list[tuple[float, float, float, str]] = []
    grid = itertools.product(
        (0.0, 0.5, 1.0),
        (1.0, 2.0, 3.0, 4.0, 6.0),
        (0.0, 2.0, 4.0, 6.0, 9.0, 12.0, 18.0, 24.0, 36.0),
    )
    for g0, g, s in grid:

        def due(x: Second, g0: float = g0, g: float = g, s: float = s) -> bool:
            return g0 < x.gap <= g and x.slope >= s

        _runs, _rides, pooled = judge(recs, [first_of_approach(r, due) for r in recs])
        rule = f"{g0:g}-{g:g} bpm under, rising >= {s:g} bpm/min"
        false_h = (pooled.warnings - pooled.true_warnings) / hours
        rows.append((share(pooled.true_warnings, pooled.warnings), recall(pooled), false_h, rule))
    print(f"\n{len(rows)} rules 'G0-G bpm under the top, rising >= S bpm/min', first warning:")
    print(f"  ({crossed} crossings in {hours:.1f} h scored: {crossed / hours:.1f} an hour)")
    for floor in (0.5, 0.6, 0.7):
        ok = [r for r in rows if r[0] >= floor]
        if ok:
            p, rc, f, rule = max(ok, key=lambda r: r[1])
            print(
                f"  best recall at precision >= {floor}: {rc:.2f} "
                f"(precision {p:.2f}, {f:.1f} false/h; {rule})"
            )
    calm = [r for r in rows if r[2] <= 1.5]
    if calm:
        p, rc, f, rule = max(calm, key=lambda r: r[1])
        print(f"  best recall at <= 1.5 false/h: {rc:.2f} (precision {p:.2f}; {rule})")
    need = 0.5 * crossed / hours
    print(
        f"  recall 0.5 with <= 1.5 false/h needs precision >= "
        f"{need / (need + 1.5):.2f} ({need:.1f} true warnings an hour)"
    )


def judge(recs: Sequence[Recording], warned: Sequence[list[int]]) -> tuple[Tally, Tally, Tally]:
    """Runs', rides' and the pooled tally of these warnings, scored as ``bench_guidance --real``
    scores them (:func:`guidance_real.score`)."""
    runs, rides, pooled = Tally(), Tally(), Tally()
    for rec, ws in zip(recs, warned, strict=True):
        t = score(Alerts(warnings=[float(w) for w in ws]), rec.crossings, len(rec.seconds) / 3600)
        (runs if rec.sport == "run" else rides).add(t)
        pooled.add(t)
    return runs, rides, pooled


def share(a: int, b: int) -> float:
    return a / b if b else 0.0


def recall(t: Tally) -> float:
    return share(t.warned, t.crossings)


def judged(recs: Sequence[Recording], warned: Sequence[list[int]]) -> str:
    runs, rides, pooled = judge(recs, warned)
    return (
        f"precision {share(pooled.true_warnings, pooled.warnings):.2f} "
        f"({pooled.true_warnings}/{pooled.warnings}), recall runs {recall(runs):.2f}"
        f" / rides {recall(rides):.2f} ({pooled.warned}/{pooled.crossings})"
    )


def halves(files: Sequence[Path], recs: Sequence[Recording], jobs: int) -> None:
    """The engine replayed (as ``bench_guidance --real``) on each half of the recordings (odd and
    even places) with a table measured on the other half. The engine reads the table from
    ``pacer.engine.forecast``; this process swaps it there before its workers fork."""
    import dataclasses

    import guidance_real
    import pacer.engine.forecast

    tallies: list[tuple[str, str, dict[str, guidance_real.Tally]]] = []
    for k in (0, 1):
        total: Counts = {}
        for rec in recs[k::2]:
            add(total, counts(rec))
        table = dataclasses.replace(REAL_CROSSING_ODDS, rates=rates(total))
        pacer.engine.forecast.REAL_CROSSING_ODDS = table
        with ProcessPoolExecutor(jobs) as pool:
            tallies += pool.map(guidance_real.measure, files[1 - k :: 2])
    pacer.engine.forecast.REAL_CROSSING_ODDS = REAL_CROSSING_ODDS
    runs = guidance_real.total(t for _, sport, t in tallies if sport == "run")
    rides = guidance_real.total(t for _, sport, t in tallies if sport == "bike")
    pooled = guidance_real.total(t for _, _, t in tallies)
    print("\nthe engine on each half, with a table measured on the other half:\n")
    print(guidance_real.table(pooled, runs, rides))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="the 1 Hz CSVs (../shared/real-runs)")
    parser.add_argument("--threshold", type=float, default=0.65)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--rules", action="store_true", help="also the frontier of simple gap/slope rules"
    )
    parser.add_argument(
        "--halves",
        action="store_true",
        help="also the engine itself on each half of the recordings with a table measured on "
        "the other half (bench_guidance's table for recordings the table has not seen)",
    )
    args = parser.parse_args()
    files = sorted(args.directory.glob("*.csv"))
    if not files:
        print(f"no recordings in {args.directory}: nothing measured")
        return 0
    recs: list[Recording] = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for k, rec in enumerate(pool.map(measure, files), 1):
            print(f"[{k}/{len(files)}] {rec.name}: {len(rec.seconds)} s", file=sys.stderr)
            recs.append(rec)
    each = [counts(r) for r in recs]
    total: Counts = {}
    for c in each:
        add(total, c)
    table = rates(total)
    seconds = sum(n for n, _ in total.values())
    crossed = sum(len(r.crossings) for r in recs)
    print(f"{len(recs)} recordings, {seconds} seconds at or below the top, {crossed} crossings\n")
    finite = ETA_EDGES[:-1]  # the last edge is inf: a flat or falling HR
    heads = [f"< {finite[0]:g} s"]
    heads += [f"{a:g}-{b:g} s" for a, b in itertools.pairwise(finite)]
    heads += [f">= {finite[-1]:g} s", "not rising"]
    print("| gap below the top | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    bounds = [0.0, *GAP_EDGES]
    for i, row in enumerate(table):
        label = f"{bounds[i]:g}-{GAP_EDGES[i]:g} bpm" if i < len(GAP_EDGES) else f">= {bounds[i]:g}"
        cells = [f"{r:.2f} ({total.get((i, j), [0, 0])[0]})" for j, r in enumerate(row)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    held = []
    for rec, c in zip(recs, each, strict=True):
        rest: Counts = {k: list(v) for k, v in total.items()}
        add(rest, c, -1)
        held.append(warnings(rec, rates(rest), args.threshold))
    whole = [warnings(r, table, args.threshold) for r in recs]
    print(f"\nfirst warning per approach at a chance >= {args.threshold:g}:")
    print(f"  each recording held out: {judged(recs, held)}")
    print(f"  the whole table:         {judged(recs, whole)}")
    if args.rules:
        frontier(recs)
    if args.halves:
        halves(files, recs, args.jobs)
    print("\nREAL_CROSSING_ODDS rates (paste into device/pacer/engine/odds.py):")
    for row in table:
        print("        (" + ", ".join(f"{r:.2f}" for r in row) + "),")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
