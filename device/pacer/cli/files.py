"""Writing the output files of the command modules (stdlib only)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


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
