"""Guidance on real recordings (issue 19's method): ``bench_guidance.py --real DIR``.

For each 1 Hz CSV of DIR (``../shared/real-runs``: ``r*`` files are runs, ``b*`` rides):

* a profile with ``max_hr = max(190, p99 of the file's HR + 5)``, resting 50, zones by max
  HR; a workout of a 10-minute open warm-up, then 8-minute steps alternating the bpm bands
  A = [p35, p55] and B = [p55, p75] of the file's HR (whole bpm; the last step runs to the
  end of the recording);
* replayed through the engine exactly as ``pacer replay`` does
  (:func:`pacer.recording.replay.replay`);
* judged against the truth, the file's own HR smoothed by a centred 5-s mean:

  - a **crossing**: the smoothed HR goes from <= top to > top after >= 20 s at or below it,
    more than 30 s after its step started; its **excursion** lasts while it stays above;
  - **precision**: warnings followed by a crossing within 60 s / all warnings; **recall**:
    crossings warned 5-60 s ahead / crossings; **lead**: from the earliest warning (<= 60 s
    before) to the crossing; **false warnings per hour** of targeted steps; **over latency**:
    the first over alert from the crossing to the end of its excursion; **missed overs**:
    excursions >= 20 s with no over alert; **buzzes per hour**: over + under + warnings.

Three peers run on the same HR and steps: a watch (an alert whenever the raw HR is out of
the band, again every 30 s while it stays out), RunnerUp's TargetTrigger (a 20-s trimmed
mean checked every 30 s after a 20-s grace) and a plain HR trend (the least-squares slope
of the last 15 s reaching the top within 30 s).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pacer.engine.events import EngineEvent, EventType
from pacer.engine.policy import AlertPolicy, least_squares_slope
from pacer.formats.activities.load import load_activity_file
from pacer.recording.model import Activity
from pacer.recording.replay import replay
from pacer.workout.fileformat import load_workout
from pacer.workout.model import Sport
from pacer.workout.profile import Profile, ZoneModel
from pacer.workout.resolve import ResolvedWorkout, resolve

WARMUP_S = 600
STEP_S = 480
#: a crossing needs this long at or below the top before it ...
CALM_S = 20
#: ... and this long into its step
STEP_GRACE_S = 30
#: a warning counts for a crossing this far ahead
AHEAD_S = 60
#: recall counts a warning given at least this long ahead
MIN_LEAD_S = 5
#: missed overs: excursions at least this long
LONG_EXCURSION_S = 20
PEERS = ("pacer", "watch", "runnerup", "trend")


def percentile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100) of ``xs``."""
    s = sorted(xs)
    if not s:
        return math.nan
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@dataclass(frozen=True, slots=True)
class Setup:
    """A recording with its profile and workout."""

    name: str
    sport: Sport
    activity: Activity
    workout: ResolvedWorkout
    #: (start, end, low, high) of each targeted step (end: the recording's end for the last)
    steps: tuple[tuple[int, int, int, int], ...]
    hr: dict[int, float]


def setup(path: Path) -> Setup:
    """The issue's profile and workout for one recording."""
    activity = load_activity_file(path)
    sport = Sport.BIKE if path.name.startswith("b") else Sport.RUN
    hr = {round(r.t): float(r.hr) for r in activity.records if r.hr is not None}
    values = list(hr.values())
    p35, p55, p75 = (round(percentile(values, q)) for q in (35, 55, 75))
    max_hr = max(190, round(percentile(values, 99) + 5))
    profile = Profile(name=path.stem, max_hr=max_hr, resting_hr=50, zone_model=ZoneModel.MAX_HR)
    end = math.ceil(activity.duration)
    lines = [f"name: {path.stem}", f"sport: {sport.value}", "steps:", "  - warmup: 10m"]
    bands = ((p35, p55), (p55, p75))
    steps: list[tuple[int, int, int, int]] = []
    start, k = WARMUP_S, 0
    while start < end:
        low, high = bands[k % 2]
        length = STEP_S if start + STEP_S < end - 0 else end - start + 60
        lines += [f"  - active: {length}s", f"    target: {low}-{high} bpm"]
        steps.append((start, min(start + length, end), low, high))
        start += length
        k += 1
    text = "\n".join(lines) + "\n"
    workout = resolve(load_workout(text.encode(), f"{path.name} workout", profile=profile), profile)
    from dataclasses import replace

    activity = replace(activity, sport=sport)
    return Setup(path.stem, sport, activity, workout, tuple(steps), hr)


