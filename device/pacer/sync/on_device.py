"""The device's own sync: wait for the moment (:mod:`pacer.sync.when`), sync, stop when a
workout starts.

:func:`sync_when_idle` asks the policy on the injected clock: *sync* runs the job (the
orchestration ``pacer sync`` runs, on a :class:`~pacer.sync.store_device.StoreDevice`) in a
worker thread; *wait* (a workout runs, a run just ended, the daemon restarts) sleeps
``poll_s`` and asks again, up to ``wait_s`` in all; *skip* (Wi-Fi off, no key) ends at once,
quietly. While the job runs, every call it makes to the device first asks the policy again
(:class:`GuardedDevice`): when a workout starts (or Wi-Fi goes) the call raises
:class:`SyncStopped` before touching anything, so the job stops between two items and its
ledger holds what was done and nothing half-done. The wait then goes on: once the run
ends, the sync picks up the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pacer.core.clock import Clock
from pacer.sync.port import DeviceActivity, DeviceWorkout, SyncDevice, SyncStopped
from pacer.sync.when import SETTLE_S, Decision, Verdict, decide, read_state
from pacer.workout.profile import Profile


@dataclass
class Gate:
    """The policy with its inputs: the daemon's published state, the Wi-Fi interface, the
    credentials, the clock."""

    runtime_dir: Path
    clock: Clock
    wifi: Callable[[], bool]
    credentials: Callable[[], bool]
    settle_s: float = SETTLE_S

    def decision(self) -> Decision:
        return decide(
            read_state(self.runtime_dir),
            wifi=self.wifi(),
            credentials=self.credentials(),
            now=self.clock.monotonic(),
            settle_s=self.settle_s,
        )

    def running(self) -> str | None:
        """The workout the daemon runs (None: idle, or no daemon)."""
        state = read_state(self.runtime_dir)
        return None if state is None else state.running


class GuardedDevice:
    """A :class:`SyncDevice` whose every call first checks ``keep_going`` and raises
    :class:`SyncStopped` (changing nothing) when it says no."""

    def __init__(self, device: SyncDevice, keep_going: Callable[[], Decision]) -> None:
        self.device = device
        self.keep_going = keep_going

    def _check(self) -> None:
        decision = self.keep_going()
        if not decision.go:
            raise SyncStopped(f"sync stopped between two items: {decision.reason}")

    def workouts(self) -> list[DeviceWorkout]:
        self._check()
        return self.device.workouts()

    def put_workout(
        self, name: str, workout_yaml: str, *, origin: str, origin_updated: str
    ) -> None:
        self._check()
        self.device.put_workout(name, workout_yaml, origin=origin, origin_updated=origin_updated)

    def remove_workout(self, name: str) -> None:
        self._check()
        self.device.remove_workout(name)

    def select_workout(self, name: str) -> None:
        self._check()
        self.device.select_workout(name)

    def activities(self) -> list[DeviceActivity]:
        self._check()
        return self.device.activities()

    def activity_fit(self, activity_id: int) -> bytes:
        self._check()
        return self.device.activity_fit(activity_id)

    def profile(self) -> Profile:
        self._check()
        return self.device.profile()

    def set_profile(self, profile: Profile) -> None:
        self._check()
        self.device.set_profile(profile)


class Outcome(StrEnum):
    #: the job ran to its end
    SYNCED = "synced"
    #: nothing to do this time (Wi-Fi off, no key): said why
    SKIPPED = "skipped"
    #: waited ``wait_s`` for the device to be idle (a long run), or a run stopped the job
    #: and did not end in time: the next timer tries again
    WAITED_OUT = "waited_out"


#: The job: given ``keep_going`` (the policy, asked again), it opens its device and syncs.
#: Blocking (HTTP, SQLite); run in a worker thread, so it opens the store there.
Job = Callable[[Callable[[], Decision]], object]


def store_job(
    data_dir: Path,
    orchestrate: Callable[[SyncDevice], object],
    *,
    running: Callable[[], str | None],
    clock: Clock | None = None,
) -> Job:
    """A :data:`Job` that runs ``orchestrate`` on a guarded
    :class:`~pacer.sync.store_device.StoreDevice` over the store in ``data_dir`` (opened
    in the job's thread, closed after)."""
    from pacer.storage.store import Store
    from pacer.sync.store_device import StoreDevice

    def job(keep_going: Callable[[], Decision]) -> object:
        with Store.open_dir(data_dir) as store:
            device = StoreDevice(store, running=running, clock=clock)
            return orchestrate(GuardedDevice(device, keep_going))

    return job


async def sync_when_idle(
    gate: Gate,
    job: Job,
    *,
    wait_s: float,
    poll_s: float = 30.0,
    say: Callable[[str], None] = print,
) -> Outcome:
    """Sync once the policy allows, waiting at most ``wait_s`` (see the module's docstring).
    Every change of mind is said once (``say``), in the words of :class:`Decision`."""
    clock = gate.clock
    deadline = clock.monotonic() + wait_s
    said = ""

    def tell(text: str) -> None:
        nonlocal said
        if text != said:
            said = text
            say(text)

    while True:
        decision = gate.decision()
        if decision.verdict is Verdict.SKIP:
            tell(f"not syncing: {decision.reason}")
            return Outcome.SKIPPED
        if decision.verdict is Verdict.SYNC:
            tell(f"syncing: {decision.reason}")
            try:
                await asyncio.to_thread(job, gate.decision)
            except SyncStopped as exc:
                tell(str(exc))
            else:
                return Outcome.SYNCED
            continue
        left = deadline - clock.monotonic()
        if left <= 0:
            tell(f"not syncing now: {decision.reason}; the timer tries again later")
            return Outcome.WAITED_OUT
        tell(f"waiting: {decision.reason}")
        await clock.sleep(min(poll_s, left))


__all__ = [
    "Gate",
    "GuardedDevice",
    "Job",
    "Outcome",
    "store_job",
    "sync_when_idle",
]
