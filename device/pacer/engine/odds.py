"""How often real heart rate crossed the top within a minute, by how far below it was and how
soon its rise would reach the top (pure data, measured on real bodies).

The trend's chance of a crossing is not a model's: it is what real hearts did. On the shared
real recordings (``../shared/real-runs``: 23 runs and 6 rides by other people, 42 h, replayed
with issue 19's workout of alternating bands), every second with the 5-s mean heart rate at
or below a target's top was sorted by its **gap** below the top (bpm) and by **when today's
rise reaches the top** (the gap over the 15-s least-squares slope, in seconds; never, for a
flat or falling HR), and each cell counts how often a crossing (the centred 5-s mean going
over the top after >= 20 s at or below it) followed within 60 s.
``benchmarks/fit_crossing_odds.py`` measures the table anew and prints it with its counts and
a held-out check (each recording's warnings judged by a table measured without it).

What it shows: HR drifting up slowly near the top crosses within a minute about half the
time (0.5-0.6), a flat HR right at the top a third of the time, and only a rise that reaches
the top within ~10 s is likely (0.64-0.76). That is the ceiling a warning built on HR's own
course meets on real bodies (docs/engine.md, "Warnings on real bodies").
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CrossingOdds:
    """P(a crossing within ``horizon_s`` | gap below the top, when the rise reaches it).

    ``rates[i][j]``: the gap between ``gap_edges[i-1]`` and ``gap_edges[i]`` (row 0 under the
    first edge, the last row at or beyond the last); the seconds to the top likewise by
    ``eta_edges`` (the last edge ``inf``: the last column is a flat or falling HR).
    """

    #: bpm below the top (row edges) and seconds until today's rise reaches it (column
    #: edges), ascending
    gap_edges: tuple[float, ...]
    eta_edges: tuple[float, ...]
    rates: tuple[tuple[float, ...], ...]
    #: the seconds a crossing was counted within
    horizon_s: float

    def __post_init__(self) -> None:
        rows, cols = len(self.gap_edges) + 1, len(self.eta_edges) + 1
        if len(self.rates) != rows or any(len(r) != cols for r in self.rates):
            raise ValueError(f"rates must be {rows} rows of {cols}")
        if any(not 0.0 <= x <= 1.0 for r in self.rates for x in r):
            raise ValueError("rates are probabilities (0..1)")
        for edges in (self.gap_edges, self.eta_edges):
            if list(edges) != sorted(edges):
                raise ValueError("edges must ascend")

    def cell(self, gap_bpm: float, slope_bpm_min: float) -> tuple[int, int]:
        """The (row, column) of HR this far below the top (bpm), rising this fast (bpm/min)."""
        eta = eta_s(gap_bpm, slope_bpm_min)
        column = bisect_right(self.eta_edges, math.inf if eta is None else eta)
        return bisect_right(self.gap_edges, gap_bpm), column

    def chance(self, gap_bpm: float, slope_bpm_min: float) -> float:
        """How often HR this far below the top (bpm), rising this fast (bpm/min), crossed."""
        row, column = self.cell(gap_bpm, slope_bpm_min)
        return self.rates[row][column]


def eta_s(gap_bpm: float, slope_bpm_min: float) -> float | None:
    """Seconds until HR rising ``slope_bpm_min`` closes a gap of ``gap_bpm`` (0 at or over the
    top); None when it is not rising."""
    if slope_bpm_min <= 0:
        return None
    return max(gap_bpm, 0.0) / slope_bpm_min * 60.0


#: Measured by ``python benchmarks/fit_crossing_odds.py ../shared/real-runs`` (76,336
#: seconds at or below the top, 345 crossings; each rate (crossed + 1) / (seconds + 2), made
#: non-increasing along each row: a rise that reaches the top sooner is never less likely).
REAL_CROSSING_ODDS = CrossingOdds(
    gap_edges=(1.0, 2.0, 4.0, 7.0, 12.0),
    eta_edges=(5.0, 10.0, 20.0, 40.0, 80.0, math.inf),
    rates=(
        (0.55, 0.55, 0.55, 0.55, 0.55, 0.44, 0.32),
        (0.64, 0.64, 0.51, 0.46, 0.38, 0.36, 0.36),
        (0.72, 0.67, 0.50, 0.35, 0.30, 0.30, 0.30),
        (0.66, 0.65, 0.55, 0.36, 0.24, 0.24, 0.24),
        (0.74, 0.74, 0.46, 0.28, 0.16, 0.16, 0.16),
        (0.58, 0.58, 0.54, 0.22, 0.10, 0.05, 0.05),
    ),
    horizon_s=60.0,
)

__all__ = ["REAL_CROSSING_ODDS", "CrossingOdds", "eta_s"]
