"""Per-sensor health: what a session counts, and the frozen snapshot the status shows."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pacer.core.samples import SensorRole

#: Notification gaps kept for the percentiles (about 8 minutes at 1 Hz per sensor).
GAP_WINDOW = 512


class SensorState(StrEnum):
    """Where a sensor's supervised task is (its status line on the device)."""

    SEARCHING = "searching"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting to retry"
    UNAVAILABLE = "Bluetooth unavailable"
    STOPPED = "stopped"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class SensorHealth:
    """A snapshot of one sensor's counters (``pacer status``, the device's sensor screen)."""

    role: SensorRole
    address: str
    state: SensorState
    connects: int
    failures: int
    unexpected_disconnects: int
    silences: int
    parse_errors: int
    notifications: int
    gap_p95_s: float | None
    gap_p99_s: float | None
    battery_percent: int | None
    counter_resets: int
    spikes: int
    looks_like_strides: bool
    last_error: str
    #: The backoff chosen after the last failure or drop, s.
    retry_delay_s: float | None

    def summary(self) -> str:
        """One line: ``hr F0:13:... connected, 3 connects, 1 drop, gaps p95 1.02 s``."""
        parts = [f"{self.role.value} {self.address} {self.state.value}"]
        if self.battery_percent is not None:
            parts.append(f"battery {self.battery_percent} %")
        parts.append(f"{self.connects} connect(s), {self.failures} failure(s)")
        parts.append(f"{self.unexpected_disconnects} drop(s), {self.silences} silence(s)")
        if self.parse_errors:
            parts.append(f"{self.parse_errors} parse error(s)")
        if self.gap_p95_s is not None and self.gap_p99_s is not None:
            parts.append(f"gaps p95 {self.gap_p95_s:.2f} s p99 {self.gap_p99_s:.2f} s")
        if self.looks_like_strides:
            parts.append("cadence looks like strides: pair with --cadence-unit strides")
        if self.last_error and self.state is not SensorState.CONNECTED:
            parts.append(f"last error: {self.last_error}")
            if self.retry_delay_s is not None:
                parts.append(f"retrying after {self.retry_delay_s:.1f} s")
        return ", ".join(parts)


@dataclass
class HealthCounters:
    """The mutable counters a session updates as things happen."""

    role: SensorRole
    address: str
    state: SensorState = SensorState.SEARCHING
    connects: int = 0
    failures: int = 0
    unexpected_disconnects: int = 0
    silences: int = 0
    parse_errors: int = 0
    notifications: int = 0
    battery_percent: int | None = None
    last_error: str = ""
    retry_delay_s: float | None = None
    gaps_s: deque[float] = field(default_factory=lambda: deque(maxlen=GAP_WINDOW))

    def snapshot(
        self, *, counter_resets: int = 0, spikes: int = 0, looks_like_strides: bool = False
    ) -> SensorHealth:
        gaps = list(self.gaps_s)
        return SensorHealth(
            role=self.role,
            address=self.address,
            state=self.state,
            connects=self.connects,
            failures=self.failures,
            unexpected_disconnects=self.unexpected_disconnects,
            silences=self.silences,
            parse_errors=self.parse_errors,
            notifications=self.notifications,
            gap_p95_s=percentile(gaps, 95),
            gap_p99_s=percentile(gaps, 99),
            battery_percent=self.battery_percent,
            counter_resets=counter_resets,
            spikes=spikes,
            looks_like_strides=looks_like_strides,
            last_error=self.last_error,
            retry_delay_s=self.retry_delay_s,
        )
