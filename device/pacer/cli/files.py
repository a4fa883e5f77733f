"""Writing the output files of the command modules (stdlib only)."""

from __future__ import annotations

import sys
from pathlib import Path

from pacer.core.files import write_atomic


def write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once (a temporary file renamed over it), or to
    standard output for ``-``: a failed write never leaves half a file."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(Path(path), data)
