"""Reading inputs and writing outputs for the command modules (stdlib only)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from pacer.errors import InputErrors, LocatedError, Location


def read_bytes(path: str, error: type[LocatedError]) -> bytes:
    """The bytes of ``path`` (``-`` is standard input); a located error if unreadable."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputErrors(
            [error(f"cannot read the file: {exc.strerror or exc}", Location(path, 1, 1))]
        ) from None


def write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once (a temporary file renamed over it), or to
    standard output for ``-``: a failed write never leaves half a file."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
