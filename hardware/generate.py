#!/usr/bin/env python3
"""Regenerate hardware/wiring.md and hardware/wiring.svg from device/pacer/config/pinout.py.

    python hardware/generate.py           rewrite the files that changed
    python hardware/generate.py --check   exit 1 if the committed files are out of date
    python hardware/generate.py --svg     print the diagram (--markdown: the table)

tests/hardware/test_pinout.py runs the check, so edit pacer/config/pinout.py, run this, commit both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "device"))
sys.path.insert(0, str(HERE))

import wiring  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python hardware/generate.py",
        description="Render pacer's wiring table and diagram from pacer.config.pinout.",
        epilog="examples:\n  python hardware/generate.py                 rewrite what changed\n"
        "  python hardware/generate.py --check         exit 1 if out of date\n"
        "  python hardware/generate.py --svg > /tmp/wiring.svg",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--markdown", action="store_true", help="print wiring.md")
    group.add_argument("--svg", action="store_true", help="print wiring.svg")
    group.add_argument(
        "--write", metavar="DIR", type=Path, help="write both files into DIR (default: hardware/)"
    )
    group.add_argument(
        "--check", metavar="DIR", type=Path, nargs="?", const=HERE, help="exit 1 if DIR is stale"
    )
    args = parser.parse_args(argv)
    if not (args.markdown or args.svg or args.check):
        args.write = args.write or HERE
    if args.markdown:
        print(wiring.render_markdown(), end="")
    elif args.svg:
        print(wiring.render_svg(), end="")
    elif args.write is not None:
        changed = wiring.write(args.write)
        print(f"wrote {', '.join(changed)}" if changed else "up to date")
    else:
        changed = wiring.stale(args.check)
        if changed:
            print(
                f"out of date in {args.check}: {', '.join(changed)} "
                "(run python hardware/generate.py)"
            )
            return 1
        print("up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
