"""What the daemon says about itself: ``status.get`` (and each second to subscribers), and the
one-line ``STATUS=`` systemd shows. Pure functions of the daemon's state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pacer.core.samples import SensorRole
from pacer.engine.snapshot import RunState

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.daemon.live import LiveRun
    from pacer.daemon.menu import Menu


@runtime_checkable
class DescribesItself(Protocol):
    """Sensors that can say how they are (BleSensors: "Bluetooth unavailable", "hr
    connected, pod searching"): the idle STATUS= line shows it."""

    def status_line(self) -> str: ...


def status_json(
    run: LiveRun | None, menu: Menu, battery: int | None, sensors: dict[SensorRole, bool]
) -> dict[str, Any]:
    """What ``status.get`` answers and subscribers get every second."""
    if run is None or run.last is None:
        offer = menu.offer
        return {
            "state": RunState.IDLE.value,
            "workout": None,
            "selected": menu.selected,
            "resume": None
            if offer is None
            else {
                "activity": offer.activity,
                "workout": offer.point.workout,
                "step": offer.point.step + 1,
            },
            "battery_percent": battery,
            "sensors": {str(role): up for role, up in sensors.items()},
        }
    from pacer.link.status import status_json as snapshot_json

    status = snapshot_json(run.last, run.name)
    status["activity"] = run.activity_id
    status["saved"] = run.saved  # every row committed, not just the engine done
    if run.storage_full:  # the run goes on; its recording stopped at saved_t
        status["state"] = "storage_full" if not run.done else status["state"]
        status["storage"] = "full"
    return status


def status_text(
    run: LiveRun | None,
    menu: Menu,
    battery: int | None,
    sensors: dict[SensorRole, bool],
    hw_sensors: object,
) -> str:
    """The ``STATUS=`` line: ``idle: step-up-run; sensors: hr, pod, battery 87 %``,
    ``running: step-up-run, step 3/5 Z3 mid``, ``done: ... saved (activity 12)``."""
    if run is not None and run.last is not None:
        snap = run.last
        if snap.state is RunState.DONE:
            return f"done: {run.name} {run.saved_text()} (activity {run.activity_id})"
        if run.storage_full:
            return f"storage_full: {run.name}, {run.saved_text()}"
        return (
            f"{snap.state.value}: {run.name}, step {snap.step_number}/{snap.step_count} "
            f"{snap.step_name}"
        )
    if menu.offer is not None:
        return f"idle: offering to resume {menu.offer.point.workout}"
    describe = getattr(hw_sensors, "status_line", None)  # (cheaper than a Protocol check)
    if callable(describe):
        line = str(describe())  # DescribesItself: "hr connected, pod searching"
    else:
        line = ", ".join(str(r) for r, ok in sorted(sensors.items()) if ok) or "none"
    level = "" if battery is None else f", battery {battery} %"
    return f"idle: {menu.selected or 'no workout'}; sensors: {line}{level}"


__all__ = ["DescribesItself", "status_json", "status_text"]