def smoothed(hr: dict[int, float], end: int, half: int = 2) -> dict[int, float]:
    """Centred (2 * half + 1)-s mean of the readings there are."""
    out: dict[int, float] = {}
    for t in range(end + 1):
        xs = [hr[u] for u in range(t - half, t + half + 1) if u in hr]
        if xs:
            out[t] = sum(xs) / len(xs)
    return out


@dataclass(frozen=True, slots=True)
class Crossing:
    t: int
    #: first second back at or below the top (or the step's end)
    end: int
    high: int
    step: int


def crossings(
    truth: dict[int, float], steps: Sequence[tuple[int, int, int, int]]
) -> list[Crossing]:
    out: list[Crossing] = []
    for i, (start, end, _low, high) in enumerate(steps):
        calm = 0
        t = start
        while t < end:
            v = truth.get(t)
            if v is None:
                calm = 0
            elif v <= high:
                calm += 1
            else:
                if calm >= CALM_S and t - start > STEP_GRACE_S:
                    u = t
                    while u < end and truth.get(u, -1.0) > high:
                        u += 1
                    out.append(Crossing(t, u, high, i))
                    t, calm = u, 0
                    continue
                calm = 0
            t += 1
    return out


@dataclass
class Alerts:
    """One guide's buzzes on one recording (seconds)."""

    warnings: list[float] = field(default_factory=list)
    overs: list[float] = field(default_factory=list)
    unders: list[float] = field(default_factory=list)


def pacer_alerts(events: Iterable[EngineEvent]) -> Alerts:
    a = Alerts()
    for e in events:
        if e.type is EventType.ALERT_PREDICTED_OVER:
            a.warnings.append(e.t)
        elif e.type is EventType.ALERT_OVER:
            a.overs.append(e.t)
        elif e.type is EventType.ALERT_UNDER:
            a.unders.append(e.t)
    return a


def watch(hr: dict[int, float], steps: Sequence[tuple[int, int, int, int]]) -> Alerts:
    """An alert whenever the raw HR is out of the band, again every 30 s while it stays."""
    a = Alerts()
    for start, end, low, high in steps:
        last: dict[str, int | None] = {"over": None, "under": None}
        for t in range(start, end):
            v = hr.get(t)
            for side, out in (
                ("over", v is not None and v > high),
                ("under", v is not None and v < low),
            ):
                if not out:
                    last[side] = None
                    continue
                lt = last[side]
                if lt is None or t - lt >= 30:
                    last[side] = t
                    (a.overs if side == "over" else a.unders).append(float(t))
    return a


def runnerup(hr: dict[int, float], steps: Sequence[tuple[int, int, int, int]]) -> Alerts:
    """RunnerUp's TargetTrigger: a 20-s trimmed mean (the highest and lowest dropped),
    checked every 30 s after a 20-s grace."""
    a = Alerts()
    for start, end, low, high in steps:
        for t in range(start + 20, end, 30):
            xs = sorted(hr[u] for u in range(t - 19, t + 1) if u in hr)
            if len(xs) < 3:
                continue
            m = sum(xs[1:-1]) / (len(xs) - 2)
            if m > high:
                a.overs.append(float(t))
            elif m < low:
                a.unders.append(float(t))
    return a


def trend(hr: dict[int, float], steps: Sequence[tuple[int, int, int, int]]) -> Alerts:
    """A plain HR trend: the least-squares slope of the last 15 s reaches the top within 30 s
    (a warning; again only after 60 s)."""
    a = Alerts()
    for start, end, _low, high in steps:
        last: int | None = None
        for t in range(start, end):
            v = hr.get(t)
            if v is None or v > high:
                continue
            pts = [(float(u), hr[u]) for u in range(t - 14, t + 1) if u in hr]
            slope = least_squares_slope(pts) if len(pts) >= 10 else None
            if slope is None or slope <= 0 or v + slope * 30 <= high:
                continue
            if last is None or t - last >= 60:
                last = t
                a.warnings.append(float(t))
    return a


