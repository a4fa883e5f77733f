"""``pacer report``: the per-step table of a run, and its figure."""

from __future__ import annotations

import argparse
import sys

from pacer.cli.activity_arg import add_argument
from pacer.core.errors import PacerError

EPILOG = """\
For each step: its target, time, the share of that time in, over and under the target,
average and maximum heart rate, pace, cadence, power, and the alerts pacer gave. The figure
shows heart rate coloured by in/over/under on each step's target band, the alerts where
they fired, and pace and cadence below. The figure needs matplotlib, an extra the Pi does not
install: pip install 'pacer[report]' (./dev installs it).

examples:
  pacer report 12                         activity 12 of the store
  pacer report run.jsonl --png run.png    a downloaded recording, with its figure
  pacer report watch.fit --png -          a watch's FIT; the PNG goes to stdout
  pacer report ultra.fit --steps 0        every lap of a long run (default: the first 100)
"""

#: Steps the table lists unless told otherwise. A structured workout has a few dozen, a
#: watch's auto-laps of an ultra a few hundred; past that a table is no longer read (and a
#: file of a million laps would print a hundred megabytes), so it lists the first ones and
#: says how many more there are; its Total row still counts them all.
STEP_ROWS = 100


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="per-step table and figure of a recorded run",
        description="Print the per-step table of a recorded activity (time in target, heart "
        "rate, pace, cadence, power, alerts) and draw its figure.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_argument(p)
    p.add_argument("--png", metavar="FILE", help="also draw the figure to FILE ('-' for stdout)")
    p.add_argument(
        "--steps",
        type=_count,
        default=STEP_ROWS,
        metavar="N",
        help=f"list the first N steps (default {STEP_ROWS}; 0 lists all): the table then says "
        "how many more there are, and its Total row still counts every step",
    )
    p.set_defaults(handler=run)


#: What ``--png`` says when matplotlib is not installed (it is the ``report`` extra).
NO_MATPLOTLIB = (
    "--png needs matplotlib, which this install lacks: pip install 'pacer[report]' "
    "(the table alone needs nothing: drop --png)"
)


def require_matplotlib() -> None:
    """Refuse ``--png`` up front, before reading anything, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PacerError(NO_MATPLOTLIB) from None


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of steps (0 lists all)")
    return n


def run(args: argparse.Namespace) -> int:
    from pacer.cli.activity_arg import open_activity
    from pacer.cli.reporting import render_png, report_text

    if args.png:
        require_matplotlib()
    activity = open_activity(args.activity, args.data_dir)
    to_stdout = args.png == "-"
    steps = args.steps or None
    print(report_text(activity, steps=steps), file=sys.stderr if to_stdout else sys.stdout)
    if args.png:
        from pacer.cli.files import write_bytes

        write_bytes(args.png, render_png(activity))
        if not to_stdout:
            print(f"\nfigure: {args.png}")
    return 0
