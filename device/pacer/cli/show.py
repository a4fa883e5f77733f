"""``pacer show``: the expanded steps of a workout with concrete targets."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG = """\
Repeats are unrolled and every target is resolved against the athlete profile: zones
become bpm, relative paces become min/km or min/mi (the profile's units), % FTP becomes
watts; a single value (88% FTP) is a band of the profile's tolerances. Targets needing a
value the profile lacks (ftp, lthr, a reference pace) are shown as written, with a note of
what to add. A folder shows every workout inside it.

examples:
  pacer show examples/step-up-run.yaml
  pacer show examples/step-up-run-pace.yaml --profile examples/profile.yaml
  pacer show examples/
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "show",
        help="print workouts' steps with concrete targets (files or folders)",
        description="Print the expanded steps of a workout as a table with concrete targets "
        "(bpm, pace in the profile's units, watts) and totals.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path)
    p.add_argument(
        "--profile",
        type=Path,
        help="athlete profile (default: profile.yaml beside FILE, else built-in defaults)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pacer.cli.validate import (
        expand_paths,
        load_resolved,
        looks_like_profile,
        read_bytes,
        remarks,
    )
    from pacer.workout.describe import step_table

    paths = [
        p
        for p in expand_paths(args.files)
        if p in args.files or not looks_like_profile(read_bytes(p))
    ]
    for i, path in enumerate(paths):
        workout, resolved = load_resolved(path, args.profile, as_written=True)
        profile = resolved.profile
        if i:
            print()
        print(
            f"{workout.name}  ({workout.sport.value}; profile '{profile.name}', "
            f"{profile.zone_model.value} zones, {profile.units.value})"
        )
        if workout.description:
            print(f"  {workout.description}")
        print()
        print(step_table(resolved))
        for line in remarks(path, workout, profile):
            print(line)
    return 0
