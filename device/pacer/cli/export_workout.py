"""``pacer export-workout``: a pacer workout to a FIT workout file for a Garmin watch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """\
Write a pacer workout (YAML) as a FIT workout file that a Garmin watch accepts (copy it to
the watch's GARMIN/NewFiles folder, or import it in Garmin Connect).

Whole heart-rate zones, bpm and % max HR ranges, paces, cadence, watts and % FTP are
written as they are. Targets that depend on the athlete (Z2 high, % HRR, % LTHR,
MP+5s..MP+10s/mi) become fixed ranges resolved against --profile, with a warning.
Strength steps (sets of reps) cannot be written."""

EPILOG = """\
examples:
  pacer export-workout examples/bike-sweet-spot.yaml --format fit
                                   writes examples/bike-sweet-spot.fit
  pacer export-workout examples/step-up-run.yaml --profile examples/profile.yaml -o run.fit
                                   Z2 high and Z3 mid become bpm ranges from the profile

See docs/import-export.md for what maps to what.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export-workout",
        help="write a workout as a FIT workout file for a Garmin watch",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="a pacer workout file (YAML)")
    parser.add_argument(
        "--format", choices=("fit",), default="fit", help="the output format (default: fit)"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="where to write (default: FILE with the format's suffix; '-' is standard output)",
    )
    parser.add_argument(
        "--profile",
        metavar="P",
        type=Path,
        help="athlete profile (YAML) to resolve targets against (default: profile.yaml "
        "beside FILE)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from pacer.cli.files import write_bytes
    from pacer.cli.validate import profile_for, read_bytes
    from pacer.core.errors import InputErrors, WorkoutError
    from pacer.core.terminal import escaped
    from pacer.formats.workouts.fit_export import encode_fit_workout
    from pacer.workout.fileformat import load_workout

    source = Path(args.file)
    profile = profile_for(source, args.profile)
    workout = load_workout(read_bytes(source), args.file, profile=profile)
    try:
        export = encode_fit_workout(workout, profile, created=datetime.now(UTC))
    except InputErrors as exc:  # "step 2: ...": say which file
        raise InputErrors([WorkoutError(f"{args.file}: {e}") for e in exc.errors]) from None
    for warning in export.warnings:
        print(escaped(f"{args.file}: warning: {warning}"), file=sys.stderr)
    out = args.output or str(Path(args.file).with_suffix(f".{args.format}"))
    write_bytes(out, export.data)
    if out != "-":
        print(
            f"wrote {escaped(out)}: {export.steps} FIT steps, {len(export.warnings)} warnings",
            file=sys.stderr,
        )
    return 0
