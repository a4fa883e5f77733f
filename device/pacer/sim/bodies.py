"""Real bodies, as figures: the ranges the simulated athletes draw their physiology from.

Measured by ``python benchmarks/fit_athletes.py ../shared/real-runs`` (this tree's version,
2026-12-04) on the 29 public recordings of issue 19 (23 runs, 6 rides, 42 h; Garmin, Suunto,
COROS, Polar, Stryd, Strava, Wahoo): per recording the median over its clear effort changes
(kinetics, gain) or its 5-minute windows of constant effort (drift, wander), then per sport
the median, p10 and p90 over the recordings that show the figure (``n``). The script's
docstring defines each figure. This module holds only the figures; the simulator never reads
the recordings; ``tests/sim/test_bodies.py`` checks these figures against what the script
prints on them (where they are beside the repository).

HR falls more slowly than it rises (a one-sided rank test over all changes: runs 18 rises,
median 43 s, against 11 falls, median 60 s, z = +1.9; rides 9 against 6, z = +1.8; pooled
27 against 17, z = +2.6, beyond chance at 5 %), so the two are drawn apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Range:
    """A figure over real recordings: median, p10 and p90, and how many showed it."""

    median: float
    p10: float
    p90: float
    n: int

    def draw(self, rng: random.Random) -> float:
        """A value between p10 and p90, as often below the median as above it (the quantile
        function through the three figures, linear between them)."""
        u = rng.uniform(0.1, 0.9)
        if u <= 0.5:
            return self.p10 + (self.median - self.p10) * (u - 0.1) / 0.4
        return self.median + (self.p90 - self.median) * (u - 0.5) / 0.4


@dataclass(frozen=True, slots=True)
class FittedBodies:
    """One sport's figures."""

    #: HR's on-response time constant after an effort change (s), rising and falling
    tau_up_s: Range
    tau_down_s: Range
    #: HR's settled change per unit of effort: bpm per m/s (runs), per W (rides)
    gain: Range
    #: HR's slope at constant effort (bpm/min)
    drift_bpm_min: Range
    #: HR's wander around that slope at constant effort: SD (bpm) and time constant (s)
    wander_sd_bpm: Range
    wander_tau_s: Range
    #: the strap's fast noise: SD of HR around its centred 5-s mean (bpm)
    strap_sd_bpm: Range
    #: the effort signal's wobble around its centred 9-s mean (% of its level)
    wobble_pct: Range


RUN = FittedBodies(
    tau_up_s=Range(40.0, 22.0, 82.0, n=8),
    tau_down_s=Range(74.0, 45.0, 116.0, n=6),
    gain=Range(27.8, 16.9, 49.8, n=11),
    drift_bpm_min=Range(0.12, -0.32, 0.76, n=10),
    wander_sd_bpm=Range(2.13, 1.52, 3.73, n=10),
    wander_tau_s=Range(17.0, 12.0, 27.0, n=10),
    strap_sd_bpm=Range(0.39, 0.32, 0.80, n=23),
    # all 23 runs (GPS, device and pod speed); a foot pod's alone: POD_WOBBLE_PCT
    wobble_pct=Range(2.9, 1.5, 16.2, n=23),
)

RIDE = FittedBodies(
    tau_up_s=Range(40.0, 34.0, 56.0, n=3),
    tau_down_s=Range(60.0, 60.0, 84.0, n=4),
    gain=Range(0.362, 0.291, 0.425, n=4),
    drift_bpm_min=Range(0.61, 0.12, 1.28, n=4),
    wander_sd_bpm=Range(1.89, 1.31, 5.13, n=4),
    wander_tau_s=Range(39.0, 20.0, 66.0, n=4),
    strap_sd_bpm=Range(0.33, 0.31, 0.33, n=6),
    # power, second to second (pedalling, coasting)
    wobble_pct=Range(14.1, 6.0, 22.7, n=5),
)

#: speed wobble by where the speed came from (runs): a pod (Stryd, treadmill), the device's
#: own speed (mostly GPS, smoothed), speed derived from GPS points or distance
POD_WOBBLE_PCT = Range(2.0, 1.9, 2.1, n=2)
DEVICE_WOBBLE_PCT = Range(2.4, 1.3, 7.0, n=17)
DERIVED_WOBBLE_PCT = Range(17.3, 7.3, 18.4, n=4)

__all__ = [
    "DERIVED_WOBBLE_PCT",
    "DEVICE_WOBBLE_PCT",
    "POD_WOBBLE_PCT",
    "RIDE",
    "RUN",
    "FittedBodies",
    "Range",
]
