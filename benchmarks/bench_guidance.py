"""How well pacer guides: every simulated athlete over N seeds of the seed's step-up run,
and the scripted traces of tests/support/scripted.py, judged against the athlete's true heart rate.
Prints the figures of issue 13's table with the goal beside each.

    python benchmarks/bench_guidance.py [--seeds 30] [--jobs 2]
    python benchmarks/bench_guidance.py --real ../shared/real-runs [--jobs 2] [--per-file]

``--real DIR`` measures on real recordings instead (issue 19's method, pacer beside a watch,
RunnerUp and a plain HR trend): see benchmarks/guidance_real.py for every definition.

Definitions (per hard step: an active step with a target):

* **time in target**: the summary's time in target after the ramp-in (percent).
* **alerts / 10 min**: over, under and predicted-over alerts per 10 minutes of workout.
* **over latency**: from a real crossing (the athlete's true HR going over the top) to the
  first over alert (eager); **step-up overshoot**: from the start of a step up with the true
  HR already over the new top to the first over alert (hot-start).
* **warning lead**: from the first predicted-over warning to the crossing it announced
  (0 when the crossing came unwarned); median and 10th percentile per hard step (eager).
* **false warnings**: predicted-over warnings not followed by a crossing within 90 s.
* **alerts / excursion**: the largest alert count of one excursion (the ``n`` of an alert).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "device"), str(REPO)]

from pacer.engine.events import EventType  # noqa: E402
from pacer.engine.feel import pattern_for  # noqa: E402
from pacer.sim.athlete import Behaviour  # noqa: E402
from pacer.sim.runner import simulation  # noqa: E402
from pacer.workout.fileformat import load_workout  # noqa: E402
from pacer.workout.model import Intensity  # noqa: E402
from pacer.workout.profile import Profile  # noqa: E402
from pacer.workout.resolve import ResolvedWorkout, resolve  # noqa: E402

WORKOUT = REPO / "examples" / "step-up-run.yaml"
ATHLETES = [b for b in Behaviour if b is not Behaviour.STRENGTH]
ALERTS = {EventType.ALERT_OVER, EventType.ALERT_UNDER, EventType.ALERT_PREDICTED_OVER}
FALSE_WARNING_S = 90


def workout() -> ResolvedWorkout:
    profile = Profile()
    return resolve(load_workout(WORKOUT.read_bytes(), str(WORKOUT), profile=profile), profile)


@dataclass
class Figures:
    """One run's figures (lists so runs add up)."""

    in_target: list[float] = field(default_factory=list)
    alerts_per_10: list[float] = field(default_factory=list)
    over_latency: list[float] = field(default_factory=list)
    overshoot_latency: list[float] = field(default_factory=list)
    unalerted_overshoots: int = 0
    #: step name -> warning leads
    leads: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    false_warnings: int = 0
    warnings: int = 0
    max_per_excursion: int = 0
    under_rising: int = 0
    dropped: int = 0

    def add(self, o: Figures) -> None:
        self.in_target += o.in_target
        self.alerts_per_10 += o.alerts_per_10
        self.over_latency += o.over_latency
        self.overshoot_latency += o.overshoot_latency
        self.unalerted_overshoots += o.unalerted_overshoots
        for k, v in o.leads.items():
            self.leads[k] += v
        self.false_warnings += o.false_warnings
        self.warnings += o.warnings
        self.max_per_excursion = max(self.max_per_excursion, o.max_per_excursion)
        self.under_rising += o.under_rising
        self.dropped += o.dropped


