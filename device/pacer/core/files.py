"""Reading an input file with its size checked before anything is read.

Every command that reads a file goes through :func:`read_limited`: ``stat`` first, so a
45 MB file is refused at once rather than parsed for a minute, then at most ``limit + 1``
bytes, so a file that grows, or lies about its size (``/dev/zero``, a FIFO), is refused too.
"""

from __future__ import annotations

from pathlib import Path

from pacer.core.errors import PacerError


class FileTooLarge(PacerError):
    """An input file over the limit of what reads it; ``str()`` names the file."""

    def __init__(self, path: Path | str, size: int, limit: int) -> None:
        self.reason = f"file too large ({size} bytes; the limit is {human_size(limit)})"
        super().__init__(f"{path}: {self.reason}")
        self.size = size
        self.limit = limit


def human_size(n: int) -> str:
    """``64 KiB``, ``1 MiB``: limits as the messages say them."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; :class:`FileTooLarge` over ``limit`` bytes, ``OSError`` as
    ``open`` raises it (no such file, a directory, no permission)."""
    size = path.stat().st_size
    if size > limit:
        raise FileTooLarge(path, size, limit)
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, max(size, len(data)), limit)
    return data


__all__ = ["FileTooLarge", "human_size", "read_limited"]
