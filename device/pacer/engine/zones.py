"""Where a value sits against a target: the one in/over/under classification (pure).

The engine's status (what the screen shows, what the step's time in target counts) and the
recording's per-record status (``pacer report``, the replayed summary) both come from
:func:`status_of`, so a second counted "in" on the run is "in" in the report too. A ramp is
judged against its band at the fraction of the step done (:meth:`ResolvedTarget.bounds_at`).
"""

from __future__ import annotations

from pacer.engine.snapshot import TargetStatus
from pacer.workout.resolve import ResolvedTarget


def classify(value: float, low: float, high: float) -> TargetStatus:
    """IN for ``low <= value <= high``; the bounds themselves are in."""
    if value > high:
        return TargetStatus.OVER
    if value < low:
        return TargetStatus.UNDER
    return TargetStatus.IN


def status_of(
    value: float | None, target: ResolvedTarget | None, fraction: float = 0.0
) -> TargetStatus:
    """Where ``value`` sits against ``target`` at ``fraction`` of the step done (NONE
    without either)."""
    if value is None or target is None:
        return TargetStatus.NONE
    low, high = target.bounds_at(fraction)
    return classify(value, low, high)


__all__ = ["classify", "status_of"]