def run_one(args: tuple[Behaviour, int]) -> tuple[Behaviour, Figures]:
    behaviour, seed = args
    w = workout()
    runner = simulation(w, behaviour, seed=seed)
    truth: dict[int, float] = {}
    runner.on_snapshot(lambda s: truth.__setitem__(round(s.t), runner.athlete.heart_rate))
    result = asyncio.run(runner.run())
    f = Figures(dropped=runner.engine.dropped_hr)
    events = result.events
    s = result.summary
    if s.in_target_pct is not None:
        f.in_target.append(s.in_target_pct)
    alerts = [e for e in events if e.type in ALERTS]
    f.alerts_per_10.append(len(alerts) / (result.seconds / 600.0))
    f.max_per_excursion = max((int(e.data.get("n", 0)) for e in alerts), default=0)
    starts = [e.t for e in events if e.type is EventType.STEP_START]
    end_t = max(truth)
    for i, step in enumerate(w.steps):
        if step.intensity is not Intensity.ACTIVE or step.target is None or i >= len(starts):
            continue
        start = round(starts[i])
        end = round(starts[i + 1]) if i + 1 < len(starts) else end_t
        high = step.target.high
        in_step = [e for e in events if start <= e.t < end]
        overs = [e.t for e in in_step if e.type is EventType.ALERT_OVER]
        warns = [e.t for e in in_step if e.type is EventType.ALERT_PREDICTED_OVER]
        hot = truth.get(start, 0.0) > high
        if hot and behaviour is Behaviour.HOT_START:
            first = next((t for t in overs if t >= start), None)
            if first is None:
                f.unalerted_overshoots += 1
            else:
                f.overshoot_latency.append(first - start)
        crossing = next(
            (t for t in range(start + 1, end) if truth.get(t, 0) > high >= truth.get(t - 1, 0)),
            None,
        )
        if crossing is not None and not hot and behaviour is Behaviour.EAGER:
            alert = next((t for t in overs if t >= crossing), None)
            if alert is not None:
                f.over_latency.append(alert - crossing)
            before = [t for t in warns if t <= crossing]
            f.leads[step.name].append(crossing - before[0] if before else 0.0)
        for tw in warns:
            f.warnings += 1
            ahead = range(round(tw), min(end_t, round(tw) + FALSE_WARNING_S) + 1)
            if not any(truth.get(t, 0) > high for t in ahead):
                f.false_warnings += 1
        low = step.target.low
        for e in in_step:
            if e.type is not EventType.ALERT_UNDER:
                continue
            t = round(e.t)
            rate = (truth.get(t, 0) - truth.get(t - 10, 0)) / 10.0
            if rate > 0 and (low - truth.get(t, 0)) / rate <= 60:
                f.under_rising += 1
    return behaviour, f


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def simulated(seeds: int, jobs: int, athletes: list[Behaviour]) -> dict[Behaviour, Figures]:
    out = {b: Figures() for b in athletes}
    work = [(b, seed) for b in athletes for seed in range(seeds)]
    with ProcessPoolExecutor(jobs) as pool:
        for behaviour, figures in pool.map(run_one, work, chunksize=4):
            out[behaviour].add(figures)
    return out