@dataclass
class Tally:
    """Figures that add up over recordings."""

    warnings: int = 0
    true_warnings: int = 0
    crossings: int = 0
    warned: int = 0
    leads: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    long_excursions: int = 0
    missed: int = 0
    buzzes: int = 0
    hours: float = 0.0
    #: per (sport): crossings, warned
    by_sport: dict[str, list[int]] = field(default_factory=dict)

    def add(self, o: Tally) -> None:
        for name in ("warnings", "true_warnings", "crossings", "warned", "long_excursions"):
            setattr(self, name, getattr(self, name) + getattr(o, name))
        self.missed += o.missed
        self.buzzes += o.buzzes
        self.hours += o.hours
        self.leads += o.leads
        self.latencies += o.latencies


def score(a: Alerts, cross: Sequence[Crossing], hours: float) -> Tally:
    f = Tally(hours=hours)
    warns = sorted(a.warnings)
    overs = sorted(a.overs)
    f.warnings = len(warns)
    f.true_warnings = sum(1 for w in warns if any(0 < c.t - w <= AHEAD_S for c in cross))
    f.crossings = len(cross)
    for c in cross:
        ahead = [w for w in warns if 0 <= c.t - w <= AHEAD_S]
        if any(c.t - w >= MIN_LEAD_S for w in ahead):
            f.warned += 1
        if ahead:
            f.leads.append(c.t - ahead[0])
        first = next((o for o in overs if c.t <= o <= c.end), None)
        if first is not None:
            f.latencies.append(first - c.t)
        if c.end - c.t >= LONG_EXCURSION_S:
            f.long_excursions += 1
            if first is None:
                f.missed += 1
    f.buzzes = len(warns) + len(overs) + len(a.unders)
    return f


def measure(path: Path, policy: AlertPolicy | None = None) -> tuple[str, str, dict[str, Tally]]:
    """One recording: (name, sport, tally per guide)."""
    s = setup(path)
    result = replay(s.activity, s.workout, policy=policy)
    end = max(s.hr) if s.hr else 0
    truth = smoothed(s.hr, end)
    steps = tuple((a, min(b, end + 1), lo, hi) for a, b, lo, hi in s.steps)
    cross = crossings(truth, steps)
    hours = sum(max(0, b - a) for a, b, _, _ in steps) / 3600.0
    in_steps = [e for e in result.events if e.t >= WARMUP_S]
    guides = {
        "pacer": pacer_alerts(in_steps),
        "watch": watch(s.hr, steps),
        "runnerup": runnerup(s.hr, steps),
        "trend": trend(s.hr, steps),
    }
    return s.name, s.sport.value, {k: score(v, cross, hours) for k, v in guides.items()}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "-"


def q(xs: list[float], p: float) -> str:
    return f"{percentile(xs, p):.0f}" if xs else "-"


def table(tallies: dict[str, Tally], runs: dict[str, Tally], rides: dict[str, Tally]) -> str:
    """The issue's table: one column per guide."""
    goal = {
        "precision": ">= 0.6",
        "recall": ">= 0.5 / >= 0.6",
        "lead": ">= 15 / >= 8 s",
        "false": "<= 1.5",
        "missed": "0",
        "latency": "<= 8 / <= 15 s",
        "buzzes": "<= 30",
    }
    warners = ("pacer", "trend")
    overers = ("pacer", "watch", "runnerup")

    def cell(guide: str, row: str) -> str:
        t, r, b = tallies[guide], runs[guide], rides[guide]
        if row == "precision":
            return ratio(t.true_warnings, t.warnings) if guide in warners else "-"
        if row == "recall":
            if guide not in warners:
                return "-"
            return (
                f"{r.warned / max(r.crossings, 1):.2f} / {b.warned / max(b.crossings, 1):.2f} "
                f"({t.warned / max(t.crossings, 1):.2f} pooled, {t.crossings} crossings)"
            )
        if row == "lead":
            return f"{q(t.leads, 50)} / {q(t.leads, 10)} s" if guide in warners else "-"
        if row == "false":
            fw = (t.warnings - t.true_warnings) / t.hours if t.hours else 0
            return f"{fw:.2f}" if guide in warners else "-"
        if row == "missed":
            return f"{t.missed} of {t.long_excursions}" if guide in overers else "-"
        if row == "latency":
            return f"{q(t.latencies, 50)} / {q(t.latencies, 90)} s" if guide in overers else "-"
        return f"{t.buzzes / t.hours:.1f}" if t.hours else "-"

    names = {
        "precision": "precision",
        "recall": "recall, warned 5-60 s ahead (runs / rides)",
        "lead": "lead median / p10",
        "false": "false warnings per hour",
        "missed": "missed overs (>= 20 s over, never alerted)",
        "latency": "over latency median / p90",
        "buzzes": "buzzes per hour",
    }
    lines = [
        "| figure | goal | pacer | watch | RunnerUp | HR trend |",
        "|---|---|---|---|---|---|",
    ]
    for row, label in names.items():
        cells = " | ".join(cell(g, row) for g in PEERS)
        lines.append(f"| {label} | {goal[row]} | {cells} |")
    return "\n".join(lines)


