"""``pacer export``: an activity as FIT, TCX, CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.cli.activity_arg import add_argument

if TYPE_CHECKING:  # pragma: no cover
    from pacer.recording.model import Activity

FORMATS = ("fit", "tcx", "csv", "json")

EPILOG = """\
FIT is what Garmin Connect, intervals.icu, Strava and TrainingPeaks import best: a lap per
workout step (with its step index and intensity), records with heart rate, cadence, speed,
distance and power, RR intervals as HRV messages, and pacer's alerts as FIT alert events.
TCX is for tools that prefer it (no RR or alerts). CSV is one row a second; JSON holds
everything pacer recorded and reads back into report and replay.

examples:
  pacer export 12 --format fit                   activity 12 of the store to 12.fit
  pacer export run.jsonl --format tcx -o run.tcx a downloaded recording as TCX
  pacer export watch.fit --format csv -o -       a watch's FIT as CSV on stdout
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write an activity as FIT, TCX, CSV or JSON",
        description="Write a recorded activity in a format other tools import: FIT (laps per "
        "step, HRV, alerts), TCX, CSV (one row a second) or JSON (everything).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_argument(p)
    p.add_argument("--format", "-f", choices=FORMATS, default="fit", help="default: fit")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write ('-' for stdout; default: the activity's name with the "
        "format's extension, in the current directory)",
    )
    p.set_defaults(handler=run)


def encode(activity: Activity, fmt: str) -> bytes:
    if fmt == "fit":
        from pacer.formats.activities.fit import encode_activity

        return encode_activity(activity)
    if fmt == "tcx":
        from pacer.formats.activities.tcx import encode_tcx

        return encode_tcx(activity)
    if fmt == "csv":
        from pacer.formats.activities.csvfile import encode_csv

        return encode_csv(activity)
    from pacer.formats.activities.jsonfile import encode_json

    return encode_json(activity)


def run(args: argparse.Namespace) -> int:
    from pacer.cli.activity_arg import open_activity
    from pacer.cli.files import write_bytes

    activity = open_activity(args.activity, args.data_dir)
    data = encode(activity, args.format)
    out = args.output or f"{activity.id}.{args.format}"
    if out != "-" and Path(out).resolve() == Path(args.activity).resolve():
        print(f"pacer: {out} is the input; choose another -o", file=sys.stderr)
        return 2
    write_bytes(out, data)
    if out != "-":
        print(
            f"{out}: {args.format.upper()}, {len(activity.laps)} laps, "
            f"{len(activity.records)} records, {len(data):,} bytes",
            file=sys.stderr,
        )
    return 0
