#!/usr/bin/env python3
"""Regenerate hardware/wiring.md and hardware/wiring.svg from device/pacer/config/pinout.py.

    python hardware/generate.py           rewrite the files that changed
    python hardware/generate.py --check   exit 1 if the committed files are out of date

tests/hardware/test_pinout.py runs the check, so edit pacer/config/pinout.py, run this, commit both.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "device"))
sys.path.insert(0, str(HERE))

import wiring  # noqa: E402

if __name__ == "__main__":
    mode = "--check" if "--check" in sys.argv[1:] else "--write"
    raise SystemExit(wiring.main([mode, str(HERE)]))
