"""Aligned plain-text tables for the terminal (pure); every cell escaped
(:func:`pacer.core.terminal.escaped`): a table shows names from files, sensors and devices."""

from __future__ import annotations

from collections.abc import Sequence

from pacer.core.terminal import escaped


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    indent: str = "",
) -> str:
    """Columns padded to their widest cell; column indexes in ``right`` align right."""
    headers = [escaped(h) for h in headers]
    rows = [[escaped(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return (indent + "  ".join(parts)).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