def total(parts: Iterable[dict[str, Tally]]) -> dict[str, Tally]:
    out = {g: Tally() for g in PEERS}
    for part in parts:
        for g, t in part.items():
            out[g].add(t)
    return out


def holds(t: dict[str, Tally], runs: dict[str, Tally], rides: dict[str, Tally]) -> bool:
    """Every goal row of the issue, for pacer."""
    p, r, b = t["pacer"], runs["pacer"], rides["pacer"]
    return (
        p.warnings > 0
        and p.true_warnings / p.warnings >= 0.6
        and r.warned / max(r.crossings, 1) >= 0.5
        and b.warned / max(b.crossings, 1) >= 0.6
        and bool(p.leads)
        and percentile(p.leads, 50) >= 15
        and percentile(p.leads, 10) >= 8
        and (p.warnings - p.true_warnings) / p.hours <= 1.5
        and p.missed == 0
        and bool(p.latencies)
        and percentile(p.latencies, 50) <= 8
        and percentile(p.latencies, 90) <= 15
        and p.buzzes / p.hours <= 30
    )


def real(
    directory: Path, jobs: int, per_file: bool = False, policy: AlertPolicy | None = None
) -> int:
    """Measure every CSV of ``directory`` and print the tables (progress on stderr)."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        print(f"no recordings in {directory}: skipped (the shared real runs are not here)")
        return 0
    from concurrent.futures import ProcessPoolExecutor

    results: list[tuple[str, str, dict[str, Tally]]] = []
    with ProcessPoolExecutor(jobs) as pool:
        work = pool.map(measure, files, [policy] * len(files))
        for k, res in enumerate(work, 1):
            results.append(res)
            name, _, t = res
            p = t["pacer"]
            print(
                f"[{k}/{len(files)}] {name}: {p.warnings} warnings ({p.true_warnings} true), "
                f"{p.crossings} crossings ({p.warned} warned), {p.missed} missed overs",
                file=sys.stderr,
            )
    if per_file:
        print("| recording | warnings (true) | crossings (warned) | missed | buzzes/h |")
        print("|---|---:|---:|---:|---:|")
        for name, _, t in results:
            p = t["pacer"]
            print(
                f"| {name} | {p.warnings} ({p.true_warnings}) | {p.crossings} ({p.warned}) "
                f"| {p.missed} | {p.buzzes / p.hours:.1f} |"
            )
        print()
    runs = total(t for _, sport, t in results if sport == "run")
    rides = total(t for _, sport, t in results if sport == "bike")
    pooled = total(t for _, _, t in results)
    hours = pooled["pacer"].hours
    for label, part in (("runs", runs), ("rides", rides)):
        n = sum(1 for _, sport, _ in results if sport == ("run" if label == "runs" else "bike"))
        print(f"{label} ({n} recordings, {part['pacer'].hours:.1f} h of targeted steps)\n")
        print(table(part, part, part) + "\n")
    print(f"pooled ({len(results)} recordings, {hours:.1f} h of targeted steps)\n")
    print(table(pooled, runs, rides))
    ok = holds(pooled, runs, rides)
    print(f"\nevery goal holds: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


__all__ = ["measure", "real", "setup"]
