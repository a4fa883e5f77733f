"""``pacer sim``: run a workout on a simulated athlete with the real engine.

The handler builds the simulation, then lets each function in :data:`ATTACH` subscribe to
the runner (the console printer, the ``--events`` writer; screens and haptics join the same
way), runs it, and prints the per-step summary.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.core.argtypes import positive_float
from pacer.sim import face as sim_face

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.sim.runner import SimRunner
    from pacer.workout.profile import Profile
    from pacer.workout.resolve import ResolvedWorkout

ATHLETES = ("disciplined", "eager", "fader", "dropout", "strength", "hot-start", "artefacts")

DESCRIPTION = """\
Run WORKOUT on simulated hardware: a simulated athlete produces heart rate, foot-pod and
power readings and presses the buttons; the real pacing engine walks through the steps and
decides every alert. Prints a line per step change and per alert with the workout clock,
then the per-step summary and the compliance score. The same --seed gives the same output.

Each athlete's body (heart-rate kinetics rising and falling, gain, drift, HR wander, strap
and foot-pod noise) is drawn per --seed from ranges fitted on real recordings
(docs/engine.md#the-simulator). "In target" is the time in the band over the time with a
target and a value; the compliance score also leaves out the ramp-in's lag, and says so.

athletes:
  disciplined  eases into each step and follows the cues (default)
  eager        jumps into each hard step too hard until an over alert
  fader        cannot hold the last hard step
  dropout      disciplined, but the HR strap loses contact now and then
  strength     presses the button after each set (default for strength workouts)
  hot-start    warms up too hard and carries it into the first step
  artefacts    disciplined, with a strap that spikes to 200+ bpm and drops out
"""

EPILOG = """\
examples:
  pacer sim examples/step-up-run.yaml --fast
  pacer sim examples/step-up-run.yaml --athlete eager --seed 7 --events run.jsonl
  pacer sim examples/step-up-run.yaml --record run.json && pacer report run.json
  pacer sim examples/step-up-run-pace.yaml --profile examples/profile.yaml --hills
  pacer sim examples/strength-b.yaml --speed 30      watch it at 30x real time
  pacer sim examples/step-up-run.yaml --speed 60 --view terminal
                                          the OLED screen live in the terminal
  pacer sim examples/step-up-run.yaml --gif run.gif --haptics
                                          a GIF of the screen, and every buzz

--events FILE writes one JSON object per engine event and line: t (workout seconds),
type, step (1-based) and the event's own fields (docs/engine.md#events).
exit status: 0 when the workout completed, 1 when it ended early, 2 on bad input.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sim",
        help="run a workout on a simulated athlete",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("workout", metavar="WORKOUT", type=Path, help="workout file (YAML)")
    p.add_argument(
        "--profile",
        metavar="P",
        type=Path,
        help="athlete profile (default: profile.yaml beside WORKOUT, else built-in defaults)",
    )
    p.add_argument(
        "--athlete",
        choices=ATHLETES,
        metavar="NAME",
        help="simulated behaviour: " + ", ".join(ATHLETES),
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=positive_float,
        metavar="X",
        help="real-time factor: 60 runs a simulated minute per second",
    )
    pace.add_argument("--fast", action="store_true", help="as fast as possible (the default)")
    p.add_argument("--hills", action="store_true", help="rolling hills (+-2%% grade)")
    p.add_argument("--events", metavar="FILE", help="write every engine event as JSON lines")
    p.add_argument(
        "--record",
        metavar="FILE",
        help="record the run as the device does and write it as JSON (for pacer report, "
        "export and replay)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    sim_face.add_arguments(p)
    p.set_defaults(handler=run)


def load(args: argparse.Namespace) -> tuple[ResolvedWorkout, Profile]:
    from pacer.cli.validate import load_resolved

    _workout, resolved = load_resolved(args.workout, args.profile)
    return resolved, resolved.profile


# --- observers -------------------------------------------------------------------------

Attach = Callable[[argparse.Namespace, "SimRunner", "Profile", contextlib.ExitStack], None]


def attach_console(
    args: argparse.Namespace, runner: SimRunner, profile: Profile, stack: contextlib.ExitStack
) -> None:
    """A line per step change and per alert, with the workout clock."""
    if args.quiet:
        return
    from pacer.engine.events import EngineEvent
    from pacer.engine.text import QUIET, describe
    from pacer.workout.syntax import format_clock

    count = len(runner.engine.workout.steps)
    width = len(str(count))

    def show(ev: EngineEvent) -> None:
        if ev.type in QUIET:
            return
        step = f"{ev.step:>{width}}/{count}"
        print(f"{format_clock(ev.t):>8}  {step}  {describe(ev, profile.units)}", flush=True)

    runner.on_event(show)


def attach_events_file(
    args: argparse.Namespace, runner: SimRunner, profile: Profile, stack: contextlib.ExitStack
) -> None:
    """``--events FILE``: one JSON object per event and line."""
    if not args.events:
        return
    import json

    from pacer.core.errors import ConfigError
    from pacer.engine.events import EngineEvent

    try:
        f = stack.enter_context(open(args.events, "w", encoding="utf-8"))  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"cannot write {args.events}: {exc.strerror or exc}") from None

    def write(ev: EngineEvent) -> None:
        f.write(json.dumps(ev.to_json(), separators=(",", ":")) + "\n")

    runner.on_event(write)


#: Who subscribes to a simulated run, in order. Views (screen, haptics, GIF) add theirs.
def attach_record_file(
    args: argparse.Namespace, runner: SimRunner, profile: Profile, stack: contextlib.ExitStack
) -> None:
    """``--record FILE``: the device's recorder on the simulated run, written at the end."""
    if not getattr(args, "record", None):
        return
    from pacer.cli.files import write_bytes
    from pacer.formats.activities.jsonfile import encode_json
    from pacer.recording.recorder import MemoryWriter
    from pacer.sim.recorded import attach_recorder

    writer = MemoryWriter()
    recorder = attach_recorder(runner, writer, profile)
    recorder.start()

    def write() -> None:
        recorder.stop(ended=True)
        write_bytes(args.record, encode_json(writer.activity(f"sim-{args.seed}")))

    stack.callback(write)


def attach_face(
    args: argparse.Namespace,
    runner: SimRunner,
    profile: Profile,
    stack: contextlib.ExitStack,
) -> None:
    """The device's screen (--view terminal, --gif, --frames) and haptics (--haptics)."""
    sim_face.attach_cli(args, runner, profile, stack)


ATTACH: list[Attach] = [attach_console, attach_events_file, attach_record_file, attach_face]


def run(args: argparse.Namespace) -> int:
    import asyncio

    from pacer.engine.summary import format_summary
    from pacer.sim.athlete import Behaviour
    from pacer.sim.runner import simulation
    from pacer.workout.syntax import format_clock

    workout, profile = load(args)
    behaviour = Behaviour(args.athlete) if args.athlete else None
    runner = simulation(workout, behaviour, seed=args.seed, hills=args.hills, speed=args.speed)
    planned = workout.total_seconds
    length = f", {format_clock(planned)}" if planned else ""
    if not args.quiet:
        print(
            f"{workout.name}: {len(workout.steps)} steps{length}; athlete "
            f"{runner.athlete.behaviour.value}, seed {args.seed}"
            + (", hills" if args.hills else "")
        )
    with contextlib.ExitStack() as stack:
        for attach in ATTACH:
            attach(args, runner, profile, stack)
        result = asyncio.run(runner.run())
    if not args.quiet:
        print()
    print(format_summary(result.summary, profile.units))
    sys.stdout.flush()
    return 0 if result.completed else 1
