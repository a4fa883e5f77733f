"""Framing of the serial link: newline-delimited lines out of arbitrary byte chunks.

Pure. :class:`LineFramer` turns chunks into complete lines (or :class:`Overlong` markers: a
line over the limit is dropped and the framer resynchronises at the next newline). Both
sides use it: the device's session and the host's client.
"""

from __future__ import annotations

from dataclasses import dataclass

from pacer.link.protocol import DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line that exceeded the limit: its bytes were dropped; ``size`` is how many."""

    size: int


class LineFramer:
    """Incremental splitter: feed it any byte chunks, get complete lines back.

    A line longer than ``max_line_bytes`` is not buffered: its bytes are counted and
    dropped, and when its newline finally arrives the framer yields one :class:`Overlong`
    in its place, so every complete line gets exactly one answer and the next line parses
    normally. A trailing ``\\r`` is stripped; blank lines are skipped (a host sends a bare
    newline to flush any partial line left by an earlier session).
    """

    def __init__(self, max_line_bytes: int = DEFAULT_LIMITS.max_line_bytes) -> None:
        self.max_line_bytes = max_line_bytes
        self._buf = bytearray()
        self._dropped = 0  # > 0 while skipping an over-long line

    @property
    def pending(self) -> int:
        """Bytes of the current incomplete line (buffered or dropped)."""
        return len(self._buf) + self._dropped

    def reset(self) -> None:
        """Forget any partial line (the link was cut)."""
        self._buf.clear()
        self._dropped = 0

    def feed(self, chunk: bytes) -> list[bytes | Overlong]:
        out: list[bytes | Overlong] = []
        start = 0
        n = len(chunk)
        while start < n:
            nl = chunk.find(b"\n", start)
            end = n if nl < 0 else nl
            piece = chunk[start:end]
            if self._dropped:
                self._dropped += len(piece)
            elif len(self._buf) + len(piece) > self.max_line_bytes + 1:
                # +1: a trailing "\r" is not counted against the limit.
                self._dropped = len(self._buf) + len(piece)
                self._buf.clear()
            else:
                self._buf += piece
            if nl < 0:
                break
            if self._dropped:
                out.append(Overlong(self._dropped))
                self._dropped = 0
            else:
                line = bytes(self._buf)
                self._buf.clear()
                if line.endswith(b"\r"):
                    line = line[:-1]
                if len(line) > self.max_line_bytes:
                    out.append(Overlong(len(line)))
                elif line.strip():
                    out.append(line)
            start = nl + 1
        return out
