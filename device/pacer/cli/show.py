"""``pacer show``: the expanded steps of a workout with concrete targets."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG = """\
Repeats are unrolled and every target is resolved against the athlete profile: zones
become bpm, relative paces become min/km or min/mi (the profile's units), % FTP becomes
watts.

examples:
  pacer show examples/step-up-run.yaml
  pacer show examples/step-up-run-pace.yaml --profile examples/profile.yaml
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "show",
        help="print a workout's steps with concrete targets",
        description="Print the expanded steps of a workout as a table with concrete targets "
        "(bpm, pace in the profile's units, watts) and totals.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument(
        "--profile",
        type=Path,
        help="athlete profile (default: profile.yaml beside FILE, else built-in defaults)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pacer.cli.validate import load_resolved
    from pacer.workout.describe import step_table

    workout, resolved = load_resolved(args.file, args.profile)
    profile = resolved.profile
    print(
        f"{workout.name}  ({workout.sport.value}; profile '{profile.name}', "
        f"{profile.zone_model.value} zones, {profile.units.value})"
    )
    if workout.description:
        print(f"  {workout.description}")
    print()
    print(step_table(resolved))
    return 0
