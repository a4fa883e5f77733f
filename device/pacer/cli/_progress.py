"""A one-line progress bar for long transfers (stderr; a plain summary when not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(
        self, label: str, *, stream: TextIO | None = None, width: int = 30, live: bool | None = None
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.live = self.stream.isatty() if live is None else live
        self.start = time.monotonic()
        self.done = 0
        self.total = 0
        self._last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.live and (now - self._last_draw >= 0.1 or done >= total):
            self._last_draw = now
            self.stream.write("\r" + self.render(now))
            self.stream.flush()

    def render(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.start, 1e-6)
        frac = self.done / self.total if self.total else 1.0
        filled = round(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        rate = self.done / elapsed / 1000
        return (
            f"{self.label} [{bar}] {frac * 100:5.1f}% "
            f"{self.done / 1024:.0f}/{self.total / 1024:.0f} KiB {rate:.0f} kB/s"
        )

    def finish(self, message: str = "") -> None:
        line = self.render()
        if self.live:
            self.stream.write("\r" + line + (f"  {message}" if message else "") + "\n")
        else:
            self.stream.write(line + (f"  {message}" if message else "") + "\n")
        self.stream.flush()