def scripted() -> dict[str, tuple[str, str, bool]]:
    """Each scripted row: (goal, measured, holds)."""
    from tests.support import scripted as sc

    rows: dict[str, tuple[str, str, bool]] = {}
    lat = []
    for hr in (152, 158, 165):
        s = sc.step_up_hot(hr)
        overs = [e.t - sc.HARD_START for e in s.of(EventType.ALERT_OVER) if e.t >= sc.HARD_START]
        lat.append(overs[0] if overs else float("inf"))
    rows["step up, HR already over the top (3 traces)"] = (
        "over alert <= 15 s",
        f"{min(lat):.0f}-{max(lat):.0f} s",
        max(lat) <= 15,
    )
    quiet = sc.step_down(stubborn=False)
    n = len([e for e in quiet.alerts() if e.t >= sc.FLOAT_START])
    rows["step down, HR decaying (tau 40 s)"] = ("no over alert", f"{n} alerts", n == 0)
    stub = sc.step_down(stubborn=True)
    first = [e.t - sc.FLOAT_START for e in stub.of(EventType.ALERT_OVER) if e.t >= sc.FLOAT_START]
    rows["step down, HR flat above the top"] = (
        "alert <= 90 s",
        f"{first[0]:.0f} s" if first else "never",
        bool(first) and first[0] <= 90,
    )
    for paired in (False, True):
        total = 0
        for k in range(44):
            s = sc.spikes([sc.HARD_START + 30 + k * 11], paired)
            total += len(s.alerts())
        name = "paired" if paired else "single"
        rows[f"44 {name} 220-bpm spikes in the zone"] = (
            "no warning, no alert",
            f"{total} warnings/alerts",
            total == 0,
        )
    false = 0
    for k in range(30):
        s = sc.gap(10 + 2 * k, 142 + (k % 7))
        false += len(s.of(EventType.ALERT_PREDICTED_OVER))
    rows["strap back after a gap (30 traces)"] = ("no false warning", f"{false}", false == 0)
    leads = []
    for start, steady in [(141, 166), (142, 162), (144, 160), (143, 165), (140.5, 170)]:
        s = sc.surge(start, steady)
        t0 = sc.HARD_START + 120
        warn = [e.t for e in s.of(EventType.ALERT_PREDICTED_OVER) if e.t >= t0]
        cross = next(
            t for t, snap in sorted(s.snaps.items()) if t >= t0 and snap.status.value == "over"
        )
        leads.append(cross - warn[0] if warn and warn[0] <= cross else 0.0)
    rows["fast rise from inside the zone, foot pod (5 traces)"] = (
        "warned >= 10 s ahead",
        f"{min(leads):.0f}-{max(leads):.0f} s",
        min(leads) >= 10,
    )
    hr_leads = []
    for start, slope in [(141, 30), (141, 40), (142, 30), (140.5, 25)]:
        s = sc.rise_inside(start, slope)
        warn = [e.t for e in s.of(EventType.ALERT_PREDICTED_OVER)]
        cross = next(
            t
            for t, snap in sorted(s.snaps.items())
            if t >= sc.HARD_START and snap.status.value == "over"
        )
        hr_leads.append(cross - warn[0] if warn and warn[0] <= cross else 0.0)
    rows["fast rise from inside the zone, HR only (4 traces, the fallback: no goal)"] = (
        "-",
        f"lead {min(hr_leads):.0f}-{max(hr_leads):.0f} s",
        True,
    )
    s = sc.wobble(seconds=300)
    felt = [
        e
        for e in s.events
        if e.t > sc.HARD_START + 60
        and pattern_for(e) is not None
        and e.type is not EventType.STEP_COUNTDOWN
    ]
    rows["+-2 bpm around the top for 5 min"] = (
        "<= 3 buzzes",
        f"{len(felt)} buzzes",
        len(felt) <= 3,
    )
    s = sc.rising_in(0.6)
    n = len(s.of(EventType.ALERT_UNDER))
    rows["HR 0.6 bpm under the floor and rising, ramp-in + 60 s"] = (
        "no under alert",
        f"{n}",
        n == 0,
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--athletes", nargs="*", type=Behaviour, default=ATHLETES)
    parser.add_argument("--latencies", action="store_true", help="print the eager latencies")
    parser.add_argument(
        "--real",
        metavar="DIR",
        type=Path,
        help="measure on the real 1 Hz CSV recordings of DIR (../shared/real-runs) instead",
    )
    parser.add_argument(
        "--per-file", action="store_true", help="with --real: a line per recording too"
    )
    parser.add_argument(
        "--alerts",
        metavar="KEY=VALUE",
        nargs="*",
        default=[],
        help="with --real: alert-policy overrides, as a profile's [alerts] takes them",
    )
    args = parser.parse_args()
    if args.real is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from guidance_real import real

        if not args.real.is_dir():
            print(f"{args.real}: no such directory: the real recordings are not here, skipped")
            return 0
        from pacer.engine.policy import policy_with

        pairs = [(k, float(v)) for k, _, v in (a.partition("=") for a in args.alerts)]
        return real(args.real, args.jobs, args.per_file, policy_with(pairs) if pairs else None)
    figs = simulated(args.seeds, args.jobs, args.athletes)
    if args.latencies:
        print(sorted(figs[Behaviour.EAGER].over_latency))
        return 0
    print(f"step-up run, {args.seeds} seeds per athlete\n")
    print(
        "| athlete | time in target | alerts / 10 min | max alerts / excursion "
        "| warnings (false) | artefacts dropped / run |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for b, f in figs.items():
        print(
            f"| {b.value} | {med(f.in_target):.1f} % | {statistics.mean(f.alerts_per_10):.2f} "
            f"| {f.max_per_excursion} | {f.warnings} ({f.false_warnings}) "
            f"| {f.dropped / args.seeds:.1f} |"
        )
    eager, hot = figs[Behaviour.EAGER], figs[Behaviour.HOT_START]
    print("\nwarning lead before the crossing, eager, per hard step:")
    lead_ok = True
    for name, leads in eager.leads.items():
        m, p10 = med(leads), pct(leads, 0.1)
        lead_ok &= m >= 20 and p10 >= 15
        print(
            f"  {name}: median {m:.0f} s, p10 {p10:.0f} s, min {min(leads):.0f} s "
            f"({len(leads)} crossings)"
        )
    d = figs[Behaviour.DISCIPLINED]
    quiet = [Behaviour.DISCIPLINED, Behaviour.DROPOUT, Behaviour.ARTEFACTS]
    rows: list[tuple[str, str, str, bool]] = [
        (
            "disciplined athlete, time in target / alerts",
            ">= 90 % / <= 1 per 10 min",
            f"{med(d.in_target):.1f} % / {statistics.mean(d.alerts_per_10):.2f} per 10 min",
            med(d.in_target) >= 90 and statistics.mean(d.alerts_per_10) <= 1,
        ),
        (
            "over alert after a real crossing (eager; median, as the issue measured it)",
            "<= 10 s",
            f"median {med(eager.over_latency):.0f} s, p90 {pct(eager.over_latency, 0.9):.0f} s, "
            f"max {max(eager.over_latency):.0f} s",
            med(eager.over_latency) <= 10,
        ),
        (
            "HR over the new top at a step up (hot-start)",
            "over alert <= 15 s",
            f"median {med(hot.overshoot_latency):.0f} s, max {max(hot.overshoot_latency):.0f} s, "
            f"{hot.unalerted_overshoots} unalerted",
            max(hot.overshoot_latency) <= 15 and not hot.unalerted_overshoots,
        ),
        (
            "strap spikes (artefacts athlete)",
            "no false warning",
            f"{figs[Behaviour.ARTEFACTS].false_warnings} false warnings",
            figs[Behaviour.ARTEFACTS].false_warnings == 0,
        ),
        (
            "strap back after a dropout (dropout athlete)",
            "no false warning",
            f"{figs[Behaviour.DROPOUT].false_warnings} false warnings",
            figs[Behaviour.DROPOUT].false_warnings == 0,
        ),
        (
            "warning lead (eager, every hard step)",
            "median >= 20 s, p10 >= 15 s",
            "; ".join(f"{k} {med(v):.0f}/{pct(v, 0.1):.0f} s" for k, v in eager.leads.items()),
            lead_ok,
        ),
        (
            "false warnings (disciplined, dropout, artefacts)",
            "0",
            f"{sum(figs[b].false_warnings for b in quiet)}",
            sum(figs[b].false_warnings for b in quiet) == 0,
        ),
        (
            "under alert while HR rises into the zone (all athletes)",
            "none",
            f"{sum(f.under_rising for f in figs.values())}",
            sum(f.under_rising for f in figs.values()) == 0,
        ),
        (
            "alerts per excursion (all athletes)",
            "<= 3",
            f"max {max(f.max_per_excursion for f in figs.values())}",
            max(f.max_per_excursion for f in figs.values()) <= 3,
        ),
    ]
    for name, (goal, got, ok) in scripted().items():
        rows.append((f"scripted: {name}", goal, got, ok))
    print("\n| what | goal | measured | holds |")
    print("|---|---|---|---|")
    for name, goal, got, ok in rows:
        print(f"| {name} | {goal} | {got} | {'yes' if ok else 'NO'} |")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
