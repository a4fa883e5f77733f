"""The ``pacer`` console command: one module per sub-command, errors as exit 2.
May import: core..daemon.

Each sub-command lives in its own module under :mod:`pacer.cli` with a ``register(sub)``
function that adds its parser and sets ``handler``. Command modules import only argparse at
module level; everything heavy (bleak, matplotlib, luma) is imported inside the handler, so
``pacer --help`` and the daemon's first frame stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from pacer import __version__
from pacer.core.errors import PacerError

#: Sub-command modules, in the order ``pacer --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "run",
    "validate",
    "show",
    "sim",
    "sensors",
    "import",
    "export-workout",
    "device",
    "export",
    "report",
    "replay",
    "sync",
)

#: Commands whose module cannot carry their name ('import' is a Python keyword).
MODULES = {"import": "importer"}

EPILOG = """\
examples:
  pacer validate examples/*.yaml          check workout files, every error as FILE:LINE:COL
  pacer show examples/step-up-run.yaml    the expanded steps with concrete targets
  pacer sim examples/step-up-run.yaml --fast
                                          run the workout on a simulated athlete

Run 'pacer COMMAND --help' for the options of each command.
"""

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pacer",
        description="Pace a structured workout from a wearable Raspberry Pi: heart-rate zones, "
        "foot pod, OLED and haptics. Every command also runs on a laptop with "
        "simulated hardware.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pacer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module_name = MODULES.get(name, name.replace("-", "_"))
        module = importlib.import_module(f"pacer.cli.{module_name}")
        module.register(sub)
    return parser


#: The exit status on a closed pipe (``pacer report X | head``): 128 + SIGPIPE, as ``cat``.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: 0 done, 2 bad input (a located message, never a traceback), 130
    interrupted, 141 the reader of our output went away (quietly)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except PacerError as exc:
        print(f"pacer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The standard recipe: whatever is still buffered for stdout goes to /dev/null, so
        # the interpreter's flush at exit does not fail again and print a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
