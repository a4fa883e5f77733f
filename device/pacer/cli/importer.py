"""``pacer import``: a Garmin FIT workout, intervals.icu text or a Zwift .zwo to pacer's
workout format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """\
Convert a workout from another tool to pacer's workout format (YAML). The kind is read
from the content, not the file name:

  Garmin FIT workout files (.fit, from Garmin Connect or a watch),
  intervals.icu plain-text workouts (the text of its workout builder),
  Zwift workouts (.zwo).

Ramps stay ramps (ramp 60% FTP to 90% FTP) and timed text events become the step's cues.
Whatever pacer cannot hold exactly (a power zone, a speed zone, an ignored attribute) is
printed as a warning naming the step, and kept as comments at the top of the output.
Malformed input is an error with its FILE:LINE:COL (or FIT step), and nothing is written."""

EPILOG = """\
examples:
  pacer import intervals.txt                      print the converted workout
  pacer import run.fit -o run.yaml                write it to run.yaml
  pacer import tempo.zwo --profile examples/profile.yaml -o tempo.yaml
                                                  percentages of a reference pace need a
                                                  profile to become paces

See docs/import-export.md for what maps to what.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="convert a FIT, intervals.icu or Zwift workout to pacer's format",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the workout to import ('-' reads stdin)")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write the workout here (default: standard output)"
    )
    parser.add_argument(
        "--profile",
        metavar="P",
        type=Path,
        help="athlete profile (YAML; default: profile.yaml beside FILE): turns %% of "
        "threshold or race pace into paces, checks that every target resolves",
    )
    parser.add_argument(
        "--pace-unit",
        choices=("km", "mi"),
        help="write paces per km or per mile (default: the profile's units, else km)",
    )
    parser.add_argument(
        "--sport",
        choices=("run", "bike"),
        help="the sport of an intervals.icu text, which does not say it (default: bike when "
        "a step has a power target, else run, with a warning); FIT and Zwift files say theirs",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pacer.cli.files import write_bytes
    from pacer.cli.validate import profile_for, read_bytes
    from pacer.core.errors import InputErrors
    from pacer.formats.workouts import import_workout
    from pacer.formats.workouts.common import MAX_IMPORT_BYTES
    from pacer.workout.fileformat import dump_workout, load_workout
    from pacer.workout.model import PaceUnit, Sport

    source = Path(args.file)
    profile = profile_for(source, args.profile)
    data = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1) if args.file == "-" else read_bytes(source)
    result = import_workout(
        data,
        args.file,
        profile=profile,
        pace_unit=PaceUnit(args.pace_unit) if args.pace_unit else None,
        sport=Sport(args.sport) if args.sport else None,
    )
    notes = [str(w) for w in result.warnings]
    text = dump_workout(result.workout)
    if profile is not None:
        try:
            load_workout(text, args.output or "<output>", profile=profile)
        except InputErrors as exc:
            notes += [
                f"{args.file}: warning: against {args.profile}: {e.message}" for e in exc.errors
            ]
    for note in notes:
        print(note, file=sys.stderr)
    header = [f"# Imported from {args.file} ({result.kind.value}) by pacer import."]
    header += [f"# {note}" for note in notes]
    write_bytes(args.output or "-", ("\n".join(header) + "\n" + text).encode("utf-8"))
    if args.output:
        steps = sum(1 for _ in _steps(result.workout.items))
        said = f"{len(notes)} warning" + ("" if len(notes) == 1 else "s")
        print(f"wrote {args.output}: {steps} steps, {said}", file=sys.stderr)
    return 0


def _steps(items: tuple[object, ...]) -> list[object]:
    from pacer.workout.model import Repeat

    out: list[object] = []
    for item in items:
        out.extend(_steps(item.items) if isinstance(item, Repeat) else [item])
    return out
