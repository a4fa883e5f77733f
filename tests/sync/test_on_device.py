"""A workout that starts while the device syncs itself: the real orchestration
(:class:`pacer.sync.runner.Syncer`) on a :class:`GuardedDevice` over the device's store and
a loopback intervals.icu stops between two items, its ledger consistent (what was sent is
``sent``, the rest ``pending``, nothing ``failed``); the next sync sends the rest, each run
exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pacer.storage.store import Store
from pacer.sync.icu import IcuClient
from pacer.sync.ledger import Ledger, State
from pacer.sync.on_device import GuardedDevice
from pacer.sync.port import SyncStopped
from pacer.sync.runner import Options, Syncer
from pacer.sync.store_device import StoreDevice
from pacer.sync.when import Decision, Verdict
from tests.support.fake_services import API_KEY, FakeServices, fake_services
from tests.support.sync_rig import plan_week, seed_runs

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with fake_services() as f:
        yield f


class StartsAfter:
    """The policy as the device sees it: idle for ``calls`` device calls, then a workout
    runs."""

    def __init__(self, calls: int | None) -> None:
        self.left = calls
        self.asked = 0

    def __call__(self) -> Decision:
        self.asked += 1
        if self.left is not None:
            if self.left == 0:
                return Decision(Verdict.WAIT, "a workout is running (tempo)")
            self.left -= 1
        return Decision(Verdict.SYNC, "idle")


def sync(data: Path, fake: FakeServices, keep_going: StartsAfter, out: list[str]) -> None:
    icu = IcuClient(API_KEY, "0", fake.url)
    try:
        with Store.open_dir(data) as store, Ledger.open_dir(data) as ledger:
            device = GuardedDevice(StoreDevice(store), keep_going)
            Syncer(device, icu, ledger, out=out.append, today=date.today()).run(Options())
    finally:
        icu.close()


def test_a_run_that_starts_mid_sync_leaves_the_ledger_consistent(
    tmp_path: Path, fake: FakeServices
) -> None:
    data = tmp_path / "data"
    plan_week(fake, date.today(), 3)
    # the plan's "% pace" steps resolve against the threshold pace that comes in with it
    fake.athlete = {"sportSettings": [{"types": ["Run"], "threshold_pace": 4.0}]}
    runs = seed_runs(data, 4, seconds=120)
    out: list[str] = []
    # the calls: profile, set_profile, workouts, 3 puts, select, activities, then a FIT a run
    stop = StartsAfter(8 + 2)
    with pytest.raises(SyncStopped, match=r"a workout is running \(tempo\)"):
        sync(data, fake, stop, out)
    assert len(fake.uploads()) == 2
    with Ledger.open_dir(data) as ledger:
        states = sorted(e.state for e in ledger.entries())
    assert states == [State.PENDING, State.SENT, State.SENT], "the third was due, not begun"
    assert not any(line.lstrip().startswith("!") for line in out), "a stop is not a problem"

    out.clear()
    sync(data, fake, StartsAfter(None), out)
    assert len(fake.uploads()) == len(runs), "each run sent exactly once"
    with Ledger.open_dir(data) as ledger:
        assert {e.state for e in ledger.entries()} == {State.SENT}
        assert len(ledger.entries()) == len(runs)
    with Store.open_dir(data) as store:
        assert len([w for w in store.list_workouts() if w.origin]) == 3
