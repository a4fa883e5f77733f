"""Reading an input file with its size checked before anything is read, and writing a file
all at once.

Every command that reads a file goes through :func:`read_limited`: ``stat`` first, so a
45 MB file is refused at once rather than parsed for a minute, then at most ``limit + 1``
bytes, so a file that grows, or lies about its size (``/dev/zero``, a FIFO), is refused too.
Every file written whole (a command's output, the credentials, the daemon's published state)
goes through :func:`write_atomic`: a reader sees the old content or the new, never half.
"""

from __future__ import annotations

import os
import tempfile
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


def write_atomic(
    target: Path, data: bytes, *, mode: int | None = None, durable: bool = False
) -> None:
    """Write ``data`` to ``target`` all at once: a temporary file beside it (its own name,
    so two processes never share one) renamed over it. ``mode``: the new file's permissions
    (the temporary file is made 0600, so a secret is never readable, even for a moment);
    ``durable``: on disk before the rename (a power cut keeps the old file or the new)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
