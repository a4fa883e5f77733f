"""``pacer replay``: a recorded run through the engine, as fast as it goes."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pacer.cli.activity_arg import add_argument

DESCRIPTION = """\
Feed a recorded activity through the pacing engine at its recorded timing, as fast as the
machine goes: how would pacer have paced that run? Prints the alerts and cues pacer would
have given, with the workout clock, then the per-step compliance. The recording can be a FIT
file from any watch or bike computer, a pacer recording, or a CSV. Records every few seconds
(smart recording) are held until the next one (up to 10 s), a missing heart rate is a silent
strap, per-leg FIT running cadence is doubled to steps per minute, pauses are pauses.
"""

EPILOG = """\
examples:
  pacer replay watch.fit --workout examples/step-up-run.yaml --profile examples/profile.yaml
  pacer replay 12 --workout examples/step-up-run.yaml --events replay.jsonl
  pacer replay run.csv --workout examples/bike-sweet-spot.yaml --quiet

--events FILE writes the same JSON lines as 'pacer sim': one engine event per line with t
(workout seconds), type, step (1-based) and the event's own fields; each warning
(alert_predicted_over) carries p, the chance of the crossing it announces, and in_s.
A recording of another sport than the workout's (a ride against a run) is replayed with a
warning, and without the runner's turnover cues; the summary says which were suppressed.
A CSV names no sport: it is taken to be of the workout's sport.
exit status: 0 when the workout ran to its end within the recording, 1 when the recording
ended first (said on stderr, with where, even with --quiet), 2 on bad input.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "replay",
        help="replay a recorded run through the engine",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_argument(p)
    p.add_argument(
        "--workout", "-w", metavar="W", type=Path, required=True, help="workout file (YAML)"
    )
    p.add_argument(
        "--profile",
        metavar="P",
        type=Path,
        help="athlete profile (YAML); default: profile.yaml beside W, else built-in",
    )
    p.add_argument("--events", metavar="FILE", help="write every engine event as JSON lines")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    from dataclasses import replace

    from pacer.cli.activity_arg import open_activity
    from pacer.cli.reporting import title
    from pacer.cli.sim import load
    from pacer.core.errors import ConfigError
    from pacer.core.terminal import escaped
    from pacer.engine.events import EngineEvent
    from pacer.engine.summary import format_summary
    from pacer.engine.text import QUIET, describe
    from pacer.recording.replay import replay, sport_warning
    from pacer.workout.syntax import format_clock

    workout, profile = load(args)
    activity = open_activity(args.activity, args.data_dir)
    if activity.device == "csv":
        # a CSV names no sport (read as a run): take it to be the workout's, rather than warn
        # that a ride with power is "a run" and drop its turnover cues
        activity = replace(activity, sport=workout.sport)
    count = len(workout.steps)
    width = len(str(count))
    if not args.quiet:
        print(
            f"replaying {title(activity)} ({format_clock(activity.duration)}, "
            f"{len(activity.records)} records, {escaped(activity.device)}) against "
            f"{workout.name}: {count} steps"
        )
    warning = sport_warning(activity, workout)
    if warning is not None:
        print(f"warning: {warning}", file=sys.stderr)
    out = None
    if args.events:
        try:
            out = open(args.events, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"cannot write {args.events}: {exc.strerror or exc}") from None

    def on_event(ev: EngineEvent) -> None:
        if out is not None:
            out.write(json.dumps(ev.to_json(), separators=(",", ":")) + "\n")
        if args.quiet or ev.type in QUIET:
            return
        step = f"{ev.step:>{width}}/{count}"
        print(f"{format_clock(ev.t):>8}  {step}  {describe(ev, profile.units)}")

    started = time.perf_counter()
    try:
        result = replay(activity, workout, on_event=on_event)
    finally:
        if out is not None:
            out.close()
    spent = time.perf_counter() - started
    if not args.quiet:
        print()
    print(format_summary(result.summary, profile.units))
    if result.suppressed:
        cues = ", ".join(f"{cue} x{n}" for cue, n in sorted(result.suppressed.items()))
        print(f"suppressed (the recording is not a {workout.sport.value}): {cues}")
    if not args.quiet:
        rate = result.seconds / 3600 / spent if spent > 0 else float("inf")
        print(
            f"\n{format_clock(result.seconds)} of recording replayed in {spent:.2f} s "
            f"({rate:.1f} recorded hours per second)"
        )
    sys.stdout.flush()
    if not result.completed:
        # said on stderr, --quiet or not: exit status 1 is not a failure to read or replay
        step = max((e.step for e in result.events), default=1)
        planned = workout.total_seconds
        print(
            f"pacer: the recording ended at {format_clock(result.seconds)}, in step {step}/"
            f"{count}, before the workout did"
            + (f" ({format_clock(planned)} planned)" if planned else "")
            + ": the summary covers what was recorded (exit status 1)",
            file=sys.stderr,
        )
    return 0 if result.completed else 1
